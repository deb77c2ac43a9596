test_wx_SRCS := hypervisor/arch/x86_64/wx_check.c
