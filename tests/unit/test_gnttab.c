/*
 * Unit tests for hypervisor/common/grant_table.c (with the real pv_mm.c)
 * over the fake machine: A (id 1) grants, B (id 2) maps and copies.
 * Hypercall arguments are host structures (guest address = host pointer).
 * After every scenario each frame's general and type counts must be back
 * where they started, and the granter's GTF_reading/GTF_writing flags must
 * follow the pins.
 */
#include "gnttab_world.h"

/* A owns 1..9: 5 and 6 are granted pages, 7 an L1 page table of A.
 * B owns 20..29: 20-23 its L4/L3/L2/L1 (va 0..2 MiB), 24 a local page. */

static struct grant_entry_v1 *a_gt;       /* A's shared entries */

#define PTE_MA(i) (((uint64_t)B_L1 << 12) + 8 * (i))

static int setup(void **state)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    xen_pfn_t frames[1] = { 0 };
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
    assert_int_equal(gnttab_init(da), 0);
    assert_int_equal(gnttab_init(db), 0);
    assert_int_equal(gnttab_init(dc), 0);
    /* B's tables: L4 20 -> L3 21 -> L2 22 -> L1 23, loaded as its CR3. */
    fake_frame(_mfn(20))[0] = (21UL << 12) | 7;
    fake_frame(_mfn(21))[0] = (22UL << 12) | 7;
    fake_frame(_mfn(22))[0] = (23UL << 12) | 7;
    b_l1()[1] = ((uint64_t)B_LOCAL << 12) | 7;   /* va 0x1000 -> B's page, RW */
    assert_int_equal(pv_new_guest_cr3(&fb.v[0], _mfn(B_L4)), 0);
    /* A's L1 page table (type L1 through a pin). */
    assert_int_equal(pv_pin_table(da, _mfn(A_L1), PGT_l1), 0);
    as(da);
    st.frame_list = (uint64_t)frames;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    a_gt = (struct grant_entry_v1 *)fake_frame(_mfn(frames[0]));
    memset(fake_frame(_mfn(G1)), 0x11, PAGE_SIZE);
    memset(fake_frame(_mfn(G2)), 0x22, PAGE_SIZE);
    as(db);
    snapshot();
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

static void grant(grant_ref_t ref, domid_t to, unsigned int frame, uint16_t flags)
{
    a_gt[ref].domid = to;
    a_gt[ref].frame = frame;
    a_gt[ref].flags = flags;
}

static struct gnttab_map_grant_ref map(grant_ref_t ref, uint32_t flags, uint64_t addr)
{
    struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags, .ref = ref,
                                       .dom = DOM_A, .status = 99 };
    assert_int_equal(gop(GNTTABOP_map_grant_ref, &op, 1), 0);
    return op;
}

static int16_t unmap(grant_handle_t h, uint64_t addr, uint64_t bus)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .dev_bus_addr = bus, .handle = h,
                                         .status = 99 };
    assert_int_equal(gop(GNTTABOP_unmap_grant_ref, &op, 1), 0);
    return op.status;
}

/* ---- table-driven map/unmap scenarios ---- */

enum act { MAP, UNMAP, ZAP, SETFLAGS, END };
struct step {
    enum act act;
    unsigned int slot;       /* handle slot (MAP stores, UNMAP uses) */
    uint32_t flags;          /* MAP: GNTMAP_*; SETFLAGS: grant flags */
    unsigned int va;         /* L1 index used as host_addr (0 = none) */
    bool bus;                /* UNMAP: pass the dev_bus_addr */
    int16_t want;            /* expected status */
    uint16_t gflags;         /* expected GTF_reading|GTF_writing afterwards */
    int extra_refs;          /* expected G1 count - baseline afterwards */
};

#define HM GNTMAP_host_map
#define DM GNTMAP_device_map
#define RO GNTMAP_readonly
#define RD GTF_reading
#define WR GTF_writing

struct scenario {
    const char *name;
    uint16_t grant_flags;
    struct step steps[8];
};

