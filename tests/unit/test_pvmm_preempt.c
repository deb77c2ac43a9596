/*
 * Preemptible page-table validation (issue 11 defect 2; Xen's PGT_partial,
 * XSA-45), on the real pv_mm.c over a fake machine large enough for a
 * whole 256 MiB tree: one L4 -> L3 -> L2 -> 128 L1s of 512 entries each
 * (65536 mappings; the L1s map a few data frames many times over, which
 * costs the validator exactly what distinct frames would).
 *
 * Every hypercall is re-issued as the guest would while it asks to be
 * continued; after each call the work it did (references taken or
 * dropped on the data frames, one per L1 entry) must stay within
 * PT_PREEMPT_ENTRIES, and check_consistency() recomputes every count,
 * partial tables included.
 */
#include "test_pvmm_world.h"
#include <keel/hypercall.h>
#include <public/xen.h>

bool pv_ptwr_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr);

/* ptwr.c's read-only MMIO path calls common/mmcfg.c (not linked here). */
int mmio_ro_write(const struct domain *d, uint64_t maddr, unsigned int size, uint64_t val)
{
    (void)d, (void)maddr, (void)size, (void)val;
    return -XEN_EINVAL;
}

#define T4 100
#define T3 101
#define T2 102
#define S4 103                  /* a small L4 of its own */
#define T1_FIRST 104
#define NR_L1 128
#define D_FIRST 240
#define NR_D 8
#define BIG_FIRST 100           /* frames 100..255 are A's too */
#define NR_ENTRIES (NR_L1 * 512)

static int big_setup(void **state)
{
    unsigned int m, j, i;

    world_setup(state);
    for (m = BIG_FIRST; m < FAKE_NR_FRAMES; m++)
        fake_frame_assign(_mfn(m), DOM_A);
    tab(T4)[0] = pte(T3, PRW);
    tab(T3)[0] = pte(T2, PRW);
    for (j = 0; j < NR_L1; j++) {
        tab(T2)[j] = pte(T1_FIRST + j, PRW);
        for (i = 0; i < 512; i++)
            tab(T1_FIRST + j)[i] = pte(D_FIRST + (i % NR_D), (i & 1) ? PRW : PRO);
    }
    fake_may_preempt = true;
    fake_preempt_due = false;
    fake_continuations = 0;
    return 0;
}

static int big_teardown(void **state)
{
    fake_may_preempt = false;
    fake_preempt_due = false;
    return world_teardown(state);
}

static bool owned_by_a(unsigned int m)
{
    return (m >= A_FIRST && m <= A_LAST) || m >= BIG_FIRST;
}

/* Nothing held, typed, pinned or half done anywhere. */
static void check_big_baseline(void)
{
    unsigned int m;

    check_consistency();
    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = pg(m);
        bool owned = owned_by_a(m) || (m >= B_FIRST && m <= B_LAST);
        assert_int_equal(p->count, owned ? 1 : 0);
        assert_int_equal(p->type_count, 0);
        assert_int_equal(p->type, PGT_none);
        assert_false(p->flags & (PGC_pinned | PGC_validated | PGC_partial | PGC_partial_held |
                                 PGC_partial_entry | PGC_nr_mask));
    }
    assert_null(fa.v[0].pt_undo);
    assert_null(fa.v[1].pt_undo);
    assert_null(fb.v[0].pt_undo);
}

static uint64_t data_refs(void)
{
    uint64_t n = 0;
    unsigned int m;

    for (m = D_FIRST; m < D_FIRST + NR_D; m++)
        n += pg(m)->count;
    return n;
}

/* One call: its work is bounded and the counts stay consistent. */
static long one_call(long (*op)(uint64_t, uint64_t, uint64_t, uint64_t), uint64_t a[4],
                     bool *continued)
{
    unsigned int before = fake_continuations;
    uint64_t r0 = data_refs(), r1;
    long rc = op(a[0], a[1], a[2], a[3]);

    r1 = data_refs();
    if ((r1 > r0 ? r1 - r0 : r0 - r1) > PT_PREEMPT_ENTRIES)
        fail_msg("one call took or dropped %lu references (bound %u)",
                 (unsigned long)(r1 > r0 ? r1 - r0 : r0 - r1), PT_PREEMPT_ENTRIES);
    check_consistency();
    *continued = fake_continuations != before;
    if (*continued) {
        assert_int_equal(rc, 0);
        memcpy(a, fake_cont_args, sizeof(fake_cont_args));
    }
    return rc;
}

/* Re-issue until done, as a guest does; the number of calls in *calls. */
static long run_as(long (*op)(uint64_t, uint64_t, uint64_t, uint64_t), uint64_t list,
                   uint64_t count, uint32_t *done, domid_t dom, unsigned int *calls)
{
    uint64_t a[4] = { list, count, (uint64_t)done, dom };
    bool continued = true;
    long rc = 0;

    *done = 0;
    for (*calls = 0; continued; (*calls)++) {
        assert_true(*calls < 100000);
        rc = one_call(op, a, &continued);
    }
    return rc;
}

