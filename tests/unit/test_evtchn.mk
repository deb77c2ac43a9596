test_evtchn_SRCS := hypervisor/common/event_channel.c hypervisor/common/event_fifo.c \
	hypervisor/arch/x86_64/pv_mm.c hypervisor/common/iomem.c hypervisor/arch/x86_64/pv_ldt.c \
	hypervisor/arch/fake/frame_alloc.c hypervisor/arch/fake/continuation.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/common/pirq.c hypervisor/common/msi.c hypervisor/common/mmcfg.c hypervisor/arch/fake/irq.c hypervisor/arch/fake/pci.c \
	hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c hypervisor/arch/fake/domain.c \
	hypervisor/arch/fake/guest_access.c hypervisor/arch/fake/sched.c \
	hypervisor/arch/fake/traps.c hypervisor/arch/fake/seg_desc.c