static const struct scenario scenarios[] = {
    { "host rw map/unmap", GTF_permit_access, {
        { MAP, 0, HM, 5, false, GNTST_okay, RD | WR, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, 0, 0 },
        { UNMAP, 0, 0, 5, false, GNTST_bad_handle, 0, 0 }, { .act = END } } },
    { "host ro map of a rw grant", GTF_permit_access, {
        { MAP, 0, HM | RO, 5, false, GNTST_okay, RD, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, 0, 0 }, { .act = END } } },
    { "rw map of a r/o grant refused", GTF_permit_access | GTF_readonly, {
        { MAP, 0, HM, 5, false, GNTST_general_error, 0, 0 },
        { MAP, 1, HM | RO, 5, false, GNTST_okay, RD, 1 },
        { MAP, 2, HM, 6, false, GNTST_general_error, RD, 1 },
        { UNMAP, 1, 0, 5, false, GNTST_okay, 0, 0 }, { .act = END } } },
    { "readonly after writable", GTF_permit_access, {
        { MAP, 0, HM, 5, false, GNTST_okay, RD | WR, 1 },
        { MAP, 1, HM | RO, 6, false, GNTST_okay, RD | WR, 2 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, RD, 1 },
        { UNMAP, 1, 0, 6, false, GNTST_okay, 0, 0 }, { .act = END } } },
    { "writable after readonly", GTF_permit_access, {
        { MAP, 0, HM | RO, 5, false, GNTST_okay, RD, 1 },
        { MAP, 1, HM, 6, false, GNTST_okay, RD | WR, 2 },
        { UNMAP, 1, 0, 6, false, GNTST_okay, RD, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, 0, 0 }, { .act = END } } },
    { "unmap in two steps (host then device)", GTF_permit_access, {
        { MAP, 0, HM | DM, 5, false, GNTST_okay, RD | WR, 2 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, RD | WR, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, RD | WR, 1 },   /* host already gone: no-op */
        { UNMAP, 0, 0, 0, true, GNTST_okay, 0, 0 },
        { UNMAP, 0, 0, 0, true, GNTST_bad_handle, 0, 0 }, { .act = END } } },
    { "unmap in two steps (device then host)", GTF_permit_access, {
        { MAP, 0, HM | DM | RO, 5, false, GNTST_okay, RD, 2 },
        { UNMAP, 0, 0, 0, true, GNTST_okay, RD, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, 0, 0 }, { .act = END } } },
    { "unmap at the wrong address keeps the mapping", GTF_permit_access, {
        { MAP, 0, HM, 5, false, GNTST_okay, RD | WR, 1 },
        { UNMAP, 0, 0, 6, false, GNTST_general_error, RD | WR, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, 0, 0 }, { .act = END } } },
    { "guest zaps the PTE itself: refs dropped, pins stay (Xen)", GTF_permit_access, {
        { MAP, 0, HM, 5, false, GNTST_okay, RD | WR, 1 },
        { ZAP, 0, 0, 5, false, 0, RD | WR, 0 },
        { UNMAP, 0, 0, 5, false, GNTST_general_error, RD | WR, 0 }, { .act = END } } },
    { "revoke while mapped fails: flags keep reading/writing", GTF_permit_access, {
        { MAP, 0, HM, 5, false, GNTST_okay, RD | WR, 1 },
        { SETFLAGS, 0, 0, 0, false, 0, RD | WR, 1 },
        { MAP, 1, HM, 6, false, GNTST_okay, RD | WR, 2 },   /* pinned: not re-checked (Xen) */
        { UNMAP, 1, 0, 6, false, GNTST_okay, RD | WR, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, 0, 0 }, { .act = END } } },
    { "no host/device flag", GTF_permit_access, {
        { MAP, 0, RO, 5, false, GNTST_bad_gntref, 0, 0 }, { .act = END } } },
    { "grant not permitted", GTF_invalid, {
        { MAP, 0, HM, 5, false, GNTST_general_error, 0, 0 }, { .act = END } } },
    { "host map at an unmapped address", GTF_permit_access, {
        { MAP, 0, HM, 600, false, GNTST_general_error, 0, 0 }, { .act = END } } },
    { "device map only", GTF_permit_access, {
        { MAP, 0, DM, 0, false, GNTST_okay, RD | WR, 1 },
        { UNMAP, 0, 0, 5, false, GNTST_okay, RD | WR, 1 },    /* no host part: no-op */
        { UNMAP, 0, 0, 0, true, GNTST_okay, 0, 0 }, { .act = END } } },
};

