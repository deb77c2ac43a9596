/*
 * What the 2-CPU host simulations on the real sched.c, sched_op.c and vcpu_op.c
 * (test_sched_share, test_sched_unpause) need around them: stubs for what
 * sched_op.c and vcpu_op.c call and the simulation does not reach, sched_sim.h with
 * two CPUs and the slice alone (sched_sim_2cpu.h: timer.c is not linked), no vCPU timers, a
 * lock that is always free, no domain that dies.  Include once, after
 * cmocka.h and the fake arch's headers.
 */
#ifndef TEST_SCHED_SIM_GUEST_OPS_H
#define TEST_SCHED_SIM_GUEST_OPS_H

/* ---- what sched_op.c and vcpu_op.c call and the simulation does not reach ---- */
long arch_initialise_vcpu(struct vcpu *v, uint64_t arg) { (void)v; (void)arg; return -XEN_ENOSYS; }
long vcpu_timer_op(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
    (void)v; (void)cmd; (void)arg;
    return -XEN_ENOSYS;
}
long cons_dom0_read(char *buf, size_t n) { (void)buf; (void)n; return 0; }
bool evtchn_port_pending(struct domain *d, evtchn_port_t port) { (void)d; (void)port; return false; }
int get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type)
{
    (void)mfn; (void)d; (void)type;
    return -1;
}
void mm_lock_acquire(void) {}
void mm_lock_release(void) {}
void update_vcpu_system_time(struct vcpu *v) { (void)v; }

/* ---- the scheduler's surroundings: two CPUs, the slice alone ---- */
#include "sched_sim_2cpu.h"

void vcpu_set_poll_timeout(struct vcpu *v, uint64_t deadline) { (void)v; (void)deadline; }
#endif
