/*
 * stress: creates and destroys address spaces in a loop through the PV
 * MMU and checks that every byte written through them survives.  Each
 * iteration builds two spaces (mmu-space.h), pins both, and then:
 *  - fills each one's data pages with a pattern through its own mappings
 *    (switching the kernel and user base pointers between them);
 *  - remaps: swaps two data pages with update_va_mapping and back with a
 *    batched mmu_update, checking the data follows the frames;
 *  - writes its own L1 entries through their read-only mapping (ptwr
 *    emulation), checking the new mapping shows the right frame;
 *  - "mprotect/munmap": flips ranges of pages read-only, not-present and
 *    back, checking that writes to read-only pages and reads of absent
 *    ones fault (at the right address), and that reads of read-only pages
 *    see the data;
 *  - verifies every data byte of both spaces, switches home and unpins
 *    both (their frames are plain pages again for the next iteration).
 * Command line: "iters=N" (default 1000, about 4 s under TCG).  Prints
 * the counts (pages, bytes verified, remaps, ptwr writes, faults).
 */
#include "mmu-space.h"

static struct space sp[2];
static unsigned long n_pages, n_bytes, n_remaps, n_ptwr, n_faults, n_pins, n_bad;

static uint64_t pattern(unsigned long it, unsigned int s, unsigned int p, unsigned int w)
{
	return ((uint64_t)it << 48) ^ ((uint64_t)s << 40) ^ ((uint64_t)p << 20) ^ w ^
	       0x9e3779b97f4a7c15ULL;
}

static void fill(unsigned long it, unsigned int s)
{
	unsigned int p, w;

	for (p = 0; p < NL1 * NPG; p++) {
		uint64_t *d = (uint64_t *)space_va(p);

		for (w = 0; w < 512; w++)
			d[w] = pattern(it, s, p, w);
		n_pages++;
	}
}

/* Page p of the current space must hold space s's page q. */
static bool page_holds(unsigned int p, unsigned long it, unsigned int s, unsigned int q)
{
	const volatile uint64_t *d = (const volatile uint64_t *)space_va(p);
	unsigned int w;

	for (w = 0; w < 512; w++)
		if (d[w] != pattern(it, s, q, w)) {
			if (!n_bad++)
				say("stress: it %lu space %u page %u word %u: %#lx, expected %#lx", it,
				    s, p, w, (unsigned long)d[w],
				    (unsigned long)pattern(it, s, q, w));
			return false;
		}
	n_bytes += 4096;
	return true;
}

static bool verify(unsigned long it, unsigned int s)
{
	unsigned int p;
	bool ok = true;

	for (p = 0; p < NL1 * NPG; p++)
		ok &= page_holds(p, it, s, p);
	return ok;
}

static uint64_t data_pte(const struct space *s, unsigned int p, uint64_t flags)
{
	return ((uint64_t)s->data[p] << 12) | flags;
}

/* Swap pages a and b by update_va_mapping, check, swap back by one batch. */
static bool remaps(unsigned long it, unsigned int k)
{
	const struct space *s = &sp[k];
	unsigned int a = (unsigned int)(it * 7 % (NL1 * NPG)), b = (a + 17) % (NL1 * NPG);
	struct mmu_update u[2] = {
		{ .ptr = entry_maddr(s->l1[a / NPG], a % NPG), .val = data_pte(s, a, PTE_RW_FLAGS) },
		{ .ptr = entry_maddr(s->l1[b / NPG], b % NPG), .val = data_pte(s, b, PTE_RW_FLAGS) },
	};
	bool ok = true;

	ok &= HYPERVISOR_update_va_mapping(space_va(a), data_pte(s, b, PTE_RW_FLAGS),
					   UVMF_INVLPG) == 0;
	ok &= HYPERVISOR_update_va_mapping(space_va(b), data_pte(s, a, PTE_RW_FLAGS),
					   UVMF_INVLPG) == 0;
	ok &= page_holds(a, it, k, b) && page_holds(b, it, k, a);
	ok &= HYPERVISOR_mmu_update(u, 2, NULL, DOMID_SELF) == 0;
	ok &= mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0) == 0;
	ok &= page_holds(a, it, k, a) && page_holds(b, it, k, b);
	n_remaps += 4;
	return ok;
}

/* Write L1 entries through their read-only view: the hypervisor emulates. */
static bool ptwr_writes(unsigned long it, unsigned int k)
{
	const struct space *s = &sp[k];
	unsigned int j = (unsigned int)(it % NL1), i = (unsigned int)(it % NPG);
	unsigned int other = (j * NPG + i + 1) % (NL1 * NPG), traps = trap_count;
	volatile uint64_t *e = &l1_view(j)[i];
	bool ok = true;

	*e = data_pte(s, other, PTE_RW_FLAGS);
	{
		struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr =
					space_va(j * NPG + i) };
		ok &= HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF) == 0;
		ok &= (*e & PTE_ADDR_MASK) == (uint64_t)s->data[other] << 12;
		ok &= page_holds(j * NPG + i, it, k, other);
		*e = data_pte(s, j * NPG + i, PTE_RW_FLAGS);
		ok &= HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF) == 0;
	}
	ok &= page_holds(j * NPG + i, it, k, j * NPG + i);
	ok &= trap_count == traps;          /* emulated: no fault reached the guest */
	n_ptwr += 2;
	return ok;
}

