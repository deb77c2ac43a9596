/*
 * Timers, one queue per physical CPU (keel/timer.h), after Xen's
 * common/timer.c: a CPU's timer interrupt is programmed for the earliest
 * deadline of its own queue (and its own slice end), TIMER_SLOP_NS late,
 * so that deadlines within the slop of each other cost one interrupt.
 *
 * vCPU timers (set_timer_op, VCPUOP_*_timer, SCHEDOP_poll timeouts) live
 * on the queue of the CPU the vCPU runs or last ran on, and move with it
 * when it is switched in elsewhere.  A vCPU's periodic timer runs only
 * while the vCPU runs (issue 11, defect 5): it is stopped when the vCPU
 * is switched out (blocked, descheduled, down, paused) and at the next
 * switch-in a tick it missed is delivered once, as Xen 4.17 does
 * (sched_context_switch stops the previous vCPU's periodic timer and
 * vcpu_periodic_timer_work sends one event for the ticks missed).  So an
 * attacker's timers interrupt only the CPUs running its vCPUs: 32 vCPUs
 * with 1 ms periodic timers used to give every CPU about 32,000 timer
 * interrupts a second (tests/unit/test_timer_cpus.c).
 *
 * The console backend's poll runs on CPU 0; the cap period (while a
 * domain has a cap) on every CPU, as before; every CPU writes out console
 * output that waits for the UART (common/console.c) when it passes here.
 *
 * Locking: the hypervisor lock protects every queue and timer; interrupts
 * are off.  A timer's function runs under it, never under evtchn_lock.
 */
#include <keel/irq.h>
#include <keel/time.h>
#include <keel/timer.h>
#include <keel/domain.h>
#include <keel/event.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/hypercall.h>
#include <keel/guest_access.h>
#include <keel/console_backend.h>
#include <keel/console.h>
#include <public/vcpu.h>

#define SLICE_NS 10000000UL   /* round-robin time slice */
#define CONS_POLL_NS 20000000UL

static struct timer *queue[NR_CPUS_MAX];      /* each sorted by expires */

static uint64_t earliest(uint64_t a, uint64_t b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return a < b ? a : b;
}

/* ---- the per-CPU queues ---- */

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    t->fn = fn;
    t->data = data;
    t->cpu = cpu < NR_CPUS_MAX ? cpu : 0;
    t->next = NULL;
    t->expires = 0;
    t->active = false;
}

/* Insert t after the timers due no later than it (sorted list: a CPU's
 * queue holds the timers of the vCPUs on that CPU, three at most each). */
static void queue_insert(struct timer *t)
{
    struct timer **pp = &queue[t->cpu];

    while (*pp && (*pp)->expires <= t->expires)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->active = true;
}

static void queue_remove(struct timer *t)
{
    struct timer **pp = &queue[t->cpu];

    while (*pp && *pp != t)
        pp = &(*pp)->next;
    if (*pp)
        *pp = t->next;
    t->next = NULL;
    t->active = false;
}

/* t is now the first of its CPU's queue: that CPU runs timers_run()
 * (and reprograms its timer interrupt) on its way out.  Not skipped when
 * the interrupt already seems early enough: under QEMU/TCG on a loaded
 * host the APIC timer's calibration can be far off, and a timer that
 * waited for the interrupt alone fired too late (boot-smp smp4-2cpu);
 * the way out through timers_run() is what the old global scan did on
 * every timer set. */
static void cpu_timer_changed(const struct timer *t)
{
    unsigned int cpu = t->cpu;

    if (cpu == smp_processor_id()) {
        this_pcpu()->timers_dirty = true;   /* reprogrammed on the way out */
        return;
    }
    pcpus[cpu].timers_dirty = true;
    cpu_kick(cpu);
}

void timer_set(struct timer *t, uint64_t expires)
{
    ASSERT(hv_lock_held());

    if (t->active)
        queue_remove(t);
    t->expires = expires;
    queue_insert(t);
    if (queue[t->cpu] == t)
        cpu_timer_changed(t);
}

void timer_stop(struct timer *t)
{
    ASSERT(hv_lock_held());

    if (t->active)
        queue_remove(t);
}

void timer_migrate(struct timer *t, unsigned int cpu)
{
    bool was = t->active;

    ASSERT(hv_lock_held());

    if (cpu >= NR_CPUS_MAX || cpu == t->cpu)
        return;
    timer_stop(t);
    t->cpu = cpu;
    if (was)
        timer_set(t, t->expires);
}

/* ---- vCPU timers ---- */

static void singleshot_fn(void *data)
{
    struct vcpu *v = data;

    if (v->domain->state == DOM_RUNNING)
        send_guest_vcpu_virq(v, VIRQ_TIMER);
}

/* v runs on this CPU: a tick if one is due (one for any number missed),
 * and the timer armed for the next.  Ticks stay in phase with the period
 * from when it was set. */
static void periodic_work(struct vcpu *v, uint64_t now)
{
    uint64_t p = v->periodic_period;

    if (!p || v->domain->state != DOM_RUNNING)
        return;
    if (now >= v->periodic_last + p) {
        send_guest_vcpu_virq(v, VIRQ_TIMER);
        v->periodic_last += (now - v->periodic_last) / p * p;
    }
    timer_set(&v->periodic_timer, v->periodic_last + p);
}

