test_console_io_SRCS := hypervisor/common/console_io.c hypervisor/common/sched_op.c hypervisor/common/vcpu_op.c hypervisor/arch/fake/continuation.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/sched.c hypervisor/arch/fake/host.c
