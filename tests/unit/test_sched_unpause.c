/*
 * dom0 keeps the CPU it is owed when the domains it built are unpaused
 * (issue 11, linux-blk): a host simulation of 2 physical CPUs on the real
 * scheduler (hypervisor/common/sched.c).
 *
 * dom0 first runs alone and busy for 3 s (keel create, the checks): it
 * never blocks, and no slice ends while nothing else wants a CPU, so no
 * schedule() charges it meanwhile.  It then unpauses two CPU-bound domUs
 * (their kernels booting), at once or 2 s apart, and goes on polling:
 * 50 ms of work, 100 ms asleep (linux-blk's wait_for loop).  Its demand
 * is a third of a CPU, less than its fair share (2 CPUs among 3 vCPUs),
 * so it must get all of it, never waiting long for a CPU.
 *
 * Keel used to let a waking vCPU catch up only to the running vCPUs'
 * virtual time as of their last schedule(): the domUs started 3 s behind
 * dom0's real virtual time and took both CPUs until they had made it up
 * (dom0 waited 3.0 s here; 29-47 s in linux-blk under QEMU).
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

#include "sched_sim_guest_ops.h"

/* ---- the simulation ---- */
#define DOM0_RUN_NS 50000000UL       /* dom0 polls: 50 ms of work ... */
#define DOM0_SLEEP_NS 100000000UL    /* ... then 100 ms asleep */
#define BUSY_NS 3000000000UL         /* dom0 alone and busy first */
#define RUN_NS 5000000000UL          /* then with the domUs */
#define MAX_WAIT_NS 50000000UL       /* dom0's longest wait for a CPU */
#define MIN_RAN_NS 1400000000UL      /* of its demand, 1667 ms in RUN_NS */

static struct fake_domain f0, fb1, fb2;
static uint64_t d0_wait_since, d0_max_wait, d0_ran;
static uint64_t d0_run_left, d0_wake_at;

/* An idle CPU leaves schedule() (longjmp from its halt) and stays idle
 * until a wake-up asks it to reschedule, when schedule() runs again. */
static jmp_buf idle_exit;
static bool in_schedule;

static void reschedule_cpu(void)
{
    if (setjmp(idle_exit) == 0) {
        in_schedule = true;
        schedule();
    }
    in_schedule = false;
}

static void idle_halt(bool halt)
{
    (void)halt;
    if (in_schedule)
        longjmp(idle_exit, 1);
}

/* Every CPU asked to reschedule does (as the IPIs would make them). */
static void settle(void)
{
    unsigned int c, rounds;
    bool again = true;

    for (rounds = 0; again; rounds++) {
        assert_true(rounds < 16);
        again = false;
        for (c = 0; c < NR_SIM_CPUS; c++)
            if (pcpus[c].need_resched) {
                on_cpu(c, reschedule_cpu);
                again = true;
            }
    }
}

/* SCHEDOP_block by the running vCPU. */
static void block_current(void)
{
    current->blocked = true;
    runstate_set(current, RUNSTATE_blocked, get_s_time());
    this_pcpu()->need_resched = true;
}

static void dom0_timer(void)
{
    if (d0_wake_at && fake_now >= d0_wake_at) {
        d0_wake_at = 0;
        d0_run_left = DOM0_RUN_NS;
        vcpu_wake(&f0.v[0]);
    }
}

static void sim_step(void)
{
    struct vcpu *d0 = &f0.v[0];
    unsigned int c;

    for (c = 0; c < NR_SIM_CPUS; c++) {
        if (sim_curr[c] != d0)
            continue;               /* the domUs just run */
        d0_ran += STEP_NS;
        if (d0_run_left > STEP_NS) {
            d0_run_left -= STEP_NS;
        } else {
            d0_run_left = 0;
            d0_wake_at = fake_now + DOM0_SLEEP_NS;
            on_cpu(c, block_current);
        }
    }
    fake_now += STEP_NS;
    settle();
    on_cpu(0, dom0_timer);
    for (c = 0; c < NR_SIM_CPUS; c++)
        on_cpu(c, timers_run);
    settle();
    if (vcpu_runnable(d0) && !d0->is_running) {
        if (!d0_wait_since)
            d0_wait_since = fake_now;
        d0_max_wait = MAX(d0_max_wait, fake_now - d0_wait_since);
    } else {
        d0_wait_since = 0;
    }
}

