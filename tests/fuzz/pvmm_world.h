/*
 * Shared by fuzz_pvmm.c and fuzz_ptwr.c: a fake machine with a guest
 * domain A (the one the fuzz input drives), a second domain B, frames of
 * the hypervisor and one of I/O memory; A starts with a pinned,
 * validated address space built through the real PV MMU calls.  After
 * every step world_check() recomputes from scratch what the frame table
 * must hold and abort()s on the first broken invariant:
 *
 *  - every frame's general count equals its allocation reference + pin
 *    + references from validated tables + base pointers, and its type
 *    count equals pin + typed references + base pointers (a frame
 *    without type references has no type);
 *  - no validated table of A maps a frame of B (unless A is privileged),
 *    of the hypervisor, a free frame, or I/O memory (unless privileged);
 *  - no page-table frame is mapped writable; an upper entry points at a
 *    table one level down, or at its own table read-only;
 *  - the hypervisor slots of every validated L4 hold what the hypervisor
 *    wrote, and the hypervisor's and B's frames keep their contents;
 *  - class 1 (docs/security.md): every hypervisor frame shared with A
 *    (its shared_info, its grant-table frames, made by the real
 *    pv_share_xen_frame() and grow_table()) holds its permanent writable
 *    type and is never pinned, a page table or a descriptor page;
 *  - class 2: while the real console backend has A's ring attached, the
 *    ring is A's, allocated, typed writable, and the backend's general
 *    and type references are counted;
 *  - a frame in use keeps no TLB staleness its type forbids (class 5,
 *    docs/security.md): a table never carries a stale-writable or
 *    stale-table mark, a writable frame no stale-table mark (the marks go
 *    only with the flush in get_page_type);
 *  - BUG_ON never fires (panic longjmps to abort()).
 *
 * Frames: A 1..31 (22 is its console ring), B 32..39 (36..39 a tree of
 * B's, w_pattern), hypervisor 40..43,
 * I/O 44, A's shared_info 45, 46..63 free (A's grant-table frames are
 * allocated from the top, reservation changes take and give back the rest).
 * A's initial space (va = host pointer in the fake layer, so the tables
 * only matter to the PV MMU itself):
 *   L4 1 (pinned, vCPU 0's base pointer), [0] -> L3 2, [1] -> itself RO;
 *   L3 2 [0] -> L2 3; L2 3 [0] -> L1 4, [1] -> L1 5;
 *   L1 4: [0..7] frames 10..17 RW, [8] L1 5 RO, [9] L1 4 RO (itself),
 *         [10] L2 3 RO, [11] L4 1 RO;
 *   L1 5: [0..3] frames 18..21 RO;
 *   L4 6 pinned and empty (vCPU 0's user base pointer), L1 7 pinned, empty.
 */
#ifndef FUZZ_PVMM_WORLD_H
#define FUZZ_PVMM_WORLD_H
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/pv_mm.h>
#include <keel/hypercall.h>
#include <keel/grant_table.h>
#include <keel/console_backend.h>
#include <asm/page.h>

#define W_DOM_A 1
#define W_DOM_B 2
#define W_A_FIRST 1
#define W_A_LAST 31
#define W_B_FIRST 32
#define W_B_LAST 39
#define W_HV_FIRST 40
#define W_HV_LAST 43
#define W_IO 44
#define W_SI 45            /* A's shared_info */
#define W_RING 22          /* A's console ring */
#define W_A_PAGES 31

#define W_P _PAGE_PRESENT
#define W_RW _PAGE_RW
#define W_US _PAGE_USER
#define wpte(mfn, fl) (((uint64_t)(mfn) << 12) | (uint64_t)(fl))

static struct fake_domain w_fa, w_fb;
static bool w_privileged;
static bool w_ring_attached;
static struct shared_info *w_si_host;     /* the fake's own, put back at the end */

