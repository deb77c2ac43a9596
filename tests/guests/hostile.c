/*
 * hostile: a guest that attacks the PV MMU and the hypercall argument
 * checks.  Every attack must be refused with the error Xen 4.17 gives (or,
 * where Xen's exact errno depends on the path taken, one of the negative
 * values it can return: each such place says so), and the hypervisor must
 * keep running.  It runs as an unprivileged domU next to the `victim`
 * guest (tests/boot/run-hostile.sh); with SIF_PRIVILEGED (as dom0) it runs
 * the subset that must hold for a privileged domain too.
 *
 * Command line: "start=N" sleeps N ms first (so the victim has filled its
 * memory before any attack).
 */
#include "lib/guest.h"
#include <public/memory.h>
#include <public/grant_table.h>

#define BAD_NULL    0x0000000000000000UL
#define BAD_M2P     0xffff800000000000UL	/* hypervisor slot 256 (RO M2P) */
#define BAD_HV      0xffff830000000000UL	/* hypervisor slot 262 */
#define BAD_NONCANON 0x0000800000000000UL
#define BAD_STRADDLE 0x00007ffffffffff8UL	/* runs into the hole */
static const unsigned long bad_ptrs[] = { BAD_NULL, BAD_M2P, BAD_HV, BAD_NONCANON,
					  BAD_STRADDLE };

#define _PAGE_PSE 0x080UL
#define _PAGE_PWT 0x008UL
#define _PAGE_PCD 0x010UL
#define PTE_RO (_PAGE_PRESENT | _PAGE_ACCESSED)
#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

static bool privileged;
static unsigned long own_lo = ~0UL, own_hi;
#define OWN_BITMAP_FRAMES (1UL << 21)	/* 8 GiB of machine memory */
static uint64_t own_bitmap[OWN_BITMAP_FRAMES / 64];

static uint8_t probe[4096] PAGE_ALIGNED;	/* va used to try mappings */
static uint8_t plain[4096] PAGE_ALIGNED;	/* ordinary data page */
static uint64_t fake_l3[512] PAGE_ALIGNED;	/* zeroed, made read-only */
static uint64_t pin_l1[512] PAGE_ALIGNED;	/* zeroed, pinned as L1 */
static uint64_t stale_f[512] PAGE_ALIGNED;	/* becomes a page table */
static uint8_t stale_a[4096] PAGE_ALIGNED;	/* va of the stale mapping */
static uint8_t guard[2 * 4096] PAGE_ALIGNED;	/* second page unmapped */

/* ---- helpers ---- */





static bool own_mfn(unsigned long mfn)
{
	if (mfn >= OWN_BITMAP_FRAMES)
		return false;
	return (own_bitmap[mfn / 64] >> (mfn % 64)) & 1;
}

static bool rc_is(long rc, long a, long b, long c)
{
	return rc == a || rc == b || rc == c;
}

#define CHECK_RC_ANY(name, got, a, b, c)                                    \
	({                                                                  \
		long _g = (long)(got);                                      \
		check(rc_is(_g, (a), (b), (c)), name,                       \
		      "returned %ld, expected %ld, %ld or %ld", _g,         \
		      (long)(a), (long)(b), (long)(c));                     \
	})

static long uvm(const void *va, uint64_t pte, unsigned long flags)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va, pte, flags);
}

