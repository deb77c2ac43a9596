/*
 * A proportional-share scheduler in the spirit of Xen's credit2, on one
 * physical CPU:
 *
 *  - every vCPU has a weighted virtual time: running for t ns adds
 *    t * 256 / weight (the domain's weight, default 256, applies to each
 *    of its vCPUs as in credit2); the runnable vCPU with the least
 *    virtual time runs next, for a slice of at most SLICE_NS;
 *  - work-conserving: an idle CPU runs any runnable vCPU, whatever its
 *    share; weights only divide time among vCPUs that want it;
 *  - a woken vCPU's virtual time is pulled up to (least runnable - one
 *    slice), so sleeping earns no unbounded credit, and it preempts the
 *    running vCPU at once if it is then behind it: I/O-bound and
 *    timer-driven vCPUs get low wake-up latency;
 *  - an optional cap (percent of one CPU, 0 = none) is enforced per
 *    domain in periods of CAP_PERIOD_NS: once a domain has used its budget
 *    its vCPUs are not runnable until the next period (not
 *    work-conserving, as a cap should be);
 *  - CPU time is accounted per domain (cpu_time) and per vCPU (runstate).
 *
 * Several physical CPUs share one run queue (every runnable vCPU, the
 * least virtual time first), which balances load across them by itself:
 * a CPU that goes idle takes the next eligible vCPU, wherever it last
 * ran; a vCPU that wakes goes to an idle CPU if there is one, else may
 * preempt the CPU running the most-served vCPU of another domain.
 *
 * Locking: the hypervisor lock (keel/smp.h) serialises all of this;
 * interrupts are off in the hypervisor; the domain list is only appended
 * to at boot.
 */
#include <keel/sched.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/time.h>
#include <keel/guest_access.h>
#include <keel/mm.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/cpu.h>
#include <keel/smp.h>
#include <keel/stats.h>

#define WEIGHT_UNIT 256
#define SLICE_NS 10000000UL          /* longest slice */
#define CAP_PERIOD_NS 10000000UL     /* cap budget period (credit2's 10 ms) */
#define RATELIMIT_NS 500000UL        /* least run before a wake-up preempts (credit2: 1 ms) */
#define YIELD_BIAS_NS 1000000UL      /* a yielding vCPU counts as this far ahead (credit2: 1 ms) */

static uint64_t cap_period_end;

static bool domain_capped_out(const struct domain *d)
{
    return d->cap && d->cap_used >= d->cap * (CAP_PERIOD_NS / 100);
}

bool vcpu_runnable(const struct vcpu *v)
{
    return v && v->online && !v->blocked && v->domain->state == DOM_RUNNING &&
           !v->domain->pause_count;
}

static bool vcpu_eligible(const struct vcpu *v)
{
    return vcpu_runnable(v) && !domain_capped_out(v->domain);
}

/* Move v to a new runstate, accounting the time spent in the old one. */
void runstate_set(struct vcpu *v, int state, uint64_t now)
{
    if (v->runstate.state >= 0 && v->runstate.state < 4 && now > v->runstate.state_entry_time)
        v->runstate.time[v->runstate.state] += now - v->runstate.state_entry_time;
    v->runstate.state = state;
    v->runstate.state_entry_time = now;
}

/* Charge the running vCPU for the time since it was last charged. */
static void account(struct vcpu *v, uint64_t now)
{
    struct domain *d;
    uint64_t delta;

    if (!v || now <= v->last_charged)
        return;
    d = v->domain;
    delta = now - v->last_charged;
    v->last_charged = now;
    d->cpu_time += delta;
    v->vruntime += delta * WEIGHT_UNIT / (d->weight ? d->weight : WEIGHT_UNIT);
    if (d->cap)
        d->cap_used += delta;
}

static uint64_t min_vruntime(const struct vcpu *skip)
{
    struct domain *d;
    uint64_t m = ~0UL;
    unsigned int i;

    for (d = domain_list; d; d = d->next)
        for (i = 0; i < d->max_vcpus; i++) {
            struct vcpu *v = d->vcpu[i];
            if (v && v != skip && vcpu_runnable(v) && v->vruntime < m)
                m = v->vruntime;
        }
    return m;
}

