/*
 * The PV MMU, after Xen's model (xen/arch/x86/mm.c):
 *
 *  - every guest frame has a general reference count and a type
 *    (writable, L1..L4, segment descriptors) with a type count; the type
 *    changes only while the type count is zero;
 *  - a writable mapping holds a `writable` type reference, so a frame that
 *    is a page table can never be mapped writable, and a frame mapped
 *    writable can never become a page table;
 *  - a page table is validated (every entry checked and referenced) when
 *    it first takes its type, and devalidated when the last type
 *    reference goes, both preemptibly (partial tables, below);
 *  - an entry pointing at a table of its own level (a "linear" mapping)
 *    is accepted read-only only;
 *  - the hypervisor's L4 slots 256-271 are written by the hypervisor into
 *    every validated L4 and guest updates of them are refused;
 *  - superpages (PSE in L2/L3), global and cache-control bits in upper
 *    levels are refused.
 *
 * Locking: mm_lock (one lock for now) protects all counts, types and the
 * hypervisor's writes to guest page tables.  Guest page tables are edited
 * with atomic exchanges because the CPU sets A/D bits concurrently.
 */
#include <keel/tlbflush.h>
#include <keel/pv_mm.h>
#include <keel/smp.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/spinlock.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <keel/hypercall.h>
#include <keel/iomem.h>

static spinlock_t mm_lock = SPIN_LOCK_UNLOCKED;

void mm_lock_acquire(void)
{
    spin_lock(&mm_lock);
}

void mm_lock_release(void)
{
    spin_unlock(&mm_lock);
}

/* Bits refused in entries, from Xen's BASE_DISALLOW_MASK: PWT, PCD, PSE, G
 * in L2-L4; nothing but the frame address range in L1. */
#define UPPER_DISALLOW (_PAGE_PWT | _PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL)
#define L1_DISALLOW 0UL

static bool is_hv_l4_slot(unsigned int slot)
{
    return slot >= HV_SLOT_FIRST && slot <= HV_SLOT_LAST;
}

bool frame_is_io(mfn_t mfn)
{
    return !mfn_valid(mfn) || mfn_to_page(mfn)->owner == DOMID_IO;
}

bool get_page(struct page_info *pg, struct domain *d)
{
    if (pg->owner != d->domain_id || !(pg->flags & PGC_allocated) || pg->count == ~0u)
        return false;
    pg->count++;
    return true;
}

void put_page(struct page_info *pg)
{
    BUG_ON(pg->count == 0);
    if (--pg->count == 0 && !(pg->flags & PGC_allocated) && pg->owner != OWNER_NONE &&
        pg->owner != DOMID_IO && !(pg->flags & PGC_free)) {
        /* The owner died and this was the last reference. */
        domid_t owner = pg->owner;
        pg->type = PGT_none;
        pg->type_count = 0;
        free_frame(page_to_mfn(pg));
        domain_frame_released(owner);
    }
}

static int get_type(struct page_info *pg, unsigned int type, struct domain *d,
                    bool preemptible, bool *left);
static int put_type(struct page_info *pg, struct domain *d, bool preemptible);
static int continue_devalidate(struct page_info *pg, struct domain *d, bool preemptible);
static int continue_validate(struct page_info *pg, struct domain *d, bool preemptible,
                             bool *left);

static unsigned int level_type(unsigned int level)
{
    return PGT_l1 + level - 1;
}

static bool is_table_type(unsigned int type)
{
    return type >= PGT_l1 && type <= PGT_l4;
}

/*
 * Before a frame takes a new type, no TLB on any CPU may still hold what
 * its old type allowed: writable entries to a frame becoming a table, or
 * paging-structure entries through a table becoming anything else.  A
 * writable type taken again needs no flush.  Every CPU that has not
 * flushed since the old use ended is flushed, whatever domain it runs
 * (a grant mapping dropped by another domain without a flush may be in
 * its TLB); the TLB-flush clock (keel/tlbflush.h) leaves out the others,
 * as Xen does.
 */
static void flush_stale(struct page_info *pg, unsigned int type)
{
    bool table = type != PGT_writable;

    if ((pg->flags & PGC_stale_table) || (table && (pg->flags & PGC_stale_writable))) {
        flush_tlb_since(pg->tlbflush_timestamp);
        pg->flags &= ~(PGC_stale_table | PGC_stale_writable);
    }
}

/*
 * Take a type reference, without preemption: a page-table type is
 * validated to the end (boot, and types that never validate tables).
 * A failed validation leaves the frame as it was.
 */
int get_page_type(struct page_info *pg, unsigned int type, struct domain *d)
{
    bool left;
    int rc = get_type(pg, type, d, false, &left);

    if (rc && left) {
        /* Undo what the failed validation took; its references were ours. */
        (void)continue_devalidate(pg, d, false);
    }
    return rc;
}

/* Drop a type reference, devalidating a table to the end if it was the last. */
void put_page_type(struct page_info *pg, struct domain *d)
{
    (void)put_type(pg, d, false);
}

int get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type)
{
    struct page_info *pg;
    int rc;

    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    pg = mfn_to_page(mfn);
    if (!get_page(pg, d))
        return -XEN_EINVAL;
    rc = get_page_type(pg, type, d);
    if (rc)
        put_page(pg);
    return rc;
}

void put_page_and_type(mfn_t mfn, struct domain *d)
{
    struct page_info *pg = mfn_to_page(mfn);
    put_page_type(pg, d);
    put_page(pg);
}

/*
 * Hand hypervisor frame mfn to d as a page d may map (Xen's
 * share_xen_page_with_guest): d owns it and holds its allocation
 * reference, and the frame holds a writable type reference for as long
 * as it is shared, so it can never take a page-table or descriptor type.
 * The caller allocated the frame (zeroed) and nobody else knows it yet.
 */
void pv_share_xen_frame(mfn_t mfn, struct domain *d)
{
    *mfn_to_page(mfn) = (struct page_info){ .owner = d->domain_id, .count = 1,
                                            .flags = PGC_allocated | PGC_xen_heap,
                                            .type = PGT_writable, .type_count = 1 };
}

/*
 * The sharing ends (the owner's teardown): drop the permanent type
 * reference and the allocation reference; the frame is freed when the
 * last mapping of it goes (put_page).  Idempotent.  Call with mm_lock held.
 */
void pv_unshare_xen_frame(mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    if (!(pg->flags & PGC_allocated))
        return;
    BUG_ON(!(pg->flags & PGC_xen_heap) || pg->type != PGT_writable || !pg->type_count);
    pg->flags &= ~PGC_allocated;
    put_page_type(pg, NULL);
    put_page(pg);
}

/* ---- entries ---- */

/*
 * L1TF (XSA-273, CVE-2018-3620): a vulnerable CPU speculatively reads L1D
 * data at the address of a NOT-present entry, so a guest could read any
 * cached hypervisor or foreign data through one.  Xen's rule
 * (is_l1tf_safe_maddr, pv_l1tf_check_pte): a not-present entry must have
 * address 0 or an address at or above the highest cacheable address, and
 * no PSE at L2-L4 (hardware honours PSE in a not-present entry, and a
 * linear walk reads an L4e as an L3e).  Linux's not-present entries are
 * safe (it inverts their frame bits).  Xen, which can shadow the guest
 * instead, applies the rule on CPUs it believes vulnerable; Keel cannot
 * shadow and applies it on every CPU (it cannot tell the real CPU under a
 * virtual one), refusing the entry as any other invalid one.
 * Off until pv_l1tf_init() (boot, setup.c).
 */
static uint64_t l1tf_addr_mask, l1tf_safe_maddr;

