test_platform_SRCS := hypervisor/arch/x86_64/platform_op.c hypervisor/arch/x86_64/physdev.c $(test_evtchn_SRCS)
