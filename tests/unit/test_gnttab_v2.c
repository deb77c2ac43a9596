/*
 * Unit tests for grant tables version 2 in hypervisor/common/grant_table.c
 * (with the real pv_mm.c) over the fake machine, against Xen 4.17's
 * behaviour (xen/common/grant_table.c): set_version/get_version and the
 * switching rules (XSA-255/379: a status frame still mapped blocks the
 * switch back), get_status_frames, setup_table/query_size under v2,
 * full_page / sub_page / transitive entries with map, unmap and copy,
 * GTF_reading/GTF_writing in the status array, and domain death.
 * A (id 1) grants, B (id 2) maps and copies, C (id 3) is a third party
 * for transitive grants.  Hypercall arguments are host structures.
 */
#include "gnttab_world.h"

/* A owns 1..9: 5 and 6 are granted pages, 7 an L1 page table of A.
 * B owns 20..29: 20-23 its L4/L3/L2/L1 (va 0..2 MiB), 24 a local page.
 * C owns 30..33: 30 a page C grants. */
#define C_PAGE 30

#define RD GTF_reading
#define WR GTF_writing

/* The caller's table frames (setup_table for n frames), as its own view. */
static xen_pfn_t table_frame(struct domain *d, unsigned int i)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = i + 1 };
    xen_pfn_t frames[GNTTAB_MAX_FRAMES];
    struct vcpu *was = fake_cpu_info.curr;

    as(d);
    st.frame_list = (uint64_t)frames;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    fake_cpu_info.curr = was;
    return frames[i];
}

static union grant_entry_v2 *v2_entries(struct domain *d)
{
    return (union grant_entry_v2 *)fake_frame(_mfn(table_frame(d, 0)));
}

static struct grant_entry_v1 *v1_entries(struct domain *d)
{
    return (struct grant_entry_v1 *)fake_frame(_mfn(table_frame(d, 0)));
}

static long set_version(struct domain *d, uint32_t v, uint32_t *now)
{
    struct gnttab_set_version sv = { .version = v };
    struct vcpu *was = fake_cpu_info.curr;
    long rc;

    as(d);
    rc = gop(GNTTABOP_set_version, &sv, 1);
    fake_cpu_info.curr = was;
    if (now)
        *now = sv.version;
    return rc;
}

static uint32_t get_version(struct domain *d)
{
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct vcpu *was = fake_cpu_info.curr;

    as(d);
    assert_int_equal(gop(GNTTABOP_get_version, &gv, 1), 0);
    fake_cpu_info.curr = was;
    return gv.version;
}

/* get_status_frames for d by itself: status, frames in out[]. */
static int16_t status_frames(struct domain *d, uint32_t n, uint64_t *out)
{
    struct gnttab_get_status_frames op = { .nr_frames = n, .dom = DOMID_SELF, .status = 99 };
    struct vcpu *was = fake_cpu_info.curr;

    as(d);
    op.frame_list = (uint64_t)out;
    assert_int_equal(gop(GNTTABOP_get_status_frames, &op, 1), 0);
    fake_cpu_info.curr = was;
    return op.status;
}

static grant_status_t *status_array(struct domain *d)
{
    uint64_t f[1];

    assert_int_equal(status_frames(d, 1, f), GNTST_okay);
    return (grant_status_t *)fake_frame(_mfn(f[0]));
}

static void full_page(union grant_entry_v2 *e, domid_t to, uint64_t frame, uint16_t flags)
{
    e->full_page.frame = frame;
    e->hdr.domid = to;
    e->hdr.flags = flags;
}

static void sub_page(union grant_entry_v2 *e, domid_t to, uint64_t frame, uint16_t off,
                     uint16_t len, uint16_t flags)
{
    e->sub_page.frame = frame;
    e->sub_page.page_off = off;
    e->sub_page.length = len;
    e->hdr.domid = to;
    e->hdr.flags = GTF_permit_access | GTF_sub_page | flags;
}

static void transitive(union grant_entry_v2 *e, domid_t to, domid_t tdom, grant_ref_t tref)
{
    e->transitive.trans_domid = tdom;
    e->transitive.gref = tref;
    e->hdr.domid = to;
    e->hdr.flags = GTF_transitive;
}

static struct gnttab_map_grant_ref map(domid_t dom, grant_ref_t ref, uint32_t flags,
                                       uint64_t addr)
{
    struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags, .ref = ref,
                                       .dom = dom, .status = 99 };
    assert_int_equal(gop(GNTTABOP_map_grant_ref, &op, 1), 0);
    return op;
}

static int16_t unmap(grant_handle_t h, uint64_t addr)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .handle = h, .status = 99 };
    assert_int_equal(gop(GNTTABOP_unmap_grant_ref, &op, 1), 0);
    return op.status;
}