void pv_l1tf_init(unsigned int paddr_bits, uint64_t top_of_memory)
{
    paddr_bits = MIN(MAX(paddr_bits, 32u), 52u);
    l1tf_addr_mask = ((1UL << paddr_bits) - 1) & PADDR_MASK;
    /* Xen's guess: nothing cacheable in the top quarter, unless the
     * memory map says otherwise. */
    l1tf_safe_maddr = MAX(3UL << (paddr_bits - 2), ROUNDUP(top_of_memory, PAGE_SIZE));
    printk("L1TF: not-present guest entries must hold address 0 or >= %lx (%u address bits)\n",
           l1tf_safe_maddr, paddr_bits);
}

static bool l1tf_safe_nonpresent(uint64_t e, unsigned int level)
{
    uint64_t maddr = e & l1tf_addr_mask;

    if (level > 1 && (e & _PAGE_PSE))
        return false;
    return maddr == 0 || maddr >= l1tf_safe_maddr;
}

static int get_page_from_l1e(uint64_t e, struct domain *pg_owner)
{
    mfn_t mfn = pte_mfn(e);

    if (!(e & _PAGE_PRESENT))
        return l1tf_safe_nonpresent(e, 1) ? 0 : -XEN_EINVAL;
    if (e & L1_DISALLOW)
        return -XEN_EINVAL;
    /* Not RAM, or the low 1 MiB: no reference, no type (Xen's dom_io
     * frames); only where the owner's I/O rights reach (common/iomem.c:
     * the hardware domain, never the APICs, the MSI window or the
     * hypervisor's other frames, nothing past the address width). */
    if (frame_is_io(mfn))
        return iomem_frame_permitted(pg_owner, mfn_x(mfn)) ? 0 : -XEN_EPERM;
    if (e & _PAGE_RW) {
        struct page_info *pg = mfn_to_page(mfn);
        if (!get_page(pg, pg_owner))
            return -XEN_EINVAL;
        /* A frame in use as a page table or descriptor table: Xen says -EBUSY. */
        if (get_page_type(pg, PGT_writable, pg_owner)) {
            put_page(pg);
            return -XEN_EBUSY;
        }
        return 0;
    }
    return get_page(mfn_to_page(mfn), pg_owner) ? 0 : -XEN_EINVAL;
}

static void put_page_from_l1e(uint64_t e)
{
    mfn_t mfn = pte_mfn(e);
    struct page_info *pg;

    if (!(e & _PAGE_PRESENT) || frame_is_io(mfn))
        return;
    pg = mfn_to_page(mfn);
    /* No flush here (the guest asked for none, or flushes itself): a stale
     * TLB entry of this mapping is flushed, on whichever CPU may hold it,
     * before the frame takes a type the mapping forbids (get_page_type) or
     * is allocated again once freed (page_alloc.c): both are stamped. */
    if (e & _PAGE_RW)
        put_page_type(pg, NULL);
    put_page(pg);
}

/*
 * For grant tables (common/grant_table.c): drop what an L1 entry holds,
 * exactly as when the guest zaps it, so that a grant mapping installed
 * with the same references can be torn down by either path.  Call with
 * mm_lock held.
 */
void pv_put_l1e_refs(uint64_t e)
{
    put_page_from_l1e(e);
}

/* Entry of an L2/L3/L4 table at `level` pointing at the next level down. */
/*
 * A table may map itself read-only (a recursive/linear mapping, as Xen
 * allows): no reference is taken for it, so it cannot pin itself.
 * Linear links between different tables are refused (Xen made them
 * optional after XSA-240 because chains of them defeat the type rules).
 */
static bool is_self_linear(uint64_t e, mfn_t self)
{
    return mfn_eq(pte_mfn(e), self) && !(e & _PAGE_RW);
}

/* The checks an upper entry passes before any reference: true if it
 * needs one (present, not the table's own read-only linear mapping). */
static int check_upper(uint64_t e, unsigned int level, mfn_t self, bool *needs_ref)
{
    *needs_ref = false;
    if (!(e & _PAGE_PRESENT))
        return l1tf_safe_nonpresent(e, level) ? 0 : -XEN_EINVAL;
    if (e & UPPER_DISALLOW)
        return -XEN_EINVAL;
    if (is_self_linear(e, self))
        return 0;
    if (!mfn_valid(pte_mfn(e)))
        return -XEN_EINVAL;
    *needs_ref = true;
    return 0;
}

/*
 * Xen's adjust_guest_lNe for 64-bit PV: the guest kernel runs in ring 3,
 * so every present entry gets _PAGE_USER; an L1 entry that lacked it is
 * tagged _PAGE_GUEST_KERNEL (bit 52) so the guest can tell, as on Xen.
 */
#define _PAGE_GUEST_KERNEL (1UL << 52)
#define L1_PAGE_PAT (1UL << 7)

/*
 * An L1 entry mapping an I/O frame is made uncacheable, as Xen's
 * get_page_from_l1e does (without mmio-relax): WB becomes UC (PCD|PWT),
 * WT and WP get PCD; UC, UC- and WC stay.  MMIO must never be cached, and
 * a mapping of firmware memory may not alias it with another type.
 */
static uint64_t io_cache_flip(uint64_t e)
{
    switch (e & (_PAGE_PWT | _PAGE_PCD | L1_PAGE_PAT)) {
    case 0:
        return _PAGE_PWT | _PAGE_PCD;
    case _PAGE_PWT:
    case _PAGE_PWT | L1_PAGE_PAT:
        return _PAGE_PCD;
    default:
        return 0;
    }
}

static uint64_t adjust_guest_entry(uint64_t e, unsigned int level)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    if (level == 1 && frame_is_io(pte_mfn(e))) {
        e ^= io_cache_flip(e);
        /* Xen's mmio_ro_ranges (an active MSI-X table): read-only, not
         * refused ("Forcing read-only access to MFN"). */
        if ((e & _PAGE_RW) && iomem_frame_ro(mfn_x(pte_mfn(e))))
            e &= ~_PAGE_RW;
    }
    if (e & _PAGE_USER)
        return e;
    return e | _PAGE_USER | (level == 1 ? _PAGE_GUEST_KERNEL : 0);
}

static bool guest_slot(unsigned int level, unsigned int i)
{
    return level != 4 || !is_hv_l4_slot(i);
}

/* ---- preemptible validation (Xen's PGT_partial; XSA-45) ----
 *
 * Validating a table takes a reference per entry, and an upper entry's
 * reference validates the table below it: one pin can cost a walk of
 * the whole tree, and devalidation (the last type reference going) the
 * same.  Both stop after PT_PREEMPT_ENTRIES entries or once the lock has
 * been held HYPERCALL_PREEMPT_NS, leaving the tables they were in
 * partial (keel/mm.h: entries below nr_validated hold references, entry
 * nr_validated maybe a partial reference on a partial lower table), and
 * return -XEN_ERESTART; the hypercall continues and the same operation
 * resumes where it stopped, as in Xen:
 *
 *  - a get (pin, base pointer, new upper entry, VCPUOP_initialise; the
 *    control domain's pin of another domain's table too, as in Xen)
 *    that stops leaves its table partial and held by nobody; the
 *    re-issued get adopts it (takes over its references) and goes on,
 *    and so does any other get of that type (Xen's __get_page_type
 *    continues a PGT_partial page whoever asks);
 *  - a put (unpin, foreign unpin, old base pointer, old upper entry,
 *    VCPUOP_initialise refused after its L4 was taken) that stops
 *    leaves the table held by the vCPU (v->pt_undo, Xen's
 *    old_guest_table), which finishes it before its next page-table
 *    operation (and at its teardown), an L1 write excepted (ptwr.c, as
 *    Xen's ptwr: it leaves nothing there); devalidation needs no owner, so
 *    the slot may hold another domain's table;
 *  - a validation that fails after taking references hands them to
 *    v->pt_undo too, with the error: the operation reports its error
 *    only once everything it took has been dropped again, so a failed
 *    validation leaves no trace (Xen reports at once and drops them on
 *    the next hypercall).
 * A partial table is never usable as a validated one: it is no
 * PGC_validated, so no entry of it can be changed (mmu_update, ptwr),
 * it is not a base pointer, and nothing else can take its type (its
 * type count stays 1).  A partial table held by someone may be
 * continued only by that holder (another get is -EBUSY).
 * Every call makes progress: no stop before PT_PREEMPT_MIN entries.
 */
