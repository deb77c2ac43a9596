/*
 * Unit tests for memory reservations (hypervisor/common/reservation.c:
 * increase/decrease/populate/exchange, max_pages, continuations) and for
 * the mmuext_op additions of arch/x86_64/pv_mm.c and pv_ldt.c
 * (COPY_PAGE, CLEAR_PAGE, SET_LDT), against the fake machine of
 * test_pvmm_world.h: domain A (unprivileged) owns frames 1..39, B 40..47;
 * frames 48..60, 62 and 63 are free.  MEMOP_CHUNK_PAGES is 4 here
 * (test_memop.mk), so preemption is reachable.
 */
#include "test_pvmm_world.h"
#include <keel/reservation.h>
#include <keel/hypercall.h>
#include <keel/bootinfo.h>
#include <keel/iomem.h>
#include <keel/tlbflush.h>
#include <public/memory.h>
#include <public/xen.h>

struct boot_info boot_info;         /* memory.c's machine_memory_map reads it */

#define A_TOT 39
#define A_MAX 43
#define D0_ID 0

static struct fake_domain f0;       /* a privileged domain (dom0) */
static struct domain *d0;

static int memop_setup(void **state)
{
    world_setup(state);
    fake_domain_init(&f0, D0_ID, 1, true);
    d0 = &f0.d;
    da->tot_pages = A_TOT;
    da->max_pages = A_MAX;
    db->tot_pages = B_LAST - B_FIRST + 1;
    db->max_pages = db->tot_pages + 8;
    fake_alloc_budget = ~0u;
    fake_may_preempt = false;
    fake_continuations = 0;
    fake_guest_hole_start = fake_guest_hole_end = 0;
    return 0;
}

static int memop_teardown(void **state)
{
    fake_domain_fini(&f0);
    fake_may_preempt = false;
    fake_preempt_due = false;
    return world_teardown(state);
}

static void as(struct domain *d)
{
    fake_cpu_info.curr = d->vcpu[0];
}

static long memop(unsigned int op, uint64_t start, uint64_t *list, uint64_t nr,
                  unsigned int order, uint32_t flags, domid_t dom)
{
    struct xen_memory_reservation r = { .nr_extents = nr, .extent_order = order,
                                        .mem_flags = flags, .domid = dom };

    set_xen_guest_handle(r.extent_start, list);
    return memory_reservation_op(op, start, (uint64_t)(uintptr_t)&r);
}

static bool owned_fresh(uint64_t m, domid_t id)
{
    return m < FAKE_NR_FRAMES && pg(m)->owner == id && pg(m)->flags == PGC_allocated &&
           pg(m)->count == 1 && pg(m)->type_count == 0;
}

/* ---- increase ---- */

static void test_increase(void **state)
{
    uint64_t list[8] = { 0 };
    unsigned int i, allocs = fake_allocs;
    (void)state;

    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 3, 0, 0, DOMID_SELF), 3);
    assert_int_equal(da->tot_pages, A_TOT + 3);
    for (i = 0; i < 3; i++) {
        assert_true(owned_fresh(list[i], DOM_A));
        assert_int_equal(fake_m2p[list[i]], ~0UL);
    }
    assert_int_not_equal(list[0], list[1]);
    /* one page left under max_pages: 5 asked, 1 done, the batch stops */
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list + 3, 5, 0, 0, DOMID_SELF), 1);
    assert_int_equal(da->tot_pages, A_MAX);
    assert_int_equal(fake_allocs, allocs + 4);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 0, DOMID_SELF), 0);
    check_consistency();
}

static void test_increase_no_list_and_order(void **state)
{
    uint64_t list[2] = { 0 };
    (void)state;

    /* no list: allocated and counted, the MFNs are not reported */
    assert_int_equal(memop(XENMEM_increase_reservation, 0, NULL, 2, 0, 0, DOMID_SELF), 2);
    assert_int_equal(da->tot_pages, A_TOT + 2);
    /* order 1: 2 pages, aligned; then an order-1 extent no longer fits */
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 1, 0, DOMID_SELF), 1);
    assert_int_equal(list[0] % 2, 0);
    assert_true(owned_fresh(list[0], DOM_A) && owned_fresh(list[0] + 1, DOM_A));
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list + 1, 1, 1, 0, DOMID_SELF), 0);
    assert_int_equal(da->tot_pages, A_MAX);
}

static void test_increase_out_of_memory(void **state)
{
    uint64_t list[4] = { 0 };
    (void)state;

    fake_alloc_budget = 2;
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 4, 0, 0, DOMID_SELF), 2);
    assert_int_equal(da->tot_pages, A_TOT + 2);
}

