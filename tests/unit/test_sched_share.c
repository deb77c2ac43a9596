/*
 * CPU shares under attack: a host simulation of several physical CPUs on
 * the real scheduler (hypervisor/common/sched.c) and the real vCPU
 * hypercalls (hypervisor/common/sched_op.c, vcpu_op.c).
 *
 * Time advances in steps of STEP_NS.  Every vCPU is CPU-bound (it never
 * blocks).  After each step, each CPU whose slice has ended, or which was
 * asked to reschedule (need_resched, as the IPI of cpu_kick would make it
 * do), enters the "hypervisor": schedule() runs there with that CPU's
 * identity.  The attacker, each time one of its vCPUs is switched in,
 * downs and ups every sibling that is not running (issue 11, defect 1):
 * Keel used to copy the caller's virtual time to the vCPU coming up, which
 * stopped the attacker's virtual time from growing.  CPU time is counted
 * by the simulation itself (which vCPU each CPU holds during each step), teardown_world),
 * not read from the scheduler's own accounting.
 *
 * Fair shares: all domains have the default weight, which (as credit2)
 * applies to each vCPU, so with every vCPU CPU-bound each vCPU gets
 * nr_cpus / nr_vcpus of a CPU.  Tolerance: SHARE_TOL percentage points of
 * the machine over SIM_NS of simulated time (the slice is 10 ms: the
 * rounding of whole slices is far below it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/hypercall.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/time.h>
#include <keel/event.h>
#include <keel/pv_mm.h>
#include <keel/console_backend.h>
#include <public/vcpu.h>

#define STEP_NS 100000UL          /* 0.1 ms */
#define SIM_NS 10000000000UL      /* 10 s of simulated time */
#define SHARE_TOL 3               /* percentage points of the machine */

#include "sched_sim_guest_ops.h"

/* ---- the simulation ---- */
static struct fake_domain f0, fu, fa;      /* dom0, a domU, the attacker */
static uint64_t used[3];                   /* ns of CPU per domain (index below) */
static unsigned int up_ops;

static unsigned int dom_index(const struct domain *d)
{
    return d == &f0.d ? 0 : d == &fu.d ? 1 : 2;
}

/* The attacker's guest code, run by its vCPU just switched in: VCPUOP_down
 * then VCPUOP_up on each sibling that is not running. */
static void attack(void)
{
    struct vcpu *me = current;
    unsigned int i;

    for (i = 0; i < fa.d.max_vcpus; i++) {
        struct vcpu *v = fa.d.vcpu[i];
        if (v == me || v->is_running)
            continue;
        assert_int_equal(do_vcpu_op(VCPUOP_down, i, 0), 0);
        assert_int_equal(do_vcpu_op(VCPUOP_up, i, 0), 0);
        up_ops++;
    }
}

static bool attacking;
static bool attack_every_step;         /* also from whatever attacker vCPU runs, each step */

/* CPU c enters the hypervisor and reschedules; a newly switched-in
 * attacker vCPU then attacks (which may make other CPUs reschedule). */
static void reschedule(unsigned int c)
{
    struct vcpu *before = sim_curr[c];

    on_cpu(c, schedule);
    if (attacking && sim_curr[c] != before && sim_curr[c]->domain == &fa.d)
        on_cpu(c, attack);
}

static void timer_tick(void)
{
    timers_run();
}

/* Every CPU asked to reschedule does (as the IPIs would make them). */
static void settle(unsigned int nr_cpus)
{
    unsigned int c, rounds;
    bool again = true;

    for (rounds = 0; again; rounds++) {
        assert_true(rounds < 16);   /* IPIs settle */
        again = false;
        for (c = 0; c < nr_cpus; c++)
            if (pcpus[c].need_resched) {
                reschedule(c);
                again = true;
            }
    }
}

static void step(unsigned int nr_cpus)
{
    unsigned int c;

    for (c = 0; c < nr_cpus; c++)
        if (sim_curr[c])
            used[dom_index(sim_curr[c]->domain)] += STEP_NS;
    fake_now += STEP_NS;
    for (c = 0; c < nr_cpus; c++) {
        on_cpu(c, timer_tick);
        if (attack_every_step && sim_curr[c] && sim_curr[c]->domain == &fa.d)
            on_cpu(c, attack);
    }
    settle(nr_cpus);
}

/* dom0 with 1 vCPU, a domU with 1, the attacker with nr_attack vCPUs, all
 * up and CPU-bound, on nr_cpus CPUs. */
