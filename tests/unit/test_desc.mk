test_desc_SRCS := hypervisor/arch/x86_64/desc.c