static long run(long (*op)(uint64_t, uint64_t, uint64_t, uint64_t), uint64_t list,
                uint64_t count, uint32_t *done, unsigned int *calls)
{
    return run_as(op, list, count, done, DOMID_SELF, calls);
}

/* One mmuext op on dom's tables (DOMID_SELF: the caller's own). */
static long mmuext_as(unsigned int cmd, unsigned int mfn, domid_t dom, unsigned int *calls)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };
    uint32_t done;
    long rc = run_as(do_mmuext_op, (uint64_t)&op, 1, &done, dom, calls);

    assert_int_equal(done, rc ? 0 : 1);
    return rc;
}

static long mmuext(unsigned int cmd, unsigned int mfn, unsigned int *calls)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };
    uint32_t done;
    long rc = run(do_mmuext_op, (uint64_t)&op, 1, &done, calls);

    assert_int_equal(done, rc ? 0 : 1);
    return rc;
}

static long mmu(unsigned int mfn, unsigned int idx, uint64_t val, unsigned int *calls)
{
    struct mmu_update req = { ((uint64_t)mfn << 12) + idx * 8, val };
    uint32_t done;
    long rc = run(do_mmu_update, (uint64_t)&req, 1, &done, calls);

    assert_int_equal(done, rc ? 0 : 1);
    return rc;
}

static unsigned int min_calls(void)
{
    return NR_ENTRIES / PT_PREEMPT_ENTRIES;
}

/* Pinning and unpinning a 256 MiB tree take many bounded calls. */
static void test_pin_unpin_big_tree(void **state)
{
    unsigned int calls;

    (void)state;
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    assert_true(calls >= min_calls());
    assert_true(pg(T4)->flags & PGC_pinned);
    assert_true(pg(T4)->flags & PGC_validated);
    assert_int_equal(data_refs(), NR_D + NR_ENTRIES);
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T4, &calls), 0);
    assert_true(calls >= min_calls());
    check_big_baseline();
}

/* A pin that fails on the very last entry: many bounded calls, the
 * error only once every reference taken is dropped, no trace left. */
static void test_pin_fails_on_last_entry(void **state)
{
    unsigned int calls;

    (void)state;
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(B_FIRST, PRO);    /* not A's */
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), -XEN_EINVAL);
    assert_true(calls >= 2 * min_calls());
    check_big_baseline();
    /* the same at the L3 level: the last L3 entry is refused */
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(D_FIRST, PRO);
    tab(T3)[511] = pte(T2, PRW | _PAGE_PSE);
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), -XEN_EINVAL);
    assert_true(calls >= 2 * min_calls());
    check_big_baseline();
}

/* Mid-way, the tables are not usable: not writable, no entry changes,
 * the ones held by an upper table cannot be taken by anyone else. */
static void test_partial_tables_unusable(void **state)
{
    struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = T4 };
    uint64_t a[4] = { (uint64_t)&op, 1, 0, DOMID_SELF };
    unsigned int m, held_l1 = 0, calls;
    bool continued;

    (void)state;
    assert_int_equal(one_call(do_mmuext_op, a, &continued), 0);
    assert_true(continued);
    assert_true(pg(T4)->flags & PGC_partial);
    assert_false(pg(T4)->flags & (PGC_partial_held | PGC_validated | PGC_pinned));
    assert_true(pg(T2)->flags & PGC_partial_held);
    for (m = T1_FIRST; m < T1_FIRST + NR_L1; m++)
        if (pg(m)->flags & PGC_partial)
            held_l1 = m;
    assert_true(held_l1);
    assert_int_equal(get_page_type(pg(T4), PGT_writable, da), -XEN_EINVAL);
    assert_int_equal(get_page_type(pg(held_l1), PGT_writable, da), -XEN_EINVAL);
    assert_int_equal(mmu(T4, 1, 0, &calls), -XEN_EINVAL);
    assert_int_equal(mmu(T2, 200, 0, &calls), -XEN_EINVAL);
    assert_int_equal(mmuext(MMUEXT_PIN_L2_TABLE, T2, &calls), -XEN_EBUSY);
    assert_int_equal(mmuext(MMUEXT_PIN_L1_TABLE, held_l1, &calls), -XEN_EBUSY);
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T4, &calls), -XEN_EINVAL);
    check_consistency();
    /* NEW_BASEPTR adopts the interrupted validation and finishes it. */
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, T4, &calls), 0);
    assert_true(calls >= min_calls() - 1);
    assert_true(mfn_eq(fa.v[0].guest_table, _mfn(T4)));
    assert_true(pg(T4)->flags & PGC_validated);
    /* and the pin then is one reference more */
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T4, &calls), 0);
    assert_int_equal(calls, 1);
    /* a new base pointer releases the tree in bounded steps */
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, S4, &calls), 0);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, S4, &calls), 0);
    assert_true(calls >= min_calls());
    assert_true(mfn_eq(fa.v[0].guest_table, _mfn(S4)));
    assert_int_equal(pg(T4)->type_count, 0);
    check_consistency();
}

