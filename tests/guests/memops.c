/*
 * memops: a domU (tests/boot/run-memops.sh: memory 32 MiB, maxmem 36 MiB)
 * that changes its own memory reservation and uses the mmuext_op
 * additions, checking bytes and counts:
 *  - increase/decrease with current_reservation, up to max_pages (the
 *    partial count), a batch long enough to be continued;
 *  - populate, write, decrease, re-populate (fresh frames read as zero);
 *  - exchange two pages for one order-1 extent below 4 GiB;
 *  - COPY_PAGE and CLEAR_PAGE on its own pages;
 *  - an LDT with a data descriptor, loaded into %fs and read through;
 *  - the refusals: bad pointers, over the limit, freeing a mapped page or
 *    a pinned page table, an LDT over a writable-mapped page, huge counts.
 */
#include "lib/guest.h"
#include <public/memory.h>

#define NEW_GPFN 0x100000UL         /* GPFNs for populate: above our pages */
#define LIMIT_EXTRA 3
#define MAX_LIST 2048
#define MEMOP_CHUNK 512             /* the hypervisor's preemption chunk (pages) */

static uint8_t window[4096] PAGE_ALIGNED;     /* new frames are mapped here */
static uint8_t src_page[4096] PAGE_ALIGNED;
static uint8_t dst_page[4096] PAGE_ALIGNED;
static uint64_t pt_page[512] PAGE_ALIGNED;    /* pinned as an (empty) L1 */
static uint64_t ldt[512] PAGE_ALIGNED;        /* the LDT */
static uint8_t rw_page[4096] PAGE_ALIGNED;    /* stays writable */
static uint64_t target = 0x5eed0fca11ab1e00UL; /* read through the LDT segment */
static xen_pfn_t list[MAX_LIST];

