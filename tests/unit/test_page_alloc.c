/*
 * Unit tests for the real frame allocator (hypervisor/common/page_alloc.c)
 * on 8192 fake frames (32 MiB): the boot allocator hands over to the heap
 * in page_alloc_enable_frame_table(), then
 *  - the cost of an allocation does not grow with memory or fragmentation
 *    (page_alloc_visits counts the allocator's work);
 *  - guest allocations keep off the DMA zone while memory above it
 *    remains, and never take its last DMA_POOL frames, whatever their
 *    address limit, unless they are dom0's device requests (MEMF_dma_ok);
 *  - every frame handed out is zeroed, whatever it held when freed;
 *  - buddy correctness: alignment, exhaustion, merging back to whole
 *    blocks, no frame handed out twice, and a random sequence of
 *    allocations and frees checked against a model.
 * The DMA boundary is set to 2^24 bytes (frame 4096), so that half the
 * fake memory is above it; on a real machine it is at most 4 GiB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/tlbflush.h>

#define NFRAMES FAKE_NR_FRAMES
#define DMA_BITS 24
#define DMA_LIMIT (1u << (DMA_BITS - PAGE_SHIFT))   /* frame 4096 */
#define DMA_POOL 256u
/* What one allocation may cost, whatever the memory size: a probe per
 * zone, a split or merge per order (Xen's buddy allocator). */
#define MAX_VISITS 64u

unsigned char fake_machine_mem[NFRAMES * PAGE_SIZE] __aligned(4096);
uint64_t idle_l4_maddr;
static bool allocator_ready;
static uint64_t free0;                   /* free frames after boot */
static bool initially_free[NFRAMES];

static int setup(void **state)
{
    unsigned int c, f;
    (void)state;

    if (!allocator_ready) {
        page_alloc_set_dma(DMA_BITS, DMA_POOL);
        page_alloc_add_range(0, (uint64_t)NFRAMES * PAGE_SIZE);
        page_alloc_enable_frame_table();
        free0 = free_frame_count();
        for (f = 0; f < NFRAMES; f++)
            initially_free[f] = frame_table[f].flags & PGC_free;
        allocator_ready = true;
    }
    fake_cpu_reset();
    tlbflush_clock = 1;
    for (c = 0; c < NR_CPUS_MAX; c++) {
        pcpus[c].online = c < 2;
        pcpus[c].idle = false;
        tlbflush_time[c] = 0;
    }
    fake_flush_ipis = 0;
    fake_last_flush_mask = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* every test gives back what it took */
    assert_int_equal(free_frame_count(), free0);
    return 0;
}

static void free_extent(mfn_t m, unsigned int order)
{
    uint64_t i;

    for (i = 0; i < (1UL << order); i++)
        free_frame(_mfn(mfn_x(m) + i));
}

/* Every free frame, one by one (hypervisor allocations: any zone). */
static unsigned int take_all(mfn_t *got)
{
    unsigned int n = 0;

    while (n < NFRAMES && !mfn_eq(got[n] = alloc_frame(), INVALID_MFN))
        n++;
    assert_int_equal(free_frame_count(), 0);
    return n;
}

/*
 * The old first-fit scan rescanned from frame 0 for a low address limit
 * and made a full second pass on failure: with memory below the limit
 * fragmented (every other frame free), a 2-frame extent below frame 4096
 * cost thousands of frame visits, found or not.
 */
static void test_low_bits_after_fragmentation(void **state)
{
    static mfn_t got[NFRAMES];
    unsigned int n = take_all(got), i;
    mfn_t m;
    (void)state;

    for (i = 0; i < n; i++)
        if (mfn_x(got[i]) & 1)
            free_frame(got[i]);
    free_frame(_mfn(DMA_LIMIT - 2));    /* the one free aligned pair below the limit */
    page_alloc_visits = 0;
    m = alloc_domheap_frames(1, MEMF_bits(DMA_BITS));
    assert_int_equal(mfn_x(m), DMA_LIMIT - 2);
    print_message("found below frame %u after %lu visits\n", DMA_LIMIT, page_alloc_visits);
    if (page_alloc_visits > MAX_VISITS)
        fail_msg("found after %lu visits", page_alloc_visits);
    page_alloc_visits = 0;
    assert_true(mfn_eq(alloc_domheap_frames(1, MEMF_bits(DMA_BITS)), INVALID_MFN));
    if (page_alloc_visits > MAX_VISITS)
        fail_msg("failed after %lu visits", page_alloc_visits);
    /* the same with nothing free at all below the limit */
    page_alloc_visits = 0;
    assert_true(mfn_eq(alloc_domheap_frames(0, MEMF_bits(PAGE_SHIFT + 6)), INVALID_MFN));
    if (page_alloc_visits > MAX_VISITS)
        fail_msg("failed after %lu visits", page_alloc_visits);
    free_extent(m, 1);
    for (i = 0; i < n; i++)
        if (!(mfn_x(got[i]) & 1) && mfn_x(got[i]) != DMA_LIMIT - 2)
            free_frame(got[i]);
}