/* Ask CPU c to reschedule (at once if it is this one). */
static void resched_cpu(unsigned int c)
{
    pcpus[c].need_resched = true;
    cpu_kick(c);
}

/* End CPU c's slice no later than `when` (its timer is reprogrammed on
 * its way back to the guest). */
static void slice_end_by(unsigned int c, uint64_t when)
{
    if (c == smp_processor_id()) {
        sched_preempt_at(when);
        return;
    }
    if (!pcpus[c].slice_end || when < pcpus[c].slice_end) {
        pcpus[c].slice_end = when;
        pcpus[c].timers_dirty = true;
        cpu_kick(c);
    }
}

/* A vCPU of another domain that v may preempt, on the CPU where that
 * costs least (the running vCPU with the most virtual time). */
static void wake_preempt(struct vcpu *v)
{
    unsigned int c, best = NR_CPUS_MAX;
    uint64_t best_vr = 0, now = get_s_time();

    for (c = 0; c < NR_CPUS_MAX; c++) {
        struct vcpu *r = cpu_curr(c);
        if (r && vcpu_runnable(r) && r->domain != v->domain && v->vruntime < r->vruntime &&
            (best == NR_CPUS_MAX || r->vruntime > best_vr)) {
            best = c;
            best_vr = r->vruntime;
        }
    }
    if (best == NR_CPUS_MAX)
        return;
    /* Wake-up preemption across domains (isolation: a spinning neighbour
     * must not delay a timer), once the running vCPU has had credit2's
     * rate limit.  Between vCPUs of one domain the guest's own scheduler
     * decides: preempting there on every IPI costs more than it gains. */
    if (now - pcpus[best].running_since >= RATELIMIT_NS)
        resched_cpu(best);
    else
        slice_end_by(best, pcpus[best].running_since + RATELIMIT_NS);
}

/* A vCPU waits: every busy CPU must have a slice end, so that it is
 * reconsidered within SLICE_NS wherever it can run. */
static void ensure_slices(void)
{
    uint64_t when = get_s_time() + SLICE_NS;
    unsigned int c;

    for (c = 0; c < NR_CPUS_MAX; c++)
        if (pcpus[c].online && !pcpus[c].idle && !pcpus[c].slice_end)
            slice_end_by(c, when);
}

/* v has just become runnable and waits for a CPU: an idle CPU takes it
 * (the one it last ran on first: warm caches), else it may preempt. */
void vcpu_place(struct vcpu *v)
{
    unsigned int c;

    if (v->processor < NR_CPUS_MAX && pcpus[v->processor].online && pcpus[v->processor].idle) {
        pcpus[v->processor].idle = false;       /* claimed: the next wake-up looks elsewhere */
        resched_cpu(v->processor);
        return;
    }
    for (c = 0; c < NR_CPUS_MAX; c++)
        if (pcpus[c].online && pcpus[c].idle) {
            pcpus[c].idle = false;
            resched_cpu(c);
            return;
        }
    wake_preempt(v);
    ensure_slices();
}

/* Every CPU running one of d's vCPUs reschedules (d's parameters or
 * pause state changed) and reprograms its timers. */
void resched_domain(const struct domain *d)
{
    unsigned int c;

    for (c = 0; c < NR_CPUS_MAX; c++) {
        const struct vcpu *r = cpu_curr(c);
        if (r && r->domain == d) {
            pcpus[c].timers_dirty = true;
            resched_cpu(c);
        }
    }
    this_pcpu()->timers_dirty = true;
}

/* A vCPU queueing again after a sleep or a pause: its virtual time is
 * raised to at least (least runnable - one slice), so that time away
 * earns no unbounded credit. */
static void catch_up(struct vcpu *v)
{
    uint64_t m = min_vruntime(v);

    if (m != ~0UL && m > SLICE_NS && v->vruntime < m - SLICE_NS)
        v->vruntime = m - SLICE_NS;
}

void vcpu_wake(struct vcpu *v)
{
    bool was = vcpu_runnable(v);

    v->blocked = false;
    v->polling = false;
    if (v->is_running) {
        /* Running elsewhere: make it enter the hypervisor, which delivers
         * its pending events on the way back. */
        cpu_kick(v->processor);
        return;
    }
    if (was || !vcpu_runnable(v))
        return;
    runstate_set(v, RUNSTATE_runnable, get_s_time());
    catch_up(v);
    vcpu_place(v);
}