static long mmu1(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { .ptr = ptr, .val = val };

	return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

static long mmuext1(unsigned int cmd, unsigned long arg)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void flush_tlb(void)
{
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

static unsigned long l4_mfn(void)
{
	return va_to_mfn((void *)start_info->pt_base);
}

/* Machine frames of the tables mapping va: t[4] = L4 ... t[1] = L1. */
static void table_mfns(unsigned long va, unsigned long t[5])
{
	const uint64_t *table = (const uint64_t *)start_info->pt_base;
	int level;

	t[4] = l4_mfn();
	for (level = 4; level > 1; level--) {
		uint64_t e = table[(va >> (12 + 9 * (level - 1))) & 511];

		t[level - 1] = (e & PTE_ADDR_MASK) >> 12;
		table = mfn_to_va(t[level - 1]);
		if (!table)
			guest_crash("table_mfns: a page table outside the bootstrap region");
	}
}

static unsigned long sext(unsigned long va)
{
	return (va & (1UL << 47)) ? va | 0xffff000000000000UL : va;
}

/* The va at which a recursive L4 slot s shows the page that a walk
 * a, b, c, d reaches. */
static unsigned long rec_va(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return sext(((unsigned long)a << 39) | ((unsigned long)b << 30) |
		    ((unsigned long)c << 21) | ((unsigned long)d << 12));
}

static unsigned int free_l4_slot(void)
{
	const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
	unsigned int s;

	for (s = 300; s < 511; s++)
		if (!l4[s])
			return s;
	guest_crash("no free L4 slot");
	return 0;
}

/* ---- setup ---- */

static void setup(void)
{
	const unsigned long *mfn_list = (const unsigned long *)start_info->mfn_list;
	unsigned long pfn;

	uint64_t start = cmdline_num("start=", 0);

	map_shared_info();
	/* Sleep before installing the trap table: with no event callback,
	 * the timer event that ends SCHEDOP_block raises no upcall. */
	if (start) {
		sleep_ms(start);
		say("hostile: attacks start");
	}
	CHECK_RC("install the trap table", traps_install(), 0);
	privileged = start_info->flags & SIF_PRIVILEGED;
	for (pfn = 0; pfn < start_info->nr_pages; pfn++) {
		unsigned long m = mfn_list[pfn];

		if (m < OWN_BITMAP_FRAMES)
			own_bitmap[m / 64] |= 1UL << (m % 64);
		own_lo = m < own_lo ? m : own_lo;
		own_hi = m > own_hi ? m : own_hi;
	}
	{
		/* Its grant-table frames are its own too (Xen shares them with
		 * the domain; setup_table hands them out to be mapped). */
		struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
		xen_pfn_t gf[1] = { 0 };

		set_xen_guest_handle(st.frame_list, gf);
		if (HC(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1, 0, 0) == 0 &&
		    st.status == 0 && gf[0] < OWN_BITMAP_FRAMES)
			own_bitmap[gf[0] / 64] |= 1UL << (gf[0] % 64);
	}
	check(own_hi < OWN_BITMAP_FRAMES, "own frames below 8 GiB", "highest mfn %#lx", own_hi);
	say("hostile: %s, %lu pages, own mfns %#lx-%#lx", privileged ? "privileged" : "domU",
	     start_info->nr_pages, own_lo, own_hi);
	memset(probe, 'p', sizeof(probe));
	memset(plain, 0, sizeof(plain));
	CHECK_RC("fake L3 page read-only", set_page_rw(fake_l3, false), 0);
	CHECK_RC("guard page unmapped", uvm(guard + 4096, 0, UVMF_INVLPG), 0);
}

/* ---- attacks ---- */

/* 1. Writable mappings of its own page tables. */
static void test_own_tables_writable(void)
{
	static const char *const lname[] = { "", "L1", "L2", "L3", "L4" };
	unsigned long t[5];
	uint64_t ma = pte_maddr((unsigned long)probe);
	char n[96];
	int l;

	table_mfns((unsigned long)probe, t);
	for (l = 1; l <= 4; l++) {
		snprintf(n, sizeof(n), "update_va_mapping of its own %s writable => -EBUSY",
			 lname[l]);
		CHECK_RC(n, uvm(probe, (t[l] << 12) | PTE_RW, UVMF_INVLPG), -XEN_EBUSY);
		snprintf(n, sizeof(n), "mmu_update of an L1 entry to its own %s writable => -EBUSY",
			 lname[l]);
		CHECK_RC(n, mmu1(ma | MMU_NORMAL_PT_UPDATE, (t[l] << 12) | PTE_RW), -XEN_EBUSY);
	}
	CHECK_RC("MMU_PT_UPDATE_PRESERVE_AD of an L1 entry to the L1 writable => -EBUSY",
		 mmu1(ma | MMU_PT_UPDATE_PRESERVE_AD, (t[1] << 12) | PTE_RW), -XEN_EBUSY);
	CHECK_EQ("the probe page still maps its own frame", probe[100], 'p');
	/* A read-only mapping of a page table is fine. */
	CHECK_RC("update_va_mapping of its own L1 read-only", uvm(probe, (t[1] << 12) | PTE_RO,
								  UVMF_INVLPG), 0);
	CHECK_EQ("... which shows the probe's entry now mapping that L1",
		 ((volatile uint64_t *)probe)[((unsigned long)probe >> 12) & 511] & PTE_ADDR_MASK,
		 t[1] << 12);
	CHECK_RC("probe page back", set_page_rw(probe, true), 0);
	CHECK_EQ("the probe page maps its own frame again", probe[100], 'p');
}

/* 2. Recursive (self) mapping of the L4. */
static void test_recursive(void)
{
	unsigned int s = free_l4_slot();
	uint64_t ptr = (l4_mfn() << 12) + 8UL * s;
	const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
	volatile uint64_t *self = (volatile uint64_t *)rec_va(s, s, s, s);
	uint64_t v = 0;

	/* Xen: get_l4_linear_pagetable refuses _PAGE_RW => -EINVAL. */
	CHECK_RC("writable recursive L4 entry (mmu_update) => -EINVAL",
		 mmu1(ptr | MMU_NORMAL_PT_UPDATE, (l4_mfn() << 12) | PTE_RW), -XEN_EINVAL);
	CHECK_EQ("the L4 slot is still empty", l4[s], 0);
	CHECK_RC("read-only recursive L4 entry accepted",
		 mmu1(ptr | MMU_NORMAL_PT_UPDATE, (l4_mfn() << 12) | PTE_RO), 0);
	check(try_read64(&self[511], &v) == 0 && v == l4[511],
	      "the L4 reads itself through the recursive slot", "traps %u, %#lx vs %#lx",
	      0u, (unsigned long)v, (unsigned long)l4[511]);
	check(try_write64(&self[s + 1], 0x1234567) == 1 && last_trap.vector == 14,
	      "a write through the recursive mapping faults", "vector %u", last_trap.vector);
	CHECK_EQ("... and changed nothing", l4[s + 1], 0);
	CHECK_RC("turning it writable => -EINVAL",
		 mmu1(ptr | MMU_PT_UPDATE_PRESERVE_AD, (l4_mfn() << 12) | PTE_RW), -XEN_EINVAL);
	CHECK_RC("remove the recursive entry", mmu1(ptr | MMU_NORMAL_PT_UPDATE, 0), 0);
	flush_tlb();
	CHECK_EQ("the L4 slot is empty again", l4[s], 0);
}

/* Read the first machine frame of the M2P through a temporary read-only
 * recursive mapping (hypervisor tables are visible read-only that way,
 * as on Xen).  0 if it cannot be found. */
static unsigned long m2p_first_frame(void)
{
	unsigned int s = free_l4_slot();
	uint64_t ptr = (l4_mfn() << 12) + 8UL * s, e3 = 0, e2 = 0, e1 = 0;
	unsigned long mfn = 0;

	if (mmu1(ptr | MMU_NORMAL_PT_UPDATE, (l4_mfn() << 12) | PTE_RO))
		return 0;
	if (try_read64((uint64_t *)rec_va(s, s, s, 256), &e3) || !(e3 & _PAGE_PRESENT))
		goto out;
	if (e3 & _PAGE_PSE) {
		mfn = (e3 & PTE_ADDR_MASK) >> 12;
		goto out;
	}
	if (try_read64((uint64_t *)rec_va(s, s, 256, 0), &e2) || !(e2 & _PAGE_PRESENT))
		goto out;
	if (e2 & _PAGE_PSE) {
		mfn = (e2 & PTE_ADDR_MASK & ~0x1fffffUL) >> 12;
		goto out;
	}
	if (try_read64((uint64_t *)rec_va(s, 256, 0, 0), &e1) || !(e1 & _PAGE_PRESENT))
		goto out;
	mfn = (e1 & PTE_ADDR_MASK) >> 12;
out:
	mmu1(ptr | MMU_NORMAL_PT_UPDATE, 0);
	flush_tlb();
	return mfn;
}

/* 3. Frames the hypervisor uses: never mappable, even by dom0. */
static void test_hypervisor_frames(void)
{
	const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
	unsigned long m2p = m2p_first_frame();
	unsigned int s, tried = 0, bad = 0;
	long rc, first_rc = 0;

	for (s = 256; s < 272; s++) {
		if (!(l4[s] & _PAGE_PRESENT))
			continue;
		tried++;
		/* -EBUSY (Xen: owner is not us) or -EINVAL/-EPERM. */
		rc = uvm(probe, (l4[s] & PTE_ADDR_MASK) | PTE_RO, UVMF_INVLPG);
		if (!rc_is(rc, -XEN_EBUSY, -XEN_EINVAL, -XEN_EPERM)) {
			if (!bad++)
				first_rc = rc;
			set_page_rw(probe, true);
		}
		rc = uvm(probe, (l4[s] & PTE_ADDR_MASK) | PTE_RW, UVMF_INVLPG);
		if (!rc_is(rc, -XEN_EBUSY, -XEN_EINVAL, -XEN_EPERM)) {
			if (!bad++)
				first_rc = rc;
			set_page_rw(probe, true);
		}
	}
	check(tried > 0 && bad == 0, "hypervisor L3 tables of slots 256-271 not mappable",
	      "%u slots, %u mapped (first rc %ld)", tried, bad, first_rc);
	check(m2p != 0, "found the first M2P frame through a recursive mapping", "none");
	if (m2p) {
		say("M2P starts at mfn %#lx", m2p);
		/* Xen: M2P frames belong to DOM_XEN; DOMID_SELF => -EBUSY. */
		CHECK_RC_ANY("M2P frame read-only via update_va_mapping refused",
			     uvm(probe, (m2p << 12) | PTE_RO, UVMF_INVLPG),
			     -XEN_EBUSY, -XEN_EINVAL, -XEN_EPERM);
		CHECK_RC_ANY("M2P frame writable via update_va_mapping refused",
			     uvm(probe, (m2p << 12) | PTE_RW, UVMF_INVLPG),
			     -XEN_EBUSY, -XEN_EINVAL, -XEN_EPERM);
		CHECK_RC_ANY("M2P frame writable via mmu_update refused",
			     mmu1(pte_maddr((unsigned long)probe) | MMU_NORMAL_PT_UPDATE,
				  (m2p << 12) | PTE_RW),
			     -XEN_EBUSY, -XEN_EINVAL, -XEN_EPERM);
		CHECK_RC("mmu_update into the M2P frame => -EINVAL",
			 mmu1((m2p << 12) | MMU_NORMAL_PT_UPDATE, 0), -XEN_EINVAL);
	}
	set_page_rw(probe, true);
	CHECK_EQ("the probe page maps its own frame", probe[100], 'p');
}

/* 4. Sweep machine frames: nothing this domU does not own is mappable. */
static void test_sweep(void)
{
	unsigned long max_ram = (unsigned long)HC(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page,
						  0, 0, 0, 0);
	unsigned long end = own_hi + 4096, mfn, tried = 0;
	unsigned long n_eperm = 0, n_einval = 0, n_ebusy = 0, n_other = 0, n_mapped = 0;
	unsigned long first_mapped = 0, first_other = 0;
	long other_rc = 0;

	if ((long)max_ram > 0 && max_ram + 16 > end && max_ram < OWN_BITMAP_FRAMES)
		end = max_ram + 16;
	for (mfn = 0; mfn < end; mfn++) {
		long rc;

		/* shared_info belongs to the domain too (Xen shares it). */
		if (own_mfn(mfn) || mfn == start_info->shared_info >> 12)
			continue;
		tried++;
		rc = uvm(probe, (mfn << 12) | PTE_RO, UVMF_INVLPG);
		if (rc == -XEN_EPERM) {
			n_eperm++;
		} else if (rc == -XEN_EINVAL) {
			n_einval++;
		} else if (rc == -XEN_EBUSY) {
			n_ebusy++;
		} else if (rc == 0) {
			if (!n_mapped++)
				first_mapped = mfn;
			if (n_mapped <= 8)
				say("mapped mfn %#lx (not ours): %#lx %#lx", mfn,
				    (unsigned long)((volatile uint64_t *)probe)[0],
				    (unsigned long)((volatile uint64_t *)probe)[1]);
			set_page_rw(probe, true);
		} else {
			if (!n_other++) {
				first_other = mfn;
				other_rc = rc;
			}
		}
	}
	/* Own frames map through the same va: the probe works. */
	CHECK_RC("sanity: its lowest own frame maps read-only", uvm(probe, (own_lo << 12) | PTE_RO,
								   UVMF_INVLPG), 0);
	CHECK_RC("sanity: its highest own frame maps read-only", uvm(probe, (own_hi << 12) | PTE_RO,
								    UVMF_INVLPG), 0);
	CHECK_RC("probe page restored", set_page_rw(probe, true), 0);
	say("sweep: mfns 0-%#lx (maximum_ram_page %#lx), %lu not ours: -EPERM %lu, "
	     "-EINVAL %lu, -EBUSY %lu, other %lu, mapped %lu", end, max_ram, tried, n_eperm,
	     n_einval, n_ebusy, n_other, n_mapped);
	say("swept mfns 0x0-%#lx", end);
	/* Xen: a frame of another domain or of Xen => -EBUSY (could_not_pin),
	 * I/O memory (mfn 0, the first MiB, holes) => -EPERM; Keel says
	 * -EINVAL for the former.  Any of the three is a refusal. */
	check(n_mapped == 0, "no frame it does not own could be mapped read-only",
	      "%lu mapped, first mfn %#lx", n_mapped, first_mapped);
	check(n_other == 0, "every refusal is -EPERM, -EINVAL or -EBUSY",
	      "%lu others, first mfn %#lx rc %ld", n_other, first_other, other_rc);
	check(end > own_hi + 4096 - 1, "the sweep covered its own frames + 4096", "end %#lx",
	      end);
	CHECK_RC("mfn 0 (I/O memory) => -EPERM for a domU", uvm(probe, PTE_RO, UVMF_INVLPG),
		 -XEN_EPERM);
	CHECK_RC("a frame far beyond RAM => -EPERM for a domU",
		 uvm(probe, (0xffffffUL << 12) | PTE_RO, UVMF_INVLPG), -XEN_EPERM);
	CHECK_EQ("the probe page maps its own frame", probe[100], 'p');
}

/* 5. mmu_update with ptr in a frame it does not own. */
static void test_foreign_ptr(void)
{
	const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
	unsigned long targets[5], mfn;
	unsigned int n = 0, i, bad = 0;
	long rc, first_rc = 0;

	targets[n++] = 0;
	targets[n++] = (l4[256] & PTE_ADDR_MASK) >> 12;
	if (own_lo > 0)
		targets[n++] = own_lo - 1;
	targets[n++] = own_hi + 1;
	for (mfn = own_lo; mfn < own_hi; mfn++)
		if (!own_mfn(mfn)) {
			targets[n++] = mfn;
			break;
		}
	for (i = 0; i < n; i++) {
		/* Xen: "Could not get page for normal update" => -EINVAL. */
		rc = mmu1((targets[i] << 12) + 8 * 511 + MMU_NORMAL_PT_UPDATE, 0);
		if (rc != -XEN_EINVAL && !bad++)
			first_rc = rc;
		rc = mmu1((targets[i] << 12) + 8 * 511 + MMU_PT_UPDATE_PRESERVE_AD, 0);
		if (rc != -XEN_EINVAL && !bad++)
			first_rc = rc;
		/* Xen: "Could not get page for mach->phys update" => -EINVAL. */
		rc = mmu1((targets[i] << 12) | MMU_MACHPHYS_UPDATE, 0);
		if (rc != -XEN_EINVAL && !bad++)
			first_rc = rc;
	}
	check(bad == 0, "mmu_update into frames it does not own => -EINVAL",
	      "%u of %u accepted or wrong (first rc %ld)", bad, 3 * n, first_rc);
}

/* 6. The hypervisor's L4 slots. */
static void test_hv_slots(void)
{
	const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
	const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
	uint64_t before[16], v = 0;
	unsigned int s, bad = 0, changed = 0;
	long rc, first_rc = 0;

	for (s = 256; s < 272; s++)
		before[s - 256] = l4[s];
	for (s = 256; s < 272; s++) {
		uint64_t ptr = (l4_mfn() << 12) + 8UL * s;

		/* Xen: "Illegal L4 update attempt in Xen-private area" => -EINVAL. */
		rc = mmu1(ptr | MMU_NORMAL_PT_UPDATE, (va_to_mfn(fake_l3) << 12) | PTE_RW |
			  _PAGE_USER);
		if (rc != -XEN_EINVAL && !bad++)
			first_rc = rc;
		rc = mmu1(ptr | MMU_NORMAL_PT_UPDATE, 0);
		if (rc != -XEN_EINVAL && !bad++)
			first_rc = rc;
		rc = mmu1(ptr | MMU_PT_UPDATE_PRESERVE_AD, before[s - 256] | _PAGE_RW);
		if (rc != -XEN_EINVAL && !bad++)
			first_rc = rc;
	}
	for (s = 256; s < 272; s++)
		changed += l4[s] != before[s - 256];
	check(bad == 0, "mmu_update of L4 slots 256-271 => -EINVAL",
	      "%u wrong (first rc %ld)", bad, first_rc);
	CHECK_EQ("L4 slots 256-271 unchanged", changed, 0);
	check(try_read64((const uint64_t *)&m2p[va_to_mfn(plain)], &v) == 0 &&
	      v == va_to_pfn(plain), "reading the M2P through slot 256 works",
	      "%#lx", (unsigned long)v);
	check(try_write64((uint64_t *)&m2p[va_to_mfn(plain)], 0) == 1 &&
	      last_trap.vector == 14, "writing the M2P faults", "vector %u", last_trap.vector);
	CHECK_EQ("... and leaves it intact", m2p[va_to_mfn(plain)], va_to_pfn(plain));
}

/* 7. Pinning and unpinning. */
static void test_pinning(void)
{
	unsigned long t[5];

	CHECK_RC("UNPIN the L4 in use (CR3 keeps its reference)",
		 mmuext1(MMUEXT_UNPIN_TABLE, l4_mfn()), 0);
	CHECK_EQ("still running after the unpin (start_info magic)", start_info->magic[0], 'x');
	plain[0] = 1;
	CHECK_EQ("... and memory still writable", plain[0], 1);
	CHECK_RC("xen_version still works", HYPERVISOR_xen_version(XENVER_version, NULL) > 0, 1);
	CHECK_RC("UNPIN again => -EINVAL", mmuext1(MMUEXT_UNPIN_TABLE, l4_mfn()), -XEN_EINVAL);
	CHECK_RC("re-PIN the L4 in use", mmuext1(MMUEXT_PIN_L4_TABLE, l4_mfn()), 0);
	CHECK_RC("PIN it again => -EINVAL", mmuext1(MMUEXT_PIN_L4_TABLE, l4_mfn()), -XEN_EINVAL);
	CHECK_RC("PIN_L1 of a frame mapped writable => -EINVAL",
		 mmuext1(MMUEXT_PIN_L1_TABLE, va_to_mfn(plain)), -XEN_EINVAL);
	table_mfns((unsigned long)probe, t);
	CHECK_RC("PIN_L2 of a frame in use as an L1 => -EINVAL",
		 mmuext1(MMUEXT_PIN_L2_TABLE, t[1]), -XEN_EINVAL);
	CHECK_RC("PIN_L1 of a frame in use as an L2 => -EINVAL",
		 mmuext1(MMUEXT_PIN_L1_TABLE, t[2]), -XEN_EINVAL);
	CHECK_RC("PIN_L3 of the L4 => -EINVAL", mmuext1(MMUEXT_PIN_L3_TABLE, l4_mfn()),
		 -XEN_EINVAL);
	CHECK_RC("PIN_L1 of mfn 0 (not ours) => -EINVAL", mmuext1(MMUEXT_PIN_L1_TABLE, 0),
		 -XEN_EINVAL);
	CHECK_RC("PIN_L1 of the hypervisor's L3 => -EINVAL",
		 mmuext1(MMUEXT_PIN_L1_TABLE,
			 (((const uint64_t *)start_info->pt_base)[256] & PTE_ADDR_MASK) >> 12),
		 -XEN_EINVAL);
	CHECK_RC("NEW_BASEPTR to a frame in use as an L1 => -EINVAL",
		 mmuext1(MMUEXT_NEW_BASEPTR, t[1]), -XEN_EINVAL);
	CHECK_EQ("still running", start_info->magic[0], 'x');
}

/* 8. Retyping a pinned L1 to writable. */
static void test_retype(void)
{
	uint64_t ma = pte_maddr((unsigned long)probe);

	CHECK_RC("L1 candidate read-only", set_page_rw(pin_l1, false), 0);
	CHECK_RC("PIN_L1 of it", mmuext1(MMUEXT_PIN_L1_TABLE, va_to_mfn(pin_l1)), 0);
	CHECK_RC("PIN_L2 of the pinned L1 => -EINVAL",
		 mmuext1(MMUEXT_PIN_L2_TABLE, va_to_mfn(pin_l1)), -XEN_EINVAL);
	CHECK_RC("map the pinned L1 writable (update_va_mapping) => -EBUSY",
		 set_page_rw(pin_l1, true), -XEN_EBUSY);
	CHECK_RC("map the pinned L1 writable (mmu_update) => -EBUSY",
		 mmu1(ma | MMU_NORMAL_PT_UPDATE, (va_to_mfn(pin_l1) << 12) | PTE_RW), -XEN_EBUSY);
	CHECK_RC("set_gdt with the pinned L1 => -EINVAL",
		 HYPERVISOR_set_gdt(&(unsigned long){ va_to_mfn(pin_l1) }, 16), -XEN_EINVAL);
	CHECK_RC("UNPIN it", mmuext1(MMUEXT_UNPIN_TABLE, va_to_mfn(pin_l1)), 0);
	CHECK_RC("now it maps writable", set_page_rw(pin_l1, true), 0);
	CHECK_EQ("the probe page maps its own frame", probe[100], 'p');
}

/* 9. A stale writable mapping must not survive a frame becoming a table. */
static void test_stale_mapping(void)
{
	volatile uint64_t *a = (volatile uint64_t *)stale_a;
	unsigned long f = va_to_mfn(stale_f);
	struct mmuext_op inv = { .cmd = MMUEXT_INVLPG_LOCAL,
				 .arg1.linear_addr = (unsigned long)stale_a };

	CHECK_RC("F read-only at its own va", set_page_rw(stale_f, false), 0);
	HYPERVISOR_mmuext_op(&inv, 1, NULL, DOMID_SELF);
	CHECK_RC("map F writable at A (update_va_mapping, no flush)",
		 uvm(stale_a, (f << 12) | PTE_RW, 0), 0);
	/* Loads a writable TLB entry A -> F.  The value is a not-present
	 * entry with address 0, which the L1TF rule accepts when F is pinned. */
	a[5] = 0xbc0;
	CHECK_EQ("the write through A reached F", ((volatile uint64_t *)stale_f)[5], 0xbc0);
	CHECK_RC("PIN_L1(F) while A maps it writable => -EINVAL",
		 mmuext1(MMUEXT_PIN_L1_TABLE, f), -XEN_EINVAL);
	CHECK_RC("remove A's mapping with mmu_update (no flush)",
		 mmu1(pte_maddr((unsigned long)stale_a) | MMU_NORMAL_PT_UPDATE, 0), 0);
	CHECK_RC("PIN_L1(F) now succeeds", mmuext1(MMUEXT_PIN_L1_TABLE, f), 0);
	/* The attack: a present, writable entry mapping F itself. */
	check(try_write64(&a[6], (f << 12) | 7) == 1 && last_trap.vector == 14 &&
	      last_trap.cr2 == (unsigned long)&a[6], "a write through A faults (no stale TLB entry)",
	      "vector %u cr2 %#lx", last_trap.vector, (unsigned long)last_trap.cr2);
	CHECK_EQ("the pinned L1 is unchanged", ((volatile uint64_t *)stale_f)[6], 0);
	CHECK_RC("UNPIN(F)", mmuext1(MMUEXT_UNPIN_TABLE, f), 0);
	CHECK_RC("A maps its own frame again", set_page_rw(stale_a, true), 0);
	CHECK_RC("F writable again", set_page_rw(stale_f, true), 0);
}

/* 10. Huge and negative counts: errors or short counts, never a crash. */
static void test_counts(void)
{
	static const unsigned long counts[] = { 0xffffffffUL, 1UL << 63, ~0UL, (unsigned long)-5L,
						0x80000000UL, 0x100000002UL };
	struct mmu_update *u = (struct mmu_update *)(guard + 4096) - 2;
	struct mmuext_op *op = (struct mmuext_op *)(guard + 4096) - 2;
	struct multicall_entry *mc = (struct multicall_entry *)(guard + 4096) - 2;
	long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
	volatile uint64_t *marks = (volatile uint64_t *)plain;
	unsigned int i, k;
	char n[112];

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		unsigned int done = 0, written = 0;
		long rc;

		marks[1] = marks[2] = 0;
		for (k = 0; k < 2; k++) {
			u[k].ptr = ((va_to_mfn(plain) << 12) + 8 * (k + 1)) | MMU_NORMAL_PT_UPDATE;
			u[k].val = 0x1111 * (k + 1);
		}
		rc = HC(__HYPERVISOR_mmu_update, u, counts[i], &done, DOMID_SELF, 0);
		written = (marks[1] == 0x1111) + (marks[2] == 0x2222);
		snprintf(n, sizeof(n), "mmu_update count %#lx: error or short count", counts[i]);
		check(rc <= 0 && (done == 0 || done == written), n, "rc %ld done %u written %u",
		      rc, done, written);

		done = 0;
		memset(op, 0, 2 * sizeof(*op));
		op[0].cmd = op[1].cmd = MMUEXT_TLB_FLUSH_LOCAL;
		rc = HC(__HYPERVISOR_mmuext_op, op, counts[i], &done, DOMID_SELF, 0);
		snprintf(n, sizeof(n), "mmuext_op count %#lx: error or short count", counts[i]);
		check(rc <= 0 && done <= 2, n, "rc %ld done %u", rc, done);

		memset(mc, 0, 2 * sizeof(*mc));
		for (k = 0; k < 2; k++) {
			mc[k].op = __HYPERVISOR_xen_version;
			mc[k].args[0] = XENVER_version;
			mc[k].result = 0x5eed;
		}
		rc = HC(__HYPERVISOR_multicall, mc, counts[i], 0, 0, 0);
		snprintf(n, sizeof(n), "multicall count %#lx: error or short count", counts[i]);
		check(rc <= 0 && (mc[0].result == 0x5eed || mc[0].result == (uint64_t)ver) &&
		      (mc[1].result == 0x5eed || mc[1].result == (uint64_t)ver), n,
		      "rc %ld results %#lx %#lx", rc, (unsigned long)mc[0].result,
		      (unsigned long)mc[1].result);
	}
	CHECK_EQ("still running after the huge counts", start_info->magic[0], 'x');
}

/* 11. Bad guest pointers for every pointer argument. */
typedef long (*ptr_call)(unsigned long p);

static long pc_mmu_reqs(unsigned long p)
{
	return HC(__HYPERVISOR_mmu_update, p, 1, 0, DOMID_SELF, 0);
}
static long pc_mmuext_ops(unsigned long p)
{
	return HC(__HYPERVISOR_mmuext_op, p, 1, 0, DOMID_SELF, 0);
}
static long pc_multicall(unsigned long p)
{
	return HC(__HYPERVISOR_multicall, p, 1, 0, 0, 0);
}
static long pc_trap_table(unsigned long p)
{
	long rc = HC(__HYPERVISOR_set_trap_table, p, 0, 0, 0, 0);

	traps_install();	/* NULL is legal: it clears the table */
	return rc;
}
static long pc_set_gdt(unsigned long p)
{
	return HC(__HYPERVISOR_set_gdt, p, 16, 0, 0, 0);
}
static long pc_console_write(unsigned long p)
{
	return HC(__HYPERVISOR_console_io, CONSOLEIO_write, 16, p, 0, 0);
}
static long pc_vcpu_info(unsigned long p)
{
	return HC(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, p, 0, 0);
}
static long pc_runstate_area(unsigned long p)
{
	return HC(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, p, 0, 0);
}
static long pc_runstate_info(unsigned long p)
{
	return HC(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, p, 0, 0);
}
static long pc_singleshot(unsigned long p)
{
	return HC(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, p, 0, 0);
}
static long pc_sched_shutdown(unsigned long p)
{
	return HC(__HYPERVISOR_sched_op, SCHEDOP_shutdown, p, 0, 0, 0);
}
static long pc_callback(unsigned long p)
{
	return HC(__HYPERVISOR_callback_op, CALLBACKOP_register, p, 0, 0, 0);
}
static long pc_physdev_iopl(unsigned long p)
{
	return HC(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, p, 0, 0, 0);
}
static long pc_machphys_mapping(unsigned long p)
{
	return HC(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, p, 0, 0, 0);
}
#define XV(cmd)                                                             \
	static long pc_xv_##cmd(unsigned long p)                            \
	{                                                                   \
		return HC(__HYPERVISOR_xen_version, XENVER_##cmd, p, 0, 0, 0); \
	}
XV(extraversion) XV(compile_info) XV(capabilities) XV(changeset)
XV(platform_parameters) XV(get_features) XV(guest_handle)
#define EV(cmd)                                                             \
	static long pc_ev_##cmd(unsigned long p)                            \
	{                                                                   \
		return HC(__HYPERVISOR_event_channel_op, EVTCHNOP_##cmd, p, 0, 0, 0); \
	}
EV(alloc_unbound) EV(bind_interdomain) EV(bind_virq) EV(bind_ipi) EV(close) EV(send)
EV(status) EV(bind_vcpu) EV(unmask)

static const struct {
	const char *name;
	ptr_call fn;
	long null_rc;		/* what NULL gives, when it is not -EFAULT */
} ptr_calls[] = {
	{ "mmu_update reqs", pc_mmu_reqs, -XEN_EFAULT },
	{ "mmuext_op ops", pc_mmuext_ops, -XEN_EFAULT },
	{ "multicall list", pc_multicall, -XEN_EFAULT },
	/* Xen: a NULL trap table clears the table (0). */
	{ "set_trap_table", pc_trap_table, 0 },
	{ "set_gdt frame list", pc_set_gdt, -XEN_EFAULT },
	{ "console_io write buffer", pc_console_write, -XEN_EFAULT },
	{ "vcpu_op register_vcpu_info", pc_vcpu_info, -XEN_EFAULT },
	{ "vcpu_op register_runstate_memory_area", pc_runstate_area, -XEN_EFAULT },
	{ "vcpu_op get_runstate_info", pc_runstate_info, -XEN_EFAULT },
	{ "vcpu_op set_singleshot_timer", pc_singleshot, -XEN_EFAULT },
	{ "sched_op shutdown", pc_sched_shutdown, -XEN_EFAULT },
	{ "callback_op register", pc_callback, -XEN_EFAULT },
	{ "physdev_op set_iopl", pc_physdev_iopl, -XEN_EFAULT },
	{ "memory_op machphys_mapping", pc_machphys_mapping, -XEN_EFAULT },
	{ "xen_version extraversion", pc_xv_extraversion, -XEN_EFAULT },
	{ "xen_version compile_info", pc_xv_compile_info, -XEN_EFAULT },
	{ "xen_version capabilities", pc_xv_capabilities, -XEN_EFAULT },
	{ "xen_version changeset", pc_xv_changeset, -XEN_EFAULT },
	{ "xen_version platform_parameters", pc_xv_platform_parameters, -XEN_EFAULT },
	{ "xen_version get_features", pc_xv_get_features, -XEN_EFAULT },
	{ "xen_version guest_handle", pc_xv_guest_handle, -XEN_EFAULT },
	{ "evtchn alloc_unbound", pc_ev_alloc_unbound, -XEN_EFAULT },
	{ "evtchn bind_interdomain", pc_ev_bind_interdomain, -XEN_EFAULT },
	{ "evtchn bind_virq", pc_ev_bind_virq, -XEN_EFAULT },
	{ "evtchn bind_ipi", pc_ev_bind_ipi, -XEN_EFAULT },
	{ "evtchn close", pc_ev_close, -XEN_EFAULT },
	{ "evtchn send", pc_ev_send, -XEN_EFAULT },
	{ "evtchn status", pc_ev_status, -XEN_EFAULT },
	{ "evtchn bind_vcpu", pc_ev_bind_vcpu, -XEN_EFAULT },
	{ "evtchn unmask", pc_ev_unmask, -XEN_EFAULT },
};

static void test_bad_pointers(void)
{
	static const char *const pname[] = { "NULL", "M2P area", "hypervisor area",
					     "non-canonical", "straddling the hole" };
	struct mmu_update u = { .ptr = ((va_to_mfn(plain) << 12) + 64) | MMU_NORMAL_PT_UPDATE,
				.val = 0x77 };
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	unsigned int i, j;
	char n[128];

	for (i = 0; i < ARRAY_SIZE(ptr_calls); i++)
		for (j = 0; j < ARRAY_SIZE(bad_ptrs); j++) {
			long exp = bad_ptrs[j] ? -XEN_EFAULT : ptr_calls[i].null_rc;

			snprintf(n, sizeof(n), "%s = %s => %ld", ptr_calls[i].name, pname[j], exp);
			if (ptr_calls[i].fn == pc_console_write && !privileged)
				/* Release builds of Xen check XSM first: a domU
				 * gets -EPERM; Keel (like debug Xen) lets domUs
				 * write and then finds the bad buffer. */
				CHECK_RC_ANY(n, ptr_calls[i].fn(bad_ptrs[j]), exp, -XEN_EPERM,
					     exp);
			else
				CHECK_RC(n, ptr_calls[i].fn(bad_ptrs[j]), exp);
		}
	/* The `done` pointers: Xen ignores a failed copy to them (0), Keel
	 * reports -EFAULT; the request itself is carried out either way. */
	for (j = 1; j < ARRAY_SIZE(bad_ptrs); j++) {
		((volatile uint64_t *)plain)[8] = 0;
		snprintf(n, sizeof(n), "mmu_update done = %s => 0 or -EFAULT", pname[j]);
		CHECK_RC_ANY(n, HC(__HYPERVISOR_mmu_update, &u, 1, bad_ptrs[j], DOMID_SELF, 0), 0,
			     -XEN_EFAULT, 0);
		CHECK_EQ("... the request was carried out", ((volatile uint64_t *)plain)[8], 0x77);
		snprintf(n, sizeof(n), "mmuext_op done = %s => 0 or -EFAULT", pname[j]);
		CHECK_RC_ANY(n, HC(__HYPERVISOR_mmuext_op, &op, 1, bad_ptrs[j], DOMID_SELF, 0), 0,
			     -XEN_EFAULT, 0);
	}
	/* The hypervisor must not write into our page tables for us: they
	 * are mapped read-only, so a copy to them is -EFAULT. */
	{
		const uint64_t *l4 = (const uint64_t *)start_info->pt_base;
		unsigned int s = free_l4_slot();

		CHECK_RC("xen_version extraversion into its own L4 => -EFAULT",
			 HYPERVISOR_xen_version(XENVER_extraversion, (void *)&l4[s]),
			 -XEN_EFAULT);
		check(l4[s] == 0 && l4[s + 1] == 0, "... the L4 is unchanged", "%#lx %#lx",
		      (unsigned long)l4[s], (unsigned long)l4[s + 1]);
		CHECK_RC("vcpu_op get_runstate_info into its own L4 => -EFAULT",
			 HC(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, &l4[s], 0, 0),
			 -XEN_EFAULT);
		check(l4[s] == 0 && l4[s + 1] == 0, "... the L4 is unchanged", "%#lx %#lx",
		      (unsigned long)l4[s], (unsigned long)l4[s + 1]);
		/* Xen: register_vcpu_info needs a writable type => -EINVAL. */
		CHECK_RC("register_vcpu_info on its own L4 => -EINVAL",
			 HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0,
					    &(struct vcpu_register_vcpu_info){
						    .mfn = l4_mfn(), .offset = 8 * s }),
			 -XEN_EINVAL);
		CHECK_RC("register_vcpu_info on a frame it does not own => -EINVAL",
			 HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0,
					    &(struct vcpu_register_vcpu_info){
						    .mfn = own_hi + 1, .offset = 0 }),
			 -XEN_EINVAL);
	}
	CHECK_EQ("still running after the bad pointers", start_info->magic[0], 'x');
}

/* 12. Non-canonical and hypervisor addresses in update_va_mapping and INVLPG. */
static void test_noncanonical(void)
{
	static const unsigned long vas[] = { 0x0000800000000000UL, 0x8000000000000000UL,
					     0xffff7ffffffff000UL, 0xffff800000000000UL,
					     0xffff87fffffff000UL };
	uint64_t pte = (va_to_mfn(plain) << 12) | PTE_RO;
	unsigned int i;
	char n[112];

	for (i = 0; i < ARRAY_SIZE(vas); i++) {
		struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = vas[i] };

		/* Xen: !__addr_ok(va) => -EINVAL. */
		snprintf(n, sizeof(n), "update_va_mapping at %#lx => -EINVAL", vas[i]);
		CHECK_RC(n, HYPERVISOR_update_va_mapping(vas[i], pte, UVMF_INVLPG), -XEN_EINVAL);
		/* INVLPG of such an address is a no-op on the CPU; Xen 4.17
		 * returns 0 (a stricter hypervisor may say -EINVAL). */
		snprintf(n, sizeof(n), "INVLPG_LOCAL of %#lx is harmless", vas[i]);
		CHECK_RC_ANY(n, HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0, -XEN_EINVAL, 0);
		op.cmd = MMUEXT_INVLPG_ALL;
		snprintf(n, sizeof(n), "INVLPG_ALL of %#lx is harmless", vas[i]);
		CHECK_RC_ANY(n, HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0, -XEN_EINVAL, 0);
	}
	/* UVMF_MULTI with a bad vCPU mask pointer: the mapping is made, the
	 * flush fails to read the mask => -EFAULT (Xen does the same). */
	CHECK_RC("update_va_mapping with a non-canonical vcpumask => -EFAULT",
		 uvm(probe, (va_to_mfn(probe) << 12) | PTE_RW, BAD_NONCANON | UVMF_INVLPG),
		 -XEN_EFAULT);
	CHECK_RC("update_va_mapping with a vcpumask in the M2P => -EFAULT",
		 uvm(probe, (va_to_mfn(probe) << 12) | PTE_RW, BAD_M2P | UVMF_INVLPG),
		 -XEN_EFAULT);
	flush_tlb();
	CHECK_EQ("the probe page maps its own frame", probe[100], 'p');
}

