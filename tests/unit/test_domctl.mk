test_domctl_SRCS := hypervisor/common/domctl.c hypervisor/common/sysctl.c hypervisor/common/vstats.c hypervisor/arch/fake/continuation.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/sched.c hypervisor/arch/fake/host.c
