/*
 * gnt2-granter (domain 3 of run-gnttab.sh): grant tables version 2, as
 * Xen 4.17 has them.  Switches to v2 (set_version, get_version), maps its
 * status frame (get_status_frames) and checks that switching back to v1
 * is refused while that mapping exists (-EBUSY, XSA-255/379) and works
 * once it is gone; then, in v2 again, grants to domain 4: ref 8 full_page
 * read-write, ref 9 full_page read-only, ref 10 a sub_page window of
 * another page, ref 11 a transitive grant of domain 4's own ref 12.  It
 * sleeps until the mapper's "done" word appears in ref 8's page and checks
 * the mapper's bytes, the sub-page bytes (inside the window written,
 * outside untouched), that GTF_reading/GTF_writing are in the status
 * words and not in the entries, that a version switch is refused while
 * ref 8 is mapped (-EBUSY), and Linux's v2 revoke of a mapped grant
 * fails.  It shuts down while the mapper still maps ref 8.
 */
#include "gnt-common.h"

static uint8_t rw_page[4096] PAGE_ALIGNED;
static uint8_t ro_page[4096] PAGE_ALIGNED;
static uint8_t sub_page[4096] PAGE_ALIGNED;
static uint8_t table_window[4096] PAGE_ALIGNED;
static uint8_t status_window[4096] PAGE_ALIGNED;

static long set_version(uint32_t v, uint32_t *now)
{
	struct gnttab_set_version sv = { .version = v };
	long rc = gnttab_op(GNTTABOP_set_version, &sv, 1);

	*now = sv.version;
	return rc;
}

static uint32_t get_version(void)
{
	struct gnttab_get_version gv = { .dom = DOMID_SELF };

	if (gnttab_op(GNTTABOP_get_version, &gv, 1))
		return 0;
	return gv.version;
}

static long map_frame(void *va, uint64_t mfn, bool rw)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va,
					    (mfn << 12) | _PAGE_PRESENT | _PAGE_USER |
					    _PAGE_ACCESSED | (rw ? _PAGE_RW | _PAGE_DIRTY : 0),
					    UVMF_INVLPG);
}

/* The status frame, mapped at status_window; its mfn, or 0. */
static uint64_t map_status_frame(void)
{
	uint64_t f[2] = { 0, 0 };
	struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF,
					       .frame_list = (uint64_t)f };

	if (!CHECK_RC("get_status_frames", gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0) ||
	    !CHECK_EQ("get_status_frames status", gs.status, GNTST_okay))
		return 0;
	gs.nr_frames = 2;          /* one grant frame has one status frame */
	CHECK_RC("get_status_frames 2", gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	CHECK_EQ("a second status frame does not exist", gs.status, GNTST_general_error);
	if (!CHECK_RC("map the status frame", map_frame(status_window, f[0], false), 0))
		return 0;
	return f[0];
}

/* Linux's gnttab_end_foreign_access_ref_v2: clear the flags, then the
 * grant is ours again only if the status says nobody uses it. */
static bool try_revoke_v2(volatile union grant_entry_v2 *e, volatile grant_status_t *st)
{
	uint16_t flags = e->hdr.flags;

	e->hdr.flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (*st & (GTF_reading | GTF_writing)) {
		e->hdr.flags = flags;      /* still in use: leave it granted */
		return false;
	}
	return true;
}

/* The v2 switching checks before anything is granted. */
static bool switch_versions(void)
{
	uint32_t now = 0;

	CHECK_EQ("get_version at start", get_version(), 1);
	CHECK_RC("set_version 3 refused", set_version(3, &now), -XEN_EINVAL);
	CHECK_EQ("version 1 written back", now, 1);
	if (!CHECK_RC("set_version 2", set_version(2, &now), 0) || !CHECK_EQ("now v2", now, 2))
		return false;
	CHECK_EQ("get_version", get_version(), 2);
	if (!map_status_frame())
		return false;
	/* XSA-255: the status frame is mapped, so it cannot be freed. */
	CHECK_RC("set_version 1 refused while the status frame is mapped", set_version(1, &now),
		 -XEN_EBUSY);
	CHECK_EQ("still v2", now, 2);
	CHECK_RC("unmap the status frame",
		 HYPERVISOR_update_va_mapping((unsigned long)status_window, 0, UVMF_INVLPG), 0);
	CHECK_RC("set_version 1 once unmapped", set_version(1, &now), 0);
	CHECK_EQ("back to v1", now, 1);
	CHECK_EQ("get_version v1", get_version(), 1);
	if (!CHECK_RC("set_version 2 again", set_version(2, &now), 0))
		return false;
	return map_status_frame() != 0;
}

