test_cpulist_SRCS := dom0-tools/lib/cpulist.c
