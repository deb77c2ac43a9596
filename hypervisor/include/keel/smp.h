/*
 * Several physical CPUs.
 *
 * Locking model: one hypervisor lock (hv_lock, a "big lock" in the
 * manner of early SMP kernels; starvation-free: a CPU that has waited
 * 1 ms goes next, arch/x86_64/smp.c) is held by a CPU whenever it runs
 * hypervisor code on behalf of a guest or the scheduler: taken on every
 * entry from a guest (entry.S -> hv_lock), released on the way back out
 * (prepare_return_to_guest) and around the idle halt.  The one exception
 * is a guest system call's bounce and HYPERVISOR_iret, and the exceptions
 * that are only a bounce (#DE, int3, #OF, #BR), which change only the
 * running vCPU's own state and run lock-free with interrupts off when
 * nothing else is due (do_syscall_entry, common/hypercall.c;
 * do_trap_entry, arch/x86_64/traps.c).  Guests run in
 * parallel on every CPU; hypervisor work is serialised.  The finer locks
 * keep the order written in keel/spinlock.h inside it.  Two things happen
 * without the lock, so that a CPU holding it can wait for them:
 * TLB-flush requests (flush_mask), which a CPU serves from its IPI
 * handler, while spinning for the lock, or in the idle loop; and the
 * event-check IPI, which only makes the target enter the hypervisor (and
 * then take the lock) to look at its work.
 */
#ifndef KEEL_SMP_H
#define KEEL_SMP_H
#include <keel/types.h>
#include <public/xen.h>
#include <asm/config.h>
#include <asm/regs.h>

struct vcpu;
struct domain;

/* IPI vectors (below TIMER_VECTOR 0xf0). */
#define EVENT_CHECK_VECTOR 0xf1     /* look at need_resched / pending events */
#define INVALIDATE_VECTOR  0xf2     /* flush this CPU's TLB (flush_mask) */

/* The hypercall a CPU is running (common/hypercall.c): set and consumed
 * within one entry from the guest, so per CPU, as Xen keeps its
 * continuation in the vCPU's frame and mc_state per vCPU. */
struct hcall_state {
    bool cont_active;           /* re-issue the guest's hypercall with cont_args */
    bool mc_in_call;            /* dispatching one entry of a multicall */
    bool mc_preempted;          /* that entry asked to be continued */
    uint64_t cont_args[4];
    uint64_t mc_args[4];
};

struct pcpu {
    bool online;
    bool need_resched;          /* schedule() before returning to a guest */
    bool timers_dirty;          /* timers_run() before returning to a guest */
    bool idle;                  /* in the idle loop (no vCPU loaded) */
    uint32_t apic_id;
    uint64_t slice_end;         /* end of the running vCPU's slice, 0 none */
    uint64_t running_since;     /* when the running vCPU was switched in */
    bool wake_preempt;          /* need_resched set by a waking vCPU's preemption */
    struct hcall_state hcall;   /* the hypercall this CPU is running */
};

extern struct pcpu pcpus[NR_CPUS_MAX];
extern unsigned int nr_cpus_online;

/* CPU masks: bit c for CPU c (vCPU affinity, keel/domain.h). */
#define CPU_MASK_ALL ((NR_CPUS_MAX >= 64) ? ~0UL : (1UL << NR_CPUS_MAX) - 1)

static inline uint64_t cpus_online_mask(void)
{
    uint64_t m = 0;
    unsigned int c;

    for (c = 0; c < NR_CPUS_MAX; c++)
        if (pcpus[c].online)
            m |= 1UL << c;
    return m;
}

static inline unsigned int smp_processor_id(void)
{
    return get_cpu_info()->cpu_id;
}
#define this_pcpu() (&pcpus[smp_processor_id()])

/* The vCPU loaded on CPU c (NULL if none, or c is not online). */
struct vcpu *cpu_curr(unsigned int c);

/* The hypervisor lock. */
void hv_lock(void);
void hv_unlock(void);
bool hv_lock_held(void);
/* TSC cycles since this CPU took the hypervisor lock (call with it held). */
uint64_t hv_lock_held_cycles(void);

/* An idle CPU's wait, with interrupts off and the hypervisor lock not
 * held: let interrupts in, then turn them off again.  halt: wait for one
 * (`sti; hlt`); else only open a window for any that are pending (a
 * teardown has more steps to run). */
void arch_cpu_idle(bool halt);

/* IPIs. */
void send_ipi(unsigned int cpu, unsigned int vector);
void cpu_kick(unsigned int cpu);            /* EVENT_CHECK_VECTOR unless cpu is this one */
/* Flush the TLBs of every other CPU that has d's page tables loaded (all
 * other online CPUs if d is NULL) and wait until they have: the caller
 * flushes its own.  Called with hv_lock held. */
void flush_tlb_others(const struct domain *d);
/* Flush the TLBs of the CPUs in mask (this one too if its bit is set)
 * and wait until they have.  Called with hv_lock held.  Which CPUs may
 * hold a given frame: keel/tlbflush.h (flush_tlb_since). */
void flush_tlb_mask(uint64_t mask);
/* This CPU's part of a flush request, if one is outstanding. */
void flush_tlb_serve(void);

/* Halt every other CPU with an NMI (they stop silently once this is set). */
extern volatile bool machine_stopping;
void smp_stop_others(void);

/* Boot: find the other CPUs (ACPI MADT) and start them. */
void smp_boot_cpus(void);
#endif
