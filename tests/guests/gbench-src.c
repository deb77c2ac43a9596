/*
 * gbench-src (domain 1 of bench/grant-copy.sh): grants GB_PAGES patterned
 * pages read-only to domain 2 (refs GB_REF_DATA..) and a control page
 * read-write (ref GB_REF_CTL), then sleeps until gbench-dst writes its
 * "done" word there (at most 120 s).
 */
#include "gbench-common.h"

static uint8_t data[GB_PAGES][4096] PAGE_ALIGNED;
static union {
	struct gb_ctl c;
	uint8_t whole[4096];
} ctl PAGE_ALIGNED;

void guest_main(void)
{
	volatile struct grant_entry_v1 *gt;
	volatile struct gb_ctl *c = &ctl.c;
	unsigned int p, i;

	map_shared_info();
	xd_events_init();
	gt = xd_gnttab_setup();
	for (p = 0; p < GB_PAGES; p++) {
		for (i = 0; i < 4096; i++)
			data[p][i] = gb_pattern(p, i);
		xd_grant(gt, GB_REF_DATA + p, GB_DST, data[p], true);
	}
	xd_grant(gt, GB_REF_CTL, GB_DST, &ctl, false);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	c->magic = GB_MAGIC;
	check(gb_wait_done(&c->done, 120000), "gbench-dst finished", "no done word in 120 s");
}
