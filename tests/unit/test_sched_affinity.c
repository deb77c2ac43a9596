/*
 * vCPU hard affinity (XEN_DOMCTL_setvcpuaffinity's effect) on the real
 * scheduler (hypervisor/common/sched.c), in the 2-CPU simulation of
 * sched_sim.h: every vCPU is CPU-bound; time advances in STEP_NS steps;
 * each CPU whose slice ended or that was asked to reschedule runs
 * schedule() with its own identity.  Where each vCPU ran is counted by
 * the simulation (which vCPU each CPU holds during each step), not read
 * from the scheduler's accounting.
 *
 *  - a vCPU pinned to CPU 1 never runs on CPU 0, and is not migrated;
 *  - changing its mask moves it (off a CPU it is running on at once);
 *  - vCPUs pinned to one CPU share it by weight, and the others keep the
 *    rest of the machine;
 *  - an unpinned vCPU still goes where there is room (work-conserving).
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
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/time.h>

#define STEP_NS 100000UL          /* 0.1 ms */
#define SHARE_TOL 3               /* percentage points of one CPU */

#include "sched_sim_2cpu.h"

static struct fake_domain f0, fu, fa;       /* dom0, a domU, another domU */
static uint64_t ran[3][NR_SIM_CPUS];        /* ns per domain's vCPU 0 per CPU */

static int dom_index(const struct domain *d)
{
    return d == &f0.d ? 0 : d == &fu.d ? 1 : 2;
}

/* A CPU with nothing to run halts in schedule()'s idle loop: here it
 * leaves schedule() there (its next need_resched, as an IPI would, brings
 * it back). */
static jmp_buf idle_jb;

static void idle_leave(bool halt)
{
    (void)halt;
    longjmp(idle_jb, 1);
}

static void reschedule(unsigned int c)
{
    if (!setjmp(idle_jb))
        on_cpu(c, schedule);
    else
        sim_curr[c] = NULL;                 /* halted, nothing loaded */
}

static void settle(void)
{
    unsigned int c, rounds;
    bool again = true;

    for (rounds = 0; again; rounds++) {
        assert_true(rounds < 16);
        again = false;
        for (c = 0; c < NR_SIM_CPUS; c++)
            if (pcpus[c].need_resched) {
                reschedule(c);
                again = true;
            }
    }
}

static void tick(void)
{
    timers_run();
}

/* One step: count who held each CPU, advance, let slices end. */
static void step(void)
{
    unsigned int c;

    for (c = 0; c < NR_SIM_CPUS; c++)
        if (sim_curr[c] && sim_curr[c]->vcpu_id == 0)
            ran[dom_index(sim_curr[c]->domain)][c] += STEP_NS;
    fake_now += STEP_NS;
    for (c = 0; c < NR_SIM_CPUS; c++)
        on_cpu(c, tick);
    settle();
}

static void run_for(uint64_t ns)
{
    uint64_t t;

    for (t = 0; t < ns; t += STEP_NS)
        step();
}

/* dom0, fu and fa with one CPU-bound vCPU each, on 2 CPUs; the masks are
 * set (as the domctl would, from CPU 0) before the CPUs start. */
static void world(uint64_t m0, uint64_t mu, uint64_t ma)
{
    unsigned int c;

    fake_domains_reset();
    fake_domain_init(&f0, 0, 1, true);
    fake_domain_init(&fu, 1, 1, false);
    fake_domain_init(&fa, 2, 1, false);
    f0.v[0].initialised = fu.v[0].initialised = fa.v[0].initialised = true;
    f0.d.weight = fu.d.weight = fa.d.weight = 256;
    memset(ran, 0, sizeof(ran));
    memset(sim_curr, 0, sizeof(sim_curr));
    memset(pcpus, 0, sizeof(pcpus));
    fake_now = 1000000000UL;
    for (c = 0; c < NR_SIM_CPUS; c++)
        pcpus[c].online = true;
    nr_cpus_online = NR_SIM_CPUS;
    fake_cpu_info.cpu_id = 0;
    fake_cpu_info.curr = NULL;
    sched_set_affinity(&f0.v[0], m0, CPU_MASK_ALL);
    sched_set_affinity(&fu.v[0], mu, CPU_MASK_ALL);
    sched_set_affinity(&fa.v[0], ma, CPU_MASK_ALL);
    sched_init_queue();
    for (c = 0; c < NR_SIM_CPUS; c++)
        pcpus[c].need_resched = true;
    settle();
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
    fake_cpu_idle = NULL;
    return 0;
}

