/*
 * The scheduler interface (common/sched.c: proportional share on virtual
 * time, one run queue shared by the physical CPUs).
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H
#include <keel/types.h>
#include <keel/smp.h>
#include <keel/domain.h>
struct vcpu;
struct domain;

/* vcpu_runnable(v): keel/domain.h (inline). */
void vcpu_wake(struct vcpu *v);
/*
 * Nothing for return_to_guest to do but leave: no timer, reschedule,
 * pause or event upcall is due.  Read without the lock, with interrupts
 * off: whatever another CPU sets after this look comes with an
 * event-check IPI (cpu_kick), taken as soon as the guest runs, which
 * brings this CPU back to look again under the lock.
 */
static inline bool return_lockless_ok(const struct vcpu *v)
{
    const struct pcpu *pc = this_pcpu();

    return !pc->timers_dirty && !pc->need_resched && vcpu_runnable(v) && !vcpu_upcall_due(v);
}

/* Make v the vCPU this CPU runs; the caller then returns to the guest. */
void context_switch_to(struct vcpu *next);
/* Save the running vCPU and leave this CPU with none loaded. */
void context_switch_out(void);
/* Choose what to run next; idles until something is runnable. */
void schedule(void);
__noreturn void sched_start(void);
void sched_set_slice(uint64_t len, bool needed);
uint64_t sched_cap_tick(uint64_t now);
void runstate_set(struct vcpu *v, int state, uint64_t now);
void runstate_area_update(struct vcpu *v);
void sched_note_runnable(void);
/* v has just become runnable: find it a CPU (idle, or by preemption). */
void vcpu_place(struct vcpu *v);
/* VCPUOP_up: v (not running) queues again, keeping its own virtual time. */
void sched_vcpu_up(struct vcpu *v);
/* SCHEDOP_yield: let another vCPU run if one waits (credit2's yield bias). */
/* (Not sched_yield: host tests link this next to libc's.) */
void sched_vcpu_yield(struct vcpu *v);
/* d's vCPUs must be looked at again wherever they run (paused, shut down...). */
void resched_domain(struct domain *d);
/* The run queue: room for one more vCPU (vcpu_create; -1: no memory), and
 * built from every domain's vCPUs once they exist (boot; host tests). */
int sched_vcpu_init(struct vcpu *v);
void sched_init_queue(void);
void sched_preempt_at(uint64_t when);
/* Run-time parameters and control pauses (common/domctl.c validates). */
void sched_adjust(struct domain *d, uint32_t weight, uint32_t cap);
/* Store v's affinity masks (bit c = CPU c, as set, keel/domain.h) and
 * move v off a CPU its new hard mask leaves out; the caller checked that
 * the hard mask has an online CPU (XEN_DOMCTL_setvcpuaffinity). */
void sched_set_affinity(struct vcpu *v, uint64_t hard, uint64_t soft);
void sched_domain_pause(struct domain *d);
void sched_domain_unpause(struct domain *d);
/* vCPUs the scheduler has looked at (host tests: O(log n) per call). */
extern unsigned long sched_visits;
/* Whether a CPU has one of d's vCPUs loaded. */
bool sched_domain_loaded(const struct domain *d);
/* d is about to be freed: out of the run queue and the scheduler's lists. */
void sched_domain_free(struct domain *d);
__noreturn void machine_power_off(unsigned int reason);
__noreturn void machine_halt(void);
#endif