static unsigned int pt_work;      /* entries handled in this hypercall */

void pv_pt_begin(void)
{
    pt_work = 0;
}

bool pv_pt_budget_spent(void)
{
    return pt_work >= PT_PREEMPT_ENTRIES;
}

/* Elapsed time stops the work only after PT_PREEMPT_MIN entries: on a
 * loaded host (QEMU descheduled, the TSC running on) the time is often
 * up at once, and a call doing a handful of entries costs more in
 * continuations than it saves. */
static bool pt_stop(bool preemptible)
{
    if (!preemptible || pt_work < PT_PREEMPT_MIN)
        return false;
    return pt_work >= PT_PREEMPT_ENTRIES || hypercall_preempt_check();
}

static unsigned int pt_nr(const struct page_info *pg)
{
    return (pg->flags & PGC_nr_mask) >> PGC_nr_shift;
}

static void pt_set_nr(struct page_info *pg, unsigned int n)
{
    pg->flags = (pg->flags & ~PGC_nr_mask) | (n << PGC_nr_shift);
}

static struct page_info *entry_page(uint64_t e)
{
    return mfn_to_page(pte_mfn(e));
}

/* The entry holding a partial reference, and the partial table it names. */
static struct page_info *partial_lower(struct page_info *pg)
{
    uint64_t *t = mfn_to_virt(page_to_mfn(pg));
    struct page_info *lp = entry_page(t[pt_nr(pg)]);

    BUG_ON(!(lp->flags & PGC_partial) || !(lp->flags & PGC_partial_held));
    return lp;
}

/*
 * The reference entry e of a table at `level` needs.  *left: the lower
 * table was left partial (preempted, or failed with references to undo),
 * and its partial references are now this entry's.
 */
static int get_entry(uint64_t e, unsigned int level, struct domain *d, mfn_t self,
                     bool preemptible, bool *left)
{
    struct page_info *lp;
    bool needs_ref;
    int rc;

    *left = false;
    if (level == 1)
        return get_page_from_l1e(e, d);
    rc = check_upper(e, level, self, &needs_ref);
    if (rc || !needs_ref)
        return rc;
    lp = entry_page(e);
    if (!get_page(lp, d))
        return -XEN_EINVAL;
    rc = get_type(lp, level_type(level - 1), d, preemptible, left);
    if (*left)
        lp->flags |= PGC_partial_held;
    else if (rc)
        put_page(lp);
    return rc;
}

/* Drop what entry e holds; -XEN_ERESTART with the lower table left
 * partial (its references now the entry's partial reference). */
static int put_entry(uint64_t e, unsigned int level, struct domain *d, mfn_t self,
                     bool preemptible)
{
    struct page_info *lp;

    if (level == 1) {
        put_page_from_l1e(e);
        return 0;
    }
    if (!(e & _PAGE_PRESENT) || is_self_linear(e, self))
        return 0;
    lp = entry_page(e);
    if (put_type(lp, d, preemptible)) {
        lp->flags |= PGC_partial_held;
        return -XEN_ERESTART;
    }
    put_page(lp);
    return 0;
}

/* Validate pg's entries from nr_validated on (pg is PGC_partial). */
static int validate_from(struct page_info *pg, struct domain *d, bool preemptible)
{
    unsigned int level = pg->type - PGT_l1 + 1, i = pt_nr(pg);
    mfn_t mfn = page_to_mfn(pg);
    uint64_t *t = mfn_to_virt(mfn);
    bool left;
    int rc;

    if (pg->flags & PGC_partial_entry) {
        struct page_info *lp = partial_lower(pg);

        rc = continue_validate(lp, d, preemptible, &left);
        if (rc) {
            if (!left) {          /* failed and dropped all it took */
                put_page(lp);
                pg->flags &= ~PGC_partial_entry;
            }
            return rc;
        }
        pg->flags &= ~PGC_partial_entry;
        i++;
    }
    for (; i < 512; i++) {
        if (!guest_slot(level, i))
            continue;
        if (pt_stop(preemptible)) {
            pt_set_nr(pg, i);
            return -XEN_ERESTART;
        }
        pt_work++;
        t[i] = adjust_guest_entry(t[i], level);
        rc = get_entry(t[i], level, d, mfn, preemptible, &left);
        if (!rc)
            continue;
        pt_set_nr(pg, i);
        if (left)
            pg->flags |= PGC_partial_entry;
        if (rc != -XEN_ERESTART)
            gdprintk("d%u: L%u %lx entry %u (%lx) refused: %d\n", d->domain_id, level,
                     mfn_x(mfn), i, t[i], rc);
        return rc;
    }
    if (level == 4)
        mm_fill_hypervisor_slots(t);
    return 0;
}

/* Drop pg's references downwards from nr_validated (pg is PGC_partial). */
static int devalidate_from(struct page_info *pg, struct domain *d, bool preemptible)
{
    unsigned int level = pg->type - PGT_l1 + 1, i = pt_nr(pg);
    mfn_t mfn = page_to_mfn(pg);
    uint64_t *t = mfn_to_virt(mfn);

    if (pg->flags & PGC_partial_entry) {
        struct page_info *lp = partial_lower(pg);

        if (continue_devalidate(lp, d, preemptible))
            return -XEN_ERESTART;
        put_page(lp);
        pg->flags &= ~PGC_partial_entry;
    }
    while (i > 0) {
        if (pt_stop(preemptible)) {
            pt_set_nr(pg, i);
            return -XEN_ERESTART;
        }
        i--;
        if (!guest_slot(level, i))
            continue;
        pt_work++;
        if (put_entry(t[i], level, d, mfn, preemptible)) {
            pt_set_nr(pg, i);
            pg->flags |= PGC_partial_entry;
            return -XEN_ERESTART;
        }
    }
    pt_set_nr(pg, 0);
    return 0;
}

static void clear_partial(struct page_info *pg)
{
    pg->flags &= ~(PGC_partial | PGC_partial_held | PGC_partial_entry | PGC_nr_mask);
}

/* The type is gone: stamp the frame for the TLB-flush clock. */
static void type_gone(struct page_info *pg)
{
    pg->type_count = 0;
    pg->flags |= pg->type == PGT_writable ? PGC_stale_writable : PGC_stale_table;
    page_stamp_tlb(pg);
    pg->type = PGT_none;
}

/*
 * Go on validating partial table pg.  0: validated; -XEN_ERESTART: still
 * partial; an error: failed, and *left says whether references remain
 * to undo (pg stays partial) or none (pg has no type any more).
 */
static int continue_validate(struct page_info *pg, struct domain *d, bool preemptible,
                             bool *left)
{
    int rc = validate_from(pg, d, preemptible);

    *left = false;
    if (!rc) {
        clear_partial(pg);
        pg->flags |= PGC_validated;
        return 0;
    }
    if (rc != -XEN_ERESTART && !pt_nr(pg) && !(pg->flags & PGC_partial_entry)) {
        clear_partial(pg);
        pg->type = PGT_none;      /* never usable as a table: no stamp */
        pg->type_count = 0;
        return rc;
    }
    *left = true;
    return rc;
}

/* Go on devalidating partial table pg: 0 when it has no type any more. */
static int continue_devalidate(struct page_info *pg, struct domain *d, bool preemptible)
{
    int rc = devalidate_from(pg, d, preemptible);

    if (rc)
        return rc;
    clear_partial(pg);
    type_gone(pg);
    return 0;
}

/*
 * Take a type reference (the caller holds a general reference).
 * Changing to a page-table type validates the contents first.
 * *left: pg is left partial (-XEN_ERESTART, or an error with references
 * to undo), and its partial references are the caller's: its type
 * reference, and the caller's general reference, which it keeps.
 */
