/*
 * mmubench: times the PV MMU paths from inside a guest with the pvclock
 * (system_time_ns), in one address space of mmu-space.h:
 *  (a) mmu_update of one L1 entry per call, and batches of NPG entries
 *      (per entry);
 *  (b) update_va_mapping with UVMF_INVLPG (per call);
 *  (c) ptwr: a write to an L1 entry through its read-only mapping,
 *      emulated by the hypervisor after the page fault (per write);
 *  (d) pin + unpin of an L1 table with NPG entries (per pin/unpin pair).
 * Each remap alternates between two data frames, so every call changes
 * an entry.  Command line: "n=N" operations per measurement (default 2000).
 * Prints "mmubench: NAME: N ops, T ns/op" lines, then a verdict (every
 * call succeeded).  bench/mmu.sh boots it and collects the lines.
 */
#include "mmu-space.h"

static struct space s;
static unsigned long extra_l1, failures;

static void report(const char *name, unsigned long ops, uint64_t ns)
{
	say("mmubench: %s: %lu ops, %lu ns/op", name, ops, (unsigned long)(ns / (ops ? ops : 1)));
}

static uint64_t pte_of(unsigned int p)
{
	return ((uint64_t)s.data[p] << 12) | PTE_RW_FLAGS;
}

static void bench_mmu_update_single(unsigned long n)
{
	uint64_t t0 = system_time_ns();
	unsigned long i;

	for (i = 0; i < n; i++)
		failures += mmu1(entry_maddr(s.l1[1], 0), pte_of(i & 1)) != 0;
	report("mmu_update, 1 entry per call", n, system_time_ns() - t0);
}

static void bench_mmu_update_batch(unsigned long n)
{
	struct mmu_update u[NPG];
	unsigned long calls = n / NPG, c;
	unsigned int i;
	uint64_t t0;

	t0 = system_time_ns();
	for (c = 0; c < calls; c++) {
		for (i = 0; i < NPG; i++) {
			u[i].ptr = entry_maddr(s.l1[1], i);
			u[i].val = pte_of((i + c) % (2 * NPG));
		}
		failures += HYPERVISOR_mmu_update(u, NPG, NULL, DOMID_SELF) != 0;
	}
	report("mmu_update, 16 entries per call (per entry)", calls * NPG, system_time_ns() - t0);
}

static void bench_uvm(unsigned long n)
{
	uint64_t t0 = system_time_ns();
	unsigned long i;

	for (i = 0; i < n; i++)
		failures += HYPERVISOR_update_va_mapping(space_va(NPG), pte_of(i & 1), UVMF_INVLPG) != 0;
	report("update_va_mapping + invlpg", n, system_time_ns() - t0);
}

static void bench_ptwr(unsigned long n)
{
	volatile uint64_t *e = &l1_view(2)[0];
	unsigned int traps = trap_count;
	uint64_t t0 = system_time_ns();
	unsigned long i;

	for (i = 0; i < n; i++)
		*e = pte_of(i & 1);
	report("ptwr write of an L1 entry", n, system_time_ns() - t0);
	failures += (*e >> 12 & 0xffffffffffUL) != s.data[(n - 1) & 1];
	failures += trap_count != traps;
}

static void bench_pin(unsigned long n)
{
	uint64_t t0 = system_time_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		failures += mmuext1(MMUEXT_PIN_L1_TABLE, extra_l1) != 0;
		failures += mmuext1(MMUEXT_UNPIN_TABLE, extra_l1) != 0;
	}
	report("pin + unpin of an L1 (16 entries)", n, system_time_ns() - t0);
}

void guest_main(void)
{
	unsigned long n = cmdline_num("n=", 2000) ?: 1;
	uint64_t *t;
	unsigned int i;

	map_shared_info();
	CHECK_RC("install the trap table", traps_install(), 0);
	pool_init(SPACE_FRAMES + 1);
	space_alloc(&s, 0);
	extra_l1 = pool[SPACE_FRAMES];
	space_write(&s);
	t = window_map(extra_l1);
	memset(t, 0, 4096);
	for (i = 0; i < NPG; i++)
		t[i] = ((uint64_t)s.data[i] << 12) | PTE_RO_FLAGS;
	window_unmap();
	CHECK_RC("pin the space", mmuext1(MMUEXT_PIN_L4_TABLE, s.l4), 0);
	CHECK_RC("switch to it", space_switch_to(&s), 0);
	bench_mmu_update_single(n);
	bench_mmu_update_batch(n);
	bench_uvm(n);
	bench_ptwr(n);
	bench_pin(n);
	CHECK_EQ("every call succeeded", failures, 0);
	CHECK_RC("switch home", space_switch_home(), 0);
	CHECK_RC("unpin the space", mmuext1(MMUEXT_UNPIN_TABLE, s.l4), 0);
}
