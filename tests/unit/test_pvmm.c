/*
 * Unit tests for hypervisor/arch/x86_64/pv_mm.c, Xen's type/refcount
 * model of guest frames, run against the fake frame table and machine
 * memory.  After every scenario check_consistency() recomputes all counts
 * from the tables, and check_baseline() checks that releasing everything
 * returns every frame to its initial counts.
 */
#include "test_pvmm_world.h"
#include <keel/iomem.h>
#include <keel/tlbflush.h>
#include <keel/hypercall.h>
#include <public/xen.h>

#define L1F 5
#define L2F 4
#define L3F 3
#define L4F 2
#define D0 10
#define D1 11
#define D2 12

/* ---- get_page / put_page ---- */

static void test_get_put_page(void **state)
{
    (void)state;
    assert_true(get_page(pg(D0), da));
    assert_int_equal(pg(D0)->count, 2);
    assert_false(get_page(pg(B_FIRST), da));      /* foreign */
    assert_false(get_page(pg(F_FREE), da));       /* unowned */
    assert_false(get_page(pg(F_IO), da));
    pg(D1)->flags &= ~PGC_allocated;               /* owner but no allocation ref */
    assert_false(get_page(pg(D1), da));
    pg(D1)->flags |= PGC_allocated;
    pg(D2)->count = ~0u;                           /* saturated */
    assert_false(get_page(pg(D2), da));
    assert_int_equal(pg(D2)->count, ~0u);
    pg(D2)->count = 1;
    put_page(pg(D0));
    check_baseline();
}

static void test_put_page_underflow_is_bug(void **state)
{
    jmp_buf jb;

    (void)state;
    fake_panics = 0;
    fake_panic_jmp = &jb;
    if (!setjmp(jb))
        put_page(pg(F_FREE));
    fake_panic_jmp = NULL;
    assert_int_equal(fake_panics, 1);
}

/* ---- get_page_type transitions ---- */
/*
 * Flushes before a type change go to exactly the CPUs that have not
 * flushed since the frame's old use ended (keel/tlbflush.h), whatever
 * domain they run: CPU 1 stands for a CPU running another domain that
 * may hold a dropped grant mapping.  A pin/unpin cycle after which every
 * CPU flushed costs no IPI (issue 11.3: it used to IPI dom0's CPUs).
 */
static void test_stale_flush_filtered(void **state)
{
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = D1 };
    struct mmuext_op unpin = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = D1 };
    unsigned int local;
    (void)state;

    pcpus[1].online = true;
    tlbflush_time[1] = 0;
    /* writable use ends at stamp s; CPU 1 has not flushed since */
    assert_int_equal(get_page_type(pg(D0), PGT_writable, da), 0);
    put_page_type(pg(D0), da);
    assert_true(pg(D0)->flags & PGC_stale_writable);
    assert_int_equal(pg(D0)->tlbflush_timestamp, tlbflush_now());
    fake_flush_ipis = 0;
    local = fake_cpu.tlb_flushes;
    assert_int_equal(get_page_type(pg(D0), PGT_l1, da), 0);
    assert_int_equal(fake_flush_ipis, 1);
    assert_true(fake_last_flush_mask & 2);
    assert_int_equal(fake_cpu.tlb_flushes, local + 1);
    assert_false(pg(D0)->flags & (PGC_stale_writable | PGC_stale_table));
    /* table use ends; both CPUs flush afterwards: no flush at all */
    put_page_type(pg(D0), da);
    assert_true(pg(D0)->flags & PGC_stale_table);
    flush_tlb_local();
    tlbflush_time[1] = tlbflush_tick();
    fake_flush_ipis = 0;
    local = fake_cpu.tlb_flushes;
    assert_int_equal(get_page_type(pg(D0), PGT_writable, da), 0);
    assert_int_equal(fake_flush_ipis, 0);
    assert_int_equal(fake_cpu.tlb_flushes, local);
    /* writable again after writable: nothing to flush */
    put_page_type(pg(D0), da);
    assert_int_equal(get_page_type(pg(D0), PGT_writable, da), 0);
    assert_int_equal(fake_flush_ipis, 0);
    assert_int_equal(fake_cpu.tlb_flushes, local);
    put_page_type(pg(D0), da);
    /* pin, unpin, everyone flushes, pin again: no IPI */
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOMID_SELF), 0);
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), 0);
    flush_tlb_local();
    tlbflush_time[1] = tlbflush_tick();
    fake_flush_ipis = 0;
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOMID_SELF), 0);
    assert_int_equal(fake_flush_ipis, 0);
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), 0);
    pcpus[1].online = false;
    check_consistency();
}


