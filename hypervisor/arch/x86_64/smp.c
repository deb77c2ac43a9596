/*
 * Several physical CPUs: starting the application processors (INIT-SIPI-
 * SIPI through a real-mode trampoline), the hypervisor lock, IPIs and TLB
 * shootdowns.  The model is described in include/keel/smp.h.
 *
 * Locking: hv_big is the hypervisor lock itself, a test-and-set lock
 * with a starvation guard (below, at hv_big) and a bounded hand-over: a CPU that comes straight back for the lock
 * it just released because of a hypercall continuation (do_syscall sets
 * cpu_info.hand_over) first lets a waiting CPU have it, for up to
 * HV_LOCK_HANDOVER_CYCLES.  Other entries are not slowed.
 * Without that the releasing CPU won nearly every time and preemption
 * let nobody in (-smp 2, tests/boot/run-dos.sh; docs/security.md,
 * class 4).  A strict ticket lock is fair but collapses under QEMU on
 * an overloaded host (a waiter whose thread is descheduled stalls every
 * other CPU), hence the bound.  hv_waiters and hv_last are updated by
 * hv_lock/hv_unlock only.  flush_mask is written
 * only by the lock holder (setting bits) and by each CPU for its own bit
 * (clearing it), with atomic operations.  pcpus[c] is changed by CPU c,
 * or under the hypervisor lock.
 */
#include <keel/smp.h>
#include <keel/acpi.h>
#include <keel/domain.h>
#include <keel/time.h>
#include <keel/console.h>
#include <keel/sched.h>
#include <keel/lib.h>
#include <keel/mm.h>
#include <keel/bootinfo.h>
#include <keel/tlbflush.h>
#include <keel/stats.h>
#include <asm/cpu.h>
#include <asm/processor.h>

#define AP_TRAMPOLINE_PHYS 0x7000UL     /* below 1 MiB, 4 KiB aligned: the SIPI vector is 0x07 */
#define ICR_INIT 0x4500u                /* INIT, level assert */
#define ICR_STARTUP 0x4600u             /* start-up IPI, | vector */
#define ICR_FIXED 0x4000u               /* fixed delivery, | vector */
#define ICR_NMI 0x4400u                 /* NMI delivery */

struct pcpu pcpus[NR_CPUS_MAX];
unsigned int nr_cpus_online = 1;

static volatile unsigned int hv_owner = ~0u;
static unsigned int hv_waiters;                 /* CPUs spinning in hv_lock() */
static volatile unsigned int hv_last = ~0u;     /* the CPU that released it last */
#define HV_LOCK_HANDOVER_CYCLES 200000UL        /* about 0.1 ms */
static uint64_t flush_mask;

extern char ap_tramp_start[], ap_tramp_end[];
struct cpu_info *volatile ap_boot_ci;   /* read by ap_entry_high in head.S */
static volatile bool ap_alive;

/* ---- the hypervisor lock ---------------------------------------------- */

void flush_tlb_serve(void)
{
    uint64_t bit = 1UL << smp_processor_id();

    if (__atomic_load_n(&flush_mask, __ATOMIC_ACQUIRE) & bit) {
        flush_tlb_local();
        __atomic_fetch_and(&flush_mask, ~bit, __ATOMIC_RELEASE);
    }
}

/* Give a waiting CPU the chance to take the lock this CPU just released
 * (only after a continuation: get_cpu_info()->hand_over, tested by hv_lock;
 * kept out of line so that the common entry stays short). */
static __attribute__((noinline)) void hv_lock_hand_over(unsigned int me)
{
    struct cpu_info *ci = get_cpu_info();
    uint64_t end;

    ci->hand_over = 0;
    if (hv_last != me || !__atomic_load_n(&hv_waiters, __ATOMIC_RELAXED))
        return;
    end = rdtsc() + HV_LOCK_HANDOVER_CYCLES;
    while (hv_last == me && __atomic_load_n(&hv_waiters, __ATOMIC_RELAXED) && rdtsc() < end) {
        flush_tlb_serve();
        cpu_relax();
    }
}

/* TSC when this CPU took the lock (read by hv_lock_held_cycles). */
static uint64_t hv_since[NR_CPUS_MAX];

/*
 * The hypervisor lock is a test-and-set lock with a starvation guard
 * (sflock_t, keel/spinlock.h; issue 11, defect 6): a CPU that has waited
 * HV_STARVE_NS marks itself starving (one CPU at a time), and from then
 * on no other CPU takes the lock before it while it keeps spinning, so
 * every wait is bounded (about one starvation period per CPU ahead).  A plain ticket lock (keel/spinlock.h) is fair too,
 * but hands the lock to a waiter that may not be running: under QEMU/TCG
 * on an overcommitted host (the vCPUs are host threads) the lock then
 * waited for descheduled threads and the 4-CPU boot tests collapsed
 * (smp4 timed out, smp4-2cpu missed its 5 s IPI deadline); here the lock
 * goes to whoever runs unless someone has waited too long and is still
 * spinning (a declaration not renewed for HV_STARVE_NS is ignored).
 */
