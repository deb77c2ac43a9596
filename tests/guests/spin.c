/*
 * spin: a CPU-bound domU for the scheduler's isolation tests.  It spins
 * from "start=A" to "stop=B" milliseconds of system time (since boot;
 * defaults 1500 and 5500), counting loop iterations, then prints its own
 * running time from its runstate area (RUNSTATE_running) and the count.
 * With "timer=1" it instead sleeps in 2 ms steps (set_timer_op + block)
 * and records how late each wake-up was: the latency a spinning
 * neighbour can cause.  With "unpriv=1" it first checks that the control
 * interface (domctl, sysctl, SCHEDOP_remote_shutdown) refuses a domU.
 */
#include "lib/guest.h"
#include <public/domctl.h>
#include <public/sysctl.h>



static struct vcpu_runstate_info runstate;

/* A domU may not use the control interface (-EPERM, after the version). */
static void check_unprivileged(void)
{
	struct xen_domctl op;
	struct xen_sysctl s;
	struct sched_remote_shutdown rs = { .domain_id = 0, .reason = SHUTDOWN_poweroff };

	memset(&op, 0, sizeof(op));
	op.cmd = XEN_DOMCTL_getdomaininfo;
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	CHECK_RC("domU: domctl getdomaininfo -EPERM", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_EPERM);
	op.cmd = XEN_DOMCTL_pausedomain;
	CHECK_RC("domU: domctl pausedomain dom0 -EPERM", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_EPERM);
	op.cmd = XEN_DOMCTL_scheduler_op;
	op.domain = DOMID_SELF;		/* not an id: the lookup fails first */
	CHECK_RC("domU: domctl on DOMID_SELF -ESRCH", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_ESRCH);
	op.interface_version = 0;
	CHECK_RC("domU: domctl version 0 -EACCES", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_EACCES);
	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_getdomaininfolist;
	s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	CHECK_RC("domU: sysctl getdomaininfolist -EPERM", HC(__HYPERVISOR_sysctl, &s, 0, 0, 0, 0),
		 -XEN_EPERM);
	CHECK_RC("domU: remote_shutdown dom0 -EPERM",
		 HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), -XEN_EPERM);
}


void guest_main(void)
{
	struct vcpu_register_runstate_memory_area area;
	uint64_t start = cmdline_num("start=", 1500) * 1000000UL, stop = cmdline_num("stop=", 5500) * 1000000UL;
	uint64_t iters = 0, worst = 0, sum = 0, n = 0, over1ms = 0, t;

	map_shared_info();
	set_xen_guest_handle(area.addr.h, &runstate);
	CHECK_RC("register runstate area",
		 HC(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, &area, 0, 0), 0);
	timer_virq_port();
	if (cmdline_num("unpriv=", 0))
		check_unprivileged();
	sleep_until_ns(start);
	if (cmdline_num("timer=", 0)) {
		for (t = start + 2000000; t < stop; t += 2000000) {
			uint64_t late;
			sleep_until_ns(t);
			late = system_time_ns() - t;
			worst = late > worst ? late : worst;
			over1ms += late > 1000000;
			sum += late;
			n++;
		}
		printf("spin-result: timer wakeups %lu mean-late-us %lu worst-late-us %lu over-1ms %lu\n",
		       (unsigned long)n, (unsigned long)(n ? sum / n / 1000 : 0),
		       (unsigned long)(worst / 1000), (unsigned long)over1ms);
	} else {
		uint64_t before = runstate.time[RUNSTATE_running];
		while (system_time_ns() < stop)
			iters++;
		/* The runstate area is refreshed when we are switched in: yield once. */
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		printf("spin-result: running-us %lu iterations %lu\n",
		       (unsigned long)((runstate.time[RUNSTATE_running] - before) / 1000),
		       (unsigned long)iters);
	}
	check(true, "spin finished", "%s", "");
}
