/*
 * The run queue of the real scheduler (hypervisor/common/sched.c) with
 * hundreds of vCPUs, in a host simulation of one or two physical CPUs
 * (issue 16: run queues and host tests of pick/account/caps; issue 11
 * defect 7: scheduling work charged to nobody, and O(n) scans at
 * hypercall rate).
 *
 * Time advances in steps of STEP_NS.  After each step every vCPU that
 * holds a CPU acts (CPU-bound vCPUs do nothing, yielders call
 * SCHEDOP_yield, blockers block), then each CPU whose slice has ended or
 * which was asked to reschedule runs schedule() with that CPU's identity.
 * A context switch costs switch_cost ns of simulated time (fake_now
 * advances inside context_switch_to), so the time the scheduler itself
 * takes is part of the simulation.  CPU time is counted by the simulation
 * (which vCPU holds each CPU during each step), not read from the
 * scheduler's own accounting, except where that accounting is the thing
 * checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/time.h>

#define NR_SIM_CPUS 2
#define MAX_SIM_DOMS 16
#define VCPUS_PER_DOM 32            /* MAX_VCPUS */
#define SLICE_NS 10000000UL         /* sched.c's longest slice */

/* ---- the architecture under sched.c ---- */
static uint64_t switch_cost;        /* ns of simulated time per context switch */
static unsigned int switches;
/* Saving and loading state takes time. */
#define SCHED_SIM_ON_SWITCH(next) ((void)(next), fake_now += switch_cost, switches++)
#define SCHED_SIM_SLICES      /* timer.c is not linked: the slice alone */
#include "sched_sim.h"

/* If set, timers_run() wakes it (a timer of its that has expired). */
static struct vcpu *timer_wakes;

void timers_run(void)
{
    struct pcpu *pc = this_pcpu();

    if (timer_wakes && timer_wakes->blocked)
        vcpu_wake(timer_wakes);

    if (pc->slice_end && pc->slice_end <= get_s_time()) {
        pc->need_resched = true;
        pc->slice_end = 0;
    }
    (void)sched_cap_tick(get_s_time());     /* as timer.c: cap periods */
}

/* The vCPUs' timers (timer.c) are not simulated here. */
void vcpu_timers_switch_in(struct vcpu *v) { (void)v; }
void vcpu_timers_switch_out(struct vcpu *v) { (void)v; }

/* Lock holds in simulated time: from hv_lock() (or the start of a
 * reschedule(), entered with the lock held) to hv_unlock() (or its end). */
static uint64_t hold_start, longest_hold;
void hv_lock(void) { hold_start = fake_now; }
void hv_unlock(void)
{
    if (fake_now - hold_start > longest_hold)
        longest_hold = fake_now - hold_start;
}
void flush_tlb_serve(void) {}
__noreturn void machine_power_off(unsigned int reason)
{
    (void)reason;
    fail_msg("the scheduler found no domain alive");
    abort();
}

/* Tearing a dead domain down: REAP_STEPS steps of REAP_STEP_NS each.
 * (Before, sched.c called a domain_destroy() that did it all at once;
 * the test then stood for it with all the steps in one call.) */
#define REAP_STEPS 200
#define REAP_STEP_NS 100000UL
static unsigned int reap_steps_done;

bool domain_destroy_step(struct domain *d)
{
    d->state = DOM_DYING;
    if (reap_steps_done < REAP_STEPS) {
        fake_now += REAP_STEP_NS;
        reap_steps_done++;
    }
    return reap_steps_done == REAP_STEPS;
}

/* ---- the simulated machine ---- */
enum behaviour { CPU_BOUND, YIELDER, BLOCKER, PINGPONG };
static unsigned long pingpongs;

struct sim_dom {
    struct domain d;
    struct vcpu v[VCPUS_PER_DOM];
    struct shared_info si;
    enum behaviour how;
    uint64_t used[VCPUS_PER_DOM];   /* ns of CPU, counted by the simulation */
};

static struct sim_dom *doms[MAX_SIM_DOMS];
static unsigned int nr_doms, nr_cpus;
static uint64_t step_ns, t_start;
static unsigned long schedules;     /* schedule() calls */
static uint64_t longest_schedule;   /* ns of simulated time one schedule() took */
static bool check_pick;             /* after each schedule(): least virtual time ran */

static struct sim_dom *dom_of(const struct vcpu *v)
{
    return (struct sim_dom *)((char *)v->domain - offsetof(struct sim_dom, d));
}