/*
 * A domU's memory comes from above the DMA boundary while any is left
 * there; then from below it, but never the last DMA_POOL frames, even
 * with an address limit: dom0's 32-bit-restricted device request (its
 * swiotlb's XENMEM_exchange) still finds them, contiguous.
 */
static void test_dma_reserve(void **state)
{
    static mfn_t got[NFRAMES];
    unsigned int n = 0, above = 0, i;
    mfn_t dma, dma32;
    (void)state;

    for (i = DMA_LIMIT; i < NFRAMES; i++)
        above += initially_free[i];
    while (n < NFRAMES && !mfn_eq(got[n] = alloc_domheap_frames(0, 0), INVALID_MFN)) {
        if (n < above && mfn_x(got[n]) < DMA_LIMIT)
            fail_msg("allocation %u took frame %lx below the DMA boundary; %u frames above it "
                     "were free", n, mfn_x(got[n]), above - n);
        n++;
    }
    if (free_frame_count() < DMA_POOL)
        fail_msg("unrestricted allocations left %lu frames of the %u-frame DMA reserve",
                 free_frame_count(), DMA_POOL);
    /* they may use the DMA zone above the reserve */
    assert_int_equal(free_frame_count(), DMA_POOL);
    assert_int_equal(domheap_free_count(), 0);
    assert_true(mfn_eq(alloc_domheap_frames(0, MEMF_no_dma), INVALID_MFN));
    assert_true(mfn_eq(alloc_domheap_frames(0, MEMF_bits(DMA_BITS)), INVALID_MFN));
    assert_true(mfn_eq(alloc_domheap_frames(0, MEMF_bits(32)), INVALID_MFN));
    dma = alloc_domheap_frames(4, MEMF_bits(DMA_BITS) | MEMF_dma_ok);
    assert_false(mfn_eq(dma, INVALID_MFN));
    assert_true(mfn_x(dma) + 16 <= DMA_LIMIT && !(mfn_x(dma) & 15));
    dma32 = alloc_domheap_frames(0, MEMF_bits(32) | MEMF_dma_ok);
    assert_false(mfn_eq(dma32, INVALID_MFN));
    free_extent(dma, 4);
    free_frame(dma32);
    for (i = 0; i < n; i++)
        free_frame(got[i]);
    /* MEMF_no_dma: only above the boundary */
    n = 0;
    while (n < NFRAMES && !mfn_eq(got[n] = alloc_domheap_frames(0, MEMF_no_dma), INVALID_MFN))
        assert_true(mfn_x(got[n++]) >= DMA_LIMIT);
    assert_int_equal(n, above);
    for (i = 0; i < n; i++)
        free_frame(got[i]);
}

/* Exhaust each order: aligned extents, none handed out twice. */
static void test_exhaust_each_order(void **state)
{
    static mfn_t got[NFRAMES];
    static bool owned[NFRAMES];
    unsigned int order, n, i;
    uint64_t j;
    (void)state;

    for (order = 0; order <= 6; order++) {
        memset(owned, 0, sizeof(owned));
        n = 0;
        while (!mfn_eq(got[n] = alloc_domheap_frames(order, MEMF_bits(32)), INVALID_MFN)) {
            assert_int_equal(mfn_x(got[n]) & ((1UL << order) - 1), 0);
            for (j = 0; j < (1UL << order); j++) {
                uint64_t f = mfn_x(got[n]) + j;
                assert_true(f < NFRAMES && initially_free[f] && !owned[f]);
                owned[f] = true;
            }
            n++;
        }
        assert_int_equal(free_frame_count(), free0 - ((uint64_t)n << order));
        for (i = 0; i < n; i++)
            free_extent(got[i], order);
    }
}