/* Refusals: Xen answers each with the count done (here 0), no change. */
static void test_refusals(void **state)
{
    static uint64_t list[4];
    static const struct {
        const char *what;
        unsigned int op;
        uint64_t *list;
        uint64_t nr;
        unsigned int order;
        uint32_t flags;
        domid_t dom;
    } cases[] = {
        { "huge nr_extents", XENMEM_increase_reservation, list, 1UL << 27, 0, 0, DOMID_SELF },
        { "huge nr_extents (populate)", XENMEM_populate_physmap, list, ~0UL, 0, 0, DOMID_SELF },
        { "order above the domU limit", XENMEM_increase_reservation, list, 1, 10, 0, DOMID_SELF },
        { "order above the domU limit (decrease)", XENMEM_decrease_reservation, list, 1, 10, 0,
          DOMID_SELF },
        { "address_bits 12", XENMEM_increase_reservation, list, 1, 0, 12, DOMID_SELF },
        { "node 1", XENMEM_populate_physmap, list, 1, 0, XENMEMF_node(1), DOMID_SELF },
        { "exact node without a node", XENMEM_increase_reservation, list, 1, 0,
          XENMEMF_exact_node_request, DOMID_SELF },
        { "vnode", XENMEM_increase_reservation, list, 1, 0, XENMEMF_vnode, DOMID_SELF },
        { "populate on demand", XENMEM_populate_physmap, list, 1, 0,
          XENMEMF_populate_on_demand, DOMID_SELF },
        { "list faults", XENMEM_populate_physmap, (uint64_t *)0x1000, 1, 0, 0, DOMID_SELF },
        { "list in the hypervisor", XENMEM_decrease_reservation,
          (uint64_t *)0xffff830000000000UL, 1, 0, 0, DOMID_SELF },
        { "list non-canonical", XENMEM_increase_reservation,
          (uint64_t *)0x0000800000000000UL, 1, 0, 0, DOMID_SELF },
        { "no list for populate", XENMEM_populate_physmap, NULL, 1, 0, 0, DOMID_SELF },
        { "another domain", XENMEM_increase_reservation, list, 1, 0, 0, DOM_B },
        { "no such domain", XENMEM_increase_reservation, list, 1, 0, 0, 77 },
    };
    unsigned int i;
    (void)state;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        unsigned int allocs = fake_allocs;
        long rc = memop(cases[i].op, 0, cases[i].list, cases[i].nr, cases[i].order,
                        cases[i].flags, cases[i].dom);
        if (rc != 0 || fake_allocs != allocs || da->tot_pages != A_TOT ||
            db->tot_pages != B_LAST - B_FIRST + 1)
            fail_msg("%s: returned %ld, allocs %u -> %u, tot_pages %lu", cases[i].what, rc,
                     allocs, fake_allocs, da->tot_pages);
    }
    /* start_extent at or past nr_extents: nothing, the start is returned */
    assert_int_equal(memop(XENMEM_increase_reservation, 3, list, 3, 0, 0, DOMID_SELF), 3);
    assert_int_equal(da->tot_pages, A_TOT);
    /* an unreadable request */
    assert_int_equal(memory_reservation_op(XENMEM_increase_reservation, 0, 0x1000), 0);
    check_baseline();
}

/*
 * The DMA reserve (page_alloc.c) is for the hardware domain's device
 * requests: memory for dom0 itself below at most 4 GiB may take it; a
 * domU's memory may not, whatever its address_bits, nor memory dom0
 * asks for another domain, nor a limit above 32 bits.
 */
static void test_dma_reserve_only_for_dom0(void **state)
{
    uint64_t list[1] = { 0 };
    (void)state;

    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 32, DOMID_SELF), 1);
    assert_int_equal(fake_alloc_last_memflags, MEMF_bits(32));
    as(d0);
    d0->max_pages = d0->tot_pages + 4;
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 32, DOMID_SELF), 1);
    assert_int_equal(fake_alloc_last_memflags, MEMF_bits(32) | MEMF_dma_ok);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 20, DOMID_SELF), 1);
    assert_int_equal(fake_alloc_last_memflags, MEMF_bits(20) | MEMF_dma_ok);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 33, DOMID_SELF), 1);
    assert_int_equal(fake_alloc_last_memflags, MEMF_bits(33));
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 0, DOMID_SELF), 1);
    assert_int_equal(fake_alloc_last_memflags, 0);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 32, DOM_B), 1);
    assert_int_equal(fake_alloc_last_memflags, MEMF_bits(32));
}

static void test_address_bits_and_dom0(void **state)
{
    uint64_t list[2] = { 0 };
    (void)state;

    /* address_bits 17: below frame 32 (the fake has nothing free there) */
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 17, DOMID_SELF), 0);
    assert_int_equal(fake_alloc_last_limit, 32);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 18, DOMID_SELF), 1);
    assert_int_equal(fake_alloc_last_limit, 64);
    assert_true(list[0] < 64);
    /* dom0 may change another domain's reservation, and use order 10 */
    as(d0);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 0, DOM_B), 1);
    assert_true(owned_fresh(list[0], DOM_B));
    assert_int_equal(db->tot_pages, B_LAST - B_FIRST + 2);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 13, 0, DOM_B), 0);
    fake_alloc_budget = 0;     /* order 10 is allowed, just not available */
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 10, 0, DOM_B), 0);
    assert_int_equal(fake_alloc_limit_calls > 0, 1);
    /* a dying domain is not a target */
    fake_alloc_budget = ~0u;
    db->state = DOM_DYING;
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 0, DOM_B), 0);
}

