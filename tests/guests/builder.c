/*
 * builder: a dom0 that acts as a toolstack (libxc's PV build path,
 * TOOLSTACK-ABI.md 3.1 and 6 step 1, plan A) through Xen's own
 * interface, with no Keel-private call:
 *
 *   createdomain -> max_vcpus -> max_mem -> alloc_unbound(dom) ->
 *   set_address_size -> populate_physmap(dom) -> foreign mmu_update maps,
 *   image loaded and start of day laid out by the hypervisor's own
 *   pv_layout.c (compiled in) -> shared_info masks -> PIN_L4(foreigndom)
 *   -> setvcpucontext -> unpausedomain
 *
 * The domU image (`built.elf`) is dom0's boot module (its initrd).  The
 * domU checks its start of day and shuts down (poweroff = PASS); the
 * builder sees it listed shut down with that code, destroys it, sees
 * VIRQ_DOM_EXC, sees it gone, and checks physinfo's free_pages is back
 * where it was.  `loops=N` times (default 20), after one warm-up round
 * (the hypervisor's small-object heap keeps the pages it has sliced, as
 * Xen's xmalloc pool does; every later round must return every page).
 * Then refusals: bad contexts, destroying dom0, a half-built domain
 * abandoned while a frame of it is still mapped (dying until unmapped,
 * then gone, nothing leaked), per-page mmu_update errors and `done`.
 */
#include <keel/pv_layout.h>
#undef PAGE_SIZE
#undef PAGE_MASK
#undef ARRAY_SIZE
#include "lib/guest.h"
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/memory.h>
#include <public/event_channel.h>
#include <public/elfnote.h>
#include <public/grant_table.h>

#define DOMU_PAGES 2048UL          /* 8 MiB */
#define NR_WIN 16                  /* foreign-mapping windows (MMAPBATCH's batch of 16) */
#define MAX_PT 16
#define PTE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)

static uint8_t win[NR_WIN][4096] PAGE_ALIGNED;
static uint64_t win_pte[NR_WIN];        /* machine address of each window's L1 entry */
static uint64_t win_own[NR_WIN];        /* its own mapping, restored after use */
static xen_pfn_t frames[DOMU_PAGES];    /* pfn -> mfn of the domU being built */
static uint64_t pt[MAX_PT][512];
static evtchn_port_t exc_port;
static uint64_t pt_used;                /* table frames the tree uses (L4 first) */

/* ---- hypercall wrappers ---- */

static long domctl(struct xen_domctl *op)
{
	return HC(__HYPERVISOR_domctl, op, 0, 0, 0, 0);
}

static struct xen_domctl dc(uint32_t cmd, domid_t dom)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op.domain = dom;
	return op;
}

static uint64_t free_pages(void)
{
	struct xen_sysctl s;

	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_physinfo;
	s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	if (HC(__HYPERVISOR_sysctl, &s, 0, 0, 0, 0))
		guest_crash("physinfo failed");
	return s.u.physinfo.free_pages;
}

/* getdomaininfo of exactly dom: 0, or -ESRCH if it is not listed. */
static long dominfo(domid_t dom, struct xen_domctl_getdomaininfo *gi)
{
	struct xen_domctl op = dc(XEN_DOMCTL_getdomaininfo, dom);
	long rc = domctl(&op);

	if (rc == 0 && op.domain != dom)
		rc = -XEN_ESRCH;
	if (rc == 0)
		*gi = op.u.getdomaininfo;
	return rc;
}

static long simple(uint32_t cmd, domid_t dom)
{
	struct xen_domctl op = dc(cmd, dom);

	return domctl(&op);
}

/* VIRQ_DOM_EXC seen since the last call (the pending bit, then cleared). */
static bool dom_exc_seen(void)
{
	volatile uint64_t *w = &shared->evtchn_pending[exc_port / 64];
	uint64_t bit = 1UL << (exc_port % 64);
	bool seen = *w & bit;

	__atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST);
	return seen;
}

/* ---- foreign mappings through the windows ---- */

static void windows_init(void)
{
	unsigned int k;

	for (k = 0; k < NR_WIN; k++) {
		win_pte[k] = pte_maddr((unsigned long)win[k]);
		win_own[k] = (va_to_mfn(win[k]) << 12) | PTE_FLAGS;
		if (!win_pte[k])
			guest_crash("window not mapped");
	}
}