static void test_type_transitions(void **state)
{
    unsigned int flushes;

    (void)state;
    /* none -> writable, and it sticks while counted */
    assert_int_equal(get_page_type(pg(D0), PGT_writable, da), 0);
    assert_int_equal(pg(D0)->type, PGT_writable);
    assert_int_equal(get_page_type(pg(D0), PGT_writable, da), 0);
    assert_int_equal(pg(D0)->type_count, 2);
    assert_int_equal(get_page_type(pg(D0), PGT_l1, da), -XEN_EINVAL);
    assert_int_equal(get_page_type(pg(D0), PGT_seg_desc, da), -XEN_EINVAL);
    assert_int_equal(pg(D0)->type, PGT_writable);
    put_page_type(pg(D0), da);
    assert_int_equal(get_page_type(pg(D0), PGT_l1, da), -XEN_EINVAL);
    put_page_type(pg(D0), da);
    assert_int_equal(pg(D0)->type, PGT_none);
    /* 0-count change allowed; a page-table type flushes the TLB first */
    flushes = fake_cpu.tlb_flushes;
    assert_int_equal(get_page_type(pg(D0), PGT_l1, da), 0);
    assert_true(fake_cpu.tlb_flushes > flushes);
    assert_true(pg(D0)->flags & PGC_validated);
    assert_int_equal(get_page_type(pg(D0), PGT_writable, da), -XEN_EINVAL);
    assert_int_equal(get_page_type(pg(D0), PGT_l2, da), -XEN_EINVAL);
    assert_int_equal(get_page_type(pg(D0), PGT_l1, da), 0);
    assert_int_equal(pg(D0)->type_count, 2);
    put_page_type(pg(D0), da);
    put_page_type(pg(D0), da);
    assert_int_equal(pg(D0)->type, PGT_none);
    assert_false(pg(D0)->flags & PGC_validated);
    /* type count saturation */
    assert_int_equal(get_page_type(pg(D1), PGT_writable, da), 0);
    pg(D1)->type_count = ~0u;
    assert_int_equal(get_page_type(pg(D1), PGT_writable, da), -XEN_EOVERFLOW);
    pg(D1)->type_count = 1;
    put_page_type(pg(D1), da);
    /* segment descriptor pages: validated (faked here), refused leaves no type */
    fake_seg_desc_rc = -XEN_EINVAL;
    assert_int_equal(get_page_type(pg(D2), PGT_seg_desc, da), -XEN_EINVAL);
    assert_int_equal(pg(D2)->type, PGT_none);
    assert_int_equal(pg(D2)->type_count, 0);
    fake_seg_desc_rc = 0;
    assert_int_equal(get_page_and_type(_mfn(D2), da, PGT_seg_desc), 0);
    assert_int_equal(get_page_type(pg(D2), PGT_writable, da), -XEN_EINVAL);
    put_page_and_type(_mfn(D2), da);
    /* get_page_and_type: invalid / foreign frames, and no reference left on failure */
    assert_int_equal(get_page_and_type(_mfn(FAKE_NR_FRAMES + 5), da, PGT_writable), -XEN_EINVAL);
    assert_int_equal(get_page_and_type(_mfn(B_FIRST), da, PGT_writable), -XEN_EINVAL);
    assert_int_equal(get_page_and_type(_mfn(D0), da, PGT_writable), 0);
    assert_int_equal(get_page_and_type(_mfn(D0), da, PGT_l1), -XEN_EINVAL);
    assert_int_equal(pg(D0)->count, 2);
    put_page_and_type(_mfn(D0), da);
    check_baseline();
}

/* ---- validation of one entry, table-driven ---- */

struct entry_row {
    const char *what;
    unsigned int level;     /* level of the table under test (frame T_TAB) */
    unsigned int slot;
    uint64_t entry;
    int rc;
};

#define T_TAB 20
#define T_L1 21       /* an empty table other rows point at */
#define T_L1PIN 22    /* pinned as L1 by the set-up of each row */
#define T_L4PIN 23    /* pinned as L4 */

static const struct entry_row entry_rows[] = {
    { "L1: not present, garbage", 1, 3, 0xdeadbeef000UL, 0 },
    { "L1: RO map of own frame", 1, 3, pte(D0, PRO), 0 },
    { "L1: RW map of own frame", 1, 3, pte(D0, PRW), 0 },
    { "L1: RO, no _PAGE_USER", 1, 3, pte(D0, P), 0 },
    { "L1: RO map of a foreign frame", 1, 3, pte(B_FIRST, PRO), -XEN_EINVAL },
    { "L1: RW map of a foreign frame", 1, 3, pte(B_FIRST, PRW), -XEN_EINVAL },
    { "L1: map of an unowned frame", 1, 3, pte(F_FREE, PRO), -XEN_EINVAL },
    { "L1: I/O frame, unprivileged", 1, 3, pte(F_IO, PRO), -XEN_EPERM },
    { "L1: frame beyond RAM, unprivileged", 1, 3, pte(FAKE_NR_FRAMES + 100, PRO), -XEN_EPERM },
    { "L1: RW map of a page-table frame", 1, 3, pte(T_L1PIN, PRW), -XEN_EBUSY },
    { "L1: RO map of a page-table frame", 1, 3, pte(T_L1PIN, PRO), 0 },
    { "L1: RW map of itself", 1, 3, pte(T_TAB, PRW), -XEN_EBUSY },
    { "L1: RO map of itself", 1, 3, pte(T_TAB, PRO), 0 },
    { "L1: PAT/G bits allowed", 1, 3, pte(D0, PRO | _PAGE_PAT | _PAGE_GLOBAL), 0 },
    { "L2: -> L1", 2, 0, pte(T_L1, PRW), 0 },
    { "L2: -> L1, no _PAGE_USER", 2, 0, pte(T_L1, P | RW), 0 },
    { "L2: -> pinned L1 (shared)", 2, 0, pte(T_L1PIN, PRW), 0 },
    { "L2: PSE superpage", 2, 0, pte(T_L1, PRW | _PAGE_PSE), -XEN_EINVAL },
    { "L2: global", 2, 0, pte(T_L1, PRW | _PAGE_GLOBAL), -XEN_EINVAL },
    { "L2: PCD", 2, 0, pte(T_L1, PRW | _PAGE_PCD), -XEN_EINVAL },
    { "L2: PWT", 2, 0, pte(T_L1, PRW | _PAGE_PWT), -XEN_EINVAL },
    { "L2: -> foreign frame", 2, 0, pte(B_FIRST, PRW), -XEN_EINVAL },
    { "L2: -> pinned L4 (wrong level)", 2, 0, pte(T_L4PIN, PRO), -XEN_EINVAL },
    { "L2: -> frame mapped writable", 2, 0, pte(D1, PRW), -XEN_EINVAL },
    { "L2: -> frame with a bad L1 entry", 2, 0, pte(D2, PRW), -XEN_EINVAL },
    { "L2: RO self-reference", 2, 7, pte(T_TAB, PRO), 0 },
    { "L2: RW self-reference", 2, 7, pte(T_TAB, PRW), -XEN_EINVAL },
    { "L3: -> L2 (empty)", 3, 1, pte(T_L1, PRW), 0 },
    { "L3: PSE 1 GiB page", 3, 1, pte(T_L1, PRW | _PAGE_PSE), -XEN_EINVAL },
    { "L4: -> L3 (empty)", 4, 1, pte(T_L1, PRW), 0 },
    { "L4: RO self-reference (linear map)", 4, 258 - 256, pte(T_TAB, PRO), 0 },
    { "L4: RW self-reference", 4, 2, pte(T_TAB, PRW), -XEN_EINVAL },
    { "L4: linear link to another L4", 4, 2, pte(T_L4PIN, PRO), -XEN_EINVAL },
    { "L4: global", 4, 2, pte(T_L1, PRW | _PAGE_GLOBAL), -XEN_EINVAL },
    { "L4: garbage in hypervisor slot 256 ignored", 4, 256, pte(B_FIRST, PRW | _PAGE_PSE), 0 },
    { "L4: garbage in hypervisor slot 271 ignored", 4, 271, pte(F_FREE, PRW), 0 },
    { "L4: slot 272 is the guest's", 4, 272, pte(F_FREE, PRW), -XEN_EINVAL },
};