static void run_scenario(const struct scenario *s)
{
    grant_handle_t h[4] = { 0 };
    const struct step *st;

    grant(8, DOM_B, G1, s->grant_flags);
    snapshot();
    for (st = s->steps; st->act != END; st++) {
        int16_t got = 0;
        uint64_t addr = st->va >= 600 ? VA(0x1ff) + 0x200000 : VA(st->va);
        switch (st->act) {
        case MAP: {
            struct gnttab_map_grant_ref op = map(8, st->flags, st->va ? addr : 0);
            got = op.status;
            h[st->slot] = op.handle;
            if (got == GNTST_okay && (st->flags & DM))
                assert_int_equal(op.dev_bus_addr, (uint64_t)G1 << 12);
            if (got == GNTST_okay && (st->flags & HM)) {
                assert_int_equal(pte_mfn(b_l1()[st->va]).m, G1);
                assert_int_equal(!!(b_l1()[st->va] & _PAGE_RW), !(st->flags & RO));
            }
            break;
        }
        case UNMAP:
            got = unmap(h[st->slot], st->va ? addr : 0,
                        st->bus ? (uint64_t)G1 << 12 : 0);
            if (got == GNTST_okay && st->va)
                assert_int_equal(b_l1()[st->va], 0);
            break;
        case ZAP: {
            struct mmu_update u = { .ptr = PTE_MA(st->va), .val = 0 };
            assert_int_equal(do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF), 0);
            break;
        }
        case SETFLAGS:
            /* The granter tries to revoke as Linux does: cmpxchg flags to 0
             * only if neither reading nor writing is set. */
            if (!(a_gt[8].flags & (RD | WR)))
                a_gt[8].flags = 0;
            break;
        case END:
            break;
        }
        if (got != st->want)
            fail_msg("%s: step %u: status %d, expected %d", s->name,
                     (unsigned int)(st - s->steps), got, st->want);
        if ((a_gt[8].flags & (RD | WR)) != st->gflags)
            fail_msg("%s: step %u: grant flags %#x, expected %#x", s->name,
                     (unsigned int)(st - s->steps), a_gt[8].flags, st->gflags);
        if ((int)frame_table[G1].count - (int)base[G1].count != st->extra_refs)
            fail_msg("%s: step %u: G1 count %u, baseline %u + %d", s->name,
                     (unsigned int)(st - s->steps), frame_table[G1].count, base[G1].count,
                     st->extra_refs);
    }
}

static void test_map_scenarios(void **state)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
        setup(state);
        run_scenario(&scenarios[i]);
        check_counts();
        /* A pin left behind (the zap scenario) goes with B's death. */
        gnttab_destroy(db);
        assert_int_equal(a_gt[8].flags & (RD | WR), 0);
        teardown(state);
    }
}

/* The writable type reference stops the granted frame becoming a table,
 * and a page-table frame cannot be granted writable. */
