/*
 * gnt2-mapper (domain 4 of run-gnttab.sh), the peer of gnt2-granter,
 * whose table is version 2 while this one's stays version 1.  It grants
 * its own page (ref 12, v1) to domain 3 for the transitive grant, then
 * maps domain 3's ref 8 (full_page, retrying until the granter is ready)
 * and checks its bytes; copies both ways; is refused a map of the
 * sub-page ref 10 and of the transitive ref 11; copies into ref 10 inside
 * its window (and is refused outside it); copies from ref 11 and gets its
 * own page's bytes (one transitive level, as Xen); maps ref 9 read-only
 * and is refused a writable map or copy into it; writes its pattern and a
 * "done" word into ref 8; then waits for the granter to be destroyed and
 * checks that the mapping still reads back before unmapping it.
 */
#include "gnt-common.h"

static uint8_t win[4096] PAGE_ALIGNED;       /* d3's ref 8 is mapped here */
static uint8_t win_ro[4096] PAGE_ALIGNED;    /* ref 9 read-only */
static uint8_t spare[4096] PAGE_ALIGNED;
static uint8_t local[4096] PAGE_ALIGNED;
static uint8_t src[4096] PAGE_ALIGNED;
static uint8_t own[4096] PAGE_ALIGNED;       /* granted to d3 as our ref 12 */
static uint8_t table_window[4096] PAGE_ALIGNED;

/* Map a grant of the granter at va. */
static int16_t map(void *va, grant_ref_t ref, uint32_t flags, grant_handle_t *h)
{
	return gnt_map(GNT2_GRANTER, va, ref, flags, h);
}

/* Copy between d3's grant ref (at off) and our page mine (at moff). */
static int16_t copy(bool from_grant, grant_ref_t ref, uint16_t off, void *mine, uint16_t moff,
		    uint16_t len)
{
	struct gnttab_copy c = { .len = len, .status = 99 };
	struct gnttab_copy_ptr *g = from_grant ? &c.source : &c.dest;
	struct gnttab_copy_ptr *l = from_grant ? &c.dest : &c.source;

	g->u.ref = ref;
	g->domid = GNT2_GRANTER;
	g->offset = off;
	l->u.gmfn = va_to_mfn(mine);
	l->domid = DOMID_SELF;
	l->offset = moff;
	c.flags = from_grant ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
	if (gnttab_op(GNTTABOP_copy, &c, 1))
		return 99;
	return c.status;
}