/*
 * VCPUOP_up: v, down until now, queues again.  It keeps its own virtual
 * time, pulled up as on any wake-up (catch_up) and never lowered, so that
 * a domain gains nothing by downing and upping its vCPUs (issue 11: the
 * caller's virtual time used to be copied to v, and a domain that did
 * this on every switch-in stopped its virtual time and took every CPU).
 * Xen's VCPUOP_up likewise only wakes the vCPU, which keeps its credit.
 */
void sched_vcpu_up(struct vcpu *v)
{
    runstate_set(v, RUNSTATE_runnable, get_s_time());
    catch_up(v);
    vcpu_place(v);
    this_pcpu()->timers_dirty = true;   /* its periodic timer runs again (timer.c) */
}

/* Virtual time as the pick sees it: a yielding vCPU counts as one bias
 * further ahead, so that a vCPU close behind runs (Xen's credit2 does the
 * same with its yield bias); the bias lasts for one pick. */
static uint64_t pick_key(const struct vcpu *v)
{
    return v->vruntime + (v->yielding ? YIELD_BIAS_NS : 0);
}

void sched_vcpu_yield(struct vcpu *v)
{
    v->yielding = true;
    this_pcpu()->need_resched = true;
}

static struct vcpu *pick_next(void)
{
    struct vcpu *best = NULL;
    struct domain *d;
    unsigned int i;

    for (d = domain_list; d; d = d->next)
        for (i = 0; i < d->max_vcpus; i++) {
            struct vcpu *v = d->vcpu[i];
            if (vcpu_eligible(v) && (!v->is_running || v == current) &&
                (!best || pick_key(v) < pick_key(best)))
                best = v;
        }
    return best;
}

static bool others_eligible(const struct vcpu *me)
{
    struct domain *d;
    unsigned int i;

    for (d = domain_list; d; d = d->next)
        for (i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i] != me && vcpu_eligible(d->vcpu[i]) && !d->vcpu[i]->is_running)
                return true;
    return false;
}

static bool any_domain_alive(void)
{
    struct domain *d;

    for (d = domain_list; d; d = d->next)
        if (d->state == DOM_RUNNING)
            return true;
    return false;
}

/* Start a new cap period when the old one is over (called by timers_run). */
uint64_t sched_cap_tick(uint64_t now)
{
    struct domain *d;
    bool any = false;

    for (d = domain_list; d; d = d->next)
        any |= d->cap != 0;
    if (!any)
        return 0;
    if (now >= cap_period_end) {
        /* Overshoot (the budget timer fires a little late) is carried
         * into the next period, so the long-run share is exact. */
        for (d = domain_list; d; d = d->next) {
            uint64_t budget = d->cap * (CAP_PERIOD_NS / 100);
            d->cap_used = d->cap_used > budget ? d->cap_used - budget : 0;
        }
        unsigned int c;
        cap_period_end = now + CAP_PERIOD_NS;
        for (c = 0; c < NR_CPUS_MAX; c++)   /* parked vCPUs may run again */
            if (pcpus[c].online)
                resched_cpu(c);
    }
    return cap_period_end;
}

/* The slice for v: SLICE_NS, cut to its domain's remaining cap budget. */
static uint64_t slice_for(const struct vcpu *v)
{
    const struct domain *d = v->domain;
    uint64_t budget;

    if (!d->cap)
        return SLICE_NS;
    budget = d->cap * (CAP_PERIOD_NS / 100);
    return budget > d->cap_used ? MIN(SLICE_NS, budget - d->cap_used) : 1;
}

bool sched_domain_loaded(const struct domain *d)
{
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i]->is_running)
            return true;
    return false;
}

/* Destroy boot-time domUs that have shut down, once no CPU uses their
 * page tables (run-time domains wait for XEN_DOMCTL_destroydomain), and
 * free run-time domains whose last frame went (domain_life.c). */
static void reap_dead_domains(void)
{
    struct domain *d;

    for (d = domain_list; d; d = d->next)
        if (d->state == DOM_SHUTDOWN && d != dom0 && !d->runtime &&
            !sched_domain_loaded(d))
            domain_destroy(d);
    domain_reap_pending();
}