static void test_type_rules(void **state)
{
    struct gnttab_map_grant_ref op;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    op = map(8, HM, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    as(da);
    assert_int_not_equal(pv_pin_table(da, _mfn(G1), PGT_l1), 0);
    as(db);
    assert_int_equal(unmap(op.handle, VA(5), 0), GNTST_okay);
    grant(9, DOM_B, A_L1, GTF_permit_access);
    op = map(9, HM, VA(6));
    assert_int_equal(op.status, GNTST_general_error);
    assert_int_equal(a_gt[9].flags & (RD | WR), 0);
    op = map(9, HM | RO, VA(6));      /* read-only is fine */
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(unmap(op.handle, VA(6), 0), GNTST_okay);
    grant(10, DOM_B, B_LOCAL, GTF_permit_access);   /* not A's frame */
    assert_int_equal(map(10, HM, VA(6)).status, GNTST_bad_page);   /* Xen: get_paged_frame */
    assert_int_equal(a_gt[10].flags & (RD | WR), 0);
    check_counts();
}

/* A map into an empty slot flushes no other CPU (as Xen); an unmap does,
 * before the granter can reuse the frame, once per batch (Xen's
 * gnttab_flush_tlb): the grants are released after it. */
static void test_map_flushes(void **state)
{
    struct gnttab_map_grant_ref op;
    struct gnttab_unmap_grant_ref u[3];
    unsigned int r = fake_remote_flushes, i;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    grant(9, DOM_B, G2, GTF_permit_access);
    op = map(8, HM | GNTMAP_contains_pte, PTE_MA(7));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(fake_remote_flushes, r);
    assert_int_equal(unmap(op.handle, PTE_MA(7), 0), GNTST_okay);
    assert_int_equal(fake_remote_flushes, r + 1);

    for (i = 0; i < 3; i++) {
        op = map(i == 1 ? 9 : 8, HM | GNTMAP_contains_pte, PTE_MA(5 + i));
        assert_int_equal(op.status, GNTST_okay);
        u[i] = (struct gnttab_unmap_grant_ref){ .host_addr = PTE_MA(5 + i), .handle = op.handle,
                                                .status = 99 };
    }
    assert_int_equal(fake_remote_flushes, r + 1);
    assert_int_equal(gop(GNTTABOP_unmap_grant_ref, u, 3), 0);
    for (i = 0; i < 3; i++) {
        assert_int_equal(u[i].status, GNTST_okay);
        assert_int_equal(b_l1()[5 + i], 0);
    }
    assert_int_equal(fake_remote_flushes, r + 2);
    assert_int_equal(a_gt[8].flags & (RD | WR), 0);     /* released after it */
    assert_int_equal(a_gt[9].flags & (RD | WR), 0);
    check_counts();
}

static void test_contains_pte_and_replace(void **state)
{
    struct gnttab_map_grant_ref op;
    struct gnttab_unmap_and_replace rep;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    op = map(8, HM | GNTMAP_contains_pte, PTE_MA(7));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(pte_mfn(b_l1()[7]).m, G1);
    /* not an L1 of B's / misaligned */
    assert_int_equal(map(8, HM | GNTMAP_contains_pte, (uint64_t)B_LOCAL << 12).status,
                     GNTST_general_error);
    assert_int_equal(map(8, HM | GNTMAP_contains_pte, PTE_MA(7) + 4).status,
                     GNTST_general_error);
    assert_int_equal(unmap(op.handle, PTE_MA(7), 0), GNTST_okay);
    assert_int_equal(b_l1()[7], 0);
    check_counts();

    /* unmap_and_replace: va 1's entry (B's own page) moves to va 5. */
    op = map(8, HM, VA(5));
    rep = (struct gnttab_unmap_and_replace){ .host_addr = VA(5), .new_addr = VA(1),
                                             .handle = op.handle };
    assert_int_equal(gop(GNTTABOP_unmap_and_replace, &rep, 1), 0);
    assert_int_equal(rep.status, GNTST_okay);
    assert_int_equal(pte_mfn(b_l1()[5]).m, B_LOCAL);
    assert_int_equal(b_l1()[1], 0);
    assert_int_equal(a_gt[8].flags & (RD | WR), 0);
    check_counts();
}

static int16_t copy(uint16_t flags, uint64_t src, domid_t sdom, uint16_t soff, uint64_t dst,
                    domid_t ddom, uint16_t doff, uint16_t len)
{
    struct gnttab_copy op = { .len = len, .flags = flags, .status = 99 };

    op.source.u.gmfn = src;
    op.source.domid = sdom;
    op.source.offset = soff;
    op.dest.u.gmfn = dst;
    op.dest.domid = ddom;
    op.dest.offset = doff;
    if (flags & GNTCOPY_source_gref)
        op.source.u.ref = (grant_ref_t)src;
    if (flags & GNTCOPY_dest_gref)
        op.dest.u.ref = (grant_ref_t)dst;
    assert_int_equal(gop(GNTTABOP_copy, &op, 1), 0);
    return op.status;
}

static void test_copy(void **state)
{
    unsigned char *g1 = (unsigned char *)fake_frame(_mfn(G1));
    unsigned char *loc = (unsigned char *)fake_frame(_mfn(B_LOCAL));
    struct gnttab_map_grant_ref op;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    grant(9, DOM_B, G2, GTF_permit_access | GTF_readonly);
    memset(loc, 0xbb, PAGE_SIZE);
    /* gref -> local */
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 16, B_LOCAL, DOMID_SELF, 32, 100),
                     GNTST_okay);
    assert_int_equal(loc[32], 0x11);
    assert_int_equal(loc[131], 0x11);
    assert_int_equal(loc[132], 0xbb);
    assert_int_equal(loc[31], 0xbb);
    /* local -> gref */
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 200, 8, DOM_A, 4000, 96),
                     GNTST_okay);
    assert_int_equal(g1[4000], 0xbb);
    assert_int_equal(g1[4095], 0xbb);
    assert_int_equal(g1[3999], 0x11);
    /* gref -> gref, and into a read-only grant: refused */
    assert_int_equal(copy(GNTCOPY_source_gref | GNTCOPY_dest_gref, 9, DOM_A, 0, 8, DOM_A, 0, 8),
                     GNTST_okay);
    assert_int_equal(g1[0], 0x22);
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 0, 9, DOM_A, 0, 8),
                     GNTST_general_error);
    /* bounds, permissions, domains, refs, frames */
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 4000, B_LOCAL, DOMID_SELF, 0, 97),
                     GNTST_bad_copy_arg);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 0, B_LOCAL, DOMID_SELF, 1, 4096),
                     GNTST_bad_copy_arg);
    assert_int_equal(copy(0, G1, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 8), GNTST_permission_denied);
    assert_int_equal(copy(0, B_LOCAL, DOM_B, 0, B_LOCAL, DOMID_SELF, 0, 8),
                     GNTST_permission_denied);
    assert_int_equal(copy(0, G1, DOMID_SELF, 0, B_LOCAL, DOMID_SELF, 0, 8), GNTST_bad_page);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, 77, 0, B_LOCAL, DOMID_SELF, 0, 8),
                     GNTST_bad_domain);
    assert_int_equal(copy(GNTCOPY_source_gref, 512, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 8),
                     GNTST_bad_gntref);
    assert_int_equal(copy(GNTCOPY_source_gref, 10, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 8),
                     GNTST_general_error);
    /* C may not use B's grant */
    as(dc);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 0, 0, DOMID_SELF, 0, 0),
                     GNTST_general_error);
    as(db);
    assert_int_equal(a_gt[8].flags & (RD | WR), 0);
    assert_int_equal(a_gt[9].flags & (RD | WR), 0);
    check_counts();

    /* Mapping and copying the same reference at once: the copy must not
     * clear the mapping's flags. */
    op = map(8, HM, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(copy(GNTCOPY_dest_gref, B_LOCAL, DOMID_SELF, 0, 8, DOM_A, 0, 8), GNTST_okay);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 8),
                     GNTST_okay);
    assert_int_equal(a_gt[8].flags & (RD | WR), RD | WR);
    op.status = unmap(op.handle, VA(5), 0);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(a_gt[8].flags & (RD | WR), 0);
    check_counts();
}

