/*
 * idle: a dom0 that stays up while domUs run.  It waits the number of
 * milliseconds given as "wait=N" on its command line (default 3000),
 * sleeping with set_timer_op + SCHEDOP_block (VIRQ_TIMER, events masked
 * so no upcall is needed), and checks that time advanced as asked.
 */
#include "lib/guest.h"



void guest_main(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	uint64_t t0, end, wakeups = 0;

	map_shared_info();
	CHECK_RC("bind VIRQ_TIMER", HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
				       &bv, 0, 0, 0), 0);
	t0 = system_time_ns();
	end = t0 + cmdline_num("wait=", 3000) * 1000000UL;
	note("waiting %lu ms", (unsigned long)cmdline_num("wait=", 3000));
	while (system_time_ns() < end) {
		shared->evtchn_pending[bv.port / 64] &= ~(1UL << (bv.port % 64));
		vcpu->evtchn_upcall_pending = 0;
		vcpu->evtchn_pending_sel = 0;   /* else the next event raises no upcall */
		HC(__HYPERVISOR_set_timer_op, end, 0, 0, 0, 0);
		/* block unmasks events; mask again at once: no upcall handler. */
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		vcpu->evtchn_upcall_mask = 1;
		wakeups++;
	}
	check(system_time_ns() >= end, "slept until the deadline", "woke early");
	check(wakeups >= 1 && wakeups < 1000, "woken by the timer, not spinning",
	      "%lu wakeups", (unsigned long)wakeups);
}
