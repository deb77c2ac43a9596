/*
 * The real sched.c on two simulated CPUs with the slice alone (timer.c is
 * not linked): sched_sim.h, a timers_run() that only ends slices, no vCPU
 * timers, a lock that is always free, no domain that dies.  Shared by the
 * 2-CPU scheduler simulations (test_sched_affinity, and through
 * sched_sim_guest_ops.h test_sched_share and test_sched_unpause).  Include
 * once, after cmocka.h and the fake arch's headers.
 */
#ifndef TEST_SCHED_SIM_2CPU_H
#define TEST_SCHED_SIM_2CPU_H

#define NR_SIM_CPUS 2
#define SCHED_SIM_SLICES      /* timer.c is not linked: the slice alone */
#include "sched_sim.h"

void timers_run(void)
{
    struct pcpu *pc = this_pcpu();

    if (pc->slice_end && pc->slice_end <= get_s_time()) {
        pc->need_resched = true;
        pc->slice_end = 0;
    }
}

/* No vCPU timers here: the scheduler's switch hooks do nothing. */
void vcpu_timers_switch_in(struct vcpu *v) { (void)v; }
void vcpu_timers_switch_out(struct vcpu *v) { (void)v; }

void hv_lock(void) {}
void hv_unlock(void) {}
void flush_tlb_serve(void) {}
bool domain_destroy_step(struct domain *d)
{
    (void)d;
    fail_msg("no domain dies here");
    return true;
}
__noreturn void machine_power_off(unsigned int reason)
{
    (void)reason;
    fail_msg("the scheduler found no domain alive");
    abort();
}
#endif
