/*
 * abi: start-of-day state and hypercalls (success and error cases).
 * Expected values are what Xen 4.17 does for a PV dom0 (observed by
 * running this guest on it, see docs/testing.md).  Run with the dom0
 * command line "keel-test a=1 b=two" (tests/boot/tests.list).
 */
#include "lib/guest.h"

#define EXPECTED_CMDLINE "keel-test a=1 b=two"

static const unsigned long *mfn_list;

static bool in_bootstrap(unsigned long va)
{
	return va >= VIRT_BASE && va < VIRT_BASE + (start_info->nr_pages << 12);
}

static void test_start_of_day(void)
{
	unsigned long pfn, bad = 0, first_bad = 0, image_pages;
	const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
	const uint64_t *l4;

	check(!memcmp(start_info->magic, "xen-3.0-x86_64", 15),
	      "start_info.magic is \"xen-3.0-x86_64\"", "magic '%.32s'",
	      start_info->magic);
	CHECK_EQ("rsi at entry points at start_info", boot_rsi,
		 (unsigned long)start_info);
	check(((unsigned long)start_info & ~PAGE_MASK) == 0 &&
	      in_bootstrap((unsigned long)start_info),
	      "start_info is page aligned in the bootstrap region", "%p",
	      (void *)start_info);
	CHECK_EQ("flags has SIF_INITDOMAIN|SIF_PRIVILEGED",
		 start_info->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED),
		 SIF_INITDOMAIN | SIF_PRIVILEGED);
	image_pages = ((unsigned long)_image_end - VIRT_BASE) >> 12;
	check(start_info->nr_pages >= image_pages &&
	      start_info->nr_pages <= (64UL << 20) >> 12,
	      "nr_pages covers the image and is at most dom0_mem=64M",
	      "nr_pages %lu, image ends at pfn %lu", start_info->nr_pages,
	      image_pages);
	note("nr_pages %lu shared_info %#lx pt_base %#lx nr_pt_frames %lu "
	     "mfn_list %#lx mod_start %#lx mod_len %lu", start_info->nr_pages,
	     start_info->shared_info, start_info->pt_base,
	     start_info->nr_pt_frames, start_info->mfn_list,
	     start_info->mod_start, start_info->mod_len);
	check(in_bootstrap(start_info->pt_base) &&
	      (start_info->pt_base & ~PAGE_MASK) == 0 &&
	      start_info->nr_pt_frames >= 4,
	      "pt_base is a page in the bootstrap region, nr_pt_frames >= 4",
	      "pt_base %#lx nr_pt_frames %lu", start_info->pt_base,
	      start_info->nr_pt_frames);
	l4 = (const uint64_t *)start_info->pt_base;
	/* How the hypervisor's own slots (256-271) look in the page is its
	 * business (Xen shows the M2P in slot 256 here but not in L4s the
	 * guest pins later): only the M2P being readable is checked. */
	check(l4[511] & _PAGE_PRESENT, "bootstrap L4 maps VIRT_BASE (slot 511)",
	      "l4[511] %#lx", (unsigned long)l4[511]);
	check(start_info->mod_start == 0 && start_info->mod_len == 0,
	      "no initrd: mod_start = mod_len = 0", "mod_start %#lx len %lu",
	      start_info->mod_start, start_info->mod_len);
	check(!strcmp((const char *)start_info->cmd_line, EXPECTED_CMDLINE),
	      "cmd_line is the module string minus the image path",
	      "cmd_line '%.100s'", (const char *)start_info->cmd_line);
	check(in_bootstrap(boot_rsp), "rsp at entry is in the bootstrap region",
	      "rsp %#lx", (unsigned long)boot_rsp);
	CHECK_EQ("cs at entry is FLAT_KERNEL_CS64 0xe033", boot_cs, 0xe033);
	CHECK_EQ("ss at entry is FLAT_KERNEL_SS64 0xe02b", boot_ss, 0xe02b);
	check(boot_ds == 0 && boot_es == 0 && boot_fs == 0 && boot_gs == 0,
	      "ds, es, fs, gs are 0 at entry", "ds %#x es %#x fs %#x gs %#x",
	      boot_ds, boot_es, boot_fs, boot_gs);
	check((boot_rflags & (3 << 12)) == 0, "rflags.IOPL is 0 at entry",
	      "rflags %#lx", (unsigned long)boot_rflags);

	mfn_list = (const unsigned long *)start_info->mfn_list;
	check(in_bootstrap(start_info->mfn_list),
	      "mfn_list is in the bootstrap region", "%#lx",
	      start_info->mfn_list);
	for (pfn = 0; pfn < start_info->nr_pages; pfn++) {
		if (m2p[mfn_list[pfn]] != pfn) {
			if (!bad++)
				first_bad = pfn;
		}
	}
	check(bad == 0, "M2P at 0xffff800000000000 inverts mfn_list for every pfn",
	      "%lu mismatches, first pfn %lu (mfn %#lx, m2p %#lx)", bad,
	      first_bad, mfn_list[first_bad], m2p[mfn_list[first_bad]]);
	CHECK_EQ("pfn of our entry page maps to its mfn via mfn_list",
		 m2p[va_to_mfn((void *)_image_start)],
		 va_to_pfn((void *)_image_start));

	check((start_info->shared_info & ~PAGE_MASK) == 0,
	      "shared_info is a page-aligned machine address", "%#lx",
	      start_info->shared_info);
	map_shared_info();
	CHECK_EQ("events masked at entry (vcpu_info[0].evtchn_upcall_mask)",
		 vcpu->evtchn_upcall_mask, 1);
}

