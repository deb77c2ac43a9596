test_hypercall_args_SRCS := hypervisor/common/iomem.c hypervisor/common/hypercall.c hypervisor/common/version.c hypervisor/common/vm_assist.c hypervisor/common/pirq.c hypervisor/common/msi.c hypervisor/common/mmcfg.c hypervisor/arch/fake/irq.c hypervisor/arch/fake/pci.c \
	hypervisor/arch/x86_64/pv_hypercalls.c hypervisor/arch/x86_64/physdev.c hypervisor/arch/x86_64/desc.c \
	hypervisor/arch/x86_64/pv_mm.c hypervisor/arch/x86_64/pv_ldt.c hypervisor/common/event_channel.c hypervisor/common/event_fifo.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/traps.c hypervisor/arch/fake/sched.c \
	hypervisor/arch/fake/hypercall_stubs.c \
	hypervisor/common/grant_table.c hypervisor/arch/fake/frame_alloc.c hypervisor/arch/fake/host.c
# pv_hypercalls.c's inline asm fills an exception table with absolute
# addresses: link this test as a non-PIE executable.
$(OUT)/test_hypercall_args: CFLAGS += -fno-pie
$(OUT)/test_hypercall_args: LDLIBS += -no-pie
