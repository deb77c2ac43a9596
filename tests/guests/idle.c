/*
 * idle: a dom0 that stays up while domUs run.  It waits the number of
 * milliseconds given as "wait=N" on its command line (default 3000),
 * sleeping with set_timer_op + SCHEDOP_block (VIRQ_TIMER, events masked
 * so no upcall is needed), and checks that time advanced as asked.
 */
#include "lib/guest.h"

void guest_main(void)
{
	uint64_t end, wakeups;

	map_shared_info();
	timer_virq_port();
	end = system_time_ns() + cmdline_num("wait=", 3000) * 1000000UL;
	note("waiting %lu ms", (unsigned long)cmdline_num("wait=", 3000));
	wakeups = sleep_until_ns(end);
	check(system_time_ns() >= end, "slept until the deadline", "woke early");
	check(wakeups >= 1 && wakeups < 1000, "woken by the timer, not spinning",
	      "%lu wakeups", (unsigned long)wakeups);
}
