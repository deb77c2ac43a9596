/*
 * gnttab-v2: grant tables version 2 as one domain sees them, written to
 * pass on Xen 4.17 (run-all.sh --xen) and on Keel alike.  The domain
 * grants to itself (its own domain id, as a domain may map its own
 * grants): set_version/get_version and their errors; get_status_frames
 * under v1 and v2; switching back refused while the status frame is
 * mapped (-EBUSY, XSA-255/379) or a grant is mapped (-EBUSY), or when a
 * reserved entry cannot be said in v1 (-ERANGE); the reserved entries
 * converted across a switch and the rest cleared; GTF_reading/GTF_writing
 * in the status word, not the entry; sub-page windows on copies, no map
 * of a sub-page grant; a self-referential transitive grant refused.
 */
#include "lib/guest.h"
#include <public/grant_table.h>

static uint8_t page[4096] PAGE_ALIGNED;        /* granted full_page, ref 8 */
static uint8_t sub[4096] PAGE_ALIGNED;         /* granted sub_page, ref 10 */
static uint8_t local[4096] PAGE_ALIGNED;
static uint8_t win[4096] PAGE_ALIGNED;         /* our own grant mapped here */
static uint8_t table_window[4096] PAGE_ALIGNED;
static uint8_t status_window[4096] PAGE_ALIGNED;

static domid_t self;

static long gnttab_op(unsigned int cmd, void *op, unsigned int count)
{
	return HC(__HYPERVISOR_grant_table_op, cmd, op, count, 0, 0);
}

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

	return gnttab_op(GNTTABOP_get_version, &gv, 1) ? 0 : gv.version;
}

static long map_frame(void *va, uint64_t mfn, bool rw)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va,
					    mfn ? (mfn << 12) | _PAGE_PRESENT | _PAGE_USER |
						  _PAGE_ACCESSED |
						  (rw ? _PAGE_RW | _PAGE_DIRTY : 0) : 0,
					    UVMF_INVLPG);
}

static int16_t status_frames(uint32_t n, uint64_t *f)
{
	struct gnttab_get_status_frames gs = { .nr_frames = n, .dom = DOMID_SELF,
					       .status = 99, .frame_list = (uint64_t)f };

	return gnttab_op(GNTTABOP_get_status_frames, &gs, 1) ? 99 : gs.status;
}

/* setup_table and map frame 0 of the table at table_window. */
static bool map_table(void)
{
	xen_pfn_t frames[1] = { 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = (uint64_t)frames };

	return CHECK_RC("setup_table", gnttab_op(GNTTABOP_setup_table, &st, 1), 0) &&
	       CHECK_EQ("setup_table status", st.status, GNTST_okay) &&
	       CHECK_RC("map the table frame", map_frame(table_window, frames[0], true), 0);
}

static bool map_status(void)
{
	uint64_t f[2] = { 0, 0 };

	return CHECK_EQ("get_status_frames 1", status_frames(1, f), GNTST_okay) &&
	       CHECK_RC("map the status frame", map_frame(status_window, f[0], false), 0);
}

static int16_t map(grant_ref_t ref, uint32_t flags, grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = { .host_addr = (uint64_t)win, .flags = flags, .ref = ref,
					  .dom = self, .status = 99 };

	if (gnttab_op(GNTTABOP_map_grant_ref, &m, 1))
		return 99;
	*h = m.handle;
	return m.status;
}

static int16_t unmap(grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = (uint64_t)win, .handle = h, .status = 99 };

	return gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1) ? 99 : u.status;
}

/* Copy local[loff..] into our grant ref at off (to_grant) or back. */
static int16_t copy(bool to_grant, grant_ref_t ref, uint16_t off, uint16_t loff, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .status = 99 };
	struct gnttab_copy_ptr *g = to_grant ? &c.dest : &c.source;
	struct gnttab_copy_ptr *l = to_grant ? &c.source : &c.dest;

	g->u.ref = ref;
	g->domid = self;
	g->offset = off;
	l->u.gmfn = va_to_mfn(local);
	l->domid = DOMID_SELF;
	l->offset = loff;
	c.flags = to_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
	return gnttab_op(GNTTABOP_copy, &c, 1) ? 99 : c.status;
}