#define HV_STARVE_NS 1000000UL
static sflock_t hv_big = SFLOCK_UNLOCKED;

/* HV_STARVE_NS in TSC cycles, computed once the TSC rate is known (a
 * division on every hypervisor entry showed in the hypercall path). */
static uint64_t hv_starve_cycles(void)
{
    static uint64_t cycles;

    if (!cycles)
        cycles = HV_STARVE_NS * tsc_khz() / 1000000;
    return cycles;
}

/* The contended path of hv_lock: spin, serving flush requests (the holder
 * may be waiting for this CPU's flush, and this CPU has interrupts off),
 * and declare this CPU starving once it has waited HV_STARVE_NS. */
static __attribute__((noinline)) void hv_lock_wait(unsigned int me)
{
    uint64_t t0, limit = hv_starve_cycles();

    __atomic_fetch_add(&hv_waiters, 1, __ATOMIC_RELAXED);
    t0 = rdtsc();
    for (;;) {
        uint64_t now = rdtsc();
        if (sflock_try(&hv_big, me, now, limit ? limit : ~0UL))
            break;
        flush_tlb_serve();
        cpu_relax();
        if (limit && now - t0 > limit)
            sflock_starve(&hv_big, me, now);    /* and renew it each turn */
    }
    __atomic_fetch_sub(&hv_waiters, 1, __ATOMIC_RELAXED);
}

void hv_lock(void)
{
    unsigned int me = smp_processor_id();

    if (get_cpu_info()->hand_over)
        hv_lock_hand_over(me);
    /* Free and nobody starving: taken without reading the clock, which
     * under TCG is a call into the emulator (the hypercall path, issue 16). */
    if (!sflock_try_free(&hv_big))
        hv_lock_wait(me);
    hv_owner = me;
    hv_since[me] = rdtsc();
    console_tx_budget_reset();      /* a fresh hold's share of the UART */
    if (tlbflush_now() == 0)        /* the clock wrapped (rare) */
        tlbflush_check_period();
}

void hv_unlock(void)
{
    hv_last = hv_owner;
    if (stats_on)
        stats_lock_hold(rdtsc() - hv_since[smp_processor_id()]);
    hv_owner = ~0u;
    sflock_unlock(&hv_big);
}

uint64_t hv_lock_held_cycles(void)
{
    return rdtsc() - hv_since[smp_processor_id()];
}


bool hv_lock_held(void)
{
    return hv_owner == smp_processor_id();
}

void arch_cpu_idle(bool halt)
{
    if (halt)
        asm volatile("sti; hlt; cli" ::: "memory");
    else
        asm volatile("sti; nop; cli" ::: "memory");
}


/* ---- IPIs and shootdowns ---------------------------------------------- */

void send_ipi(unsigned int cpu, unsigned int vector)
{
    if (cpu < NR_CPUS_MAX && pcpus[cpu].online)
        lapic_send_ipi(pcpus[cpu].apic_id, ICR_FIXED | vector);
}

void cpu_kick(unsigned int cpu)
{
    if (cpu != smp_processor_id())
        send_ipi(cpu, EVENT_CHECK_VECTOR);
}

struct vcpu *cpu_curr(unsigned int c)
{
    return c < NR_CPUS_MAX && pcpus[c].online && cpu_infos[c] ? cpu_infos[c]->curr : NULL;
}

/* Has CPU c page tables of d loaded (any guest's if d is NULL)? */
static bool cpu_runs(unsigned int c, const struct domain *d)
{
    const struct vcpu *v = cpu_curr(c);

    return v && (!d || v->domain == d);
}

/* Flush the CPUs in mask (not this one) and wait until they have. */
static void flush_tlb_cpus(uint64_t mask)
{
    unsigned int c;

    if (!mask)
        return;
    __atomic_fetch_or(&flush_mask, mask, __ATOMIC_SEQ_CST);
    for (c = 0; c < NR_CPUS_MAX; c++)
        if (mask & (1UL << c)) {
            struct vcpu *victim = cpu_curr(c);
            /* Interference counters (keel/vstats.h), under the hypervisor lock. */
            if (current)
                current->vs.flushes_caused++;
            if (victim)
                victim->vs.flushes_suffered++;
            stats_event(STATS_FLUSH_IPI);
            send_ipi(c, INVALIDATE_VECTOR);
        }
    while (__atomic_load_n(&flush_mask, __ATOMIC_ACQUIRE) & mask)
        cpu_relax();
}

