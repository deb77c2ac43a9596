test_domain_life_SRCS := hypervisor/common/domain_life.c hypervisor/arch/fake/continuation.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c hypervisor/arch/fake/cons_io.c \
	hypervisor/arch/fake/sched.c hypervisor/arch/fake/host.c