/* dom0: RAM it does not own (the hypervisor's frames: M2P, frame table,
 * heap, image; free memory) is never mappable; non-RAM and the first MiB
 * (DOMID_IO) are, as on Xen. */
struct e820 { uint64_t addr, size; uint32_t type; } __attribute__((packed));

static void test_dom0_sweep(void)
{
	static struct e820 map[64];
	struct xen_memory_map mm = { .nr_entries = ARRAY_SIZE(map) };
	unsigned long max_ram = (unsigned long)HC(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page,
						  0, 0, 0, 0);
	unsigned long mfn, end, ram_tried = 0, ram_mapped = 0, io_tried = 0, io_mapped = 0;
	unsigned long first_ram_mapped = 0, ram_other = 0;
	long rc, first_other = 0;
	unsigned int i;

	set_xen_guest_handle(mm.buffer, map);
	CHECK_RC("machine_memory_map", HC(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, &mm,
					  0, 0, 0), 0);
	check(mm.nr_entries > 0 && mm.nr_entries <= ARRAY_SIZE(map), "e820 has entries", "%u",
	      mm.nr_entries);
	if (mm.nr_entries > ARRAY_SIZE(map))
		mm.nr_entries = 0;
	end = (long)max_ram > 0 && max_ram < OWN_BITMAP_FRAMES ? max_ram + 16 : own_hi + 4096;
	for (mfn = 0; mfn < end; mfn++) {
		bool ram = false;

		if (own_mfn(mfn) || mfn == start_info->shared_info >> 12)
			continue;
		for (i = 0; i < mm.nr_entries && !ram; i++)
			ram = map[i].type == 1 && (mfn << 12) >= map[i].addr &&
			      ((mfn + 1) << 12) <= map[i].addr + map[i].size;
		rc = uvm(probe, (mfn << 12) | PTE_RO, UVMF_INVLPG);
		if (rc == 0)
			set_page_rw(probe, true);
		if (ram && mfn >= 256) {
			ram_tried++;
			if (rc == 0 && !ram_mapped++)
				first_ram_mapped = mfn;
			if (rc && !rc_is(rc, -XEN_EBUSY, -XEN_EINVAL, -XEN_EPERM) && !ram_other++)
				first_other = rc;
		} else {
			io_tried++;
			io_mapped += rc == 0;
		}
	}
	say("dom0 sweep: mfns 0-%#lx: RAM not ours %lu (mapped %lu), I/O %lu (mapped %lu)",
	    end, ram_tried, ram_mapped, io_tried, io_mapped);
	check(ram_tried > 0 && ram_mapped == 0, "dom0 maps no RAM frame it does not own",
	      "%lu of %lu mapped, first mfn %#lx", ram_mapped, ram_tried, first_ram_mapped);
	check(ram_other == 0, "each refusal is -EBUSY, -EINVAL or -EPERM", "%lu, first rc %ld",
	      ram_other, first_other);
	CHECK_RC("dom0 may map mfn 0 (DOMID_IO)", uvm(probe, PTE_RO, UVMF_INVLPG), 0);
	CHECK_RC("probe page restored", set_page_rw(probe, true), 0);
	CHECK_EQ("the probe page maps its own frame", probe[100], 'p');
}

