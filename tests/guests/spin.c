/*
 * spin: a CPU-bound domU for the scheduler's isolation tests.  It spins
 * from "start=A" to "stop=B" milliseconds of system time (since boot;
 * defaults 1500 and 5500), counting loop iterations, then prints its own
 * running time from its runstate area (RUNSTATE_running) and the count.
 * With "timer=1" it instead sleeps in 2 ms steps (set_timer_op + block)
 * and records how late each wake-up was: the latency a spinning
 * neighbour can cause.
 */
#include "lib/guest.h"

static uint64_t system_time_ns(void)
{
	volatile struct vcpu_time_info *t = &vcpu->time;
	uint32_t version, lo, hi;
	uint64_t ns, delta;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		delta = (((uint64_t)hi << 32) | lo) - t->tsc_timestamp;
		if (t->tsc_shift >= 0)
			delta <<= t->tsc_shift;
		else
			delta >>= -t->tsc_shift;
		ns = t->system_time +
		     (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);
	return ns;
}

static uint64_t arg(const char *name, uint64_t dflt)
{
	const char *p = strstr((const char *)start_info->cmd_line, name);
	uint64_t v = 0;

	if (!p)
		return dflt;
	for (p += strlen(name); *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

static struct vcpu_runstate_info runstate;

static void sleep_until(uint64_t t, evtchn_port_t port)
{
	while (system_time_ns() < t) {
		shared->evtchn_pending[port / 64] &= ~(1UL << (port % 64));
		vcpu->evtchn_upcall_pending = 0;
		vcpu->evtchn_pending_sel = 0;   /* else the next event raises no upcall */
		HC(__HYPERVISOR_set_timer_op, t, 0, 0, 0, 0);
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		vcpu->evtchn_upcall_mask = 1;
	}
}

void guest_main(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct vcpu_register_runstate_memory_area area;
	uint64_t start = arg("start=", 1500) * 1000000UL, stop = arg("stop=", 5500) * 1000000UL;
	uint64_t iters = 0, worst = 0, sum = 0, n = 0, over1ms = 0, t;

	map_shared_info();
	set_xen_guest_handle(area.addr.h, &runstate);
	CHECK_RC("register runstate area",
		 HC(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, &area, 0, 0), 0);
	CHECK_RC("bind VIRQ_TIMER", HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
				       &bv, 0, 0, 0), 0);
	sleep_until(start, bv.port);
	if (arg("timer=", 0)) {
		for (t = start + 2000000; t < stop; t += 2000000) {
			uint64_t late;
			sleep_until(t, bv.port);
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
