test_console_SRCS := hypervisor/common/console.c hypervisor/common/lib.c