/* ---- populate ---- */

static void test_populate(void **state)
{
    uint64_t list[3] = { 100, 200, 300 };
    uint64_t ext[1] = { 500 };
    (void)state;

    assert_int_equal(memop(XENMEM_populate_physmap, 0, list, 3, 0, 0, DOMID_SELF), 3);
    assert_int_equal(da->tot_pages, A_TOT + 3);
    assert_true(owned_fresh(list[0], DOM_A));
    assert_int_equal(fake_m2p[list[0]], 100);
    assert_int_equal(fake_m2p[list[1]], 200);
    assert_int_equal(fake_m2p[list[2]], 300);
    /* order 0 extent then nothing left; order 1 needs 2 */
    da->max_pages = A_TOT + 5;
    assert_int_equal(memop(XENMEM_populate_physmap, 0, ext, 1, 1, 0, DOMID_SELF), 1);
    assert_int_equal(fake_m2p[ext[0]], 500);
    assert_int_equal(fake_m2p[ext[0] + 1], 501);
    /* partial: the second gpfn is unreadable (list runs into a hole) */
    da->max_pages = A_MAX + 10;
    list[0] = 7;
    fake_guest_hole_start = (uintptr_t)&list[1];
    fake_guest_hole_end = (uintptr_t)&list[2];
    assert_int_equal(memop(XENMEM_populate_physmap, 0, list, 3, 0, 0, DOMID_SELF), 1);
    assert_int_equal(fake_m2p[list[0]], 7);
    check_consistency();
}

/* ---- decrease ---- */

static void test_decrease(void **state)
{
    uint64_t list[4] = { 0 };
    unsigned int frees = fake_frees;
    (void)state;

    assert_int_equal(memop(XENMEM_populate_physmap, 0, list, 2, 0, 0, DOMID_SELF), 2);
    assert_int_equal(memop(XENMEM_decrease_reservation, 0, list, 2, 0, 0, DOMID_SELF), 2);
    assert_int_equal(da->tot_pages, A_TOT);
    assert_int_equal(fake_frees, frees + 2);
    assert_int_equal(pg(list[0])->flags, PGC_free | PGC_stale_free);
    assert_int_equal(pg(list[0])->owner, OWNER_NONE);
    assert_int_equal(fake_m2p[list[0]], ~0UL);
    /* a builder frame goes too, and can be had again */
    list[0] = 10;
    assert_int_equal(memop(XENMEM_decrease_reservation, 0, list, 1, 0, 0, DOMID_SELF), 1);
    assert_int_equal(da->tot_pages, A_TOT - 1);
    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 1, 0, 0, DOMID_SELF), 1);
    assert_int_equal(da->tot_pages, A_TOT);
    /* the same frame twice: the second is no longer the domain's */
    list[1] = list[0];
    assert_int_equal(memop(XENMEM_decrease_reservation, 0, list, 2, 0, 0, DOMID_SELF), 1);
    check_consistency();
}

static void test_decrease_refusals(void **state)
{
    uint64_t one[1];
    unsigned int i;
    (void)state;

    /* a pinned (validated, empty) L1 */
    mm_lock_acquire();
    assert_int_equal(pv_pin_table(da, _mfn(5), PGT_l1), 0);
    /* a frame with a writable type reference (a writable mapping) */
    assert_int_equal(get_page_and_type(_mfn(6), da, PGT_writable), 0);
    /* a frame with an extra general reference (a read-only mapping) */
    assert_true(get_page(pg(7), da));
    mm_lock_release();
    pg(8)->flags |= PGC_xen_heap;       /* a hypervisor page shared with A */
    {
        static const struct { const char *what; uint64_t mfn; } cases[] = {
            { "pinned page table", 5 }, { "writable type", 6 }, { "mapped", 7 },
            { "hypervisor page", 8 }, { "another domain's", B_FIRST }, { "free", F_FREE },
            { "I/O", F_IO }, { "beyond memory", FAKE_NR_FRAMES }, { "huge", ~0UL },
        };
        for (i = 0; i < ARRAY_SIZE(cases); i++) {
            one[0] = cases[i].mfn;
            if (memop(XENMEM_decrease_reservation, 0, one, 1, 0, 0, DOMID_SELF) != 0)
                fail_msg("decrease of %s frame succeeded", cases[i].what);
        }
    }
    assert_int_equal(da->tot_pages, A_TOT);
    assert_int_equal(pg(5)->type, PGT_l1);
    /* order 1 extent with one busy frame: nothing of it goes */
    one[0] = 6;
    assert_int_equal(memop(XENMEM_decrease_reservation, 0, one, 1, 1, 0, DOMID_SELF), 0);
    assert_int_equal(pg(7)->count, 2);
    /* [ok, busy, ok]: the batch stops at the busy one */
    {
        uint64_t three[3] = { 9, 5, 10 };
        assert_int_equal(memop(XENMEM_decrease_reservation, 0, three, 3, 0, 0, DOMID_SELF), 1);
        assert_int_equal(pg(10)->owner, DOM_A);
    }
    pg(8)->flags &= ~PGC_xen_heap;
    mm_lock_acquire();
    put_page(pg(7));
    put_page_and_type(_mfn(6), da);
    pg(5)->flags &= ~PGC_pinned;
    put_page_and_type(_mfn(5), da);
    mm_lock_release();
    check_consistency();
}