/*
 * What frames A may never write hold, B's and the hypervisor's: a
 * pattern, but for a tree of B's that a privileged A may pin as a
 * toolstack does (foreigndom B), large enough for a preemptible
 * validation to stop in it: L4 36 -> L3 37 -> L2 38 -> L1 39, whose 511
 * first entries map B's 32..34 (odd ones writable) and whose last maps
 * 35 writable; 35 is an empty table (pinned as one first, it makes the
 * tree's validation fail on its very last entry).
 */
static uint64_t w_pattern(unsigned int m, unsigned int i)
{
    switch (m) {
    case 35:
        return 0;
    case 36:
    case 37:
    case 38:
        return i ? 0 : wpte(m + 1, W_P | W_RW | W_US);
    case 39:
        if (i == 511)
            return wpte(35, W_P | W_RW | W_US);
        return wpte(32 + i % 3, W_P | W_US | ((i & 1) ? W_RW : 0));
    default:
        return 0x5a5a000000000000UL | ((uint64_t)m << 16) | i;
    }
}

static void w_fail(const char *what, unsigned int m, unsigned int i, uint64_t x)
{
    fprintf(stderr, "pvmm invariant broken: %s (frame %u, index %u, value %#lx)\n", what, m, i,
            (unsigned long)x);
    abort();
}

static bool w_is_pt(unsigned int t)
{
    return t >= PGT_l1 && t <= PGT_l4;
}

static void w_must(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "pvmm world set-up failed: %s\n", what);
        abort();
    }
}

static jmp_buf w_panic_jmp;

/* The initial world (see the top comment).  Call with setjmp armed. */
static void world_init(bool privileged)
{
    unsigned int m, i;
    uint64_t *t;

    fake_console_quiet = true;
    fake_mm_reset();
    fake_domains_reset();
    fake_cpu_reset();
    fake_guest_hole_start = fake_guest_hole_end = 0;
    w_privileged = privileged;
    fake_domain_init(&w_fa, W_DOM_A, 2, privileged);
    fake_domain_init(&w_fb, W_DOM_B, 1, false);
    for (m = W_A_FIRST; m <= W_A_LAST; m++)
        fake_frame_assign(_mfn(m), W_DOM_A);
    for (m = W_B_FIRST; m <= W_B_LAST; m++)
        fake_frame_assign(_mfn(m), W_DOM_B);
    for (m = W_HV_FIRST; m <= W_HV_LAST; m++)
        fake_frame_table[m] = (struct page_info){ .owner = OWNER_XEN, .count = 1,
                                                  .flags = PGC_xen_heap };
    fake_frame_table[W_IO] = (struct page_info){ .owner = DOMID_IO };
    for (m = W_B_FIRST; m <= W_HV_LAST; m++)
        for (i = 0; i < 512; i++)
            fake_frame(_mfn(m))[i] = w_pattern(m, i);
    fake_cpu_info.curr = &w_fa.v[0];

    fake_frame(_mfn(1))[0] = wpte(2, W_P | W_RW);
    fake_frame(_mfn(1))[1] = wpte(1, W_P);
    fake_frame(_mfn(2))[0] = wpte(3, W_P | W_RW);
    fake_frame(_mfn(3))[0] = wpte(4, W_P | W_RW);
    fake_frame(_mfn(3))[1] = wpte(5, W_P | W_RW);
    t = fake_frame(_mfn(4));
    for (i = 0; i < 8; i++)
        t[i] = wpte(10 + i, W_P | W_RW);
    t[8] = wpte(5, W_P);
    t[9] = wpte(4, W_P);
    t[10] = wpte(3, W_P);
    t[11] = wpte(1, W_P);
    for (i = 0; i < 4; i++)
        fake_frame(_mfn(5))[i] = wpte(18 + i, W_P);
    w_must(pv_pin_table(&w_fa.d, _mfn(1), PGT_l4) == 0, "pin L4 1");
    w_must(pv_new_guest_cr3(&w_fa.v[0], _mfn(1)) == 0, "base pointer L4 1");
    w_must(pv_pin_table(&w_fa.d, _mfn(6), PGT_l4) == 0, "pin L4 6");
    w_fa.v[0].guest_table_user = _mfn(6);
    w_must(get_page_and_type(_mfn(6), &w_fa.d, PGT_l4) == 0, "user base pointer L4 6");
    w_must(pv_pin_table(&w_fa.d, _mfn(7), PGT_l1) == 0, "pin L1 7");

    /* The frames the hypervisor shares with A and the one it uses of A's,
     * through the real code paths. */
    w_fa.d.tot_pages = w_fa.d.max_pages = W_A_PAGES;
    pv_share_xen_frame(_mfn(W_SI), &w_fa.d);
    w_si_host = w_fa.d.shared_info;
    w_fa.d.shared_info = mfn_to_virt(_mfn(W_SI));
    w_fa.d.shared_info_mfn = _mfn(W_SI);
    fake_alloc_budget = ~0u;
    w_must(gnttab_init(&w_fa.d) == 0, "A's grant table");
    w_must(cons_backend_attach(&w_fa.d, _mfn(W_RING), 1) == 0, "A's console ring");
    w_ring_attached = true;
    w_must(evtchn_init(&w_fa.d, 2048) == 0, "A's event channels");
}