static void test_table_ops(void **state)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 4 };
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_set_version sv = { .version = 2 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    xen_pfn_t frames[GNTTAB_MAX_FRAMES + 1];
    unsigned int i;
    (void)state;

    as(da);
    assert_int_equal(gop(GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.status, GNTST_okay);
    assert_int_equal(qs.nr_frames, 1);
    assert_int_equal(qs.max_nr_frames, GNTTAB_MAX_FRAMES);
    st.frame_list = (uint64_t)frames;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    for (i = 0; i < 4; i++) {
        assert_int_equal(frame_table[frames[i]].owner, DOM_A);
        assert_true(frame_table[frames[i]].flags & PGC_xen_heap);
    }
    assert_ptr_equal((void *)fake_frame(_mfn(frames[0])), (void *)a_gt);
    assert_int_equal(gop(GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.nr_frames, 4);
    /* ref 2047 now exists, 2048 does not */
    as(db);
    ((struct grant_entry_v1 *)fake_frame(_mfn(frames[3])))[511] =
        (struct grant_entry_v1){ GTF_permit_access, DOM_B, G1 };
    assert_int_equal(copy(GNTCOPY_source_gref, 2047, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 1),
                     GNTST_okay);
    assert_int_equal(copy(GNTCOPY_source_gref, 2048, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 1),
                     GNTST_bad_gntref);
    as(da);
    st.nr_frames = GNTTAB_MAX_FRAMES + 1;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    st.nr_frames = 8;
    fake_alloc_budget = 1;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    fake_alloc_budget = ~0u;
    st.nr_frames = 1;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 2), -XEN_EINVAL);
    st.frame_list = 0x100;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_bad_virt_addr);
    st.dom = DOM_B;                          /* not privileged */
    st.frame_list = (uint64_t)frames;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_permission_denied);
    st.dom = 77;
    assert_int_equal(gop(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_bad_domain);
    assert_int_equal(gop(GNTTABOP_setup_table, (void *)0x100, 1), -XEN_EFAULT);

    /* Version 2 is offered (Xen's default); details in test_gnttab_v2.c. */
    assert_int_equal(gop(GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(sv.version, 2);
    sv.version = 3;
    assert_int_equal(gop(GNTTABOP_set_version, &sv, 1), -XEN_EINVAL);
    assert_int_equal(sv.version, 2);
    sv.version = 1;
    assert_int_equal(gop(GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(gop(GNTTABOP_get_version, &gv, 1), 0);
    assert_int_equal(gv.version, 1);
    gv.dom = DOM_B;
    assert_int_equal(gop(GNTTABOP_get_version, &gv, 1), -XEN_EPERM);
    assert_int_equal(gop(GNTTABOP_transfer, &gv, 1), -XEN_ENOSYS);
    assert_int_equal(gop(13, &gv, 1), -XEN_ENOSYS);
    assert_int_equal(gop(GNTTABOP_map_grant_ref | 0x40, &gv, 1), -XEN_EINVAL);
    assert_int_equal(gop(GNTTABOP_map_grant_ref, (void *)0x100, 1), -XEN_EFAULT);
    assert_int_equal(gop(GNTTABOP_map_grant_ref, (void *)0x100, 0), 0);
}

static void test_bad_map_args(void **state)
{
    struct gnttab_map_grant_ref op;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    op = map(8, HM, VA(5));
    op.dom = 77;
    assert_int_equal(gop(GNTTABOP_map_grant_ref, &op, 1), 0);
    assert_int_equal(op.status, GNTST_bad_domain);
    assert_int_equal(map(512, HM, VA(6)).status, GNTST_bad_gntref);
    assert_int_equal(unmap(12345, VA(5), 0), GNTST_bad_handle);
    assert_int_equal(unmap(1, VA(5), 0), GNTST_bad_handle);
    /* wrong bus address: nothing done */
    assert_int_equal(unmap(0, VA(5), 0x1000), GNTST_general_error);
    /* another domain (C) may not map it while B has it pinned, nor at all */
    as(dc);
    op = (struct gnttab_map_grant_ref){ .flags = DM, .ref = 8, .dom = DOM_A };
    assert_int_equal(gop(GNTTABOP_map_grant_ref, &op, 1), 0);
    assert_int_equal(op.status, GNTST_general_error);
    as(db);
    assert_int_equal(unmap(0, VA(5), 0), GNTST_okay);
    as(dc);
    assert_int_equal(gop(GNTTABOP_map_grant_ref, &op, 1), 0);
    assert_int_equal(op.status, GNTST_general_error);
    as(db);
    check_counts();
}

/* The granter dies while B maps its page: B keeps a valid mapping, new
 * maps are refused, and the frame is freed at B's unmap. */
static void test_granter_dies(void **state)
{
    extern unsigned int fake_frees;
    struct gnttab_map_grant_ref op, op2;
    unsigned int frees;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    grant(9, DOM_B, G2, GTF_permit_access);
    op = map(8, HM, VA(5));
    op2 = map(9, DM | RO, 0);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(op2.status, GNTST_okay);
    da->state = DOM_DYING;
    gnttab_destroy(da);
    pv_relinquish_memory(da);                 /* drops A's allocation refs */
    assert_false(frame_table[G1].flags & PGC_allocated);
    assert_false(frame_table[G2].flags & PGC_allocated);
    assert_int_equal(frame_table[G1].count, 1);   /* B's PTE */
    assert_int_equal(((unsigned char *)fake_frame(_mfn(G1)))[0], 0x11);
    assert_int_equal(map(8, HM, VA(6)).status, GNTST_bad_domain);
    assert_int_equal(copy(GNTCOPY_source_gref, 8, DOM_A, 0, B_LOCAL, DOMID_SELF, 0, 1),
                     GNTST_bad_domain);
    frees = fake_frees;
    assert_int_equal(unmap(op.handle, VA(5), 0), GNTST_okay);
    assert_int_equal(fake_frees, frees + 1);
    assert_int_equal(frame_table[G1].flags, PGC_free | PGC_stale_free);
    assert_int_equal(unmap(op2.handle, 0, (uint64_t)G2 << 12), GNTST_okay);
    assert_int_equal(frame_table[G2].flags, PGC_free | PGC_stale_free);
    assert_null(da->gt);                      /* freed with its last pin */
}

/* As blkback when its frontend is destroyed mid-I/O: the ring mapped
 * with GNTMAP_contains_pte (xenbus_map_ring_pv) and a persistent data
 * grant mapped at a VA stay valid, keep their frames out of the free
 * pool (not PGC_free, contents intact) after the granter's memory is
 * relinquished, and each frame is freed at its own unmap only. */
static void test_granter_dies_ring(void **state)
{
    extern unsigned int fake_frees;
    struct gnttab_map_grant_ref ring, seg;
    unsigned int frees;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    grant(9, DOM_B, G2, GTF_permit_access);
    ring = map(8, HM | GNTMAP_contains_pte, PTE_MA(7));
    seg = map(9, HM, VA(5));
    assert_int_equal(ring.status, GNTST_okay);
    assert_int_equal(seg.status, GNTST_okay);
    da->state = DOM_DYING;
    gnttab_destroy(da);
    pv_relinquish_memory(da);                         /* A's other frames go */
    frees = fake_frees;
    assert_false(frame_table[G1].flags & PGC_free);
    assert_false(frame_table[G2].flags & PGC_free);
    assert_int_equal(pte_mfn(b_l1()[7]).m, G1);
    assert_int_equal(((unsigned char *)fake_frame(_mfn(G1)))[0], 0x11);
    assert_non_null(da->gt);                          /* kept for the pins */
    assert_int_equal(unmap(ring.handle, PTE_MA(7), 0), GNTST_okay);
    assert_int_equal(b_l1()[7], 0);
    assert_int_equal(fake_frees, frees + 1);
    assert_int_equal(frame_table[G1].flags, PGC_free | PGC_stale_free);
    assert_false(frame_table[G2].flags & PGC_free);   /* still mapped */
    assert_int_equal(unmap(seg.handle, VA(5), 0), GNTST_okay);
    assert_int_equal(fake_frees, frees + 2);
    assert_int_equal(frame_table[G2].flags, PGC_free | PGC_stale_free);
    assert_null(da->gt);
}

/* The mapper dies: its pins go; its PTE references go with its tables. */
static void test_mapper_dies(void **state)
{
    struct gnttab_map_grant_ref op;
    (void)state;

    grant(8, DOM_B, G1, GTF_permit_access);
    op = map(8, HM | DM, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(frame_table[G1].count, base[G1].count + 2);
    gnttab_destroy(db);
    assert_int_equal(a_gt[8].flags & (RD | WR), 0);
    assert_int_equal(frame_table[G1].count, base[G1].count + 1);   /* the PTE's */
    mm_lock_acquire();
    put_page_and_type(fb.v[0].guest_table, db);   /* tear B's tables down */
    mm_lock_release();
    fb.v[0].guest_table = INVALID_MFN;
    assert_int_equal(frame_table[G1].count, base[G1].count);
    assert_int_equal(frame_table[G1].type_count, 0);
    /* A can now map its own grant to itself again, named by its id;
     * DOMID_SELF names no granter (Xen's rcu_lock_domain_by_id). */
    grant(8, DOM_A, G1, GTF_permit_access);
    as(da);
    op = (struct gnttab_map_grant_ref){ .flags = DM, .ref = 8, .dom = DOMID_SELF };
    assert_int_equal(gop(GNTTABOP_map_grant_ref, &op, 1), 0);
    assert_int_equal(op.status, GNTST_bad_domain);
    op = (struct gnttab_map_grant_ref){ .flags = DM, .ref = 8, .dom = DOM_A };
    assert_int_equal(gop(GNTTABOP_map_grant_ref, &op, 1), 0);
    assert_int_equal(op.status, GNTST_okay);
}

/*
 * A domain maps a grant of its own, named by its own id, as Xen 4.17
 * allows (map_grant_ref looks the granter up by id, and nothing refuses
 * the granter being the mapper): the two forms Linux's gntdev uses under
 * PV, the user PTE by machine address (GNTMAP_contains_pte, into a
 * validated L1 of its own) and a plain host mapping, plus a device
 * mapping; each takes a handle, and unmapping gives every count back.
 * The grant aggressor of docs/isolation.md (tests/linux/isoprog.c)
 * relies on this.
 */
static void test_self_map(void **state)
{
    const uint64_t pte_ma = ((uint64_t)A_L1 << 12) + 8 * 3;
    uint64_t *a_l1 = (uint64_t *)fake_frame(_mfn(A_L1));
    struct gnttab_map_grant_ref op, dop;
    (void)state;

    grant(8, DOM_A, G1, GTF_permit_access);
    as(da);
    op = map(8, HM | GNTMAP_contains_pte | GNTMAP_application_map, pte_ma);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(pte_mfn(a_l1[3]).m, G1);
    assert_int_equal(a_gt[8].flags & (RD | WR), RD | WR);
    dop = map(8, DM, 0);
    assert_int_equal(dop.status, GNTST_okay);
    assert_true(dop.handle != op.handle);
    assert_int_equal(dop.dev_bus_addr, (uint64_t)G1 << 12);
    assert_int_equal(frame_table[G1].count, base[G1].count + 2);
    assert_int_equal(unmap(dop.handle, 0, (uint64_t)G1 << 12), GNTST_okay);
    assert_int_equal(unmap(op.handle, pte_ma, 0), GNTST_okay);
    assert_int_equal(a_l1[3], 0);
    assert_int_equal(a_gt[8].flags & (RD | WR), 0);
    assert_int_equal(unmap(op.handle, pte_ma, 0), GNTST_bad_handle);
    as(db);
    check_counts();
}

/*
 * Batches stop by elapsed time (issue 11 defect 6): once the hypercall
 * has held the hypervisor lock HYPERCALL_PREEMPT_NS (the fake's
 * fake_preempt_due), the batch continues itself after the entry in hand,
 * not only every HYPERCALL_CHUNK entries; never inside a multicall.
 */
static void test_batch_preempted_by_time(void **state)
{
    extern bool fake_preempt_due;
    struct gnttab_unmap_grant_ref ops[10];
    unsigned int i;
    (void)state;

    for (i = 0; i < 10; i++)
        ops[i] = (struct gnttab_unmap_grant_ref){ .handle = 999, .status = 99 };
    fake_continuations = 0;
    fake_may_preempt = true;            /* not due: the whole batch runs */
    assert_int_equal(gop(GNTTABOP_unmap_grant_ref, ops, 10), 0);
    assert_int_equal(fake_continuations, 0);
    assert_int_equal(ops[9].status, GNTST_bad_handle);
    for (i = 0; i < 10; i++)
        ops[i].status = 99;
    fake_preempt_due = true;            /* due: stop after the first entry */
    assert_int_equal(gop(GNTTABOP_unmap_grant_ref, ops, 10), 0);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(fake_cont_args[0], GNTTABOP_unmap_grant_ref);
    assert_int_equal(fake_cont_args[1], (uint64_t)&ops[1]);
    assert_int_equal(fake_cont_args[2], 9);
    assert_int_equal(ops[0].status, GNTST_bad_handle);
    assert_int_equal(ops[1].status, 99);
    fake_may_preempt = false;           /* in a multicall: no continuation */
    assert_int_equal(gop(GNTTABOP_unmap_grant_ref, ops, 10), 0);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(ops[9].status, GNTST_bad_handle);
    fake_preempt_due = false;
}

/*
 * Maptrack handles (issue 11 defect 9): B can hold exactly
 * GNTTAB_MAX_HANDLES mappings at once; one more is GNTST_no_space (Xen 4.17,
 * since its 5c10b96795 "maptrack handle shortage is not IOMMU related")
 * and changes nothing; a map that fails for another reason does not use
 * a handle up; unmapped handles are given out again, all of them, and a
 * full drain brings every count back.  Device-only read-only maps of
 * A's 512 references (all granting G1), GNTTAB_MAX_HANDLES / 512 each.
 */
static void map_all(grant_handle_t *h, uint8_t *seen)
{
    unsigned int i;

    memset(seen, 0, GNTTAB_MAX_HANDLES);
    for (i = 0; i < GNTTAB_MAX_HANDLES; i++) {
        struct gnttab_map_grant_ref op = map(i % 512, DM | RO, 0);
        if (op.status != GNTST_okay)
            fail_msg("map %u of %u: status %d", i, GNTTAB_MAX_HANDLES, op.status);
        assert_true(op.handle < GNTTAB_MAX_HANDLES);
        assert_false(seen[op.handle]);
        seen[op.handle] = 1;
        h[i] = op.handle;
    }
}

static void unmap_all(const grant_handle_t *h)
{
    unsigned int i;

    for (i = 0; i < GNTTAB_MAX_HANDLES; i++)
        assert_int_equal(unmap(h[i], 0, (uint64_t)G1 << 12), GNTST_okay);
}

static void test_maptrack_exhaustion_and_reuse(void **state)
{
    static grant_handle_t h[GNTTAB_MAX_HANDLES];
    static uint8_t seen[GNTTAB_MAX_HANDLES];
    const unsigned int freed[3] = { 5, GNTTAB_MAX_HANDLES / 2, GNTTAB_MAX_HANDLES - 1 };
    struct gnttab_map_grant_ref op;
    unsigned int i, j;
    (void)state;

    for (i = 0; i < 512; i++)
        grant(i, DOM_B, G1, GTF_permit_access | GTF_readonly);
    a_gt[7].domid = DOM_C;                                 /* not for B */
    /* Failures after the handle was taken give it back. */
    assert_int_equal(map(512, DM | RO, 0).status, GNTST_bad_gntref);
    assert_int_equal(map(7, DM | RO, 0).status, GNTST_general_error);
    a_gt[7].domid = DOM_B;
    map_all(h, seen);
    assert_int_equal(frame_table[G1].count, base[G1].count + GNTTAB_MAX_HANDLES);
    op = map(3, DM | RO, 0);
    assert_int_equal(op.status, GNTST_no_space);
    assert_int_equal(frame_table[G1].count, base[G1].count + GNTTAB_MAX_HANDLES);
    /* Three handles freed: exactly those come back, then none. */
    for (j = 0; j < 3; j++) {
        assert_int_equal(unmap(h[freed[j]], 0, (uint64_t)G1 << 12), GNTST_okay);
        seen[h[freed[j]]] = 0;
    }
    assert_int_equal(unmap(h[freed[0]], 0, (uint64_t)G1 << 12), GNTST_bad_handle);
    for (j = 0; j < 3; j++) {
        op = map(freed[j] % 512, DM | RO, 0);
        assert_int_equal(op.status, GNTST_okay);
        assert_false(seen[op.handle]);
        seen[op.handle] = 1;
        h[freed[j]] = op.handle;
    }
    assert_int_equal(map(3, DM | RO, 0).status, GNTST_no_space);
    /* Drain, refill, drain: every handle is usable again. */
    unmap_all(h);
    assert_int_equal(a_gt[3].flags & (RD | WR), 0);
    check_counts();
    map_all(h, seen);
    assert_int_equal(map(3, DM | RO, 0).status, GNTST_no_space);
    unmap_all(h);
    check_counts();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_scenarios),
        cmocka_unit_test_setup_teardown(test_type_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_flushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contains_pte_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_map_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_granter_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_granter_dies_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mapper_dies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maptrack_exhaustion_and_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_preempted_by_time, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