/* ---- continuations ---- */

static void test_continuation(void **state)
{
    uint64_t list[10] = { 0 };
    long rc;
    (void)state;

    da->max_pages = A_TOT + 10;
    fake_may_preempt = true;
    /* chunk of 4 pages: extents 0-3 done, then a continuation from 4 */
    rc = memop(XENMEM_increase_reservation, 0, list, 10, 0, 0, DOMID_SELF);
    assert_int_equal(rc, 4);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(fake_cont_args[0], XENMEM_increase_reservation | (4UL << MEMOP_EXTENT_SHIFT));
    rc = memop(XENMEM_increase_reservation, 4, list, 10, 0, 0, DOMID_SELF);
    assert_int_equal(rc, 8);
    assert_int_equal(fake_cont_args[0], XENMEM_increase_reservation | (8UL << MEMOP_EXTENT_SHIFT));
    rc = memop(XENMEM_increase_reservation, 8, list, 10, 0, 0, DOMID_SELF);
    assert_int_equal(rc, 10);
    assert_int_equal(fake_continuations, 2);
    assert_int_equal(da->tot_pages, A_TOT + 10);
    assert_true(owned_fresh(list[9], DOM_A));
    /* inside a multicall (no preemption) the whole batch runs */
    fake_may_preempt = false;
    rc = memop(XENMEM_decrease_reservation, 0, list, 10, 0, 0, DOMID_SELF);
    assert_int_equal(rc, 10);
    assert_int_equal(da->tot_pages, A_TOT);
}

/* Time-based preemption (issue 11 defect 6): with the lock held for
 * HYPERCALL_PREEMPT_NS (fake_preempt_due) a reservation change continues
 * after one extent instead of after a whole chunk, and never before the
 * first. */
static void test_continuation_by_time(void **state)
{
    uint64_t list[3] = { 0 };
    long rc;
    (void)state;

    da->max_pages = A_TOT + 3;
    fake_may_preempt = true;
    fake_preempt_due = true;
    rc = memop(XENMEM_increase_reservation, 0, list, 3, 0, 0, DOMID_SELF);
    assert_int_equal(rc, 1);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(fake_cont_args[0], XENMEM_increase_reservation | (1UL << MEMOP_EXTENT_SHIFT));
    assert_int_equal(da->tot_pages, A_TOT + 1);
    fake_preempt_due = false;
    rc = memop(XENMEM_increase_reservation, 1, list, 3, 0, 0, DOMID_SELF);
    assert_int_equal(rc, 3);
    assert_int_equal(fake_continuations, 1);
    fake_may_preempt = false;
    rc = memop(XENMEM_decrease_reservation, 0, list, 3, 0, 0, DOMID_SELF);
    assert_int_equal(rc, 3);
    assert_int_equal(da->tot_pages, A_TOT);
}

/* ---- exchange ---- */

static long exchange(struct xen_memory_exchange *x)
{
    return memory_exchange((uint64_t)(uintptr_t)x);
}

static struct xen_memory_exchange exch(uint64_t *in, uint64_t nin, unsigned int oin,
                                       uint64_t *out, uint64_t nout, unsigned int oout)
{
    struct xen_memory_exchange x = {
        .in = { .nr_extents = nin, .extent_order = oin, .domid = DOMID_SELF },
        .out = { .nr_extents = nout, .extent_order = oout, .domid = DOMID_SELF },
    };
    set_xen_guest_handle(x.in.extent_start, in);
    set_xen_guest_handle(x.out.extent_start, out);
    return x;
}

static void test_exchange(void **state)
{
    uint64_t in[4] = { 11, 12 }, out[2] = { 1000 };
    struct xen_memory_exchange x = exch(in, 2, 0, out, 1, 1);
    (void)state;

    assert_int_equal(exchange(&x), 0);
    assert_int_equal(x.nr_exchanged, 2);
    assert_int_equal(da->tot_pages, A_TOT);
    assert_int_equal(pg(11)->flags, PGC_free | PGC_stale_free);
    assert_int_equal(pg(12)->flags, PGC_free | PGC_stale_free);
    assert_int_equal(out[0] % 2, 0);
    assert_true(owned_fresh(out[0], DOM_A) && owned_fresh(out[0] + 1, DOM_A));
    assert_int_equal(fake_m2p[out[0]], 1000);
    assert_int_equal(fake_m2p[out[0] + 1], 1001);
    /* and back: one order-1 extent for two single pages, with address_bits */
    in[0] = out[0];
    out[0] = 7;
    out[1] = 9;
    x = exch(in, 1, 1, out, 2, 0);
    x.out.mem_flags = XENMEMF_address_bits(18);
    assert_int_equal(exchange(&x), 0);
    assert_int_equal(x.nr_exchanged, 1);
    assert_true(owned_fresh(out[0], DOM_A) && owned_fresh(out[1], DOM_A));
    assert_int_equal(fake_m2p[out[1]], 9);
    assert_int_equal(fake_alloc_last_limit, 64);
    assert_int_equal(fake_alloc_last_memflags, MEMF_bits(18));   /* a domU: no reserve */
    assert_int_equal(da->tot_pages, A_TOT);
    /* nothing left to do */
    assert_int_equal(exchange(&x), 0);
    check_consistency();
}