/* Pages [lo, hi) of space k to flags, by one mmu_update batch. */
static bool protect(unsigned int k, unsigned int lo, unsigned int hi, uint64_t flags)
{
	struct mmu_update u[NPG];
	unsigned int p, n = 0;

	for (p = lo; p < hi && n < NPG; p++, n++) {
		u[n].ptr = entry_maddr(sp[k].l1[p / NPG], p % NPG);
		u[n].val = flags ? data_pte(&sp[k], p, flags) : 0;
	}
	return HYPERVISOR_mmu_update(u, n, NULL, DOMID_SELF) == 0 &&
	       mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0) == 0;
}

static bool fault_at(uint64_t va)
{
	return last_trap.vector == 14 && last_trap.cr2 == va;
}

static bool mprotect_loops(unsigned long it, unsigned int k)
{
	unsigned int lo = (unsigned int)(it * 5 % (NL1 * NPG - 8)), hi = lo + 8, p;
	bool ok = protect(k, lo, hi, PTE_RO_FLAGS);
	uint64_t v;

	for (p = lo; p < hi; p++) {
		volatile uint64_t *d = (volatile uint64_t *)space_va(p);

		ok &= try_write64(&d[p % 512], 0xdead) == 1 && fault_at((uint64_t)&d[p % 512]);
		ok &= try_read64(&d[p % 512], &v) == 0 && v == pattern(it, k, p, p % 512);
		n_faults++;
	}
	/* one page by update_va_mapping: not present, then read-write again */
	ok &= HYPERVISOR_update_va_mapping(space_va(lo), 0, UVMF_INVLPG) == 0;
	ok &= protect(k, lo + 1, hi, 0);
	for (p = lo; p < hi; p++) {
		const volatile uint64_t *d = (const volatile uint64_t *)space_va(p);

		ok &= try_read64(&d[3], &v) == 1 && fault_at((uint64_t)&d[3]);
		n_faults++;
	}
	ok &= protect(k, lo, hi, PTE_RW_FLAGS);
	for (p = lo; p < hi; p++)
		ok &= page_holds(p, it, k, p);
	return ok;
}

static bool pin_both(void)
{
	struct mmuext_op ops[2] = {
		{ .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = sp[0].l4 },
		{ .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = sp[1].l4 },
	};

	n_pins += 2;
	return HYPERVISOR_mmuext_op(ops, 2, NULL, DOMID_SELF) == 0;
}

static bool unpin_both(void)
{
	return mmuext1(MMUEXT_UNPIN_TABLE, sp[0].l4) == 0 &&
	       mmuext1(MMUEXT_UNPIN_TABLE, sp[1].l4) == 0;
}

static bool iteration(unsigned long it)
{
	bool ok = true;
	unsigned int k;

	space_write(&sp[0]);
	space_write(&sp[1]);
	ok &= pin_both();
	/* pinned tables cannot be mapped writable any more */
	ok &= HYPERVISOR_update_va_mapping((unsigned long)mmu_window,
					   ((uint64_t)sp[it & 1].l1[1] << 12) | PTE_RW_FLAGS,
					   UVMF_INVLPG) != 0;
	for (k = 0; k < 2; k++) {
		ok &= space_switch_to(&sp[k]) == 0;
		fill(it, k);
	}
	for (k = 0; k < 2; k++) {
		ok &= space_switch_to(&sp[k]) == 0;
		ok &= remaps(it, k);
		ok &= ptwr_writes(it, k);
		ok &= mprotect_loops(it, k);
	}
	for (k = 0; k < 2; k++) {
		ok &= space_switch_to(&sp[k]) == 0;
		ok &= verify(it, k);
	}
	ok &= space_switch_home() == 0;
	ok &= unpin_both();
	/* unpinned and unreferenced: the L1 is a plain page again */
	ok &= HYPERVISOR_update_va_mapping((unsigned long)mmu_window,
					   ((uint64_t)sp[it & 1].l1[1] << 12) | PTE_RW_FLAGS,
					   UVMF_INVLPG) == 0;
	window_unmap();
	return ok;
}

void guest_main(void)
{
	unsigned long iters = cmdline_num("iters=", 1000), it, failed_it = 0;
	uint64_t t0;

	map_shared_info();
	CHECK_RC("install the trap table", traps_install(), 0);
	pool_init(2 * SPACE_FRAMES);
	space_alloc(&sp[0], 0);
	space_alloc(&sp[1], 1);
	t0 = system_time_ns();
	for (it = 0; it < iters; it++)
		if (!iteration(it) && !failed_it++)
			say("stress: iteration %lu failed", it);
	say("stress: %lu iterations, %lu address spaces, %lu ms", iters, n_pins,
	    (unsigned long)((system_time_ns() - t0) / 1000000));
	say("stress: %lu pages filled, %lu bytes verified, %lu remaps, %lu ptwr writes, "
	    "%lu faults checked, %lu bad pages", n_pages, n_bytes, n_remaps, n_ptwr, n_faults, n_bad);
	CHECK_EQ("every iteration passed", failed_it, 0);
	CHECK_EQ("every byte read back", n_bad, 0);
	/* per space and iteration: all pages, 4 after remaps, 2 after ptwr, 8 after mprotect */
	CHECK_EQ("every page verified", n_bytes / 4096, iters * 2 * (NL1 * NPG + 4 + 2 + 8));
}