static void test_entry_validation(void **state)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(entry_rows); i++) {
        const struct entry_row *r = &entry_rows[i];
        unsigned int type = PGT_l1 + r->level - 1;
        uint64_t stored;
        int rc;

        print_message("  %s\n", r->what);
        world_setup(state);
        tab(T_L1PIN)[0] = pte(D1, PRW);             /* D1 is mapped writable */
        assert_int_equal(pv_pin_table(da, _mfn(T_L1PIN), PGT_l1), 0);
        assert_int_equal(pv_pin_table(da, _mfn(T_L4PIN), PGT_l4), 0);
        assert_int_equal(pg(D1)->type, PGT_writable);
        tab(D2)[9] = pte(B_FIRST, PRO);             /* refused if D2 became an L1 */
        tab(T_TAB)[r->slot] = r->entry;
        rc = get_page_and_type(_mfn(T_TAB), da, type);
        assert_int_equal(rc, r->rc);
        held[T_TAB] = !rc;
        check_consistency();
        if (!rc) {
            stored = tab(T_TAB)[r->slot];
            if (r->level == 4 && r->slot >= 256 && r->slot <= 271) {
                assert_int_equal(stored, FAKE_HV_SLOT_MARK | ((uint64_t)r->slot << 12));
            } else if (r->entry & P) {
                /* adjust_guest_entry: _PAGE_USER added; L1 entries that lacked it
                 * are tagged _PAGE_GUEST_KERNEL (bit 52). */
                uint64_t want = r->entry | US;
                if (r->level == 1 && !(r->entry & US))
                    want |= 1UL << 52;
                assert_int_equal(stored, want);
            } else {
                assert_int_equal(stored, r->entry);
            }
            if (r->level == 4) {
                unsigned int s;
                for (s = 256; s <= 271; s++)
                    assert_int_equal(tab(T_TAB)[s], FAKE_HV_SLOT_MARK | ((uint64_t)s << 12));
            }
            put_page_and_type(_mfn(T_TAB), da);
            held[T_TAB] = 0;
        } else {
            assert_int_equal(pg(T_TAB)->type, PGT_none);
            assert_int_equal(pg(T_TAB)->type_count, 0);
        }
        assert_int_equal(do_mmuext_op((uint64_t)&(struct mmuext_op){
                             .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = T_L1PIN }, 1, 0, DOMID_SELF), 0);
        assert_int_equal(do_mmuext_op((uint64_t)&(struct mmuext_op){
                             .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = T_L4PIN }, 1, 0, DOMID_SELF), 0);
        check_baseline();
        world_teardown(state);
    }
}

/* A failure in the middle of a table releases what the earlier entries took. */
static void test_validation_rollback(void **state)
{
    unsigned int i;

    (void)state;
    for (i = 0; i < 8; i++)
        tab(L1F)[i] = pte(D0 + i, i & 1 ? PRW : PRO);
    tab(L1F)[8] = pte(B_FIRST, PRO);
    assert_int_equal(get_page_and_type(_mfn(L1F), da, PGT_l1), -XEN_EINVAL);
    check_baseline();
    /* the same one level up: the L1s validated for earlier L2 entries are devalidated */
    tab(L1F)[8] = 0;
    tab(L2F)[0] = pte(L1F, PRW);
    tab(L2F)[1] = pte(6, PRW);
    tab(L2F)[2] = pte(B_FIRST, PRW);
    assert_int_equal(get_page_and_type(_mfn(L2F), da, PGT_l2), -XEN_EINVAL);
    check_baseline();
}

/* ---- pinning and a whole hierarchy ---- */

static void test_pin_unpin(void **state)
{
    struct mmuext_op unpin = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L4F };
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = L4F };

    (void)state;
    build_tables(L4F, L3F, L2F, L1F);
    tab(L1F)[0] = pte(D0, PRW);
    tab(L1F)[1] = pte(D1, PRO);
    tab(L1F)[2] = pte(D1, PRO);
    tab(L4F)[5] = pte(L4F, PRO);                   /* linear map */
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOMID_SELF), 0);
    check_consistency();
    assert_int_equal(pg(L4F)->type, PGT_l4);
    assert_int_equal(pg(L4F)->type_count, 1);
    assert_int_equal(pg(L4F)->count, 2);           /* allocation + pin; the linear map takes none */
    assert_int_equal(pg(L1F)->type, PGT_l1);
    assert_int_equal(pg(D0)->type, PGT_writable);
    assert_int_equal(pg(D1)->count, 3);
    assert_int_equal(fake_mm_fill_calls(), 1);
    /* twice -> -EINVAL (Xen: already pinned) */
    assert_int_equal(pv_pin_table(da, _mfn(L4F), PGT_l4), -XEN_EINVAL);
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOMID_SELF), -XEN_EINVAL);
    /* pinning a validated L1 of the tree as L1 works and shares the type */
    assert_int_equal(pv_pin_table(da, _mfn(L1F), PGT_l1), 0);
    assert_int_equal(pg(L1F)->type_count, 2);
    /* ... but not as another type */
    assert_int_equal(pv_pin_table(da, _mfn(L2F), PGT_l1), -XEN_EINVAL);
    check_consistency();
    /* other refusals */
    assert_int_equal(pv_pin_table(da, _mfn(B_FIRST), PGT_l1), -XEN_EINVAL);
    assert_int_equal(pv_pin_table(da, _mfn(F_FREE), PGT_l1), -XEN_EINVAL);
    assert_int_equal(pv_pin_table(da, _mfn(FAKE_NR_FRAMES), PGT_l1), -XEN_EINVAL);
    assert_int_equal(pv_pin_table(da, _mfn(D0), PGT_l1), -XEN_EINVAL);   /* mapped RW */
    unpin.arg1.mfn = L1F;
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), 0);
    unpin.arg1.mfn = L4F;
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), 0);
    check_baseline();
    /* unpin of an unpinned frame, a foreign one, an invalid one */
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), -XEN_EINVAL);
    unpin.arg1.mfn = B_FIRST;
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), -XEN_EINVAL);
    unpin.arg1.mfn = 1UL << 40;
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), -XEN_EINVAL);
    /* another domain's mmuext on our behalf is refused */
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOM_B), -XEN_EPERM);
    check_baseline();
}

