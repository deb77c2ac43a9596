/*
 * Debug counters, off unless Keel's command line has the word "stats":
 * hypervisor entries by kind (hypercall number, a system call bounced from
 * guest user mode, exception vector, interrupt) with the TSC cycles spent
 * in the hypervisor per kind (idle halts left out), multicall entries by
 * hypercall number, and a few events (guest CR3 loads, bounce frames,
 * ptwr emulations), and entries and cycles per domain.  Dumped on the console (cumulative)
 * whenever a domain shuts down.
 * For finding where time goes (docs/benchmarks.md), not for production.
 *
 * Every hook runs under the hypervisor lock (hv_lock .. hv_unlock), which
 * serialises the counter updates; the per-CPU entry stamps are touched
 * only by their own CPU.  In host unit tests (KEEL_HOST_TEST) the hooks
 * compile to nothing.
 */
#ifndef KEEL_STATS_H
#define KEEL_STATS_H

#include <stdbool.h>
#include <stdint.h>

enum stats_event {
    STATS_CR3_LOAD,         /* vcpu_load_cr3: kernel/user L4 switches included */
    STATS_BOUNCE,           /* bounce frames written (exceptions, syscalls, upcalls) */
    STATS_UPCALL,           /* event upcalls */
    STATS_PTWR,             /* #PF handled by writable-pagetable emulation */
    STATS_STALE_FLUSH,      /* filtered TLB flushes before a frame changes type or is reused (flush_tlb_since) */
    STATS_FLUSH_IPI,        /* TLB-flush IPIs sent, one per target CPU */
    STATS_SYSRET,           /* returns to a guest by sysretq (the others are by iretq) */
    STATS_NR_EVENTS
};

#ifdef KEEL_HOST_TEST
static inline bool stats_active(void) { return false; }
static inline void stats_init(const char *cmdline) { (void)cmdline; }
static inline void stats_enter_syscall(bool kernel, uint64_t nr) { (void)kernel; (void)nr; }
static inline void stats_enter_trap(unsigned int vector) { (void)vector; }
static inline void stats_multicall_entry(uint64_t nr) { (void)nr; }
static inline void stats_exit(void) { }
static inline void stats_idle(bool start) { (void)start; }
static inline void stats_event(enum stats_event e) { (void)e; }
static inline uint64_t stats_clock(void) { return 0; }
static inline void stats_timed(enum stats_event e, uint64_t t0) { (void)e; (void)t0; }
static inline void stats_dump(void) { }
static inline void stats_lock_hold(uint64_t cycles) { (void)cycles; }
#else
extern bool stats_on;
static inline bool stats_active(void) { return __builtin_expect(stats_on, 0); }
/* Reads "stats" from Keel's command line; call once at boot. */
void stats_init(const char *cmdline);
/* A `syscall` from the guest: a hypercall NR from its kernel, else a system call. */
void stats_enter_syscall_slow(bool kernel, uint64_t nr);
static inline void stats_enter_syscall(bool kernel, uint64_t nr)
{
    if (stats_on)
        stats_enter_syscall_slow(kernel, nr);
}
/* An exception (vector < 32) or interrupt taken while the guest ran. */
void stats_enter_trap(unsigned int vector);
/* One entry of a multicall (counted, its time is the multicall's). */
void stats_multicall_entry_slow(uint64_t nr);
static inline void stats_multicall_entry(uint64_t nr)
{
    if (stats_on)
        stats_multicall_entry_slow(nr);
}
/* Leaving for the guest: charges the cycles since the entry to its kind. */
void stats_exit_slow(void);
static inline void stats_exit(void)
{
    if (stats_on)
        stats_exit_slow();
}
/* Around an idle halt: that time is charged to no kind. */
void stats_idle(bool start);
void stats_event_slow(enum stats_event e);
static inline void stats_event(enum stats_event e)
{
    if (stats_on)
        stats_event_slow(e);
}
/* stats_clock() before a timed event (a CR3 load, a flush), stats_timed(e,
 * its value) after: counts the event and charges it the cycles between.
 * stats_on is tested inline: a guest's user/kernel switch loads CR3 twice
 * per system call (issue 16, the hot path). */
uint64_t stats_clock_slow(void);
void stats_timed_slow(enum stats_event e, uint64_t t0);
static inline uint64_t stats_clock(void)
{
    return __builtin_expect(stats_on, 0) ? stats_clock_slow() : 0;
}
static inline void stats_timed(enum stats_event e, uint64_t t0)
{
    if (__builtin_expect(stats_on, 0))
        stats_timed_slow(e, t0);
}
/* hv_unlock: the hypervisor lock was held for `cycles` (TSC); the longest
 * hold (with the kind of the entry it served) and a histogram are kept. */
void stats_lock_hold(uint64_t cycles);
/* Prints the counters so far (with the hypervisor lock held). */
void stats_dump(void);
#endif

#endif
