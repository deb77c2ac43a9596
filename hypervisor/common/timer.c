/*
 * vCPU timers: a single-shot deadline (set_timer_op, VCPUOP_*_singleshot)
 * and an optional periodic timer, both in system time, raising
 * VIRQ_TIMER.  A deadline already past fires at once.  The hardware timer
 * is programmed for the earliest deadline, or the scheduler's time slice.
 * vCPU deadlines are global: whichever CPU runs timers_run() fires what
 * is due and programs its own APIC timer for the earliest deadline (or
 * its own slice end), so every deadline is covered by the last CPU that
 * changed one.  A vCPU that is down has no periodic ticks.  Locking: the
 * hypervisor lock; interrupts off.
 */
#include <keel/irq.h>
#include <keel/time.h>
#include <keel/domain.h>
#include <keel/event.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/hypercall.h>
#include <keel/guest_access.h>
#include <keel/console_backend.h>
#include <public/vcpu.h>

#define SLICE_NS 10000000UL   /* round-robin time slice */

void vcpu_set_singleshot(struct vcpu *v, uint64_t deadline)
{
    v->singleshot_deadline = deadline;
    timers_run();
}

void vcpu_set_periodic(struct vcpu *v, uint64_t period)
{
    v->periodic_period = period;
    v->periodic_next = period ? get_s_time() + period : 0;
    timers_run();
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return a < b ? a : b;
}

void timers_run(void)
{
    uint64_t now = get_s_time(), next = 0;
    struct pcpu *pc = this_pcpu();
    struct domain *d;

    pc->timers_dirty = false;
    unsigned int i;

    /* Device interrupts raised since: the handler only marks them. */
    irq_deliver_pending();

    for (d = domain_list; d; d = d->next) {
        if (d->state != DOM_RUNNING)
            continue;
        for (i = 0; i < d->max_vcpus; i++) {
            struct vcpu *v = d->vcpu[i];
            if (!v)
                continue;
            if (v->singleshot_deadline && v->singleshot_deadline <= now) {
                v->singleshot_deadline = 0;
                send_guest_vcpu_virq(v, VIRQ_TIMER);
            }
            /* A vCPU that is down has no periodic ticks (Xen runs the
             * periodic timer only for a vCPU that can run): no VIRQ, no
             * interrupt for it; up again, it resumes with one catch-up
             * tick (issue 11, defect 5). */
            if (v->online && v->periodic_next && v->periodic_next <= now) {
                while (v->periodic_next <= now)
                    v->periodic_next += v->periodic_period;
                send_guest_vcpu_virq(v, VIRQ_TIMER);
            }
            if (v->polling && v->poll_deadline && v->poll_deadline <= now) {
                v->polling = false;
                v->poll_deadline = 0;
                vcpu_wake(v);
            }
            next = earliest(next, v->poll_deadline);
            next = earliest(next, v->singleshot_deadline);
            if (v->online)
                next = earliest(next, v->periodic_next);
        }
    }
    if (cons_backend_active()) {
        /* Serial input and domU console rings are polled every 20 ms. */
        static uint64_t next_poll;
        if (next_poll <= now) {
            cons_backend_poll();
            next_poll = now + 20000000UL;
        }
        next = earliest(next, next_poll);
    }
    if (pc->slice_end && pc->slice_end <= now) {
        pc->need_resched = true;
        pc->slice_end = 0;
    }
    next = earliest(next, pc->slice_end);
    next = earliest(next, sched_cap_tick(now));
    arch_timer_program(next);
}

/* Something became runnable: make sure the running vCPU's time is sliced. */
void sched_note_runnable(void)
{
    /* Callers may hold evtchn_lock, which timers_run() takes (to raise
     * VIRQ_TIMER): only mark the timer for reprogramming on the way out. */
    struct pcpu *pc = this_pcpu();

    if (!pc->slice_end) {
        pc->slice_end = get_s_time() + SLICE_NS;
        pc->timers_dirty = true;
    }
}

/* End the current slice no later than `when` (reprogrammed on the way out). */
void sched_preempt_at(uint64_t when)
{
    struct pcpu *pc = this_pcpu();

    if (!pc->slice_end || when < pc->slice_end) {
        pc->slice_end = when;
        pc->timers_dirty = true;
    }
}

/* Start a new time slice of `len` ns for the vCPU being switched in
 * (none if it is alone and uncapped). */
void sched_set_slice(uint64_t len, bool needed)
{
    this_pcpu()->slice_end = needed ? get_s_time() + len : 0;
    timers_run();
}

long do_set_timer_op(uint64_t timeout)
{
    vcpu_set_singleshot(current, timeout);
    return 0;
}

/* The VCPUOP timer commands (called from do_vcpu_op). */
long vcpu_timer_op(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
    struct vcpu_set_singleshot_timer ss;
    struct vcpu_set_periodic_timer pt;

    switch (cmd) {
    case VCPUOP_set_singleshot_timer:
        if (v != current)
            return -XEN_EINVAL;
        if (copy_from_guest(&ss, arg, sizeof(ss)))
            return -XEN_EFAULT;
        /* VCPU_SSHOTTMR_future is ignored, as Xen 4.17 does. */
        vcpu_set_singleshot(v, ss.timeout_abs_ns ? ss.timeout_abs_ns : 1);
        return 0;
    case VCPUOP_stop_singleshot_timer:
        if (v != current)
            return -XEN_EINVAL;
        vcpu_set_singleshot(v, 0);
        return 0;
    case VCPUOP_set_periodic_timer:
        if (copy_from_guest(&pt, arg, sizeof(pt)))
            return -XEN_EFAULT;
        if (pt.period_ns < 1000000UL || pt.period_ns > (1UL << 62))
            return -XEN_EINVAL;
        vcpu_set_periodic(v, pt.period_ns);
        return 0;
    case VCPUOP_stop_periodic_timer:
        vcpu_set_periodic(v, 0);
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}