static void test_xen_version(void)
{
	struct {
		xen_extraversion_t v;
		unsigned char canary[16];
	} ev;
	static struct {
		xen_capabilities_info_t v;
		unsigned char canary[16];
	} caps;
	struct {
		struct xen_feature_info fi;
		unsigned char canary[8];
	} f;
	unsigned char ones[16];
	long ver = HYPERVISOR_xen_version(XENVER_version, NULL);

	memset(ones, 0xa5, sizeof(ones));
	check((ver >> 16) >= 4, "XENVER_version major >= 4", "version %ld.%ld",
	      ver >> 16, ver & 0xffff);
	note("version %ld.%ld", ver >> 16, ver & 0xffff);

	memset(&ev, 0xa5, sizeof(ev));
	CHECK_RC("XENVER_extraversion", HYPERVISOR_xen_version(XENVER_extraversion, ev.v), 0);
	check(strnlen(ev.v, sizeof(ev.v)) < sizeof(ev.v),
	      "extraversion is NUL-terminated", "no NUL in 16 bytes");
	check(!memcmp(ev.canary, ones, sizeof(ev.canary)),
	      "extraversion writes nothing past 16 bytes", "canary clobbered");
	note("extraversion '%.16s'", ev.v);

	memset(&caps, 0xa5, sizeof(caps));
	CHECK_RC("XENVER_capabilities",
		 HYPERVISOR_xen_version(XENVER_capabilities, caps.v), 0);
	caps.v[sizeof(caps.v) - 1] = caps.v[sizeof(caps.v) - 1];
	check(strnlen(caps.v, sizeof(caps.v)) < sizeof(caps.v) &&
	      strstr(caps.v, "xen-3.0-x86_64"),
	      "capabilities contains xen-3.0-x86_64", "'%.100s'", caps.v);
	check(!memcmp(caps.canary, ones, sizeof(caps.canary)),
	      "capabilities writes nothing past 1024 bytes", "canary clobbered");

	memset(&f, 0xa5, sizeof(f));
	f.fi.submap_idx = 0;
	CHECK_RC("XENVER_get_features submap 0",
		 HYPERVISOR_xen_version(XENVER_get_features, &f.fi), 0);
	CHECK_EQ("features: mmu_pt_update_preserve_ad (5), gnttab_map_avail_bits (7)",
		 f.fi.submap & ((1u << 5) | (1u << 7)), (1u << 5) | (1u << 7));
	CHECK_EQ("features: no auto_translated_physmap (2), supervisor_mode_kernel (3)",
		 f.fi.submap & ((1u << 2) | (1u << 3)), 0);
	check(!memcmp(f.canary, ones, sizeof(f.canary)),
	      "get_features writes nothing past the struct", "canary clobbered");
	note("features submap 0 = %#x", f.fi.submap);
	f.fi.submap_idx = 1000;
	f.fi.submap = 0x12345678;
	CHECK_RC("XENVER_get_features unknown submap => -EINVAL",
		 HYPERVISOR_xen_version(XENVER_get_features, &f.fi), -XEN_EINVAL);
	CHECK_EQ("failed get_features leaves the struct alone", f.fi.submap, 0x12345678);
	CHECK_RC("XENVER_pagesize is 4096", HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096);
	CHECK_RC("xen_version unknown command => -ENOSYS",
		 HYPERVISOR_xen_version(999, NULL), -XEN_ENOSYS);
}

static void test_console_io(void)
{
	static const char msg[] = "# console_io write test\n";
	char buf[16];

	CHECK_RC("console_io write", HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, (void *)msg), 0);
	CHECK_RC("console_io write of 0 bytes", HYPERVISOR_console_io(CONSOLEIO_write, 0, (void *)msg), 0);
	CHECK_RC("console_io write from an unmapped buffer => -EFAULT",
		 HYPERVISOR_console_io(CONSOLEIO_write, 8, (void *)0x1000), -XEN_EFAULT);
	CHECK_RC("console_io read with no input returns 0",
		 HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buf), buf), 0);
	CHECK_RC("console_io unknown command => -ENOSYS",
		 HYPERVISOR_console_io(77, 1, buf), -XEN_ENOSYS);
}

static void test_trap_table(void)
{
	struct trap_info t[3];

	memset(t, 0, sizeof(t));
	t[0] = (struct trap_info){ .vector = 3, .flags = 3, .cs = FLAT_KERNEL_CS,
				   .address = trap_stub(3) };
	CHECK_RC("set_trap_table with one entry", HYPERVISOR_set_trap_table(t), 0);
	CHECK_RC("set_trap_table(NULL) clears the table", HYPERVISOR_set_trap_table(NULL), 0);
	CHECK_RC("set_trap_table from an unmapped address => -EFAULT",
		 HYPERVISOR_set_trap_table((void *)0x1000), -XEN_EFAULT);
	t[0].address = 0x0000800000000000UL;	/* non-canonical */
	CHECK_RC("set_trap_table with a non-canonical handler => -EINVAL",
		 HYPERVISOR_set_trap_table(t), -XEN_EINVAL);
	t[0] = (struct trap_info){ .vector = 255, .cs = FLAT_KERNEL_CS,
				   .address = trap_stub(255) };
	CHECK_RC("set_trap_table accepts vector 255", HYPERVISOR_set_trap_table(t), 0);
	CHECK_RC("install the full trap table and callbacks", traps_install(), 0);
}

