test_evtchn_SRCS := hypervisor/common/event_channel.c hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/common/pirq.c hypervisor/arch/fake/irq.c \
	hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c hypervisor/arch/fake/domain.c \
	hypervisor/arch/fake/guest_access.c hypervisor/arch/fake/sched.c
