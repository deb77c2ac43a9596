test_iomem_SRCS := hypervisor/common/iomem.c
