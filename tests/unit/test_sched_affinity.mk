test_sched_affinity_SRCS := hypervisor/common/sched.c hypervisor/common/vstats.c hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c \
	hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c hypervisor/arch/fake/domain.c \
	hypervisor/arch/fake/guest_access.c hypervisor/arch/fake/host.c
