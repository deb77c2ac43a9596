# The real frame allocator (its own frame table in fake machine memory) and
# the TLB-flush clock; not arch/fake/mm.c, whose frame table would clash.
test_tlbflush_SRCS := hypervisor/common/tlbflush.c hypervisor/common/page_alloc.c \
	hypervisor/arch/fake/cpu.c hypervisor/arch/fake/console.c
