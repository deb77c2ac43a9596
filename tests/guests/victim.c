/*
 * victim: an unprivileged domU that holds a known pattern in most of its
 * memory while the `hostile` guest attacks the PV MMU.  It fills every
 * frame above its bootstrap region (mapped one at a time through a window
 * page) with words derived from the frame number and offset, sleeps
 * "wait=N" ms (set_timer_op + SCHEDOP_block, as idle.c), then checks
 * every byte.  PASS means no other domain wrote into its memory.
 */
#include "lib/guest.h"

static uint8_t window[4096] PAGE_ALIGNED;





static inline uint64_t pattern(unsigned long mfn, unsigned int i)
{
	return (mfn * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)i * 0xc2b2ae3d27d4eb4fULL) ^
	       0x5a5a5a5a00000000ULL;
}

/* The console and xenstore rings may lie anywhere: never overwrite them. */
static bool special(unsigned long mfn)
{
	return mfn == start_info->console.domU.mfn || mfn == start_info->store_mfn;
}

static bool map_window(unsigned long mfn)
{
	return HYPERVISOR_update_va_mapping((unsigned long)window,
					    (mfn << 12) | _PAGE_PRESENT | _PAGE_RW |
					    _PAGE_ACCESSED | _PAGE_DIRTY, UVMF_INVLPG) == 0;
}

void guest_main(void)
{
	const unsigned long *mfn_list = (const unsigned long *)start_info->mfn_list;
	unsigned long nr = start_info->nr_pages, pfn, first, lo = ~0UL, hi = 0;
	unsigned long filled = 0, map_fail = 0, bad_words = 0, bad_pages = 0;
	unsigned long first_bad_pfn = 0, first_bad_i = 0;
	uint64_t first_bad_got = 0, first_bad_exp = 0, t0;

	map_shared_info();
	t0 = system_time_ns();
	/* Frames past the bootstrap region (page tables, then 512 KiB of
	 * slack that holds the initial stack in Xen's layout) are free. */
	first = va_to_pfn((void *)start_info->pt_base) + start_info->nr_pt_frames + 128;
	for (pfn = 0; pfn < nr; pfn++) {
		lo = mfn_list[pfn] < lo ? mfn_list[pfn] : lo;
		hi = mfn_list[pfn] > hi ? mfn_list[pfn] : hi;
	}
	for (pfn = first; pfn < nr; pfn++) {
		uint64_t *w = (uint64_t *)window;
		unsigned int i;

		if (special(mfn_list[pfn]))
			continue;
		if (!map_window(mfn_list[pfn])) {
			map_fail++;
			continue;
		}
		for (i = 0; i < 512; i++)
			w[i] = pattern(mfn_list[pfn], i);
		filled++;
	}
	CHECK_RC("restore the window page", set_page_rw(window, true), 0);
	CHECK_EQ("every free frame mapped through the window", map_fail, 0);
	check(filled * 4 >= nr * 3, "most of memory holds the pattern",
	      "%lu of %lu pages", filled, nr);
	say("victim: filled %lu pages of %lu; own mfns %#lx-%#lx (%lu ms)", filled, nr, lo, hi,
	    (unsigned long)((system_time_ns() - t0) / 1000000));

	sleep_ms(cmdline_num("wait=", 5000));

	for (pfn = first; pfn < nr; pfn++) {
		const uint64_t *w = (const uint64_t *)window;
		unsigned long bad = 0;
		unsigned int i;

		if (special(mfn_list[pfn]))
			continue;
		if (!map_window(mfn_list[pfn])) {
			map_fail++;
			continue;
		}
		for (i = 0; i < 512; i++) {
			if (w[i] == pattern(mfn_list[pfn], i))
				continue;
			if (!bad_words) {
				first_bad_pfn = pfn;
				first_bad_i = i;
				first_bad_got = w[i];
				first_bad_exp = pattern(mfn_list[pfn], i);
			}
			bad++;
		}
		bad_words += bad;
		bad_pages += bad != 0;
	}
	CHECK_RC("restore the window page again", set_page_rw(window, true), 0);
	CHECK_EQ("every frame mapped again for the check", map_fail, 0);
	check(bad_words == 0, "victim: memory intact after the attacks",
	      "%lu words in %lu pages changed; first pfn %#lx word %lu: %#lx, expected %#lx",
	      bad_words, bad_pages, first_bad_pfn, first_bad_i,
	      (unsigned long)first_bad_got, (unsigned long)first_bad_exp);
	say("victim: verified %lu pages", filled);
}