/* mmu_update installing and removing an upper entry naming the tree. */
static void test_mmu_update_upper_entry(void **state)
{
    unsigned int calls;

    (void)state;
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, S4, &calls), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(mmu(S4, 0, pte(T3, PRW), &calls), 0);
    assert_true(calls >= min_calls());
    assert_true(pg(T3)->flags & PGC_validated);
    assert_int_equal(mmu(S4, 0, 0, &calls), 0);
    assert_true(calls >= min_calls());
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, S4, &calls), 0);
    check_big_baseline();
}

/* Elapsed time alone stops the work, after PT_PREEMPT_MIN entries. */
static void test_preempted_by_time(void **state)
{
    unsigned int calls;

    (void)state;
    fake_preempt_due = true;
    assert_int_equal(mmuext(MMUEXT_PIN_L1_TABLE, T1_FIRST, &calls), 0);
    assert_int_equal(calls, 512 / PT_PREEMPT_MIN);
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T1_FIRST, &calls), 0);
    assert_int_equal(calls, 512 / PT_PREEMPT_MIN);
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    assert_true(calls >= NR_ENTRIES / PT_PREEMPT_MIN);
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T4, &calls), 0);
    check_big_baseline();
}

/* An ordinary batch of pins and unpins: every call bounded. */
static void test_batch(void **state)
{
    struct mmuext_op ops[4] = {
        { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = T4 },
        { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = T4 },
        { .cmd = MMUEXT_PIN_L3_TABLE, .arg1.mfn = T3 },
        { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = T3 },
    };
    uint32_t done;
    unsigned int calls;

    (void)state;
    assert_int_equal(run(do_mmuext_op, (uint64_t)ops, 4, &done, &calls), 0);
    assert_int_equal(done, 4);
    assert_true(calls >= 4 * min_calls());
    check_big_baseline();
}

/* The domain dies with everything half done: teardown drops it all. */
static void abandon_and_destroy(void)
{
    unsigned int m;

    mm_lock_acquire();
    pv_vcpu_release_tables(&fa.v[0]);
    mm_lock_release();
    pv_relinquish_memory(da);
    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = pg(m);
        if (!owned_by_a(m))
            continue;
        assert_int_equal(p->count, 0);
        assert_int_equal(p->type_count, 0);
        assert_false(p->flags & (PGC_partial | PGC_partial_held | PGC_partial_entry));
    }
}

/* n calls of one op on dom's tables, each continued; the op and the
 * arguments of its next continuation stay in *op and a[], so that the
 * caller may re-issue it (or abandon it). */
static void calls_then_stop_as(struct mmuext_op *op, uint64_t a[4], unsigned int cmd,
                               unsigned int mfn, domid_t dom, unsigned int n)
{
    bool continued;

    *op = (struct mmuext_op){ .cmd = cmd, .arg1.mfn = mfn };
    a[0] = (uint64_t)op;
    a[1] = 1;
    a[2] = 0;
    a[3] = dom;
    while (n--) {
        assert_int_equal(one_call(do_mmuext_op, a, &continued), 0);
        assert_true(continued);
    }
}

static void calls_then_stop(unsigned int cmd, unsigned int mfn, unsigned int n)
{
    static struct mmuext_op op;
    uint64_t a[4];

    calls_then_stop_as(&op, a, cmd, mfn, DOMID_SELF, n);
}

/* Re-issue a[] until it is no longer continued: its result. */
static long reissue(uint64_t a[4], unsigned int *calls)
{
    bool continued = true;
    long rc = 0;

    for (*calls = 0; continued; (*calls)++) {
        assert_true(*calls < 100000);
        rc = one_call(do_mmuext_op, a, &continued);
    }
    return rc;
}

static void test_abandoned_pin(void **state)
{
    (void)state;
    calls_then_stop(MMUEXT_PIN_L4_TABLE, T4, 5);
    abandon_and_destroy();
}

static void test_abandoned_unpin(void **state)
{
    unsigned int calls;

    (void)state;
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    calls_then_stop(MMUEXT_UNPIN_TABLE, T4, 5);
    assert_true(fa.v[0].pt_undo == pg(T4));
    abandon_and_destroy();
}

static void test_abandoned_failed_pin(void **state)
{
    (void)state;
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(B_FIRST, PRO);
    calls_then_stop(MMUEXT_PIN_L4_TABLE, T4, min_calls() + 5);
    assert_true(fa.v[0].pt_undo == pg(T4));
    abandon_and_destroy();
}

/* A re-issued pin after giving up mid-way simply finishes it. */
static void test_pin_resumed_later(void **state)
{
    unsigned int calls;

    (void)state;
    calls_then_stop(MMUEXT_PIN_L4_TABLE, T4, 3);
    assert_int_equal(mmuext(MMUEXT_PIN_L3_TABLE, T4, &calls), -XEN_EINVAL);  /* wrong type */
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    assert_true(calls >= min_calls() - 3);
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T4, &calls), 0);
    check_big_baseline();
}

