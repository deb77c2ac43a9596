# test_timer_cpus: per-CPU vCPU timers on the real scheduler (issue 11, defect 5).
test_timer_cpus_SRCS := hypervisor/common/timer.c hypervisor/common/sched.c hypervisor/common/vstats.c hypervisor/common/pirq.c hypervisor/common/msi.c hypervisor/common/iomem.c hypervisor/arch/fake/irq.c hypervisor/arch/fake/pci.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/host.c
