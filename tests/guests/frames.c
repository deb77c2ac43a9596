/*
 * frames: an unprivileged domU that tries to turn frames the hypervisor
 * writes into page tables or descriptor pages, or to take them away from
 * it (docs/security.md, classes 1 and 2; tests/boot/run-frames.sh).
 *
 *  - the console ring (a frame of ours the hypervisor's console backend
 *    reads and writes every 20 ms): dropped from our page tables, then
 *    pinned as a table (drain() would rewrite a validated entry) and
 *    given back with decrease_reservation (drain() would write a free
 *    frame): both refused; mapped again it still carries our output;
 *  - a grant-table frame (a hypervisor page shared with us): pinned as
 *    a table of each level, or made a GDT frame: refused; it maps
 *    writable as before;
 *  - the runstate area, which the hypervisor writes through our virtual
 *    address: pointed read-only at one of our pinned L1 tables, the
 *    writes on every reschedule must fault, the table stays empty;
 *  - shared_info, the way the attack in issue #10 starts: vcpu_info
 *    moved out (VCPUOP_register_vcpu_info, as Linux does), the page
 *    zeroed (a valid empty table) and its only writable mapping dropped;
 *    then pinned as a table of each level, or made a GDT frame: refused.
 *    Had the pin as L1 worked, EVTCHNOP_send on ports 64-127 would set
 *    chosen bits in it, i.e. write arbitrary PTEs.  The page vcpu_info
 *    moved to is then retyped and given back like the console ring:
 *    refused.
 *
 * Xen 4.17 refuses each of these too (its shared pages hold a permanent
 * writable type reference from share_xen_page_with_guest); the refusal
 * is -EINVAL for a pin or a GDT frame whose type cannot change.
 */
#include "lib/guest.h"
#include <public/memory.h>
#include <public/grant_table.h>
#include <public/event_channel.h>
#include <public/io/console.h>

static uint8_t vi_page[4096] PAGE_ALIGNED;	/* vcpu_info moves here */
static uint8_t window[4096] PAGE_ALIGNED;	/* maps the grant frame */
static uint64_t rs_l1[512] PAGE_ALIGNED;	/* pinned as an L1 */
static uint8_t rs_area[4096] PAGE_ALIGNED;	/* the runstate area's va */

static const unsigned int pins[4] = { MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
				      MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE };

static long mmuext1(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long uvm(void *va, uint64_t pte)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG);
}

static uint64_t pte_rw(unsigned long mfn)
{
	return (mfn << 12) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
}

/* Try to make mfn a page table of every level and a GDT frame; each must
 * be refused.  A pin that got through is undone so the guest goes on. */
static void try_retype(const char *what, unsigned long mfn)
{
	char name[96];
	unsigned int i;
	long rc;

	for (i = 0; i < 4; i++) {
		rc = mmuext1(pins[i], mfn);
		snprintf(name, sizeof(name), "%s: PIN_L%u => -EINVAL", what, i + 1);
		check(rc == -XEN_EINVAL, name, "mfn %#lx: returned %ld", mfn, rc);
		if (rc == 0)
			mmuext1(MMUEXT_UNPIN_TABLE, mfn);
	}
	rc = HYPERVISOR_set_gdt(&mfn, 16);
	snprintf(name, sizeof(name), "%s: set_gdt => -EINVAL", what);
	check(rc == -XEN_EINVAL, name, "mfn %#lx: returned %ld", mfn, rc);
	if (rc == 0)
		HYPERVISOR_set_gdt(&mfn, 0);
}

static long decrease_reservation(unsigned long mfn)
{
	xen_pfn_t list[1] = { mfn };
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

	set_xen_guest_handle(r.extent_start, list);
	return HC(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r, 0, 0, 0);
}

static long current_reservation(void)
{
	domid_t self = DOMID_SELF;

	return HC(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self, 0, 0, 0);
}

/* Write a line into the console ring and tell the backend. */
static void ring_say(struct xencons_interface *r, const char *s)
{
	struct evtchn_send send = { .port = start_info->console.domU.evtchn };
	uint32_t prod = r->out_prod;

	while (*s)
		r->out[prod++ % sizeof(r->out)] = *s++;
	__atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
	HC(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &send, 0, 0, 0);
}