static void versions(void)
{
	uint32_t now = 0;
	uint64_t f[2];
	volatile struct grant_entry_v1 *t1 = (volatile struct grant_entry_v1 *)table_window;
	volatile union grant_entry_v2 *t2 = (volatile union grant_entry_v2 *)table_window;

	CHECK_EQ("get_version at start", get_version(), 1);
	CHECK_EQ("v1: no status frame", status_frames(1, f), GNTST_general_error);
	CHECK_EQ("v1: zero status frames asked", status_frames(0, f), GNTST_okay);
	CHECK_RC("set_version 3", set_version(3, &now), -XEN_EINVAL);
	CHECK_EQ("set_version 3 writes back 1", now, 1);
	if (!map_table())
		return;
	/* v1 -> v2: reserved entry 1 converted, entry 8 cleared */
	t1[GNTTAB_RESERVED_XENSTORE] = (struct grant_entry_v1){ GTF_permit_access, self,
								 (uint32_t)va_to_mfn(page) };
	t1[8] = (struct grant_entry_v1){ GTF_permit_access, self, (uint32_t)va_to_mfn(page) };
	CHECK_RC("set_version 2", set_version(2, &now), 0);
	CHECK_EQ("now 2", now, 2);
	CHECK_EQ("get_version 2", get_version(), 2);
	check(t2[1].hdr.flags == GTF_permit_access && t2[1].hdr.domid == self &&
	      t2[1].full_page.frame == va_to_mfn(page), "reserved entry 1 converted to v2",
	      "flags %#x domid %u", t2[1].hdr.flags, t2[1].hdr.domid);
	check(t2[4].hdr.flags == 0 && t2[4].full_page.frame == 0,
	      "entry 8 (v1 bytes 64-71, v2 entry 4) cleared", "flags %#x", t2[4].hdr.flags);
	CHECK_EQ("v2: one status frame", status_frames(1, f), GNTST_okay);
	CHECK_EQ("v2: not two", status_frames(2, f), GNTST_general_error);
	if (!map_status())
		return;
	CHECK_RC("set_version 1 refused while the status frame is mapped", set_version(1, &now),
		 -XEN_EBUSY);
	CHECK_EQ("still 2", now, 2);
	CHECK_RC("unmap the status frame", map_frame(status_window, 0, false), 0);
	t2[2].full_page.frame = 1ULL << 32;
	t2[2].hdr.domid = self;
	t2[2].hdr.flags = GTF_permit_access;
	CHECK_RC("set_version 1 refused: reserved frame above 2^32", set_version(1, &now),
		 -XEN_ERANGE);
	t2[2].hdr.flags = 0;
	t2[8].full_page.frame = va_to_mfn(page);
	t2[8].hdr.domid = self;
	t2[8].hdr.flags = GTF_permit_access;
	CHECK_RC("set_version 1", set_version(1, &now), 0);
	CHECK_EQ("now 1", now, 1);
	check(t1[1].flags == GTF_permit_access && t1[1].domid == self &&
	      t1[1].frame == va_to_mfn(page), "reserved entry 1 converted back to v1",
	      "flags %#x domid %u frame %#x", t1[1].flags, t1[1].domid, t1[1].frame);
	check(t1[8].flags == 0 && t1[16].flags == 0, "v2 entry 8 cleared", "flags %#x %#x",
	      t1[8].flags, t1[16].flags);
	CHECK_EQ("v1 again: no status frame", status_frames(1, f), GNTST_general_error);
	CHECK_RC("set_version 2 again", set_version(2, &now), 0);
	map_status();
}