/*
 * Teardown in bounded steps (issue 11, what defect 2 left): a dying
 * domain's tables go a step at a time (pv_relinquish_memory_step, the
 * scheduler's and XEN_DOMCTL_destroydomain's unit of work), and no step
 * may touch more than PT_PREEMPT_ENTRIES table entries, whatever the
 * tree: a pinned 256 MiB tree, one that is only a vCPU's base pointer,
 * a pin abandoned half done, an unpin abandoned half done.  Each step
 * here looks at the whole (small) frame table, all three passes, so
 * the data frames' allocation references (NR_D) may go in the same step.
 */

/* A's frames all freed, nothing of them partial. */
static void check_a_gone(void)
{
    unsigned int m;

    for (m = 0; m < FAKE_NR_FRAMES; m++) {
        const struct page_info *p = pg(m);
        if (!owned_by_a(m))
            continue;
        if (p->count || p->type_count)
            fail_msg("frame %u left with count %u type_count %u", m, p->count, p->type_count);
        assert_false(p->flags & (PGC_partial | PGC_partial_held | PGC_partial_entry));
    }
}

static unsigned int teardown_steps(void)
{
    uint64_t pos = 0, r0, r1;
    unsigned int steps = 0;
    bool done;

    do {
        assert_true(++steps < 100000);
        r0 = data_refs();
        done = pv_relinquish_memory_step(da, &pos, RELINQUISH_CHUNK);
        r1 = data_refs();
        if (r0 - r1 > PT_PREEMPT_ENTRIES + NR_D)
            fail_msg("teardown step %u dropped %lu references (bound %u)", steps,
                     (unsigned long)(r0 - r1), PT_PREEMPT_ENTRIES + NR_D);
        check_consistency();
    } while (!done);
    return steps;
}

static unsigned int teardown_in_steps(void)
{
    unsigned int steps = teardown_steps();

    check_a_gone();
    return steps;
}

/* The domain dies: its vCPUs stop being users of anything. */
static void die(void)
{
    fake_may_preempt = false;       /* the scheduler's reap: no hypercall */
    da->state = DOM_DYING;
}

static void test_teardown_pinned_tree_bounded(void **state)
{
    unsigned int calls;

    (void)state;
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    die();
    assert_true(teardown_in_steps() > min_calls());
}

/* Only the vCPU's base pointer holds the tree: the teardown drops it too. */
static void test_teardown_base_pointer_bounded(void **state)
{
    unsigned int calls;

    (void)state;
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, T4, &calls), 0);
    assert_true(mfn_eq(fa.v[0].guest_table, _mfn(T4)));
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, S4, &calls), 0);
    die();
    assert_true(teardown_in_steps() > min_calls());
    assert_true(mfn_eq(fa.v[0].guest_table, INVALID_MFN));
}

static void test_teardown_abandoned_pin_bounded(void **state)
{
    (void)state;
    calls_then_stop(MMUEXT_PIN_L4_TABLE, T4, 5);
    die();
    assert_true(teardown_in_steps() >= 5);
}

static void test_teardown_abandoned_unpin_bounded(void **state)
{
    unsigned int calls;

    (void)state;
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    calls_then_stop(MMUEXT_UNPIN_TABLE, T4, 5);
    assert_true(fa.v[0].pt_undo == pg(T4));
    die();
    assert_true(teardown_in_steps() > min_calls() - 5);
    assert_null(fa.v[0].pt_undo);
}

/*
 * dom0 resets a down vCPU of a live domain (XEN_DOMCTL_setvcpucontext
 * with no context): its base pointer, the only holder of the tree, and
 * what it was undoing go at most PT_PREEMPT_ENTRIES entries a call
 * (before: put_page_and_type, the whole tree in one call).
 */
static unsigned int drop_in_calls(struct vcpu *v)
{
    unsigned int calls = 0;
    uint64_t r0, r1;
    int rc;

    do {
        assert_true(++calls < 100000);
        r0 = data_refs();
        mm_lock_acquire();
        rc = pv_vcpu_drop_tables(v);
        mm_lock_release();
        r1 = data_refs();
        assert_true(rc == 0 || rc == -XEN_ERESTART);
        if (r0 - r1 > PT_PREEMPT_ENTRIES)
            fail_msg("vCPU reset call %u dropped %lu references", calls, (unsigned long)(r0 - r1));
        check_consistency();
    } while (rc);
    assert_true(mfn_eq(v->guest_table, INVALID_MFN));
    assert_null(v->pt_undo);
    return calls;
}

static void test_vcpu_reset_bounded(void **state)
{
    struct vcpu *v1 = &fa.v[1];
    unsigned int calls;

    (void)state;
    assert_int_equal(get_page_and_type(_mfn(T4), da, PGT_l4), 0);   /* as VCPUOP_initialise */
    v1->guest_table = _mfn(T4);
    assert_true(drop_in_calls(v1) > min_calls());
    check_big_baseline();
    /* the same while it was still undoing an interrupted release */
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    calls_then_stop(MMUEXT_UNPIN_TABLE, T4, 3);
    assert_true(fa.v[0].pt_undo == pg(T4));
    assert_true(drop_in_calls(&fa.v[0]) > min_calls() - 3);
    check_big_baseline();
}