static void world_fini(void)
{
    if (w_ring_attached)
        cons_backend_detach(&w_fa.d);
    w_ring_attached = false;
    gnttab_destroy(&w_fa.d);
    evtchn_destroy(&w_fa.d);
    w_fa.d.shared_info = w_si_host;
    fake_domain_fini(&w_fa);
    fake_domain_fini(&w_fb);
    fake_cpu_info.curr = NULL;
}

static void w_add_base(uint32_t *cnt, uint32_t *tc, mfn_t m)
{
    if (mfn_eq(m, INVALID_MFN))
        return;
    if (mfn_x(m) >= FAKE_NR_FRAMES || fake_frame_table[mfn_x(m)].type != PGT_l4)
        w_fail("base pointer is not an L4", (unsigned int)mfn_x(m), 0, 0);
    cnt[mfn_x(m)]++;
    tc[mfn_x(m)]++;
}

/* The owner of the table being checked: A, or B for a table the
 * privileged A pinned with foreigndom B (a toolstack building B). */
static domid_t w_table_owner = W_DOM_A;

/* May A's validated tables map frame tm (as a leaf)? */
static bool w_mappable(unsigned int tm)
{
    const struct page_info *p = &fake_frame_table[tm];

    if (w_table_owner == W_DOM_B)        /* B's tables: B's frames and I/O memory */
        return p->owner == W_DOM_B || (p->owner == DOMID_IO && w_privileged);

    if (p->owner == W_DOM_A)
        return (p->flags & PGC_allocated) || p->count;
    if (p->owner == DOMID_IO)
        return w_privileged;
    if (p->owner == W_DOM_B)
        return w_privileged;
    return false;
}

static void w_check_entry(unsigned int m, unsigned int level, unsigned int i, uint64_t e,
                          uint32_t *cnt, uint32_t *tc, uint32_t *rw)
{
    uint64_t tm64 = mfn_x(pte_mfn(e));
    unsigned int tm;

    if (!(e & W_P))
        return;
    if (!(e & W_US))
        w_fail("present entry without _PAGE_USER", m, i, e);
    if (tm64 >= FAKE_NR_FRAMES) {
        if (level == 1 && w_privileged)
            return;             /* I/O memory beyond RAM: privileged only */
        w_fail("entry maps a frame beyond memory", m, i, e);
    }
    tm = (unsigned int)tm64;
    if (level > 1) {
        if (e & (_PAGE_PSE | _PAGE_GLOBAL | _PAGE_PWT | _PAGE_PCD))
            w_fail("upper entry with a refused bit", m, i, e);
        if (tm == m && !(e & W_RW))
            return;             /* self-linear, no reference */
        if (fake_frame_table[tm].type != PGT_l1 + level - 2 ||
            fake_frame_table[tm].owner != w_table_owner)
            w_fail("upper entry not pointing at its domain's table one level down", m, i, e);
        cnt[tm]++;
        tc[tm]++;
        return;
    }
    if (!w_mappable(tm))
        w_fail("L1 entry maps a frame A may not map", m, i, e);
    if (fake_frame_table[tm].owner == DOMID_IO)
        return;
    cnt[tm]++;
    if (e & W_RW) {
        tc[tm]++;
        rw[tm]++;
    }
}

