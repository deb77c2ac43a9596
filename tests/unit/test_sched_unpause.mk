test_sched_unpause_SRCS := hypervisor/common/sched.c hypervisor/common/vstats.c hypervisor/common/guest_ops.c hypervisor/arch/fake/continuation.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/host.c
