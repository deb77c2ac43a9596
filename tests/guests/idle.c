/*
 * idle: a dom0 that stays up while domUs run.  It waits the number of
 * milliseconds given as "wait=N" on its command line (default 3000),
 * sleeping with set_timer_op + SCHEDOP_block (VIRQ_TIMER, events masked
 * so no upcall is needed), and checks that time advanced as asked.
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

static uint64_t wait_ms(void)
{
	const char *p = strstr((const char *)start_info->cmd_line, "wait=");
	uint64_t ms = 0;

	if (!p)
		return 3000;
	for (p += 5; *p >= '0' && *p <= '9'; p++)
		ms = ms * 10 + (uint64_t)(*p - '0');
	return ms;
}

void guest_main(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	uint64_t t0, end, wakeups = 0;

	map_shared_info();
	CHECK_RC("bind VIRQ_TIMER", HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
				       &bv, 0, 0, 0), 0);
	t0 = system_time_ns();
	end = t0 + wait_ms() * 1000000UL;
	note("waiting %lu ms", (unsigned long)wait_ms());
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