/*
 * ptwr: the guest kernel writes an L3 entry naming the big L2 directly
 * (its L3 mapped read-only at va 0).  The emulation stops half-way and
 * leaves the instruction to fault again (rip unchanged) until the tree
 * is validated; removing the entry again releases it in bounded steps.
 */
static uint8_t mov_rcx_rdx[16] = { 0x48, 0x89, 0x0a, 0x90 };   /* mov %rcx,(%rdx) */

/* Fault until the write is done (true) or refused (false). */
static bool ptwr_until_end(uint64_t val, unsigned int *calls)
{
    struct guest_regs regs;
    uint64_t r0, r1;
    bool ok;

    memset(&regs, 0, sizeof(regs));
    regs.error_code = 3;
    regs.rip = (uint64_t)mov_rcx_rdx;
    regs.rcx = val;
    regs.rdx = 8;
    *calls = 0;
    do {
        assert_true(++*calls < 100000);
        r0 = data_refs();
        pv_pt_begin();
        ok = pv_ptwr_emulate(&fa.v[0], &regs, 8);
        r1 = data_refs();
        assert_true((r1 > r0 ? r1 - r0 : r0 - r1) <= PT_PREEMPT_ENTRIES);
        check_consistency();
    } while (ok && regs.rip == (uint64_t)mov_rcx_rdx);
    assert_int_equal(regs.rip, (uint64_t)mov_rcx_rdx + (ok ? 3 : 0));
    return ok;
}

static unsigned int ptwr_until_done(uint64_t val)
{
    unsigned int calls;

    assert_true(ptwr_until_end(val, &calls));
    return calls;
}

static void test_ptwr_upper_entry(void **state)
{
    unsigned int calls, p3 = 2, p2 = 3, p1 = 4;
    uint32_t done;

    (void)state;
    tab(S4)[0] = pte(p3, PRW);
    tab(p3)[0] = pte(p2, PRW);
    tab(p2)[0] = pte(p1, PRW);
    tab(p1)[0] = pte(p3, PRO);          /* va 0: the L3 itself, read-only */
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, S4, &calls), 0);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, S4, &calls), 0);
    assert_true(ptwr_until_done(pte(T2, PRW)) >= min_calls());
    assert_int_equal(tab(p3)[1], pte(T2, PRW));
    assert_true(pg(T2)->flags & PGC_validated);
    /* Zap it: the write is done at once, the release goes on in the
     * vCPU's undo slot, finished by its next page-table hypercall. */
    assert_int_equal(ptwr_until_done(0), 1);
    assert_int_equal(tab(p3)[1], 0);
    assert_true(fa.v[0].pt_undo != NULL);
    assert_int_equal(run(do_mmuext_op, 0, 0, &done, &calls), 0);
    assert_true(calls >= min_calls() - 1);
    assert_null(fa.v[0].pt_undo);
    assert_int_equal(pg(T2)->type_count, 0);
    check_consistency();
    /* A tree failing on its last entry: the write is refused (the #PF
     * goes to the guest) once everything is undone, not retried forever. */
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(B_FIRST, PRO);
    assert_false(ptwr_until_end(pte(T2, PRW), &calls));
    assert_true(calls >= 2 * min_calls());
    assert_int_equal(tab(p3)[1], 0);
    assert_null(fa.v[0].pt_undo);
    assert_int_equal(pg(T2)->type_count, 0);
    assert_int_equal(pg(T1_FIRST)->type_count, 0);
    check_consistency();
}

/*
 * A partial table meets the domain's other vCPU (Xen's rules,
 * xen/arch/x86/mm.c __get_page_type: a PGT_partial page of the wanted
 * type is continued by whoever asks for that type next; one being
 * undone is nobody else's).  vCPU 0's pin stops half-way; vCPU 1's pin
 * of the same L4 takes the validation over and finishes it, in bounded
 * calls; vCPU 0's re-issued pin then finds the table pinned (-EINVAL,
 * Xen's "already pinned").  Counts are recomputed after every call.
 */
static void test_partial_meets_other_vcpu(void **state)
{
    static struct mmuext_op op0;
    uint64_t a0[4];
    unsigned int calls;

    (void)state;
    calls_then_stop_as(&op0, a0, MMUEXT_PIN_L4_TABLE, T4, DOMID_SELF, 3);
    assert_true(pg(T4)->flags & PGC_partial);
    fake_cpu_info.curr = &fa.v[1];
    assert_int_equal(mmuext(MMUEXT_PIN_L3_TABLE, T4, &calls), -XEN_EINVAL);   /* other type */
    assert_int_equal(mmu(T4, 0, 0, &calls), -XEN_EINVAL);     /* no entry of it changes */
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), 0);
    assert_true(calls >= min_calls() - 3);
    assert_true(pg(T4)->flags & PGC_pinned);
    assert_true(pg(T4)->flags & PGC_validated);
    fake_cpu_info.curr = &fa.v[0];
    assert_int_equal(reissue(a0, &calls), -XEN_EINVAL);
    assert_int_equal(calls, 1);
    check_consistency();
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T4, &calls), 0);
    check_big_baseline();
}