/*
 * MSI (issue 13): dom0 may not aim a device's MSI at a vector Keel did
 * not give it (here the timer's, 0xf0), neither by writing the
 * capability through the emulated 0xcf8/0xcfc nor by enabling an MSI
 * Keel has not programmed; map_pirq's refusals.  Needs a PCI function
 * with an MSI capability (run-hostile.sh adds an AHCI in slot 5).
 */
static inline void port_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}
static inline uint32_t port_inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Bus 0, through Keel's conf1 emulation: dword accesses only. */
static uint32_t cfg_read32(unsigned int devfn, unsigned int reg)
{
	port_outl(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return port_inl(0xcfc);
}
static void cfg_write32(unsigned int devfn, unsigned int reg, uint32_t v)
{
	port_outl(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
	port_outl(0xcfc, v);
}

static unsigned int find_cap(unsigned int cap_id, unsigned int *devfn_out)
{
	unsigned int devfn, pos, n;

	for (devfn = 0; devfn < 256; devfn++) {
		uint32_t id = cfg_read32(devfn, 0);
		if ((id & 0xffff) == 0xffff || !(cfg_read32(devfn, 4) & (0x10u << 16)))
			continue;
		pos = cfg_read32(devfn, 0x34) & 0xfc;
		for (n = 0; n < 48 && pos >= 0x40; n++) {
			uint32_t h = cfg_read32(devfn, pos);
			if ((h & 0xff) == cap_id) {
				*devfn_out = devfn;
				return pos;
			}
			pos = (h >> 8) & 0xfc;
		}
	}
	return 0;
}

static long map_msi(unsigned int devfn, uint16_t domid, uint64_t table_base, int *pirq)
{
	struct physdev_map_pirq m = { .domid = domid, .type = MAP_PIRQ_TYPE_MSI_SEG, .index = -1,
				      .pirq = -1, .bus = 0, .devfn = (int)devfn,
				      .table_base = table_base };
	long rc = HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

static void test_msi(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };
	struct physdev_unmap_pirq u = { .domid = DOMID_SELF };
	unsigned int devfn = 0, pos, data_reg;
	uint32_t hdr, addr0, data0, addr, data;
	int pirq, other;

	CHECK_RC("set_iopl(1) for PCI configuration space", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	pos = find_cap(0x05, &devfn);
	if (!check(pos != 0, "a PCI function with an MSI capability", "none found"))
		return;
	note("MSI capability of 00:%02x.%u at %#x", devfn >> 3, devfn & 7, pos);
	hdr = cfg_read32(devfn, pos);
	data_reg = pos + ((hdr >> 16) & 0x80 ? 0xc : 0x8);
	addr0 = cfg_read32(devfn, pos + 4);
	data0 = cfg_read32(devfn, data_reg);
	/* Before map_pirq: a message to the timer's vector, and enable. */
	cfg_write32(devfn, pos + 4, 0xfee00000u);
	cfg_write32(devfn, data_reg, (data0 & ~0xffffu) | 0xf0);
	CHECK_EQ("dom0's write of the MSI address is dropped", cfg_read32(devfn, pos + 4), addr0);
	CHECK_EQ("dom0's write of the MSI data (vector 0xf0) is dropped", cfg_read32(devfn, data_reg), data0);
	cfg_write32(devfn, pos, hdr | (1u << 16));
	CHECK_EQ("a dword write over the capability header is dropped", cfg_read32(devfn, pos) >> 16 & 1, 0);
	{
		/* The control word alone (a word write; the emulation splits by port). */
		port_outl(0xcf8, 0x80000000u | devfn << 8 | pos);
		__asm__ volatile("outw %w0, %w1" : : "a"((uint16_t)((hdr >> 16) | 1)), "Nd"((uint16_t)0xcfe));
	}
	CHECK_EQ("dom0 cannot enable an MSI Keel did not program", cfg_read32(devfn, pos) >> 16 & 1, 0);
	/* map_pirq's refusals. */
	CHECK_RC("map_pirq MSI of an absent function: -ENODEV", map_msi(0xff, DOMID_SELF, 0, &other), -XEN_ENODEV);
	CHECK_RC("map_pirq MSI-X of a function without MSI-X: -ENODEV", map_msi(devfn, DOMID_SELF, 0xfebf0000, &other), -XEN_ENODEV);
	CHECK_RC("map_pirq MSI for another domain: -EPERM", map_msi(devfn, 1, 0, &other), -XEN_EPERM);
	/* Mapped: Keel's message, which dom0 still cannot change. */
	CHECK_RC("map_pirq MSI_SEG", map_msi(devfn, DOMID_SELF, 0, &pirq), 0);
	check(pirq >= 96 && pirq < 256, "the MSI pirq is above the GSIs'", "pirq %d", pirq);
	addr = cfg_read32(devfn, pos + 4);
	data = cfg_read32(devfn, data_reg);
	check((addr & 0xfff00fff) == 0xfee00000u, "Keel wrote a local APIC address", "%#x", addr);
	check((data & 0xff) >= 0x90 && (data & 0xff) < 0xf0 && (data & 0xff00) == 0x4000,
	      "Keel wrote a vector of its MSI range, fixed, edge", "%#x", data);
	cfg_write32(devfn, data_reg, (data & ~0xffu) | 0xf0);
	CHECK_EQ("dom0's rewrite of Keel's MSI data is dropped", cfg_read32(devfn, data_reg), data);
	port_outl(0xcf8, 0x80000000u | devfn << 8 | pos);
	__asm__ volatile("outw %w0, %w1" : : "a"((uint16_t)((hdr >> 16) | 1)), "Nd"((uint16_t)0xcfe));
	CHECK_EQ("dom0 enables the MSI Keel programmed", cfg_read32(devfn, pos) >> 16 & 1, 1);
	CHECK_RC("map_pirq of the same MSI again: -EEXIST", map_msi(devfn, DOMID_SELF, 0, &other), -XEN_EEXIST);
	u.pirq = pirq;
	CHECK_RC("unmap_pirq of the MSI", HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &u), 0);
	CHECK_EQ("unmap disabled the MSI", cfg_read32(devfn, pos) >> 16 & 1, 0);
	CHECK_EQ("unmap cleared the message", cfg_read32(devfn, pos + 4), 0);
	CHECK_RC("unmap_pirq again: -EINVAL", HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &u), -XEN_EINVAL);
	iopl.iopl = 0;
	CHECK_RC("set_iopl(0)", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
}

/* A store of `size` bytes that may fault: the traps it took (as
 * try_write64; each is in last_trap, execution resumes after it). */
static unsigned int try_store(volatile void *p, uint32_t v, unsigned int size)
{
	unsigned int n = trap_count;

#define TRY_STORE(insn)                                                     \
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"                         \
			 "mov %%r11, trap_resume(%%rip)\n\t"                \
			 insn "\n"                                          \
			 "1:\tmovq $0, trap_resume(%%rip)"                  \
			 : : "r"(p), "r"(v) : "r11", "memory")
	if (size == 1)
		TRY_STORE("movb %b1, (%0)");
	else if (size == 2)
		TRY_STORE("movw %w1, (%0)");
	else
		TRY_STORE("movl %k1, (%0)");
#undef TRY_STORE
	return trap_count - n;
}

/*
 * ECAM (issue 13): on q35 dom0 maps the MCFG window, and a store there
 * is a configuration write that bypasses the 0xcf8/0xcfc filter.  As
 * Xen's mmio_ro_ranges / mmcfg_intercept_write, the window maps
 * read-only and Keel performs a store only after the same filter: the
 * MSI message and enable written through ECAM are refused, a harmless
 * register written through ECAM changes, a misaligned store faults.
 * Needs QEMU q35 (run-hostile.sh), whose host bridge holds the window's
 * base (PCIEXBAR, config 0x60), and a function with MSI.
 */
static void test_ecam(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };
	struct physdev_pci_mmcfg_reserved r = { .segment = 0, .start_bus = 0, .end_bus = 0xff,
						.flags = XEN_PCI_MMCFG_RESERVED };
	volatile uint8_t *cfg = probe;
	unsigned int devfn = 0, pos, data_reg;
	uint32_t lo, hdr, addr0, data0, line0;
	uint64_t base;

	CHECK_RC("set_iopl(1) for PCI configuration space", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	if (!check(cfg_read32(0, 0) == 0x29c08086u, "00:00.0 is q35's host bridge (8086:29c0)", "%#x",
		   cfg_read32(0, 0)))
		return;
	lo = cfg_read32(0, 0x60);
	base = (lo & 0xf0000000u) | (uint64_t)(cfg_read32(0, 0x64) & 0xf) << 32;
	if (!check((lo & 7) == 1, "PCIEXBAR: enabled, 256 buses", "%#x", lo))
		return;
	note("ECAM window at %#lx", (unsigned long)base);
	r.address = base;
	CHECK_RC("pci_mmcfg_reserved of the MCFG window", HYPERVISOR_physdev_op(PHYSDEVOP_pci_mmcfg_reserved, &r), 0);
	r.address = base + (1UL << 28);
	CHECK_RC("pci_mmcfg_reserved at another base: -EIO", HYPERVISOR_physdev_op(PHYSDEVOP_pci_mmcfg_reserved, &r), -XEN_EIO);
	r.address = base;
	r.segment = 1;
	CHECK_RC("pci_mmcfg_reserved of segment 1: -ENODEV", HYPERVISOR_physdev_op(PHYSDEVOP_pci_mmcfg_reserved, &r), -XEN_ENODEV);
	pos = find_cap(0x05, &devfn);
	if (!check(pos != 0, "a PCI function with an MSI capability", "none found"))
		return;
	note("MSI capability of 00:%02x.%u at %#x", devfn >> 3, devfn & 7, pos);
	hdr = cfg_read32(devfn, pos);
	data_reg = pos + ((hdr >> 16) & 0x80 ? 0xc : 0x8);
	addr0 = cfg_read32(devfn, pos + 4);
	data0 = cfg_read32(devfn, data_reg);
	line0 = cfg_read32(devfn, 0x3c);
	/* The function's 4 KiB of ECAM, asked for read-write. */
	CHECK_RC("update_va_mapping of the function's ECAM page read-write",
		 uvm(probe, (base + ((uint64_t)devfn << 12)) | PTE_RW | _PAGE_PCD | _PAGE_PWT, UVMF_INVLPG), 0);
	CHECK_EQ("ECAM reads the function's ID", *(volatile uint32_t *)cfg, cfg_read32(devfn, 0));
	CHECK_EQ("ECAM reads the MSI capability", *(volatile uint32_t *)(cfg + pos), hdr);
	/* The attack: the message aimed at the timer's vector, then enable. */
	CHECK_EQ("an ECAM store of the MSI address takes no trap", try_store(cfg + pos + 4, 0xfee00000u, 4), 0);
	CHECK_EQ("an ECAM store of the MSI data (vector 0xf0) takes no trap",
		 try_store(cfg + data_reg, (data0 & ~0xffffu) | 0xf0, 4), 0);
	CHECK_EQ("... the MSI address is unchanged (refused)", cfg_read32(devfn, pos + 4), addr0);
	CHECK_EQ("... the MSI data is unchanged (refused)", cfg_read32(devfn, data_reg), data0);
	CHECK_EQ("an ECAM store of the control word with enable", try_store(cfg + pos + 2, (hdr >> 16) | 1, 2), 0);
	CHECK_EQ("... dom0 cannot enable an MSI Keel did not program through ECAM", cfg_read32(devfn, pos) >> 16 & 1, 0);
	CHECK_EQ("an ECAM dword store over the capability header", try_store(cfg + pos, hdr | (1u << 16), 4), 0);
	CHECK_EQ("... is refused", cfg_read32(devfn, pos), hdr);
	/* A register that is dom0's: the store is performed. */
	CHECK_EQ("an ECAM byte store to the interrupt line", try_store(cfg + 0x3c, 0x5a, 1), 0);
	CHECK_EQ("... reaches the device", cfg_read32(devfn, 0x3c) & 0xff, 0x5a);
	CHECK_EQ("... and back", try_store(cfg + 0x3c, line0 & 0xff, 1), 0);
	CHECK_EQ("... restored", cfg_read32(devfn, 0x3c), line0);
	/* Not a naturally aligned store of 4 bytes at most: the guest's #PF. */
	check(try_store(cfg + pos + 2, 0xfee00000u, 4) == 1 && last_trap.vector == 14,
	      "a misaligned ECAM store faults", "vector %u", last_trap.vector);
	check(try_write64((volatile uint64_t *)(cfg + pos + 8), 0) == 1 && last_trap.vector == 14,
	      "an 8-byte ECAM store faults", "vector %u", last_trap.vector);
	CHECK_EQ("... the MSI registers are unchanged", cfg_read32(devfn, pos + 4), addr0);
	CHECK_RC("unmap the ECAM page", uvm(probe, 0, UVMF_INVLPG), 0);
	iopl.iopl = 0;
	CHECK_RC("set_iopl(0)", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
}

/* The MSI-X control word alone (a word write through 0xcfe/0xcfc). */
static void msix_ctrl_write(unsigned int devfn, unsigned int pos, uint16_t v)
{
	port_outl(0xcf8, 0x80000000u | devfn << 8 | pos);
	__asm__ volatile("outw %w0, %w1" : : "a"(v), "Nd"((uint16_t)(0xcfc + ((pos + 2) & 2))));
}

static long map_msix(unsigned int devfn, uint64_t table_base, int entry_nr, int *pirq)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI_SEG, .index = -1,
				      .pirq = -1, .bus = 0, .devfn = (int)devfn, .entry_nr = entry_nr,
				      .table_base = table_base };
	long rc = HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

/*
 * MSI-X (issue 13): dom0 may neither enable MSI-X nor clear its function
 * mask before Keel has programmed an entry, and while Keel has, the
 * table maps read-only (Xen's mmio_ro_ranges): a write through an RW
 * request is dropped (Xen's mmio_ro_emulated_write).  Needs a function with MSI-X (run-hostile.sh adds a
 * virtio-net-pci in slot 6).
 */
static void test_msix(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };
	struct physdev_unmap_pirq u = { .domid = DOMID_SELF };
	unsigned int devfn = 0, pos, nr, bir;
	uint32_t ctrl, toff;
	uint64_t bar, table, v = 0;
	volatile uint32_t *ent;
	int pirq, other;

	CHECK_RC("set_iopl(1) for PCI configuration space", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	pos = find_cap(0x11, &devfn);
	if (!check(pos != 0, "a PCI function with an MSI-X capability", "none found"))
		return;
	ctrl = cfg_read32(devfn, pos) >> 16;
	nr = (ctrl & 0x7ff) + 1;
	toff = cfg_read32(devfn, pos + 4);
	bir = toff & 7;
	bar = cfg_read32(devfn, 0x10 + 4 * bir);
	if ((bar & 6) == 4)
		bar |= (uint64_t)cfg_read32(devfn, 0x14 + 4 * bir) << 32;
	bar &= ~0xfUL;
	table = bar + (toff & ~7u);
	note("MSI-X capability of 00:%02x.%u at %#x, %u entries, table at %#lx", devfn >> 3, devfn & 7,
	     pos, nr, (unsigned long)table);
	msix_ctrl_write(devfn, pos, 0x8000);
	ctrl = cfg_read32(devfn, pos) >> 16;
	CHECK_EQ("dom0 cannot enable MSI-X before Keel programmed an entry", ctrl >> 15 & 1, 0);
	CHECK_EQ("... and its function mask stays set", ctrl >> 14 & 1, 1);
	CHECK_RC("map_pirq MSI-X past the table: -EINVAL", map_msix(devfn, bar, (int)nr, &other), -XEN_EINVAL);
	CHECK_RC("map_pirq MSI-X entry 0", map_msix(devfn, bar, 0, &pirq), 0);
	check(pirq >= 96 && pirq < 256, "the MSI-X pirq is above the GSIs'", "pirq %d", pirq);
	CHECK_EQ("Keel enabled MSI-X", cfg_read32(devfn, pos) >> 31, 1);
	CHECK_RC("map_pirq of the same entry again: -EEXIST", map_msix(devfn, bar, 0, &other), -XEN_EEXIST);
	/* The table asked for read-write: installed read-only (not an error, as Xen). */
	CHECK_RC("update_va_mapping of the MSI-X table read-write", uvm(probe, (table & ~0xfffUL) | PTE_RW |
		 _PAGE_PCD | _PAGE_PWT, UVMF_INVLPG), 0);
	ent = (volatile uint32_t *)(probe + (table & 0xfff));
	check((ent[0] & 0xfff00fff) == 0xfee00000u, "entry 0 reads Keel's local APIC address", "%#x", ent[0]);
	check(try_write64((uint64_t *)(probe + (table & 0xfff)), 0xfee00000u) == 0,
	      "a write to the MSI-X table is dropped (Xen's mmio_ro_emulated_write)", "vector %u",
	      last_trap.vector);
	check((ent[0] & 0xfff00fff) == 0xfee00000u && ent[1] == 0, "entry 0's address is still Keel's",
	      "%#x %#x", ent[0], ent[1]);
	check((ent[2] & 0xff) >= 0x90 && (ent[2] & 0xff) < 0xf0, "entry 0 keeps Keel's vector", "%#x", ent[2]);
	u.pirq = pirq;
	CHECK_RC("unmap_pirq of the MSI-X entry", HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &u), 0);
	CHECK_EQ("unmap disabled MSI-X", cfg_read32(devfn, pos) >> 31, 0);
	CHECK_RC("the table maps read-write again", uvm(probe, (table & ~0xfffUL) | PTE_RW |
		 _PAGE_PCD | _PAGE_PWT, UVMF_INVLPG), 0);
	check(try_read64((const uint64_t *)(probe + (table & 0xfff) + 8), &v) == 0 &&
	      try_write64((uint64_t *)(probe + (table & 0xfff) + 8), v | (1UL << 32)) == 0,
	      "a write to the disabled table's entry 0 passes", "vector %u", last_trap.vector);
	CHECK_RC("unmap the table", uvm(probe, 0, UVMF_INVLPG), 0);
	iopl.iopl = 0;
	CHECK_RC("set_iopl(0)", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
}

/* The subset for a privileged domain (dom0). */
static void test_privileged(void)
{
	test_own_tables_writable();
	test_recursive();
	test_hypervisor_frames();
	test_dom0_sweep();
	test_hv_slots();
	test_pinning();
	test_retype();
	test_stale_mapping();
	test_ecam();
	test_msi();
	test_msix();
}

void guest_main(void)
{
	uint64_t t0;

	setup();
	t0 = system_time_ns();
	if (privileged) {
		test_privileged();
	} else {
		test_own_tables_writable();
		test_recursive();
		test_hypervisor_frames();
		test_sweep();
		test_foreign_ptr();
		test_hv_slots();
		test_pinning();
		test_retype();
		test_stale_mapping();
		test_counts();
		test_bad_pointers();
		test_noncanonical();
	}
	CHECK_EQ("the hostile guest still runs", start_info->magic[0], 'x');
	say("hostile: attacks done (%lu ms)", (unsigned long)((system_time_ns() - t0) / 1000000));
}