static int get_type(struct page_info *pg, unsigned int type, struct domain *d,
                    bool preemptible, bool *left)
{
    int rc;

    *left = false;
    /* A hypervisor page shared with a guest (shared_info, grant-table
     * frames) is only ever plain writable memory: the hypervisor writes it
     * at any time, so as a page table or descriptor page it would let the
     * guest choose entries behind the validator's back.  Its permanent
     * writable type (pv_share_xen_frame) already makes any other type
     * fail; this refuses them outright, whatever the counts say. */
    if ((pg->flags & PGC_xen_heap) && type != PGT_writable)
        return -XEN_EINVAL;
    if (pg->flags & PGC_partial) {
        if (pg->type != type)
            return -XEN_EINVAL;
        if (pg->flags & PGC_partial_held)
            return -XEN_EBUSY;      /* someone else's, half done */
        /* An interrupted validation nobody holds: adopt it.  Its type
         * reference becomes ours; its general reference goes, as the
         * caller holds its own. */
        put_page(pg);
        return continue_validate(pg, d, preemptible, left);
    }
    if (pg->type_count) {
        if (pg->type != type)
            return -XEN_EINVAL;
        if (pg->type_count == ~0u)
            return -XEN_EOVERFLOW;
        pg->type_count++;
        return 0;
    }
    flush_stale(pg, type);
    if (is_table_type(type)) {
        pg->type = (uint8_t)type;
        pg->type_count = 1;
        clear_partial(pg);
        pg->flags |= PGC_partial;
        return continue_validate(pg, d, preemptible, left);
    }
    if (type == PGT_seg_desc) {
        int validate_seg_desc_page(mfn_t mfn);
        rc = validate_seg_desc_page(page_to_mfn(pg));
        if (rc)
            return rc;
    }
    pg->type = (uint8_t)type;
    pg->type_count = 1;
    return 0;
}

/*
 * Drop a type reference; the last one of a validated table devalidates
 * it.  -XEN_ERESTART: pg is left partial, and the reference being
 * dropped (type and the caller's general one) is now its partial
 * reference, the caller's to hold.
 */
static int put_type(struct page_info *pg, struct domain *d, bool preemptible)
{
    BUG_ON(pg->type_count == 0 || (pg->flags & PGC_partial));
    if (pg->type_count > 1) {
        pg->type_count--;
        return 0;
    }
    if (is_table_type(pg->type) && (pg->flags & PGC_validated)) {
        pg->flags &= ~PGC_validated;
        pg->flags |= PGC_partial;
        pt_set_nr(pg, 512);
        return continue_devalidate(pg, d, preemptible);
    }
    type_gone(pg);
    return 0;
}

/* ---- page-table operations of a vCPU, preemptible ---- */

static bool may_preempt(void)
{
    return hypercall_may_preempt();
}

/*
 * Finish what v->pt_undo holds.  0: nothing (left) to do;
 * -XEN_ERESTART: more to do; otherwise the error of the failed
 * validation being undone, now done.  mm_lock held.
 */
int pv_pt_finish_undo(struct vcpu *v)
{
    struct page_info *pg = v->pt_undo;
    int rc;

    if (!pg)
        return 0;
    if (continue_devalidate(pg, v->domain, may_preempt()))
        return -XEN_ERESTART;
    put_page(pg);
    v->pt_undo = NULL;
    rc = v->pt_undo_rc;
    v->pt_undo_rc = 0;
    return rc;
}

bool pv_pt_undo_pending(const struct vcpu *v)
{
    return v->pt_undo != NULL;
}

/* Hand partial pg (its references the caller's) to v->pt_undo. */
static int hand_to_undo(struct vcpu *v, struct page_info *pg, int rc)
{
    pg->flags |= PGC_partial_held;
    if (v->pt_undo) {
        /* Never: every operation finishes the slot first.  Not bounded,
         * but correct. */
        gdprintk("d%u: page-table undo slot busy\n", v->domain->domain_id);
        (void)continue_devalidate(pg, v->domain, false);
        put_page(pg);
        return rc;
    }
    v->pt_undo = pg;
    v->pt_undo_rc = rc;
    return rc ? pv_pt_finish_undo(v) : 0;
}

/*
 * A page-table reference on d's table mfn for v's operation (pin, base
 * pointer, upper entry, vCPU context; d is v's domain, or the domain
 * whose tables the control domain pins): 0, -XEN_ERESTART (re-issue the
 * operation), or an error, reported only once the failed validation is
 * undone (by v: devalidation needs no owner, so v's undo slot may hold
 * a table of another domain).
 */
static int get_table_ref(struct vcpu *v, struct domain *d, mfn_t mfn, unsigned int type)
{
    struct page_info *pg;
    bool left;
    int rc;

    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    pg = mfn_to_page(mfn);
    if (!get_page(pg, d))
        return -XEN_EINVAL;
    rc = get_type(pg, type, d, may_preempt(), &left);
    if (!rc || (left && rc == -XEN_ERESTART))
        return rc;          /* (stopped: our general reference stays with it) */
    if (left)
        return hand_to_undo(v, pg, rc);
    put_page(pg);
    return rc;
}

/*
 * Drop one; a devalidation that stops goes on in v->pt_undo.  rc is the
 * error of the operation giving the reference back (0 if none), and the
 * result: rc itself, or -XEN_ERESTART while the devalidation goes on,
 * rc being reported once it is done (a refusal leaves no trace).
 */
static int put_table_ref_rc(struct vcpu *v, mfn_t mfn, int rc)
{
    struct page_info *pg = mfn_to_page(mfn);

    if (put_type(pg, v->domain, may_preempt()))
        return hand_to_undo(v, pg, rc);
    put_page(pg);
    return rc;
}

static void put_table_ref(struct vcpu *v, mfn_t mfn)
{
    (void)put_table_ref_rc(v, mfn, 0);
}

int pv_put_table_ref(struct vcpu *by, mfn_t mfn, int rc)
{
    return put_table_ref_rc(by, mfn, rc);
}

/* At a vCPU's teardown: whatever it still undoes, to the end. */
static void finish_undo_now(struct vcpu *v)
{
    struct page_info *pg = v->pt_undo;

    if (!pg)
        return;
    (void)continue_devalidate(pg, v->domain, false);
    put_page(pg);
    v->pt_undo = NULL;
    v->pt_undo_rc = 0;
}

/* An upper entry's reference for mmu_update/ptwr: as get_table_ref. */
static int get_upper_ref(struct vcpu *v, uint64_t e, unsigned int level, mfn_t self)
{
    bool needs_ref;
    int rc = check_upper(e, level, self, &needs_ref);

    if (rc || !needs_ref)
        return rc;
    return get_table_ref(v, v->domain, pte_mfn(e), level_type(level - 1));
}

static void put_upper_ref(struct vcpu *v, uint64_t e, mfn_t self)
{
    if ((e & _PAGE_PRESENT) && !is_self_linear(e, self))
        put_table_ref(v, pte_mfn(e));
}

/*
 * Change one entry of a validated table: take references for the new
 * entry, swap it in atomically, drop the old entry's references.
 * preserve_ad keeps the A/D bits the CPU set in the old entry.
 */
static int mod_entry(struct vcpu *v, uint64_t *pe, uint64_t nv, unsigned int level,
                     struct domain *pg_owner, bool preserve_ad)
{
    mfn_t self = virt_to_mfn((void *)((uint64_t)pe & PAGE_MASK));
    uint64_t ov;
    int rc;