/* Our own (v1) table: ref 12 grants `own` to d3, read-only. */
static bool grant_own_page(void)
{
	xen_pfn_t frames[1] = { 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = (uint64_t)frames };
	volatile struct grant_entry_v1 *gt = (volatile struct grant_entry_v1 *)table_window;
	unsigned int i;

	if (!CHECK_RC("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0) ||
	    !CHECK_EQ("setup_table status", st.status, GNTST_okay) ||
	    !CHECK_RC("map our grant table frame",
		      HYPERVISOR_update_va_mapping((unsigned long)table_window,
						   (frames[0] << 12) | _PAGE_PRESENT | _PAGE_RW |
						   _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY,
						   UVMF_INVLPG), 0))
		return false;
	for (i = 0; i < 4096; i++)
		own[i] = pat_own(i);
	gt[GNT2_MAPPER_REF].domid = GNT2_GRANTER;
	gt[GNT2_MAPPER_REF].frame = (uint32_t)va_to_mfn(own);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gt[GNT2_MAPPER_REF].flags = GTF_permit_access | GTF_readonly;
	return true;
}

static void sub_page_and_transitive(void)
{
	grant_handle_t hx = 0;
	unsigned int i;

	/* Neither a sub-page nor a transitive grant can be mapped (Xen). */
	CHECK_EQ("map of the sub-page ref 10 refused",
		 map(spare, GNT2_REF_SUB, GNTMAP_host_map, &hx), GNTST_general_error);
	CHECK_EQ("map of the transitive ref 11 refused",
		 map(spare, GNT2_REF_TRANS, GNTMAP_host_map | GNTMAP_readonly, &hx),
		 GNTST_general_error);
	for (i = 0; i < 4096; i++)
		src[i] = pat_copy(i);
	CHECK_EQ("copy into the sub-page window",
		 copy(false, GNT2_REF_SUB, GNT2_SUB_OFF, src, 0, GNT2_SUB_LEN), GNTST_okay);
	CHECK_EQ("copy ending one byte past the window refused",
		 copy(false, GNT2_REF_SUB, GNT2_SUB_OFF + 1, src, 0, GNT2_SUB_LEN),
		 GNTST_general_error);
	CHECK_EQ("copy starting before the window refused",
		 copy(false, GNT2_REF_SUB, GNT2_SUB_OFF - 1, src, 0, 8), GNTST_general_error);
	memset(local, 0, sizeof(local));
	CHECK_EQ("copy back out of the window",
		 copy(true, GNT2_REF_SUB, GNT2_SUB_OFF, local, 100, 200), GNTST_okay);
	i = first_diff(local + 100, pat_copy, 200);
	check(i == 200, "sub-page bytes read back", "byte %u is %#x", i, local[100 + i]);
	/* Transitive: d3's ref 11 is our own ref 12. */
	memset(local, 0, sizeof(local));
	CHECK_EQ("copy through the transitive ref 11", copy(true, GNT2_REF_TRANS, 0, local, 0, 4096),
		 GNTST_okay);
	i = first_diff(local, pat_own, 4096);
	check(i == 4096, "the transitive grant gives our own page's bytes", "byte %u is %#x", i,
	      local[i]);
	CHECK_EQ("copy into the transitive grant refused (our grant is read-only)",
		 copy(false, GNT2_REF_TRANS, 0, src, 0, 16), GNTST_general_error);
	check(!(((volatile struct grant_entry_v1 *)table_window)[GNT2_MAPPER_REF].flags &
		(GTF_reading | GTF_writing)),
	      "our ref 12 flags cleared after the transitive copies", "flags %#x",
	      ((volatile struct grant_entry_v1 *)table_window)[GNT2_MAPPER_REF].flags);
}

void guest_main(void)
{
	grant_handle_t h8 = 0, h9 = 0, hx = 0;
	int16_t st = GNTST_general_error, first = GNTST_okay;
	unsigned int i, tries;

	map_shared_info();
	CHECK_RC("traps_install", traps_install(), 0);
	gnt_sleep_init();
	trap_hook = gnt_upcall_hook;
	if (!grant_own_page())
		return;

	for (tries = 0; tries < 6000; tries++) {
		st = map(win, GNT_REF_RW, GNTMAP_host_map, &h8);
		if (st == GNTST_okay || st == 99)
			break;
		if (first == GNTST_okay)
			first = st;
		gnt_sleep_ms(10);
	}
	if (!CHECK_EQ("map d3 ref 8 (v2 full_page) read-write", st, GNTST_okay))
		return;
	note("mapped after %u retries (first status %d)", tries, first);
	i = first_diff(win, pat_granter, 4096);
	check(i == 4096, "ref 8 holds the granter's pattern", "byte %u is %#x", i, win[i]);

	CHECK_EQ("copy from ref 9", copy(true, GNT_REF_RO, 0, local, 0, 4096), GNTST_okay);
	i = first_diff(local, pat_ro, 4096);
	check(i == 4096, "copied bytes of ref 9", "byte %u is %#x", i, local[i]);
	for (i = 0; i < 4096; i++)
		src[i] = pat_copy(i);
	CHECK_EQ("copy into ref 8", copy(false, GNT_REF_RW, 0, src, 0, 4096), GNTST_okay);
	i = first_diff(win, pat_copy, 4096);
	check(i == 4096, "copied bytes visible through the mapping", "byte %u is %#x", i, win[i]);
	CHECK_EQ("copy into read-only ref 9 refused", copy(false, GNT_REF_RO, 0, src, 0, 16),
		 GNTST_general_error);
	CHECK_EQ("copy across the page end refused", copy(true, GNT_REF_RW, 4000, local, 0, 200),
		 GNTST_bad_copy_arg);
	sub_page_and_transitive();

	CHECK_EQ("map ref 9 read-only", map(win_ro, GNT_REF_RO, GNTMAP_host_map | GNTMAP_readonly,
					    &h9), GNTST_okay);
	i = first_diff(win_ro, pat_ro, 4096);
	check(i == 4096, "ref 9 readable through its mapping", "byte %u is %#x", i, win_ro[i]);
	CHECK_EQ("map ref 9 writable refused", map(spare, GNT_REF_RO, GNTMAP_host_map, &hx),
		 GNTST_general_error);
	CHECK_EQ("unmap ref 9", gnt_unmap(win_ro, h9), GNTST_okay);

	for (i = 0; i < GNT_DONE_OFF; i++)
		win[i] = pat_mapper(i);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint64_t *)(win + GNT_DONE_OFF) = GNT_DONE_MAGIC;
	note("wrote my pattern; waiting for d%u to go", GNT2_GRANTER);

	for (tries = 0; tries < 6000; tries++) {
		st = copy(true, GNT_REF_RW, 0, local, 0, 1);
		if (st != GNTST_okay)
			break;
		gnt_sleep_ms(10);
	}
	CHECK_EQ("granter destroyed: its grants are bad_domain", st, GNTST_bad_domain);
	i = first_diff(win, pat_mapper, GNT_DONE_OFF);
	check(i == GNT_DONE_OFF && *(volatile uint64_t *)(win + GNT_DONE_OFF) == GNT_DONE_MAGIC,
	      "the mapping stays valid after the granter died", "byte %u is %#x", i, win[i]);
	CHECK_EQ("unmap ref 8", gnt_unmap(win, h8), GNTST_okay);
	CHECK_EQ("second unmap: bad handle", gnt_unmap(win, h8), GNTST_bad_handle);
}