static void run_for(uint64_t ns)
{
    uint64_t t;

    for (t = 0; t < ns; t += STEP_NS)
        sim_step();
}

/* XEN_DOMCTL_unpausedomain by dom0, on the CPU it runs on. */
static struct fake_domain *unpausing;
static void unpause_it(void)
{
    if (--unpausing->d.pause_count == 0)
        sched_domain_unpause(&unpausing->d);
}

static void dom0_unpauses(struct fake_domain *fd)
{
    unsigned int c, steps = 0;

    for (;;) {              /* dom0 does it when it next runs */
        for (c = 0; c < NR_SIM_CPUS && sim_curr[c] != &f0.v[0]; c++)
            ;
        if (c < NR_SIM_CPUS)
            break;
        assert_true(++steps < 10000);
        sim_step();
    }
    unpausing = fd;
    on_cpu(c, unpause_it);
    settle();
}

static void run_unpause(uint64_t gap_ns)
{
    unsigned int c;

    fake_domains_reset();
    fake_domain_init(&f0, 0, 1, true);
    fake_domain_init(&fb1, 1, 1, false);
    fake_domain_init(&fb2, 2, 1, false);
    f0.v[0].initialised = fb1.v[0].initialised = fb2.v[0].initialised = true;
    fb1.d.pause_count = fb2.d.pause_count = 1;      /* keel create -p */
    memset(sim_curr, 0, sizeof(sim_curr));
    memset(pcpus, 0, sizeof(pcpus));
    d0_wait_since = d0_max_wait = d0_ran = 0;
    d0_wake_at = 0;
    fake_now = 1000000000UL;
    for (c = 0; c < NR_SIM_CPUS; c++) {
        pcpus[c].online = true;
        pcpus[c].need_resched = true;
    }
    nr_cpus_online = NR_SIM_CPUS;
    fake_cpu_idle = idle_halt;
    sched_init_queue();
    settle();
    d0_run_left = ~0UL / 2;             /* busy, never blocking */
    run_for(BUSY_NS);
    assert_int_equal(d0_max_wait, 0);
    d0_run_left = DOM0_RUN_NS;
    dom0_unpauses(&fb1);
    run_for(gap_ns);
    dom0_unpauses(&fb2);
    d0_ran = 0;
    run_for(RUN_NS);
    printf("  domUs %lu ms apart: dom0's longest wait for a CPU %lu ms, it ran %lu ms "
           "(wanted %lu)\n", gap_ns / 1000000, d0_max_wait / 1000000, d0_ran / 1000000,
           RUN_NS / (DOM0_RUN_NS + DOM0_SLEEP_NS) * DOM0_RUN_NS / 1000000);
    assert_true(d0_max_wait <= MAX_WAIT_NS);
    assert_true(d0_ran >= MIN_RAN_NS);
}

static int teardown_world(void **state)
{
    (void)state;
    fake_domain_fini(&f0);
    fake_domain_fini(&fb1);
    fake_domain_fini(&fb2);
    memset(pcpus, 0, sizeof(pcpus));
    pcpus[0].online = true;
    nr_cpus_online = 1;
    fake_cpu_info.cpu_id = 0;
    fake_cpu_info.curr = NULL;
    fake_cpu_idle = NULL;
    return 0;
}

static void test_unpause_together(void **state) { (void)state; run_unpause(0); }
static void test_unpause_apart(void **state) { (void)state; run_unpause(2000000000UL); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_unpause_together, teardown_world),
        cmocka_unit_test_teardown(test_unpause_apart, teardown_world),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
