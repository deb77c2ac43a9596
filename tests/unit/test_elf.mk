test_elf_SRCS := hypervisor/common/elf.c