/* Frames freed one by one, in any order, merge back into whole blocks:
 * the upper half of memory is one 4096-frame extent again. */
static void test_merge(void **state)
{
    static mfn_t got[NFRAMES];
    unsigned int n = take_all(got), i;
    mfn_t m;
    (void)state;

    srand(7);
    for (i = n; i > 1; i--) {           /* shuffle */
        unsigned int k = (unsigned int)rand() % i;
        mfn_t t = got[i - 1];
        got[i - 1] = got[k];
        got[k] = t;
    }
    for (i = 0; i < n; i++)
        free_frame(got[i]);
    m = alloc_domheap_frames(12, 0);
    assert_int_equal(mfn_x(m), DMA_LIMIT);
    free_extent(m, 12);
    /* a frame freed twice is refused, the heap unchanged */
    m = alloc_frame();
    free_frame(m);
    free_frame(m);
    assert_int_equal(free_frame_count(), free0);
    m = alloc_domheap_frames(12, 0);
    assert_int_equal(mfn_x(m), DMA_LIMIT);
    free_extent(m, 12);
}

/* A multi-frame extent flushes the CPUs that may hold any of its frames. */
static void test_extent_flush(void **state)
{
    mfn_t m = alloc_domheap_frames(2, 0);
    (void)state;

    assert_false(mfn_eq(m, INVALID_MFN));
    tlbflush_time[1] = tlbflush_tick();    /* CPU 1 flushed at 2 */
    tlbflush_clock = 10;
    free_frame(_mfn(mfn_x(m) + 3));        /* stamped 10: CPU 1 may hold it */
    free_frame(_mfn(mfn_x(m)));
    free_frame(_mfn(mfn_x(m) + 1));
    free_frame(_mfn(mfn_x(m) + 2));
    fake_flush_ipis = 0;
    assert_int_equal(mfn_x(alloc_domheap_frames(2, 0)), mfn_x(m));   /* the same block */
    assert_int_equal(fake_flush_ipis, 1);
    assert_true(fake_last_flush_mask & 2);
    assert_false(mfn_to_page(_mfn(mfn_x(m) + 3))->flags & (PGC_free | PGC_stale_free));
    free_extent(m, 2);
}

/* A block handed out again is zero in every byte of every frame, what
 * it held when freed notwithstanding (and the frames around it untouched). */
static void test_zeroed(void **state)
{
    mfn_t m = alloc_domheap_frames(2, 0), n;
    uint8_t *v;
    (void)state;

    assert_false(mfn_eq(m, INVALID_MFN));
    for (unsigned int i = 0; i < 4; i++) {
        v = mfn_to_virt(_mfn(mfn_x(m) + i));
        for (unsigned int b = 0; b < PAGE_SIZE; b++)
            v[b] = (uint8_t)(0xa5 ^ b ^ i);
    }
    free_extent(m, 2);
    n = alloc_domheap_frames(2, 0);
    assert_int_equal(mfn_x(n), mfn_x(m));              /* the same block */
    for (unsigned int i = 0; i < 4; i++) {
        v = mfn_to_virt(_mfn(mfn_x(n) + i));
        for (unsigned int b = 0; b < PAGE_SIZE; b++)
            assert_int_equal(v[b], 0);
    }
    /* a single frame, last byte and first byte */
    v = mfn_to_virt(n);
    v[0] = 1;
    v[PAGE_SIZE - 1] = 2;
    free_extent(n, 2);
    m = alloc_domheap_frames(0, 0);
    assert_false(mfn_eq(m, INVALID_MFN));
    v = mfn_to_virt(m);
    for (unsigned int b = 0; b < PAGE_SIZE; b++)
        assert_int_equal(v[b], 0);
    free_frame(m);
}

/*
 * Random allocations and frees against a model: every extent aligned,
 * within its limit, made of frames that were free; the free count exact;
 * no request but MEMF_dma_ok leaves fewer than DMA_POOL frames free below
 * the boundary; an order-0 request fails only when nothing it may use is
 * free.  Extents are freed frame by frame in a random order.
 */
struct extent { mfn_t m; unsigned int order; };

static unsigned int model_free(const bool *owned, unsigned int lo, unsigned int hi)
{
    unsigned int f, n = 0;

    for (f = lo; f < hi; f++)
        n += initially_free[f] && !owned[f];
    return n;
}