/* Class 1: a hypervisor frame shared with A (PGC_xen_heap, A's): its
 * permanent writable type reference while shared, never another type. */
static void w_check_shared(unsigned int m, const struct page_info *p, uint32_t *tc,
                           uint32_t *extra_w)
{
    if (p->type_count && p->type != PGT_writable)
        w_fail("a hypervisor frame shared with A has a table or descriptor type", m, 0,
               p->type);
    if (p->flags & PGC_pinned)
        w_fail("a hypervisor frame shared with A is pinned", m, 0, p->flags);
    if (!(p->flags & PGC_allocated))
        return;
    if (p->type != PGT_writable)
        w_fail("a hypervisor frame shared with A lost its permanent type", m, 0, p->type);
    tc[m]++;
    extra_w[m]++;
}

/* Class 2: the FIFO event-channel frames A registered (control blocks,
 * event-array pages) hold a general and a writable type reference each,
 * and stay A's. */
static void w_check_fifo(uint32_t *cnt, uint32_t *tc, uint32_t *extra_w)
{
    mfn_t held[64];
    unsigned int n = evtchn_fifo_frames(&w_fa.d, held, 64), i;

    for (i = 0; i < n; i++) {
        unsigned int m = (unsigned int)mfn_x(held[i]);
        const struct page_info *p;

        if (m >= FAKE_NR_FRAMES)
            w_fail("a FIFO frame outside the machine", m, i, m);
        p = &fake_frame_table[m];
        if (p->owner != W_DOM_A || p->type != PGT_writable)
            w_fail("a FIFO frame left A or is not writable-typed", m, p->type, p->owner);
        cnt[m]++;
        tc[m]++;
        extra_w[m]++;
    }
}

/* Class 2: the console backend's references on A's ring while attached. */
static void w_check_ring(uint32_t *cnt, uint32_t *tc, uint32_t *extra_w)
{
    const struct page_info *p = &fake_frame_table[W_RING];

    if (!w_ring_attached)
        return;
    if (p->owner != W_DOM_A || !(p->flags & PGC_allocated))
        w_fail("the attached console ring left domain A", W_RING, 0, p->owner);
    if (p->type_count && p->type != PGT_writable)
        w_fail("the attached console ring has a table or descriptor type", W_RING, 0, p->type);
    /* The backend's own references, which keep both of the above true. */
    if (p->type != PGT_writable)
        w_fail("the console backend holds no writable type on its ring", W_RING, 0, p->type);
    cnt[W_RING]++;
    tc[W_RING]++;
    extra_w[W_RING]++;
}