/* A failed chunk gives everything back; nr_exchanged counts whole chunks. */
static void test_exchange_all_or_nothing(void **state)
{
    uint64_t in[4], out[4];
    struct xen_memory_exchange x;
    (void)state;

    mm_lock_acquire();
    assert_int_equal(pv_pin_table(da, _mfn(14), PGT_l1), 0);
    mm_lock_release();
    /* chunk 0 = {11, 12} fine, chunk 1 = {13, 14}: 14 is pinned */
    in[0] = 11, in[1] = 12, in[2] = 13, in[3] = 14;
    x = exch(in, 4, 0, out, 2, 1);
    assert_int_equal(exchange(&x), -XEN_EINVAL);
    assert_int_equal(x.nr_exchanged, 2);
    assert_int_equal(pg(11)->flags, PGC_free | PGC_stale_free);
    assert_true(owned_fresh(13, DOM_A));        /* given back */
    assert_int_equal(pg(14)->flags & PGC_allocated, PGC_allocated);
    /* the same frame twice in one chunk */
    in[0] = 15, in[1] = 15;
    x = exch(in, 2, 0, out, 1, 1);
    assert_int_equal(exchange(&x), -XEN_EINVAL);
    assert_int_equal(x.nr_exchanged, 0);
    assert_true(owned_fresh(15, DOM_A));
    /* no memory for the output */
    in[0] = 15, in[1] = 16;
    fake_alloc_budget = 0;
    x = exch(in, 2, 0, out, 1, 1);
    assert_int_equal(exchange(&x), -XEN_ENOMEM);
    assert_int_equal(x.nr_exchanged, 0);
    assert_true(owned_fresh(15, DOM_A) && owned_fresh(16, DOM_A));
    fake_alloc_budget = ~0u;
    assert_int_equal(da->tot_pages, A_TOT - 2 + 2);
    mm_lock_acquire();
    pg(14)->flags &= ~PGC_pinned;
    put_page_and_type(_mfn(14), da);
    mm_lock_release();
    check_consistency();
}

static void test_exchange_refusals(void **state)
{
    static uint64_t in[2] = { 11, 12 }, out[2];
    static const struct {
        const char *what;
        uint64_t nin; unsigned int oin; uint64_t nout; unsigned int oout;
        domid_t din, dout; uint64_t done; uint32_t oflags; uint64_t *inl, *outl;
        long rc;
    } cases[] = {
        { "sizes differ", 2, 0, 2, 1, DOMID_SELF, DOMID_SELF, 0, 0, in, out, -XEN_EINVAL },
        { "domids differ", 2, 0, 1, 1, DOMID_SELF, DOM_A, 0, 0, in, out, -XEN_EINVAL },
        { "order too big", 1024, 0, 1, 10, DOMID_SELF, DOMID_SELF, 0, 0, in, out, -XEN_EPERM },
        { "nr_exchanged past the end", 2, 0, 1, 1, DOMID_SELF, DOMID_SELF, 3, 0, in, out,
          -XEN_EINVAL },
        { "size overflows", 1UL << 60, 5, 1UL << 63, 2, DOMID_SELF, DOMID_SELF, 0, 0, in, out,
          -XEN_EINVAL },
        { "in list bad", 2, 0, 1, 1, DOMID_SELF, DOMID_SELF, 0, 0,
          (uint64_t *)0xffff830000000000UL, out, -XEN_EFAULT },
        { "out list bad", 2, 0, 1, 1, DOMID_SELF, DOMID_SELF, 0, 0, in,
          (uint64_t *)0x0000800000000000UL, -XEN_EFAULT },
        { "huge list", 1UL << 50, 0, 1UL << 49, 1, DOMID_SELF, DOMID_SELF, 0, 0, in, out,
          -XEN_EFAULT },
        { "node 3", 2, 0, 1, 1, DOMID_SELF, DOMID_SELF, 0, XENMEMF_node(3), in, out,
          -XEN_EINVAL },
        { "another domain", 2, 0, 1, 1, DOM_B, DOM_B, 0, 0, in, out, -XEN_EPERM },
        { "no such domain", 2, 0, 1, 1, 99, 99, 0, 0, in, out, -XEN_ESRCH },
        { "in list faults", 2, 0, 1, 1, DOMID_SELF, DOMID_SELF, 0, 0, (uint64_t *)0x1000, out,
          -XEN_EFAULT },
    };
    unsigned int i;
    (void)state;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        struct xen_memory_exchange x = exch(cases[i].inl, cases[i].nin, cases[i].oin,
                                            cases[i].outl, cases[i].nout, cases[i].oout);
        long rc;
        x.in.domid = cases[i].din;
        x.out.domid = cases[i].dout;
        x.nr_exchanged = cases[i].done;
        x.out.mem_flags = cases[i].oflags;
        rc = exchange(&x);
        if (rc != cases[i].rc)
            fail_msg("exchange, %s: returned %ld, expected %ld", cases[i].what, rc,
                     cases[i].rc);
    }
    assert_int_equal(memory_exchange(0x1000), -XEN_EFAULT);
    check_baseline();
}