static int16_t copy(unsigned int flags, uint64_t src, domid_t sdom, uint16_t soff,
                    uint64_t dst, domid_t ddom, uint16_t doff, uint16_t len)
{
    struct gnttab_copy op = { .len = len, .flags = (uint16_t)flags, .status = 99 };

    if (flags & GNTCOPY_source_gref)
        op.source.u.ref = (grant_ref_t)src;
    else
        op.source.u.gmfn = src;
    op.source.domid = sdom;
    op.source.offset = soff;
    if (flags & GNTCOPY_dest_gref)
        op.dest.u.ref = (grant_ref_t)dst;
    else
        op.dest.u.gmfn = dst;
    op.dest.domid = ddom;
    op.dest.offset = doff;
    assert_int_equal(gop(GNTTABOP_copy, &op, 1), 0);
    return op.status;
}

static int setup(void **state)
{
    unsigned int m;

    (void)state;
    fake_mm_reset();
    fake_domains_reset();
    fake_cpu_reset();
    fake_alloc_budget = ~0u;
    fake_console_quiet = true;
    fake_domain_init(&fa, DOM_A, 1, false);
    fake_domain_init(&fb, DOM_B, 1, false);
    fake_domain_init(&fc, DOM_C, 1, false);
    da = &fa.d;
    db = &fb.d;
    dc = &fc.d;
    for (m = 1; m <= 9; m++)
        fake_frame_assign(_mfn(m), DOM_A);
    for (m = 20; m <= 29; m++)
        fake_frame_assign(_mfn(m), DOM_B);
    for (m = 30; m <= 33; m++)
        fake_frame_assign(_mfn(m), DOM_C);
    assert_int_equal(gnttab_init(da), 0);
    assert_int_equal(gnttab_init(db), 0);
    assert_int_equal(gnttab_init(dc), 0);
    /* B's tables: L4 20 -> L3 21 -> L2 22 -> L1 23, loaded as its CR3. */
    fake_frame(_mfn(20))[0] = (21UL << 12) | 7;
    fake_frame(_mfn(21))[0] = (22UL << 12) | 7;
    fake_frame(_mfn(22))[0] = (23UL << 12) | 7;
    b_l1()[1] = ((uint64_t)B_LOCAL << 12) | 7;
    assert_int_equal(pv_new_guest_cr3(&fb.v[0], _mfn(B_L4)), 0);
    assert_int_equal(pv_pin_table(da, _mfn(A_L1), PGT_l1), 0);
    memset(fake_frame(_mfn(G1)), 0x11, PAGE_SIZE);
    memset(fake_frame(_mfn(G2)), 0x22, PAGE_SIZE);
    memset(fake_frame(_mfn(C_PAGE)), 0x33, PAGE_SIZE);
    as(db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gnttab_destroy(dc);
    gnttab_destroy(db);
    gnttab_destroy(da);
    if (da->gt || db->gt || dc->gt)
        fail_msg("a grant table was not freed at its domain's death");
    fake_domain_fini(&fa);
    fake_domain_fini(&fb);
    fake_domain_fini(&fc);
    fake_cpu_info.curr = NULL;
    return 0;
}

/* ---- version switching ---- */

static void test_set_get_version(void **state)
{
    uint32_t now = 0;
    uint64_t f[4];
    struct gnttab_get_version gv = { .dom = DOM_A };
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF };
    (void)state;

    assert_int_equal(get_version(da), 1);              /* Xen: 1 at creation */
    /* Under v1 there are no status frames: 0 is fine, 1 is not (Xen). */
    assert_int_equal(status_frames(da, 0, f), GNTST_okay);
    assert_int_equal(status_frames(da, 1, f), GNTST_general_error);
    assert_int_equal(set_version(da, 2, &now), 0);
    assert_int_equal(now, 2);
    assert_int_equal(get_version(da), 2);
    assert_int_equal(set_version(da, 2, &now), 0);     /* same version: nothing */
    /* One status frame for one grant frame (256 entries, 2048 words). */
    assert_int_equal(status_frames(da, 1, f), GNTST_okay);
    assert_int_equal(frame_table[f[0]].owner, DOM_A);
    assert_true(frame_table[f[0]].flags & PGC_xen_heap);
    assert_true(frame_table[f[0]].flags & PGC_allocated);
    assert_int_equal(status_frames(da, 2, f), GNTST_general_error);
    /* Bad versions: -EINVAL, the version in force written back. */
    assert_int_equal(set_version(da, 3, &now), -XEN_EINVAL);
    assert_int_equal(now, 2);
    assert_int_equal(set_version(da, 0, &now), -XEN_EINVAL);
    assert_int_equal(now, 2);
    /* Someone else's version: only for the privileged. */
    as(db);
    assert_int_equal(gop(GNTTABOP_get_version, &gv, 1), -XEN_EPERM);
    gv.dom = 77;
    assert_int_equal(gop(GNTTABOP_get_version, &gv, 1), -XEN_ESRCH);
    gs.dom = DOM_A;
    gs.frame_list = (uint64_t)f;
    assert_int_equal(gop(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_permission_denied);
    gs.dom = 77;
    assert_int_equal(gop(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_bad_domain);
    gs.dom = DOMID_SELF;
    gs.nr_frames = 5;                                  /* more than any table has */
    assert_int_equal(gop(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    gs.nr_frames = 1;
    assert_int_equal(gop(GNTTABOP_get_status_frames, &gs, 2), -XEN_EINVAL);
    assert_int_equal(gop(GNTTABOP_get_status_frames, (void *)0x100, 1), -XEN_EFAULT);
    gs.frame_list = 0x100;                             /* unwritable list */
    assert_int_equal(set_version(db, 2, NULL), 0);
    assert_int_equal(gop(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_bad_virt_addr);
    /* Back to 1: the status frame is freed. */
    assert_int_equal(set_version(da, 2, NULL), 0);
    assert_int_equal(status_frames(da, 1, f), GNTST_okay);
    assert_int_equal(set_version(da, 1, &now), 0);
    assert_int_equal(now, 1);
    assert_int_equal(get_version(da), 1);
    assert_true(frame_table[f[0]].flags & PGC_free);
    assert_int_equal(status_frames(da, 1, f), GNTST_general_error);
    /* A domain created with grant version 1 only (createdomain's
     * grant_opts): set_version(2) is -ENOSYS, as Xen with max-ver 1. */
    dc->max_grant_version = 1;
    assert_int_equal(set_version(dc, 2, &now), -XEN_ENOSYS);
    assert_int_equal(now, 1);
    assert_int_equal(set_version(dc, 1, &now), 0);
}

/* setup_table and query_size under v2: grant frames counted as before,
 * status frames made alongside (one per 8 grant frames) and reported by
 * get_status_frames only (Xen). */
static void test_setup_and_query_v2(void **state)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 9 };
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    xen_pfn_t frames[9];
    uint64_t sf[3];
    union grant_entry_v2 *last;
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    as(da);
    st.frame_list = (uint64_t)frames;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    assert_int_equal(gop(GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.nr_frames, 9);
    assert_int_equal(qs.max_nr_frames, GNTTAB_MAX_FRAMES);
    assert_int_equal(status_frames(da, 2, sf), GNTST_okay);   /* 9 * 256 / 2048 -> 2 */
    assert_int_equal(status_frames(da, 3, sf), GNTST_general_error);
    assert_int_not_equal(sf[0], sf[1]);
    assert_int_equal(frame_table[sf[1]].owner, DOM_A);
    /* Ref 9 * 256 - 1 exists; its status word is in the second frame. */
    as(db);
    last = (union grant_entry_v2 *)fake_frame(_mfn(frames[8])) + 255;
    full_page(last, DOM_B, G1, GTF_permit_access);
    {
        struct gnttab_map_grant_ref op = map(DOM_A, 9 * 256 - 1, GNTMAP_host_map, VA(5));
        grant_status_t *s2 = (grant_status_t *)fake_frame(_mfn(sf[1]));

        assert_int_equal(op.status, GNTST_okay);
        assert_int_equal(s2[9 * 256 - 1 - 2048], RD | WR);
        assert_int_equal(last->hdr.flags, GTF_permit_access);   /* not in the entry */
        assert_int_equal(unmap(op.handle, VA(5)), GNTST_okay);
        assert_int_equal(s2[9 * 256 - 1 - 2048], 0);
    }
    assert_int_equal(map(DOM_A, 9 * 256, GNTMAP_host_map, VA(5)).status, GNTST_bad_gntref);
    /* Allocation failure for the status frames: general_error. */
    as(da);
    st.nr_frames = 17;
    fake_alloc_budget = 8;                      /* the 8 grant frames, not the 3rd status */
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    fake_alloc_budget = ~0u;
}

/* ---- v2 entries ---- */

static void test_full_page_map_and_copy(void **state)
{
    union grant_entry_v2 *e;
    grant_status_t *s;
    struct gnttab_map_grant_ref op, op2;
    unsigned char *loc = (unsigned char *)fake_frame(_mfn(B_LOCAL));
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    e = v2_entries(da);
    s = status_array(da);
    full_page(&e[8], DOM_B, G1, GTF_permit_access);
    full_page(&e[9], DOM_B, G2, GTF_permit_access | GTF_readonly);
    snapshot();
    op = map(DOM_A, 8, GNTMAP_host_map, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(pte_mfn(b_l1()[5]).m, G1);
    assert_true(b_l1()[5] & _PAGE_RW);
    assert_int_equal(s[8], RD | WR);
    assert_int_equal(e[8].hdr.flags, GTF_permit_access);   /* flags untouched in v2 */
    op2 = map(DOM_A, 8, GNTMAP_host_map | GNTMAP_readonly, VA(6));
    assert_int_equal(op2.status, GNTST_okay);
    assert_int_equal(unmap(op.handle, VA(5)), GNTST_okay);
    assert_int_equal(s[8], RD);                            /* writable pin gone */
    assert_int_equal(unmap(op2.handle, VA(6)), GNTST_okay);
    assert_int_equal(s[8], 0);
    /* read-only grant: rw map refused, ro map fine */
    assert_int_equal(map(DOM_A, 9, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    assert_int_equal(s[9], 0);
    op = map(DOM_A, 9, GNTMAP_host_map | GNTMAP_readonly, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(s[9], RD);
    assert_int_equal(unmap(op.handle, VA(5)), GNTST_okay);
    /* wrong domain, invalid entry, a frame not A's */
    e[10] = e[8];
    e[10].hdr.domid = DOM_C;
    assert_int_equal(map(DOM_A, 10, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    assert_int_equal(map(DOM_A, 11, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    full_page(&e[12], DOM_B, B_LOCAL, GTF_permit_access);
    assert_int_equal(map(DOM_A, 12, GNTMAP_host_map, VA(5)).status, GNTST_bad_page);
    assert_int_equal(s[12], 0);                             /* flags taken back */
    full_page(&e[12], DOM_B, (1ULL << 40) | G1, GTF_permit_access);   /* 64-bit frame */
    assert_int_equal(map(DOM_A, 12, GNTMAP_host_map, VA(5)).status, GNTST_bad_page);
    /* A v2 table has 256 entries a frame. */
    assert_int_equal(map(DOM_A, 256, GNTMAP_host_map, VA(5)).status, GNTST_bad_gntref);
    /* copies: both directions */
    memset(loc, 0xbb, PAGE_SIZE);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 16, B_LOCAL, DOMID_SELF, 32, 100),
                     GNTST_okay);
    assert_int_equal(loc[32], 0x11);
    assert_int_equal(loc[132], 0xbb);
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 200, 8, DOM_A, 4000, 96),
                     GNTST_okay);
    assert_int_equal(((unsigned char *)fake_frame(_mfn(G1)))[4095], 0xbb);
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 0, 9, DOM_A, 0, 8),
                     GNTST_general_error);
    assert_int_equal(s[8], 0);
    assert_int_equal(s[9], 0);
    check_counts();
}

/* Sub-page grants: never mapped; copies must stay inside the window
 * (Xen's "copy source/dest out of bounds": general_error). */
static void test_sub_page(void **state)
{
    union grant_entry_v2 *e;
    grant_status_t *s;
    unsigned char *g1 = (unsigned char *)fake_frame(_mfn(G1));
    unsigned char *loc = (unsigned char *)fake_frame(_mfn(B_LOCAL));
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    e = v2_entries(da);
    s = status_array(da);
    sub_page(&e[8], DOM_B, G1, 512, 256, 0);
    sub_page(&e[9], DOM_B, G2, 100, 50, GTF_readonly);
    snapshot();
    assert_int_equal(map(DOM_A, 8, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    assert_int_equal(map(DOM_A, 8, GNTMAP_device_map, 0).status, GNTST_general_error);
    assert_int_equal(s[8], 0);
    assert_int_equal(b_l1()[5], 0);
    memset(loc, 0xbb, PAGE_SIZE);
    /* source window [512, 768) */
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 512, B_LOCAL, DOMID_SELF, 0, 256),
                     GNTST_okay);
    assert_int_equal(loc[0], 0x11);
    assert_int_equal(loc[255], 0x11);
    assert_int_equal(loc[256], 0xbb);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 511, B_LOCAL, DOMID_SELF, 0, 2),
                     GNTST_general_error);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 700, B_LOCAL, DOMID_SELF, 0, 69),
                     GNTST_general_error);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 700, B_LOCAL, DOMID_SELF, 0, 68),
                     GNTST_okay);
    /* dest window: writes outside it refused, nothing written */
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 0, 8, DOM_A, 768, 1),
                     GNTST_general_error);
    assert_int_equal(g1[768], 0x11);
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 300, 8, DOM_A, 600, 10),
                     GNTST_okay);
    assert_int_equal(g1[600], 0xbb);
    assert_int_equal(g1[610], 0x11);
    /* read-only sub-page: readable in its window, not writable */
    assert_int_equal(copy(GNTCOPY_source_gref, 9, DOM_A, 100, B_LOCAL, DOMID_SELF, 0, 50),
                     GNTST_okay);
    assert_int_equal(loc[0], 0x22);
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 0, 9, DOM_A, 100, 1),
                     GNTST_general_error);
    /* gref to gref across two windows */
    assert_int_equal(copy(GNTCOPY_source_gref | GNTCOPY_dest_gref, 9, DOM_A, 120, 8, DOM_A,
                          700, 30), GNTST_okay);
    assert_int_equal(g1[700], 0x22);
    assert_int_equal(g1[729], 0x22);
    assert_int_equal(g1[730], 0x11);
    /* a window beyond the page: every copy refused */
    sub_page(&e[10], DOM_B, G1, 4000, 200, 0);
    assert_int_equal(copy(GNTCOPY_source_gref, 10, DOM_A, 4000, B_LOCAL, DOMID_SELF, 0, 96),
                     GNTST_okay);
    assert_int_equal(copy(GNTCOPY_source_gref, 10, DOM_A, 4000, B_LOCAL, DOMID_SELF, 0, 97),
                     GNTST_bad_copy_arg);
    assert_int_equal(s[8] | s[9] | s[10], 0);
    check_counts();
}