    if (level == 4 && !guest_slot(4, (unsigned int)(((uint64_t)pe & 4095) / 8)))
        return -XEN_EINVAL;
    nv = adjust_guest_entry(nv, level);
    if (level == 1)
        rc = get_page_from_l1e(nv, pg_owner);
    else
        rc = get_upper_ref(v, nv, level, self);
    if (rc)
        return rc;
    ov = __atomic_load_n(pe, __ATOMIC_RELAXED);
    if (preserve_ad) {
        uint64_t want;
        do {
            want = nv | (ov & (_PAGE_ACCESSED | _PAGE_DIRTY));
        } while (!__atomic_compare_exchange_n(pe, &ov, want, false, __ATOMIC_SEQ_CST,
                                              __ATOMIC_RELAXED));
    } else {
        ov = __atomic_exchange_n(pe, nv, __ATOMIC_SEQ_CST);
    }
    if (level == 1)
        put_page_from_l1e(ov);
    else
        put_upper_ref(v, ov, self);
    return 0;
}

/*
 * As mod_entry, but only if the entry still holds `old` (ptwr computes the
 * new value from the old one): -XEN_EAGAIN if it changed meanwhile.
 * -XEN_ERESTART: the new entry's table is still being validated; the
 * write is retried (ptwr leaves the instruction to fault again).
 */
int pv_mod_entry_cmpxchg(uint64_t *pe, uint64_t old, uint64_t nv, unsigned int level,
                         struct domain *d)
{
    struct vcpu *v = current;
    mfn_t self = virt_to_mfn((void *)((uint64_t)pe & PAGE_MASK));
    int rc;

    BUG_ON(v->domain != d);
    if (!(mfn_to_page(self)->flags & PGC_validated))
        return -XEN_EINVAL;
    if (level == 4 && !guest_slot(4, (unsigned int)(((uint64_t)pe & 4095) / 8)))
        return -XEN_EINVAL;
    nv = adjust_guest_entry(nv, level);
    rc = level == 1 ? get_page_from_l1e(nv, d) : get_upper_ref(v, nv, level, self);
    if (rc)
        return rc;
    if (!__atomic_compare_exchange_n(pe, &old, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        if (level == 1)
            put_page_from_l1e(nv);
        else
            put_upper_ref(v, nv, self);
        return -XEN_EAGAIN;
    }
    if (level == 1)
        put_page_from_l1e(old);
    else
        put_upper_ref(v, old, self);
    return 0;
}

/*
 * A dying domain's page tables go in bounded steps too (issue 11): the
 * domain never runs again, so nothing but the teardown touches them, and
 * a devalidation that runs out of a step's budget (PT_PREEMPT_ENTRIES
 * entries, or the lock's time once PT_PREEMPT_MIN are done) stays
 * partial, held by the teardown (d->pt_dying), and goes on first thing
 * in the next step.  Every stop leaves the step at once, so one slot
 * is enough.
 */
static bool dying_slot_done(struct domain *d)
{
    struct page_info *pg = d->pt_dying;

    if (!pg)
        return true;
    if (continue_devalidate(pg, d, true))
        return false;
    put_page(pg);
    d->pt_dying = NULL;
    return true;
}

/* Drop a type and general reference of the teardown's: false when the
 * devalidation stopped (it goes on from d->pt_dying). */
static bool dying_put(struct domain *d, struct page_info *pg)
{
    if (put_type(pg, d, true)) {
        pg->flags |= PGC_partial_held;
        d->pt_dying = pg;
        return false;
    }
    put_page(pg);
    return true;
}

/* Partial pg (its references the caller's) to the teardown's slot. */
static bool dying_adopt(struct domain *d, struct page_info *pg)
{
    pg->flags |= PGC_partial_held;
    d->pt_dying = pg;
    return dying_slot_done(d);
}

/* The vCPUs' page-table references (domain.c's vcpu_release leaves them
 * to the teardown): what each was undoing, and its base pointers. */
static bool dying_vcpu_tables(struct domain *d)
{
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpu[i];
        mfn_t m;

        if (!v)
            continue;
        if (v->pt_undo) {
            struct page_info *pg = v->pt_undo;

            v->pt_undo = NULL;
            v->pt_undo_rc = 0;
            d->pt_dying = pg;           /* already partial and held */
            if (!dying_slot_done(d))
                return false;
        }
        if (!mfn_eq(v->guest_table, INVALID_MFN)) {
            m = v->guest_table;
            v->guest_table = INVALID_MFN;
            if (!dying_put(d, mfn_to_page(m)))
                return false;
        }
        if (!mfn_eq(v->guest_table_user, INVALID_MFN)) {
            m = v->guest_table_user;
            v->guest_table_user = INVALID_MFN;
            if (!dying_put(d, mfn_to_page(m)))
                return false;
        }
    }
    return true;
}

/*
 * A dying domain gives back its memory (Xen's relinquish_memory): drop
 * the vCPUs' page-table references, unpin every table (devalidation
 * cascades down the tree), then drop each frame's allocation reference;
 * a frame is freed when its last reference goes, so a frame another
 * domain still maps is freed only later.
 * The domain's frames are found in the frame table, not in the builder's
 * p2m: reservation changes (common/reservation.c) add and remove frames.
 * Hypervisor pages shared with the domain (PGC_xen_heap: shared_info,
 * grant-table frames) keep their allocation reference: their owners'
 * teardown drops it (pv_unshare_xen_frame).  Every pin goes, whatever
 * the frame (a hypervisor page can never be pinned, but a pin left
 * behind would leak the references of everything under it).
 * The vCPUs' other references (GDT, LDT, vcpu_info) must be dropped
 * first (vcpu_release), and none of the domain's vCPUs may be loaded.
 * In steps (the scheduler and XEN_DOMCTL_destroydomain tear dead domains
 * down a bounded step at a time): first the vCPUs' tables, then *pos
 * runs over the frames three times, unpinning on the first pass,
 * finishing validations the domain left half done on the second, and
 * dropping allocation references on the third; each call looks at up to
 * `budget` frames and at most PT_PREEMPT_ENTRIES table entries (a
 * devalidation that stops goes on in the next call, above), and says
 * whether it is done.
 */
bool pv_relinquish_memory_step(struct domain *d, uint64_t *pos, uint64_t budget)
{
    struct page_info *pg;
    uint64_t end = MIN(*pos + budget, 3 * max_mfn);
    bool done = false;

    mm_lock_acquire();
    pv_pt_begin();
    if (!dying_slot_done(d) || !dying_vcpu_tables(d))
        goto out;
    for (; *pos < end; (*pos)++) {
        uint64_t pass = *pos / max_mfn, f = *pos % max_mfn;
        pg = &frame_table[f];
        if (pg->owner != d->domain_id)
            continue;
        if (pass == 0 && (pg->flags & PGC_pinned)) {
            pg->flags &= ~PGC_pinned;
            if (!dying_put(d, pg)) {
                (*pos)++;
                goto out;
            }
        } else if (pass == 1 && (pg->flags & PGC_partial) &&
                   !(pg->flags & PGC_partial_held)) {
            /* A validation the domain left half done (a pin never
             * re-issued) holds its references itself; those held by a
             * table below go with their holder. */
            if (!dying_adopt(d, pg)) {
                (*pos)++;
                goto out;
            }
        } else if (pass == 2 && (pg->flags & PGC_allocated) &&
                   !(pg->flags & PGC_xen_heap)) {
            pg->flags &= ~PGC_allocated;
            put_page(pg);
        }
    }
    done = *pos >= 3 * max_mfn;
out:
    mm_lock_release();
    return done;
}

/*
 * Preemptible form (XEN_DOMCTL_destroydomain): continue from *pos (0 at
 * first), RELINQUISH_CHUNK frames at a time; false when the hypercall
 * should be continued (*pos says where), true when every pass is done.
 */
bool pv_relinquish_some(struct domain *d, uint64_t *pos)
{
    while (!pv_relinquish_memory_step(d, pos, RELINQUISH_CHUNK))
        if (hypercall_may_preempt() && hypercall_preempt_check())
            return false;
    return true;
}

void pv_relinquish_memory(struct domain *d)
{
    uint64_t pos = 0;

    while (!pv_relinquish_memory_step(d, &pos, ~0UL >> 1))
        ;
}