static void test_callbacks(void)
{
	struct callback_register cb = { .type = CALLBACKTYPE_event,
					.flags = CALLBACKF_mask_events,
					.address = (unsigned long)event_entry };
	struct callback_unregister ucb = { .type = CALLBACKTYPE_event };

	CHECK_RC("set_callbacks(event, failsafe, syscall)",
		 HYPERVISOR_set_callbacks((unsigned long)event_entry,
					  (unsigned long)failsafe_entry,
					  (unsigned long)syscall_entry), 0);
	CHECK_RC("callback_op register event", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
	cb.type = CALLBACKTYPE_failsafe;
	cb.address = (unsigned long)failsafe_entry;
	CHECK_RC("callback_op register failsafe", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
	cb.type = CALLBACKTYPE_syscall;
	cb.address = (unsigned long)syscall_entry;
	CHECK_RC("callback_op register syscall", HYPERVISOR_callback_op(CALLBACKOP_register, &cb), 0);
	cb.type = 99;
	CHECK_RC("callback_op register bad type => -ENOSYS",
		 HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_ENOSYS);
	CHECK_RC("callback_op unregister event => -EINVAL",
		 HYPERVISOR_callback_op(CALLBACKOP_unregister, &ucb), -XEN_EINVAL);
	CHECK_RC("callback_op unknown command => -ENOSYS",
		 HYPERVISOR_callback_op(9, &cb), -XEN_ENOSYS);
	CHECK_RC("callback_op register from an unmapped address => -EFAULT",
		 HYPERVISOR_callback_op(CALLBACKOP_register, (void *)0x1000), -XEN_EFAULT);
}

static void test_misc_ops(void)
{
	static unsigned char stack[4096] __attribute__((aligned(16)));
	struct physdev_set_iopl iopl = { .iopl = 1 };

	CHECK_RC("stack_switch(FLAT_KERNEL_SS, sp)",
		 HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)stack + sizeof(stack)), 0);
	CHECK_RC("fpu_taskswitch(1)", HYPERVISOR_fpu_taskswitch(1), 0);
	CHECK_RC("fpu_taskswitch(0)", HYPERVISOR_fpu_taskswitch(0), 0);
	CHECK_RC("vm_assist enable writable_pagetables",
		 HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
	CHECK_RC("vm_assist enable runstate_update_flag",
		 HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
	CHECK_RC("vm_assist unknown type 31 => -EINVAL",
		 HYPERVISOR_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL);
	CHECK_RC("vm_assist unknown command => -ENOSYS",
		 HYPERVISOR_vm_assist(7, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS);
	CHECK_RC("physdev_op set_iopl(1)", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	iopl.iopl = 4;
	CHECK_RC("physdev_op set_iopl(4) => -EINVAL",
		 HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), -XEN_EINVAL);
	iopl.iopl = 0;
	CHECK_RC("physdev_op set_iopl(0)", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	CHECK_RC("physdev_op unknown command => -ENOSYS",
		 HYPERVISOR_physdev_op(999, &iopl), -XEN_ENOSYS);
	CHECK_RC("sched_op yield", HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
	CHECK_RC("sched_op unknown command => -ENOSYS",
		 HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS);
	CHECK_RC("unimplemented hypercall 39 => -ENOSYS", HC(39, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	CHECK_RC("out-of-range hypercall 100 => -ENOSYS", HC(100, 0, 0, 0, 0, 0), -XEN_ENOSYS);
}

static void test_multicall(void)
{
	static const char msg[] = "# multicall console write\n";
	struct multicall_entry mc[4];

	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_xen_version;
	mc[0].args[0] = XENVER_pagesize;
	mc[1].op = __HYPERVISOR_console_io;
	mc[1].args[0] = CONSOLEIO_write;
	mc[1].args[1] = sizeof(msg) - 1;
	mc[1].args[2] = (unsigned long)msg;
	mc[2].op = 39;			/* not a hypercall */
	mc[3].op = __HYPERVISOR_xen_version;
	mc[3].args[0] = XENVER_version;
	for (unsigned int i = 0; i < 4; i++)
		mc[i].result = 0xdead;
	CHECK_RC("multicall of 4 entries returns 0", HYPERVISOR_multicall(mc, 4), 0);
	CHECK_EQ("multicall entry 0 (xen_version pagesize) result", mc[0].result, 4096);
	CHECK_EQ("multicall entry 1 (console_io write) result", mc[1].result, 0);
	CHECK_EQ("multicall entry 2 (hypercall 39) result is -ENOSYS", mc[2].result, -XEN_ENOSYS);
	CHECK_EQ("multicall entry 3 runs after the failed one",
		 mc[3].result, HYPERVISOR_xen_version(XENVER_version, NULL));
	mc[0].op = __HYPERVISOR_multicall;
	mc[0].args[0] = (unsigned long)&mc[1];
	mc[0].args[1] = 1;
	mc[0].result = 0xdead;
	CHECK_RC("multicall containing a multicall returns 0", HYPERVISOR_multicall(mc, 1), 0);
	CHECK_EQ("nested multicall entry result is -EINVAL", mc[0].result, -XEN_EINVAL);
	CHECK_RC("multicall of 0 entries", HYPERVISOR_multicall(mc, 0), 0);
	CHECK_RC("multicall from an unmapped address => -EFAULT",
		 HYPERVISOR_multicall((void *)0x1000, 1), -XEN_EFAULT);
}

static void test_vcpu_op(void)
{
	static struct vcpu_info vi_page[64] __attribute__((aligned(4096)));
	static struct vcpu_runstate_info rs;
	struct vcpu_register_vcpu_info r = { 0 };
	struct vcpu_register_runstate_memory_area area;

	CHECK_RC("VCPUOP_is_up(0) = 1", HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
	CHECK_RC("VCPUOP_is_up(1) => -ENOENT", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), -XEN_ENOENT);
	CHECK_RC("VCPUOP_is_up(8191) => -ENOENT", HYPERVISOR_vcpu_op(VCPUOP_is_up, 8191, NULL), -XEN_ENOENT);
	CHECK_RC("VCPUOP_is_up(0x10000) => -ENOENT",
		 HYPERVISOR_vcpu_op(VCPUOP_is_up, 0x10000, NULL), -XEN_ENOENT);
	CHECK_RC("vcpu_op unknown command => -ENOSYS", HYPERVISOR_vcpu_op(99, 0, NULL), -XEN_ENOSYS);

	memset(&rs, 0xff, sizeof(rs));
	area.addr.v = (uint64_t)&rs;
	CHECK_RC("VCPUOP_register_runstate_memory_area",
		 HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), 0);
	check(rs.state == 0 && rs.state_entry_time != ~0ULL,
	      "runstate area filled at once: state running",
	      "state %d entry_time %#lx", rs.state, (unsigned long)rs.state_entry_time);

	r.mfn = va_to_mfn(vi_page);
	r.offset = 4096 - 32;
	CHECK_RC("register_vcpu_info crossing a page => -ENXIO",
		 HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 64;
	CHECK_RC("register_vcpu_info for vcpu 1 => -ENOENT",
		 HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 1, &r), -XEN_ENOENT);
	memset(vi_page, 0, sizeof(vi_page));
	CHECK_RC("register_vcpu_info(mfn, offset 64)",
		 HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), 0);
	CHECK_EQ("new vcpu_info has the old upcall mask copied", vi_page[1].evtchn_upcall_mask, 1);
	vcpu = &vi_page[1];
	r.offset = 128;
	CHECK_RC("register_vcpu_info a second time => -EINVAL",
		 HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
}

static void test_segment_base(void)
{
	static uint64_t fs_word = 0x1111222233334444ULL;
	static uint64_t gs_word = 0x5555666677778888ULL;
	uint64_t v;

	CHECK_RC("set_segment_base(FS)", HYPERVISOR_set_segment_base(SEGBASE_FS, (unsigned long)&fs_word), 0);
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	CHECK_EQ("%fs:0 reads through the new FS base", v, fs_word);
	CHECK_RC("set_segment_base(GS_KERNEL)",
		 HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)&gs_word), 0);
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	CHECK_EQ("%gs:0 reads through the new kernel GS base", v, gs_word);
	CHECK_RC("set_segment_base(GS_USER)", HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x1000), 0);
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	CHECK_EQ("GS_USER does not change the kernel GS base", v, gs_word);
	CHECK_RC("set_segment_base(GS_USER_SEL, 0)", HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0);
	CHECK_RC("set_segment_base unknown register => -EINVAL",
		 HYPERVISOR_set_segment_base(9, 0), -XEN_EINVAL);
	CHECK_RC("set_segment_base(FS) non-canonical => -EINVAL",
		 HYPERVISOR_set_segment_base(SEGBASE_FS, 0x0000800000000000UL), -XEN_EINVAL);
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
}

static unsigned char page_a[4096] PAGE_ALIGNED;
static unsigned char page_b[4096] PAGE_ALIGNED;

static void test_mmu(void)
{
	struct mmuext_op op;
	struct mmu_update u;
	unsigned int done = 0;
	uint64_t pte_a = (va_to_mfn(page_a) << 12) | _PAGE_PRESENT | _PAGE_RW |
			 _PAGE_ACCESSED | _PAGE_DIRTY;
	uint64_t pte_b = (va_to_mfn(page_b) << 12) | _PAGE_PRESENT | _PAGE_RW |
			 _PAGE_ACCESSED | _PAGE_DIRTY;
	uint64_t maddr;

	memset(page_a, 'a', sizeof(page_a));
	memset(page_b, 'b', sizeof(page_b));
	CHECK_RC("update_va_mapping page_a -> page_b's frame (INVLPG)",
		 HYPERVISOR_update_va_mapping((unsigned long)page_a, pte_b, UVMF_INVLPG), 0);
	CHECK_EQ("page_a now reads page_b's contents", page_a[100], 'b');
	CHECK_RC("update_va_mapping back (TLB_FLUSH)",
		 HYPERVISOR_update_va_mapping((unsigned long)page_a, pte_a, UVMF_TLB_FLUSH), 0);
	CHECK_EQ("page_a reads its own contents again", page_a[100], 'a');
	CHECK_RC("update_va_mapping in the hypervisor range => -EINVAL",
		 HYPERVISOR_update_va_mapping(HYPERVISOR_VIRT_START, pte_a, UVMF_INVLPG), -XEN_EINVAL);
	/* dom0 may map frames no domain owns (here mfn 0, low memory I/O). */
	CHECK_RC("dom0: update_va_mapping to mfn 0 (not RAM of any domain)",
		 HYPERVISOR_update_va_mapping((unsigned long)page_a,
					      _PAGE_PRESENT | _PAGE_RW, UVMF_INVLPG), 0);
	CHECK_RC("update_va_mapping back to page_a's frame",
		 HYPERVISOR_update_va_mapping((unsigned long)page_a, pte_a, UVMF_INVLPG), 0);
	CHECK_RC("update_va_mapping of a page-table page writable => -EBUSY",
		 HYPERVISOR_update_va_mapping((unsigned long)page_a,
					      (va_to_mfn((void *)start_info->pt_base) << 12) |
					      _PAGE_PRESENT | _PAGE_RW, UVMF_INVLPG), -XEN_EBUSY);
	CHECK_EQ("page_a still maps its own frame", page_a[100], 'a');

	maddr = pte_maddr((unsigned long)page_a);
	check(maddr != 0, "found page_a's L1 entry by walking pt_base", "none");
	u.ptr = maddr | MMU_NORMAL_PT_UPDATE;
	u.val = pte_b;
	CHECK_RC("mmu_update normal PT update", HYPERVISOR_mmu_update(&u, 1, &done, DOMID_SELF), 0);
	CHECK_EQ("mmu_update reports 1 done", done, 1);
	HYPERVISOR_mmuext_op(&(struct mmuext_op){ .cmd = MMUEXT_INVLPG_LOCAL,
						  .arg1.linear_addr = (unsigned long)page_a },
			     1, NULL, DOMID_SELF);
	CHECK_EQ("after mmu_update+INVLPG_LOCAL page_a reads page_b", page_a[7], 'b');
	u.val = pte_a;
	CHECK_RC("mmu_update restore", HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), 0);
	op.cmd = MMUEXT_TLB_FLUSH_LOCAL;
	CHECK_RC("mmuext TLB_FLUSH_LOCAL", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	CHECK_EQ("page_a reads page_a again", page_a[7], 'a');
	/* Xen writes into a frame that is not a page table as plain data. */
	u.ptr = ((va_to_mfn(page_a) << 12) + 8) | MMU_NORMAL_PT_UPDATE;
	u.val = 0x0123456789abcdefULL;
	CHECK_RC("mmu_update into an ordinary page of ours (plain write)",
		 HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), 0);
	CHECK_EQ("the ordinary page holds the written value", *(uint64_t *)&page_a[8],
		 0x0123456789abcdefULL);
	u.ptr = ((va_to_mfn(page_a) << 12) + 4) | MMU_NORMAL_PT_UPDATE;
	/* The low 3 bits of ptr are the command: 4 is not one. */
	CHECK_RC("mmu_update with command 4 (ptr misaligned by 4) => -ENOSYS",
		 HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), -XEN_ENOSYS);
	u.ptr = (va_to_mfn(page_a) << 12) | MMU_MACHPHYS_UPDATE;
	u.val = va_to_pfn(page_a);
	CHECK_RC("mmu_update MACHPHYS_UPDATE of our own frame",
		 HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), 0);

	op.cmd = MMUEXT_NEW_BASEPTR;
	op.arg1.mfn = va_to_mfn((void *)start_info->pt_base);
	done = 0;
	CHECK_RC("mmuext NEW_BASEPTR with the current L4", HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF), 0);
	CHECK_EQ("mmuext reports 1 done", done, 1);
	op.arg1.mfn = va_to_mfn(page_b);
	CHECK_RC("mmuext NEW_BASEPTR with a writable data page => -EINVAL",
		 HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	op.cmd = MMUEXT_INVLPG_LOCAL;
	op.arg1.linear_addr = (unsigned long)page_a;
	CHECK_RC("mmuext INVLPG_LOCAL", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.cmd = 99;
	CHECK_RC("mmuext unknown command => -ENOSYS", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_ENOSYS);
}

#define DESC_CODE64_DPL3 0x00affb000000ffffULL	/* L, P, DPL3, code RX */
#define DESC_DATA_DPL3   0x00cff3000000ffffULL	/* P, DPL3, data RW */
#define DESC_DATA_DPL0   0x00cf93000000ffffULL	/* P, DPL0, data RW */
#define DESC_TSS64       0x0000890000000067ULL	/* 64-bit TSS (system) */

static uint64_t gdt_page[512] PAGE_ALIGNED;

static void test_gdt(void)
{
	unsigned long frames[1] = { va_to_mfn(gdt_page) };
	uint64_t maddr = frames[0] << 12;
	uint16_t sel;

	memset(gdt_page, 0, sizeof(gdt_page));
	gdt_page[5] = DESC_DATA_DPL3;
	CHECK_RC("set_gdt of a still-writable page => -EINVAL", HYPERVISOR_set_gdt(frames, 512), -XEN_EINVAL);
	CHECK_RC("make the GDT page read-only", set_page_rw(gdt_page, false), 0);
	CHECK_RC("set_gdt with too many entries => -EINVAL",
		 HYPERVISOR_set_gdt(frames, FIRST_RESERVED_GDT_ENTRY + 1), -XEN_EINVAL);
	CHECK_RC("set_gdt(1 frame, 512 entries)", HYPERVISOR_set_gdt(frames, 512), 0);
	sel = 5 * 8 + 3;
	__asm__ volatile("mov %0, %%es; mov %%es, %0" : "+r"(sel));
	CHECK_EQ("load %es from our GDT entry 5", sel, 5 * 8 + 3);
	sel = 0;
	__asm__ volatile("mov %0, %%es" : : "r"(sel));
	CHECK_RC("update_descriptor: 64-bit code DPL3",
		 HYPERVISOR_update_descriptor(maddr + 6 * 8, DESC_CODE64_DPL3), 0);
	CHECK_EQ("descriptor 6 stored as given", gdt_page[6], DESC_CODE64_DPL3);
	CHECK_RC("update_descriptor: data DPL0 (accepted, DPL raised)",
		 HYPERVISOR_update_descriptor(maddr + 7 * 8, DESC_DATA_DPL0), 0);
	CHECK_EQ("DPL0 data descriptor stored with DPL 3", gdt_page[7], DESC_DATA_DPL3);
	CHECK_RC("update_descriptor: not present is accepted",
		 HYPERVISOR_update_descriptor(maddr + 8 * 8, 0x1234), 0);
	CHECK_RC("update_descriptor: 64-bit TSS => -EINVAL",
		 HYPERVISOR_update_descriptor(maddr + 9 * 8, DESC_TSS64), -XEN_EINVAL);
	CHECK_RC("update_descriptor: misaligned address => -EINVAL",
		 HYPERVISOR_update_descriptor(maddr + 10 * 8 + 4, DESC_DATA_DPL3), -XEN_EINVAL);
	CHECK_RC("update_descriptor: frame we do not own => -EINVAL",
		 HYPERVISOR_update_descriptor(0x1000, DESC_DATA_DPL3), -XEN_EINVAL);
}

/*
 * Call gates in a 64-bit PV guest's GDT, as Xen 4.17 treats them
 * (pv/descriptor-tables.c check_descriptor; traps.c do_general_protection):
 * only a 64-bit call gate (type 0xc) to one of the guest's own selectors, an
 * LDT selector or FLAT_KERNEL_CS is accepted, with no parameter-count bits;
 * it is stored with DPL 0 and the guest's DPL (at least 3) in the target
 * selector's RPL.  Every far call or jump through it then gives the guest
 * #GP(gate selector): Xen emulates gates for 32-bit PV guests only.  A
 * not-present gate is stored as given and gives #NP(gate selector).
 */
#define GATE_LO(sel, dpl, p, type, off)                                       \
	(((uint64_t)(off) & 0xffff) | ((uint64_t)(sel) << 16) |              \
	 ((uint64_t)(type) << 40) | ((uint64_t)(dpl) << 45) |                \
	 ((uint64_t)(p) << 47) | ((((uint64_t)(off) >> 16) & 0xffff) << 48))

volatile unsigned int gate_landed;
extern char gate_landing_call[], gate_landing_jump[];
__asm__(".text\n"
	"gate_landing_call:\n"
	"	movl $1, gate_landed(%rip)\n"
	"	lretq\n"
	"gate_landing_jump:\n"
	"	movl $2, gate_landed(%rip)\n"
	"	jmp *trap_resume(%rip)\n");

/* rex.w lcall/ljmp *(farptr), farptr = {offset, selector}: bounces. */
static unsigned int far_branch(uint16_t sel, bool jump)
{
	static struct { uint64_t off; uint16_t sel; } __attribute__((packed)) fp;
	unsigned int n = trap_count;

	fp.off = (uint64_t)(jump ? gate_landing_jump : gate_landing_call);
	fp.sel = sel;
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, trap_resume(%%rip)\n\t"
			 "test %1, %1\n\t"
			 "jnz 2f\n\t"
			 ".byte 0x48, 0xff, 0x18\n\t"	/* rex.w lcall *(%rax) */
			 "jmp 1f\n"
			 "2:\t.byte 0x48, 0xff, 0x28\n"	/* rex.w ljmp *(%rax) */
			 "1:\tmovq $0, trap_resume(%%rip)"
			 : : "a"(&fp), "r"((unsigned long)jump) : "r11", "memory", "cc");
	return trap_count - n;
}

