test_bzimage_SRCS := hypervisor/common/bzimage.c hypervisor/common/xz_dec.c