/* Pin all four levels independently, release in various orders. */
static void test_pin_orders(void **state)
{
    static const unsigned int orders[3][4] = { { 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 1, 3, 0, 2 } };
    const unsigned int frames[4] = { L1F, L2F, L3F, L4F };
    unsigned int o, i;

    (void)state;
    build_tables(L4F, L3F, L2F, L1F);
    tab(L1F)[7] = pte(D2, PRW);
    for (o = 0; o < 3; o++) {
        for (i = 0; i < 4; i++) {
            unsigned int lv = orders[o][i];
            assert_int_equal(pv_pin_table(da, _mfn(frames[lv]), PGT_l1 + lv), 0);
            check_consistency();
        }
        for (i = 0; i < 4; i++) {
            struct mmuext_op u = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = frames[orders[o][3 - i]] };
            assert_int_equal(do_mmuext_op((uint64_t)&u, 1, 0, DOMID_SELF), 0);
            check_consistency();
        }
        check_baseline();
    }
}

/* ---- base pointers ---- */

static void test_new_baseptr(void **state)
{
    struct vcpu *v = &fa.v[0];
    struct mmuext_op op = { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = L4F };

    (void)state;
    build_tables(L4F, L3F, L2F, L1F);
    tab(L1F)[0] = pte(D0, PRW);
    assert_int_equal(do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF), 0);
    assert_int_equal(mfn_x(v->guest_table), L4F);
    assert_int_equal(fake_cr3_loads, 1);
    check_consistency();
    /* switch to a second L4 sharing the L3: old one released */
    tab(7)[0] = pte(L3F, PRW);
    op.arg1.mfn = 7;
    assert_int_equal(do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF), 0);
    assert_int_equal(pg(L4F)->type_count, 0);
    assert_int_equal(pg(L3F)->type_count, 1);
    check_consistency();
    /* a frame that is not a valid L4: refused, the old base kept */
    op.arg1.mfn = D0;
    assert_int_equal(do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(mfn_x(v->guest_table), 7);
    /* user base pointer, and 0 to clear it */
    op.cmd = MMUEXT_NEW_USER_BASEPTR;
    op.arg1.mfn = L4F;
    assert_int_equal(do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF), 0);
    assert_int_equal(mfn_x(v->guest_table_user), L4F);
    check_consistency();
    op.arg1.mfn = 0;
    assert_int_equal(do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF), 0);
    assert_true(mfn_eq(v->guest_table_user, INVALID_MFN));
    /* NEW_BASEPTR from guest user mode is refused */
    v->kernel_mode = false;
    op.cmd = MMUEXT_NEW_BASEPTR;
    op.arg1.mfn = L4F;
    assert_int_equal(do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF), -XEN_EINVAL);
    v->kernel_mode = true;
    put_page_and_type(v->guest_table, da);
    v->guest_table = INVALID_MFN;
    check_baseline();
}

/* ---- mmu_update ---- */

static long mmu1(uint64_t ptr, uint64_t val, uint32_t *done)
{
    struct mmu_update req = { ptr, val };
    return do_mmu_update((uint64_t)&req, 1, (uint64_t)done, DOMID_SELF);
}

static uint64_t maddr(unsigned int mfn, unsigned int idx)
{
    return ((uint64_t)mfn << 12) + idx * 8;
}

static void test_mmu_update_normal(void **state)
{
    uint32_t done = 99;

    (void)state;
    build_tables(L4F, L3F, L2F, L1F);
    tab(L1F)[0] = pte(D0, PRW);
    assert_int_equal(pv_pin_table(da, _mfn(L4F), PGT_l4), 0);
    /* replace D0 (RW) by D1 (RO): D0's references go, D1's come */
    assert_int_equal(mmu1(maddr(L1F, 0) | MMU_NORMAL_PT_UPDATE, pte(D1, PRO), &done), 0);
    assert_int_equal(done, 1);
    assert_int_equal(tab(L1F)[0], pte(D1, PRO));
    assert_int_equal(pg(D0)->type_count, 0);
    assert_int_equal(pg(D1)->count, 2);
    check_consistency();
    /* refused updates leave the entry alone */
    assert_int_equal(mmu1(maddr(L1F, 0), pte(L2F, PRW), NULL), -XEN_EBUSY);
    assert_int_equal(mmu1(maddr(L1F, 0), pte(B_FIRST, PRO), NULL), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(L2F, 3), pte(D2, PRW | _PAGE_PSE), NULL), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(L2F, 3), pte(D0, PRW), NULL), 0);   /* D0 becomes an L1 */
    assert_int_equal(pg(D0)->type, PGT_l1);
    assert_int_equal(mmu1(maddr(L1F, 5), pte(D0, PRW), NULL), -XEN_EBUSY);
    assert_int_equal(mmu1(maddr(L2F, 3), 0, NULL), 0);
    assert_int_equal(tab(L1F)[0], pte(D1, PRO));
    check_consistency();
    /* hypervisor slots cannot be written, the others can */
    assert_int_equal(mmu1(maddr(L4F, 256), 0, NULL), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(L4F, 271), pte(D2, PRO), NULL), -XEN_EINVAL);
    assert_int_equal(tab(L4F)[256], FAKE_HV_SLOT_MARK | (256UL << 12));
    assert_int_equal(mmu1(maddr(L4F, 272), pte(L4F, PRO), NULL), 0);   /* linear */
    assert_int_equal(mmu1(maddr(L4F, 273), pte(L4F, PRW), NULL), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(L4F, 272), 0, NULL), 0);
    check_consistency();
    /* a table of another domain, a free frame, beyond RAM */
    assert_int_equal(mmu1(maddr(B_FIRST, 0), 0, NULL), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(F_FREE, 0), 0, NULL), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(FAKE_NR_FRAMES + 1, 0), 0, NULL), -XEN_EINVAL);
    /* unpinning releases the whole tree */
    tab(L1F)[1] = pte(D2, PRW);                      /* a plain write would be a bug... */
    tab(L1F)[1] = 0;                                 /* ...undone before anyone looks */
    {
        struct mmuext_op u = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L4F };
        assert_int_equal(do_mmuext_op((uint64_t)&u, 1, 0, DOMID_SELF), 0);
    }
    check_baseline();
}

