test_fdt_SRCS := hypervisor/common/fdt.c
# The tests build their device trees with the host's libfdt.
$(OUT)/test_fdt: LDLIBS += -lfdt
