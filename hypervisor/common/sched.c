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
 * Several physical CPUs share one run queue, which balances load across
 * them by itself: a CPU that goes idle takes the next eligible vCPU,
 * wherever it last ran; a vCPU that wakes goes to an idle CPU if there is
 * one, else may preempt the CPU running the most-served vCPU of another
 * domain.
 *
 * The run queue (issue 16) is a binary min-heap on virtual time of the
 * vCPUs that wait for a CPU: every vCPU that is runnable and not running
 * is in it, or parked on its domain while the domain is over its cap.
 * Entries that stop being runnable while queued (downed, paused, their
 * domain shut down) are dropped when they reach the top, so only the
 * ways back to runnable (wake-up, VCPUOP_up, unpause, a new cap period)
 * queue a vCPU.  Pick, wake-up and the least-virtual-time query are
 * O(log n) in the number of vCPUs (amortised: each dropped or parked
 * entry was queued once); the scans left are over physical CPUs.
 *
 * Hard affinity (XEN_DOMCTL_setvcpuaffinity): a vCPU runs only on the
 * CPUs of its hard mask.  A waiting vCPU whose mask leaves out an online
 * CPU waits on a short list (pinq) instead of the heap; a CPU's pick is
 * the lesser of the heap's top and the least eligible vCPU on the list it
 * may run, so pinning costs O(pinned vCPUs) per pick and nothing when no
 * vCPU is pinned.  Among the vCPUs that may run on a CPU the weights share
 * it as everywhere else.  A running vCPU whose new mask leaves out its CPU
 * is switched out there and placed on a CPU of its mask.  The soft mask is
 * stored and reported only (docs/abi.md).
 *
 * Scheduling work is charged (issue 11, defect 7): the pick and context
 * switch go to the vCPU switched out (it blocked, yielded, went down or
 * used its slice), or to the vCPU switched in when that one preempted it
 * by waking up; a dead domain is torn down in bounded steps, up to
 * REAP_BUDGET_NS of them per schedule() (which then comes back within
 * REAP_TICK_NS; on an idle CPU pass after pass, with interrupts let in
 * between), charged to the dead domain and to no vCPU's virtual time.
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
#include <keel/lib.h>

#define WEIGHT_UNIT 256
#define SLICE_NS 10000000UL          /* longest slice */
#define CAP_PERIOD_NS 10000000UL     /* cap budget period (credit2's 10 ms) */
#define RATELIMIT_NS 500000UL        /* least run before a wake-up preempts (credit2: 1 ms) */
#define YIELD_BIAS_NS 1000000UL      /* a yielding vCPU counts as this far ahead (credit2: 1 ms) */
#define REAP_BUDGET_NS 200000UL      /* teardown steps per schedule() (as HYPERCALL_PREEMPT_NS) */
#define REAP_TICK_NS 1000000UL       /* while a teardown waits, schedule() at least this often */

static uint64_t cap_period_end;
static unsigned int nr_capped;      /* domains with a cap */

/* vCPUs looked at by the scheduler (run-queue entries compared or
 * examined): the host tests check it grows as log n, not n. */
unsigned long sched_visits;

static bool domain_capped_out(const struct domain *d)
{
    return d->cap && d->cap_used >= d->cap * (CAP_PERIOD_NS / 100);
}

static bool vcpu_eligible(const struct vcpu *v)
{
    return vcpu_runnable(v) && !domain_capped_out(v->domain);
}