static void test_mmu_update_preserve_ad(void **state)
{
    (void)state;
    tab(L1F)[4] = pte(D0, PRO);
    assert_int_equal(pv_pin_table(da, _mfn(L1F), PGT_l1), 0);
    tab(L1F)[4] |= _PAGE_ACCESSED | _PAGE_DIRTY;    /* as the CPU would */
    assert_int_equal(mmu1(maddr(L1F, 4) | MMU_PT_UPDATE_PRESERVE_AD, pte(D1, PRO), NULL), 0);
    assert_int_equal(tab(L1F)[4], pte(D1, PRO) | _PAGE_ACCESSED | _PAGE_DIRTY);
    tab(L1F)[5] = pte(D2, PRO | _PAGE_ACCESSED);
    get_page(pg(D2), da);                            /* the reference that entry holds */
    assert_int_equal(mmu1(maddr(L1F, 5) | MMU_PT_UPDATE_PRESERVE_AD, pte(D0, PRW), NULL), 0);
    assert_int_equal(tab(L1F)[5], pte(D0, PRW | _PAGE_ACCESSED));
    /* NORMAL does not preserve them */
    assert_int_equal(mmu1(maddr(L1F, 4) | MMU_NORMAL_PT_UPDATE, pte(D1, PRO), NULL), 0);
    assert_int_equal(tab(L1F)[4], pte(D1, PRO));
    check_consistency();
    assert_int_equal(mmu1(maddr(L1F, 4), 0, NULL), 0);
    assert_int_equal(mmu1(maddr(L1F, 5), 0, NULL), 0);
    assert_int_equal(do_mmuext_op((uint64_t)&(struct mmuext_op){
                         .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L1F }, 1, 0, DOMID_SELF), 0);
    check_baseline();
}

static void test_mmu_update_machphys_and_plain(void **state)
{
    uint64_t *ent;

    (void)state;
    assert_int_equal(mmu1(maddr(D0, 0) | MMU_MACHPHYS_UPDATE, 0x1234, NULL), 0);
    assert_int_equal(fake_m2p[D0], 0x1234);
    assert_int_equal(mmu1(maddr(B_FIRST, 0) | MMU_MACHPHYS_UPDATE, 0x1, NULL), -XEN_EINVAL);
    assert_int_equal(fake_m2p[B_FIRST], ~0UL);
    assert_int_equal(mmu1(maddr(FAKE_NR_FRAMES, 0) | MMU_MACHPHYS_UPDATE, 1, NULL), -XEN_EINVAL);
    /* a plain write to a frame that is no page table: checked, then no type left */
    assert_int_equal(mmu1(maddr(D1, 17), 0xabcdef, NULL), 0);
    assert_int_equal(tab(D1)[17], 0xabcdef);
    assert_int_equal(pg(D1)->type, PGT_none);
    /* to a frame mapped writable: allowed, the type stays */
    assert_int_equal(get_page_and_type(_mfn(D2), da, PGT_writable), 0);
    assert_int_equal(mmu1(maddr(D2, 1), 5, NULL), 0);
    assert_int_equal(pg(D2)->type_count, 1);
    put_page_and_type(_mfn(D2), da);
    /* to a descriptor page in use: refused */
    assert_int_equal(get_page_and_type(_mfn(D2), da, PGT_seg_desc), 0);
    assert_int_equal(mmu1(maddr(D2, 1), 6, NULL), -XEN_EINVAL);
    assert_int_equal(tab(D2)[1], 5);
    put_page_and_type(_mfn(D2), da);
    /* a table frame whose type count is 0 is plain memory again */
    ent = tab(L1F);
    ent[0] = pte(B_FIRST, PRW);                      /* would be refused in a table */
    assert_int_equal(mmu1(maddr(L1F, 1), pte(B_FIRST, PRW), NULL), 0);
    assert_int_equal(ent[1], pte(B_FIRST, PRW));
    check_baseline();
}

