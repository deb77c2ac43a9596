/*
 * gnt-granter (domain 1 of run-gnttab.sh): sets up its grant table, grants
 * a patterned page read-write (ref 8) and another read-only (ref 9) to
 * domain 2, then sleeps until the mapper's "done" word appears in the RW
 * page and checks the mapper's bytes, the GTF_reading/GTF_writing flags
 * the hypervisor keeps, and that revoking a mapped grant fails.  It then
 * shuts down while the mapper still maps ref 8 (the mapper checks that
 * the page stays valid).
 */
#include "gnt-common.h"

static uint8_t rw_page[4096] PAGE_ALIGNED;
static uint8_t ro_page[4096] PAGE_ALIGNED;
static uint8_t table_window[4096] PAGE_ALIGNED;

/* Linux's gnttab_end_foreign_access_ref (v1): only if not in use. */
static bool try_revoke(volatile struct grant_entry_v1 *e)
{
	uint16_t flags = e->flags;

	do {
		if (flags & (GTF_reading | GTF_writing))
			return false;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return true;
}

void guest_main(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	struct gnttab_set_version sv = { .version = 1 };
	xen_pfn_t frames[1] = { 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = (uint64_t)frames };
	volatile struct grant_entry_v1 *gt = (volatile struct grant_entry_v1 *)table_window;
	volatile uint64_t *done = (volatile uint64_t *)(rw_page + GNT_DONE_OFF);
	unsigned int i, waited = 0;

	map_shared_info();
	gnt_sleep_init();
	CHECK_RC("query_size", gnttab_op(GNTTABOP_query_size, &qs, 1), 0);
	check(qs.status == GNTST_okay && qs.nr_frames >= 1 && qs.max_nr_frames >= 1,
	      "query_size: a table of at least one frame", "status %d nr %u max %u",
	      qs.status, qs.nr_frames, qs.max_nr_frames);
	CHECK_RC("set_version 1", gnttab_op(GNTTABOP_set_version, &sv, 1), 0);
	CHECK_RC("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("setup_table status", st.status, GNTST_okay);
	CHECK_RC("map the grant table frame",
		 HYPERVISOR_update_va_mapping((unsigned long)table_window,
					      (frames[0] << 12) | _PAGE_PRESENT | _PAGE_RW |
					      _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY,
					      UVMF_INVLPG), 0);
	for (i = 0; i < 4096; i++) {
		rw_page[i] = pat_granter(i);
		ro_page[i] = pat_ro(i);
	}
	gt[GNT_REF_RO].domid = GNT_MAPPER;
	gt[GNT_REF_RO].frame = (uint32_t)va_to_mfn(ro_page);
	gt[GNT_REF_RW].domid = GNT_MAPPER;
	gt[GNT_REF_RW].frame = (uint32_t)va_to_mfn(rw_page);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gt[GNT_REF_RO].flags = GTF_permit_access | GTF_readonly;
	gt[GNT_REF_RW].flags = GTF_permit_access;
	note("granted ref %u (rw) and %u (ro) to d%u", GNT_REF_RW, GNT_REF_RO, GNT_MAPPER);

	while (*done != GNT_DONE_MAGIC && waited < 60000) {
		gnt_sleep_ms(10);
		waited += 10;
	}
	if (!check(*done == GNT_DONE_MAGIC, "the mapper signalled done", "waited %u ms", waited))
		return;
	i = first_diff(rw_page, pat_mapper, GNT_DONE_OFF);
	check(i == GNT_DONE_OFF, "the mapper's writes arrived byte for byte",
	      "byte %u is %#x, expected %#x", i, rw_page[i], pat_mapper(i));
	check((gt[GNT_REF_RW].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
	      "ref 8 marked reading+writing while mapped", "flags %#x", gt[GNT_REF_RW].flags);
	check(!(gt[GNT_REF_RO].flags & (GTF_reading | GTF_writing)),
	      "ref 9 flags cleared after the mapper unmapped it", "flags %#x",
	      gt[GNT_REF_RO].flags);
	check(!try_revoke(&gt[GNT_REF_RW]), "revoking a mapped grant fails", "revoked");
	check(gt[GNT_REF_RW].flags & GTF_permit_access, "ref 8 still permitted", "flags %#x",
	      gt[GNT_REF_RW].flags);
	check(try_revoke(&gt[GNT_REF_RO]), "revoking an unmapped grant works", "refused");
	note("shutting down while d%u still maps ref %u", GNT_MAPPER, GNT_REF_RW);
}