/* Death frees frames added after boot too (relinquish scans the frame table). */
static void test_relinquish(void **state)
{
    uint64_t list[3] = { 0 };
    unsigned int frees = fake_frees;
    (void)state;

    assert_int_equal(memop(XENMEM_increase_reservation, 0, list, 3, 0, 0, DOMID_SELF), 3);
    pg(8)->flags |= PGC_xen_heap;       /* a shared hypervisor page: not relinquished */
    da->state = DOM_DYING;
    pv_relinquish_memory(da);
    assert_int_equal(fake_frees, frees + A_LAST - A_FIRST + 1 - 1 + 3);
    assert_int_equal(pg(list[2])->flags, PGC_free | PGC_stale_free);
    assert_int_equal(pg(A_FIRST)->flags, PGC_free | PGC_stale_free);
    assert_int_equal(pg(8)->owner, DOM_A);
    assert_int_equal(pg(B_FIRST)->owner, DOM_B);
    pg(8)->flags &= ~PGC_xen_heap;
}

/* ---- COPY_PAGE / CLEAR_PAGE ---- */

static long mmuext(unsigned int cmd, uint64_t arg1, uint64_t arg2)
{
    struct mmuext_op op = { .cmd = cmd };

    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return do_mmuext_op((uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF);
}

static void test_copy_clear(void **state)
{
    unsigned char *src = (unsigned char *)tab(20), *dst = (unsigned char *)tab(21);
    unsigned int i;
    (void)state;

    for (i = 0; i < PAGE_SIZE; i++)
        src[i] = (unsigned char)(i * 7 + 1);
    memset(dst, 0xee, PAGE_SIZE);
    assert_int_equal(mmuext(MMUEXT_COPY_PAGE, 21, 20), 0);
    assert_memory_equal(src, dst, PAGE_SIZE);
    assert_int_equal(mmuext(MMUEXT_CLEAR_PAGE, 20, 0), 0);
    for (i = 0; i < PAGE_SIZE; i++)
        if (src[i])
            fail_msg("byte %u not cleared", i);
    assert_int_equal(mmuext(MMUEXT_COPY_PAGE, 21, 21), 0);     /* onto itself */
    check_baseline();
}

static void test_copy_clear_refusals(void **state)
{
    static const struct { const char *what; unsigned int cmd; uint64_t dst, src; } cases[] = {
        { "clear a pinned table", MMUEXT_CLEAR_PAGE, 5, 0 },
        { "clear a descriptor page", MMUEXT_CLEAR_PAGE, 6, 0 },
        { "clear another domain's", MMUEXT_CLEAR_PAGE, B_FIRST, 0 },
        { "clear a free frame", MMUEXT_CLEAR_PAGE, F_FREE, 0 },
        { "clear I/O", MMUEXT_CLEAR_PAGE, F_IO, 0 },
        { "clear beyond memory", MMUEXT_CLEAR_PAGE, ~0UL, 0 },
        { "copy onto a pinned table", MMUEXT_COPY_PAGE, 5, 20 },
        { "copy from another domain's", MMUEXT_COPY_PAGE, 21, B_FIRST },
        { "copy from beyond memory", MMUEXT_COPY_PAGE, 21, FAKE_NR_FRAMES },
        { "copy onto another domain's", MMUEXT_COPY_PAGE, B_FIRST, 20 },
    };
    unsigned int i;
    (void)state;

    tab(5)[0] = 0;
    mm_lock_acquire();
    assert_int_equal(pv_pin_table(da, _mfn(5), PGT_l1), 0);
    assert_int_equal(get_page_and_type(_mfn(6), da, PGT_seg_desc), 0);
    mm_lock_release();
    memset(tab(B_FIRST), 0x5a, PAGE_SIZE);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        long rc = mmuext(cases[i].cmd, cases[i].dst, cases[i].src);
        if (rc != -XEN_EINVAL)
            fail_msg("%s: returned %ld", cases[i].what, rc);
    }
    assert_int_equal(((unsigned char *)tab(B_FIRST))[100], 0x5a);
    /* a pinned table can be the source: it is only read */
    assert_int_equal(mmuext(MMUEXT_COPY_PAGE, 21, 5), 0);
    mm_lock_acquire();
    put_page_and_type(_mfn(6), da);
    pg(5)->flags &= ~PGC_pinned;
    put_page_and_type(_mfn(5), da);
    mm_lock_release();
    check_baseline();
}

/* ---- SET_LDT ---- */

#define LDT_L4 2
#define LDT_L3 3
#define LDT_L2 4
#define LDT_L1 5
#define LDT_P0 30
#define LDT_P1 31