static long memory_op(unsigned int cmd, void *arg)
{
	return HC(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
}

static long reservation(unsigned int op, xen_pfn_t *l, unsigned long nr,
			unsigned int order, uint32_t flags, domid_t dom)
{
	struct xen_memory_reservation r = { .nr_extents = nr, .extent_order = order,
					    .mem_flags = flags, .domid = dom };

	set_xen_guest_handle(r.extent_start, l);
	return memory_op(op, &r);
}

static unsigned long tot_pages(void)
{
	domid_t self = DOMID_SELF;

	return (unsigned long)memory_op(XENMEM_current_reservation, &self);
}

static unsigned long m2p(unsigned long mfn)
{
	return ((const unsigned long *)MACH2PHYS_VIRT_START)[mfn];
}

static long map_window(unsigned long mfn)
{
	return HYPERVISOR_update_va_mapping((unsigned long)window,
					    (mfn << 12) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
					    _PAGE_ACCESSED | _PAGE_DIRTY, UVMF_INVLPG);
}

static void unmap_window(void)
{
	CHECK_RC("window back to its own frame", map_window(va_to_mfn(window)), 0);
}

static long mmuext(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = arg1;
	op.arg2.src_mfn = arg2;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static bool all_bytes(const uint8_t *p, uint8_t v)
{
	unsigned int i;

	for (i = 0; i < PAGE_SIZE; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_increase_decrease(unsigned long base)
{
	unsigned int i;

	CHECK_RC("increase 4", reservation(XENMEM_increase_reservation, list, 4, 0, 0,
					   DOMID_SELF), 4);
	CHECK_EQ("tot_pages +4", tot_pages(), base + 4);
	CHECK_EQ("new frame's M2P is invalid", m2p(list[0]), ~0UL);
	CHECK_RC("map a new frame", map_window(list[0]), 0);
	memset(window, 0xa5, PAGE_SIZE);
	check(all_bytes(window, 0xa5), "write and read a new frame", "bytes differ");
	/* mapped: it cannot be given back */
	CHECK_RC("decrease of a mapped frame refused", reservation(XENMEM_decrease_reservation,
								   list, 1, 0, 0, DOMID_SELF), 0);
	unmap_window();
	CHECK_RC("decrease 4", reservation(XENMEM_decrease_reservation, list, 4, 0, 0,
					   DOMID_SELF), 4);
	CHECK_EQ("tot_pages back", tot_pages(), base);
	CHECK_RC("the same frames again: not ours", reservation(XENMEM_decrease_reservation,
								 list, 4, 0, 0, DOMID_SELF), 0);
	for (i = 0; i < 4; i++)
		list[i] = 0;
}

static void test_limit(unsigned long base, unsigned long max)
{
	unsigned long room = max - base;
	long rc;

	if (!check(room + LIMIT_EXTRA <= MAX_LIST && room > MEMOP_CHUNK, "maxmem room",
		   "%lu pages between tot_pages and max_pages", room))
		return;
	/* longer than one preemption chunk: the continuation carries on */
	rc = reservation(XENMEM_increase_reservation, list, room + LIMIT_EXTRA, 0, 0, DOMID_SELF);
	CHECK_RC("increase past max_pages: the partial count", rc, (long)room);
	CHECK_EQ("tot_pages at max_pages", tot_pages(), max);
	CHECK_RC("one more: 0", reservation(XENMEM_increase_reservation, NULL, 1, 0, 0,
					    DOMID_SELF), 0);
	CHECK_RC("populate at the limit: 0", reservation(XENMEM_populate_physmap, list + room, 1,
							 0, 0, DOMID_SELF), 0);
	rc = reservation(XENMEM_decrease_reservation, list, room, 0, 0, DOMID_SELF);
	CHECK_RC("decrease them all", rc, (long)room);
	CHECK_EQ("tot_pages back", tot_pages(), base);
}

static void test_populate(unsigned long base)
{
	list[0] = NEW_GPFN;
	list[1] = NEW_GPFN + 1;
	CHECK_RC("populate 2", reservation(XENMEM_populate_physmap, list, 2, 0, 0, DOMID_SELF), 2);
	CHECK_EQ("populate wrote the M2P", m2p(list[0]), NEW_GPFN);
	CHECK_EQ("populate wrote the M2P (2)", m2p(list[1]), NEW_GPFN + 1);
	CHECK_EQ("tot_pages +2", tot_pages(), base + 2);
	CHECK_RC("map it", map_window(list[0]), 0);
	check(all_bytes(window, 0), "a populated frame reads as zero", "stale bytes");
	memset(window, 0x3c, PAGE_SIZE);
	unmap_window();
	CHECK_RC("decrease them", reservation(XENMEM_decrease_reservation, list, 2, 0, 0,
					      DOMID_SELF), 2);
	list[0] = NEW_GPFN;
	list[1] = NEW_GPFN + 1;
	CHECK_RC("re-populate", reservation(XENMEM_populate_physmap, list, 2, 0, 0, DOMID_SELF),
		 2);
	CHECK_RC("map again", map_window(list[0]), 0);
	check(all_bytes(window, 0), "re-populated frame reads as zero", "stale bytes");
	unmap_window();
}

/* list[0..1] hold two populated frames (test_populate). */
static void test_exchange(unsigned long base)
{
	xen_pfn_t in[2] = { list[0], list[1] }, out[1] = { NEW_GPFN + 8 };
	struct xen_memory_exchange x = {
		.in = { .nr_extents = 2, .extent_order = 0, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .extent_order = 1, .domid = DOMID_SELF,
			 .mem_flags = XENMEMF_address_bits(32) },
	};

	set_xen_guest_handle(x.in.extent_start, in);
	set_xen_guest_handle(x.out.extent_start, out);
	CHECK_RC("exchange 2 pages for an order-1 extent", memory_op(XENMEM_exchange, &x), 0);
	CHECK_EQ("nr_exchanged", x.nr_exchanged, 2);
	CHECK_EQ("the extent is aligned", out[0] & 1, 0);
	check(out[0] + 1 < (1UL << 20), "the extent is below 4 GiB", "mfn %#lx", out[0]);
	CHECK_EQ("its M2P", m2p(out[0] + 1), NEW_GPFN + 9);
	CHECK_EQ("tot_pages unchanged", tot_pages(), base + 2);
	CHECK_RC("the old frames are gone", reservation(XENMEM_decrease_reservation, in, 1, 0, 0,
							DOMID_SELF), 0);
	/* refusals: Xen's errors */
	x.nr_exchanged = 0;
	x.out.nr_extents = 2;
	CHECK_RC("exchange of unequal sizes", memory_op(XENMEM_exchange, &x), -XEN_EINVAL);
	CHECK_RC("exchange from a bad pointer", memory_op(XENMEM_exchange,
							  (void *)0xffff830000000000UL), -XEN_EFAULT);
	CHECK_RC("give the extent back (order 1)", reservation(XENMEM_decrease_reservation, out,
							       1, 1, 0, DOMID_SELF), 1);
	CHECK_EQ("tot_pages back", tot_pages(), base);
}

static void test_copy_clear(void)
{
	unsigned int i;

	for (i = 0; i < PAGE_SIZE; i++)
		src_page[i] = (uint8_t)(i * 13 + 5);
	memset(dst_page, 0x77, PAGE_SIZE);
	CHECK_RC("COPY_PAGE", mmuext(MMUEXT_COPY_PAGE, va_to_mfn(dst_page), va_to_mfn(src_page)),
		 0);
	check(memcmp(dst_page, src_page, PAGE_SIZE) == 0, "copied bytes", "differ");
	CHECK_RC("CLEAR_PAGE", mmuext(MMUEXT_CLEAR_PAGE, va_to_mfn(dst_page), 0), 0);
	check(all_bytes(dst_page, 0), "cleared bytes", "not zero");
	check(src_page[1] == 18, "source untouched", "byte 1 = %u", src_page[1]);
	CHECK_RC("COPY_PAGE from a frame that is not ours",
		 mmuext(MMUEXT_COPY_PAGE, va_to_mfn(dst_page), ~0UL >> 20), -XEN_EINVAL);
}

/* pt_page is pinned as an L1 (read-only mapped) meanwhile. */
static void test_pinned(void)
{
	xen_pfn_t one[1] = { va_to_mfn(pt_page) };

	memset(pt_page, 0, sizeof(pt_page));
	CHECK_RC("pt_page read-only", set_page_rw(pt_page, false), 0);
	CHECK_RC("pin it as an L1", mmuext(MMUEXT_PIN_L1_TABLE, one[0], 0), 0);
	CHECK_RC("decrease of a pinned page table refused", reservation(
			 XENMEM_decrease_reservation, one, 1, 0, 0, DOMID_SELF), 0);
	CHECK_RC("CLEAR_PAGE of a pinned page table refused",
		 mmuext(MMUEXT_CLEAR_PAGE, one[0], 0), -XEN_EINVAL);
	CHECK_RC("COPY_PAGE onto it refused", mmuext(MMUEXT_COPY_PAGE, one[0],
						     va_to_mfn(src_page)), -XEN_EINVAL);
	CHECK_RC("unpin", mmuext(MMUEXT_UNPIN_TABLE, one[0], 0), 0);
	CHECK_RC("pt_page writable again", set_page_rw(pt_page, true), 0);
}

static uint64_t data_desc(uint32_t base)
{
	/* present, DPL 3, data read/write, 4 GiB limit (G, D/B) */
	return 0xffffUL | ((uint64_t)(base & 0xffffff) << 16) | (0xf2UL << 40) |
	       (0xcfUL << 48) | ((uint64_t)(base >> 24) << 56);
}

static void test_ldt(void)
{
	const uint32_t seg_base = 0x12345000;
	const uint16_t sel = (1 << 3) | 4 | 3;         /* LDT entry 1, RPL 3 */
	uint64_t got = 0, off = (uint64_t)&target - seg_base;
	struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };

	memset(ldt, 0, sizeof(ldt));
	ldt[1] = data_desc(seg_base);
	op.arg1.linear_addr = (unsigned long)rw_page;
	op.arg2.nr_ents = 2;
	CHECK_RC("SET_LDT over a writable-mapped page refused",
		 HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	CHECK_RC("ldt page read-only", set_page_rw(ldt, false), 0);
	op.arg1.linear_addr = (unsigned long)ldt + 8;
	CHECK_RC("SET_LDT unaligned refused", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF),
		 -XEN_EINVAL);
	op.arg1.linear_addr = (unsigned long)ldt;
	op.arg2.nr_ents = 8193;
	CHECK_RC("SET_LDT of 8193 entries refused", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF),
		 -XEN_EINVAL);
	op.arg2.nr_ents = 2;
	CHECK_RC("SET_LDT", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	/* one asm block: load %fs from the LDT, read through it, reset %fs */
	__asm__ volatile("movw %w2, %%fs\n\t"
			 "movq %%fs:(%1), %0\n\t"
			 "movw %w3, %%fs"
			 : "=&r"(got) : "r"(off), "r"(sel), "r"(0) : "memory");
	CHECK_EQ("read through the LDT data segment", got, target);
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
	check(set_page_rw(ldt, true) != 0, "an LDT page cannot be made writable",
	      "update_va_mapping succeeded");
	op.arg2.nr_ents = 0;
	CHECK_RC("SET_LDT none", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	CHECK_RC("ldt page writable again", set_page_rw(ldt, true), 0);
}

static void test_refusals(void)
{
	CHECK_RC("populate with a hypervisor pointer", reservation(XENMEM_populate_physmap,
			(xen_pfn_t *)0xffff830000000000UL, 1, 0, 0, DOMID_SELF), 0);
	CHECK_RC("increase with a non-canonical list", reservation(XENMEM_increase_reservation,
			(xen_pfn_t *)0x0000800000000000UL, 1, 0, 0, DOMID_SELF), 0);
	/* As in Xen: an extent whose MFN cannot be written back is not
	 * counted as done but stays the domain's (and in tot_pages). */
	CHECK_RC("increase with an unmapped list", reservation(XENMEM_increase_reservation,
			(xen_pfn_t *)0x1000, 1, 0, 0, DOMID_SELF), 0);
	CHECK_RC("reservation struct unreadable", memory_op(XENMEM_increase_reservation,
							    (void *)0x0000800000000000UL), 0);
	CHECK_RC("huge nr_extents", reservation(XENMEM_increase_reservation, list, 1UL << 40, 0, 0,
						DOMID_SELF), 0);
	CHECK_RC("order 10 for a domU", reservation(XENMEM_increase_reservation, list, 1, 10, 0,
						    DOMID_SELF), 0);
	CHECK_RC("another domain's reservation", reservation(XENMEM_increase_reservation, list, 1,
							     0, 0, 0), 0);
	CHECK_RC("decrease of the hypervisor's frame 0", reservation(
			 XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 0);
}

void guest_main(void)
{
	domid_t self = DOMID_SELF;
	unsigned long base, max;

	map_shared_info();
	base = tot_pages();
	max = (unsigned long)memory_op(XENMEM_maximum_reservation, &self);
	CHECK_EQ("tot_pages = start_info nr_pages", base, start_info->nr_pages);
	check(max > base, "maxmem above memory", "max %lu, tot %lu", max, base);
	test_increase_decrease(base);
	test_limit(base, max);
	test_populate(base);
	test_exchange(base);
	test_copy_clear();
	test_pinned();
	test_ldt();
	list[0] = 0;        /* frame 0 is the hypervisor's */
	test_refusals();
	CHECK_EQ("tot_pages at the end (+1 unreported)", tot_pages(), base + 1);
	/* leave 2 extra frames: the domain's destruction must free them too */
	CHECK_RC("increase 2 before dying", reservation(XENMEM_increase_reservation, NULL, 2, 0, 0,
							DOMID_SELF), 2);
	say("memops: tot_pages %lu at exit", tot_pages());
}
