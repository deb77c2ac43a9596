/*
 * Debug counters (include/keel/stats.h): entries into the hypervisor by
 * kind with the cycles spent per kind, multicall entries, a few events.
 * Off by default; "stats" on Keel's command line turns them on and makes
 * every domain shutdown print them (cumulative).
 *
 * Locking: every hook runs with the hypervisor lock held, so the shared
 * counters need no atomics; entry_tsc/entry_kind/idle_tsc are per CPU.
 * A kind's cycles run from the C entry point (do_syscall, do_trap) to the
 * end of prepare_return_to_guest: the assembly stubs, the `syscall`/`iretq`
 * themselves and the guest's TLB refills after a CR3 load are not in them.
 */
#include <keel/stats.h>
#include <keel/debugreg.h>
#include <keel/bootinfo.h>
#include <keel/console.h>
#include <keel/hypercall.h>
#include <keel/lib.h>
#include <keel/smp.h>
#include <keel/domain.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <asm/processor.h>

/* Kinds: hypercalls 0..63, then a user system call, 32 exceptions, interrupts. */
#define KIND_SYSCALL   NR_HYPERCALLS
#define KIND_TRAP(v)   (NR_HYPERCALLS + 1 + (v))
#define KIND_IRQ       (NR_HYPERCALLS + 33)
#define NR_KINDS       (NR_HYPERCALLS + 34)
#define KIND_NONE      (~0u)
#define STATS_DOMAINS  16           /* per-domain totals for domain ids below this */

bool stats_on;
static uint64_t kind_count[NR_KINDS], kind_cycles[NR_KINDS];
static uint64_t multicall_count[NR_HYPERCALLS];
static uint64_t event_count[STATS_NR_EVENTS], event_cycles[STATS_NR_EVENTS];
static uint64_t entry_tsc[NR_CPUS_MAX], idle_tsc[NR_CPUS_MAX];
static unsigned int entry_kind[NR_CPUS_MAX], entry_dom[NR_CPUS_MAX];
static uint64_t dom_count[STATS_DOMAINS], dom_cycles[STATS_DOMAINS];
static uint64_t start_tsc;
/* Hypervisor lock holds: the longest, the kind of entry it served, and
 * how many passed 100 us, 1 ms and 10 ms.  A CPU's first hold (the boot
 * CPU's spans the whole boot) and a hold that printed this dump are not
 * counted. */
static uint64_t hold_max, hold_over[3];
static unsigned int hold_max_kind = KIND_NONE, hold_max_dom = STATS_DOMAINS;
static unsigned int last_kind[NR_CPUS_MAX];
static bool hold_seen[NR_CPUS_MAX];

static const char *const hypercall_names[NR_HYPERCALLS] = {
    [0] = "set_trap_table", [1] = "mmu_update", [2] = "set_gdt", [3] = "stack_switch",
    [4] = "set_callbacks", [5] = "fpu_taskswitch", [10] = "update_descriptor",
    [12] = "memory_op", [13] = "multicall", [14] = "update_va_mapping",
    [15] = "set_timer_op", [17] = "xen_version", [18] = "console_io",
    [20] = "grant_table_op", [21] = "vm_assist", [22] = "update_va_mapping_otherdomain",
    [23] = "iret", [24] = "vcpu_op", [25] = "set_segment_base", [26] = "mmuext_op",
    [29] = "sched_op", [30] = "callback_op", [32] = "event_channel_op",
    [33] = "physdev_op", [35] = "sysctl", [36] = "domctl",
};

static const char *const event_names[STATS_NR_EVENTS] = {
    [STATS_CR3_LOAD] = "guest CR3 loads",
    [STATS_BOUNCE] = "bounce frames",
    [STATS_UPCALL] = "event upcalls",
    [STATS_PTWR] = "ptwr emulations",
    [STATS_STALE_FLUSH] = "TLB flushes for type changes and reuse",
    [STATS_FLUSH_IPI] = "TLB-flush IPIs",
    [STATS_SYSRET] = "returns by sysretq",
};

void stats_init(const char *cmdline)
{
    char val[8] = "";
    unsigned int c;

    for (c = 0; c < NR_CPUS_MAX; c++)
        entry_kind[c] = last_kind[c] = KIND_NONE;  /* a CPU's first return to a guest charges nothing */
    if (!cmdline_get(cmdline, "stats", val, sizeof(val)))
        return;
    stats_on = strcmp(val, "0") != 0;
    start_tsc = rdtsc();
    if (stats_on)
        printk("stats: hypervisor entry counters on (printed at each domain shutdown)\n");
}

static void enter(unsigned int kind)
{
    unsigned int c = smp_processor_id();

    if (c >= NR_CPUS_MAX)
        return;
    entry_kind[c] = kind;       /* KIND_NONE (an unknown hypercall): not charged */
    last_kind[c] = kind;
    entry_dom[c] = current && current->domain ? current->domain->domain_id : STATS_DOMAINS;
    entry_tsc[c] = rdtsc();
    if (kind < NR_KINDS)
        kind_count[kind]++;
    if (entry_dom[c] < STATS_DOMAINS)
        dom_count[entry_dom[c]]++;
}

void stats_enter_syscall_slow(bool kernel, uint64_t nr)
{
    enter(!kernel ? KIND_SYSCALL : nr < NR_HYPERCALLS ? (unsigned int)nr : KIND_NONE);
}

void stats_enter_trap(unsigned int vector)
{
    if (stats_on)
        enter(vector < 32 ? KIND_TRAP(vector) : KIND_IRQ);
}