/* What v was undoing, to the end, without preemption (host tests and
 * fuzzers; the hypervisor uses pv_vcpu_drop_tables or, for a dying
 * domain, pv_relinquish_memory_step).  mm_lock held. */
void pv_vcpu_release_tables(struct vcpu *v)
{
    finish_undo_now(v);
}

/*
 * A vCPU being reset while its domain lives (XEN_DOMCTL_setvcpucontext
 * with no context; the vCPU is down): drop its base pointers and what it
 * was undoing, at most a hypercall's page-table budget at a time.  0
 * when nothing is left, -XEN_ERESTART to be continued.  mm_lock held.
 */
int pv_vcpu_drop_tables(struct vcpu *v)
{
    pv_pt_begin();
    for (;;) {
        mfn_t m;

        if (v->pt_undo && pv_pt_finish_undo(v) == -XEN_ERESTART)
            return -XEN_ERESTART;
        if (!mfn_eq(v->guest_table, INVALID_MFN)) {
            m = v->guest_table;
            v->guest_table = INVALID_MFN;
        } else if (!mfn_eq(v->guest_table_user, INVALID_MFN)) {
            m = v->guest_table_user;
            v->guest_table_user = INVALID_MFN;
        } else {
            return 0;
        }
        put_table_ref(v, m);        /* a stop goes on in v->pt_undo */
    }
}

/* Frames d still owns (referenced from elsewhere, or hypervisor pages
 * shared with it), free ones excluded.  For a dying domain. */
uint64_t pv_count_frames(const struct domain *d)
{
    uint64_t f, n = 0;

    mm_lock_acquire();
    for (f = 0; f < max_mfn; f++)
        if (frame_table[f].owner == d->domain_id && !(frame_table[f].flags & PGC_free))
            n++;
    mm_lock_release();
    return n;
}

/* ---- base pointers and pinning ---- */

/*
 * Each page-table operation of a vCPU first finishes what it left to
 * undo (-XEN_ERESTART: not yet; an error: that of the failed validation
 * it was undoing, reported now).  mm_lock held.
 */
static int begin_op(struct vcpu *v)
{
    return pv_pt_finish_undo(v);
}

/* NEW_BASEPTR and mov to CR3: -XEN_ERESTART means re-issue. */
int pv_new_guest_cr3(struct vcpu *v, mfn_t mfn)
{
    mfn_t old = v->guest_table;
    int rc;

    mm_lock_acquire();
    rc = begin_op(v);
    if (!rc)
        rc = get_table_ref(v, v->domain, mfn, PGT_l4);
    if (!rc) {
        v->guest_table = mfn;
        if (!mfn_eq(old, INVALID_MFN))
            put_table_ref(v, old);
    }
    mm_lock_release();
    if (!rc && v->kernel_mode)
        vcpu_load_cr3(v);
    return rc;
}

static int new_user_baseptr(struct vcpu *v, mfn_t mfn)
{
    mfn_t old = v->guest_table_user;
    int rc;

    mm_lock_acquire();
    rc = begin_op(v);
    if (!rc && mfn_x(mfn) != 0)
        rc = get_table_ref(v, v->domain, mfn, PGT_l4);
    if (!rc) {
        v->guest_table_user = mfn_x(mfn) ? mfn : INVALID_MFN;
        if (!mfn_eq(old, INVALID_MFN))
            put_table_ref(v, old);
    }
    mm_lock_release();
    if (!rc && !v->kernel_mode)
        vcpu_load_cr3(v);
    return rc;
}

/* VCPUOP_initialise's kernel L4 (vcpu_initialise.c), taken for v by the
 * calling vCPU `by`: as NEW_BASEPTR.  mm_lock held. */
int pv_get_l4_for_context(struct vcpu *by, mfn_t mfn)
{
    int rc = begin_op(by);

    return rc ? rc : get_table_ref(by, by->domain, mfn, PGT_l4);
}

static int check_pin(struct domain *d, mfn_t mfn)
{
    struct page_info *pg;

    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    pg = mfn_to_page(mfn);
    if (pg->owner != d->domain_id || (pg->flags & PGC_xen_heap))
        return -XEN_EINVAL;      /* hypervisor pages are never tables */
    if (pg->flags & PGC_pinned)
        return -XEN_EINVAL;      /* Xen: "mfn already pinned" */
    return 0;
}

/* The boot-time domain builder's pin (dom0_build.c): not preemptible.
 * MMUEXT_PIN_* of any domain goes through pin_table below. */
int pv_pin_table(struct domain *d, mfn_t mfn, unsigned int type)
{
    int rc = check_pin(d, mfn);

    if (!rc)
        rc = get_page_and_type(mfn, d, type);
    if (!rc)
        mfn_to_page(mfn)->flags |= PGC_pinned;
    return rc;
}

/*
 * MMUEXT_PIN_* on pg_owner's table (v's domain, or for the control
 * domain a foreign one): -XEN_ERESTART means re-issue.  Preemptible
 * whoever the owner, as Xen's do_mmuext_op (get_page_type_preemptible):
 * a toolstack pinning a large domain's tree holds the lock no longer
 * than a guest pinning its own.
 */
static int pin_table(struct vcpu *v, struct domain *pg_owner, mfn_t mfn, unsigned int type)
{
    int rc = begin_op(v);

    if (!rc)
        rc = check_pin(pg_owner, mfn);
    if (!rc)
        rc = get_table_ref(v, pg_owner, mfn, type);
    if (!rc)
        mfn_to_page(mfn)->flags |= PGC_pinned;
    return rc;
}

/* MMUEXT_UNPIN_TABLE: a devalidation that stops goes on in v's undo
 * slot, whoever the owner (Xen's put_page_and_type_preemptible with
 * old_guest_table). */
static int unpin_table(struct vcpu *v, struct domain *pg_owner, mfn_t mfn)
{
    struct page_info *pg;
    int rc = begin_op(v);

    if (rc)
        return rc;
    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    pg = mfn_to_page(mfn);
    if (pg->owner != pg_owner->domain_id || !(pg->flags & PGC_pinned))
        return -XEN_EINVAL;
    pg->flags &= ~PGC_pinned;
    put_table_ref(v, mfn);
    return 0;
}

/* ---- walking the current address space ---- */

/* Find the L1 entry mapping va in the vCPU's current L4, or NULL. */
uint64_t *pv_guest_l1e(struct vcpu *v, uint64_t va)
{
    mfn_t m = v->kernel_mode ? v->guest_table : v->guest_table_user;
    uint64_t *t, e;
    unsigned int level;

    if (!is_canonical(va) || is_hypervisor_va(va) || !mfn_valid(m))
        return NULL;          /* (also: user mode with no user L4) */
    t = mfn_to_virt(m);
    for (level = 4; level > 1; level--) {
        unsigned int shift = 12 + 9 * (level - 1);
        e = t[(va >> shift) & 511];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE) || !mfn_valid(pte_mfn(e)))
            return NULL;
        t = mfn_to_virt(pte_mfn(e));
    }
    /* The table reached through validated entries is a validated L1,
     * unless a linear mapping made us walk a higher-level table. */
    if (mfn_to_page(virt_to_mfn(t))->type != PGT_l1 ||
        !(mfn_to_page(virt_to_mfn(t))->flags & PGC_validated))
        return NULL;
    return &t[L1_IDX(va)];
}

/* UVMF_LOCAL flushes this CPU; UVMF_ALL and a vCPU mask (its validity
 * checked) every CPU running the domain, a superset of the mask. */
