test_bootdesc_SRCS := hypervisor/common/fdt.c hypervisor/common/bootdesc.c \
	dom0-tools/lib/bdgen.c dom0-tools/lib/xlcfg.c dom0-tools/lib/xlcfg_domain.c
# Descriptions are built with the host's libfdt (and dom0-tools' writer).
$(OUT)/test_bootdesc: LDLIBS += -lfdt