static struct sim_dom *add_domain(unsigned int nr_vcpus, uint32_t weight, uint32_t cap,
                                  enum behaviour how)
{
    struct sim_dom *s = calloc(1, sizeof(*s));
    unsigned int i;

    assert_non_null(s);
    assert_true(nr_doms < MAX_SIM_DOMS && nr_vcpus <= VCPUS_PER_DOM);
    s->d.domain_id = (domid_t)nr_doms;
    s->d.state = DOM_RUNNING;
    s->d.shared_info = &s->si;
    s->d.max_vcpus = nr_vcpus;
    s->d.weight = weight;
    s->d.cap = cap;
    s->how = how;
    for (i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = &s->v[i];
        v->domain = &s->d;
        v->vcpu_id = i;
        v->online = v->initialised = true;
        v->vcpu_info = &s->si.vcpu_info[i];
        v->runstate.state = RUNSTATE_runnable;
        s->d.vcpu[i] = v;
    }
    s->d.next = domain_list;
    domain_list = &s->d;
    if (!dom0)
        dom0 = &s->d;
    doms[nr_doms++] = s;
    return s;
}

/* The least virtual time among the eligible vCPUs waiting for a CPU
 * (what pick must honour), by a scan of everything. */
static uint64_t least_waiting(void)
{
    uint64_t m = ~0UL;
    unsigned int i, j;

    for (i = 0; i < nr_doms; i++) {
        struct domain *d = &doms[i]->d;
        if (d->cap && d->cap_used >= d->cap * (SLICE_NS / 100))
            continue;
        for (j = 0; j < d->max_vcpus; j++) {
            struct vcpu *v = d->vcpu[j];
            if (vcpu_runnable(v) && !v->is_running && v->vruntime < m)
                m = v->vruntime;
        }
    }
    return m;
}

static void reschedule(unsigned int c)
{
    uint64_t before = fake_now;
    struct vcpu *prev = sim_curr[c];
    bool yielding = prev && prev->yielding;

    hold_start = before;
    on_cpu(c, schedule);
    hv_unlock();
    schedules++;
    if (fake_now - before > longest_schedule)
        longest_schedule = fake_now - before;
    if (check_pick && !yielding && sim_curr[c])
        assert_true(sim_curr[c]->vruntime <= least_waiting());
}

static void settle(void)
{
    unsigned int c, rounds;
    bool again = true;

    for (rounds = 0; again; rounds++) {
        assert_true(rounds < 16);
        again = false;
        for (c = 0; c < nr_cpus; c++)
            if (pcpus[c].need_resched) {
                reschedule(c);
                again = true;
            }
    }
}

static void act(void)
{
    struct vcpu *v = current;

    if (!v)
        return;
    switch (dom_of(v)->how) {
    case YIELDER:
        sched_vcpu_yield(v);
        break;
    case BLOCKER:
        v->blocked = true;              /* SCHEDOP_block with nothing pending */
        this_pcpu()->need_resched = true;
        break;
    case PINGPONG: {                    /* wake the sibling (an IPI), then block */
        struct vcpu *other = v->domain->vcpu[v->vcpu_id ^ 1];
        vcpu_wake(other);
        v->blocked = true;
        this_pcpu()->need_resched = true;
        pingpongs++;
        break;
    }
    case CPU_BOUND:
        break;
    }
}

static void step(void)
{
    unsigned int c;

    for (c = 0; c < nr_cpus; c++)
        if (sim_curr[c])
            dom_of(sim_curr[c])->used[sim_curr[c]->vcpu_id] += step_ns;
    fake_now += step_ns;
    for (c = 0; c < nr_cpus; c++) {
        on_cpu(c, timers_run);
        on_cpu(c, act);
    }
    settle();
}

static void world(unsigned int cpus, uint64_t step)
{
    unsigned int c;

    fake_domains_reset();
    memset(sim_curr, 0, sizeof(sim_curr));
    memset(pcpus, 0, sizeof(pcpus));
    nr_doms = 0;
    nr_cpus = cpus;
    step_ns = step;
    switch_cost = 0;
    switches = 0;
    schedules = 0;
    longest_schedule = 0;
    longest_hold = 0;
    timer_wakes = NULL;
    check_pick = false;
    reap_steps_done = 0;
    /* time never goes back, from one world to the next (sched.c keeps its
     * cap period across them) */
    fake_now = (fake_now > 1000000000UL ? fake_now : 1000000000UL) + 1000000000UL;
    t_start = fake_now;
    for (c = 0; c < cpus; c++)
        pcpus[c].online = true;
    nr_cpus_online = cpus;
}

