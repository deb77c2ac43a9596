/*
 * gnt-mapper (domain 2 of run-gnttab.sh): maps domain 1's ref 8 (retrying
 * until the granter is ready), checks its bytes, copies with
 * GNTTABOP_copy both ways, maps ref 9 read-only (a write must #PF) and
 * is refused a writable map of it, writes its own pattern and a "done"
 * word into ref 8, then waits for the granter to be destroyed (copies
 * from its grants fail with GNTST_bad_domain) and checks that its mapping
 * still reads back, unmaps it, and that a second unmap is GNTST_bad_handle.
 */
#include "gnt-common.h"

static uint8_t win[4096] PAGE_ALIGNED;       /* ref 8 is mapped here */
static uint8_t win_ro[4096] PAGE_ALIGNED;    /* ref 9 read-only */
static uint8_t spare[4096] PAGE_ALIGNED;
static uint8_t local[4096] PAGE_ALIGNED;
static uint8_t src[4096] PAGE_ALIGNED;

static unsigned int try_write(volatile uint8_t *p, uint8_t v)
{
	unsigned int n = trap_count;

	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, trap_resume(%%rip)\n\t"
			 "movb %1, (%0)\n"
			 "1:\tmovq $0, trap_resume(%%rip)"
			 : : "r"(p), "r"(v) : "r11", "memory");
	return trap_count - n;
}

/* Map a grant of the granter at va. */
static int16_t map(void *va, grant_ref_t ref, uint32_t flags, grant_handle_t *h)
{
	return gnt_map(GNT_GRANTER, va, ref, flags, h);
}

static int16_t copy(bool from_grant, grant_ref_t ref, void *mine, uint16_t off, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .status = 99 };
	struct gnttab_copy_ptr *g = from_grant ? &c.source : &c.dest;
	struct gnttab_copy_ptr *l = from_grant ? &c.dest : &c.source;

	g->u.ref = ref;
	g->domid = GNT_GRANTER;
	g->offset = off;
	l->u.gmfn = va_to_mfn(mine);
	l->domid = DOMID_SELF;
	c.flags = from_grant ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
	if (gnttab_op(GNTTABOP_copy, &c, 1))
		return 99;
	return c.status;
}

void guest_main(void)
{
	grant_handle_t h8 = 0, h9 = 0, hx = 0;
	int16_t st = GNTST_general_error, first = GNTST_okay;
	unsigned int i, tries;

	map_shared_info();
	CHECK_RC("traps_install", traps_install(), 0);
	gnt_sleep_init();
	trap_hook = gnt_upcall_hook;

	for (tries = 0; tries < 6000; tries++) {
		st = map(win, GNT_REF_RW, GNTMAP_host_map, &h8);
		if (st == GNTST_okay || st == 99)
			break;
		if (first == GNTST_okay)
			first = st;
		gnt_sleep_ms(10);
	}
	if (!CHECK_EQ("map d1 ref 8 read-write", st, GNTST_okay))
		return;
	note("mapped after %u retries (first status %d)", tries, first);
	i = first_diff(win, pat_granter, 4096);
	check(i == 4096, "ref 8 holds the granter's pattern", "byte %u is %#x", i, win[i]);

	CHECK_EQ("copy from ref 9", copy(true, GNT_REF_RO, local, 0, 4096), GNTST_okay);
	i = first_diff(local, pat_ro, 4096);
	check(i == 4096, "copied bytes of ref 9", "byte %u is %#x", i, local[i]);
	for (i = 0; i < 4096; i++)
		src[i] = pat_copy(i);
	CHECK_EQ("copy into ref 8", copy(false, GNT_REF_RW, src, 0, 4096), GNTST_okay);
	i = first_diff(win, pat_copy, 4096);
	check(i == 4096, "copied bytes visible through the mapping", "byte %u is %#x", i, win[i]);
	CHECK_EQ("copy into read-only ref 9 refused", copy(false, GNT_REF_RO, src, 0, 16),
		 GNTST_general_error);
	CHECK_EQ("copy across the page end refused", copy(true, GNT_REF_RW, local, 4000, 200),
		 GNTST_bad_copy_arg);

	CHECK_EQ("map ref 9 read-only", map(win_ro, GNT_REF_RO, GNTMAP_host_map | GNTMAP_readonly,
					    &h9), GNTST_okay);
	i = first_diff(win_ro, pat_ro, 4096);
	check(i == 4096, "ref 9 readable through its mapping", "byte %u is %#x", i, win_ro[i]);
	i = trap_count;
	check(try_write(win_ro + 100, 1) >= 1 && last_trap.vector == 14 && trap_count == i + 1,
	      "a write to the read-only mapping faults", "traps %u vector %u",
	      trap_count, last_trap.vector);
	CHECK_EQ("map ref 9 writable refused", map(spare, GNT_REF_RO, GNTMAP_host_map, &hx),
		 GNTST_general_error);
	CHECK_EQ("unmap ref 9", gnt_unmap(win_ro, h9), GNTST_okay);

	for (i = 0; i < GNT_DONE_OFF; i++)
		win[i] = pat_mapper(i);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint64_t *)(win + GNT_DONE_OFF) = GNT_DONE_MAGIC;
	note("wrote my pattern; waiting for d%u to go", GNT_GRANTER);

	for (tries = 0; tries < 6000; tries++) {
		st = copy(true, GNT_REF_RW, local, 0, 1);
		if (st != GNTST_okay)
			break;
		gnt_sleep_ms(10);
	}
	CHECK_EQ("granter destroyed: its grants are bad_domain", st, GNTST_bad_domain);
	i = first_diff(win, pat_mapper, GNT_DONE_OFF);
	check(i == GNT_DONE_OFF && *(volatile uint64_t *)(win + GNT_DONE_OFF) == GNT_DONE_MAGIC,
	      "the mapping stays valid after the granter died", "byte %u is %#x", i, win[i]);
	CHECK_EQ("map from a dead domain refused", map(spare, GNT_REF_RW, GNTMAP_host_map, &hx),
		 GNTST_bad_domain);
	CHECK_EQ("unmap ref 8", gnt_unmap(win, h8), GNTST_okay);
	CHECK_EQ("second unmap: bad handle", gnt_unmap(win, h8), GNTST_bad_handle);
}