/* Transitive grants (Xen's acquire_grant_for_copy with transitivity
 * allowed, its default): A's entry 8 says "C's grant 3", which C gives to
 * A; B copies through it, never maps it. */
static void test_transitive(void **state)
{
    union grant_entry_v2 *e, *ce;
    grant_status_t *s, *cs;
    unsigned char *loc = (unsigned char *)fake_frame(_mfn(B_LOCAL));
    unsigned char *cp = (unsigned char *)fake_frame(_mfn(C_PAGE));
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    assert_int_equal(set_version(dc, 2, NULL), 0);
    e = v2_entries(da);
    s = status_array(da);
    ce = v2_entries(dc);
    cs = status_array(dc);
    full_page(&ce[3], DOM_A, C_PAGE, GTF_permit_access);    /* C grants to A */
    transitive(&e[8], DOM_B, DOM_C, 3);                     /* A passes it to B */
    snapshot();
    memset(loc, 0xbb, PAGE_SIZE);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 10, B_LOCAL, DOMID_SELF, 0, 20),
                     GNTST_okay);
    assert_int_equal(loc[0], 0x33);
    assert_int_equal(loc[19], 0x33);
    assert_int_equal(loc[20], 0xbb);
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 20, 8, DOM_A, 4000, 5),
                     GNTST_okay);
    assert_int_equal(cp[4000], 0xbb);
    assert_int_equal(cp[4005], 0x33);
    assert_int_equal(s[8], 0);
    assert_int_equal(cs[3], 0);
    /* never mapped */
    assert_int_equal(map(DOM_A, 8, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    assert_int_equal(s[8], 0);
    /* C's grant is read-only: writes through A's refused, reads fine */
    ce[3].hdr.flags |= GTF_readonly;
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 0, 8, DOM_A, 0, 5),
                     GNTST_general_error);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 5),
                     GNTST_okay);
    /* C's grant is a sub-page: its window carries through */
    sub_page(&ce[3], DOM_A, C_PAGE, 64, 64, 0);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 64, B_LOCAL, DOMID_SELF, 0, 64),
                     GNTST_okay);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 64),
                     GNTST_general_error);
    full_page(&ce[3], DOM_A, C_PAGE, GTF_permit_access);
    /* C's grant is for someone else, or invalid: refused */
    ce[3].hdr.domid = DOM_B;
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 5),
                     GNTST_general_error);
    ce[3].hdr.domid = DOM_A;
    /* the bad cases Xen names: self-reference, an unknown domain, a
     * transitive grant to a transitive grant (one level only), a bad ref */
    full_page(&e[10], DOM_A, G2, GTF_permit_access);       /* A's grant to itself */
    transitive(&e[9], DOM_B, DOM_A, 10);
    assert_int_equal(copy(GNTCOPY_source_gref, 9, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 5),
                     GNTST_general_error);
    assert_int_equal(s[10], 0);
    transitive(&e[9], DOM_B, 77, 3);
    assert_int_equal(copy(GNTCOPY_source_gref, 9, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 5),
                     GNTST_general_error);
    full_page(&e[11], DOM_C, G2, GTF_permit_access);
    transitive(&ce[4], DOM_A, DOM_A, 11);
    transitive(&e[9], DOM_B, DOM_C, 4);
    assert_int_equal(copy(GNTCOPY_source_gref, 9, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 5),
                     GNTST_general_error);
    transitive(&e[9], DOM_B, DOM_C, 5000);
    assert_int_equal(copy(GNTCOPY_source_gref, 9, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 5),
                     GNTST_bad_gntref);
    /* transitive back to the user itself is allowed (Xen): B's grant 2
     * to A, passed back to B by A */
    {
        struct grant_entry_v1 *be = v1_entries(db);

        be[2] = (struct grant_entry_v1){ GTF_permit_access, DOM_A, B_LOCAL };
        transitive(&e[9], DOM_B, DOM_B, 2);
        loc[100] = 0x5a;
        assert_int_equal(copy(GNTCOPY_source_gref, 9, DOM_A, 100, B_LOCAL, DOMID_SELF, 200, 1),
                         GNTST_okay);
        assert_int_equal(loc[200], 0x5a);
        assert_int_equal(be[2].flags, GTF_permit_access);   /* v1 flags back to clear */
    }
    /* a v1 table has no transitive grants: the type is refused (B's table
     * is v1; A copies from it) */
    v1_entries(db)[5] = (struct grant_entry_v1){ GTF_transitive, DOM_A, 0 };
    as(da);
    assert_int_equal(copy(GNTCOPY_source_gref, 5, DOM_B, 0, G2, DOMID_SELF, 0, 5),
                     GNTST_general_error);
    as(db);
    assert_int_equal(s[8] | s[9] | s[10] | s[11] | cs[3] | cs[4], 0);
    check_counts();
}

