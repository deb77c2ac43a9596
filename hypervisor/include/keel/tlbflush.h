/*
 * The TLB-flush clock, after Xen's (xen/arch/x86/flushtlb.c and
 * asm/flushtlb.h): a global 32-bit counter that ticks on every TLB flush
 * of any CPU, the time of each CPU's last flush, and a stamp on every
 * frame whose use ended (its last writable or page-table type reference
 * went, or it was freed).  A TLB can still hold a translation of a frame
 * only if its CPU has not flushed since the frame's stamp, so
 *
 *  - before a frame takes a type its old use forbids (pv_mm.c
 *    flush_stale) and before a freed frame is handed out again
 *    (page_alloc.c), exactly those CPUs are flushed: all CPUs that may
 *    hold the frame, whatever domain they run, and no others;
 *  - every CR3 write counts as a flush: Keel sets neither CR4.PGE nor
 *    PCIDs, so a CR3 write drops every translation a guest could use
 *    (the kernel/user L4 switch of a PV system call, every context
 *    switch).  A CPU that switched away from a domain therefore holds
 *    none of its entries any more, and under PV nearly every CPU has
 *    flushed since any given stamp (Xen's own argument for the filter).
 *
 * Wrap (Xen's scheme): when the clock would wrap to 0 it stops at 0;
 * while it is 0 every CPU counts as needing a flush, and the next holder
 * of the hypervisor lock (tlbflush_check_period) flushes every CPU and
 * restarts the clock at 1.  A stamp later than the clock is from before
 * a wrap: everything was flushed since.
 *
 * Locking: the clock is updated with atomic operations (CPUs flush while
 * serving a shootdown without the hypervisor lock); tlbflush_time[c] is
 * written only by CPU c; frame stamps are written under mm_lock or with
 * the frame free.  flush_tlb_since and tlbflush_check_period need the
 * hypervisor lock (they may send IPIs and wait).
 */
#ifndef KEEL_TLBFLUSH_H
#define KEEL_TLBFLUSH_H
#include <keel/types.h>
#include <keel/smp.h>
#include <keel/mm.h>
#include <asm/processor.h>

extern uint32_t tlbflush_clock;
extern uint32_t tlbflush_time[NR_CPUS_MAX];

static inline uint32_t tlbflush_now(void)
{
    return __atomic_load_n(&tlbflush_clock, __ATOMIC_SEQ_CST);
}

/* Tick before a flush; returns the time to record after it (0 while a
 * wrap is pending). */
uint32_t tlbflush_tick(void);

static inline void tlbflush_done(uint32_t t)
{
    __atomic_store_n(&tlbflush_time[smp_processor_id()], t, __ATOMIC_SEQ_CST);
}

/* Every CR3 write goes through here (it flushes the whole TLB). */
static inline void write_cr3_flush(uint64_t cr3)
{
    uint32_t t = tlbflush_tick();

    write_cr3(cr3);
    tlbflush_done(t);
}

static inline void flush_tlb_local(void)
{
    write_cr3_flush(read_cr3());
}

/* Xen's NEED_FLUSH: may a CPU that last flushed at cpu_stamp still hold a
 * translation whose use ended at lastuse? */
bool tlbflush_needed(uint32_t cpu_stamp, uint32_t lastuse);
/* The online CPUs that may still hold a translation whose use ended at
 * lastuse (this CPU included). */
uint64_t tlbflush_cpus_since(uint32_t lastuse);
/* Flush exactly those CPUs and wait.  Hypervisor lock held. */
void flush_tlb_since(uint32_t lastuse);
/* If the clock wrapped: flush every CPU and restart it.  Lock held. */
void tlbflush_check_period(void);

/* A frame's use ended now (mm_lock held, or the frame is being freed). */
static inline void page_stamp_tlb(struct page_info *pg)
{
    pg->tlbflush_timestamp = tlbflush_now();
}
/* Xen's accumulate_tlbflush: fold a freed frame's stamp into (*need,
 * *stamp), keeping the latest stamp that still matters. */
void tlbflush_accumulate(bool *need, uint32_t *stamp, const struct page_info *pg);

#endif
