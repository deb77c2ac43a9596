test_backstats_SRCS := dom0-tools/lib/backstats.c
