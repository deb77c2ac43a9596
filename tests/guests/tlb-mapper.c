/*
 * tlb-mapper (domain 2 of tests/boot/run-tlb.sh; see tlb-common.h): maps
 * T and the mailbox, writes T, drops the mapping of T with an ordinary
 * update_va_mapping and UVMF_NONE, then writes through the dropped
 * mapping once T has become a page table: the write must fault.
 */
#include "tlb-common.h"
#include <public/memory.h>
#include <public/vcpu.h>

#define BATCH 256
#define MAX_ROUNDS 48                   /* 12288 frames: the maxmem room */

static uint64_t win[512] PAGE_ALIGNED;     /* T is mapped here */
static uint8_t mbox_win[4096] PAGE_ALIGNED;
static uint64_t peek[512] PAGE_ALIGNED;    /* T read-only, once it is our L1 */
static uint8_t local[16] PAGE_ALIGNED;
static xen_pfn_t list[BATCH];

static long mmuext(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long increase_below(unsigned long limit_bits)
{
	struct xen_memory_reservation r = { .nr_extents = BATCH, .domid = DOMID_SELF,
					    .mem_flags = XENMEMF_address_bits(limit_bits) };

	set_xen_guest_handle(r.extent_start, list);
	return HC(__HYPERVISOR_memory_op, XENMEM_increase_reservation, &r, 0, 0, 0);
}

/* Allocate below T's power-of-two limit until T comes back. */
static bool get_frame_back(unsigned long t)
{
	unsigned int bits = 64 - (unsigned int)__builtin_clzl(t) + 12, round, i;
	long n;

	for (round = 0; round < MAX_ROUNDS; round++) {
		n = increase_below(bits);
		for (i = 0; i < (unsigned int)(n > 0 ? n : 0); i++)
			if (list[i] == t)
				return true;
		if (n <= 0)
			break;
	}
	note("T not among %u batches (last returned %ld)", round, n);
	return false;
}

/* Write through the dropped mapping; the count of traps it took. */
static unsigned int stale_write(void)
{
	return try_write64(&win[TLB_SLOT], TLB_MARK);
}

static void dead(struct tlb_mbox *mb, unsigned long t)
{
	unsigned int faults, tries;
	int16_t st = GNTST_okay;

	for (tries = 0; tries < 3000 && st == GNTST_okay; tries++) {
		xd_sleep_ms(10);
		st = xd_copy_from(TLB_GRANTER, TLB_REF_T, 0, local, 8);
	}
	if (!CHECK_EQ("the granter died", st, GNTST_bad_domain))
		return;
	win[1] = 0x1111;        /* a fresh TLB entry for the mapping */
	CHECK_RC("drop the mapping of T without a flush",
		 HYPERVISOR_update_va_mapping((unsigned long)win, 0, UVMF_NONE), 0);
	if (!check(get_frame_back(t), "T (freed) came back from increase_reservation",
		   "mfn %#lx", t))
		return;
	CHECK_RC("pin T as an L1", mmuext(MMUEXT_PIN_L1_TABLE, t), 0);
	faults = stale_write();
	CHECK_RC("map my L1 read-only",
		 HYPERVISOR_update_va_mapping((unsigned long)peek,
					      (t << 12) | _PAGE_PRESENT | _PAGE_USER |
					      _PAGE_ACCESSED, UVMF_INVLPG), 0);
	check(faults == 1 && peek[TLB_SLOT] == 0,
	      "a write through the dropped mapping faults and misses the reused frame",
	      "traps %u, entry %u of my L1 is %#lx", faults, TLB_SLOT, peek[TLB_SLOT]);
	(void)mb;
}

static volatile struct vcpu_runstate_info rs;

/* With mode=live the stale entry survives only if this vCPU kept its CPU
 * (a switch writes CR3): the runstate area tells whether it did. */
static void live(struct tlb_mbox *mb)
{
	struct vcpu_register_runstate_memory_area ra = { .addr.v = (uint64_t)&rs };
	unsigned int faults;
	uint64_t e0;

	CHECK_RC("register a runstate area",
		 HC(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, &ra, 0, 0), 0);

	win[1] = 0x2222;
	e0 = rs.state_entry_time;
	CHECK_RC("drop the mapping of T without a flush",
		 HYPERVISOR_update_va_mapping((unsigned long)win, 0, UVMF_NONE), 0);
	mb->state = TS_ZAPPED;
	if (!check(tlb_spin_for(mb, TS_PINNED, 20000), "the granter pinned T",
		   "state %lu", (unsigned long)mb->state))
		return;
	faults = stale_write();
	note("%s", e0 == rs.state_entry_time ? "kept my CPU from the drop to the write"
					     : "switched out meanwhile: my TLB was flushed anyway");
	mb->faults = faults;
	mb->state = TS_WRITTEN;
	CHECK_EQ("a write through the dropped mapping faults", faults, 1);
}

void guest_main(void)
{
	struct tlb_mbox *mb = (struct tlb_mbox *)mbox_win;
	grant_handle_t ht, hm;
	unsigned long t;

	map_shared_info();
	xd_events_init();
	if (!CHECK_EQ("map the mailbox", xd_map_retry(TLB_GRANTER, TLB_REF_MBOX, mbox_win, false,
						      &hm, 20000), GNTST_okay))
		return;
	if (!CHECK_EQ("map T", xd_map(TLB_GRANTER, TLB_REF_T, win, false, &ht), GNTST_okay))
		return;
	t = mb->t_mfn;
	CHECK_EQ("T holds the granter's bytes", win[0], 0x7465737470616765UL);
	win[1] = 1;
	mb->state = TS_MAPPED;
	if (tlb_mode() == TM_LIVE)
		live(mb);
	else
		dead(mb, t);
}
