/*
 * The architecture under the real sched.c in host simulations
 * (test_sched_share, test_sched_runq, test_timer_cpus): NR_SIM_CPUS CPUs,
 * sim_curr[] the vCPU loaded on each, context switches that only move
 * that pointer.  The includer defines NR_SIM_CPUS and may define
 * SCHED_SIM_ON_SWITCH(next) (run after each switch to a vCPU, e.g. to
 * charge simulated time), and SCHED_SIM_SLICES when timer.c is not
 * linked (then only the time slice end is kept, per CPU).
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

/* Run fn as CPU c would: its identity and its current vCPU. */
static void on_cpu(unsigned int c, void (*fn)(void))
{
    fake_cpu_info.cpu_id = c;
    fake_cpu_info.curr = sim_curr[c];
    fn();
    sim_curr[c] = fake_cpu_info.curr;
}

#ifdef SCHED_SIM_SLICES
/* As timer.c, for the slice only (its end in pcpu.slice_end). */
void sched_preempt_at(uint64_t when)
{
    struct pcpu *pc = this_pcpu();

    if (!pc->slice_end || when < pc->slice_end)
        pc->slice_end = when;
}

void sched_set_slice(uint64_t len, bool needed)
{
    this_pcpu()->slice_end = needed ? get_s_time() + len : 0;
}
#endif
#endif