/* A failed validation being undone by vCPU 0 is nobody else's: vCPU 1's
 * pin and base pointer are refused (-EBUSY), changing nothing, and
 * vCPU 0 reports the error once everything is undone. */
static void test_undo_meets_other_vcpu(void **state)
{
    static struct mmuext_op op0;
    uint64_t a0[4];
    unsigned int calls;

    (void)state;
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(B_FIRST, PRO);
    calls_then_stop_as(&op0, a0, MMUEXT_PIN_L4_TABLE, T4, DOMID_SELF, min_calls() + 5);
    assert_true(fa.v[0].pt_undo == pg(T4));
    fake_cpu_info.curr = &fa.v[1];
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, T4, &calls), -XEN_EBUSY);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, T4, &calls), -XEN_EBUSY);
    assert_int_equal(mmuext(MMUEXT_UNPIN_TABLE, T4, &calls), -XEN_EINVAL);
    assert_int_equal(mmu(T4, 0, 0, &calls), -XEN_EINVAL);
    assert_true(mfn_eq(fa.v[1].guest_table, INVALID_MFN));
    assert_null(fa.v[1].pt_undo);
    fake_cpu_info.curr = &fa.v[0];
    assert_int_equal(reissue(a0, &calls), -XEN_EINVAL);
    assert_true(calls > min_calls() - 5);
    check_big_baseline();
}

/*
 * The control domain pins and unpins another domain's tables
 * (mmuext_op with foreigndom, a toolstack building a domain): as
 * preemptible as the domain's own, as in Xen (do_mmuext_op uses
 * get_page_type_preemptible and put_page_and_type_preemptible whatever
 * the page owner).  B plays the control domain.
 */
static void be_control_domain(void)
{
    db->is_privileged = true;
    fake_cpu_info.curr = &fb.v[0];
}

static void test_foreign_pin_unpin_bounded(void **state)
{
    unsigned int calls;

    (void)state;
    be_control_domain();
    assert_int_equal(mmuext_as(MMUEXT_PIN_L4_TABLE, T4, DOM_A, &calls), 0);
    assert_true(calls >= min_calls());
    assert_true(pg(T4)->flags & PGC_pinned);
    assert_true(pg(T4)->flags & PGC_validated);
    assert_int_equal(data_refs(), NR_D + NR_ENTRIES);
    assert_int_equal(mmuext_as(MMUEXT_UNPIN_TABLE, T4, DOM_A, &calls), 0);
    assert_true(calls >= min_calls());
    check_big_baseline();
}

/* A foreign pin failing on its last entry (a frame of B, not A's):
 * bounded calls, the error once all is undone, no trace. */
static void test_foreign_pin_fails_on_last_entry(void **state)
{
    unsigned int calls;

    (void)state;
    be_control_domain();
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(B_FIRST, PRO);
    assert_int_equal(mmuext_as(MMUEXT_PIN_L4_TABLE, T4, DOM_A, &calls), -XEN_EINVAL);
    assert_true(calls >= 2 * min_calls());
    check_big_baseline();
}

/* The domain whose table the control domain is pinning dies half-way:
 * the re-issued pin is refused, the teardown drops what was validated. */
static void test_foreign_pin_domain_dies(void **state)
{
    static struct mmuext_op op;
    uint64_t a[4];
    unsigned int calls;

    (void)state;
    be_control_domain();
    calls_then_stop_as(&op, a, MMUEXT_PIN_L4_TABLE, T4, DOM_A, 5);
    assert_true(pg(T4)->flags & PGC_partial);
    da->state = DOM_DYING;
    assert_int_equal(reissue(a, &calls), -XEN_EINVAL);
    check_consistency();
    die();
    assert_true(teardown_in_steps() >= 5);
}

/* ... or while the control domain's vCPU undoes a failed foreign pin:
 * the teardown leaves that table to the vCPU, whose next call finishes
 * it in bounded steps, freeing the dead domain's last frames. */
static void test_foreign_undo_domain_dies(void **state)
{
    static struct mmuext_op op;
    uint64_t a[4];
    uint32_t done;
    unsigned int calls;

    (void)state;
    be_control_domain();
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(B_FIRST, PRO);
    calls_then_stop_as(&op, a, MMUEXT_PIN_L4_TABLE, T4, DOM_A, min_calls() + 5);
    assert_true(fb.v[0].pt_undo == pg(T4));
    da->state = DOM_DYING;
    (void)teardown_steps();
    assert_true(pg(T4)->count);
    fake_may_preempt = true;
    assert_int_equal(run(do_mmuext_op, 0, 0, &done, &calls), -XEN_EINVAL);
    assert_true(calls > min_calls() - 5);
    assert_null(fb.v[0].pt_undo);
    check_a_gone();
    check_consistency();
}

/*
 * VCPUOP_initialise (the real vcpu_initialise.c): vCPU 0 brings up vCPU 1
 * on the 256 MiB tree.  Every call validates at most PT_PREEMPT_ENTRIES
 * entries and returns -ERESTART (do_vcpu_op continues the hypercall, as
 * Xen's arch_set_info_guest does); the last one loads the context.
 */
