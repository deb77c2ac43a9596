/*
 * gbench-dst (domain 2 of bench/grant-copy.sh): maps gbench-src's control
 * page, then times with pvclock
 *   - GNTTABOP_copy of 4 KiB from d1's granted pages into ours, in
 *     batches of GB_PAGES (16) ops per hypercall and of 1, rounds=R times
 *     (default 60), best of 5 passes: MiB/s;
 *   - GNTTABOP_map_grant_ref + unmap_grant_ref of those pages read-only,
 *     a batch of 16 per hypercall and one page per hypercall, R/4+1 times,
 *     best of 5 passes: us per page (map and unmap apart).
 * Every op's status is checked and the bytes compared once, so a failing
 * op cannot pass as fast.  Prints "gnt-result: NAME ..." lines.
 */
#include "gbench-common.h"

static uint8_t ctl_win[4096] PAGE_ALIGNED;
static uint8_t dst[GB_PAGES][4096] PAGE_ALIGNED;
static uint8_t win[GB_PAGES][4096] PAGE_ALIGNED;
static struct gnttab_copy cp[GB_PAGES];
static struct gnttab_map_grant_ref mp[GB_PAGES];
static struct gnttab_unmap_grant_ref um[GB_PAGES];
static unsigned long bad;

#define PASSES 5

static unsigned int pages_wrong(uint8_t (*pages)[4096])
{
	unsigned int p, i, wrong = 0;

	for (p = 0; p < GB_PAGES; p++)
		for (i = 0; i < 4096; i++)
			if (pages[p][i] != gb_pattern(p, i)) {
				wrong++;
				break;
			}
	return wrong;
}

static void copy_batch(unsigned int first, unsigned int count)
{
	unsigned int k;

	for (k = first; k < first + count; k++)
		cp[k].status = 99;
	if (xd_gnttab_op(GNTTABOP_copy, &cp[first], count))
		bad++;
	for (k = first; k < first + count; k++)
		bad += cp[k].status != GNTST_okay;
}

/* Copy throughput in KiB/s with `batch` ops per hypercall: the best of
 * PASSES passes of `rounds` copies of every page (a loaded host preempts
 * QEMU for milliseconds, which TCG shows as guest time). */
static uint64_t copy_rate(unsigned int rounds, unsigned int batch)
{
	uint64_t best = ~0UL;
	unsigned int pass, r, k;

	for (pass = 0; pass < PASSES; pass++) {
		uint64_t t = system_time_ns();

		for (r = 0; r < rounds; r++)
			for (k = 0; k < GB_PAGES; k += batch)
				copy_batch(k, batch);
		t = system_time_ns() - t;
		best = t < best ? t : best;
	}
	return best ? (uint64_t)rounds * GB_PAGES * 4 * 1000000000UL / best : 0;
}

static void map_batch(unsigned int first, unsigned int count)
{
	unsigned int k;

	for (k = first; k < first + count; k++)
		mp[k].status = 99;
	if (xd_gnttab_op(GNTTABOP_map_grant_ref, &mp[first], count))
		bad++;
	for (k = first; k < first + count; k++) {
		bad += mp[k].status != GNTST_okay;
		um[k].handle = mp[k].handle;
	}
}

static void unmap_batch(unsigned int first, unsigned int count)
{
	unsigned int k;

	for (k = first; k < first + count; k++)
		um[k].status = 99;
	if (xd_gnttab_op(GNTTABOP_unmap_grant_ref, &um[first], count))
		bad++;
	for (k = first; k < first + count; k++)
		bad += um[k].status != GNTST_okay;
}

/* Map and unmap every page `rounds` times, `batch` per hypercall; the
 * time per page of each in ns, best of PASSES passes. */
static void map_cost(unsigned int rounds, unsigned int batch, uint64_t *map_ns, uint64_t *unmap_ns)
{
	uint64_t bm = ~0UL, bu = ~0UL;
	unsigned int pass, r, k;

	for (pass = 0; pass < PASSES; pass++) {
		uint64_t tm = 0, tu = 0, t;

		for (r = 0; r < rounds; r++) {
			t = system_time_ns();
			for (k = 0; k < GB_PAGES; k += batch)
				map_batch(k, batch);
			tm += system_time_ns() - t;
			if (r == 0 && pass == 0)
				CHECK_EQ("mapped pages hold the granter's bytes", pages_wrong(win), 0);
			t = system_time_ns();
			for (k = 0; k < GB_PAGES; k += batch)
				unmap_batch(k, batch);
			tu += system_time_ns() - t;
		}
		bm = tm < bm ? tm : bm;
		bu = tu < bu ? tu : bu;
	}
	*map_ns = bm / ((uint64_t)rounds * GB_PAGES);
	*unmap_ns = bu / ((uint64_t)rounds * GB_PAGES);
}

static void setup_ops(void)
{
	unsigned int k;

	for (k = 0; k < GB_PAGES; k++) {
		cp[k].source.u.ref = GB_REF_DATA + k;
		cp[k].source.domid = GB_SRC;
		cp[k].dest.u.gmfn = va_to_mfn(dst[k]);
		cp[k].dest.domid = DOMID_SELF;
		cp[k].len = 4096;
		cp[k].flags = GNTCOPY_source_gref;
		mp[k].host_addr = (uint64_t)win[k];
		mp[k].flags = GNTMAP_host_map | GNTMAP_readonly;
		mp[k].ref = GB_REF_DATA + k;
		mp[k].dom = GB_SRC;
		um[k].host_addr = (uint64_t)win[k];
	}
}

void guest_main(void)
{
	volatile struct gb_ctl *c = (volatile struct gb_ctl *)ctl_win;
	unsigned int rounds = (unsigned int)cmdline_num("rounds=", 60);
	uint64_t rate16, rate1, m16, u16, m1, u1;
	grant_handle_t h = 0;

	map_shared_info();
	xd_events_init();
	if (rounds < 1 || rounds > 100000)
		guest_crash("gbench-dst: rounds= must be 1..100000");
	if (!CHECK_EQ("map the control page", xd_map_retry(GB_SRC, GB_REF_CTL, ctl_win, false, &h,
							   30000), GNTST_okay))
		return;
	if (!CHECK_EQ("control page published", c->magic, GB_MAGIC))
		return;
	setup_ops();
	copy_batch(0, GB_PAGES);
	CHECK_EQ("copied pages hold the granter's bytes", pages_wrong(dst), 0);
	rate16 = copy_rate(rounds, GB_PAGES);
	rate1 = copy_rate(rounds, 1);
	map_cost(rounds / 4 + 1, GB_PAGES, &m16, &u16);
	map_cost(rounds / 4 + 1, 1, &m1, &u1);
	CHECK_EQ("every grant op succeeded", bad, 0);
	say("gnt-result: copy-4k batch=16 kib-per-s %lu", (unsigned long)rate16);
	say("gnt-result: copy-4k batch=1 kib-per-s %lu", (unsigned long)rate1);
	say("gnt-result: map batch=16 map-ns %lu unmap-ns %lu", (unsigned long)m16,
	    (unsigned long)u16);
	say("gnt-result: map batch=1 map-ns %lu unmap-ns %lu", (unsigned long)m1,
	    (unsigned long)u1);
	c->done = GB_DONE;
	CHECK_EQ("unmap the control page", xd_unmap(ctl_win, h), GNTST_okay);
}
