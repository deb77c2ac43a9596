/*
 * ticker: the victim of the denial-of-service test (run-dos.sh), as dom0.
 * It wakes every DOS_TICK_MS on its own one-shot timer (set_timer_op +
 * SCHEDOP_block, a fresh deadline from "now" each time, so a stall is not
 * made up afterwards) and counts the wake-ups in a page granted to the
 * attacker (dos-common.h), and the longest gap between two of them.  A hypervisor that lets one guest hold it for
 * seconds shows as wake-ups missing while an attack runs; the attacker
 * checks that.  It stops when the attacker sets `done`, when the
 * attacker's mapping of the page goes away without it (the attacker
 * died: the grant entry's GTF_reading clears), or after "max=N" ms
 * (default 120000), and then leaves the attacker a second to be
 * destroyed before dom0 powers the machine off.
 */
#include "lib/xdom.h"
#include "dos-common.h"

static struct dos_page page __attribute__((aligned(4096), section(".bss.page_aligned")));

void guest_main(void)
{
	volatile struct grant_entry_v1 *gt;
	uint64_t t0, end, now, last, gap;
	bool mapped = false, gone = false;

	map_shared_info();
	timer_virq_port();
	gt = xd_gnttab_setup();
	page.magic = DOS_MAGIC;
	xd_grant(gt, DOS_REF, 1, &page, false);
	t0 = system_time_ns();
	end = t0 + cmdline_num("max=", 120000) * 1000000UL;
	note("ticker: counting wake-ups every %u ms", DOS_TICK_MS);
	last = t0;
	while (!page.done && !gone && (now = system_time_ns()) < end) {
		sleep_until_ns(now + DOS_TICK_MS * 1000000UL);
		now = system_time_ns();
		gap = now - last;
		last = now;
		if (gap > page.max_gap_ns)
			page.max_gap_ns = gap;
		page.ticks++;
		if (gt[DOS_REF].flags & GTF_reading)
			mapped = true;
		else
			gone = mapped && !page.done;
	}
	check(page.done, "the attacker finished", "no `done` after %lu ms",
	      (unsigned long)((system_time_ns() - t0) / 1000000));
	say("ticker: %lu wake-ups in %lu ms", (unsigned long)page.ticks,
	    (unsigned long)((system_time_ns() - t0) / 1000000));
	sleep_ms(1000);
}