long arch_initialise_vcpu(struct vcpu *v, uint64_t arg);
void arch_fpu_sanitise(uint8_t *state);
void arch_fpu_sanitise(uint8_t *state)
{
    (void)state;
}

/* (debug registers have their own tests: test_debugreg) */
long pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value)
{
    (void)v;
    (void)reg;
    (void)value;
    return 0;
}

static long initialise_until_end(struct vcpu *v, const struct vcpu_guest_context *c,
                                 unsigned int *calls)
{
    uint64_t r0, r1;
    long rc;

    *calls = 0;
    do {
        assert_true(++*calls < 100000);
        r0 = data_refs();
        rc = arch_initialise_vcpu(v, (uint64_t)c);
        r1 = data_refs();
        if ((r1 > r0 ? r1 - r0 : r0 - r1) > PT_PREEMPT_ENTRIES)
            fail_msg("VCPUOP_initialise call %u: %lu references", *calls,
                     (unsigned long)(r1 > r0 ? r1 - r0 : r0 - r1));
        check_consistency();
        if (rc == -XEN_ERESTART)
            assert_false(v->initialised);
    } while (rc == -XEN_ERESTART);
    return rc;
}

static void test_vcpu_initialise_bounded(void **state)
{
    static struct vcpu_guest_context c;
    struct vcpu *v1 = &fa.v[1];
    unsigned int calls;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.ctrlreg[3] = (uint64_t)T4 << 12;
    assert_int_equal(initialise_until_end(v1, &c, &calls), 0);
    assert_true(calls >= min_calls());
    assert_true(v1->initialised);
    assert_true(mfn_eq(v1->guest_table, _mfn(T4)));
    assert_true(pg(T4)->flags & PGC_validated);
    assert_true(drop_in_calls(v1) >= min_calls());
    v1->initialised = false;
    check_big_baseline();
}

/* A tree failing on its last entry: -EINVAL, reported once all is
 * undone, vCPU 1 untouched. */
static void test_vcpu_initialise_fails_no_trace(void **state)
{
    static struct vcpu_guest_context c;
    struct vcpu *v1 = &fa.v[1];
    unsigned int calls;

    (void)state;
    tab(T1_FIRST + NR_L1 - 1)[511] = pte(B_FIRST, PRO);
    memset(&c, 0, sizeof(c));
    c.ctrlreg[3] = (uint64_t)T4 << 12;
    assert_int_equal(initialise_until_end(v1, &c, &calls), -XEN_EINVAL);
    assert_true(calls >= 2 * min_calls());
    assert_false(v1->initialised);
    assert_true(mfn_eq(v1->guest_table, INVALID_MFN));
    check_big_baseline();
}

/* The tree validates but a GDT frame is refused after it: the tree's
 * reference goes again in bounded calls before -EINVAL is reported. */
static void test_vcpu_initialise_gdt_refused(void **state)
{
    static struct vcpu_guest_context c;
    struct vcpu *v1 = &fa.v[1];
    unsigned int calls;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.ctrlreg[3] = (uint64_t)T4 << 12;
    c.gdt_ents = 1;
    c.gdt_frames[0] = A_FIRST;
    fake_seg_desc_rc = -XEN_EINVAL;
    assert_int_equal(initialise_until_end(v1, &c, &calls), -XEN_EINVAL);
    assert_true(calls >= 2 * min_calls());
    assert_false(v1->initialised);
    check_big_baseline();
}

/*
 * Issue 11 (linux-blk): dom0's kernel clears a PTE (ptep_clear_flush's
 * `xchg`, emulated by ptwr) while a domU's tables are half validated or
 * half released.  B plays dom0 with a small address space of its own:
 * L4 40 -> L3 41 -> L2 42 -> L1 43, va 0 mapping the L1 itself read-only
 * and va 4 KiB data frame 44 writable; A's big tree is the domU's.
 * Nothing of A's is B's L1's business: the write is done in one fault,
 * the old entry lands in the register, the counts stay exact.
 */
#define B4 40
#define B1 43
#define BDATA 44
static uint8_t xchg_rbx_rdx[16] = { 0x48, 0x87, 0x1a, 0x90 };   /* xchg %rbx,(%rdx) */

static void b_address_space(void)
{
    unsigned int calls;

    tab(B4)[0] = pte(B4 + 1, PRW);
    tab(B4 + 1)[0] = pte(B4 + 2, PRW);
    tab(B4 + 2)[0] = pte(B1, PRW);
    tab(B1)[0] = pte(B1, PRO);
    tab(B1)[1] = pte(BDATA, PRW);
    be_control_domain();
    assert_int_equal(mmuext(MMUEXT_PIN_L4_TABLE, B4, &calls), 0);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, B4, &calls), 0);
    assert_int_equal(pg(BDATA)->type, PGT_writable);
}

