# test_msi: common/msi.c through physdev.c and the event channels, on a
# fake PCI configuration space (arch/fake/pci.c).
test_msi_SRCS := $(test_evtchn_SRCS) hypervisor/arch/x86_64/physdev.c