static void flush_local(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Map n (<= NR_WIN) frames of dom in one mmu_update batch; rc and done
 * out.  mmu_update does not flush (Xen's neither): the windows' old
 * translations are flushed here before they are used. */
static long map_batch(domid_t dom, const xen_pfn_t *mfns, unsigned int n, unsigned int *done)
{
	struct mmu_update req[NR_WIN];
	unsigned int k;
	long rc;

	for (k = 0; k < n; k++) {
		req[k].ptr = win_pte[k] | MMU_NORMAL_PT_UPDATE;
		req[k].val = (mfns[k] << 12) | PTE_FLAGS;
	}
	*done = ~0u;
	rc = HYPERVISOR_mmu_update(req, (int)n, done, dom);
	flush_local();
	return rc;
}

static void unmap_all(void)
{
	struct mmu_update req[NR_WIN];
	unsigned int k, done;

	for (k = 0; k < NR_WIN; k++) {
		req[k].ptr = win_pte[k] | MMU_NORMAL_PT_UPDATE;
		req[k].val = win_own[k];
	}
	if (HYPERVISOR_mmu_update(req, NR_WIN, &done, DOMID_SELF) || done != NR_WIN)
		guest_crash("cannot restore the windows");
	flush_local();
}

/* ---- the domU image: a 64-bit ELF with Xen notes ---- */

struct image {
	const uint8_t *elf;
	uint64_t len, virt_base, entry, kstart, kend;
};

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static const struct elf64_phdr *phdr(const struct image *im, unsigned int i)
{
	const struct elf64_ehdr *e = (const void *)im->elf;

	return (const void *)(im->elf + e->phoff + (uint64_t)i * sizeof(struct elf64_phdr));
}

static void parse_notes(struct image *im, const struct elf64_phdr *p)
{
	uint64_t off = p->offset, end = p->offset + p->filesz;

	while (off + 12 <= end) {
		const uint32_t *n = (const void *)(im->elf + off);
		uint64_t namesz = (n[0] + 3) & ~3UL, descsz = (n[1] + 3) & ~3UL;
		const uint8_t *desc = im->elf + off + 12 + namesz;

		if (off + 12 + namesz + descsz > end)
			break;
		if (n[1] == 8 && n[2] == XEN_ELFNOTE_VIRT_BASE)
			memcpy(&im->virt_base, desc, 8);
		if (n[1] == 8 && n[2] == XEN_ELFNOTE_ENTRY)
			memcpy(&im->entry, desc, 8);
		off += 12 + namesz + descsz;
	}
}

static bool parse_image(struct image *im)
{
	const struct elf64_ehdr *e = (const void *)im->elf;
	unsigned int i;

	if (im->len < sizeof(*e) || memcmp(e->ident, "\177ELF", 4) || e->ident[4] != 2 ||
	    e->machine != 62 || e->phentsize != sizeof(struct elf64_phdr) ||
	    e->phoff > im->len || e->phnum > (im->len - e->phoff) / sizeof(struct elf64_phdr))
		return false;
	im->entry = e->entry;
	im->kstart = ~0UL;
	im->kend = 0;
	for (i = 0; i < e->phnum; i++) {
		const struct elf64_phdr *p = phdr(im, i);
		if (p->offset > im->len || p->filesz > im->len - p->offset)
			return false;
		if (p->type == 4)
			parse_notes(im, p);
		if (p->type != 1 || !p->memsz)
			continue;
		if (p->filesz > p->memsz)
			return false;
		im->kstart = MIN(im->kstart, p->vaddr);
		im->kend = MAX(im->kend, p->vaddr + p->memsz);
	}
	return im->kend > im->kstart && im->virt_base && im->kstart >= im->virt_base;
}

/* The byte of the domU's page at va (bootstrap region) as laid out. */
struct build {
	domid_t dom;
	struct pv_layout l;
	struct image im;
	evtchn_port_t console_port;
	unsigned int iter;
};

static unsigned int pt_index(const struct build *b, uint64_t mfn)
{
	unsigned int j;

	for (j = 0; j < b->l.nr_pt_frames; j++)
		if (frames[pv_layout_pfn(&b->l, b->l.pt_start) + j] == mfn)
			return j;
	guest_crash("page-table frame not found");
}

/* Xen's start-of-day tables for [v_start, v_end), table frames read-only
 * (as dom0_build.c's build_page_tables, written as plain data). */
static void build_tables(const struct build *b)
{
	const struct pv_layout *l = &b->l;
	uint64_t va, next = 1, pt0 = pv_layout_pfn(l, l->pt_start);

	if (l->nr_pt_frames > MAX_PT)
		guest_crash("too many page-table frames");
	memset(pt, 0, sizeof(pt));
	for (va = l->v_start; va < l->v_end; va += 4096) {
		uint64_t *e = &pt[0][(va >> 39) & 511];
		int level;

		for (level = 4; level > 1; level--) {
			if (!(*e & _PAGE_PRESENT))
				*e = (frames[pt0 + next++] << 12) | PTE_FLAGS;
			e = &pt[pt_index(b, (*e & PTE_ADDR_MASK) >> 12)]
			       [(va >> (12 + 9 * (level - 2))) & 511];
		}
		*e = (frames[pv_layout_pfn(l, va)] << 12) | PTE_FLAGS;
		if (va >= l->pt_start && va < l->pt_end)
			*e &= ~_PAGE_RW;
	}
	pt_used = next;
}

static void write_start_info(const struct build *b, struct start_info *si)
{
	const struct pv_layout *l = &b->l;
	struct xen_domctl_getdomaininfo gi;

	memset(si, 0, 4096);
	memcpy(si->magic, "xen-3.0-x86_64", 15);
	si->nr_pages = DOMU_PAGES;
	if (dominfo(b->dom, &gi))
		guest_crash("getdomaininfo of the new domain");
	si->shared_info = gi.shared_info_frame << 12;
	si->flags = 0;
	si->pt_base = l->pt_start;
	si->nr_pt_frames = l->nr_pt_frames;
	si->mfn_list = l->p2m_start;
	si->store_mfn = frames[pv_layout_pfn(l, l->store_page)];
	si->store_evtchn = 0;
	si->console.domU.mfn = frames[pv_layout_pfn(l, l->console_page)];
	si->console.domU.evtchn = b->console_port;
	snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "iter=%u pages=%lu port=%u",
		 b->iter, DOMU_PAGES, b->console_port);
}

/* Fill the domU page at pfn (mapped at dst) with what belongs there. */
static void fill_page(const struct build *b, uint64_t pfn, uint8_t *dst)
{
	const struct pv_layout *l = &b->l;
	const struct elf64_ehdr *e = (const void *)b->im.elf;
	uint64_t va = l->v_start + pfn * 4096;
	unsigned int i;

	memset(dst, 0, 4096);
	for (i = 0; i < e->phnum; i++) {
		const struct elf64_phdr *p = phdr(&b->im, i);
		uint64_t lo = MAX(va, p->vaddr), hi = MIN(va + 4096, p->vaddr + p->filesz);
		if (p->type == 1 && lo < hi)
			memcpy(dst + (lo - va), b->im.elf + p->offset + (lo - p->vaddr), hi - lo);
	}
	if (va >= l->p2m_start && va < ROUNDUP(l->p2m_end, 4096)) {
		uint64_t first = (va - l->p2m_start) / 8, n = MIN(512UL, DOMU_PAGES - first);
		memcpy(dst, &frames[first], n * 8);
	}
	if (va == l->start_info)
		write_start_info(b, (struct start_info *)dst);
	if (va >= l->pt_start && va < l->pt_end)
		memcpy(dst, pt[(va - l->pt_start) / 4096], 4096);
}

/* Write every page of the bootstrap region that is not all zeroes
 * (populate_physmap hands out zeroed frames), NR_WIN at a time. */
static bool load_image(const struct build *b)
{
	uint64_t first = 0, last = pv_layout_pfn(&b->l, b->l.v_end), pfn, n;
	unsigned int done, k;

	for (pfn = first; pfn < last; pfn += n) {
		n = MIN((uint64_t)NR_WIN, last - pfn);
		if (map_batch(b->dom, &frames[pfn], (unsigned int)n, &done) || done != n)
			return check(false, "foreign map of the new domain's frames",
				     "pfn %lu done %u", (unsigned long)pfn, done);
		for (k = 0; k < n; k++)
			fill_page(b, pfn + k, win[k]);
	}
	unmap_all();
	return true;
}

/* libxc's bootlate_pv: shared_info zeroed, every vcpu_info's upcall masked. */
static bool prepare_shared_info(const struct build *b)
{
	struct xen_domctl_getdomaininfo gi;
	struct shared_info *s = (struct shared_info *)win[0];
	xen_pfn_t mfn;
	unsigned int done, i;

	if (dominfo(b->dom, &gi))
		return false;
	mfn = gi.shared_info_frame;
	if (map_batch(b->dom, &mfn, 1, &done) || done != 1)
		return check(false, "foreign map of shared_info", "mfn %lx", (unsigned long)mfn);
	memset(s, 0, 4096);
	for (i = 0; i < 32; i++)
		s->vcpu_info[i].evtchn_upcall_mask = 1;
	unmap_all();
	return true;
}

/*
 * libxc's xc_dom_gnttab_seed: XENMEM_acquire_resource for the grant table
 * first; on -EOPNOTSUPP only, GNTTABOP_setup_table for the new domain and
 * a foreign map of its frame 0; entries GNTTAB_RESERVED_CONSOLE and
 * _XENSTORE then grant the console and store pages to dom0.
 */
static bool seed_grants(const struct build *b)
{
	struct xen_mem_acquire_resource ar = {
		.domid = b->dom, .type = XENMEM_resource_grant_table,
		.id = XENMEM_resource_grant_table_id_shared, .nr_frames = 1,
	};
	struct gnttab_setup_table st = { .dom = b->dom, .nr_frames = 1 };
	struct grant_entry_v1 *g = (struct grant_entry_v1 *)win[0];
	xen_pfn_t frame = 0, arlist = 0;
	unsigned int done;

	set_xen_guest_handle(ar.frame_list, &arlist);
	if (!CHECK_RC("acquire_resource(grant table): -EOPNOTSUPP, so libxc falls back",
		      HC(__HYPERVISOR_memory_op, XENMEM_acquire_resource, &ar, 0, 0, 0),
		      -XEN_EOPNOTSUPP))
		return false;
	set_xen_guest_handle(st.frame_list, &frame);
	if (!CHECK_RC("setup_table for the new domain",
		      HC(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1, 0, 0), 0) ||
	    !CHECK_EQ("setup_table status", (uint16_t)st.status, GNTST_okay))
		return false;
	if (map_batch(b->dom, &frame, 1, &done) || done != 1)
		return check(false, "foreign map of its grant frame", "frame %lx",
			     (unsigned long)frame);
	g[GNTTAB_RESERVED_CONSOLE] = (struct grant_entry_v1){
		.flags = GTF_permit_access, .domid = 0,
		.frame = (uint32_t)frames[pv_layout_pfn(&b->l, b->l.console_page)] };
	g[GNTTAB_RESERVED_XENSTORE] = (struct grant_entry_v1){
		.flags = GTF_permit_access, .domid = 0,
		.frame = (uint32_t)frames[pv_layout_pfn(&b->l, b->l.store_page)] };
	unmap_all();
	return true;
}

static void ctx_for(const struct build *b, struct vcpu_guest_context *c)
{
	memset(c, 0, sizeof(*c));
	c->user_regs.rip = b->im.entry;
	c->user_regs.rsp = b->l.stack_end;
	c->user_regs.rsi = b->l.start_info;
	c->user_regs.rflags = 0x200;
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = b->l.stack_end;
	c->debugreg[6] = 0xffff0ff0;
	c->debugreg[7] = 0x400;
	c->flags = VGCF_in_kernel | VGCF_online;
	c->ctrlreg[3] = frames[pv_layout_pfn(&b->l, b->l.pt_start)] << 12;
}

static long set_context(domid_t dom, unsigned int vcpu, struct vcpu_guest_context *c)
{
	struct xen_domctl op = dc(XEN_DOMCTL_setvcpucontext, dom);

	op.u.vcpucontext.vcpu = vcpu;
	set_xen_guest_handle(op.u.vcpucontext.ctxt, c);
	return domctl(&op);
}

static long pin_l4(domid_t dom, xen_pfn_t mfn)
{
	struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = mfn };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, dom);
}

