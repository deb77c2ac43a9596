# test_mmcfg: common/mmcfg.c (ECAM read-only to dom0, its writes filtered)
# through physdev.c and msi.c, on the fake PCI configuration space.
test_mmcfg_SRCS := $(test_evtchn_SRCS) hypervisor/arch/x86_64/physdev.c