static int flush_for(struct vcpu *v, uint64_t va, uint64_t flags)
{
    uint64_t mask;

    switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_INVLPG:
        invlpg(va);
        break;
    case UVMF_TLB_FLUSH:
        flush_tlb_local();
        break;
    default:
        return 0;
    }
    if ((flags & ~UVMF_FLUSHTYPE_MASK) == UVMF_LOCAL)
        return 0;
    if ((flags & ~UVMF_FLUSHTYPE_MASK) != UVMF_ALL &&
        copy_from_guest(&mask, flags & ~UVMF_FLUSHTYPE_MASK, sizeof(mask)))
        return -XEN_EFAULT;
    flush_tlb_others(v->domain);
    return 0;
}

static long update_va_mapping(struct vcpu *v, uint64_t va, uint64_t val, uint64_t flags,
                              struct domain *pg_owner)
{
    uint64_t *pl1e;
    int rc;

    mm_lock_acquire();
    pl1e = pv_guest_l1e(v, va);
    rc = pl1e ? mod_entry(v, pl1e, val, 1, pg_owner, false) : -XEN_EINVAL;
    mm_lock_release();
    if (rc)
        return rc;
    if ((flags & ~UVMF_FLUSHTYPE_MASK) && (flags & ~UVMF_FLUSHTYPE_MASK) != UVMF_ALL &&
        !guest_range_ok(flags & ~UVMF_FLUSHTYPE_MASK, 1))
        return -XEN_EFAULT;
    return flush_for(v, va, flags);
}

long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    struct vcpu *v = current;

    v->vs.pt_updates++;         /* interference counter (keel/vstats.h) */
    return update_va_mapping(v, va, val, flags, v->domain);
}

long do_update_va_mapping_otherdomain(uint64_t va, uint64_t val, uint64_t flags,
                                      uint64_t domid)
{
    struct vcpu *v = current;
    struct domain *fd;

    v->vs.pt_updates++;
    if (!v->domain->is_privileged)
        return -XEN_EPERM;
    fd = domain_lookup((domid_t)domid);
    if (!fd)
        return -XEN_ESRCH;
    return update_va_mapping(v, va, val, flags, fd);
}

/* ---- mmu_update ---- */

static int mmu_normal_update(struct vcpu *v, struct domain *pg_owner, uint64_t ptr,
                             uint64_t val, bool preserve_ad)
{
    struct domain *d = v->domain;
    mfn_t mfn = _mfn(ptr >> PAGE_SHIFT);
    struct page_info *pg;
    uint64_t *pe;
    int rc;

    if (!mfn_valid(mfn))
        return -XEN_EINVAL;
    pg = mfn_to_page(mfn);
    if (pg->owner != d->domain_id || !(pg->flags & PGC_allocated))
        return -XEN_EINVAL;
    pe = (uint64_t *)((char *)mfn_to_virt(mfn) + (ptr & (PAGE_SIZE - 8)));
    if (is_table_type(pg->type) && pg->type_count) {
        /* A table half validated or devalidated is no table yet. */
        if (!(pg->flags & PGC_validated))
            return -XEN_EINVAL;
        return mod_entry(v, pe, val, pg->type - PGT_l1 + 1, pg_owner, preserve_ad);
    }
    /* Not a page table: a checked plain write needs the writable type. */
    rc = get_page_type(pg, PGT_writable, d);
    if (rc)
        return rc;
    __atomic_store_n(pe, val, __ATOMIC_SEQ_CST);
    put_page_type(pg, d);
    return 0;
}

static int mmu_machphys_update(struct domain *d, uint64_t ptr, uint64_t val)
{
    mfn_t mfn = _mfn(ptr >> PAGE_SHIFT);

    if (!mfn_valid(mfn) || mfn_to_page(mfn)->owner != d->domain_id)
        return -XEN_EINVAL;
    m2p_set(mfn, _gfn(val));      /* any value: the guest's own M2P entry */
    return 0;
}

static struct domain *get_pg_owner(struct domain *d, uint64_t foreigndom)
{
    domid_t id = (domid_t)foreigndom;

    if (id == DOMID_SELF || id == d->domain_id)
        return d;
    if (!d->is_privileged)
        return NULL;
    return domain_lookup(id);
}


/*
 * Batches (mmu_update, mmuext_op) continue every HYPERCALL_CHUNK entries,
 * as Xen does: bit 31 of the re-issued count marks a resumed batch, and
 * the number done so far travels in *pdone.  A `done` that cannot be
 * read or written is ignored, as in Xen.
 */
static uint64_t batch_resume(uint64_t count, uint64_t pdone, uint32_t *done)
{
    *done = 0;
    if (count & HYPERCALL_PREEMPTED) {
        count &= ~HYPERCALL_PREEMPTED;
        if (pdone)
            (void)copy_from_guest(done, pdone, sizeof(*done));
    }
    return count;
}

static void batch_report(uint64_t pdone, uint32_t done)
{
    if (pdone)
        (void)copy_to_guest(pdone, &done, sizeof(done));
}

/* Continue the batch from entry i: the first i are done. */
static void batch_continue(uint64_t list, size_t entry_size, uint64_t i, uint64_t count,
                           uint32_t done, uint64_t pdone, uint64_t foreigndom)
{
    batch_report(pdone, done + (uint32_t)i);
    hypercall_continue(list + i * entry_size, (count - i) | HYPERCALL_PREEMPTED, pdone,
                       foreigndom);
}

/*
 * true: the batch is continued from entry i, because i starts a new chunk
 * or because the lock has been held for HYPERCALL_PREEMPT_NS (one entry
 * can validate a whole page-table tree, so the count alone does not bound
 * the time; docs/hypervisor.md), or page-table work used this call's
 * budget, or the vCPU has a page table to finish releasing (done first
 * by the re-issued call, as Xen's old_guest_table).
 */
static bool batch_preempt(uint64_t list, size_t entry_size, uint64_t i, uint64_t count,
                          uint32_t done, uint64_t pdone, uint64_t foreigndom)
{
    if (!i || !hypercall_may_preempt())
        return false;
    if ((i % HYPERCALL_CHUNK) && !hypercall_preempt_check() && !pv_pt_budget_spent() &&
        !pv_pt_undo_pending(current))
        return false;
    batch_continue(list, entry_size, i, count, done, pdone, foreigndom);
    return true;
}

/*
 * A batch starts by finishing what the vCPU left to undo: true if the
 * call ends there (*rc: 0 with a continuation, or the error of the
 * failed validation that was being undone, with `done` unchanged: it
 * belongs to the batch's first entry, the one re-issued).
 */
static bool batch_start(struct vcpu *v, uint64_t list, uint64_t count, uint32_t done,
                        uint64_t pdone, uint64_t foreigndom, long *rc)
{
    int r;

    pv_pt_begin();
    mm_lock_acquire();
    r = pv_pt_finish_undo(v);
    mm_lock_release();
    *rc = 0;
    if (r == -XEN_ERESTART)
        batch_continue(list, 0, 0, count, done, pdone, foreigndom);
    else if (r)
        *rc = r;
    return r != 0;
}