static long populate(domid_t dom, xen_pfn_t *list, unsigned long n)
{
	struct xen_memory_reservation r = { .nr_extents = n, .extent_order = 0, .domid = dom };

	set_xen_guest_handle(r.extent_start, list);
	return HC(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r, 0, 0, 0);
}

/* Steps 1-5 of the create path: a new, paused, empty domain with memory. */
static bool create(struct build *b, bool verbose)
{
	struct xen_domctl op = dc(XEN_DOMCTL_createdomain, DOMID_INVALID);
	struct xen_domctl_getdomaininfo gi;
	struct evtchn_alloc_unbound au;
	unsigned long i;

	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_evtchn_port = 1023;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	if (!CHECK_RC("createdomain", domctl(&op), 0))
		return false;
	b->dom = op.domain;
	if (verbose) {
		check(dominfo(b->dom, &gi) == 0 && (gi.flags & XEN_DOMINF_paused) &&
		      !(gi.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying)) && gi.tot_pages == 0 &&
		      gi.max_pages == 0 && gi.nr_online_vcpus == 0 && gi.max_vcpu_id == 0,
		      "new domain: paused, empty, max_pages 0, vCPU 0 down",
		      "flags %#x tot %lu max %lu online %u", gi.flags, (unsigned long)gi.tot_pages,
		      (unsigned long)gi.max_pages, gi.nr_online_vcpus);
		frames[0] = 0;
		CHECK_RC("populate before max_mem: nothing (max_pages 0)",
			 populate(b->dom, frames, 1), 0);
	}
	op = dc(XEN_DOMCTL_max_vcpus, b->dom);
	op.u.max_vcpus.max = 1;
	if (!CHECK_RC("max_vcpus 1", domctl(&op), 0))
		return false;
	op = dc(XEN_DOMCTL_max_mem, b->dom);
	op.u.max_mem.max_memkb = DOMU_PAGES * 4 + 1024;   /* libxl's LIBXL_MAXMEM_CONSTANT */
	if (!CHECK_RC("max_mem", domctl(&op), 0))
		return false;
	au = (struct evtchn_alloc_unbound){ .dom = b->dom, .remote_dom = 0 };
	if (!CHECK_RC("alloc_unbound in the new domain",
		      HC(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au, 0, 0, 0), 0))
		return false;
	b->console_port = au.port;
	op = dc(XEN_DOMCTL_set_address_size, b->dom);
	op.u.address_size.size = 64;
	if (!CHECK_RC("set_address_size 64", domctl(&op), 0))
		return false;
	for (i = 0; i < DOMU_PAGES; i++)
		frames[i] = i;
	return CHECK_RC("populate_physmap(domid)", populate(b->dom, frames, DOMU_PAGES),
			(long)DOMU_PAGES);
}