/* Domains are in; every CPU takes a vCPU. */
static void start(void)
{
    unsigned int c;

    sched_init_queue();
    for (c = 0; c < nr_cpus; c++)
        pcpus[c].need_resched = true;
    settle();
}

static void run_for(uint64_t ns)
{
    uint64_t end = fake_now + ns;

    while (fake_now < end)
        step();
}

static int teardown(void **state)
{
    unsigned int i;

    (void)state;
    for (i = 0; i < nr_doms; i++)
        free(doms[i]);
    nr_doms = 0;
    fake_domains_reset();
    memset(pcpus, 0, sizeof(pcpus));
    pcpus[0].online = true;
    nr_cpus_online = 1;
    fake_cpu_info.cpu_id = 0;
    fake_cpu_info.curr = NULL;
    fake_cpu_idle = NULL;
    return 0;
}

static uint64_t dom_used(const struct sim_dom *s)
{
    uint64_t t = 0;
    unsigned int i;

    for (i = 0; i < s->d.max_vcpus; i++)
        t += s->used[i];
    return t;
}

/* Share of the machine since start, in tenths of a percent. */
static long permille(uint64_t ns)
{
    return (long)(ns * 1000 / ((fake_now - t_start) * nr_cpus));
}

/* ---- pick and account with hundreds of vCPUs ---- */

/* 256 CPU-bound vCPUs in 8 domains of weights 128..512 on one CPU: each
 * pick is the least virtual time waiting, and each domain's share is its
 * weight's (each vCPU carries its domain's weight, as in credit2). */
static void test_weights_256_vcpus(void **state)
{
    static const uint32_t w[8] = { 128, 256, 384, 512, 128, 256, 384, 512 };
    uint64_t sum_w = 0;
    unsigned int i;

    (void)state;
    world(1, 500000);
    for (i = 0; i < 8; i++) {
        add_domain(32, w[i], 0, CPU_BOUND);
        sum_w += w[i];
    }
    check_pick = true;
    start();
    run_for(40000000000UL);
    for (i = 0; i < 8; i++) {
        long got = permille(dom_used(doms[i])), fair = (long)(1000 * w[i] / sum_w);
        printf("  domain %u weight %u: %ld.%ld%% (fair %ld.%ld%%)\n", i, w[i], got / 10, got % 10,
               fair / 10, fair % 10);
        assert_in_range(got, fair - 10, fair + 10);
    }
}

/* 200 CPU-bound vCPUs of equal weight on two CPUs: every vCPU gets within
 * three slices of its 1 % of the machine, and no CPU is ever idle. */
static void test_equal_200_vcpus_2cpus(void **state)
{
    uint64_t total = 0, fair;
    unsigned int i, j, nr = 0;

    (void)state;
    world(2, 500000);
    for (i = 0; i < 6; i++)
        add_domain(32, 256, 0, CPU_BOUND);
    add_domain(8, 256, 0, CPU_BOUND);
    start();
    run_for(20000000000UL);
    fair = (fake_now - t_start) * 2 / 200;
    for (i = 0; i < nr_doms; i++)
        for (j = 0; j < doms[i]->d.max_vcpus; j++, nr++) {
            total += doms[i]->used[j];
            assert_in_range(doms[i]->used[j], fair - 3 * SLICE_NS, fair + 3 * SLICE_NS);
        }
    assert_int_equal(nr, 200);
    assert_int_equal(total, (fake_now - t_start) * 2);     /* never idle */
}

/* A heavy domain capped at 50 % of one CPU next to 128 vCPUs of others on
 * two CPUs: it gets its cap, not its weight; the others share the rest
 * by weight; no CPU idles while something is runnable. */
static void test_caps_many_vcpus(void **state)
{
    struct sim_dom *capped;
    long got, rest[4];
    unsigned int i;

    (void)state;
    world(2, 100000);
    capped = add_domain(32, 4096, 50, CPU_BOUND);
    for (i = 0; i < 4; i++)
        add_domain(32, 256, 0, CPU_BOUND);
    start();
    run_for(20000000000UL);
    got = permille(dom_used(capped));
    printf("  capped domain (50%% of a CPU = 25%% of two): %ld.%ld%%\n", got / 10, got % 10);
    assert_in_range(got, 240, 255);
    for (i = 0; i < 4; i++) {
        rest[i] = permille(dom_used(doms[1 + i]));
        assert_in_range(rest[i], 1875 / 10 - 10, 1875 / 10 + 10);   /* (100 - 25) / 4 % */
    }
}