/* Move v to a new runstate, accounting the time spent in the old one. */
void runstate_set(struct vcpu *v, int state, uint64_t now)
{
    /* Monotonic per vCPU across CPUs, and the wake-up latency (vstats.c). */
    vstat_runstate(&v->runstate, &v->vs, state, now);
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

/* ---- the run queue: rq[1..rq_len], a binary min-heap on vruntime ---- */
static struct vcpu **rq;
static unsigned int rq_len, rq_room;
static struct domain *parked_domains;   /* domains with parked vCPUs */
static uint64_t parked_floor = ~0UL;    /* <= the least vruntime parked */
static struct domain *reap_list;        /* shut down, to tear down */

static bool rq_less(const struct vcpu *a, const struct vcpu *b)
{
    sched_visits++;
    return a->vruntime < b->vruntime;
}

static void rq_put(unsigned int i, struct vcpu *v)
{
    rq[i] = v;
    v->rq_pos = i;
}

static void rq_sift_up(unsigned int i)
{
    struct vcpu *v = rq[i];

    while (i > 1 && rq_less(v, rq[i / 2])) {
        rq_put(i, rq[i / 2]);
        i /= 2;
    }
    rq_put(i, v);
}

static void rq_sift_down(unsigned int i)
{
    struct vcpu *v = rq[i];

    for (;;) {
        unsigned int c = 2 * i;
        if (c > rq_len)
            break;
        if (c < rq_len && rq_less(rq[c + 1], rq[c]))
            c++;
        if (!rq_less(rq[c], v))
            break;
        rq_put(i, rq[c]);
        i = c;
    }
    rq_put(i, v);
}

/* Room for every vCPU in the heap (each is in it at most once). */
static int rq_reserve(unsigned int n)
{
    struct vcpu **bigger;
    unsigned int room = rq_room ? rq_room : 16;

    if (n <= rq_room)
        return 0;
    while (room < n)
        room *= 2;
    bigger = xzalloc_bytes((room + 1) * sizeof(*bigger));
    if (!bigger)
        return -1;
    if (rq)
        memcpy(bigger, rq, (rq_len + 1) * sizeof(*bigger));
    xfree(rq);
    rq = bigger;
    rq_room = room;
    return 0;
}

static void rq_insert(struct vcpu *v)
{
    rq_put(++rq_len, v);
    rq_sift_up(rq_len);
}

static void rq_remove(struct vcpu *v)
{
    unsigned int i = v->rq_pos;
    struct vcpu *last = rq[rq_len--];

    v->rq_pos = 0;
    if (last == v)
        return;
    rq_put(i, last);
    rq_sift_up(i);
    rq_sift_down(last->rq_pos);
}

/* ---- pinq: waiting vCPUs that may not run on every online CPU ---- */
static struct vcpu *pinq;

static bool vcpu_restricted(const struct vcpu *v)
{
    uint64_t on = cpus_online_mask();

    return (vcpu_hard_affinity(v) & on) != on;
}

static void pinq_insert(struct vcpu *v)
{
    v->rq_pinq = true;
    v->rq_pinq_next = pinq;
    pinq = v;
}

static void pinq_remove(struct vcpu *v)
{
    struct vcpu **pp;

    for (pp = &pinq; *pp; pp = &(*pp)->rq_pinq_next)
        if (*pp == v) {
            *pp = v->rq_pinq_next;
            break;
        }
    v->rq_pinq = false;
    v->rq_pinq_next = NULL;
}

/* Waiting in the heap or on pinq. */
static bool rq_queued(const struct vcpu *v)
{
    return v->rq_pos || v->rq_pinq;
}

static void rq_add(struct vcpu *v)
{
    if (vcpu_restricted(v))
        pinq_insert(v);
    else
        rq_insert(v);
}

static void rq_del(struct vcpu *v)
{
    if (v->rq_pos)
        rq_remove(v);
    else if (v->rq_pinq)
        pinq_remove(v);
}

/* d is over its cap: v waits on d until a period gives d budget again. */
static void park(struct vcpu *v)
{
    struct domain *d = v->domain;

    v->rq_parked = true;
    v->rq_parked_next = d->parked;
    d->parked = v;
    if (!d->parked_listed) {
        d->parked_listed = true;
        d->parked_next = parked_domains;
        parked_domains = d;
    }
    parked_floor = MIN(parked_floor, v->vruntime);
}

/* d has budget again: its parked vCPUs queue with the virtual time they
 * had (they did not sleep; they were held back). */
static void unpark(struct domain *d)
{
    struct vcpu *v = d->parked;

    d->parked = NULL;
    while (v) {
        struct vcpu *next = v->rq_parked_next;
        sched_visits++;
        v->rq_parked = false;
        v->rq_parked_next = NULL;
        if (vcpu_runnable(v) && !v->is_running && !rq_queued(v))
            rq_add(v);
        v = next;
    }
}

/*
 * d is about to be freed (domain_free, domain_life.c): none of its vCPUs
 * may stay in the run queue or parked, and d may not stay on the list of
 * domains with parked vCPUs or on the reap list.
 */
void sched_domain_free(struct domain *d)
{
    struct domain **pp;
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            rq_del(d->vcpu[i]);
    d->parked = NULL;
    for (pp = &parked_domains; *pp; pp = &(*pp)->parked_next)
        if (*pp == d) {
            *pp = d->parked_next;
            break;
        }
    d->parked_listed = false;
    for (pp = &reap_list; *pp; pp = &(*pp)->reap_next)
        if (*pp == d) {
            *pp = d->reap_next;
            break;
        }
    d->reap_listed = false;
}

/* Unpark every domain with budget; recompute the parked floor. */
static void unpark_all(void)
{
    struct domain **pp = &parked_domains, *d;

    parked_floor = ~0UL;
    while ((d = *pp)) {
        if (!domain_capped_out(d)) {
            *pp = d->parked_next;
            d->parked_listed = false;
            unpark(d);
            continue;
        }
        for (struct vcpu *v = d->parked; v; v = v->rq_parked_next)
            parked_floor = MIN(parked_floor, v->vruntime);
        pp = &d->parked_next;
    }
}

/* The heap's least eligible vCPU, after dropping the entries that are
 * no longer runnable and parking those over their cap; one that may not
 * run on CPU c (its mask no longer covers every online CPU) moves to
 * pinq.  c >= NR_CPUS_MAX: any CPU. */
static struct vcpu *heap_first(unsigned int c)
{
    while (rq_len) {
        struct vcpu *v = rq[1];
        sched_visits++;
        if (!vcpu_runnable(v) || v->is_running) {
            rq_remove(v);
        } else if (domain_capped_out(v->domain)) {
            rq_remove(v);
            park(v);
        } else if (!vcpu_may_run_on(v, c)) {
            rq_remove(v);
            pinq_insert(v);
        } else {
            return v;
        }
    }
    return NULL;
}

/* pinq's least eligible vCPU that may run on CPU c, dropping and parking
 * entries as heap_first does. */
static struct vcpu *pinq_first(unsigned int c)
{
    struct vcpu **pp = &pinq, *v, *best = NULL;

    while ((v = *pp)) {
        sched_visits++;
        if (!vcpu_runnable(v) || v->is_running || domain_capped_out(v->domain)) {
            *pp = v->rq_pinq_next;
            v->rq_pinq = false;
            v->rq_pinq_next = NULL;
            if (vcpu_runnable(v) && !v->is_running)
                park(v);
            continue;
        }
        if (vcpu_may_run_on(v, c) && (!best || v->vruntime < best->vruntime))
            best = v;
        pp = &v->rq_pinq_next;
    }
    return best;
}

/* The least eligible waiting vCPU that may run on CPU c (any CPU if
 * c >= NR_CPUS_MAX). */
static struct vcpu *rq_first_on(unsigned int c)
{
    struct vcpu *h = heap_first(c), *p = pinq_first(c);

    if (!p)
        return h;
    return !h || p->vruntime < h->vruntime ? p : h;
}

static struct vcpu *rq_first(void)
{
    return rq_first_on(smp_processor_id());
}

/* The least virtual time of any runnable vCPU but skip: waiting, parked
 * (a lower bound) or running on some CPU.  A running vCPU is charged up
 * to now first: its virtual time is otherwise that of its last
 * schedule(), and one that ran alone for long without a slice end (dom0
 * building domains while they are paused) would pull the vCPUs that
 * wake up against it that far back, then wait as long for them (issue
 * 11: linux-blk's dom0 got no CPU for 29-47 s after unpausing two domUs
 * at once).  Xen's credit2 likewise burns the running vCPUs' credit
 * (burn_credits) before it compares a waking vCPU with them (runq_tickle). */
static uint64_t min_vruntime(const struct vcpu *skip)
{
    struct vcpu *top = rq_first_on(NR_CPUS_MAX);
    uint64_t m = parked_floor, now = get_s_time();
    unsigned int c;

    if (top && top != skip)
        m = MIN(m, top->vruntime);
    for (c = 0; c < NR_CPUS_MAX; c++) {
        struct vcpu *r = cpu_curr(c);
        if (r && r != skip && vcpu_runnable(r)) {
            account(r, now);
            m = MIN(m, r->vruntime);
        }
    }
    return m;
}

/* A vCPU that waits for a CPU joins the queue (parked if its domain is
 * over its cap); one running somewhere is left to its CPU's schedule(). */
static void rq_enqueue(struct vcpu *v)
{
    if (v->is_running || v->rq_parked || !vcpu_runnable(v))
        return;
    if (rq_queued(v))
        return;
    if (domain_capped_out(v->domain))
        park(v);
    else
        rq_add(v);
}

static unsigned int rq_nr_vcpus;        /* vCPUs the heap has room for */

int sched_vcpu_init(struct vcpu *v)
{
    (void)v;
    if (rq_reserve(rq_nr_vcpus + 1))
        return -1;
    rq_nr_vcpus++;
    return 0;
}

/*
 * (Re)build the queue from every domain's vCPUs: at boot, once the
 * domains are built (and by the host tests for each world they make).
 */
void sched_init_queue(void)
{
    struct domain *d;
    unsigned int i, n = 0;

    rq_len = 0;
    pinq = NULL;
    parked_domains = NULL;
    parked_floor = ~0UL;
    reap_list = NULL;
    nr_capped = 0;
    cap_period_end = 0;
    for (d = domain_list; d; d = d->next) {
        d->parked = NULL;
        d->parked_listed = d->reap_listed = false;
        nr_capped += d->cap != 0;
        for (i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i]) {
                d->vcpu[i]->rq_pos = 0;
                d->vcpu[i]->rq_parked = false;
                d->vcpu[i]->rq_pinq = false;
                d->vcpu[i]->rq_pinq_next = NULL;
                n++;
            }
    }
    if (rq_reserve(n))
        panic("no memory for the run queue of %u vCPUs\n", n);
    rq_nr_vcpus = MAX(rq_nr_vcpus, n);
    for (d = domain_list; d; d = d->next) {
        for (i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i])
                rq_enqueue(d->vcpu[i]);
        if (d->state == DOM_SHUTDOWN)
            resched_domain(d);
    }
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
        if (r && vcpu_may_run_on(v, c) && vcpu_runnable(r) && r->domain != v->domain &&
            v->vruntime < r->vruntime &&
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
    pcpus[best].wake_preempt = true;        /* the switch is the waker's */
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

/* An idle CPU other than this one that v may run on takes it. */
static void place_on_idle(struct vcpu *v)
{
    unsigned int c;

    for (c = 0; c < NR_CPUS_MAX; c++)
        if (c != smp_processor_id() && pcpus[c].online && pcpus[c].idle && vcpu_may_run_on(v, c)) {
            pcpus[c].idle = false;
            resched_cpu(c);
            return;
        }
}

/* v has just become runnable and waits for a CPU: an idle CPU of its
 * hard mask takes it (the one it last ran on first: warm caches), else it
 * may preempt. */
void vcpu_place(struct vcpu *v)
{
    unsigned int c;

    if (v->processor < NR_CPUS_MAX && pcpus[v->processor].online && pcpus[v->processor].idle &&
        vcpu_may_run_on(v, v->processor)) {
        pcpus[v->processor].idle = false;       /* claimed: the next wake-up looks elsewhere */
        resched_cpu(v->processor);
        return;
    }
    for (c = 0; c < NR_CPUS_MAX; c++)
        if (pcpus[c].online && pcpus[c].idle && vcpu_may_run_on(v, c)) {
            pcpus[c].idle = false;
            resched_cpu(c);
            return;
        }
    wake_preempt(v);
    ensure_slices();
}

/* Every CPU running one of d's vCPUs reschedules (d's parameters or
 * pause state changed) and reprograms its timers; a domain that has
 * shut down joins the list of those to tear down. */
void resched_domain(struct domain *d)
{
    unsigned int c;

    ASSERT(hv_lock_held());

    if (d->state == DOM_SHUTDOWN && d != dom0 && !d->runtime && !d->reap_listed) {
        d->reap_listed = true;
        d->reap_next = reap_list;
        reap_list = d;
        this_pcpu()->need_resched = true;   /* the teardown starts on the way out */
    }
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
 * earns no unbounded credit; it then queues (a stale entry of it, left
 * when it stopped being runnable, goes first: its key changes). */
static void catch_up(struct vcpu *v)
{
    uint64_t m;

    rq_del(v);
    m = min_vruntime(v);
    if (m != ~0UL && m > SLICE_NS && v->vruntime < m - SLICE_NS)
        v->vruntime = m - SLICE_NS;
    rq_enqueue(v);
}

void vcpu_wake(struct vcpu *v)
{
    bool was = vcpu_runnable(v);

    ASSERT(hv_lock_held());

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

/* What this CPU runs next: the queue's least eligible vCPU, or prev
 * (still loaded here) if it is eligible and not behind it (a tie keeps
 * prev: no switch). */
static struct vcpu *pick_next(struct vcpu *prev)
{
    struct vcpu *top = rq_first();

    if (prev && vcpu_eligible(prev) && vcpu_may_run_on(prev, smp_processor_id()) &&
        (!top || pick_key(prev) <= top->vruntime))
        return prev;
    return top;
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
    unsigned int c;

    if (!nr_capped)
        return 0;
    if (now >= cap_period_end) {
        /* Overshoot (the budget timer fires a little late) is carried
         * into the next period, so the long-run share is exact.  (Once
         * a period: a pass over the domains, not the vCPUs.) */
        for (d = domain_list; d; d = d->next) {
            uint64_t budget = d->cap * (CAP_PERIOD_NS / 100);
            d->cap_used = d->cap_used > budget ? d->cap_used - budget : 0;
        }
        unpark_all();
        /* Periods on a fixed grid: a tick that comes late (a loaded host,
         * a long hypervisor entry) shortens the next period instead of
         * lengthening this one, or a 25 % cap gave 20-24 % (issue 17,
         * linux-iso).  A tick more than a period late starts afresh: the
         * periods missed are not paid back in a burst. */
        cap_period_end = now - cap_period_end < CAP_PERIOD_NS ? cap_period_end + CAP_PERIOD_NS
                                                              : now + CAP_PERIOD_NS;
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

    for (i = 0; i < d->max_vcpus; i++, sched_visits++)
        if (d->vcpu[i] && d->vcpu[i]->is_running)
            return true;
    return false;
}

/*
 * One bounded step of tearing down the first dead domain no CPU still
 * uses (domain_destroy_step; boot-time domUs only, run-time ones wait for
 * XEN_DOMCTL_destroydomain, domain_life.c), charged to that domain: its CPU time grows
 * by the time taken, and no vCPU's virtual time does.  Returns whether
 * there is more to do.
 */
static bool reap_step(void)
{
    struct domain **pp, *d;
    uint64_t t0;

    for (pp = &reap_list; (d = *pp); pp = &d->reap_next)
        if (!sched_domain_loaded(d))
            break;
    if (!d)
        return false;
    t0 = get_s_time();
    if (domain_destroy_step(d))
        *pp = d->reap_next;
    d->cpu_time += get_s_time() - t0;
    return reap_list != NULL;
}

/* Teardown steps for up to REAP_BUDGET_NS (at least one); more to do? */
static bool reap_some(void)
{
    uint64_t end = get_s_time() + REAP_BUDGET_NS;
    bool more;

    while ((more = reap_step()) && get_s_time() < end)
        ;
    /* Run-time domains whose last frame went are freed here too. */
    domain_reap_pending();
    return more;
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

/* prev leaves this CPU's accounting at now: charged up to now, its
 * runstate what it is left in; a runnable prev waits in the queue. */
static void switch_out_charge(struct vcpu *prev, uint64_t now)
{
    /* Still runnable and not yielding: it was preempted (slice end,
     * a waking vCPU, its cap). */
    if (prev->runstate.state == RUNSTATE_running && vcpu_runnable(prev) && !prev->yielding)
        prev->vs.preemptions++;
    prev->yielding = false;     /* the bias lasts for one pick */
    account(prev, now);
    /* As Xen's schedule(): blocked, else runnable if it still may run,
     * else offline (down, paused by the toolstack, its domain shut down). */
    if (prev->runstate.state == RUNSTATE_running)
        runstate_set(prev, !prev->online ? RUNSTATE_offline
                           : prev->blocked ? RUNSTATE_blocked
                           : vcpu_runnable(prev) ? RUNSTATE_runnable : RUNSTATE_offline, now);
    rq_enqueue(prev);
    if (!rq_queued(prev))
        return;
    /* Its hard mask leaves this CPU out now: a CPU of the mask takes it.
     * Else an idle CPU of its mask does, if there is one (a pinned vCPU
     * waking up may have preempted it here while a CPU outside that
     * vCPU's mask idles). */
    if (!vcpu_may_run_on(prev, smp_processor_id()))
        vcpu_place(prev);
    else
        place_on_idle(prev);
}

/* Nothing to run here: idle, on the hypervisor's own page tables, with
 * no vCPU loaded (another CPU may take the one that ran here), until an
 * interrupt may have made something runnable.  A dead domain waiting to
 * be torn down gets a step per pass, with interrupts let in between
 * steps rather than a halt. */
static bool idle_once(struct pcpu *pc)
{
    bool more;

    pc->idle = true;
    pc->slice_end = 0;
    more = reap_some();
    timers_run();
    /* timers_run() may have woken a vCPU whose deadline had already
     * passed, and then have nothing left to program: halting now would
     * lose that wake-up.  The lock is still held, and this hold has had
     * its teardown budget: tell schedule() not to spend another. */
    if (rq_first())
        return true;
    pc->need_resched = false;
    stats_idle(true);
    hv_unlock();
    arch_cpu_idle(!more);
    flush_tlb_serve();
    hv_lock();
    stats_idle(false);
    pc->need_resched = false;
    return false;
}

void schedule(void)
{
    struct pcpu *pc = this_pcpu();
    struct vcpu *prev = current, *next;
    bool preempted = pc->wake_preempt, waker_pays, more, reaped = false;
    uint64_t t0 = get_s_time(), now;

    ASSERT(hv_lock_held());

    account(prev, t0);          /* its virtual time, as the pick sees it */
    pc->need_resched = false;
    pc->wake_preempt = false;
    for (;;) {
        next = pick_next(current);
        if (next)
            break;
        if (!any_domain_alive()) {
            printk("no domain left running\n");
            machine_power_off(0);
        }
        if (prev) {             /* it pays for its own way out */
            vcpu_timers_switch_out(prev);
            context_switch_out();
            switch_out_charge(prev, get_s_time());
            prev = NULL;
        }
        reaped = idle_once(pc);
    }
    pc->idle = false;
    rq_del(next);
    /* Who pays for the pick and the switch: prev, which gave the CPU up
     * (blocked, yielded, went down, used its slice), unless a waking vCPU
     * took the CPU from it (wake_preempt): then that one pays.  After an
     * idle spell nobody does (the idle CPU's time). */
    waker_pays = prev && next != prev && preempted && vcpu_eligible(prev);
    if (next != current) {
        /* It ran before, elsewhere: a migration. */
        if (next->processor != smp_processor_id() && next->runstate.time[RUNSTATE_running])
            next->vs.migrations++;
        /* Its periodic timer runs only while it runs (timer.c). */
        vcpu_timers_switch_out(current);
        context_switch_to(next);
        vcpu_timers_switch_in(next);
    }
    now = get_s_time();
    if (prev) {
        if (next == prev) {
            prev->yielding = false;
            account(prev, now);
        } else {
            switch_out_charge(prev, waker_pays ? t0 : now);
        }
    }
    if (next != prev) {
        if (waker_pays) {
            next->last_charged = t0;
            account(next, now);
        }
        runstate_set(next, RUNSTATE_running, waker_pays ? t0 : now);
    }
    /* Bounded steps of tearing down a dead domain, charged to it; while
     * one waits, this CPU comes back within REAP_TICK_NS for more.  One
     * budget per lock hold: none if idle_once() spent it in this one. */
    more = reap_list && (reaped || reap_some());
    now = get_s_time();
    next->last_charged = now;
    pc->running_since = now;
    runstate_area_update(next);
    /* A slice whenever a vCPU waits, even one that may not run here: the
     * CPUs of its mask may be busy with vCPUs that could move here. */
    sched_set_slice(more ? MIN(slice_for(next), REAP_TICK_NS) : slice_for(next),
                    more || rq_first_on(NR_CPUS_MAX) || next->domain->cap);
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
    ASSERT(hv_lock_held());

    d->weight = weight;
    if (cap != d->cap) {
        nr_capped += (cap != 0) - (d->cap != 0);
        d->cap = cap;
        d->cap_used = 0;
        unpark_all();
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

    ASSERT(hv_lock_held());

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

    ASSERT(hv_lock_held());

    for (i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        if (!vcpu_runnable(v) || v == current)
            continue;
        runstate_set(v, RUNSTATE_runnable, now);
        catch_up(v);
        vcpu_place(v);
    }
}

/*
 * XEN_DOMCTL_setvcpuaffinity (domctl.c checked that hard has an online
 * CPU): store both masks; a waiting v moves between the heap and pinq as
 * its new mask says; a running v whose CPU the mask leaves out is switched
 * out there (switch_out_charge then places it on a CPU of its mask); a
 * waiting v may now have an idle CPU to go to.
 */
void sched_set_affinity(struct vcpu *v, uint64_t hard, uint64_t soft)
{
    ASSERT(hv_lock_held());

    v->hard_excluded = ~hard & CPU_MASK_ALL;
    v->soft_excluded = ~soft & CPU_MASK_ALL;
    if (rq_queued(v)) {
        rq_del(v);
        rq_enqueue(v);
    }
    if (v->is_running) {
        if (!vcpu_may_run_on(v, v->processor))
            resched_cpu(v->processor);
    } else if (rq_queued(v)) {
        vcpu_place(v);
    }
}