static bool layout(struct build *b)
{
	struct pv_layout_in in = {
		.virt_base = b->im.virt_base, .virt_kstart = b->im.kstart, .virt_kend = b->im.kend,
		.nr_pages = DOMU_PAGES, .domu_rings = true,
	};

	return CHECK_RC("pv_layout_compute (the hypervisor's layout code)",
			pv_layout_compute(&in, &b->l), 0);
}

/* Wait up to ms for dom's flags to have `want` (or to be gone if want is 0). */
static bool wait_for(domid_t dom, uint32_t want, uint64_t ms, struct xen_domctl_getdomaininfo *gi)
{
	uint64_t t;

	for (t = 0; t < ms; t += 5) {
		long rc = dominfo(dom, gi);
		if (want ? rc == 0 && (gi->flags & want) : rc == -XEN_ESRCH)
			return true;
		sleep_ms(5);
	}
	return false;
}

/* Bad contexts and other refusals, on a domain ready to start. */
static void check_context_refusals(const struct build *b)
{
	struct vcpu_guest_context c;
	struct xen_domctl op;

	ctx_for(b, &c);
	c.ctrlreg[3] = frames[pv_layout_pfn(&b->l, b->l.start_info)] << 12;
	CHECK_RC("setvcpucontext: CR3 not a pinned L4 -EINVAL", set_context(b->dom, 0, &c),
		 -XEN_EINVAL);
	ctx_for(b, &c);
	c.user_regs.rip = 0x0000800000000000UL;
	CHECK_RC("setvcpucontext: non-canonical rip -EINVAL", set_context(b->dom, 0, &c),
		 -XEN_EINVAL);
	ctx_for(b, &c);
	c.flags = VGCF_online;
	CHECK_RC("setvcpucontext: not in kernel mode -EINVAL", set_context(b->dom, 0, &c),
		 -XEN_EINVAL);
	ctx_for(b, &c);
	c.ldt_ents = 1;
	CHECK_RC("setvcpucontext: an LDT -EINVAL (as VCPUOP_initialise)",
		 set_context(b->dom, 0, &c), -XEN_EINVAL);
	ctx_for(b, &c);
	CHECK_RC("setvcpucontext: vCPU 1 of a 1-vCPU domain -EINVAL", set_context(b->dom, 1, &c),
		 -XEN_EINVAL);
	CHECK_RC("setvcpucontext: dom0 itself -EINVAL", set_context(0, 0, &c), -XEN_EINVAL);
	op = dc(XEN_DOMCTL_setvcpucontext, b->dom);
	op.u.vcpucontext.ctxt = 0xffff800000000000UL;
	CHECK_RC("setvcpucontext: context in the hypervisor's area -EFAULT", domctl(&op),
		 -XEN_EFAULT);
	op = dc(XEN_DOMCTL_getvcpucontext, b->dom);
	set_xen_guest_handle(op.u.vcpucontext.ctxt, &c);
	CHECK_RC("getvcpucontext before any context: -ENODATA", domctl(&op), -XEN_ENODATA);
	CHECK_RC("destroydomain of dom0: -EINVAL", simple(XEN_DOMCTL_destroydomain, 0),
		 -XEN_EINVAL);
	op = dc(XEN_DOMCTL_max_vcpus, b->dom);
	op.u.max_vcpus.max = 2;
	CHECK_RC("max_vcpus other than createdomain's -EINVAL", domctl(&op), -XEN_EINVAL);
	op = dc(XEN_DOMCTL_set_address_size, b->dom);
	op.u.address_size.size = 32;
	CHECK_RC("set_address_size 32 -EINVAL", domctl(&op), -XEN_EINVAL);
}

