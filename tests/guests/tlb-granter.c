/*
 * tlb-granter (domain 1 of tests/boot/run-tlb.sh; see tlb-common.h):
 * grants T and the mailbox to domain 2 and waits until the mapper has
 * mapped and written T.  mode=dead: returns (the domain dies, T stays
 * alive only through the mapper's mapping).  mode=live: waits until the
 * mapper dropped its mapping, zeroes T, maps it read-only, pins it as an
 * L1, and checks after the mapper's write that its L1 entry is intact.
 */
#include "tlb-common.h"

static uint64_t t_page[512] PAGE_ALIGNED;
static uint8_t mbox_page[4096] PAGE_ALIGNED;

static long mmuext(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void live(struct tlb_mbox *mb)
{
	unsigned long t = va_to_mfn(t_page);

	if (!check(tlb_spin_for(mb, TS_ZAPPED, 20000), "the mapper dropped its mapping",
		   "state %lu", (unsigned long)mb->state))
		return;
	memset(t_page, 0, sizeof(t_page));
	CHECK_RC("my mapping of T read-only", set_page_rw(t_page, false), 0);
	CHECK_RC("pin T as an L1", mmuext(MMUEXT_PIN_L1_TABLE, t), 0);
	mb->state = TS_PINNED;
	if (!check(tlb_spin_for(mb, TS_WRITTEN, 20000), "the mapper tried its write",
		   "state %lu", (unsigned long)mb->state))
		return;
	check(t_page[TLB_SLOT] == 0, "no other domain wrote my L1 through a dropped mapping",
	      "entry %u is %#lx (the mapper's write took %lu traps)", TLB_SLOT,
	      t_page[TLB_SLOT], (unsigned long)mb->faults);
	CHECK_RC("unpin T", mmuext(MMUEXT_UNPIN_TABLE, t), 0);
}

void guest_main(void)
{
	struct tlb_mbox *mb = (struct tlb_mbox *)mbox_page;
	volatile struct grant_entry_v1 *gt;

	map_shared_info();
	xd_events_init();
	gt = xd_gnttab_setup();
	mb->t_mfn = va_to_mfn(t_page);
	t_page[0] = 0x7465737470616765UL;
	xd_grant(gt, TLB_REF_T, TLB_MAPPER, t_page, false);
	xd_grant(gt, TLB_REF_MBOX, TLB_MAPPER, mbox_page, false);
	note("granted T (mfn %#lx) and the mailbox to d%u, mode %s", (unsigned long)mb->t_mfn,
	     TLB_MAPPER, tlb_mode() == TM_LIVE ? "live" : "dead");
	if (!check(tlb_spin_for(mb, TS_MAPPED, 30000), "the mapper mapped and wrote T",
		   "state %lu", (unsigned long)mb->state))
		return;
	if (tlb_mode() == TM_LIVE)
		live(mb);
	else
		note("dying while d%u maps T", TLB_MAPPER);
}
