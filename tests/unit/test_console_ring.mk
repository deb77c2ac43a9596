test_console_ring_SRCS := dom0-tools/lib/console_ring.c