static int pct(uint64_t part, uint64_t whole)
{
    return (int)(part * 100 / whole);
}

/* Three CPU-bound vCPUs on two CPUs; the domU's is pinned to CPU 1: it
 * never runs on CPU 0, gets its fair share of CPU 1 against whatever else
 * runs there, and is never migrated. */
static void test_pinned_never_elsewhere(void **state)
{
    (void)state;
    world(CPU_MASK_ALL, 1UL << 1, CPU_MASK_ALL);
    run_for(2000000000UL);
    printf("  domU pinned to CPU 1: %lu ms on CPU 0, %lu ms on CPU 1; dom0 %lu/%lu, other %lu/%lu\n",
           (unsigned long)(ran[1][0] / 1000000), (unsigned long)(ran[1][1] / 1000000),
           (unsigned long)(ran[0][0] / 1000000), (unsigned long)(ran[0][1] / 1000000),
           (unsigned long)(ran[2][0] / 1000000), (unsigned long)(ran[2][1] / 1000000));
    assert_int_equal(ran[1][0], 0);
    assert_true(ran[1][1] > 0);
    assert_int_equal(fu.v[0].vs.migrations, 0);
    /* Three equal vCPUs on two CPUs: each about 2/3 of a CPU. */
    assert_in_range(pct(ran[1][1], 2000000000UL), 66 - SHARE_TOL, 66 + SHARE_TOL);
    assert_in_range(pct(ran[0][0] + ran[0][1], 2000000000UL), 66 - SHARE_TOL, 66 + SHARE_TOL);
    assert_in_range(pct(ran[2][0] + ran[2][1], 2000000000UL), 66 - SHARE_TOL, 66 + SHARE_TOL);
}

static void set_domu_cpu0(void)
{
    sched_set_affinity(&fu.v[0], 1UL << 0, CPU_MASK_ALL);
}

/* Pinned to CPU 1 and running there; the mask becomes CPU 0: it leaves
 * CPU 1 at once (no step later) and from then on runs only on CPU 0. */
static void test_mask_change_moves(void **state)
{
    unsigned int c;

    (void)state;
    world(1UL << 0, 1UL << 1, CPU_MASK_ALL);
    run_for(500000000UL);
    assert_int_equal(ran[1][0], 0);
    assert_true(ran[1][1] > 0);
    while (sim_curr[1] != &fu.v[0])     /* until it is on CPU 1 */
        step();
    on_cpu(0, set_domu_cpu0);           /* the domctl, from dom0 on CPU 0 */
    settle();
    assert_ptr_not_equal(sim_curr[1], &fu.v[0]);
    assert_false(fu.v[0].is_running && fu.v[0].processor == 1);
    memset(ran, 0, sizeof(ran));
    run_for(1000000000UL);
    printf("  after the move: domU %lu ms on CPU 0, %lu ms on CPU 1\n",
           (unsigned long)(ran[1][0] / 1000000), (unsigned long)(ran[1][1] / 1000000));
    assert_int_equal(ran[1][1], 0);
    /* dom0 and the domU share CPU 0; the other domU has CPU 1 to itself. */
    assert_in_range(pct(ran[1][0], 1000000000UL), 50 - SHARE_TOL, 50 + SHARE_TOL);
    assert_in_range(pct(ran[2][1], 1000000000UL), 100 - SHARE_TOL, 100);
    for (c = 0; c < NR_SIM_CPUS; c++)
        assert_non_null(sim_curr[c]);
}

/* Two domains pinned to CPU 1 with weights 512 and 256 share it 2:1;
 * dom0, pinned to CPU 0, has that CPU to itself. */
static void test_pinned_share_by_weight(void **state)
{
    (void)state;
    world(1UL << 0, 1UL << 1, 1UL << 1);
    fu.d.weight = 512;
    run_for(3000000000UL);
    printf("  on CPU 1: weight 512 %d%%, weight 256 %d%%; dom0 on CPU 0 %d%%\n",
           pct(ran[1][1], 3000000000UL), pct(ran[2][1], 3000000000UL),
           pct(ran[0][0], 3000000000UL));
    assert_int_equal(ran[1][0] + ran[2][0] + ran[0][1], 0);
    assert_in_range(pct(ran[1][1], 3000000000UL), 66 - SHARE_TOL, 66 + SHARE_TOL);
    assert_in_range(pct(ran[2][1], 3000000000UL), 33 - SHARE_TOL, 33 + SHARE_TOL);
    assert_in_range(pct(ran[0][0], 3000000000UL), 100 - SHARE_TOL, 100);
}

