test_gnttab_v2_SRCS := hypervisor/common/iomem.c hypervisor/common/grant_table.c hypervisor/arch/x86_64/pv_mm.c hypervisor/arch/x86_64/pv_ldt.c \
	hypervisor/arch/fake/frame_alloc.c hypervisor/arch/fake/continuation.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/traps.c hypervisor/arch/fake/sched.c hypervisor/arch/fake/seg_desc.c