void flush_tlb_others(const struct domain *d)
{
    unsigned int c, me = smp_processor_id();
    uint64_t mask = 0;

    for (c = 0; c < NR_CPUS_MAX; c++)
        if (c != me && pcpus[c].online && cpu_runs(c, d))
            mask |= 1UL << c;
    flush_tlb_cpus(mask);
}

void flush_tlb_mask(uint64_t mask)
{
    uint64_t me = 1UL << smp_processor_id();

    if (mask & me) {
        flush_tlb_local();
        if (current)
            current->vs.flushes_caused++;
    }
    flush_tlb_cpus(mask & ~me);
}

/* Stop every other CPU (panic, halt): an NMI reaches them even with
 * interrupts off, e.g. spinning for the hypervisor lock. */
volatile bool machine_stopping;

void smp_stop_others(void)
{
    unsigned int c, me = smp_processor_id();

    machine_stopping = true;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (c = 0; c < NR_CPUS_MAX; c++)
        if (c != me && pcpus[c].online)
            lapic_send_ipi(pcpus[c].apic_id, ICR_NMI);
}

/* ---- starting the other CPUs ------------------------------------------ */

const void *arch_acpi_map(uint64_t pa, uint64_t len)
{
    if (pa >= directmap_limit || len > directmap_limit - pa)
        return NULL;
    return maddr_to_virt(pa);
}

/* C entry of an application processor, on its own stack (head.S). */
void __noreturn ap_start(void)
{
    struct cpu_info *ci = get_cpu_info();
    unsigned int cpu = ci->cpu_id;

    cpu_init_tables(ci);
    write_cr3_flush(idle_l4_maddr);
    lapic_ap_init();
    arch_fpu_ap_init();
    pcpus[cpu].apic_id = lapic_id();
    pcpus[cpu].idle = true;
    __atomic_store_n(&pcpus[cpu].online, true, __ATOMIC_RELEASE);
    ap_alive = true;
    /* Guests start once the boot CPU has released the lock. */
    hv_lock();
    sched_start();
}

static bool start_ap(unsigned int cpu, uint32_t apic_id)
{
    struct cpu_info *ci = cpu_alloc_stack(cpu);
    uint64_t deadline;

    if (!ci) {
        printk_lvl(LOG_ERR, "smp: no memory for CPU%u's stack\n", cpu);
        return false;
    }
    ap_boot_ci = ci;
    ap_alive = false;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    /* The universal start-up algorithm (Intel SDM vol. 3, 8.4.4.1). */
    lapic_send_ipi(apic_id, ICR_INIT);
    udelay(10000);
    lapic_send_ipi(apic_id, ICR_STARTUP | (AP_TRAMPOLINE_PHYS >> 12));
    udelay(200);
    if (!ap_alive)
        lapic_send_ipi(apic_id, ICR_STARTUP | (AP_TRAMPOLINE_PHYS >> 12));
    deadline = get_s_time() + 2000000000UL;
    while (!ap_alive && get_s_time() < deadline)
        cpu_relax();
    if (!ap_alive) {
        printk_lvl(LOG_ERR, "smp: CPU%u (APIC %u) did not start\n", cpu, apic_id);
        return false;
    }
    return true;
}

void smp_boot_cpus(void)
{
    uint32_t ids[NR_CPUS_MAX];
    unsigned int i, max = NR_CPUS_MAX;
    char val[16];
    int n;

    pcpus[0].apic_id = lapic_id();
    pcpus[0].online = true;
    if (cmdline_get(boot_info.cmdline, "maxcpus", val, sizeof(val)))
        max = (unsigned int)MAX(1UL, MIN(parse_uint(val), (uint64_t)NR_CPUS_MAX));
    n = acpi_find_cpus(arch_acpi_map, ids, NR_CPUS_MAX);
    if (n < 0) {
        printk("smp: no ACPI MADT (%d); running on the boot CPU only\n", n);
        return;
    }
    memcpy(maddr_to_virt(AP_TRAMPOLINE_PHYS), ap_tramp_start,
           (size_t)(ap_tramp_end - ap_tramp_start));
    for (i = 0; i < (unsigned int)n && nr_cpus_online < max; i++) {
        if (ids[i] == pcpus[0].apic_id || ids[i] > 0xfe)
            continue;
        if (start_ap(nr_cpus_online, ids[i]))
            nr_cpus_online++;
    }
    printk("smp: %u CPU(s) online (%d listed by the MADT%s)\n", nr_cpus_online, n,
           max < NR_CPUS_MAX ? ", maxcpus given" : "");
}