/* ---- switching rules ---- */

/* Any pinned entry but the 8 reserved ones blocks a switch (-EBUSY). */
static void test_switch_busy(void **state)
{
    struct grant_entry_v1 *a1;
    struct gnttab_map_grant_ref op;
    union grant_entry_v2 *e;
    uint32_t now = 0;
    (void)state;

    a1 = v1_entries(da);
    a1[8] = (struct grant_entry_v1){ GTF_permit_access, DOM_B, G1 };
    op = map(DOM_A, 8, GNTMAP_host_map, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(set_version(da, 2, &now), -XEN_EBUSY);
    assert_int_equal(now, 1);
    assert_int_equal(a1[8].flags, GTF_permit_access | RD | WR);   /* untouched */
    assert_int_equal(unmap(op.handle, VA(5)), GNTST_okay);
    assert_int_equal(set_version(da, 2, &now), 0);
    assert_int_equal(now, 2);
    /* non-reserved entries are cleared by the switch */
    e = v2_entries(da);
    assert_int_equal(e[8].hdr.flags, 0);
    assert_int_equal(e[8].full_page.frame, 0);
    /* and the other way */
    full_page(&e[9], DOM_B, G2, GTF_permit_access);
    op = map(DOM_A, 9, GNTMAP_device_map, 0);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(set_version(da, 1, &now), -XEN_EBUSY);
    assert_int_equal(now, 2);
    {
        struct gnttab_unmap_grant_ref u = { .dev_bus_addr = (uint64_t)G2 << 12,
                                            .handle = op.handle };
        assert_int_equal(gop(GNTTABOP_unmap_grant_ref, &u, 1), 0);
        assert_int_equal(u.status, GNTST_okay);
    }
    assert_int_equal(set_version(da, 1, &now), 0);
    assert_int_equal(now, 1);
}

/* The reserved entries survive a switch, converted as Xen does; a mapping
 * of one stays valid, its GTF_reading/GTF_writing moving with it. */
static void test_switch_reserved(void **state)
{
    struct grant_entry_v1 *a1;
    union grant_entry_v2 *e;
    grant_status_t *s;
    struct gnttab_map_grant_ref op;
    uint32_t now = 0;
    (void)state;

    a1 = v1_entries(da);
    a1[GNTTAB_RESERVED_XENSTORE] = (struct grant_entry_v1){ GTF_permit_access, DOM_B, G1 };
    a1[GNTTAB_RESERVED_CONSOLE] = (struct grant_entry_v1){ GTF_permit_access | GTF_readonly,
                                                           DOM_C, G2 };
    a1[7] = (struct grant_entry_v1){ GTF_accept_transfer, DOM_B, 0 };
    a1[8] = (struct grant_entry_v1){ GTF_permit_access, DOM_B, G2 };
    snapshot();
    op = map(DOM_A, GNTTAB_RESERVED_XENSTORE, GNTMAP_host_map, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(set_version(da, 2, &now), 0);
    e = v2_entries(da);
    s = status_array(da);
    assert_int_equal(e[1].hdr.flags, GTF_permit_access);
    assert_int_equal(e[1].hdr.domid, DOM_B);
    assert_int_equal(e[1].full_page.frame, G1);
    assert_int_equal(s[1], RD | WR);
    assert_int_equal(e[0].hdr.flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(e[0].hdr.domid, DOM_C);
    assert_int_equal(e[0].full_page.frame, G2);
    assert_int_equal(s[0], 0);
    assert_int_equal(e[7].hdr.flags, GTF_accept_transfer);   /* v1 -> v2: copied as is */
    assert_int_equal(e[8].hdr.flags, 0);
    /* the mapping still works and its unmap clears the v2 status word */
    assert_int_equal(pte_mfn(b_l1()[5]).m, G1);
    assert_int_equal(unmap(op.handle, VA(5)), GNTST_okay);
    assert_int_equal(s[1], 0);
    assert_int_equal(e[1].hdr.flags, GTF_permit_access);
    /* map again under v2, switch back: the status bits fold into the v1
     * flags; entries v1 cannot say become invalid */
    op = map(DOM_A, GNTTAB_RESERVED_XENSTORE, GNTMAP_host_map | GNTMAP_readonly, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(s[1], RD);
    assert_int_equal(set_version(da, 1, &now), 0);
    a1 = v1_entries(da);
    assert_int_equal(a1[1].flags, GTF_permit_access | RD);
    assert_int_equal(a1[1].domid, DOM_B);
    assert_int_equal(a1[1].frame, G1);
    assert_int_equal(a1[7].flags, 0);                          /* v2 -> v1: not permit_access */
    assert_int_equal(unmap(op.handle, VA(5)), GNTST_okay);
    assert_int_equal(a1[1].flags, GTF_permit_access);
    check_counts();
}

/* v2 -> v1 only if v1 can say the reserved entries (-ERANGE). */
static void test_switch_back_range(void **state)
{
    union grant_entry_v2 *e;
    uint32_t now = 0;
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    e = v2_entries(da);
    full_page(&e[2], DOM_B, 1ULL << 32, GTF_permit_access);
    assert_int_equal(set_version(da, 1, &now), -XEN_ERANGE);
    assert_int_equal(now, 2);
    assert_int_equal(e[2].full_page.frame, 1ULL << 32);       /* nothing changed */
    transitive(&e[2], DOM_B, DOM_C, 1);
    assert_int_equal(set_version(da, 1, &now), -XEN_ERANGE);
    /* a sub-page entry is permit_access with a small frame: accepted, its
     * window lost (Xen keeps the flags, frame read as full_page's) */
    full_page(&e[2], DOM_B, G1, GTF_permit_access);
    full_page(&e[200], DOM_B, 1ULL << 33, GTF_permit_access);  /* not reserved: cleared */
    assert_int_equal(set_version(da, 1, &now), 0);
    assert_int_equal(now, 1);
    assert_int_equal(v1_entries(da)[2].frame, G1);
}

/*
 * XSA-255 / XSA-379: a domain that still maps a status frame cannot go
 * back to v1 (the frame would be freed and reused under its mapping):
 * -EBUSY, the frame stays.  Unmapped, the switch frees it, and the old
 * frame can no longer be mapped (it is no longer the domain's).
 */
static void test_status_frame_mapped(void **state)
{
    uint64_t f[1];
    uint32_t now = 0;
    struct mmu_update u;
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    assert_int_equal(status_frames(da, 1, f), GNTST_okay);
    /* A maps its status frame in its L1 table 7 (read-only is enough). */
    as(da);
    u = (struct mmu_update){ .ptr = ((uint64_t)A_L1 << 12) + 8 * 3,
                             .val = (f[0] << 12) | _PAGE_PRESENT | _PAGE_USER };
    assert_int_equal(do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF), 0);
    assert_int_equal(frame_table[f[0]].count, 2);
    assert_int_equal(set_version(da, 1, &now), -XEN_EBUSY);
    assert_int_equal(now, 2);
    assert_int_equal(get_version(da), 2);
    assert_true(frame_table[f[0]].flags & PGC_allocated);
    assert_int_equal(status_frames(da, 1, f), GNTST_okay);  /* still there */
    /* a writable mapping as well */
    u.ptr = ((uint64_t)A_L1 << 12) + 8 * 4;
    u.val = (f[0] << 12) | _PAGE_PRESENT | _PAGE_USER | _PAGE_RW;
    assert_int_equal(do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF), 0);
    u.ptr = ((uint64_t)A_L1 << 12) + 8 * 3;
    u.val = 0;
    assert_int_equal(do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF), 0);
    assert_int_equal(set_version(da, 1, &now), -XEN_EBUSY);
    u.ptr = ((uint64_t)A_L1 << 12) + 8 * 4;
    assert_int_equal(do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF), 0);
    /* unmapped: the switch goes through and frees the frame */
    assert_int_equal(set_version(da, 1, &now), 0);
    assert_int_equal(now, 1);
    assert_true(frame_table[f[0]].flags & PGC_free);
    u.ptr = ((uint64_t)A_L1 << 12) + 8 * 3;
    u.val = (f[0] << 12) | _PAGE_PRESENT | _PAGE_USER;
    assert_int_not_equal(do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF), 0);
    /* v2 again: fresh, zeroed status frames */
    assert_int_equal(set_version(da, 2, NULL), 0);
    assert_int_equal(status_frames(da, 1, f), GNTST_okay);
    assert_true(frame_table[f[0]].flags & PGC_allocated);
    assert_int_equal(((grant_status_t *)fake_frame(_mfn(f[0])))[1], 0);
}