static void test_mmu_update_batches_and_errors(void **state)
{
    struct mmu_update reqs[4];
    uint32_t done;
    unsigned int c;

    (void)state;
    assert_int_equal(pv_pin_table(da, _mfn(L1F), PGT_l1), 0);
    /* bad commands */
    for (c = 3; c < 8; c++)
        assert_int_equal(mmu1(maddr(L1F, 0) | c, pte(D0, PRO), NULL), -XEN_ENOSYS);
    assert_int_equal(tab(L1F)[0], 0);
    /* a batch stops at the first failure; done says how many went through */
    reqs[0] = (struct mmu_update){ maddr(L1F, 0), pte(D0, PRO) };
    reqs[1] = (struct mmu_update){ maddr(L1F, 1), pte(D1, PRW) };
    reqs[2] = (struct mmu_update){ maddr(L1F, 2), pte(B_FIRST, PRO) };
    reqs[3] = (struct mmu_update){ maddr(L1F, 3), pte(D2, PRO) };
    done = 77;
    assert_int_equal(do_mmu_update((uint64_t)reqs, 4, (uint64_t)&done, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(done, 2);
    assert_int_equal(tab(L1F)[3], 0);
    check_consistency();
    /* copy faults: the request list in the hypervisor area, unmapped, done unwritable */
    assert_int_equal(do_mmu_update(0xffff830000001000UL, 1, 0, DOMID_SELF), -XEN_EFAULT);
    assert_int_equal(do_mmu_update(0x1000, 1, 0, DOMID_SELF), -XEN_EFAULT);
    assert_int_equal(do_mmu_update(0x00007ffffffffff8UL, 1, 0, DOMID_SELF), -XEN_EFAULT);
    reqs[0] = (struct mmu_update){ maddr(L1F, 0), 0 };
    /* Xen ignores a `done` it cannot write: the update stands, rc is 0. */
    assert_int_equal(do_mmu_update((uint64_t)reqs, 1, 0xffff800000000000UL, DOMID_SELF), 0);
    assert_int_equal(tab(L1F)[0], 0);                /* the update itself happened */
    /* counts, and foreign domains for an unprivileged caller */
    /* Bit 31 of the count marks a resumed (continued) batch, as in Xen;
     * beyond that, counts over 2^31 are refused. */
    assert_int_equal(do_mmu_update((uint64_t)reqs, (1UL << 32) + 1, 0, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(do_mmu_update((uint64_t)reqs, 0, 0, DOMID_SELF), 0);
    assert_int_equal(do_mmu_update((uint64_t)reqs, 1, 0, DOM_B), -XEN_EPERM);
    assert_int_equal(do_mmu_update((uint64_t)reqs, 1, 0, DOM_A), 0);
    reqs[0] = (struct mmu_update){ maddr(L1F, 1), 0 };
    assert_int_equal(do_mmu_update((uint64_t)reqs, 1, 0, DOMID_SELF), 0);
    assert_int_equal(do_mmuext_op((uint64_t)&(struct mmuext_op){
                         .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L1F }, 1, 0, DOMID_SELF), 0);
    check_baseline();
}

/*
 * Time-based preemption (issue 11 defect 6): once the lock has been held
 * for HYPERCALL_PREEMPT_NS (fake_preempt_due), a batch continues itself
 * after the entry in hand, well before a chunk of HYPERCALL_CHUNK entries;
 * not before its first entry, so every call makes progress.
 */
static void test_mmu_update_preempted_by_time(void **state)
{
    struct mmu_update reqs[3];
    uint32_t done = 0;

    (void)state;
    assert_int_equal(pv_pin_table(da, _mfn(L1F), PGT_l1), 0);
    reqs[0] = (struct mmu_update){ maddr(L1F, 0), pte(D0, PRO) };
    reqs[1] = (struct mmu_update){ maddr(L1F, 1), pte(D1, PRO) };
    reqs[2] = (struct mmu_update){ maddr(L1F, 2), pte(D2, PRO) };
    fake_continuations = 0;
    fake_may_preempt = true;
    fake_preempt_due = true;
    assert_int_equal(do_mmu_update((uint64_t)reqs, 3, (uint64_t)&done, DOMID_SELF), 0);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(done, 1);
    assert_int_equal(tab(L1F)[0], pte(D0, PRO));
    assert_int_equal(tab(L1F)[1], 0);
    assert_int_equal(fake_cont_args[0], (uint64_t)&reqs[1]);
    assert_int_equal(fake_cont_args[1] & ~HYPERCALL_PREEMPTED, 2);
    /* not due: the rest of the batch runs in one call */
    fake_preempt_due = false;
    assert_int_equal(do_mmu_update((uint64_t)&reqs[1], 2, 0, DOMID_SELF), 0);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(tab(L1F)[2], pte(D2, PRO));
    fake_may_preempt = false;
    for (unsigned int i = 0; i < 3; i++)
        assert_int_equal(mmu1(maddr(L1F, i), 0, NULL), 0);
    assert_int_equal(do_mmuext_op((uint64_t)&(struct mmuext_op){
                         .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L1F }, 1, 0, DOMID_SELF), 0);
    check_baseline();
}

/* A privileged domain maps another domain's frames with foreigndom. */
static void test_mmu_update_foreign(void **state)
{
    struct mmu_update req = { maddr(L1F, 0), pte(B_FIRST + 1, PRW) };

    (void)state;
    da->is_privileged = true;
    assert_int_equal(pv_pin_table(da, _mfn(L1F), PGT_l1), 0);
    assert_int_equal(do_mmu_update((uint64_t)&req, 1, 0, DOM_B), 0);
    assert_int_equal(pg(B_FIRST + 1)->count, 2);
    assert_int_equal(pg(B_FIRST + 1)->type, PGT_writable);
    assert_int_equal(do_mmu_update((uint64_t)&req, 1, 0, 99), -XEN_ESRCH);
    assert_int_equal(do_mmu_update((uint64_t)&req, 1, 0, DOMID_IO), -XEN_EPERM);
    /* own frames are not mappable as B's */
    req.val = pte(D0, PRO);
    assert_int_equal(do_mmu_update((uint64_t)&req, 1, 0, DOM_B), -XEN_EINVAL);
    /* a privileged domain may map I/O frames */
    req.val = pte(F_IO, PRW);
    assert_int_equal(do_mmu_update((uint64_t)&req, 1, 0, DOMID_SELF), 0);
    check_consistency();
    assert_int_equal(pg(B_FIRST + 1)->count, 1);
    assert_int_equal(do_mmuext_op((uint64_t)&(struct mmuext_op){
                         .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L1F }, 1, 0, DOMID_SELF), 0);
    check_baseline();
}


/*
 * MMUEXT pins with a foreign domid (a toolstack building B, Xen's
 * xc_dom pin_table): only for a privileged caller; the tree is validated
 * as B's; a table frame the caller still maps writable makes the pin
 * fail with nothing changed; other commands with a foreign domid are
 * -EPERM; a dying B takes no new pins.  Failed before: every foreign
 * domid was -EPERM.
 */
static void test_mmuext_foreign_pin(void **state)
{
    const unsigned int l4 = B_FIRST, l3 = B_FIRST + 1, l2 = B_FIRST + 2, l1 = B_FIRST + 3;
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = l4 };
    struct mmuext_op unpin = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = l4 };
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    struct mmu_update map = { maddr(L1F, 0), pte(l1, PRW) };

    (void)state;
    build_tables(l4, l3, l2, l1);
    tab(l1)[0] = pte(B_FIRST + 4, PRW);
    tab(l1)[1] = pte(B_FIRST + 5, PRO);
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOM_B), -XEN_EPERM);   /* a domU */
    da->is_privileged = true;
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, 99), -XEN_ESRCH);
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOMID_IO), -XEN_EPERM);
    /* B's L1 still mapped writable by the builder: refused, nothing typed. */
    assert_int_equal(pv_pin_table(da, _mfn(L1F), PGT_l1), 0);
    assert_int_equal(do_mmu_update((uint64_t)&map, 1, 0, DOM_B), 0);
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOM_B), -XEN_EINVAL);
    assert_int_equal(pg(l4)->type_count, 0);
    assert_int_equal(pg(l3)->type_count, 0);
    assert_int_equal(pg(l2)->type_count, 0);
    assert_int_equal(pg(l1)->type, PGT_writable);
    map.val = 0;
    assert_int_equal(do_mmu_update((uint64_t)&map, 1, 0, DOMID_SELF), 0);
    /* Pinned as B's tree. */
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOM_B), 0);
    assert_true(pg(l4)->flags & PGC_pinned);
    assert_int_equal(pg(l4)->owner, DOM_B);
    assert_int_equal(pg(l4)->type, PGT_l4);
    assert_int_equal(pg(l1)->type, PGT_l1);
    assert_int_equal(pg(B_FIRST + 4)->type, PGT_writable);
    assert_int_equal(pg(B_FIRST + 5)->count, 2);
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOM_B), -XEN_EINVAL); /* pinned */
    /* Only pins and unpins act on another domain. */
    assert_int_equal(do_mmuext_op((uint64_t)&flush, 1, 0, DOM_B), -XEN_EPERM);
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(do_mmuext_op((uint64_t)&unpin, 1, 0, DOM_B), 0);
    assert_int_equal(pg(l4)->type_count, 0);
    assert_int_equal(pg(B_FIRST + 5)->count, 1);
    /* A dying domain takes no new pins (its teardown drops every pin). */
    db->state = DOM_DYING;
    assert_int_equal(do_mmuext_op((uint64_t)&pin, 1, 0, DOM_B), -XEN_EINVAL);
    db->state = DOM_RUNNING;
    assert_int_equal(do_mmuext_op((uint64_t)&(struct mmuext_op){
                         .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L1F }, 1, 0, DOMID_SELF), 0);
    memset(tab(l4), 0, 4096);
    memset(tab(l3), 0, 4096);
    memset(tab(l2), 0, 4096);
    memset(tab(l1), 0, 4096);
    check_baseline();
}

