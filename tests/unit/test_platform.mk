test_platform_SRCS := hypervisor/arch/x86_64/platform_op.c hypervisor/arch/x86_64/physdev.c \
	hypervisor/common/event_channel.c hypervisor/common/pirq.c hypervisor/arch/fake/irq.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c \
	hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c hypervisor/arch/fake/domain.c \
	hypervisor/arch/fake/guest_access.c hypervisor/arch/fake/sched.c