/* Copy v's runstate to the area the guest registered (its own address
 * space must be loaded: v's domain is running on this CPU). */
void runstate_area_update(struct vcpu *v)
{
    struct vcpu_runstate_info r = v->runstate;

    if (!v->runstate_guest)
        return;
    if (v->domain->vm_assist & (1UL << VMASST_TYPE_runstate_update_flag)) {
        /* XEN_RUNSTATE_UPDATE marks the area as being written. */
        uint64_t flagged = r.state_entry_time | XEN_RUNSTATE_UPDATE;
        (void)copy_to_guest(v->runstate_guest + 8, &flagged, sizeof(flagged));
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        (void)copy_to_guest(v->runstate_guest, &r, sizeof(r));
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        (void)copy_to_guest(v->runstate_guest + 8, &r.state_entry_time, 8);
    } else {
        (void)copy_to_guest(v->runstate_guest, &r, sizeof(r));
    }
}

void schedule(void)
{
    struct pcpu *pc = this_pcpu();
    struct vcpu *prev = current, *next;
    uint64_t now = get_s_time();

    account(prev, now);
    if (prev && prev->runstate.state == RUNSTATE_running)
        runstate_set(prev, prev->online ? (prev->blocked ? RUNSTATE_blocked : RUNSTATE_runnable)
                                        : RUNSTATE_offline, now);
    pc->need_resched = false;
    for (;;) {
        next = pick_next();
        if (next)
            break;
        if (!any_domain_alive()) {
            printk("no domain left running\n");
            machine_power_off(0);
        }
        /* Idle, on the hypervisor's own page tables, with no vCPU loaded
         * (another CPU may take the one that ran here), until an
         * interrupt may have made something runnable. */
        context_switch_out();
        pc->idle = true;
        pc->slice_end = 0;
        reap_dead_domains();
        timers_run();
        /* timers_run() may have woken a vCPU whose deadline had already
         * passed, and then have nothing left to program: halting now
         * would lose that wake-up. */
        if (pick_next())
            continue;
        pc->need_resched = false;
        stats_idle(true);
        hv_unlock();
        asm volatile("sti; hlt; cli" ::: "memory");
        flush_tlb_serve();
        hv_lock();
        stats_idle(false);
        pc->need_resched = false;
    }
    pc->idle = false;
    if (prev)
        prev->yielding = false;
    now = get_s_time();
    if (next != current)
        context_switch_to(next);
    runstate_set(next, RUNSTATE_running, now);
    next->last_charged = now;
    pc->running_since = now;
    runstate_area_update(next);
    reap_dead_domains();
    sched_set_slice(slice_for(next), others_eligible(next) || next->domain->cap);
}

/*
 * Run-time parameters (XEN_DOMCTL_scheduler_op putinfo, validated by the
 * caller: weight 1..65535, cap 0..100 * vCPUs).  The new weight applies
 * from the next charge on (virtual time already run stays as charged); a
 * changed cap starts with a fresh budget, and the timers are reprogrammed
 * on the way out so that the cap period runs (or stops) as needed.
 */
void sched_adjust(struct domain *d, uint32_t weight, uint32_t cap)
{
    d->weight = weight;
    if (cap != d->cap) {
        d->cap = cap;
        d->cap_used = 0;
    }
    resched_domain(d);
}

/*
 * d's control pause count has just gone from 0 to 1 (d->lock held): its
 * vCPUs are no longer runnable (vcpu_runnable); the ones waiting for a CPU
 * show as offline in their runstate, as Xen's paused vCPUs do.
 */
void sched_domain_pause(struct domain *d)
{
    uint64_t now = get_s_time();
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (v && v->runstate.state == RUNSTATE_runnable)
            runstate_set(v, RUNSTATE_offline, now);
    }
    resched_domain(d);
}

/*
 * d's control pause count has just dropped to 0 (d->lock held): its
 * runnable vCPUs queue again, with their virtual time pulled up as on a
 * wake-up, so that a long pause earns no burst of CPU afterwards.
 */
void sched_domain_unpause(struct domain *d)
{
    uint64_t now = get_s_time();
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!vcpu_runnable(v) || v == current)
            continue;
        runstate_set(v, RUNSTATE_runnable, now);
        catch_up(v);
        vcpu_place(v);
    }
}