/* ---- update_va_mapping through the current address space ---- */

static void test_update_va_mapping(void **state)
{
    struct vcpu *v = &fa.v[0];
    const uint64_t va = (3UL << 12);                /* L4 0, L3 0, L2 0, L1 3 */

    (void)state;
    build_tables(L4F, L3F, L2F, L1F);
    assert_int_equal(pv_new_guest_cr3(v, _mfn(L4F)), 0);
    fake_cpu.invlpgs = 0;
    assert_int_equal(do_update_va_mapping(va, pte(D0, PRW), UVMF_INVLPG), 0);
    assert_int_equal(tab(L1F)[3], pte(D0, PRW));
    assert_int_equal(fake_cpu.invlpgs, 1);
    assert_int_equal(fake_cpu.last_invlpg, va);
    check_consistency();
    assert_int_equal(do_update_va_mapping(va, pte(L1F, PRW), UVMF_TLB_FLUSH), -XEN_EBUSY);
    assert_int_equal(do_update_va_mapping(va + (1UL << 21), pte(D1, PRO), 0), -XEN_EINVAL);
    assert_int_equal(do_update_va_mapping(0xffff830000000000UL, 0, 0), -XEN_EINVAL);
    assert_int_equal(do_update_va_mapping(0x0000900000000000UL, 0, 0), -XEN_EINVAL);
    assert_int_equal(do_update_va_mapping(va, 0, 0), 0);
    assert_int_equal(do_update_va_mapping_otherdomain(va, 0, 0, DOM_B), -XEN_EPERM);
    put_page_and_type(v->guest_table, da);
    v->guest_table = INVALID_MFN;
    check_baseline();
}

/*
 * A random sequence of mmu_update / pin / unpin over a small set of
 * frames: the counts stay consistent and no page-table frame ever gets a
 * writable mapping, whatever is accepted or refused.
 */
static void test_random_sequences(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15UL;
    unsigned int i;

    (void)state;
    for (i = 0; i < 3000; i++) {
        unsigned int a, b, lv, idx;
        uint64_t flags;

        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        a = 2 + (unsigned int)(seed >> 33) % 10;
        b = 2 + (unsigned int)(seed >> 45) % 10;
        lv = (unsigned int)(seed >> 20) % 4;
        idx = (unsigned int)(seed >> 10) % 3;
        flags = (seed >> 5) & 1 ? PRW : PRO;
        switch ((seed >> 60) % 4) {
        case 0:
        case 1:
            mmu1(maddr(a, idx), (seed >> 8) & 3 ? pte(b, flags) : 0, NULL);
            break;
        case 2:
            pv_pin_table(da, _mfn(a), PGT_l1 + lv);
            break;
        default: {
            struct mmuext_op u = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = a };
            do_mmuext_op((uint64_t)&u, 1, 0, DOMID_SELF);
        }
        }
        check_consistency();
    }
    for (i = 2; i < 12; i++)
        if (pg(i)->flags & PGC_pinned) {
            struct mmuext_op u = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = i };
            assert_int_equal(do_mmuext_op((uint64_t)&u, 1, 0, DOMID_SELF), 0);
        }
    for (i = 0; i < FAKE_NR_FRAMES; i++) {
        assert_int_equal(pg(i)->type_count, 0);
        assert_int_equal(pg(i)->count, frame_table[i].flags & PGC_allocated ? 1 : 0);
    }
}