/* A domain capped at 25 % next to an uncapped one on one CPU, with the
 * timers looked at only every 3 ms (a loaded host: the cap period's tick
 * comes up to 3 ms late): the cap still gives 25 %.  Found by linux-iso
 * (issue 17) under load: each late tick started the next 10 ms period
 * late, so periods ran 10 ms + lateness and a 25 % cap gave 20-24 %. */
static void test_cap_late_ticks(void **state)
{
    struct sim_dom *capped;
    long got;

    (void)state;
    world(1, 3000000);
    capped = add_domain(1, 256, 25, CPU_BOUND);
    add_domain(1, 256, 0, CPU_BOUND);
    start();
    run_for(20000000000UL);
    got = permille(dom_used(capped));
    printf("  capped at 25 %% with ticks up to 3 ms late: %ld.%ld%%\n", got / 10, got % 10);
    assert_in_range(got, 245, 255);
}

/* A domain paused by the toolstack while its vCPU runs: the vCPU leaves
 * the CPU offline, as Xen's schedule() records a vCPU that is no longer
 * runnable (vcpu_runnable() false: paused), not runnable (which would
 * count the whole pause as steal time, issue 17); its runstate times
 * still add up to the time since it started. */
static void test_pause_runstate_offline(void **state)
{
    struct sim_dom *a, *b;
    struct vcpu *v;
    uint64_t t0, runnable;

    (void)state;
    world(1, 100000);
    a = add_domain(1, 256, 0, CPU_BOUND);
    b = add_domain(1, 256, 0, CPU_BOUND);
    start();
    run_for(50000000UL);
    v = sim_curr[0];
    assert_non_null(v);
    v->domain->pause_count = 1;
    sched_domain_pause(v->domain);
    settle();
    assert_true(sim_curr[0] != v);
    assert_int_equal(v->runstate.state, RUNSTATE_offline);
    runnable = v->runstate.time[RUNSTATE_runnable];
    t0 = fake_now;
    run_for(100000000UL);
    assert_int_equal(v->runstate.time[RUNSTATE_runnable], runnable);
    assert_true(v->runstate.time[RUNSTATE_offline] + fake_now - v->runstate.state_entry_time >=
                fake_now - t0);
    (void)a;
    (void)b;
}

/* ---- the cost of a pick: vCPUs visited per schedule() and per wake-up ---- */

/* Average vCPU visits per schedule() with n vCPUs all yielding (a pick at
 * every step, as a yield loop makes at hypercall rate). */
static unsigned long visits_per_schedule(unsigned int n)
{
    unsigned long v0, s0, per;
    unsigned int left = n;

    world(1, 100000);
    while (left) {
        unsigned int k = left > 32 ? 32 : left;
        add_domain(k, 256, 0, YIELDER);
        left -= k;
    }
    start();
    run_for(100000000UL);
    v0 = sched_visits;
    s0 = schedules;
    run_for(1000000000UL);
    per = (sched_visits - v0) / (schedules - s0);
    printf("  %u vCPUs: %lu vCPU visits per schedule() (%lu calls)\n", n, per, schedules - s0);
    teardown(NULL);
    return per;
}

static void test_schedule_visits_log_n(void **state)
{
    unsigned long small, large;

    (void)state;
    small = visits_per_schedule(8);
    large = visits_per_schedule(256);
    /* log2(256) = 8: a heap of 256 costs a few visits per level */
    assert_true(large <= 6 * 8);
    assert_true(large <= 4 * small + 8);
}

/* A blocked vCPU woken over and over next to 255 CPU-bound ones: the
 * wake-up (virtual-time catch-up, placement) visits O(log n) vCPUs. */
static struct vcpu *wake_target;
static void wake_it(void) { vcpu_wake(wake_target); }