void stats_multicall_entry_slow(uint64_t nr)
{
    if (nr < NR_HYPERCALLS)
        multicall_count[nr]++;
}

void stats_exit_slow(void)
{
    unsigned int c = smp_processor_id();
    uint64_t delta;

    if (c >= NR_CPUS_MAX || entry_kind[c] >= NR_KINDS)
        return;
    delta = rdtsc() - entry_tsc[c];
    kind_cycles[entry_kind[c]] += delta;
    if (entry_dom[c] < STATS_DOMAINS)
        dom_cycles[entry_dom[c]] += delta;
    entry_kind[c] = KIND_NONE;
}

void stats_idle(bool start)
{
    unsigned int c = smp_processor_id();

    if (!stats_on || c >= NR_CPUS_MAX)
        return;
    if (start)
        idle_tsc[c] = rdtsc();
    else
        entry_tsc[c] += rdtsc() - idle_tsc[c];  /* the halt is nobody's cost */
}

void stats_lock_hold(uint64_t cycles)
{
    uint64_t khz = tsc_khz(), us;
    unsigned int c = smp_processor_id();

    if (!stats_on || c >= NR_CPUS_MAX)
        return;
    if (!hold_seen[c]) {
        hold_seen[c] = true;
        return;
    }
    if (cycles > hold_max) {
        hold_max = cycles;
        hold_max_kind = last_kind[c];
        hold_max_dom = entry_dom[c];
    }
    us = khz ? cycles * 1000 / khz : 0;
    hold_over[0] += us >= 100;
    hold_over[1] += us >= 1000;
    hold_over[2] += us >= 10000;
}

void stats_event_slow(enum stats_event e)
{
    if ((unsigned int)e < STATS_NR_EVENTS)
        event_count[e]++;
}

uint64_t stats_clock_slow(void)
{
    return stats_on ? rdtsc() : 0;
}

void stats_timed_slow(enum stats_event e, uint64_t t0)
{
    if (!stats_on || (unsigned int)e >= STATS_NR_EVENTS)
        return;
    event_count[e]++;
    event_cycles[e] += rdtsc() - t0;
}

static void kind_name(unsigned int k, char *buf, size_t len)
{
    if (k < NR_HYPERCALLS)
        snprintf(buf, len, "hypercall %s", hypercall_names[k] ? hypercall_names[k] : "?");
    else if (k == KIND_SYSCALL)
        snprintf(buf, len, "user syscall bounce");
    else if (k == KIND_IRQ)
        snprintf(buf, len, "interrupt");
    else
        snprintf(buf, len, "exception %u", k - KIND_TRAP(0));
    if (k < NR_HYPERCALLS && !hypercall_names[k])
        snprintf(buf, len, "hypercall %u", k);
}

void stats_dump(void)
{
    uint64_t khz = tsc_khz(), total = 0, all = 0;
    unsigned int k;
    char name[48];

    if (!stats_on)
        return;
    /* This dump is written under the lock: the hold it is part of is
     * not counted. */
    if (smp_processor_id() < NR_CPUS_MAX)
        hold_seen[smp_processor_id()] = false;
    for (k = 0; k < NR_KINDS; k++) {
        total += kind_cycles[k];
        all += kind_count[k];
    }
    printk("stats: %lu entries, %lu cycles in the hypervisor of %lu since boot (TSC %lu kHz)\n",
           all, total, rdtsc() - start_tsc, khz);
    printk("stats: %-34s %10s %12s %10s %6s\n", "kind", "count", "total us", "ns/entry", "%hv");
    for (k = 0; k < NR_KINDS; k++) {
        if (!kind_count[k])
            continue;
        kind_name(k, name, sizeof(name));
        printk("stats: %-34s %10lu %12lu %10lu %6lu\n", name, kind_count[k],
               khz ? kind_cycles[k] * 1000 / khz : 0,
               khz ? kind_cycles[k] * 1000000 / khz / kind_count[k] : 0,
               total ? kind_cycles[k] * 100 / total : 0);
    }
    for (k = 0; k < NR_HYPERCALLS; k++)
        if (multicall_count[k])
            printk("stats: multicall entry %-24s %10lu\n",
                   hypercall_names[k] ? hypercall_names[k] : "?", multicall_count[k]);
    for (k = 0; k < STATS_NR_EVENTS; k++)   /* timed events: total us, ns each */
        printk("stats: %-34s %10lu %12lu %10lu\n", event_names[k], event_count[k],
               khz ? event_cycles[k] * 1000 / khz : 0,
               khz && event_count[k] ? event_cycles[k] * 1000000 / khz / event_count[k] : 0);
    printk("stats: #DB dismissed in hypervisor context %10lu\n",
           __atomic_load_n(&debug_traps_in_hypervisor, __ATOMIC_RELAXED));
    if (hold_max_kind < NR_KINDS)
        kind_name(hold_max_kind, name, sizeof(name));
    else
        snprintf(name, sizeof(name), "idle/scheduler");
    printk("stats: longest hypervisor lock hold %lu us (after %s from domain %u); "
           "holds >= 100 us %lu, >= 1 ms %lu, >= 10 ms %lu\n",
           khz ? hold_max * 1000 / khz : 0, name, hold_max_dom, hold_over[0], hold_over[1],
           hold_over[2]);
    for (k = 0; k < STATS_DOMAINS; k++)
        if (dom_count[k])
            printk("stats: entries from domain %-22u %10lu %12lu\n", k, dom_count[k],
                   khz ? dom_cycles[k] * 1000 / khz : 0);
}