/*
 * I/O frames (not RAM, or DOMID_IO's): only the hardware domain maps them,
 * only where common/iomem.c permits (not a denied frame, not past the
 * address width), with no reference taken, and WB/WT/WP turned into UC as
 * Xen does.  This failed before iomem.c: any privileged domain could map
 * any I/O frame, the LAPIC and IO-APIC pages included, cacheable.
 */
static void test_io_frames(void **state)
{
    enum { T = 20, DENIED = FAKE_NR_FRAMES + 200, ABOVE = FAKE_NR_FRAMES + 300 };
    const uint64_t uc = _PAGE_PCD | _PAGE_PWT, pat = 1UL << 7;
    uint32_t io_count;

    (void)state;
    da->is_privileged = true;
    iomem_reset();
    iomem_set_paddr_bits(40);
    assert_int_equal(iomem_deny(DENIED, DENIED), 0);
    io_count = pg(F_IO)->count;
    tab(T)[0] = pte(F_IO, PRW);                         /* WB: made UC */
    tab(T)[1] = pte(ABOVE, PRW | _PAGE_PWT);            /* WT: gets PCD */
    tab(T)[2] = pte(ABOVE, PRW | _PAGE_PCD);            /* UC-: unchanged */
    tab(T)[3] = pte(ABOVE, PRW | _PAGE_PWT | pat);      /* WP: gets PCD */
    tab(T)[4] = pte(ABOVE, PRW | uc);                   /* UC: unchanged */
    assert_int_equal(get_page_and_type(_mfn(T), da, PGT_l1), 0);
    assert_int_equal(tab(T)[0], pte(F_IO, PRW | uc));
    assert_int_equal(tab(T)[1], pte(ABOVE, PRW | uc));
    assert_int_equal(tab(T)[2], pte(ABOVE, PRW | _PAGE_PCD));
    assert_int_equal(tab(T)[3], pte(ABOVE, PRW | uc | pat));
    assert_int_equal(tab(T)[4], pte(ABOVE, PRW | uc));
    assert_int_equal(pg(F_IO)->count, io_count);        /* no reference on I/O frames */
    assert_int_equal(pg(F_IO)->type, PGT_none);
    put_page_and_type(_mfn(T), da);

    /* Refused: a denied frame, one past 2^40, and anything for a domU. */
    memset(tab(T), 0, PAGE_SIZE);
    tab(T)[0] = pte(DENIED, PRO);
    assert_int_equal(get_page_and_type(_mfn(T), da, PGT_l1), -XEN_EPERM);
    tab(T)[0] = pte(1UL << 28, PRO);
    assert_int_equal(get_page_and_type(_mfn(T), da, PGT_l1), -XEN_EPERM);
    tab(T)[0] = pte(DENIED + 1, PRO);
    assert_int_equal(get_page_and_type(_mfn(T), da, PGT_l1), 0);
    put_page_and_type(_mfn(T), da);
    da->is_privileged = false;
    assert_int_equal(get_page_and_type(_mfn(T), da, PGT_l1), -XEN_EPERM);
    tab(T)[0] = pte(F_IO, PRO);
    assert_int_equal(get_page_and_type(_mfn(T), da, PGT_l1), -XEN_EPERM);
    iomem_reset();
}

/*
 * Xen's mmio_ro_ranges (common/iomem.c; an active MSI-X table): an I/O
 * frame there is mapped read-only even when the entry asks for _PAGE_RW,
 * as Xen's get_page_from_l1e ("Forcing read-only access"), both when a
 * table is validated and by mmu_update; once the range is gone, RW again.
 */
static void test_io_frames_ro(void **state)
{
    enum { T = 20, RO = FAKE_NR_FRAMES + 400 };
    const uint64_t uc = _PAGE_PCD | _PAGE_PWT;
    uint32_t done;

    (void)state;
    da->is_privileged = true;
    iomem_reset();
    assert_int_equal(iomem_ro_add(RO, RO + 1), 0);
    tab(T)[0] = pte(RO, PRW);
    tab(T)[1] = pte(RO + 2, PRW);                       /* outside: RW kept */
    assert_int_equal(get_page_and_type(_mfn(T), da, PGT_l1), 0);
    assert_int_equal(tab(T)[0], pte(RO, PRO | uc));
    assert_int_equal(tab(T)[1], pte(RO + 2, PRW | uc));
    assert_int_equal(mmu1(maddr(T, 2), pte(RO + 1, PRW), &done), 0);
    assert_int_equal(tab(T)[2], pte(RO + 1, PRO | uc));
    iomem_ro_remove(RO, RO + 1);
    assert_false(iomem_frame_ro(RO));
    assert_int_equal(mmu1(maddr(T, 2), pte(RO + 1, PRW), &done), 0);
    assert_int_equal(tab(T)[2], pte(RO + 1, PRW | uc));
    put_page_and_type(_mfn(T), da);
    iomem_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_put_page, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_put_page_underflow_is_bug, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_type_transitions, world_setup, world_teardown),
        cmocka_unit_test(test_entry_validation),
        cmocka_unit_test_setup_teardown(test_io_frames, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_io_frames_ro, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_validation_rollback, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_pin_unpin, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_stale_flush_filtered, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_pin_orders, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_new_baseptr, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mmu_update_normal, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mmu_update_preserve_ad, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mmu_update_machphys_and_plain, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mmu_update_batches_and_errors, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mmu_update_preempted_by_time, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mmu_update_foreign, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mmuext_foreign_pin, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_update_va_mapping, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_random_sequences, world_setup, world_teardown),
    };
    return cmocka_run_group_tests_name("pv_mm", tests, NULL, NULL);
}