static void entries(void)
{
	volatile union grant_entry_v2 *t2 = (volatile union grant_entry_v2 *)table_window;
	volatile grant_status_t *st = (volatile grant_status_t *)status_window;
	grant_handle_t h = 0;
	uint32_t now = 0;
	unsigned int i;

	for (i = 0; i < 4096; i++) {
		page[i] = (uint8_t)(i * 7 + 3);
		sub[i] = (uint8_t)(i * 5 + 1);
		local[i] = (uint8_t)(i ^ 0x5a);
	}
	t2[8].full_page.frame = va_to_mfn(page);
	t2[8].hdr.domid = self;
	t2[9].full_page.frame = va_to_mfn(page);
	t2[9].hdr.domid = self;
	t2[10].sub_page.frame = va_to_mfn(sub);
	t2[10].sub_page.page_off = 1024;
	t2[10].sub_page.length = 512;
	t2[10].hdr.domid = self;
	t2[11].transitive.trans_domid = self;
	t2[11].transitive.gref = 8;
	t2[11].hdr.domid = self;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t2[8].hdr.flags = GTF_permit_access;
	t2[9].hdr.flags = GTF_permit_access | GTF_readonly;
	t2[10].hdr.flags = GTF_permit_access | GTF_sub_page;
	t2[11].hdr.flags = GTF_transitive;

	if (CHECK_EQ("map our full_page ref 8", map(8, GNTMAP_host_map, &h), GNTST_okay)) {
		check(win[100] == page[100], "its bytes through the mapping", "%#x", win[100]);
		check(st[8] == (GTF_reading | GTF_writing), "status reading+writing", "%#x", st[8]);
		check(t2[8].hdr.flags == GTF_permit_access, "entry flags untouched", "%#x",
		      t2[8].hdr.flags);
		CHECK_RC("set_version 1 refused while ref 8 is mapped", set_version(1, &now),
			 -XEN_EBUSY);
		CHECK_EQ("unmap ref 8", unmap(h), GNTST_okay);
		CHECK_EQ("status cleared", st[8], 0);
	}
	CHECK_EQ("writable map of read-only ref 9 refused", map(9, GNTMAP_host_map, &h),
		 GNTST_general_error);
	CHECK_EQ("status of ref 9 taken back", st[9], 0);
	CHECK_EQ("map of sub-page ref 10 refused", map(10, GNTMAP_host_map, &h),
		 GNTST_general_error);
	CHECK_EQ("map of transitive ref 11 refused", map(11, GNTMAP_host_map, &h),
		 GNTST_general_error);
	CHECK_EQ("copy into the sub-page window", copy(true, 10, 1024, 0, 512), GNTST_okay);
	check(sub[1024] == local[0] && sub[1535] == local[511] && sub[1023] == (uint8_t)(1023 * 5 + 1)
	      && sub[1536] == (uint8_t)(1536 * 5 + 1), "the window written, nothing else",
	      "%#x %#x", sub[1023], sub[1536]);
	CHECK_EQ("copy past the window refused", copy(true, 10, 1025, 0, 512), GNTST_general_error);
	CHECK_EQ("copy before the window refused", copy(false, 10, 1023, 0, 2),
		 GNTST_general_error);
	CHECK_EQ("copy out of the window", copy(false, 10, 1500, 0, 36), GNTST_okay);
	CHECK_EQ("copy past the page", copy(false, 8, 4000, 0, 200), GNTST_bad_copy_arg);
	CHECK_EQ("copy into read-only ref 9 refused", copy(true, 9, 0, 0, 8), GNTST_general_error);
	CHECK_EQ("copy from read-only ref 9", copy(false, 9, 8, 0, 8), GNTST_okay);
	CHECK_EQ("self-referential transitive ref 11 refused", copy(false, 11, 0, 0, 8),
		 GNTST_general_error);
	check(st[8] == 0 && st[9] == 0 && st[10] == 0 && st[11] == 0, "all status words clear",
	      "%#x %#x %#x %#x", st[8], st[9], st[10], st[11]);
}

void guest_main(void)
{
	map_shared_info();
	self = (domid_t)cmdline_num("domid", 0);
	versions();
	if (get_version() == 2)
		entries();
}