static void check_alloc(const bool *owned, mfn_t m, unsigned int order, unsigned int flags)
{
    unsigned int bits = flags >> _MEMF_bits;
    uint64_t limit = bits ? 1UL << (bits - PAGE_SHIFT) : NFRAMES, j;

    if (mfn_eq(m, INVALID_MFN)) {
        uint64_t top = MIN(limit, (uint64_t)NFRAMES);
        if (order)
            return;                     /* fragmentation may refuse it */
        if (flags & MEMF_dma_ok)
            assert_int_equal(model_free(owned, 0, top), 0);
        else if (!(flags & MEMF_no_dma))
            assert_true(model_free(owned, DMA_LIMIT, MAX(top, (uint64_t)DMA_LIMIT)) == 0 &&
                        (model_free(owned, 0, DMA_LIMIT) <= DMA_POOL ||
                         model_free(owned, 0, MIN(top, (uint64_t)DMA_LIMIT)) == 0));
        else
            assert_int_equal(model_free(owned, DMA_LIMIT, MAX(top, (uint64_t)DMA_LIMIT)), 0);
        return;
    }
    assert_int_equal(mfn_x(m) & ((1UL << order) - 1), 0);
    assert_true(mfn_x(m) + (1UL << order) <= limit);
    for (j = 0; j < (1UL << order); j++)
        assert_true(initially_free[mfn_x(m) + j] && !owned[mfn_x(m) + j]);
    if (flags & MEMF_no_dma)
        assert_true(mfn_x(m) >= DMA_LIMIT);
}

static void test_random_against_model(void **state)
{
    static struct extent ext[NFRAMES];
    static bool owned[NFRAMES];
    static const unsigned int flags[] = {
        0, 0, MEMF_bits(DMA_BITS), MEMF_bits(20) | MEMF_dma_ok, MEMF_bits(32) | MEMF_dma_ok,
        MEMF_bits(32), MEMF_no_dma, MEMF_bits(40), MEMF_bits(DMA_BITS) | MEMF_dma_ok };
    unsigned int n = 0, step, i;
    uint64_t nowned = 0, j;
    (void)state;

    memset(owned, 0, sizeof(owned));
    srand(12345);
    for (step = 0; step < 20000; step++) {
        if (n && (rand() % 100) < 45) {
            unsigned int k = (unsigned int)rand() % n;
            unsigned int len = 1u << ext[k].order, start = (unsigned int)rand() % len;
            for (j = 0; j < len; j++) {     /* frame by frame, rotated */
                uint64_t f = mfn_x(ext[k].m) + (start + j) % len;
                owned[f] = false;
                free_frame(_mfn(f));
            }
            nowned -= len;
            ext[k] = ext[--n];
        } else {
            unsigned int order = (unsigned int)rand() % 6;
            unsigned int fl = flags[(unsigned int)rand() % ARRAY_SIZE(flags)];
            bool below_pool;
            mfn_t m = alloc_domheap_frames(order, fl);
            check_alloc(owned, m, order, fl);
            if (mfn_eq(m, INVALID_MFN))
                continue;
            for (j = 0; j < (1UL << order); j++)
                owned[mfn_x(m) + j] = true;
            nowned += 1UL << order;
            ext[n++] = (struct extent){ m, order };
            below_pool = model_free(owned, 0, DMA_LIMIT) < DMA_POOL;
            if (!(fl & MEMF_dma_ok) && mfn_x(m) < DMA_LIMIT && below_pool)
                fail_msg("step %u: an unrestricted order-%u extent at %lx ate into the DMA "
                         "reserve", step, order, mfn_x(m));
        }
        if (free_frame_count() != free0 - nowned)
            fail_msg("step %u: %lu free, the model says %lu", step, free_frame_count(),
                     free0 - nowned);
    }
    for (i = 0; i < n; i++)
        free_extent(ext[i].m, ext[i].order);
    /* all merged back: the whole upper half in one extent */
    ext[0].m = alloc_domheap_frames(12, 0);
    assert_int_equal(mfn_x(ext[0].m), DMA_LIMIT);
    free_extent(ext[0].m, 12);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_low_bits_after_fragmentation), T(test_dma_reserve), T(test_exhaust_each_order),
        T(test_merge), T(test_extent_flush), T(test_zeroed), T(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
