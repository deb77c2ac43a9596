/*
 * The TLB-flush clock (keel/tlbflush.h), after Xen's
 * xen/arch/x86/flushtlb.c (pre_flush, post_flush, new_tlbflush_clock_period)
 * and asm/flushtlb.h (NEED_FLUSH, tlbflush_filter), and
 * xen/include/xen/tlb-clock.h (accumulate_tlbflush,
 * filtered_flush_tlb_mask).
 */
#include <keel/tlbflush.h>
#include <keel/stats.h>

uint32_t tlbflush_clock = 1;
uint32_t tlbflush_time[NR_CPUS_MAX];

uint32_t tlbflush_tick(void)
{
    uint32_t t = __atomic_load_n(&tlbflush_clock, __ATOMIC_SEQ_CST), nt;

    do {
        if (t == 0)
            return 0;           /* a wrap is pending: no tick */
        nt = t + 1;             /* 0 on a wrap: the next lock holder restarts it */
    } while (!__atomic_compare_exchange_n(&tlbflush_clock, &t, nt, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return nt;
}

/*
 * While a wrap is pending (the clock reads 0) every CPU needs a flush.
 * Otherwise a CPU needs one if it last flushed no later than the use
 * ended (cpu_stamp <= lastuse) - unless lastuse is ahead of the clock,
 * i.e. from before a wrap, after which every CPU was flushed.
 */
bool tlbflush_needed(uint32_t cpu_stamp, uint32_t lastuse)
{
    uint32_t now = tlbflush_now();

    return now == 0 || (cpu_stamp <= lastuse && lastuse <= now);
}

/*
 * A CPU in the idle loop (pcpus[c].idle, set under the hypervisor lock
 * only after the idle L4 was loaded, and cleared before a guest's L4 is)
 * holds no guest translation at all: the idle L4 maps only the
 * hypervisor.  It is left out; Keel's idle loop, unlike Xen's lazy
 * switch, never keeps a guest's tables loaded.
 */
uint64_t tlbflush_cpus_since(uint32_t lastuse)
{
    uint64_t mask = 0;
    unsigned int c;

    for (c = 0; c < NR_CPUS_MAX; c++)
        if (pcpus[c].online && !pcpus[c].idle &&
            tlbflush_needed(__atomic_load_n(&tlbflush_time[c], __ATOMIC_SEQ_CST), lastuse))
            mask |= 1UL << c;
    return mask;
}

void flush_tlb_since(uint32_t lastuse)
{
    uint64_t t0 = stats_clock();

    tlbflush_check_period();
    flush_tlb_mask(tlbflush_cpus_since(lastuse));
    stats_timed(STATS_STALE_FLUSH, t0);
}

/* Xen's new_tlbflush_clock_period: every CPU flushes while the clock
 * reads 0 (recording 0), then the clock restarts at 1, so that a stamp
 * taken after the restart is later than every CPU's flush time, and a
 * stamp taken while it read 0 still finds those CPUs. */
void tlbflush_check_period(void)
{
    uint64_t all = 0;
    unsigned int c;

    if (tlbflush_now() != 0)
        return;
    for (c = 0; c < NR_CPUS_MAX; c++)
        if (pcpus[c].online)
            all |= 1UL << c;
    flush_tlb_mask(all | (1UL << smp_processor_id()));
    __atomic_store_n(&tlbflush_clock, 1, __ATOMIC_SEQ_CST);
}

/* A stamp ahead of the clock predates a wrap and needs nothing; while a
 * wrap is pending every stamp counts (Xen skips those; flushing is safe). */
void tlbflush_accumulate(bool *need, uint32_t *stamp, const struct page_info *pg)
{
    uint32_t now = tlbflush_now();

    if (!(pg->flags & PGC_stale_free) || (now != 0 && pg->tlbflush_timestamp > now))
        return;
    if (!*need || pg->tlbflush_timestamp > *stamp) {
        *need = true;
        *stamp = pg->tlbflush_timestamp;
    }
}