/* ---- death ---- */

/* A v2 granter dies while B maps one of its grants: the mapping stays
 * valid, the status frames are given up, everything is freed at unmap. */
static void test_v2_granter_dies(void **state)
{
    union grant_entry_v2 *e;
    struct gnttab_map_grant_ref op;
    uint64_t f[1];
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    e = v2_entries(da);
    assert_int_equal(status_frames(da, 1, f), GNTST_okay);
    full_page(&e[8], DOM_B, G1, GTF_permit_access);
    op = map(DOM_A, 8, GNTMAP_host_map, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    gnttab_destroy(da);
    assert_non_null(da->gt);                       /* B still pins it */
    assert_false(frame_table[f[0]].flags & PGC_allocated);
    assert_int_equal(map(DOM_A, 8, GNTMAP_host_map, VA(6)).status, GNTST_bad_domain);
    assert_int_equal(unmap(op.handle, VA(5)), GNTST_okay);
    assert_null(da->gt);
}

/* Batches of v2 ops with random entries never break the count rules. */
static void test_v2_random_ops(void **state)
{
    union grant_entry_v2 *e;
    grant_handle_t h[16];
    bool live[16] = { false };
    unsigned int i, seed = 12345;
    (void)state;

    assert_int_equal(set_version(da, 2, NULL), 0);
    assert_int_equal(set_version(dc, 2, NULL), 0);
    e = v2_entries(da);
    v2_entries(dc)[3] = (union grant_entry_v2){ .full_page = { { GTF_permit_access, DOM_A },
                                                                0, C_PAGE } };
    snapshot();
    for (i = 0; i < 3000; i++) {
        unsigned int r, ref, slot;

        seed = seed * 1103515245u + 12345u;
        r = seed >> 8;
        ref = 8 + (r % 4);
        slot = (r >> 4) % 16;
        switch ((r >> 8) % 6) {
        case 0:
            full_page(&e[ref], DOM_B, (r >> 12) & 1 ? G1 : G2,
                      GTF_permit_access | ((r >> 13) & 1 ? GTF_readonly : 0));
            break;
        case 1:
            sub_page(&e[ref], DOM_B, G1, (uint16_t)((r >> 12) % 4200),
                     (uint16_t)((r >> 16) % 4200), 0);
            break;
        case 2:
            transitive(&e[ref], DOM_B, (r >> 12) & 1 ? DOM_C : DOM_A, 3);
            break;
        case 3:
            if (!live[slot]) {
                struct gnttab_map_grant_ref op =
                    map(DOM_A, ref, GNTMAP_host_map | ((r >> 12) & 1 ? GNTMAP_readonly : 0),
                        VA(2 + slot));
                if (op.status == GNTST_okay) {
                    h[slot] = op.handle;
                    live[slot] = true;
                }
            }
            break;
        case 4:
            if (live[slot]) {
                assert_int_equal(unmap(h[slot], VA(2 + slot)), GNTST_okay);
                live[slot] = false;
            }
            break;
        default:
            (void)copy(GNTCOPY_source_gref | ((r >> 12) & 1 ? GNTCOPY_dest_gref : 0), ref,
                       DOM_A, (uint16_t)((r >> 13) % 4096), (r >> 12) & 1 ? 8 + ((r >> 14) % 4)
                                                                       : B_LOCAL,
                       (r >> 12) & 1 ? DOM_A : DOMID_SELF, (uint16_t)((r >> 16) % 4096),
                       (uint16_t)((r >> 20) % 300));
            break;
        }
    }
    for (i = 0; i < 16; i++)
        if (live[i])
            assert_int_equal(unmap(h[i], VA(2 + i)), GNTST_okay);
    check_counts();
    for (i = 8; i < 12; i++)
        assert_int_equal(status_array(da)[i], 0);
    assert_int_equal(status_array(dc)[3], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_and_query_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_page_map_and_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sub_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch_back_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_frame_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_granter_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_random_ops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