void guest_main(void)
{
	xen_pfn_t frames[1] = { 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = (uint64_t)frames };
	volatile union grant_entry_v2 *gt = (volatile union grant_entry_v2 *)table_window;
	volatile grant_status_t *status = (volatile grant_status_t *)status_window;
	volatile uint64_t *done = (volatile uint64_t *)(rw_page + GNT_DONE_OFF);
	unsigned int i, waited = 0;
	uint32_t now = 0;

	map_shared_info();
	gnt_sleep_init();
	if (!switch_versions())
		return;
	CHECK_RC("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("setup_table status", st.status, GNTST_okay);
	if (!CHECK_RC("map the grant table frame", map_frame(table_window, frames[0], true), 0))
		return;
	for (i = 0; i < 4096; i++) {
		rw_page[i] = pat_granter(i);
		ro_page[i] = pat_ro(i);
		sub_page[i] = pat_granter(i);
	}
	gt[GNT_REF_RW].full_page.frame = va_to_mfn(rw_page);
	gt[GNT_REF_RW].hdr.domid = GNT2_MAPPER;
	gt[GNT_REF_RO].full_page.frame = va_to_mfn(ro_page);
	gt[GNT_REF_RO].hdr.domid = GNT2_MAPPER;
	gt[GNT2_REF_SUB].sub_page.frame = va_to_mfn(sub_page);
	gt[GNT2_REF_SUB].sub_page.page_off = GNT2_SUB_OFF;
	gt[GNT2_REF_SUB].sub_page.length = GNT2_SUB_LEN;
	gt[GNT2_REF_SUB].hdr.domid = GNT2_MAPPER;
	gt[GNT2_REF_TRANS].transitive.trans_domid = GNT2_MAPPER;
	gt[GNT2_REF_TRANS].transitive.gref = GNT2_MAPPER_REF;
	gt[GNT2_REF_TRANS].hdr.domid = GNT2_MAPPER;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gt[GNT_REF_RO].hdr.flags = GTF_permit_access | GTF_readonly;
	gt[GNT2_REF_SUB].hdr.flags = GTF_permit_access | GTF_sub_page;
	gt[GNT2_REF_TRANS].hdr.flags = GTF_transitive;
	gt[GNT_REF_RW].hdr.flags = GTF_permit_access;
	note("v2: granted ref %u (rw), %u (ro), %u (sub-page), %u (transitive) to d%u",
	     GNT_REF_RW, GNT_REF_RO, GNT2_REF_SUB, GNT2_REF_TRANS, GNT2_MAPPER);

	while (*done != GNT_DONE_MAGIC && waited < 60000) {
		gnt_sleep_ms(10);
		waited += 10;
	}
	if (!check(*done == GNT_DONE_MAGIC, "the mapper signalled done", "waited %u ms", waited))
		return;
	i = first_diff(rw_page, pat_mapper, GNT_DONE_OFF);
	check(i == GNT_DONE_OFF, "the mapper's writes arrived byte for byte",
	      "byte %u is %#x, expected %#x", i, rw_page[i], pat_mapper(i));
	i = first_diff(sub_page + GNT2_SUB_OFF, pat_copy, GNT2_SUB_LEN);
	check(i == GNT2_SUB_LEN, "the mapper's copy filled the sub-page window",
	      "byte %u of the window is %#x", i, sub_page[GNT2_SUB_OFF + i]);
	check(sub_page[GNT2_SUB_OFF - 1] == pat_granter(GNT2_SUB_OFF - 1) &&
	      sub_page[GNT2_SUB_OFF + GNT2_SUB_LEN] == pat_granter(GNT2_SUB_OFF + GNT2_SUB_LEN) &&
	      first_diff(sub_page, pat_granter, GNT2_SUB_OFF) == GNT2_SUB_OFF,
	      "bytes outside the sub-page window untouched", "%#x %#x",
	      sub_page[GNT2_SUB_OFF - 1], sub_page[GNT2_SUB_OFF + GNT2_SUB_LEN]);
	check(status[GNT_REF_RW] == (GTF_reading | GTF_writing),
	      "ref 8 status reading+writing while mapped", "status %#x", status[GNT_REF_RW]);
	check(gt[GNT_REF_RW].hdr.flags == GTF_permit_access,
	      "v2: the entry's flags stay as granted", "flags %#x", gt[GNT_REF_RW].hdr.flags);
	check(status[GNT_REF_RO] == 0 && status[GNT2_REF_SUB] == 0 && status[GNT2_REF_TRANS] == 0,
	      "status of refs 9-11 cleared after the mapper's maps and copies",
	      "%#x %#x %#x", status[GNT_REF_RO], status[GNT2_REF_SUB], status[GNT2_REF_TRANS]);
	CHECK_RC("set_version 1 refused while ref 8 is mapped", set_version(1, &now), -XEN_EBUSY);
	CHECK_EQ("still v2 after the refused switch", now, 2);
	check(gt[GNT_REF_RW].full_page.frame == va_to_mfn(rw_page),
	      "the refused switch changed nothing", "frame %#lx",
	      (unsigned long)gt[GNT_REF_RW].full_page.frame);
	check(!try_revoke_v2(&gt[GNT_REF_RW], &status[GNT_REF_RW]), "revoking a mapped grant fails",
	      "revoked");
	check(try_revoke_v2(&gt[GNT_REF_RO], &status[GNT_REF_RO]), "revoking an unmapped grant works",
	      "refused");
	note("shutting down while d%u still maps ref %u", GNT2_MAPPER, GNT_REF_RW);
}