static void test_wake_visits_log_n(void **state)
{
    struct sim_dom *b;
    unsigned long total = 0, wakes = 0;
    unsigned int i;

    (void)state;
    world(1, 100000);
    for (i = 0; i < 7; i++)
        add_domain(32, 256, 0, CPU_BOUND);
    add_domain(31, 256, 0, CPU_BOUND);
    b = add_domain(1, 256, 0, CPU_BOUND);
    wake_target = &b->v[0];
    start();
    run_for(3000000000UL);              /* virtual times spread out */
    b->how = BLOCKER;
    for (i = 0; i < 400000 && wakes < 1000; i++) {
        step();
        if (wake_target->blocked && !wake_target->is_running) {
            unsigned long v0 = sched_visits;
            on_cpu(0, wake_it);         /* an event for it, sent from CPU 0 */
            total += sched_visits - v0;
            wakes++;
            settle();
        }
    }
    printf("  256 vCPUs: %lu vCPU visits per wake-up (%lu wake-ups)\n", total / wakes, wakes);
    assert_true(wakes >= 1000);
    assert_true(total / wakes <= 4 * 8);
}

/* A vCPU woken every 2 ms next to two CPU-bound ones runs within the
 * wake-up rate limit (0.5 ms) of each wake-up: wake-up preemption works
 * through the queue (run-sched.sh's sched-latency, on the host). */
static void test_wake_latency_next_to_spinners(void **state)
{
    struct sim_dom *ticker;
    uint64_t woken_at = 0, total = 0, worst = 0;
    unsigned int i, wakes = 0;

    (void)state;
    world(1, 50000);
    add_domain(1, 256, 0, CPU_BOUND);
    add_domain(1, 256, 0, CPU_BOUND);
    ticker = add_domain(1, 256, 0, BLOCKER);
    wake_target = &ticker->v[0];
    start();
    run_for(1000000000UL);      /* past the start, where all virtual times are 0 */
    for (i = 0; i < 100000; i++) {
        step();
        if (woken_at && sim_curr[0] == wake_target) {
            uint64_t late = fake_now - woken_at;
            total += late;
            worst = MAX(worst, late);
            wakes++;
            woken_at = 0;
        }
        if (i % 40 == 0 && wake_target->blocked) {
            on_cpu(0, wake_it);
            settle();
            woken_at = fake_now;
            if (sim_curr[0] == wake_target) {
                wakes++;
                woken_at = 0;
            }
        }
    }
    printf("  %u wake-ups: mean %lu us, worst %lu us late\n", wakes, total / wakes / 1000,
           worst / 1000);
    assert_true(wakes > 2000);
    assert_true(worst <= 500000 + 50000);      /* the rate limit, and a step */
    assert_true(total / wakes <= 100000);
}

/* Two vCPUs of one domain on two CPUs passing the baton (each wakes the
 * other, as an IPI does, then blocks) next to a CPU-bound vCPU: no
 * wake-up is lost (the baton keeps moving every step it can), across
 * CPUs and through the queue. */
static void test_ipi_pingpong_2cpus(void **state)
{
    struct sim_dom *pp;
    unsigned long before;
    unsigned int i;

    (void)state;
    world(2, 100000);
    add_domain(1, 256, 0, CPU_BOUND);
    pp = add_domain(2, 256, 0, PINGPONG);
    pp->v[1].blocked = true;
    pingpongs = 0;
    start();
    for (i = 0; i < 10; i++) {
        before = pingpongs;
        run_for(100000000UL);
        /* at least a pass every other step: the partner runs on the
         * other CPU or right after on this one */
        assert_true(pingpongs - before >= 400);
    }
    printf("  %lu passes in 1 s of 0.1 ms steps\n", pingpongs);
}

/* ---- scheduling work is charged to whoever caused it ---- */

/*
 * A yield loop: an attacker's two vCPUs yield to each other every 0.1 ms,
 * each switch costing 50 us, next to a victim with two CPU-bound vCPUs of
 * the same weight on one CPU.  The switches the attacker causes are its
 * CPU time (charged to the vCPU that yields); the victim keeps half of
 * the machine, and everything the CPU did is charged to someone.  (This
 * one held before too: a switch was charged to the vCPU switched in,
 * here the attacker's other one.)
 */
