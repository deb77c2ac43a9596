# The real frame allocator on 8192 fake frames (its own frame table in
# fake machine memory, as test_tlbflush) and the TLB-flush clock.
test_page_alloc_SRCS := hypervisor/common/page_alloc.c hypervisor/common/tlbflush.c \
	hypervisor/arch/fake/cpu.c hypervisor/arch/fake/console.c
$(OUT)/test_page_alloc: CFLAGS += -DFAKE_NR_FRAMES=8192u