/* B's kernel zaps va 4 KiB's entry (through va 8): the faults it takes. */
static unsigned int b_zap(void)
{
    struct guest_regs regs;
    unsigned int calls = 0;
    uint64_t r0, r1;
    bool ok;

    fake_cpu_info.curr = &fb.v[0];
    memset(&regs, 0, sizeof(regs));
    regs.error_code = 3;
    regs.rip = (uint64_t)xchg_rbx_rdx;
    regs.rdx = 8;
    do {
        assert_true(++calls < 100000);
        r0 = data_refs();
        pv_pt_begin();
        ok = pv_ptwr_emulate(&fb.v[0], &regs, 8);
        r1 = data_refs();
        assert_true((r1 > r0 ? r1 - r0 : r0 - r1) <= PT_PREEMPT_ENTRIES);
        check_consistency();
    } while (ok && regs.rip == (uint64_t)xchg_rbx_rdx);
    assert_true(ok);
    assert_int_equal(regs.rip, (uint64_t)xchg_rbx_rdx + 3);
    assert_int_equal(regs.rbx, pte(BDATA, PRW));
    assert_int_equal(tab(B1)[1], 0);
    assert_int_equal(pg(BDATA)->type_count, 0);
    return calls;
}

/* A's tree half validated by B's foreign pin, or by A's own pin. */
static void test_dom0_l1_write_next_to_partial_domu_tree(void **state)
{
    static struct mmuext_op op, op_a;
    uint64_t a[4], a_a[4];
    unsigned int calls;

    (void)state;
    b_address_space();
    calls_then_stop_as(&op, a, MMUEXT_PIN_L4_TABLE, T4, DOM_A, 3);
    assert_true(pg(T4)->flags & PGC_partial);
    assert_int_equal(b_zap(), 1);
    fake_cpu_info.curr = &fb.v[0];
    assert_int_equal(reissue(a, &calls), 0);
    assert_true(pg(T4)->flags & PGC_validated);
    assert_int_equal(mmuext_as(MMUEXT_UNPIN_TABLE, T4, DOM_A, &calls), 0);
    /* A's own pin, stopped half-way */
    fake_cpu_info.curr = &fb.v[0];
    assert_int_equal(mmu(B1, 1, pte(BDATA, PRW), &calls), 0);
    fake_cpu_info.curr = &fa.v[0];
    calls_then_stop_as(&op_a, a_a, MMUEXT_PIN_L4_TABLE, T4, DOMID_SELF, 3);
    assert_int_equal(b_zap(), 1);
    fake_cpu_info.curr = &fa.v[0];
    assert_int_equal(reissue(a_a, &calls), 0);
    check_consistency();
}

/*
 * B's vCPU still releases A's tree (its foreign unpin stopped, the rest
 * is in B's undo slot).  Xen's ptwr (pv/ro-page-fault.c,
 * ptwr_emulated_update) never looks at the vCPU's old_guest_table: only
 * hypercalls finish it.  Keel's L1 write need not either (it takes and
 * drops single frames, never a table), so it is done in one fault
 * rather than re-faulting until a whole tree has been released; the
 * release then goes on in B's next page-table hypercall.
 */
static void test_dom0_l1_write_not_behind_release(void **state)
{
    static struct mmuext_op op;
    uint64_t a[4];
    uint32_t done;
    unsigned int calls;

    (void)state;
    b_address_space();
    assert_int_equal(mmuext_as(MMUEXT_PIN_L4_TABLE, T4, DOM_A, &calls), 0);
    calls_then_stop_as(&op, a, MMUEXT_UNPIN_TABLE, T4, DOM_A, 1);
    assert_true(fb.v[0].pt_undo == pg(T4));
    assert_int_equal(b_zap(), 1);
    assert_true(fb.v[0].pt_undo == pg(T4));
    fake_cpu_info.curr = &fb.v[0];
    assert_int_equal(run(do_mmuext_op, 0, 0, &done, &calls), 0);
    assert_true(calls >= min_calls() - 2);
    assert_null(fb.v[0].pt_undo);
    assert_int_equal(pg(T4)->type_count, 0);
    check_consistency();
}

#define T(f) cmocka_unit_test_setup_teardown(f, big_setup, big_teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pin_unpin_big_tree),
        T(test_pin_fails_on_last_entry),
        T(test_partial_tables_unusable),
        T(test_mmu_update_upper_entry),
        T(test_preempted_by_time),
        T(test_batch),
        T(test_abandoned_pin),
        T(test_abandoned_unpin),
        T(test_abandoned_failed_pin),
        T(test_pin_resumed_later),
        T(test_ptwr_upper_entry),
        T(test_teardown_pinned_tree_bounded),
        T(test_teardown_base_pointer_bounded),
        T(test_teardown_abandoned_pin_bounded),
        T(test_teardown_abandoned_unpin_bounded),
        T(test_vcpu_reset_bounded),
        T(test_partial_meets_other_vcpu),
        T(test_undo_meets_other_vcpu),
        T(test_foreign_pin_unpin_bounded),
        T(test_foreign_pin_fails_on_last_entry),
        T(test_foreign_pin_domain_dies),
        T(test_foreign_undo_domain_dies),
        T(test_vcpu_initialise_bounded),
        T(test_vcpu_initialise_fails_no_trace),
        T(test_vcpu_initialise_gdt_refused),
        T(test_dom0_l1_write_next_to_partial_domu_tree),
        T(test_dom0_l1_write_not_behind_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