/* A's kernel tables map va 0 -> LDT_P0 and 0x1000 -> LDT_P1 (read-only),
 * 0x2000 -> 32 writable; 0x3000 is not mapped. */
static void ldt_world(void)
{
    build_tables(LDT_L4, LDT_L3, LDT_L2, LDT_L1);
    tab(LDT_L1)[0] = pte(LDT_P0, PRO);
    tab(LDT_L1)[1] = pte(LDT_P1, PRO);
    tab(LDT_L1)[2] = pte(32, PRW);
    assert_int_equal(pv_new_guest_cr3(&fa.v[0], _mfn(LDT_L4)), 0);
}

static long set_ldt(uint64_t base, uint32_t ents)
{
    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };

    op.arg1.linear_addr = base;
    op.arg2.nr_ents = ents;
    return do_mmuext_op((uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF);
}

static void test_set_ldt(void **state)
{
    struct vcpu *v = &fa.v[0];
    unsigned int loads = fake_ldt_loads, calls = fake_seg_desc_calls;
    (void)state;

    ldt_world();
    assert_int_equal(set_ldt(0, 512), 0);          /* one page */
    assert_int_equal(v->ldt_ents, 512);
    assert_int_equal(mfn_x(v->ldt_frames[0]), LDT_P0);
    assert_true(mfn_eq(v->ldt_frames[1], INVALID_MFN));
    assert_int_equal(pg(LDT_P0)->type, PGT_seg_desc);
    assert_int_equal(pg(LDT_P0)->type_count, 1);
    assert_int_equal(fake_seg_desc_calls, calls + 1);
    assert_int_equal(fake_ldt_loads, loads + 1);
    /* two pages; the first page's reference moves over */
    assert_int_equal(set_ldt(0, 513), 0);
    assert_int_equal(mfn_x(v->ldt_frames[1]), LDT_P1);
    assert_int_equal(pg(LDT_P0)->type_count, 1);
    assert_int_equal(pg(LDT_P1)->type_count, 1);
    /* a descriptor page cannot be mapped writable meanwhile */
    mm_lock_acquire();
    assert_int_not_equal(get_page_type(pg(LDT_P1), PGT_writable, da), 0);
    mm_lock_release();
    /* none: the references go; linear_addr is ignored (Xen) */
    assert_int_equal(set_ldt(0x123, 0), 0);
    assert_int_equal(v->ldt_ents, 0);
    assert_int_equal(pg(LDT_P0)->type_count, 0);
    assert_int_equal(pg(LDT_P1)->type_count, 0);
    assert_int_equal(fake_ldt_loads, loads + 3);
    /* teardown releases them too */
    assert_int_equal(set_ldt(0, 1), 0);
    mm_lock_acquire();
    pv_ldt_put_frames(v);
    mm_lock_release();
    assert_int_equal(pg(LDT_P0)->type_count, 0);
    check_consistency();
}

static void test_set_ldt_refusals(void **state)
{
    static const struct { const char *what; uint64_t base; uint32_t ents; } cases[] = {
        { "unaligned base", 0x10, 1 },
        { "more than 8192 entries", 0, 8193 },
        { "in the hypervisor", 0xffff830000000000UL, 1 },
        { "non-canonical", 0x0000800000000000UL, 1 },
        { "runs into the hole", 0x00007ffffffff000UL, 1024 },
        { "over a writable-mapped page", 0x2000, 1 },
        { "second page writable-mapped", 0x1000, 1024 },
        { "not mapped", 0x3000, 1 },
        { "past the mapped pages", 0, 8192 },
    };
    struct vcpu *v = &fa.v[0];
    unsigned int i;
    (void)state;

    ldt_world();
    assert_int_equal(set_ldt(0, 16), 0);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        long rc = set_ldt(cases[i].base, cases[i].ents);
        if (rc != -XEN_EINVAL)
            fail_msg("SET_LDT %s: returned %ld", cases[i].what, rc);
        /* the old LDT stays */
        assert_int_equal(v->ldt_ents, 16);
        assert_int_equal(pg(LDT_P0)->type_count, 1);
    }
    assert_int_equal(pg(LDT_P1)->type_count, 0);      /* partial walk undone */
    /* a page whose descriptors do not validate */
    fake_seg_desc_rc = -XEN_EINVAL;
    assert_int_equal(set_ldt(0x1000, 1), -XEN_EINVAL);
    fake_seg_desc_rc = 0;
    assert_int_equal(set_ldt(0, 0), 0);
    check_consistency();
}


/*
 * Issue 11.3: decrease_reservation and exchange flush no TLB themselves.
 * A frame that left is stamped when freed, and its next allocation
 * flushes the CPUs that may still hold it (page_alloc.c); a call that
 * gave nothing back (no extents, unreadable arguments, a frame in use)
 * costs no flush at all.  CPU 1 is online and has never flushed, so any
 * flush would have to include it.
 */
static unsigned int flushes_seen(unsigned int ipis, unsigned int remote, unsigned int local)
{
    return (fake_flush_ipis - ipis) + (fake_remote_flushes - remote) +
           (fake_cpu.tlb_flushes - local);
}

