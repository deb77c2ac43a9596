/*
 * Unit tests for the TLB-flush clock (hypervisor/common/tlbflush.c) and
 * its use by the real frame allocator (hypervisor/common/page_alloc.c):
 * a frame is stamped when freed, and allocating it again flushes exactly
 * the online CPUs that have not flushed since (Xen's tlbflush_clock,
 * NEED_FLUSH, accumulate_tlbflush and filtered_flush_tlb_mask), including
 * Xen's wrap rules.  Four fake CPUs: 0 is this one (it flushes for real,
 * counted in fake_cpu.tlb_flushes), 1-3 are counted as flush IPIs by the
 * fake flush_tlb_mask, which records their flush on the clock as their
 * IPI handler would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/tlbflush.h>

unsigned char fake_machine_mem[FAKE_NR_FRAMES * PAGE_SIZE] __aligned(4096);
uint64_t idle_l4_maddr;
static bool allocator_ready;

#define NCPUS 4

static int setup(void **state)
{
    unsigned int c;
    (void)state;

    if (!allocator_ready) {
        /* frame 0 becomes the frame table; 1..63 are free */
        page_alloc_add_range(0, FAKE_NR_FRAMES * PAGE_SIZE);
        page_alloc_enable_frame_table();
        allocator_ready = true;
    }
    fake_cpu_reset();
    tlbflush_clock = 1;
    for (c = 0; c < NR_CPUS_MAX; c++) {
        pcpus[c].online = c < NCPUS;
        pcpus[c].idle = false;
        tlbflush_time[c] = 0;
    }
    fake_flush_ipis = 0;
    fake_last_flush_mask = 0;
    return 0;
}

static int teardown(void **state)
{
    unsigned int c;
    (void)state;

    for (c = 1; c < NR_CPUS_MAX; c++)
        pcpus[c].online = false;
    return 0;
}

/* CPU c flushes now (what its CR3 write would record). */
static void cpu_flushes(unsigned int c)
{
    tlbflush_time[c] = tlbflush_tick();
}

static void test_tick_and_local_flush(void **state)
{
    unsigned int before = fake_cpu.tlb_flushes;
    (void)state;

    assert_int_equal(tlbflush_tick(), 2);
    assert_int_equal(tlbflush_now(), 2);
    flush_tlb_local();
    assert_int_equal(fake_cpu.tlb_flushes, before + 1);
    assert_int_equal(tlbflush_time[0], 3);
    write_cr3_flush(0x1000);            /* every CR3 write is a flush */
    assert_int_equal(tlbflush_time[0], 4);
    assert_int_equal(fake_cpu.cr3, 0x1000);
}

/* Xen's NEED_FLUSH, row by row. */
static void test_need_flush(void **state)
{
    (void)state;

    tlbflush_clock = 100;
    assert_true(tlbflush_needed(10, 50));       /* flushed before the use ended */
    assert_true(tlbflush_needed(50, 50));       /* same tick: order unknown */
    assert_false(tlbflush_needed(51, 50));      /* flushed after */
    assert_false(tlbflush_needed(10, 150));     /* stamp from before a wrap */
    assert_true(tlbflush_needed(100, 100));
    tlbflush_clock = 0;                         /* wrap pending: everybody */
    assert_true(tlbflush_needed(51, 50));
    assert_true(tlbflush_needed(0xffffffffu, 3));
}

static void test_free_stamps(void **state)
{
    mfn_t m = alloc_frame();
    struct page_info *pg;
    (void)state;

    assert_false(mfn_eq(m, INVALID_MFN));
    pg = mfn_to_page(m);
    assert_false(pg->flags & PGC_stale_free);
    tlbflush_clock = 77;
    free_frame(m);
    assert_int_equal(pg->flags, PGC_free | PGC_stale_free);
    assert_int_equal(pg->tlbflush_timestamp, 77);
}

/* Allocate until frame `want` comes back (first fit wraps round). */
static mfn_t alloc_until(mfn_t want)
{
    mfn_t got[FAKE_NR_FRAMES];
    unsigned int n = 0, i;

    for (;;) {
        got[n] = alloc_frame();
        assert_false(mfn_eq(got[n], INVALID_MFN));
        if (mfn_eq(got[n], want))
            break;
        n++;
    }
    for (i = 0; i < n; i++) {
        /* frames never freed before: their allocation flushed nothing */
        mfn_to_page(got[i])->flags = 0;
        mfn_to_page(got[i])->owner = OWNER_XEN;
    }
    return want;
}

static void release_all_but(mfn_t keep)
{
    uint64_t f;

    for (f = 1; f < FAKE_NR_FRAMES; f++)
        if (f != mfn_x(keep) && mfn_to_page(_mfn(f))->owner == OWNER_XEN)
            free_frame(_mfn(f));
}

/*
 * The core rule: CPU 1 flushed before the free, CPU 2 after, CPU 3 never,
 * CPU 0 (this one) before.  Reallocating the frame flushes 0, 1 and 3,
 * not 2; a CPU that is offline is never asked.
 */
