/*
 * Shared set-up for the PV MMU tests (test_pvmm.c, test_ptwr.c): two fake
 * domains over the fake machine memory, and a checker that recomputes
 * every frame's reference and type counts from the validated tables,
 * pins and base pointers, and compares them with the frame table.
 */
#ifndef TEST_PVMM_WORLD_H
#define TEST_PVMM_WORLD_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/pv_mm.h>
#include <asm/page.h>

#define DOM_A 1
#define DOM_B 2
/* Frames: A owns 1..39, B owns 40..47, 60 is free, 61 is I/O memory. */
#define A_FIRST 1
#define A_LAST 39
#define B_FIRST 40
#define B_LAST 47
#define F_FREE 60
#define F_IO 61

static struct fake_domain fa, fb;
/* References (general + type) a test holds itself, outside any table. */
static unsigned int held[FAKE_NR_FRAMES];
/* Of those, writable type references (e.g. the console backend's ring). */
static unsigned int held_writable[FAKE_NR_FRAMES];
static struct domain *da, *db;

#define pte(mfn, flags) (((uint64_t)(mfn) << 12) | (uint64_t)(flags))
#define P _PAGE_PRESENT
#define RW _PAGE_RW
#define US _PAGE_USER
#define PRW (P | RW | US)
#define PRO (P | US)

static inline uint64_t *tab(unsigned int mfn)
{
    return fake_frame(_mfn(mfn));
}
static inline struct page_info *pg(unsigned int mfn)
{
    return &frame_table[mfn];
}

static int world_setup(void **state)
{
    unsigned int m;

    (void)state;
    fake_mm_reset();
    fake_domains_reset();
    fake_cpu_reset();
    fake_cr3_loads = 0;
    fake_seg_desc_rc = 0;
    fake_domain_init(&fa, DOM_A, 2, false);
    fake_domain_init(&fb, DOM_B, 1, false);
    da = &fa.d;
    db = &fb.d;
    for (m = A_FIRST; m <= A_LAST; m++)
        fake_frame_assign(_mfn(m), DOM_A);
    for (m = B_FIRST; m <= B_LAST; m++)
        fake_frame_assign(_mfn(m), DOM_B);
    fake_frame_table[F_IO] = (struct page_info){ .owner = DOMID_IO };
    fake_cpu_info.curr = &fa.v[0];
    memset(held, 0, sizeof(held));
    memset(held_writable, 0, sizeof(held_writable));
    return 0;
}

static int world_teardown(void **state)
{
    (void)state;
    fake_domain_fini(&fa);
    fake_domain_fini(&fb);
    fake_cpu_info.curr = NULL;
    return 0;
}

static inline bool is_pt_type(unsigned int t)
{
    return t >= PGT_l1 && t <= PGT_l4;
}

static void add_base(uint32_t *cnt, uint32_t *tc, mfn_t m)
{
    if (!mfn_eq(m, INVALID_MFN) && mfn_x(m) < FAKE_NR_FRAMES) {
        cnt[mfn_x(m)]++;
        tc[mfn_x(m)]++;
    }
}

/* The references entry e of table m (at level) holds. */
static void count_entry(uint64_t e, unsigned int level, unsigned int m, uint32_t *cnt,
                        uint32_t *tc, uint32_t *rw)
{
    unsigned int tm = (unsigned int)mfn_x(pte_mfn(e));

    if (!(e & P) || frame_is_io(pte_mfn(e)))
        return;
    assert_true(e & US);     /* adjust_guest_entry ran */
    if (level == 1) {
        cnt[tm]++;
        if (e & RW) {
            tc[tm]++;
            rw[tm]++;
        }
    } else if (!(tm == m && !(e & RW))) {
        cnt[tm]++;
        tc[tm]++;
    }
}

/*
 * The frame table must equal what the validated tables, pins and base
 * pointers imply, and no page-table frame may have a writable mapping.
 */