static void test_no_flush_without_frames_leaving(void **state)
{
    uint64_t list[2] = { 0 }, in[1] = { 11 }, out[1] = { 0 };
    struct xen_memory_reservation r = { .nr_extents = 0, .domid = DOMID_SELF };
    struct xen_memory_exchange x = exch(in, 1, 0, out, 1, 0);
    unsigned int ipis = fake_flush_ipis, remote = fake_remote_flushes;
    unsigned int local = fake_cpu.tlb_flushes;
    uint32_t before;
    (void)state;

    pcpus[1].online = true;
    tlbflush_time[1] = 0;
    as(da);
    set_xen_guest_handle(r.extent_start, list);
    assert_int_equal(do_memory_op(XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 0);
    assert_int_equal(do_memory_op(XENMEM_decrease_reservation, 0x10), 0);
    assert_int_equal(do_memory_op(XENMEM_exchange, 0x10), -XEN_EFAULT);
    x.in.nr_extents = x.out.nr_extents = 0;
    assert_int_equal(do_memory_op(XENMEM_exchange, (uint64_t)(uintptr_t)&x), 0);
    list[0] = B_FIRST;                  /* not A's: refused, nothing left */
    r.nr_extents = 1;
    assert_int_equal(do_memory_op(XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 0);
    assert_int_equal(flushes_seen(ipis, remote, local), 0);
    /* frames that really leave are stamped, still without a flush now */
    before = tlbflush_now();
    list[0] = 10;
    assert_int_equal(do_memory_op(XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 1);
    x = exch(in, 1, 0, out, 1, 0);
    assert_int_equal(do_memory_op(XENMEM_exchange, (uint64_t)(uintptr_t)&x), 0);
    assert_int_equal(x.nr_exchanged, 1);
    assert_int_equal(flushes_seen(ipis, remote, local), 0);
    assert_true(pg(10)->flags & PGC_stale_free);
    assert_true(pg(11)->flags & PGC_stale_free);
    assert_true(pg(10)->tlbflush_timestamp >= before && pg(11)->tlbflush_timestamp >= before);
    pcpus[1].online = false;
    check_consistency();
}

/*
 * XENMEM_machine_memory_map: the hardware domain only; a buffer of fewer
 * than nr_map + 1 entries is -EINVAL (Xen); the host map comes back with a
 * reserved entry for each denied range inside a gap (common/iomem.c).
 * Before, a denied range (the IO-APIC page) was not reported, and a short
 * buffer got a silently truncated map.
 */
static void test_machine_memory_map(void **state)
{
    struct e820entry buf[8];
    struct xen_memory_map map;

    (void)state;
    boot_info.nr_ranges = 3;
    boot_info.ranges[0] = (struct mem_range){ 0, 0x9fc00, 1 };
    boot_info.ranges[1] = (struct mem_range){ 0x100000, 0x40000000, 1 };
    boot_info.ranges[2] = (struct mem_range){ 0xfffc0000, 0x100000000, 2 };
    iomem_reset();
    assert_int_equal(iomem_deny(0xfec00, 0xfec00), 0);
    map.buffer = (uint64_t)buf;
    map.nr_entries = 8;
    fake_cpu_info.curr = &fa.v[0];                     /* a domU */
    assert_int_equal(do_memory_op(XENMEM_machine_memory_map, (uint64_t)&map), -XEN_EPERM);
    fake_cpu_info.curr = &f0.v[0];
    map.nr_entries = 3;                                /* Xen wants nr_map + 1 */
    assert_int_equal(do_memory_op(XENMEM_machine_memory_map, (uint64_t)&map), -XEN_EINVAL);
    map.nr_entries = 8;
    assert_int_equal(do_memory_op(XENMEM_machine_memory_map, (uint64_t)&map), 0);
    assert_int_equal(map.nr_entries, 4);
    assert_int_equal(buf[1].addr, 0x100000);
    assert_int_equal(buf[2].addr, 0xfec00000);
    assert_int_equal(buf[2].size, 0x1000);
    assert_int_equal(buf[2].type, 2);
    assert_int_equal(buf[3].addr, 0xfffc0000);
    map.buffer = 0x10;                                 /* unwritable */
    assert_int_equal(do_memory_op(XENMEM_machine_memory_map, (uint64_t)&map), -XEN_EFAULT);
    iomem_reset();
    boot_info.nr_ranges = 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, memop_setup, memop_teardown)
    const struct CMUnitTest tests[] = {
        T(test_increase), T(test_increase_no_list_and_order), T(test_increase_out_of_memory),
        T(test_refusals), T(test_address_bits_and_dom0), T(test_dma_reserve_only_for_dom0),
        T(test_populate), T(test_decrease),
        T(test_decrease_refusals), T(test_continuation), T(test_continuation_by_time), T(test_relinquish), T(test_exchange),
        T(test_exchange_all_or_nothing), T(test_exchange_refusals), T(test_copy_clear),
        T(test_copy_clear_refusals), T(test_set_ldt), T(test_set_ldt_refusals),
        T(test_no_flush_without_frames_leaving), T(test_machine_memory_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