long do_mmu_update(uint64_t ureqs, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    struct domain *d = current->domain, *pg_owner;
    struct mmu_update req;
    uint64_t i;
    uint32_t done;
    long rc = 0;

    /* Entries asked for, counted on a batch's first issue only (a
     * continuation carries HYPERCALL_PREEMPTED) and not when invalid. */
    if (!(count & HYPERCALL_PREEMPTED) && count <= (1UL << 31))
        current->vs.pt_updates += count;
    count = batch_resume(count, pdone, &done);
    if (count > (1UL << 31))
        return -XEN_EINVAL;
    pg_owner = get_pg_owner(d, foreigndom);
    if (!pg_owner)
        return (domid_t)foreigndom >= DOMID_FIRST_RESERVED || !d->is_privileged ? -XEN_EPERM
                                                                               : -XEN_ESRCH;
    if (batch_start(current, ureqs, count, done, pdone, foreigndom, &rc))
        return rc;
    for (i = 0; i < count; i++) {
        if (batch_preempt(ureqs, sizeof(req), i, count, done, pdone, foreigndom))
            return 0;
        if (copy_from_guest(&req, ureqs + i * sizeof(req), sizeof(req))) {
            rc = -XEN_EFAULT;
            break;
        }
        mm_lock_acquire();
        /* The command is in the low 3 bits (ptr is an 8-byte aligned address). */
        switch (req.ptr & 7) {
        case MMU_NORMAL_PT_UPDATE:
            rc = mmu_normal_update(current, pg_owner, req.ptr & ~7UL, req.val, false);
            break;
        case MMU_PT_UPDATE_PRESERVE_AD:
            rc = mmu_normal_update(current, pg_owner, req.ptr & ~7UL, req.val, true);
            break;
        case MMU_MACHPHYS_UPDATE:
            rc = mmu_machphys_update(pg_owner, req.ptr & ~7UL, req.val);
            break;
        default:
            rc = -XEN_ENOSYS;
        }
        mm_lock_release();
        if (rc == -XEN_ERESTART) {
            batch_continue(ureqs, sizeof(req), i, count, done, pdone, foreigndom);
            return 0;
        }
        if (rc)
            break;
    }
    if (!rc && pv_pt_undo_pending(current) && hypercall_may_preempt()) {
        /* A release still under way: finished by the continuation
         * before the call returns, so the guest may reuse the frames. */
        batch_continue(ureqs, sizeof(req), i, count, done, pdone, foreigndom);
        return 0;
    }
    batch_report(pdone, done + (uint32_t)i);
    return rc;
}

/* ---- mmuext_op ---- */

/*
 * MMUEXT_CLEAR_PAGE / MMUEXT_COPY_PAGE as Xen (xen/arch/x86/mm.c): the
 * target must be the domain's and take a writable type reference (so
 * never a page table or descriptor page), the source must be the
 * domain's (any type: it is only read).  -EINVAL otherwise, as in Xen.
 */
static int clear_page_op(struct domain *d, mfn_t dst)
{
    int rc;

    mm_lock_acquire();
    rc = get_page_and_type(dst, d, PGT_writable);
    if (!rc) {
        memset(mfn_to_virt(dst), 0, PAGE_SIZE);
        put_page_and_type(dst, d);
    }
    mm_lock_release();
    if (rc)
        gdprintk("d%u: CLEAR_PAGE mfn %lx refused\n", d->domain_id, mfn_x(dst));
    return rc ? -XEN_EINVAL : 0;
}

static int copy_page_op(struct domain *d, mfn_t dst, mfn_t src)
{
    struct page_info *spg;
    int rc = -XEN_EINVAL;

    mm_lock_acquire();
    if (!mfn_valid(src) || !get_page(spg = mfn_to_page(src), d))
        goto out;
    if (get_page_and_type(dst, d, PGT_writable)) {
        put_page(spg);
        goto out;
    }
    if (!mfn_eq(dst, src))
        memcpy(mfn_to_virt(dst), mfn_to_virt(src), PAGE_SIZE);
    put_page_and_type(dst, d);
    put_page(spg);
    rc = 0;
out:
    mm_lock_release();
    if (rc)
        gdprintk("d%u: COPY_PAGE mfn %lx -> %lx refused\n", d->domain_id, mfn_x(src),
                 mfn_x(dst));
    return rc;
}

/*
 * Pins and unpins act on pg_owner's tables: the caller's own, or, for the
 * control domain, a foreign domain's (foreigndom), as Xen: a toolstack
 * writes a new domain's page tables as plain data through foreign
 * mappings, then pins its L4, which validates the whole tree as that
 * domain's (a frame the toolstack still maps writable refuses the table
 * type: -EINVAL).  Every other command is the caller's own (-EPERM with a
 * foreign domain, as Xen).
 */
static int do_one_mmuext(struct vcpu *v, const struct mmuext_op *op, struct domain *pg_owner)
{
    struct domain *d = v->domain;
    mfn_t mfn = _mfn(op->arg1.mfn);
    int rc;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        if (pg_owner->state == DOM_DYING)
            return -XEN_EINVAL;   /* its teardown drops every pin */
        mm_lock_acquire();
        rc = pin_table(v, pg_owner, mfn, PGT_l1 + op->cmd - MMUEXT_PIN_L1_TABLE);
        mm_lock_release();
        return rc;
    case MMUEXT_UNPIN_TABLE:
        mm_lock_acquire();
        rc = unpin_table(v, pg_owner, mfn);
        mm_lock_release();
        return rc;
    default:
        break;
    }
    if (pg_owner != d)
        return -XEN_EPERM;
    switch (op->cmd) {
    case MMUEXT_NEW_BASEPTR:
        if (!v->kernel_mode)
            return -XEN_EINVAL;
        return pv_new_guest_cr3(v, mfn);
    case MMUEXT_NEW_USER_BASEPTR:
        return new_user_baseptr(v, mfn);
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI: {
        /* vCPUs that are not running reload CR3 when switched in; those
         * running elsewhere are flushed (all of the domain's: a superset
         * of the mask, whose validity is checked: Xen -EFAULTs). */
        uint64_t mask;
        if (copy_from_guest(&mask, op->arg2.vcpumask, sizeof(mask)))
            return -XEN_EFAULT;
        if (op->cmd == MMUEXT_TLB_FLUSH_MULTI)
            flush_tlb_local();
        else if (is_canonical(op->arg1.linear_addr))
            invlpg(op->arg1.linear_addr);
        flush_tlb_others(d);
        return 0;
    }
    case MMUEXT_TLB_FLUSH_LOCAL:
        flush_tlb_local();
        return 0;
    case MMUEXT_TLB_FLUSH_ALL:
        flush_tlb_local();
        flush_tlb_others(d);
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        if (is_canonical(op->arg1.linear_addr))
            invlpg(op->arg1.linear_addr);
        return 0;
    case MMUEXT_INVLPG_ALL:
        if (is_canonical(op->arg1.linear_addr))
            invlpg(op->arg1.linear_addr);
        flush_tlb_others(d);
        return 0;
    case MMUEXT_SET_LDT:
        return pv_set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
    case MMUEXT_CLEAR_PAGE:
        return clear_page_op(d, mfn);
    case MMUEXT_COPY_PAGE:
        return copy_page_op(d, mfn, _mfn(op->arg2.src_mfn));
    default:
        return -XEN_ENOSYS;
    }
}

long do_mmuext_op(uint64_t uops, uint64_t count, uint64_t pdone, uint64_t foreigndom)
{
    struct vcpu *v = current;
    struct mmuext_op op;
    uint64_t i;
    uint32_t done;
    long rc = 0;
    struct domain *pg_owner;

    count = batch_resume(count, pdone, &done);
    if (count > (1UL << 31))
        return -XEN_EINVAL;
    pg_owner = get_pg_owner(v->domain, foreigndom);
    if (!pg_owner)
        return (domid_t)foreigndom >= DOMID_FIRST_RESERVED || !v->domain->is_privileged
                   ? -XEN_EPERM : -XEN_ESRCH;
    if (batch_start(v, uops, count, done, pdone, foreigndom, &rc))
        return rc;
    for (i = 0; i < count; i++) {
        if (batch_preempt(uops, sizeof(op), i, count, done, pdone, foreigndom))
            return 0;
        if (copy_from_guest(&op, uops + i * sizeof(op), sizeof(op))) {
            rc = -XEN_EFAULT;
            break;
        }
        rc = do_one_mmuext(v, &op, pg_owner);
        if (rc == -XEN_ERESTART) {
            batch_continue(uops, sizeof(op), i, count, done, pdone, foreigndom);
            return 0;
        }
        if (rc)
            break;
    }
    if (!rc && pv_pt_undo_pending(v) && hypercall_may_preempt()) {
        batch_continue(uops, sizeof(op), i, count, done, pdone, foreigndom);
        return 0;         /* (as in do_mmu_update) */
    }
    batch_report(pdone, done + (uint32_t)i);
    return rc;
}
