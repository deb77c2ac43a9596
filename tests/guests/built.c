/*
 * built: the domU that the `builder` guest (dom0) creates at run time
 * through Xen's domctl interface and lays out itself (TOOLSTACK-ABI.md
 * 3.3).  It checks the start of day the builder wrote, that it is an
 * ordinary unprivileged domain, prints its verdict with console_io and
 * shuts down: poweroff on PASS, crash on FAIL, which is how the builder
 * reads the verdict (getdomaininfo's shutdown code).
 *
 * Command line (from the builder): "iter=N pages=P port=E".
 */
#include "lib/guest.h"
#include <public/domctl.h>
#include <public/memory.h>
#include <public/event_channel.h>
#include <public/grant_table.h>

static uint8_t gnt_page[4096] PAGE_ALIGNED;

/* The builder seeded grant entries 0 and 1 (console, store) for dom0. */
static void check_seeded_grants(void)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	const struct grant_entry_v1 *g = (const struct grant_entry_v1 *)gnt_page;
	xen_pfn_t frame = 0;
	long rc;

	set_xen_guest_handle(st.frame_list, &frame);
	rc = HC(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1, 0, 0);
	if (!check(rc == 0 && st.status == GNTST_okay, "setup_table of its own table",
		   "rc %ld status %d", rc, st.status))
		return;
	if (!CHECK_RC("map its grant frame read-only",
		      HYPERVISOR_update_va_mapping((unsigned long)gnt_page,
						   (frame << 12) | _PAGE_PRESENT | _PAGE_ACCESSED |
							   _PAGE_USER, UVMF_INVLPG), 0))
		return;
	check(g[GNTTAB_RESERVED_CONSOLE].flags == GTF_permit_access &&
	      g[GNTTAB_RESERVED_CONSOLE].domid == 0 &&
	      g[GNTTAB_RESERVED_CONSOLE].frame == start_info->console.domU.mfn,
	      "grant 0 (console) seeded for dom0", "flags %x dom %u frame %x",
	      g[0].flags, g[0].domid, g[0].frame);
	check(g[GNTTAB_RESERVED_XENSTORE].flags == GTF_permit_access &&
	      g[GNTTAB_RESERVED_XENSTORE].domid == 0 &&
	      g[GNTTAB_RESERVED_XENSTORE].frame == start_info->store_mfn,
	      "grant 1 (store) seeded for dom0", "flags %x dom %u frame %x",
	      g[1].flags, g[1].domid, g[1].frame);
	CHECK_RC("unmap it", set_page_rw(gnt_page, true), 0);
}

static void check_start_info(void)
{
	const unsigned long *p2m = (const unsigned long *)start_info->mfn_list;
	const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
	unsigned long pfn, bad = 0, pages = cmdline_num("pages=", 0);

	check(!memcmp(start_info->magic, "xen-3.0-x86_64", 14), "start_info magic",
	      "'%.16s'", start_info->magic);
	CHECK_EQ("nr_pages as the builder populated", start_info->nr_pages, pages);
	CHECK_EQ("flags 0 (an unprivileged domU)", start_info->flags, 0);
	CHECK_EQ("console evtchn from alloc_unbound", start_info->console.domU.evtchn,
		 cmdline_num("port=", 0));
	for (pfn = 0; pfn < start_info->nr_pages; pfn++)
		if (m2p[p2m[pfn]] != pfn)
			bad++;
	CHECK_EQ("p2m and M2P agree on every pfn", bad, 0);
	check(mfn_to_va(start_info->console.domU.mfn) != NULL &&
	      mfn_to_va(start_info->store_mfn) != NULL,
	      "console and store pages are ours", "console %lx store %lx",
	      (unsigned long)start_info->console.domU.mfn, (unsigned long)start_info->store_mfn);
	check(start_info->pt_base > VIRT_BASE && pte_maddr((unsigned long)start_info) != 0,
	      "bootstrap tables walkable from pt_base", "pt_base %lx",
	      (unsigned long)start_info->pt_base);
	check(strstr((const char *)start_info->cmd_line, "iter=") != NULL, "command line",
	      "'%s'", (const char *)start_info->cmd_line);
	CHECK_EQ("shared_info upcall mask set by the builder", vcpu->evtchn_upcall_mask, 1);
}

/* A run-time domU is refused the control interface like any domU. */
static void check_refused(void)
{
	struct xen_domctl op;
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L4_TABLE };
	unsigned long gpfn = 0;
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = 0 };
	struct evtchn_alloc_unbound au = { .dom = 0, .remote_dom = 0 };
	static const uint32_t cmds[] = {
		XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_setvcpucontext,
		XEN_DOMCTL_max_vcpus, XEN_DOMCTL_set_address_size, XEN_DOMCTL_getvcpucontext,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&op, 0, sizeof(op));
		op.cmd = cmds[i];
		op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
		op.domain = 0;
		op.u.createdomain.max_vcpus = 1;
		CHECK_RC("domU: domctl -EPERM", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
			 -XEN_EPERM);
	}
	pin.arg1.mfn = va_to_mfn((void *)start_info->pt_base);
	CHECK_RC("domU: PIN_L4 with foreigndom 0 -EPERM",
		 HYPERVISOR_mmuext_op(&pin, 1, NULL, 0), -XEN_EPERM);
	set_xen_guest_handle(r.extent_start, &gpfn);
	CHECK_RC("domU: populate_physmap for dom0 does nothing",
		 HC(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r, 0, 0, 0), 0);
	CHECK_RC("domU: alloc_unbound in dom0 -EPERM",
		 HC(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au, 0, 0, 0),
		 -XEN_EPERM);
}

void guest_main(void)
{
	map_shared_info();
	check_start_info();
	check_seeded_grants();
	check_refused();
}