static void test_yield_loop_pays_its_switches(void **state)
{
    struct sim_dom *victim, *attacker;
    long v, a;

    (void)state;
    world(1, 100000);
    victim = add_domain(2, 256, 0, CPU_BOUND);
    attacker = add_domain(2, 256, 0, YIELDER);
    switch_cost = 50000;
    start();
    run_for(10000000000UL);
    v = permille(dom_used(victim));
    a = permille(dom_used(attacker));
    printf("  victim %ld.%ld%%, attacker %ld.%ld%% running, the rest switching (%u switches)\n",
           v / 10, v % 10, a / 10, a % 10, switches);
    assert_true(switches > 10000);      /* the attack ran */
    assert_in_range(v, 500 - 30, 500 + 30);
    /* what the scheduler charged is what ran, switches included */
    assert_true(victim->d.cpu_time + attacker->d.cpu_time + 2 * SLICE_NS >= fake_now - t_start);
}

/*
 * A wake-up loop: the attacker's vCPU is woken every 0.5 ms (its timer),
 * preempts whoever runs (wake-up preemption across domains), runs 0.1 ms
 * and blocks again; each switch costs 100 us.  Next to it three victims,
 * one CPU-bound vCPU each, all of the same weight: each of the four is
 * entitled to a quarter of the CPU.  The switches the attacker causes
 * (into it when it preempts, out of it when it blocks) are its CPU time,
 * so its running and switching together stay within its quarter and each
 * victim keeps its own.  (Before, a switch was charged to the vCPU
 * switched in: every return to a victim after the attacker blocked came
 * out of the victims' time, and they were left about a fifth each.)
 */
static struct vcpu *attacker_vcpu;
static void wake_attacker(void) { vcpu_wake(attacker_vcpu); }

static void test_wake_loop_pays_its_switches(void **state)
{
    struct sim_dom *victim[3], *attacker;
    uint64_t i, end;
    long v[3], a;

    (void)state;
    world(1, 100000);
    for (i = 0; i < 3; i++)
        victim[i] = add_domain(1, 256, 0, CPU_BOUND);
    attacker = add_domain(1, 256, 0, BLOCKER);
    attacker_vcpu = &attacker->v[0];
    switch_cost = 100000;
    start();
    end = fake_now + 10000000000UL;
    for (i = 0; fake_now < end; i++) {
        step();
        if (i % 5 == 0 && attacker_vcpu->blocked) {
            on_cpu(0, wake_attacker);
            settle();
        }
    }
    for (i = 0; i < 3; i++)
        v[i] = permille(dom_used(victim[i]));
    a = permille(dom_used(attacker));
    printf("  victims %ld.%ld%% %ld.%ld%% %ld.%ld%%, attacker %ld.%ld%% (%u switches)\n",
           v[0] / 10, v[0] % 10, v[1] / 10, v[1] % 10, v[2] / 10, v[2] % 10, a / 10, a % 10,
           switches);
    assert_true(switches > 10000);      /* the attack ran */
    for (i = 0; i < 3; i++)
        assert_in_range(v[i], 250 - 15, 250 + 30);
}

/*
 * A dead domain is torn down in bounded steps, charged to it: no
 * schedule() takes longer than a few steps, and the CPU-bound victims are
 * charged only the time they ran.  (Before: the whole teardown, 20 ms
 * here, ran inside one schedule() and was charged to the vCPU switched
 * in next.)
 */
static struct sim_dom *dead;
static void resched_dead(void) { resched_domain(&dead->d); }

static void test_reap_bounded_and_charged_to_the_dead(void **state)
{
    struct sim_dom *victim[2];
    uint64_t charged0[2], used0[2];
    unsigned int i;

    (void)state;
    uint64_t dead0;

    world(1, 100000);
    victim[0] = add_domain(2, 256, 0, CPU_BOUND);     /* (the first is dom0) */
    victim[1] = add_domain(2, 256, 0, CPU_BOUND);
    dead = add_domain(2, 256, 0, CPU_BOUND);
    start();
    run_for(100000000UL);
    dead->d.state = DOM_SHUTDOWN;       /* as domain_shutdown() does */
    dead->v[0].online = dead->v[1].online = false;
    on_cpu(0, resched_dead);
    dead0 = dead->d.cpu_time;
    for (i = 0; i < 2; i++) {           /* count from here */
        charged0[i] = victim[i]->d.cpu_time;
        used0[i] = dom_used(victim[i]);
    }
    run_for(5000000000UL);
    printf("  teardown: %u of %u steps, longest schedule() %lu us, dead domain charged %lu us\n",
           reap_steps_done, REAP_STEPS, longest_schedule / 1000, (dead->d.cpu_time - dead0) / 1000);
    assert_int_equal(reap_steps_done, REAP_STEPS);
    assert_int_equal(dead->d.state, DOM_DYING);
    assert_true(longest_schedule <= 5 * REAP_STEP_NS);
    assert_true(dead->d.cpu_time - dead0 >= REAP_STEPS * REAP_STEP_NS);
    for (i = 0; i < 2; i++) {
        uint64_t used = dom_used(victim[i]) - used0[i];
        uint64_t charged = victim[i]->d.cpu_time - charged0[i];
        /* within a slice: the vCPU running at either end is charged at
         * its next schedule() */
        printf("  victim %u: ran %lu us, charged %lu us\n", i, used / 1000, charged / 1000);
        assert_in_range(charged, used - SLICE_NS, used + SLICE_NS);
    }
}

