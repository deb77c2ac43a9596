test_timer_SRCS := hypervisor/common/timer.c hypervisor/common/pirq.c hypervisor/common/msi.c hypervisor/common/iomem.c hypervisor/arch/fake/irq.c hypervisor/arch/fake/pci.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/sched.c hypervisor/arch/fake/host.c