static void periodic_fn(void *data)
{
    struct vcpu *v = data;

    /* Stopped at switch-out; defensive: never tick a vCPU not running here. */
    if (v->is_running && v->processor == smp_processor_id())
        periodic_work(v, get_s_time());
}

static void poll_fn(void *data)
{
    struct vcpu *v = data;

    /* An event may have ended the poll already (event_channel.c). */
    if (v->polling && v->poll_deadline) {
        v->polling = false;
        v->poll_deadline = 0;
        vcpu_wake(v);
    }
}

/* A vCPU's timers are set up on first use (fresh vCPUs are zeroed). */
static void vcpu_timers_ready(struct vcpu *v)
{
    if (v->singleshot_timer.fn)
        return;
    timer_init(&v->singleshot_timer, singleshot_fn, v, v->processor);
    timer_init(&v->periodic_timer, periodic_fn, v, v->processor);
    timer_init(&v->poll_timer, poll_fn, v, v->processor);
}

void vcpu_set_singleshot(struct vcpu *v, uint64_t deadline)
{
    vcpu_timers_ready(v);
    if (!deadline) {
        timer_stop(&v->singleshot_timer);
        return;
    }
    timer_migrate(&v->singleshot_timer, v->processor);
    timer_set(&v->singleshot_timer, deadline);     /* a past deadline fires at once */
}

void vcpu_set_periodic(struct vcpu *v, uint64_t period)
{
    vcpu_timers_ready(v);
    timer_stop(&v->periodic_timer);
    v->periodic_period = period;
    if (!period)
        return;
    v->periodic_last = get_s_time();                /* first tick one period from now */
    if (v->is_running) {                            /* else armed when it is switched in */
        timer_migrate(&v->periodic_timer, v->processor);
        timer_set(&v->periodic_timer, v->periodic_last + period);
    }
}

void vcpu_set_poll_timeout(struct vcpu *v, uint64_t deadline)
{
    vcpu_timers_ready(v);
    if (!deadline) {
        timer_stop(&v->poll_timer);
        return;
    }
    timer_migrate(&v->poll_timer, v->processor);
    timer_set(&v->poll_timer, deadline);
}

void vcpu_timers_switch_in(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();

    vcpu_timers_ready(v);
    timer_migrate(&v->singleshot_timer, cpu);
    timer_migrate(&v->poll_timer, cpu);
    timer_migrate(&v->periodic_timer, cpu);
    periodic_work(v, get_s_time());
}

void vcpu_timers_switch_out(struct vcpu *v)
{
    if (v && v->periodic_timer.fn)
        timer_stop(&v->periodic_timer);
}

void vcpu_timers_kill(struct vcpu *v)
{
    vcpu_timers_ready(v);
    timer_stop(&v->singleshot_timer);
    timer_stop(&v->periodic_timer);
    timer_stop(&v->poll_timer);
    v->periodic_period = 0;
}

/* ---- running them ---- */

/* Work that belongs to no vCPU, done by CPU 0: serial input and the domU
 * console rings every CONS_POLL_NS.  Returns its next deadline. */
static uint64_t housekeeping(uint64_t now)
{
    static uint64_t next_poll;

    if (!cons_backend_active())
        return 0;
    if (next_poll <= now) {
        cons_backend_poll();
        next_poll = now + CONS_POLL_NS;
    }
    return next_poll;
}

/* The console has output waiting for the UART: this CPU's timers_run()
 * on its way out polls it (console_tx_poll) and comes back while bytes
 * wait.  Output written without the hypervisor lock (an interrupt, a CPU
 * starting) is found by the next timers_run() of any CPU. */
void console_tx_wanted(void)
{
    if (hv_lock_held())
        this_pcpu()->timers_dirty = true;
}

void timers_run(void)
{
    unsigned int cpu = smp_processor_id();
    struct pcpu *pc = this_pcpu();
    uint64_t now = get_s_time(), next;
    struct timer *t;

    ASSERT(hv_lock_held());

    pc->timers_dirty = false;
    /* Device interrupts raised since: the handler only marks them. */
    irq_deliver_pending();
    while ((t = queue[cpu]) && t->expires <= now) {
        queue_remove(t);
        t->fn(t->data);
    }
    next = queue[cpu] ? queue[cpu]->expires : 0;
    if (cpu == 0)
        next = earliest(next, housekeeping(now));
    if (pc->slice_end && pc->slice_end <= now) {
        pc->need_resched = true;
        pc->slice_end = 0;
    }
    next = earliest(next, pc->slice_end);
    /* The cap period (only while a domain has a cap) is every CPU's: a
     * capped domain may run anywhere, and CPU 0 may sleep. */
    next = earliest(next, sched_cap_tick(now));
    if (console_tx_poll())
        next = earliest(next, now + CONSOLE_TX_POLL_NS);
    arch_timer_program(next ? next + TIMER_SLOP_NS : 0);
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