/* Next to a single CPU-bound vCPU (no slice needed for sharing) the
 * teardown still goes on: the CPU comes back for it at least every 1 ms,
 * and it is done well within a second. */
static void test_reap_next_to_a_lone_vcpu(void **state)
{
    struct sim_dom *alone;

    (void)state;
    world(1, 100000);
    alone = add_domain(1, 256, 0, CPU_BOUND);
    dead = add_domain(1, 256, 0, BLOCKER);
    dead->v[0].blocked = true;
    start();
    run_for(10000000UL);
    dead->d.state = DOM_SHUTDOWN;
    dead->v[0].online = false;
    on_cpu(0, resched_dead);
    run_for(500000000UL);
    printf("  teardown next to one spinner: %u of %u steps in 0.5 s, spinner ran %lu ms\n",
           reap_steps_done, REAP_STEPS, dom_used(alone) / 1000000);
    assert_int_equal(reap_steps_done, REAP_STEPS);
}

/* A CPU that goes idle while a dead domain waits spends one teardown
 * budget (REAP_BUDGET_NS, 200 us, plus the step that crosses it) and,
 * when the timers it runs on the way to halting wake a vCPU, returns to
 * schedule() with the lock still held: schedule() must not spend another
 * budget in that hold.  (It did: boot-dos measured 1.2 ms holds under
 * icount, against the "200 us of steps plus one" of docs/hypervisor.md.) */
static void idle_a_step(bool halt)
{
    (void)halt;
    fake_now += step_ns;        /* until an interrupt */
}

static void test_reap_one_budget_per_hold(void **state)
{
    struct sim_dom *sleeper;

    (void)state;
    world(1, 100000);
    fake_cpu_idle = idle_a_step;
    sleeper = add_domain(1, 256, 0, BLOCKER);   /* blocks each time it runs */
    dead = add_domain(1, 256, 0, BLOCKER);
    dead->v[0].blocked = true;
    timer_wakes = &sleeper->v[0];               /* its timer fires at once */
    start();
    run_for(10000000UL);
    dead->d.state = DOM_SHUTDOWN;
    dead->v[0].online = false;
    on_cpu(0, resched_dead);
    longest_hold = 0;
    run_for(100000000UL);
    printf("  teardown while idling: %u of %u steps, longest hold %lu us\n",
           reap_steps_done, REAP_STEPS, longest_hold / 1000);
    assert_int_equal(reap_steps_done, REAP_STEPS);
    assert_true(longest_hold <= 200000UL + REAP_STEP_NS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_weights_256_vcpus, teardown),
        cmocka_unit_test_teardown(test_equal_200_vcpus_2cpus, teardown),
        cmocka_unit_test_teardown(test_caps_many_vcpus, teardown),
        cmocka_unit_test_teardown(test_cap_late_ticks, teardown),
        cmocka_unit_test_teardown(test_pause_runstate_offline, teardown),
        cmocka_unit_test_teardown(test_schedule_visits_log_n, teardown),
        cmocka_unit_test_teardown(test_wake_visits_log_n, teardown),
        cmocka_unit_test_teardown(test_wake_latency_next_to_spinners, teardown),
        cmocka_unit_test_teardown(test_ipi_pingpong_2cpus, teardown),
        cmocka_unit_test_teardown(test_yield_loop_pays_its_switches, teardown),
        cmocka_unit_test_teardown(test_wake_loop_pays_its_switches, teardown),
        cmocka_unit_test_teardown(test_reap_bounded_and_charged_to_the_dead, teardown),
        cmocka_unit_test_teardown(test_reap_next_to_a_lone_vcpu, teardown),
        cmocka_unit_test_teardown(test_reap_one_budget_per_hold, teardown),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