static void test_call_gates(void)
{
	uint64_t maddr = va_to_mfn(gdt_page) << 12;
	uint64_t off = (uint64_t)gate_landing_call;
	const uint16_t gsel = 10 * 8 + 3, npsel = 12 * 8 + 3;

	CHECK_RC("update_descriptor: 64-bit call gate upper half (type 0)",
		 HYPERVISOR_update_descriptor(maddr + 11 * 8, off >> 32), 0);
	CHECK_RC("a gate to FLAT_KERNEL_CS with RPL 0 (0xe030) => -EINVAL (exact 0xe033 only)",
		 HYPERVISOR_update_descriptor(maddr + 10 * 8, GATE_LO(0xe030, 3, 1, 0xc, off)),
		 -XEN_EINVAL);
	CHECK_RC("update_descriptor: 64-bit call gate DPL3 to FLAT_KERNEL_CS",
		 HYPERVISOR_update_descriptor(maddr + 10 * 8, GATE_LO(0xe033, 3, 1, 0xc, off)), 0);
	CHECK_EQ("the gate is stored with DPL 0 and DPL 3 in the selector's RPL", gdt_page[10],
		 GATE_LO(0xe033, 0, 1, 0xc, off));
	CHECK_RC("a DPL0 gate is accepted", HYPERVISOR_update_descriptor(maddr + 14 * 8,
		 GATE_LO(6 * 8, 0, 1, 0xc, off)), 0);
	CHECK_EQ("... stored with the guest's minimum DPL 3 as RPL of its own code selector",
		 gdt_page[14], GATE_LO(6 * 8 + 3, 0, 1, 0xc, off));
	CHECK_RC("a gate to the hypervisor's CS 0xe008 => -EINVAL",
		 HYPERVISOR_update_descriptor(maddr + 14 * 8, GATE_LO(0xe008, 3, 1, 0xc, off)),
		 -XEN_EINVAL);
	CHECK_RC("a gate to FLAT_RING3_CS32 0xe023 => -EINVAL",
		 HYPERVISOR_update_descriptor(maddr + 14 * 8, GATE_LO(0xe023, 3, 1, 0xc, off)),
		 -XEN_EINVAL);
	CHECK_RC("a gate with parameter-count bits => -EINVAL",
		 HYPERVISOR_update_descriptor(maddr + 14 * 8,
					      GATE_LO(0xe033, 3, 1, 0xc, off) | (2ULL << 32)),
		 -XEN_EINVAL);
	CHECK_RC("a 16-bit call gate (type 4) => -EINVAL",
		 HYPERVISOR_update_descriptor(maddr + 14 * 8, GATE_LO(0xe033, 3, 1, 0x4, off)),
		 -XEN_EINVAL);
	CHECK_RC("an interrupt gate (type 0xe) => -EINVAL",
		 HYPERVISOR_update_descriptor(maddr + 14 * 8, GATE_LO(0xe033, 3, 1, 0xe, off)),
		 -XEN_EINVAL);
	CHECK_EQ("the refused updates left entry 14 as it was", gdt_page[14],
		 GATE_LO(6 * 8 + 3, 0, 1, 0xc, off));
	CHECK_RC("a not-present gate is stored as given",
		 HYPERVISOR_update_descriptor(maddr + 12 * 8, GATE_LO(0xe033, 3, 0, 0xc, off)), 0);
	CHECK_RC("... with its upper half",
		 HYPERVISOR_update_descriptor(maddr + 13 * 8, off >> 32), 0);
	CHECK_EQ("... unchanged", gdt_page[12], GATE_LO(0xe033, 3, 0, 0xc, off));

	gate_landed = 0;
	CHECK_EQ("lcall through the gate: one bounce", far_branch(gsel, false), 1);
	CHECK_EQ("... #GP(gate selector)", last_trap.vector | (last_trap.err << 8),
		 13 | ((gsel & ~3u) << 8));
	CHECK_EQ("ljmp through the gate: one bounce", far_branch(gsel, true), 1);
	CHECK_EQ("... #GP(gate selector)", last_trap.vector | (last_trap.err << 8),
		 13 | ((gsel & ~3u) << 8));
	CHECK_EQ("lcall through a not-present gate: one bounce", far_branch(npsel, false), 1);
	CHECK_EQ("... #NP(gate selector)", last_trap.vector | (last_trap.err << 8),
		 11 | ((npsel & ~3u) << 8));
	CHECK_EQ("the gate's target never ran", gate_landed, 0);
	HYPERVISOR_update_descriptor(maddr + 10 * 8, 0);
	HYPERVISOR_update_descriptor(maddr + 12 * 8, 0);
	HYPERVISOR_update_descriptor(maddr + 14 * 8, 0);
}