static void world_check(void)
{
    static uint32_t cnt[FAKE_NR_FRAMES], tc[FAKE_NR_FRAMES], rw[FAKE_NR_FRAMES];
    static uint32_t extra_w[FAKE_NR_FRAMES];   /* writable type refs not from PTEs */
    unsigned int m, i, j, k;
    struct fake_domain *doms[2] = { &w_fa, &w_fb };

    memset(cnt, 0, sizeof(cnt));
    memset(tc, 0, sizeof(tc));
    memset(rw, 0, sizeof(rw));
    memset(extra_w, 0, sizeof(extra_w));
    w_check_ring(cnt, tc, extra_w);
    w_check_fifo(cnt, tc, extra_w);
    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = &fake_frame_table[m];
        const uint64_t *t = fake_frame(_mfn(m));
        unsigned int level;

        if (p->flags & PGC_allocated)
            cnt[m]++;
        if (p->owner == OWNER_XEN)
            cnt[m]++;
        if (p->owner == W_DOM_A && (p->flags & PGC_xen_heap))
            w_check_shared(m, p, tc, extra_w);
        if (p->flags & PGC_pinned) {
            if (!w_is_pt(p->type))
                w_fail("pinned frame is not a page table", m, 0, p->type);
            cnt[m]++;
            tc[m]++;
        }
        /* The partial state's marks go only with a partial table. */
        if ((p->flags & (PGC_partial_held | PGC_partial_entry | PGC_nr_mask)) &&
            !(p->flags & PGC_partial))
            w_fail("partial-state marks on a frame that is not partial", m, 0, p->flags);
        if ((p->flags & PGC_partial) && (!w_is_pt(p->type) || p->type_count != 1))
            w_fail("a partial frame is not a table with one type reference", m, p->type,
                   p->type_count);
        if ((p->flags & PGC_validated) && (!w_is_pt(p->type) || !p->type_count))
            w_fail("a validated mark on a frame that is no table in use", m, p->type, p->flags);
        if (!w_is_pt(p->type) || !p->type_count)
            continue;
        if (!(p->flags & (PGC_validated | PGC_partial)))
            w_fail("page table in use but neither validated nor half (de)validated", m, 0, p->type);
        /* A privileged A may pin B's tables (mmuext_op with foreigndom B):
         * validated as B's, they may only reference B's frames. */
        if (p->owner != W_DOM_A && !(p->owner == W_DOM_B && w_privileged))
            w_fail("a page table not of domain A", m, 0, p->owner);
        w_table_owner = p->owner;
        level = p->type - PGT_l1 + 1;
        if (p->flags & PGC_partial) {
            /* Half (de)validated (pv_mm.c): entries below nr_validated
             * hold references, entry nr_validated maybe a partial one;
             * the partial state holds one general and its one type
             * reference, for nobody, an upper entry or a vCPU. */
            unsigned int n = (p->flags & PGC_nr_mask) >> PGC_nr_shift;
            if (p->flags & PGC_validated)
                w_fail("a partial table is also validated", m, 0, p->flags);
            if (p->type_count != 1 || n > 512)
                w_fail("a partial table with a bad state", m, n, p->type_count);
            if (!(p->flags & PGC_partial_held)) {
                cnt[m]++;
                tc[m]++;
            }
            if (p->flags & PGC_partial_entry) {
                unsigned int lm = (unsigned int)(mfn_x(pte_mfn(t[n % 512])) % FAKE_NR_FRAMES);
                if (n >= 512 || !(fake_frame_table[lm].flags & PGC_partial_held))
                    w_fail("a partial entry names no held partial table", m, n, t[n % 512]);
                cnt[lm]++;
                tc[lm]++;
            }
            for (i = 0; i < n; i++)
                if (!(level == 4 && i >= HV_SLOT_FIRST && i <= HV_SLOT_LAST))
                    w_check_entry(m, level, i, t[i], cnt, tc, rw);
            continue;
        }
        if (!(p->flags & (PGC_validated | PGC_partial)))
            w_fail("page table in use but neither validated nor half (de)validated", m, 0, p->type);
        for (i = 0; i < 512; i++) {
            if (level == 4 && i >= HV_SLOT_FIRST && i <= HV_SLOT_LAST) {
                if (t[i] != (FAKE_HV_SLOT_MARK | ((uint64_t)i << 12)))
                    w_fail("hypervisor L4 slot changed", m, i, t[i]);
                continue;
            }
            w_check_entry(m, level, i, t[i], cnt, tc, rw);
        }
    }
    for (k = 0; k < 2; k++)
        for (i = 0; i < doms[k]->d.max_vcpus; i++) {
            w_add_base(cnt, tc, doms[k]->v[i].guest_table);
            w_add_base(cnt, tc, doms[k]->v[i].guest_table_user);
            /* MMUEXT_SET_LDT holds a general and a seg_desc type
             * reference on each LDT frame (pv_ldt.c). */
            for (j = 0; j < GUEST_LDT_FRAMES; j++)
                if (!mfn_eq(doms[k]->v[i].ldt_frames[j], INVALID_MFN)) {
                    unsigned int lm = (unsigned int)mfn_x(doms[k]->v[i].ldt_frames[j]) % FAKE_NR_FRAMES;
                    cnt[lm]++;
                    tc[lm]++;
                }
            if (doms[k]->v[i].pt_undo) {
                unsigned int um = (unsigned int)mfn_x(page_to_mfn(doms[k]->v[i].pt_undo));
                if (!(doms[k]->v[i].pt_undo->flags & PGC_partial_held))
                    w_fail("a vCPU undoes a table it does not hold", um, 0, 0);
                cnt[um]++;
                tc[um]++;
            }
        }
    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = &fake_frame_table[m];

        if (p->count != cnt[m])
            w_fail("general count differs from the references", m, cnt[m], p->count);
        if (p->type_count != tc[m])
            w_fail("type count differs from the typed references", m, tc[m], p->type_count);
        if (!p->type_count && p->type != PGT_none)
            w_fail("a type without type references", m, 0, p->type);
        if (w_is_pt(p->type) && rw[m])
            w_fail("a page table is mapped writable", m, rw[m], p->type);
        if (p->type_count && ((p->flags & PGC_stale_table) ||
                              (p->type != PGT_writable && (p->flags & PGC_stale_writable))))
            w_fail("a frame took a new type without the TLB flush", m, p->type, p->flags);
        if (p->type == PGT_writable && rw[m] + extra_w[m] != p->type_count)
            w_fail("writable type count differs from RW mappings", m, rw[m], p->type_count);
        /* (B's frames change when a privileged A pins them as tables:
         * validation marks entries _PAGE_USER and fills an L4's
         * hypervisor slots, as Xen's does, even when it then fails.) */
        if (m >= W_B_FIRST && m <= W_HV_LAST && !(w_privileged && m <= W_B_LAST))
            for (i = 0; i < 512; i++)
                if (fake_frame(_mfn(m))[i] != w_pattern(m, i))
                    w_fail("a frame of B or the hypervisor was written", m, i,
                           fake_frame(_mfn(m))[i]);
    }
}

