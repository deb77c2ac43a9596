test_vstats_SRCS := hypervisor/common/vstats.c