/*
 * Linux calls its hypercall stub like a function and only declares rax,
 * the argument registers and memory as changed: the hypervisor must keep
 * rbx, rbp, r9, r12-r15 and rsp (rcx/r11 are the caller's business).
 */
static void test_preserved_regs(void)
{
	static const unsigned int ops[][2] = {
		{ __HYPERVISOR_xen_version, XENVER_version },
		{ __HYPERVISOR_xen_version, XENVER_get_features },	/* -EFAULT path */
		{ __HYPERVISOR_sched_op, SCHEDOP_yield },
		{ __HYPERVISOR_vcpu_op, VCPUOP_is_up },
		{ 39, 0 },						/* -ENOSYS path */
	};
	uint64_t out[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		char name[80];
		bool same;

		__asm__ volatile(
			"push %%rbp\n\t"
			"push %%rbx\n\t"
			"push %%rdi\n\t"
			"mov $0x1111111111111111, %%rbx\n\t"
			"mov $0x2222222222222222, %%rbp\n\t"
			"mov $0x9999999999999999, %%r9\n\t"
			"mov $0x1212121212121212, %%r12\n\t"
			"mov $0x1313131313131313, %%r13\n\t"
			"mov $0x1414141414141414, %%r14\n\t"
			"mov $0x1515151515151515, %%r15\n\t"
			"mov %%rsp, %%rcx\n\t"
			"push %%rcx\n\t"
#ifdef GUEST_HCPAGE
			"shl $5, %%rax\n\t"
			"add $hypercall_page, %%rax\n\t"
			"call *%%rax\n\t"
#else
			"syscall\n\t"
#endif
			"pop %%rcx\n\t"
			"sub %%rsp, %%rcx\n\t"	/* 0 if rsp kept */
			"mov (%%rsp), %%rdi\n\t"	/* out[] */
			"mov %%rbx, 0(%%rdi)\n\t"
			"mov %%rbp, 8(%%rdi)\n\t"
			"mov %%r9, 16(%%rdi)\n\t"
			"mov %%r12, 24(%%rdi)\n\t"
			"mov %%r13, 32(%%rdi)\n\t"
			"mov %%r14, 40(%%rdi)\n\t"
			"mov %%r15, 48(%%rdi)\n\t"
			"mov %%rcx, 56(%%rdi)\n\t"
			"pop %%rdi\n\t"
			"pop %%rbx\n\t"
			"pop %%rbp"
			: "+a"(*(uint64_t[]){ ops[i][0] }), "+D"(*(uint64_t[]){ (uint64_t)out })
			: "S"((uint64_t)ops[i][1]), "d"(0UL)
			: "rcx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory");
		same = out[0] == 0x1111111111111111ULL && out[1] == 0x2222222222222222ULL &&
		       out[2] == 0x9999999999999999ULL && out[3] == 0x1212121212121212ULL &&
		       out[4] == 0x1313131313131313ULL && out[5] == 0x1414141414141414ULL &&
		       out[6] == 0x1515151515151515ULL && out[7] == 0;
		snprintf(name, sizeof(name), "hypercall %u/%u keeps rbx rbp r9 r12-r15 rsp",
			 ops[i][0], ops[i][1]);
		check(same, name, "rbx %#lx rbp %#lx r9 %#lx r12 %#lx r13 %#lx r14 %#lx r15 %#lx rsp moved by %ld",
		      (unsigned long)out[0], (unsigned long)out[1], (unsigned long)out[2],
		      (unsigned long)out[3], (unsigned long)out[4], (unsigned long)out[5],
		      (unsigned long)out[6], (long)out[7]);
	}
}