static void test_console_ring(void)
{
	unsigned long mfn = start_info->console.domU.mfn;
	struct xencons_interface *r = mfn_to_va(mfn);
	long pages = current_reservation(), rc;
	unsigned int i;

	if (!check(r != NULL, "console ring in the bootstrap region", "mfn %#lx", mfn))
		return;
	say("frames: console ring mfn %#lx", mfn);
	CHECK_RC("drop our writable mapping of the ring", uvm(r, 0), 0);
	try_retype("console ring", mfn);
	rc = decrease_reservation(mfn);
	if (!check(rc == 0, "decrease_reservation of the ring refused (in use by the backend)",
		   "returned %ld", rc))
		return;		/* the frame is no longer ours to map */
	CHECK_EQ("tot_pages unchanged", current_reservation(), pages);
	CHECK_RC("map the ring again", uvm(r, pte_rw(mfn)), 0);
	for (i = 0; i < 3; i++)
		ring_say(r, "frames: ring still drained\n");
	/* The send drains at once; the 20 ms poll would too. */
	for (i = 0; i < 1000 && r->out_cons != r->out_prod; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK_EQ("the backend consumed our output", r->out_cons, r->out_prod);
}

static void test_grant_frame(void)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	xen_pfn_t gf[1] = { 0 };

	set_xen_guest_handle(st.frame_list, gf);
	CHECK_RC("GNTTABOP_setup_table", HC(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
					    &st, 1, 0, 0), 0);
	CHECK_RC("... status okay", st.status, GNTST_okay);
	say("frames: grant frame mfn %#lx", (unsigned long)gf[0]);
	try_retype("grant frame", gf[0]);
	CHECK_RC("the grant frame maps writable", uvm(window, pte_rw(gf[0])), 0);
	((volatile uint64_t *)window)[1] = 0x1234;
	CHECK_EQ("and reads back", ((volatile uint64_t *)window)[1], 0x1234);
	((volatile uint64_t *)window)[1] = 0;
	CHECK_RC("the window maps its own frame again", uvm(window, pte_rw(va_to_mfn(window))), 0);
}

static void test_shared_info(void)
{
	unsigned long si = start_info->shared_info >> 12;
	struct vcpu_register_vcpu_info vi = { .mfn = va_to_mfn(vi_page), .offset = 0 };
	void *si_va = (void *)shared;

	say("frames: shared_info mfn %#lx", si);
	CHECK_RC("move vcpu_info out of shared_info",
		 HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi), 0);
	vcpu = (struct vcpu_info *)vi_page;
	/* The new vcpu_info page is written by the hypervisor from now on
	 * (time, event state): it holds it like the console ring. */
	CHECK_RC("drop our mapping of the vcpu_info page", uvm(vi_page, 0), 0);
	try_retype("vcpu_info page", vi.mfn);
	CHECK_RC("decrease_reservation of the vcpu_info page refused",
		 decrease_reservation(vi.mfn), 0);
	CHECK_RC("map the vcpu_info page again", uvm(vi_page, pte_rw(vi.mfn)), 0);
	memset(si_va, 0, PAGE_SIZE);
	CHECK_RC("drop our only writable mapping of shared_info", uvm(si_va, 0), 0);
	try_retype("shared_info", si);
	CHECK_RC("shared_info maps writable again", uvm(si_va, pte_rw(si)), 0);
	shared->evtchn_mask[0] = 0;
	CHECK_EQ("and is plain memory", shared->evtchn_mask[0], 0);
}

/*
 * The runstate area is written through a guest virtual address, with the
 * guest's own page tables and CR0.WP: pointed (read-only) at one of our
 * pinned L1 tables, the hypervisor's writes on every reschedule must fault
 * and be dropped, never reach the table.
 */
static void test_runstate_area(void)
{
	struct vcpu_register_runstate_memory_area area = { .addr.v = (uint64_t)rs_area };
	unsigned long l1 = va_to_mfn(rs_l1), own = va_to_mfn(rs_area);
	unsigned int i, dirty = 0;

	CHECK_RC("candidate L1 read-only", set_page_rw(rs_l1, false), 0);
	CHECK_RC("PIN_L1 of it", mmuext1(MMUEXT_PIN_L1_TABLE, l1), 0);
	CHECK_RC("the area's va maps the pinned L1 read-only",
		 uvm(rs_area, (l1 << 12) | _PAGE_PRESENT | _PAGE_ACCESSED), 0);
	CHECK_RC("register the runstate area there",
		 HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), 0);
	for (i = 0; i < 20; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	for (i = 0; i < 512; i++)
		dirty += rs_l1[i] != 0;
	CHECK_EQ("the pinned L1 is still empty (runstate writes faulted)", dirty, 0);
	area.addr.v = 0;
	CHECK_RC("unregister the runstate area",
		 HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), 0);
	CHECK_RC("the va maps its own frame again", uvm(rs_area, pte_rw(own)), 0);
	CHECK_RC("UNPIN the L1", mmuext1(MMUEXT_UNPIN_TABLE, l1), 0);
	CHECK_RC("it is writable again", set_page_rw(rs_l1, true), 0);
}

void guest_main(void)
{
	map_shared_info();
	CHECK_RC("install the trap table", traps_install(), 0);
	test_console_ring();
	test_grant_frame();
	test_runstate_area();
	test_shared_info();
	say("frames: attacks done");
}