/* ---- reading the fuzz input ---- */
struct w_in {
    const uint8_t *p;
    size_t n;
};

static uint64_t w_get(struct w_in *in, unsigned int bytes)
{
    uint64_t v = 0;
    unsigned int i;

    if (bytes > 8)
        abort();
    for (i = 0; i < bytes && in->n; i++, in->n--)
        v |= (uint64_t)*in->p++ << (8 * i);
    return v;
}

/* A frame number: mostly one of the machine's, sometimes anything. */
static inline uint64_t w_frame(struct w_in *in)
{
    uint8_t b = (uint8_t)w_get(in, 1);

    if (b < 0xf0)
        return b % FAKE_NR_FRAMES;
    switch (b) {
    case 0xf0: return FAKE_NR_FRAMES;
    case 0xf1: return ~0UL >> 12;
    case 0xf2: return 0;
    default: return w_get(in, 8);
    }
}

/* An entry value: a frame and low flags, sometimes NX/high/available bits. */
static inline uint64_t w_entry(struct w_in *in)
{
    uint64_t mfn = w_frame(in), fl = w_get(in, 2) & 0xfff, hi = w_get(in, 1);
    uint64_t e = (mfn << 12) | fl;

    if (hi & 1)
        e |= 1UL << 63;
    if (hi & 2)
        e |= (hi >> 2) << 52;
    return e;
}

/* A virtual address: table indices small (where the tables are) or anything. */
static inline uint64_t w_va(struct w_in *in)
{
    uint8_t sel = (uint8_t)w_get(in, 1);
    uint64_t va;

    if (sel >= 0xf8)
        return w_get(in, 8);
    va = ((uint64_t)(sel & 3) << 39) | ((w_get(in, 1) & 3) << 30) | ((w_get(in, 1) & 3) << 21) |
         ((w_get(in, 1) & 15) << 12) | (w_get(in, 2) & 0xfff);
    if (sel & 4)
        va |= 0xffff800000000000UL | (0x1fUL << 42);   /* upper half, slot 511 area */
    return va;
}
#endif
