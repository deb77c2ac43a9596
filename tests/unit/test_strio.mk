test_strio_SRCS := hypervisor/arch/x86_64/pv_strio.c hypervisor/arch/fake/guest_access.c
