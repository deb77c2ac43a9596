/*
 * The architecture under the real sched.c in host simulations
 * (test_sched_share, test_sched_runq, test_timer_cpus): NR_SIM_CPUS CPUs,
 * sim_curr[] the vCPU loaded on each, context switches that only move
 * that pointer.  The includer defines NR_SIM_CPUS and may define
 * SCHED_SIM_ON_SWITCH(next) (run after each switch to a vCPU, e.g. to
 * charge simulated time).
 */
#ifndef TEST_SCHED_SIM_H
#define TEST_SCHED_SIM_H
#ifndef SCHED_SIM_ON_SWITCH
#define SCHED_SIM_ON_SWITCH(next) ((void)(next))
#endif

static struct vcpu *sim_curr[NR_SIM_CPUS];  /* the vCPU loaded on each CPU */

struct vcpu *cpu_curr(unsigned int c)
{
    return c < NR_SIM_CPUS && pcpus[c].online ? sim_curr[c] : NULL;
}

void context_switch_out(void)
{
    struct vcpu *prev = current;

    if (!prev)
        return;
    prev->is_running = false;
    current = NULL;
    sim_curr[smp_processor_id()] = NULL;
}

void context_switch_to(struct vcpu *next)
{
    context_switch_out();
    current = next;
    next->is_running = true;
    next->processor = smp_processor_id();
    sim_curr[smp_processor_id()] = next;
    SCHED_SIM_ON_SWITCH(next);
}
#endif