static void check_consistency(void)
{
    uint32_t cnt[FAKE_NR_FRAMES] = { 0 }, tc[FAKE_NR_FRAMES] = { 0 }, rw[FAKE_NR_FRAMES] = { 0 };
    uint32_t perm[FAKE_NR_FRAMES] = { 0 };
    struct fake_domain *doms[2] = { &fa, &fb };
    unsigned int m, i, k;

    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = pg(m);
        unsigned int level;
        const uint64_t *t;

        if (p->flags & PGC_allocated)
            cnt[m]++;
        if ((p->flags & PGC_allocated) && (p->flags & PGC_xen_heap)) {
            /* A hypervisor page shared with its owner: the permanent
             * writable type reference (pv_share_xen_frame). */
            assert_int_equal(p->type, PGT_writable);
            tc[m]++;
            perm[m]++;
        }
        if (p->flags & PGC_pinned) {
            cnt[m]++;
            tc[m]++;
        }
        if (!is_pt_type(p->type) || !p->type_count)
            continue;
        assert_false(p->flags & PGC_xen_heap);
        level = p->type - PGT_l1 + 1;
        t = tab(m);
        if (p->flags & PGC_partial) {
            /* Half (de)validated: entries below nr_validated hold their
             * references, entry nr_validated maybe a partial one; the
             * partial state itself holds one general and the one type
             * reference, for nobody, an upper entry or a vCPU. */
            unsigned int n = (p->flags & PGC_nr_mask) >> PGC_nr_shift;
            assert_false(p->flags & PGC_validated);
            assert_int_equal(p->type_count, 1);
            if (!(p->flags & PGC_partial_held)) {
                cnt[m]++;
                tc[m]++;
            }
            if (p->flags & PGC_partial_entry) {
                unsigned int lm = (unsigned int)mfn_x(pte_mfn(t[n]));
                assert_true(pg(lm)->flags & PGC_partial);
                assert_true(pg(lm)->flags & PGC_partial_held);
                cnt[lm]++;
                tc[lm]++;
            }
            for (i = 0; i < n; i++)
                if (!(level == 4 && i >= HV_SLOT_FIRST && i <= HV_SLOT_LAST))
                    count_entry(t[i], level, m, cnt, tc, rw);
            continue;
        }
        assert_true(p->flags & PGC_validated);
        for (i = 0; i < 512; i++) {
            if (level == 4 && i >= HV_SLOT_FIRST && i <= HV_SLOT_LAST) {
                assert_int_equal(t[i], FAKE_HV_SLOT_MARK | ((uint64_t)i << 12));
                continue;
            }
            count_entry(t[i], level, m, cnt, tc, rw);
        }
    }
    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        cnt[m] += held[m];
        tc[m] += held[m];
    }
    for (k = 0; k < 2; k++)
        for (i = 0; i < doms[k]->d.max_vcpus; i++) {
            add_base(cnt, tc, doms[k]->v[i].guest_table);
            add_base(cnt, tc, doms[k]->v[i].guest_table_user);
            if (doms[k]->v[i].pt_undo) {
                assert_true(doms[k]->v[i].pt_undo->flags & PGC_partial_held);
                add_base(cnt, tc, page_to_mfn(doms[k]->v[i].pt_undo));
            }
        }
    for (k = 0; k < 2; k++)
        if (doms[k]->d.pt_dying) {         /* a dying domain's teardown holds it */
            assert_true(doms[k]->d.pt_dying->flags & PGC_partial_held);
            add_base(cnt, tc, page_to_mfn(doms[k]->d.pt_dying));
        }
    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = pg(m);
        if (p->count != cnt[m] || p->type_count != tc[m])
            fail_msg("frame %u: count %u type_count %u type %u, expected %u %u", m, p->count,
                     p->type_count, p->type, cnt[m], tc[m]);
        if (!p->type_count)
            assert_int_equal(p->type, PGT_none);
        if (is_pt_type(p->type) && p->type_count && rw[m])
            fail_msg("page-table frame %u has %u writable mappings", m, rw[m]);
        if (p->type == PGT_writable)
            assert_int_equal(rw[m] + perm[m] + held_writable[m], p->type_count);
    }
}

/* Everything back to the state world_setup left. */
static inline void check_baseline(void)
{
    unsigned int m;

    check_consistency();
    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = pg(m);
        bool owned = (m >= A_FIRST && m <= A_LAST) || (m >= B_FIRST && m <= B_LAST);
        assert_int_equal(p->count, owned ? 1 : 0);
        assert_int_equal(p->type_count, 0);
        assert_int_equal(p->type, PGT_none);
        assert_false(p->flags & (PGC_pinned | PGC_validated));
    }
}

/* A 4-level hierarchy for va 0: L4 l4 -> L3 l3 -> L2 l2 -> L1 l1 (not validated). */
static inline void build_tables(unsigned int l4, unsigned int l3, unsigned int l2, unsigned int l1)
{
    tab(l4)[0] = pte(l3, PRW);
    tab(l3)[0] = pte(l2, PRW);
    tab(l2)[0] = pte(l1, PRW);
}
#endif