static void test_alloc_filters(void **state)
{
    mfn_t m = alloc_frame();
    unsigned int local = fake_cpu.tlb_flushes;
    (void)state;

    flush_tlb_local();                  /* CPU 0 at 2 */
    cpu_flushes(1);                     /* 3 */
    pcpus[3].online = true;
    tlbflush_time[3] = 0;
    free_frame(m);                      /* stamp 3 */
    assert_int_equal(mfn_to_page(m)->tlbflush_timestamp, 3);
    cpu_flushes(2);                     /* 4 */
    local = fake_cpu.tlb_flushes;
    fake_flush_ipis = 0;
    alloc_until(m);
    assert_int_equal(fake_last_flush_mask, (1u << 0) | (1u << 1) | (1u << 3));
    assert_int_equal(fake_flush_ipis, 2);
    assert_int_equal(fake_cpu.tlb_flushes, local + 1);
    /* allocated, the frame carries no mark; freeing it again stamps it */
    assert_false(mfn_to_page(m)->flags & PGC_stale_free);
    release_all_but(m);
    free_frame(m);
    /* everyone flushes after this free: the next allocation flushes nobody */
    flush_tlb_local();
    cpu_flushes(1);
    cpu_flushes(2);
    cpu_flushes(3);
    fake_flush_ipis = 0;
    fake_last_flush_mask = 0;
    local = fake_cpu.tlb_flushes;
    alloc_until(m);
    assert_int_equal(fake_flush_ipis, 0);
    assert_int_equal(fake_cpu.tlb_flushes, local);
    release_all_but(m);
    free_frame(m);
}

/* A CPU in the idle loop has only the idle L4 loaded: never flushed. */
static void test_idle_cpu_left_out(void **state)
{
    (void)state;

    tlbflush_clock = 10;
    assert_int_equal(tlbflush_cpus_since(5), 0xf);
    pcpus[2].idle = true;
    assert_int_equal(tlbflush_cpus_since(5), 0xb);
    pcpus[2].idle = false;
}

/* A run of frames takes the latest stamp of its members (accumulate). */
static void test_accumulate(void **state)
{
    struct page_info a = { .flags = PGC_free | PGC_stale_free, .tlbflush_timestamp = 5 };
    struct page_info b = { .flags = PGC_free | PGC_stale_free, .tlbflush_timestamp = 9 };
    struct page_info never = { .flags = PGC_free, .tlbflush_timestamp = 50 };
    struct page_info future = { .flags = PGC_free | PGC_stale_free, .tlbflush_timestamp = 60 };
    uint32_t stamp = 0;
    bool need = false;
    (void)state;

    tlbflush_clock = 20;
    tlbflush_accumulate(&need, &stamp, &never);
    assert_false(need);
    tlbflush_accumulate(&need, &stamp, &future);    /* before a wrap: ignored */
    assert_false(need);
    tlbflush_accumulate(&need, &stamp, &b);
    tlbflush_accumulate(&need, &stamp, &a);
    assert_true(need);
    assert_int_equal(stamp, 9);
    tlbflush_clock = 0;                 /* wrap pending: every stamp counts */
    need = false;
    tlbflush_accumulate(&need, &stamp, &future);
    assert_true(need);
    assert_int_equal(stamp, 60);
}

/*
 * The wrap, as Xen's: the tick that would wrap leaves the clock at 0 and
 * ticks stop; meanwhile every CPU needs a flush; the next lock holder
 * flushes every CPU and restarts the clock at 1.  A frame stamped before
 * the wrap then needs nothing, one stamped after finds the CPUs that did
 * not flush since.
 */
static void test_wrap(void **state)
{
    mfn_t m;
    (void)state;

    tlbflush_clock = 0xfffffffeu;
    assert_int_equal(tlbflush_tick(), 0xffffffffu);
    assert_int_equal(tlbflush_tick(), 0);          /* wrapped: pending */
    assert_int_equal(tlbflush_now(), 0);
    assert_int_equal(tlbflush_tick(), 0);          /* no tick while pending */
    assert_int_equal(tlbflush_cpus_since(12345), 0xf);
    fake_flush_ipis = 0;
    tlbflush_check_period();
    assert_int_equal(fake_last_flush_mask, 0xf);
    assert_int_equal(fake_flush_ipis, 3);
    assert_int_equal(tlbflush_now(), 1);
    assert_int_equal(tlbflush_time[0], 0);         /* flushed while pending */
    tlbflush_check_period();                       /* nothing pending: no-op */
    assert_int_equal(fake_flush_ipis, 3);
    /* stamped before the wrap (ahead of the clock): no flush needed */
    assert_int_equal(tlbflush_cpus_since(0xfffffff0u), 0);
    /* stamped after: CPUs that have not flushed since the restart */
    cpu_flushes(2);                                /* 2 */
    m = alloc_frame();
    free_frame(m);                                 /* stamp 2 */
    cpu_flushes(1);                                /* 3 */
    assert_int_equal(tlbflush_cpus_since(mfn_to_page(m)->tlbflush_timestamp),
                     (1u << 0) | (1u << 2) | (1u << 3));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_tick_and_local_flush), T(test_need_flush), T(test_free_stamps),
        T(test_alloc_filters), T(test_idle_cpu_left_out), T(test_accumulate), T(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