/*
 * Linux's switch away from the bootstrap page tables
 * (xen_setup_kernel_pagetable): pin a new L4, unpin the old one while it
 * is still in CR3, then NEW_BASEPTR to the new one.
 */
static uint64_t new_l4[512] PAGE_ALIGNED;

static void test_linux_pt_switch(void)
{
	const uint64_t *old = (const uint64_t *)start_info->pt_base;
	struct mmuext_op op = { 0 };
	uint64_t cr3 = 0;
	unsigned int i;

	for (i = 0; i < 512; i++)	/* guest slots only: not 256-271 */
		new_l4[i] = (i >= 256 && i < 272) ? 0 : old[i];
	CHECK_RC("new L4 read-only", set_page_rw(new_l4, false), 0);
	op.cmd = MMUEXT_PIN_L4_TABLE;
	op.arg1.mfn = va_to_mfn(new_l4);
	CHECK_RC("PIN_L4_TABLE(new L4)", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	note("new L4 slot 256 after pinning: %#lx (old L4: %#lx)",
	     (unsigned long)new_l4[256], (unsigned long)old[256]);
	op.cmd = MMUEXT_UNPIN_TABLE;
	op.arg1.mfn = va_to_mfn((void *)old);
	CHECK_RC("UNPIN_TABLE(old L4) while it is in CR3", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	CHECK_RC("UNPIN_TABLE(old L4) again => -EINVAL",
		 HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	op.cmd = MMUEXT_NEW_BASEPTR;
	op.arg1.mfn = va_to_mfn(new_l4);
	CHECK_RC("NEW_BASEPTR(new L4)", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, trap_resume(%%rip)\n\t"
			 "mov %%cr3, %0\n"
			 "1:\tmovq $0, trap_resume(%%rip)" : "+r"(cr3) : : "r11", "memory");
	CHECK_EQ("cr3 reads the new L4", cr3, va_to_mfn(new_l4) << 12);
	CHECK_EQ("kernel mappings still work (start_info magic)", start_info->magic[0], 'x');
	{
		const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
		unsigned long mfn = va_to_mfn(new_l4), pfn = ~0UL;
		unsigned int n = trap_count;

		__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
				 "mov %%r11, trap_resume(%%rip)\n\t"
				 "mov (%1), %0\n"
				 "1:\tmovq $0, trap_resume(%%rip)"
				 : "+r"(pfn) : "r"(&m2p[mfn]) : "r11", "memory");
		CHECK_EQ("the M2P is readable under the new L4", trap_count - n, 0);
		CHECK_EQ("... and correct", pfn, va_to_pfn(new_l4));
	}
	CHECK_RC("the old L4 page can now be mapped writable",
		 set_page_rw((void *)old, true), 0);
	CHECK_RC("and read-only again", set_page_rw((void *)old, false), 0);
}

void guest_main(void)
{
	test_start_of_day();
	test_xen_version();
	test_console_io();
	test_trap_table();
	test_callbacks();
	test_misc_ops();
	test_multicall();
	test_vcpu_op();
	test_segment_base();
	test_mmu();
	test_gdt();
	test_call_gates();
	test_preserved_regs();
	test_linux_pt_switch();
}