static void world(unsigned int nr_cpus, unsigned int nr_attack, bool attack_on)
{
    unsigned int c, i;

    fake_domains_reset();
    fake_domain_init(&f0, 0, 1, true);
    fake_domain_init(&fu, 1, 1, false);
    fake_domain_init(&fa, 2, nr_attack, false);
    for (i = 0; i < nr_attack; i++)
        fa.v[i].online = fa.v[i].initialised = true;
    f0.v[0].initialised = fu.v[0].initialised = true;
    memset(used, 0, sizeof(used));
    memset(sim_curr, 0, sizeof(sim_curr));
    memset(pcpus, 0, sizeof(pcpus));
    up_ops = 0;
    attacking = attack_on;
    attack_every_step = false;
    fake_now = 1000000000UL;
    for (c = 0; c < nr_cpus; c++) {
        pcpus[c].online = true;
        pcpus[c].need_resched = true;
    }
    nr_cpus_online = nr_cpus;
    sched_init_queue();
    settle(nr_cpus);                    /* every CPU takes a vCPU */
}

static int teardown_world(void **state)
{
    (void)state;
    fake_domain_fini(&f0);
    fake_domain_fini(&fu);
    fake_domain_fini(&fa);
    memset(pcpus, 0, sizeof(pcpus));
    pcpus[0].online = true;
    nr_cpus_online = 1;
    fake_cpu_info.cpu_id = 0;
    fake_cpu_info.curr = NULL;
    attack_every_step = false;
    return 0;
}

/* Share of the machine in percent, and the check against fair. */
static void check_shares(unsigned int nr_cpus, unsigned int nr_attack)
{
    uint64_t total = 0;
    unsigned int nr_vcpus = 2 + nr_attack, i;
    const unsigned int fair[3] = { 100 / nr_vcpus, 100 / nr_vcpus, 100 * nr_attack / nr_vcpus };
    int pct[3];

    for (i = 0; i < 3; i++)
        total += used[i];
    assert_int_equal(total, (SIM_NS / STEP_NS) * STEP_NS * nr_cpus);  /* never idle */
    for (i = 0; i < 3; i++)
        pct[i] = (int)(used[i] * 100 / total);
    printf("  %u CPU(s), attacker with %u vCPUs%s: dom0 %d%%, domU %d%%, attacker %d%% "
           "(fair %u/%u/%u, %u ups)\n", nr_cpus, nr_attack, attacking ? " doing down/up" : "",
           pct[0], pct[1], pct[2], fair[0], fair[1], fair[2], up_ops);
    for (i = 0; i < 3; i++) {
        assert_in_range(pct[i], (int)fair[i] - SHARE_TOL, (int)fair[i] + SHARE_TOL);
    }
}

static void run(unsigned int nr_cpus, unsigned int nr_attack, bool attack_on)
{
    uint64_t t;
    bool every = attack_every_step;

    world(nr_cpus, nr_attack, attack_on);
    attack_every_step = every;
    for (t = 0; t < SIM_NS; t += STEP_NS)
        step(nr_cpus);
    check_shares(nr_cpus, nr_attack);
    if (attack_on)
        assert_true(up_ops > 100);      /* the attack really ran */
}

/* Baselines: without the attack the shares are fair. */
static void test_fair_1cpu(void **state) { (void)state; run(1, 2, false); }
static void test_fair_2cpus(void **state) { (void)state; run(2, 3, false); }

/* Issue 11 defect 1: downing and upping idle siblings on every switch-in
 * gains nothing (before the fix: dom0 and the domU 0 %). */
static void test_updown_attack_1cpu(void **state) { (void)state; run(1, 2, true); }
static void test_updown_attack_1cpu_3vcpus(void **state) { (void)state; run(1, 3, true); }
static void test_updown_attack_2cpus(void **state) { (void)state; run(2, 3, true); }

/* The same at hypercall rate: every 0.1 ms from each running attacker vCPU. */
static void test_updown_attack_every_step(void **state)
{
    (void)state;
    attack_every_step = true;
    run(2, 3, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fair_1cpu, teardown_world),
        cmocka_unit_test_teardown(test_fair_2cpus, teardown_world),
        cmocka_unit_test_teardown(test_updown_attack_1cpu, teardown_world),
        cmocka_unit_test_teardown(test_updown_attack_1cpu_3vcpus, teardown_world),
        cmocka_unit_test_teardown(test_updown_attack_2cpus, teardown_world),
        cmocka_unit_test_teardown(test_updown_attack_every_step, teardown_world),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