/* Per-page errors: a batch with a frame the domain does not own. */
static void check_mmu_errors(const struct build *b)
{
	xen_pfn_t m[3] = { frames[0], va_to_mfn(win[0]), frames[1] };   /* [1]: dom0's own */
	unsigned int done;
	long rc;

	rc = map_batch(b->dom, m, 3, &done);
	check(rc == -XEN_EINVAL && done == 1,
	      "mmu_update foreign batch: a refused frame is -EINVAL (never -ENOENT), done exact",
	      "rc %ld done %u", rc, done);
	unmap_all();
}

/* One whole build, run and teardown.  full: also the extra checks. */
static bool round_trip(struct image *im, unsigned int iter, bool full)
{
	struct build b = { .im = *im, .iter = iter };
	struct vcpu_guest_context c;
	struct xen_domctl_getdomaininfo gi;
	xen_pfn_t l4;
	unsigned int done;
	bool ok = true;

	if (!create(&b, full) || !layout(&b))
		return false;
	build_tables(&b);
	if (!load_image(&b) || !prepare_shared_info(&b) || !seed_grants(&b))
		return false;
	l4 = frames[pv_layout_pfn(&b.l, b.l.pt_start)];
	if (full) {
		check_mmu_errors(&b);
		check_context_refusals(&b);
		/* An L1 of the new tree still mapped writable: the pin is refused. */
		CHECK_RC("map the tree's last L1 writable (plain data still)",
			 map_batch(b.dom, &frames[pv_layout_pfn(&b.l, b.l.pt_start) + pt_used - 1],
				   1, &done), 0);
		CHECK_RC("PIN_L4(foreigndom) with a table frame mapped writable: -EINVAL",
			 pin_l4(b.dom, l4), -XEN_EINVAL);
		unmap_all();
	}
	if (!CHECK_RC("PIN_L4_TABLE with foreigndom", pin_l4(b.dom, l4), 0))
		return false;
	ctx_for(&b, &c);
	if (!CHECK_RC("setvcpucontext vCPU 0", set_context(b.dom, 0, &c), 0))
		return false;
	if (full) {
		struct xen_domctl op = dc(XEN_DOMCTL_getvcpucontext, b.dom);
		struct vcpu_guest_context g;
		set_xen_guest_handle(op.u.vcpucontext.ctxt, &g);
		check(domctl(&op) == 0 && g.user_regs.rip == c.user_regs.rip &&
		      g.ctrlreg[3] == c.ctrlreg[3] && (g.flags & VGCF_online),
		      "getvcpucontext reads the context back", "rip %lx cr3 %lx flags %lx",
		      (unsigned long)g.user_regs.rip, (unsigned long)g.ctrlreg[3],
		      (unsigned long)g.flags);
		CHECK_RC("setvcpucontext again without a reset: -EEXIST",
			 set_context(b.dom, 0, &c), -XEN_EEXIST);
	}
	dom_exc_seen();
	if (!CHECK_RC("unpausedomain", simple(XEN_DOMCTL_unpausedomain, b.dom), 0))
		return false;
	ok &= check(wait_for(b.dom, XEN_DOMINF_shutdown, 10000, &gi) &&
		    ((gi.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) ==
			    SHUTDOWN_poweroff && !(gi.flags & XEN_DOMINF_dying),
		    "domU ran, passed and is kept, listed shut down (poweroff)",
		    "dom %u flags %#x", b.dom, gi.flags);
	ok &= check(dom_exc_seen(), "VIRQ_DOM_EXC at its shutdown", "port %u", exc_port);
	sleep_ms(1);
	ok &= check(dominfo(b.dom, &gi) == 0 && (gi.flags & XEN_DOMINF_shutdown),
		    "still listed after its shutdown", "flags %#x", gi.flags);
	ok &= CHECK_RC("destroydomain", simple(XEN_DOMCTL_destroydomain, b.dom), 0);
	ok &= check(dom_exc_seen(), "VIRQ_DOM_EXC at its destruction", "port %u", exc_port);
	ok &= check(wait_for(b.dom, 0, 2000, &gi), "gone from the list", "flags %#x", gi.flags);
	return ok;
}

/* A builder that gives up half way, still mapping one of the frames. */
static void check_abandoned(const struct image *im, uint64_t free0)
{
	struct build b = { .im = *im };
	struct xen_domctl_getdomaininfo gi;
	unsigned int done;

	if (!create(&b, false) || !layout(&b))
		return;
	build_tables(&b);
	map_batch(b.dom, &frames[100], 1, &done);   /* kept mapped across the destroy */
	dom_exc_seen();
	CHECK_RC("destroydomain of a half-built domain", simple(XEN_DOMCTL_destroydomain, b.dom), 0);
	check(dom_exc_seen(), "VIRQ_DOM_EXC when it became dying", "port %u", exc_port);
	check(dominfo(b.dom, &gi) == 0 && (gi.flags & XEN_DOMINF_dying) &&
	      !(gi.flags & XEN_DOMINF_shutdown) && gi.tot_pages == 1,
	      "dying, still listed while dom0 maps one of its frames", "flags %#x tot %lu",
	      gi.flags, (unsigned long)gi.tot_pages);
	CHECK_RC("destroydomain of a dying domain: 0", simple(XEN_DOMCTL_destroydomain, b.dom), 0);
	unmap_all();                                /* the last reference goes */
	check(dom_exc_seen(), "VIRQ_DOM_EXC when it was freed", "port %u", exc_port);
	CHECK_RC("gone once unmapped", dominfo(b.dom, &gi), -XEN_ESRCH);
	CHECK_EQ("abandoned build: free_pages back", free_pages(), free0);
}

void guest_main(void)
{
	struct image im = { .elf = (const uint8_t *)start_info->mod_start,
			    .len = start_info->mod_len };
	struct evtchn_bind_virq bv = { .virq = VIRQ_DOM_EXC, .vcpu = 0 };
	unsigned int i, loops = (unsigned int)cmdline_num("loops=", 20), passed = 0;
	uint64_t free0, f;

	map_shared_info();
	windows_init();
	if (!check(im.len && parse_image(&im), "domU image (boot module) parsed",
		   "len %lu", (unsigned long)im.len))
		return;
	CHECK_RC("bind VIRQ_DOM_EXC",
		 HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, &bv, 0, 0, 0), 0);
	exc_port = bv.port;
	f = free_pages();
	if (!round_trip(&im, 0, true))
		return;
	free0 = free_pages();
	note("warm-up round: free_pages %lu -> %lu (heap slabs kept)", (unsigned long)f,
	     (unsigned long)free0);
	check(f - free0 < 16, "warm-up kept fewer than 16 pages (heap slabs)", "%lu",
	      (unsigned long)(f - free0));
	for (i = 1; i <= loops; i++) {
		bool ok = round_trip(&im, i, false);
		f = free_pages();
		if (ok && f == free0)
			passed++;
		else
			note("round %u: %s, free_pages %lu (start %lu)", i, ok ? "ok" : "FAILED",
			     (unsigned long)f, (unsigned long)free0);
	}
	CHECK_EQ("create/run/destroy rounds with every page back", passed, loops);
	note("%u rounds: free_pages %lu after each", loops, (unsigned long)free0);
	check_abandoned(&im, free0);
}