/* Both domUs pinned to CPU 1, dom0 unpinned: dom0 takes CPU 0 (an
 * unpinned vCPU goes where there is room) and never waits on CPU 1. */
static void test_unpinned_takes_free_cpu(void **state)
{
    (void)state;
    world(CPU_MASK_ALL, 1UL << 1, 1UL << 1);
    run_for(2000000000UL);
    assert_int_equal(ran[1][0] + ran[2][0], 0);
    assert_in_range(pct(ran[0][0] + ran[0][1], 2000000000UL), 100 - SHARE_TOL, 100);
    assert_in_range(pct(ran[1][1], 2000000000UL), 50 - SHARE_TOL, 50 + SHARE_TOL);
}

/* Back to every CPU: the list of pinned vCPUs empties and the three share
 * the two CPUs fairly again. */
static void set_domu_all(void)
{
    sched_set_affinity(&fu.v[0], CPU_MASK_ALL, CPU_MASK_ALL);
}

static void test_unpin(void **state)
{
    (void)state;
    world(CPU_MASK_ALL, 1UL << 1, CPU_MASK_ALL);
    run_for(500000000UL);
    on_cpu(0, set_domu_all);
    settle();
    memset(ran, 0, sizeof(ran));
    run_for(3000000000UL);
    assert_true(ran[1][0] > 0);
    assert_in_range(pct(ran[1][0] + ran[1][1], 3000000000UL), 66 - SHARE_TOL, 66 + SHARE_TOL);
}

/* Masks changed at random every few steps (from either CPU), wake-ups
 * and blocks mixed in: at every step no vCPU is on a CPU outside its
 * hard mask, and no CPU is idle while a runnable vCPU that may run there
 * waits (work-conserving within the masks). */
static struct vcpu *rand_v;
static uint64_t rand_mask;

static void set_rand(void)
{
    sched_set_affinity(rand_v, rand_mask, CPU_MASK_ALL);
}

static void test_random_masks(void **state)
{
    struct vcpu *vs[3] = { &f0.v[0], &fu.v[0], &fa.v[0] };
    static const uint64_t masks[] = { 1, 2, 3, CPU_MASK_ALL };
    unsigned int seed = 12345, t, c, i, moves = 0;

    (void)state;
    world(CPU_MASK_ALL, CPU_MASK_ALL, CPU_MASK_ALL);
    fake_cpu_idle = idle_leave;
    for (t = 0; t < 20000; t++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 7 == 0) {
            rand_v = vs[(seed >> 8) % 3];
            rand_mask = masks[(seed >> 20) % 4];
            on_cpu((seed >> 4) % 2, set_rand);
            moves++;
            settle();
        } else if ((seed >> 16) % 11 == 0) {
            /* One domU blocks for a while (as on a timer), another wakes. */
            struct vcpu *v = vs[1 + (seed >> 9) % 2];
            if (!v->blocked && v->is_running) {
                v->blocked = true;
                pcpus[v->processor].need_resched = true;
            } else if (v->blocked) {
                fake_cpu_info.cpu_id = (seed >> 5) % 2;
                fake_cpu_info.curr = sim_curr[fake_cpu_info.cpu_id];
                vcpu_wake(v);
            }
            settle();
        }
        step();
        for (c = 0; c < NR_SIM_CPUS; c++) {
            struct vcpu *r = sim_curr[c];
            if (r)
                assert_true(vcpu_hard_affinity(r) >> c & 1);
            else
                for (i = 0; i < 3; i++)
                    if (vcpu_runnable(vs[i]) && !vs[i]->is_running &&
                        (vcpu_hard_affinity(vs[i]) >> c & 1))
                        fail_msg("step %u: CPU %u idle while vCPU of dom %u waits (mask %lx)", t, c,
                                 vs[i]->domain->domain_id,
                                 (unsigned long)vcpu_hard_affinity(vs[i]));
        }
    }
    printf("  %u random mask changes over %u steps: never outside the mask, never idle "
           "with an eligible vCPU waiting\n", moves, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pinned_never_elsewhere, teardown_world),
        cmocka_unit_test_teardown(test_mask_change_moves, teardown_world),
        cmocka_unit_test_teardown(test_pinned_share_by_weight, teardown_world),
        cmocka_unit_test_teardown(test_unpinned_takes_free_cpu, teardown_world),
        cmocka_unit_test_teardown(test_unpin, teardown_world),
        cmocka_unit_test_teardown(test_random_masks, teardown_world),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
