/*
 * Grant tables, versions 1 and 2, with Xen's semantics
 * (xen/common/grant_table.c, 4.17; the notes "Xen:" say which behaviour
 * is followed).  Design and the reference-count rules:
 * docs/grant-tables.md.
 *
 *  - Each domain has a table of shared entries in frames it maps itself
 *    (setup_table): grant_entry_v1 {flags, domid, frame} under version 1,
 *    grant_entry_v2 (full_page, sub_page, transitive) under version 2.
 *    The hypervisor keeps an active entry per reference (pin counts,
 *    frame, mapping domain, sub-page window, transitive target) and sets
 *    GTF_reading / GTF_writing while the grant is in use: in the shared
 *    entry's flags under v1 (cmpxchg on the flags+domid word, because the
 *    granter may change it at any time), in a separate status word under
 *    v2 (status frames, get_status_frames).
 *  - A mapping domain has maptrack entries (handles) {flags, domid, ref}.
 *  - References: a host mapping's general (and, if writable, writable
 *    type) reference on the granted frame belongs to the page-table entry
 *    (put_page_from_l1e drops it when the entry goes, by unmap, by the
 *    guest zapping it, or by its tables being torn down); a device
 *    mapping's references belong to the maptrack entry.  Xen does the
 *    same for PV (gnttab_release_host_mappings() is false for PV).
 *  - set_version switches 1 <-> 2 only while no entry but the 8 reserved
 *    ones is pinned; those are converted, the rest of the table cleared.
 *
 * Locking: gnttab_lock (one lock, for now) protects every domain's grant
 * table, active entries and maptrack.  Order: gnttab_lock, then mm_lock
 * (taken for frame counts and page-table writes).  Guest memory is
 * copied in and out outside the lock.  Because one lock covers a whole
 * operation (a copy's pins on both sides included), Xen's nr_v2_ops
 * (-EAGAIN from set_version while a transitive copy has dropped its
 * locks) and its ERESTART retry of a transitive acquire cannot arise.
 */
#include <keel/tlbflush.h>
#include <keel/smp.h>
#include <keel/grant_table.h>
#include <keel/domain.h>
#include <keel/pv_mm.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/hypercall.h>
#include <public/grant_table.h>
#include <asm/page.h>
#include <asm/processor.h>

/* Active entries are laid out by v1 frame (512 a frame); under v2 a frame
 * holds 256 entries, so the same arrays cover every reference. */
#define ENTRIES_PER_FRAME   (PAGE_SIZE / sizeof(struct grant_entry_v1))
#define V2_PER_FRAME        (PAGE_SIZE / sizeof(union grant_entry_v2))
#define STATUS_PER_FRAME    (PAGE_SIZE / sizeof(grant_status_t))
#define MAPTRACK_PER_PAGE   GNTTAB_MAPTRACK_PER_PAGE
_Static_assert(V2_PER_FRAME == GNTTAB_V2_PER_FRAME, "v2 entries a frame");
_Static_assert(STATUS_PER_FRAME == GNTTAB_STATUS_PER_FRAME, "status words a frame");
_Static_assert(V2_PER_FRAME >= GNTTAB_NR_RESERVED_ENTRIES, "reserved entries fit a frame");

/* Xen's pin counts: four 8-bit counters in one word. */
#define GNTPIN_hstw_inc     (1u << 0)
#define GNTPIN_hstr_inc     (1u << 8)
#define GNTPIN_devw_inc     (1u << 16)
#define GNTPIN_devr_inc     (1u << 24)
#define GNTPIN_write_mask   (0xffu | (0xffu << 16))
#define GNTPIN_overflow     0x80808080u

#define _PAGE_GUEST_KERNEL  (1UL << 52)   /* as pv_mm.c's adjust_guest_entry */
#define _PAGE_AVAIL_SHIFT   9             /* GNTMAP_guest_avail0.. -> PTE bits 9-11 */

struct active_grant {
    uint32_t pin;          /* GNTPIN_* counters */
    domid_t domid;         /* the domain using it while pin != 0 */
    /* While pin != 0: where the frame comes from.  Itself (trans_domid =
     * the table's owner, trans_gref = this reference) unless the entry is
     * a v2 transitive grant, whose own grant in trans_domid is pinned too
     * and released with it (Xen's trans_domain / trans_gref). */
    domid_t trans_domid;
    grant_ref_t trans_gref;
    uint16_t start;        /* the usable window of the frame: */
    uint16_t length;       /* [start, start + length), a page unless sub-page */
    bool is_sub_page;      /* sub_page or transitive: never mapped (Xen) */
    mfn_t frame;           /* the granted frame while pin != 0 */
};

/* A maptrack entry: one handle.  As Xen, the low 16 bits of the map's
 * GNTMAP_* flags are kept (the guest-available bits above them only
 * matter when the PTE is made).  A free entry is on its table's free list
 * and holds the next free handle in `ref`. */
struct grant_mapping {
    grant_ref_t ref;       /* granting domain's reference; next free if free */
    uint16_t flags;        /* GNTMAP_* still mapped; 0 = free handle */
    domid_t domid;         /* granting domain */
};
_Static_assert(sizeof(struct grant_mapping) == 8, "maptrack entries are 8 bytes");
_Static_assert(PAGE_SIZE / sizeof(struct grant_mapping) == GNTTAB_MAPTRACK_PER_PAGE,
               "GNTTAB_MAPTRACK_PER_PAGE is what a page holds");

struct grant_table {
    unsigned int version;                         /* 1 or 2 (Xen's gt_version) */
    unsigned int nr_frames;
    unsigned int nr_status_frames;                /* v2 only; 0 under v1 */
    bool dying;                                   /* owner destroyed */
    mfn_t frames[GNTTAB_MAX_FRAMES];              /* shared entries */
    mfn_t status[GNTTAB_MAX_STATUS_FRAMES];       /* v2 status words */
    struct active_grant *active[GNTTAB_MAX_FRAMES];
    struct grant_mapping *maptrack[GNTTAB_MAPTRACK_PAGES];
    unsigned int maptrack_limit;                  /* handles allocated */
    grant_handle_t maptrack_free;                 /* free list head, or NO_HANDLE */
};

#define NO_HANDLE ((grant_handle_t)~0u)

static spinlock_t gnttab_lock = SPIN_LOCK_UNLOCKED;

/* References the table has under its version, dying or not. */
static unsigned int table_entries(const struct grant_table *gt)
{
    return gt->nr_frames * (gt->version == 2 ? V2_PER_FRAME : ENTRIES_PER_FRAME);
}

/* References open to new uses (none once the owner is dying). */
static unsigned int nr_entries(const struct grant_table *gt)
{
    return gt->dying ? 0 : table_entries(gt);
}

static struct grant_entry_v1 *shared_v1(const struct grant_table *gt, grant_ref_t ref)
{
    return (struct grant_entry_v1 *)mfn_to_virt(gt->frames[ref / ENTRIES_PER_FRAME]) +
           ref % ENTRIES_PER_FRAME;
}

static union grant_entry_v2 *shared_v2(const struct grant_table *gt, grant_ref_t ref)
{
    return (union grant_entry_v2 *)mfn_to_virt(gt->frames[ref / V2_PER_FRAME]) +
           ref % V2_PER_FRAME;
}

/* flags + domid: the first 4 bytes of an entry of either version. */
static struct grant_entry_header *entry_header(const struct grant_table *gt, grant_ref_t ref)
{
    return gt->version == 2 ? &shared_v2(gt, ref)->hdr
                            : (struct grant_entry_header *)shared_v1(gt, ref);
}

/* v2 status word of ref (the caller checked ref < table_entries). */
static grant_status_t *status_v2(const struct grant_table *gt, grant_ref_t ref)
{
    return (grant_status_t *)mfn_to_virt(gt->status[ref / STATUS_PER_FRAME]) +
           ref % STATUS_PER_FRAME;
}

/* Where GTF_reading / GTF_writing live for ref under the table's current
 * version (Xen: &shah->flags or &status_entry()); NULL once the owner is
 * dying (its frames may be gone) or for a reference the table no longer
 * has. */
static uint16_t *status_word(const struct grant_table *gt, grant_ref_t ref)
{
    if (gt->dying || ref >= table_entries(gt))
        return NULL;
    return gt->version == 2 ? status_v2(gt, ref) : &shared_v1(gt, ref)->flags;
}

static struct active_grant *active_entry(const struct grant_table *gt, grant_ref_t ref)
{
    return &gt->active[ref / ENTRIES_PER_FRAME][ref % ENTRIES_PER_FRAME];
}

static struct grant_mapping *maptrack_entry(const struct grant_table *gt, grant_handle_t h)
{
    return &gt->maptrack[h / MAPTRACK_PER_PAGE][h % MAPTRACK_PER_PAGE];
}

/* ---- table life cycle ---- */

/* A new hypervisor frame shared with d, zeroed; INVALID_MFN if none. */
static mfn_t new_shared_frame(struct domain *d)
{
    mfn_t m = alloc_frame();

    if (mfn_eq(m, INVALID_MFN))
        return m;
    memset(mfn_to_virt(m), 0, PAGE_SIZE);
    /* Like shared_info: a hypervisor page owned by and shared with the
     * domain (Xen's share_xen_page_with_guest), mappable read-write,
     * never a page table or descriptor page (docs/security.md). */
    mm_lock_acquire();
    pv_share_xen_frame(m, d);
    mm_lock_release();
    m2p_set(m, INVALID_GFN);
    return m;
}

/* Xen's gnttab_populate_status_frames: status frames for nr grant frames
 * (v2).  false if out of memory (those added stay, as Xen's grown ones). */
static bool grow_status(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->gt;
    unsigned int want = GNTTAB_STATUS_FRAMES(nr);

    while (gt->nr_status_frames < want) {
        mfn_t m = new_shared_frame(d);

        if (mfn_eq(m, INVALID_MFN))
            return false;
        gt->status[gt->nr_status_frames++] = m;
    }
    return true;
}

/* Add frames up to nr (never shrinks), and under v2 their status frames.
 * false if out of memory. */
static bool grow_table(struct domain *d, unsigned int nr)
{
    struct grant_table *gt = d->gt;

    while (gt->nr_frames < nr) {
        unsigned int i = gt->nr_frames;
        struct active_grant *a = xzalloc_bytes(ENTRIES_PER_FRAME * sizeof(*a));
        mfn_t m;

        if (!a)
            return false;
        m = new_shared_frame(d);
        if (mfn_eq(m, INVALID_MFN)) {
            xfree(a);
            return false;
        }
        gt->frames[i] = m;
        gt->active[i] = a;
        gt->nr_frames = i + 1;
    }
    return gt->version != 2 || grow_status(d, gt->nr_frames);
}

/*
 * Xen's gnttab_unpopulate_status_frames (v2 -> v1): the status frames go
 * back to the hypervisor, but only if the domain no longer maps any of
 * them: a mapping left behind would let it write a freed frame that is
 * reused (XSA-255, and XSA-379/387 for translated guests).  A shared
 * frame holds exactly its allocation reference and its permanent type
 * reference (pv_share_xen_frame); any more is a mapping.  -EBUSY (nothing
 * changed) if one is mapped.  mm_lock not held.
 */
static int drop_status_frames(struct grant_table *gt)
{
    unsigned int i;

    mm_lock_acquire();
    for (i = 0; i < gt->nr_status_frames; i++) {
        const struct page_info *pg = mfn_to_page(gt->status[i]);

        if (pg->count != 1 || pg->type_count != 1) {
            mm_lock_release();
            return -XEN_EBUSY;
        }
    }
    for (i = 0; i < gt->nr_status_frames; i++) {
        pv_unshare_xen_frame(gt->status[i]);      /* last reference: freed */
        gt->status[i] = INVALID_MFN;
    }
    mm_lock_release();
    gt->nr_status_frames = 0;
    return 0;
}

int gnttab_init(struct domain *d)
{
    d->gt = xzalloc(struct grant_table);
    if (!d->gt)
        return -XEN_ENOMEM;
    d->gt->version = 1;                   /* Xen: gt_version = 1 at creation */
    d->gt->maptrack_free = NO_HANDLE;
    if (!grow_table(d, GNTTAB_INITIAL_FRAMES)) {
        xfree(d->gt);
        d->gt = NULL;
        return -XEN_ENOMEM;
    }
    return 0;
}

static bool table_in_use(const struct grant_table *gt)
{
    unsigned int f, i;

    for (f = 0; f < gt->nr_frames; f++)
        for (i = 0; i < ENTRIES_PER_FRAME; i++)
            if (gt->active[f][i].pin)
                return true;
    return false;
}

/* Free a dead domain's table once nobody pins its entries any more. */
static void maybe_free_dead_table(struct domain *d)
{
    struct grant_table *gt = d->gt;
    unsigned int i;

    if (!gt || !gt->dying || table_in_use(gt))
        return;
    for (i = 0; i < gt->nr_frames; i++)
        xfree(gt->active[i]);
    for (i = 0; i < GNTTAB_MAPTRACK_PAGES; i++)
        xfree(gt->maptrack[i]);
    xfree(gt);
    d->gt = NULL;
    domain_gnttab_released(d);
}

/* ---- status flags (Xen's _set_status_v1/_v2, reduce_status_for_pin) ---- */

/* Is the entry's type one this use accepts: permit_access (sub_page only
 * for a copy), or, for a v2 copy, transitive. */
static bool entry_type_ok(uint16_t flags, bool mapflag, bool v2)
{
    uint16_t mask = GTF_type_mask | (mapflag ? GTF_sub_page : 0);

    if ((flags & mask) == GTF_permit_access)
        return true;
    return v2 && !mapflag && (flags & mask) == GTF_transitive;
}

/*
 * v1: validate the shared entry and set GTF_reading (and GTF_writing)
 * with cmpxchg on the flags+domid word; the type and domid are checked
 * only when the entry is not pinned yet, as in Xen.  Up to 5 attempts,
 * then the entry is "unstable" (Xen: the guest may race us to livelock).
 */
static int16_t set_status_v1(struct grant_entry_header *e, const struct active_grant *act,
                             bool ro, bool mapflag, domid_t ldom)
{
    uint32_t *raw = (uint32_t *)e;
    uint32_t cur = __atomic_load_n(raw, __ATOMIC_SEQ_CST);
    unsigned int retries = 0;

    for (;;) {
        uint16_t flags = (uint16_t)cur;
        domid_t domid = (domid_t)(cur >> 16);
        uint32_t nv;

        if (!act->pin && (!entry_type_ok(flags, mapflag, false) || domid != ldom))
            return GNTST_general_error;
        if (!ro && (flags & GTF_readonly))
            return GNTST_general_error;   /* Xen: write-pin of a r/o entry */
        nv = cur | GTF_reading | (ro ? 0 : GTF_writing);
        if (__atomic_compare_exchange_n(raw, &cur, nv, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return GNTST_okay;
        if (retries++ == 4)
            return GNTST_general_error;
    }
}

/*
 * v2 (Xen's _set_status_v2): the flags live in the status word, which
 * only the hypervisor writes, so no cmpxchg: check the entry, set the
 * status bits, then (after a full barrier, so the granter sees them
 * before we look again) check the entry once more; if the granter
 * changed it in between, take the bits back and fail.
 */
static int16_t set_status_v2(const struct grant_entry_header *e, grant_status_t *st,
                             const struct active_grant *act, bool ro, bool mapflag,
                             domid_t ldom)
{
    const uint32_t *raw = (const uint32_t *)e;
    uint32_t cur = __atomic_load_n(raw, __ATOMIC_SEQ_CST);
    uint16_t flags = (uint16_t)cur;

    if (!act->pin && (!entry_type_ok(flags, mapflag, true) || (domid_t)(cur >> 16) != ldom))
        return GNTST_general_error;
    if (!ro && (flags & GTF_readonly))
        return GNTST_general_error;       /* Xen: write-pin of a r/o entry */
    __atomic_fetch_or(st, (uint16_t)(GTF_reading | (ro ? 0 : GTF_writing)), __ATOMIC_SEQ_CST);
    cur = __atomic_load_n(raw, __ATOMIC_SEQ_CST);
    flags = (uint16_t)cur;
    if (!act->pin) {
        if (!entry_type_ok(flags, mapflag, true) || (domid_t)(cur >> 16) != ldom ||
            (!ro && (flags & GTF_readonly))) {
            __atomic_fetch_and(st, (uint16_t)~(GTF_reading | GTF_writing), __ATOMIC_SEQ_CST);
            return GNTST_general_error;   /* Xen: "Unstable flags" */
        }
    } else if (flags & GTF_readonly) {
        __atomic_fetch_and(st, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
        return GNTST_general_error;       /* Xen: "Unstable grant readonly flag" */
    }
    return GNTST_okay;
}

static int16_t set_status(struct grant_table *gt, grant_ref_t ref, const struct active_grant *act,
                          bool ro, bool mapflag, domid_t ldom)
{
    if (gt->version == 2)
        return set_status_v2(entry_header(gt, ref), status_v2(gt, ref), act, ro, mapflag, ldom);
    return set_status_v1(entry_header(gt, ref), act, ro, mapflag, ldom);
}

/* Xen's reduce_status_for_pin: clear GTF_writing when no writable pin is
 * left (after a writable use), GTF_reading when no pin is left. */
static void reduce_status(struct grant_table *gt, grant_ref_t ref, bool ro)
{
    const struct active_grant *act = active_entry(gt, ref);
    uint16_t *st = status_word(gt, ref);
    uint16_t clear = act->pin ? 0 : GTF_reading;

    if (!ro && !(act->pin & GNTPIN_write_mask))
        clear |= GTF_writing;
    if (st && clear)
        __atomic_fetch_and(st, (uint16_t)~clear, __ATOMIC_SEQ_CST);
}

static bool frame_owned_by(mfn_t f, const struct domain *d)
{
    const struct page_info *pg;

    if (!mfn_valid(f))
        return false;
    pg = mfn_to_page(f);
    return pg->owner == d->domain_id && (pg->flags & PGC_allocated);
}

/* What a pin gives its user: the frame, whose domain owns it (the
 * granter, or a transitive grant's original granter), and the window of
 * it that may be used. */
struct grant_use {
    mfn_t frame;
    struct domain *owner;
    uint16_t start, length;
};

static struct domain *granting_domain(domid_t id);
static int16_t pin_grant(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro,
                         uint32_t inc, bool mapflag, bool allow_transitive,
                         struct grant_use *use);
static void unpin_grant(struct domain *rd, grant_ref_t ref, uint32_t dec, bool ro);

/*
 * Read a permit_access entry of rd's table (v1, v2 full_page, v2
 * sub_page) into *a: frame (which must be rd's: Xen's get_paged_frame
 * answers bad_page otherwise) and window.  A sub-page window is taken as
 * given, as Xen does; a copy is held to the page first (bad_copy_arg),
 * so a window reaching past it gains nothing.
 */
static int16_t read_direct_entry(const struct domain *rd, grant_ref_t ref,
                                 struct active_grant *a)
{
    const struct grant_table *gt = rd->gt;

    a->trans_domid = rd->domain_id;
    a->trans_gref = ref;
    a->start = 0;
    a->length = PAGE_SIZE;
    a->is_sub_page = false;
    if (gt->version == 1) {
        a->frame = _mfn(__atomic_load_n(&shared_v1(gt, ref)->frame, __ATOMIC_SEQ_CST));
    } else {
        const union grant_entry_v2 *e = shared_v2(gt, ref);

        if (__atomic_load_n(&e->hdr.flags, __ATOMIC_SEQ_CST) & GTF_sub_page) {
            a->start = __atomic_load_n(&e->sub_page.page_off, __ATOMIC_SEQ_CST);
            a->length = __atomic_load_n(&e->sub_page.length, __ATOMIC_SEQ_CST);
            a->is_sub_page = true;
            a->frame = _mfn(__atomic_load_n(&e->sub_page.frame, __ATOMIC_SEQ_CST));
        } else {
            a->frame = _mfn(__atomic_load_n(&e->full_page.frame, __ATOMIC_SEQ_CST));
        }
    }
    return frame_owned_by(a->frame, rd) ? GNTST_okay : GNTST_bad_page;
}

/*
 * A v2 transitive entry (copies only; Xen's acquire_grant_for_copy): pin
 * the grant it names, trans_domid's trans_gref, as used by rd itself,
 * with transitivity not allowed there (one level only, as Xen).  The
 * result is treated as a sub-page so that it can never be mapped.
 */
static int16_t pin_transitive(struct domain *rd, grant_ref_t ref, bool ro, uint32_t inc,
                              bool allow_transitive, struct active_grant *a,
                              struct grant_use *use)
{
    const union grant_entry_v2 *e = shared_v2(rd->gt, ref);
    domid_t tdom = __atomic_load_n(&e->transitive.trans_domid, __ATOMIC_SEQ_CST);
    grant_ref_t tref = __atomic_load_n(&e->transitive.gref, __ATOMIC_SEQ_CST);
    struct domain *td;
    int16_t rc;

    if (!allow_transitive)
        return GNTST_general_error;       /* Xen: "transitivity not allowed" */
    if (tdom == rd->domain_id)
        return GNTST_general_error;       /* Xen: "cannot be self-referential" */
    td = granting_domain(tdom);
    if (!td || tdom == DOMID_SELF)
        return GNTST_general_error;       /* Xen: "referenced bad domain" */
    if (tref >= nr_entries(td->gt))
        return GNTST_bad_gntref;
    rc = pin_grant(td, tref, rd->domain_id, ro, inc, false, false, use);
    if (rc != GNTST_okay)
        return rc;
    a->trans_domid = tdom;
    a->trans_gref = tref;
    a->frame = use->frame;
    a->start = use->start;
    a->length = use->length;
    a->is_sub_page = true;
    return GNTST_okay;
}

/* A later pin must find the entry still granting what the first pin
 * found (Xen's acquire_grant_for_copy re-reads it when it sets flags). */
static bool same_grant(const struct active_grant *act, const struct active_grant *now)
{
    if (!mfn_eq(act->frame, now->frame) || act->trans_domid != now->trans_domid ||
        act->trans_gref != now->trans_gref)
        return false;
    return !act->is_sub_page ||
           (now->is_sub_page && act->start == now->start && act->length == now->length);
}

/*
 * Pin rd's ref for ldom (Xen's map_grant_ref / acquire_grant_for_copy):
 * the first pin, or the first writable pin, validates the entry and sets
 * the status flags; the first pin records the frame and window.  A map
 * (mapflag) refuses sub-page and transitive grants; only a copy with
 * allow_transitive follows a transitive one.  Returns GNTST_*.
 */
static int16_t pin_grant(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro,
                         uint32_t inc, bool mapflag, bool allow_transitive,
                         struct grant_use *use)
{
    struct grant_table *gt = rd->gt;
    struct active_grant *act = active_entry(gt, ref), now;
    bool transitive;
    int16_t rc;

    if (act->pin && (act->domid != ldom || (act->pin & GNTPIN_overflow) ||
                     (mapflag && act->is_sub_page)))
        return GNTST_general_error;
    transitive = gt->version == 2 && !mapflag &&
                 (__atomic_load_n(&entry_header(gt, ref)->flags, __ATOMIC_SEQ_CST) &
                  GTF_type_mask) == GTF_transitive;
    if (transitive || !act->pin || (!ro && !(act->pin & GNTPIN_write_mask))) {
        if ((!act->pin || (!ro && !(act->pin & GNTPIN_write_mask))) &&
            (rc = set_status(gt, ref, act, ro, mapflag, ldom)) != GNTST_okay)
            return rc;
        now = *act;
        if (transitive)
            rc = pin_transitive(rd, ref, ro, inc, allow_transitive, &now, use);
        else if (!act->pin || !mapflag)
            rc = read_direct_entry(rd, ref, &now);
        else
            rc = GNTST_okay;              /* Xen's map: upgrade keeps the frame */
        if (rc == GNTST_okay && act->pin && !same_grant(act, &now)) {
            /* The granter changed the entry under a pin (Xen: the upgrade
             * check, or ERESTART for a transitive one). */
            if (transitive)
                unpin_grant(domain_lookup(now.trans_domid), now.trans_gref, inc, ro);
            rc = GNTST_general_error;
        }
        if (rc != GNTST_okay) {
            reduce_status(gt, ref, ro);   /* Xen's unlock_out_clear */
            return rc;
        }
        if (!act->pin) {
            now.domid = ldom;
            now.pin = 0;
            *act = now;
        }
    } else if (act->trans_domid != rd->domain_id) {
        return GNTST_bad_domain;          /* pinned transitive, no longer transitive */
    }
    act->pin += inc;
    use->frame = act->frame;
    use->start = act->start;
    use->length = act->length;
    use->owner = act->trans_domid == rd->domain_id ? rd : domain_lookup(act->trans_domid);
    return GNTST_okay;
}

/* Drop a pin; clear GTF_writing / GTF_reading when the last of that kind
 * goes; release the grant a transitive one led to (Xen's
 * release_grant_for_copy). */
static void unpin_grant(struct domain *rd, grant_ref_t ref, uint32_t dec, bool ro)
{
    struct grant_table *gt = rd->gt;
    struct active_grant *act = active_entry(gt, ref);
    domid_t tdom = act->trans_domid;
    grant_ref_t tref = act->trans_gref;
    unsigned int s;

    for (s = 0; s < 32; s += 8)
        BUG_ON(((act->pin >> s) & 0xff) < ((dec >> s) & 0xff));
    act->pin -= dec;
    reduce_status(gt, ref, ro);
    if (tdom != rd->domain_id) {
        struct domain *td = domain_lookup(tdom);

        BUG_ON(!td || !td->gt);
        unpin_grant(td, tref, dec, ro);
    }
}

/* General (and writable type) references on a granted frame; mm_lock held. */
static int16_t get_frame_refs(mfn_t f, struct domain *owner, bool rw)
{
    struct page_info *pg = mfn_to_page(f);

    if (!get_page(pg, owner))
        return GNTST_bad_page;
    if (rw && get_page_type(pg, PGT_writable, owner)) {
        put_page(pg);
        return GNTST_general_error;   /* Xen: "Could not pin grant frame" */
    }
    return GNTST_okay;
}

static void put_frame_refs(mfn_t f, bool rw)
{
    struct page_info *pg = mfn_to_page(f);

    if (rw)
        put_page_type(pg, NULL);
    put_page(pg);
}

/* ---- host mappings (Xen's create/replace_grant_pv_mapping) ---- */

/* The PTE slot for a host mapping: by linear address in v's current tables,
 * or, with GNTMAP_contains_pte, by machine address in one of v's validated
 * L1 tables.  Call with mm_lock held. */
static uint64_t *host_pte_slot(struct vcpu *v, uint64_t addr, uint32_t flags)
{
    const struct page_info *pg;
    mfn_t m;

    if (!(flags & GNTMAP_contains_pte))
        return pv_guest_l1e(v, addr);
    m = _mfn(addr >> PAGE_SHIFT);
    if ((addr & 7) || !mfn_valid(m))
        return NULL;
    pg = mfn_to_page(m);
    if (pg->owner != v->domain->domain_id || pg->type != PGT_l1 || !pg->type_count)
        return NULL;
    return (uint64_t *)((char *)mfn_to_virt(m) + (addr & (PAGE_SIZE - 1)));
}

/* After a host mapping changed: this CPU; after an unmap (others given),
 * also every other CPU running the mapping domain, since the granter may
 * reuse the frame once it is unmapped (Xen flushes there too). */
static void flush_host_addr(const struct domain *others, uint64_t addr, uint32_t flags)
{
    if (flags & GNTMAP_contains_pte)
        flush_tlb_local();
    else
        invlpg(addr);
    if (others)
        flush_tlb_others(others);
}

static uint64_t grant_pte(mfn_t f, uint32_t flags)
{
    uint64_t e = (mfn_x(f) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY |
                 _PAGE_USER;

    if (!(flags & GNTMAP_readonly))
        e |= _PAGE_RW;
    if (!(flags & GNTMAP_application_map))
        e |= _PAGE_GUEST_KERNEL;
    e |= (uint64_t)((flags >> _GNTMAP_guest_avail0) & 7) << _PAGE_AVAIL_SHIFT;
    return e;
}

/* Install the grant PTE; the caller took its references.  The old
 * entry's references are dropped (Xen: put_page_from_l1e(ol1e)). */
static int16_t create_host_mapping(struct vcpu *v, uint64_t addr, uint32_t flags, mfn_t f)
{
    uint64_t *pl1e = host_pte_slot(v, addr, flags);
    uint64_t ov;

    if (!pl1e)
        return GNTST_general_error;   /* Xen: "Could not find L1 PTE" */
    ov = __atomic_exchange_n(pl1e, grant_pte(f, flags), __ATOMIC_SEQ_CST);
    /* An empty slot needs no flush: no CPU caches a not-present entry
     * (Xen's create_grant_host_mapping flushes nothing either).  A
     * present entry replaced is flushed everywhere before its frame's
     * references go.  (Each map IPI'd dom0's other vCPUs: issue 15's
     * bench/split-io.sh.) */
    if (ov & _PAGE_PRESENT)
        flush_host_addr(v->domain, addr, flags);
    pv_put_l1e_refs(ov);
    return GNTST_okay;
}

/*
 * Remove the grant PTE at addr (or replace it with the entry taken from
 * new_addr, which is cleared); this CPU's TLB is flushed for it.  The old
 * entry goes to *old: its references are dropped by unmap_complete once
 * every other CPU has flushed (one flush per batch, as Xen's
 * gnttab_flush_tlb).  The entry must still map frame f (Xen: "PTE entry
 * doesn't match grant frame").
 */
static int16_t destroy_host_mapping(struct vcpu *v, uint64_t addr, uint32_t flags, mfn_t f,
                                    uint64_t new_addr, uint64_t *old)
{
    uint64_t *pl1e = host_pte_slot(v, addr, flags), *pnew = NULL;
    uint64_t ov, nv = 0;

    if (!pl1e)
        return GNTST_general_error;
    if (new_addr) {
        if (flags & GNTMAP_contains_pte)
            return GNTST_general_error;   /* Xen: unsupported */
        pnew = pv_guest_l1e(v, new_addr);
        if (!pnew || pnew == pl1e)
            return GNTST_general_error;
    }
    ov = __atomic_load_n(pl1e, __ATOMIC_SEQ_CST);
    do {
        if (!(ov & _PAGE_PRESENT) || !mfn_eq(pte_mfn(ov), f))
            return GNTST_general_error;
    } while (!__atomic_compare_exchange_n(pl1e, &ov, 0, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    if (pnew) {
        /* Move new_addr's entry (and the references it holds) here. */
        nv = __atomic_exchange_n(pnew, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(pl1e, nv, __ATOMIC_SEQ_CST);
        invlpg(new_addr);
    }
    flush_host_addr(NULL, addr, flags);
    *old = ov;
    return GNTST_okay;
}

/* ---- maptrack ---- */

/*
 * Free handles are kept on a list threaded through the free entries (as
 * Xen's maptrack free list), so taking and giving back a handle is O(1):
 * the list is empty only when every allocated handle is in use, and then
 * one more page of GNTTAB_MAPTRACK_PER_PAGE handles is added, up to
 * GNTTAB_MAPTRACK_PAGES.  gnttab_lock held.
 */
static void put_maptrack_handle(struct grant_table *lgt, grant_handle_t h)
{
    struct grant_mapping *map = maptrack_entry(lgt, h);

    map->flags = 0;
    map->ref = lgt->maptrack_free;
    lgt->maptrack_free = h;
}

static bool grow_maptrack(struct grant_table *lgt)
{
    unsigned int page = lgt->maptrack_limit / MAPTRACK_PER_PAGE, i;

    if (page >= GNTTAB_MAPTRACK_PAGES)
        return false;
    lgt->maptrack[page] = xzalloc_bytes(PAGE_SIZE);
    if (!lgt->maptrack[page])
        return false;
    lgt->maptrack_limit += MAPTRACK_PER_PAGE;
    for (i = MAPTRACK_PER_PAGE; i-- > 0;)       /* lowest handle first out */
        put_maptrack_handle(lgt, (grant_handle_t)(page * MAPTRACK_PER_PAGE + i));
    return true;
}

/* A free handle, taken off the free list, or NO_HANDLE if none is left. */
static grant_handle_t get_maptrack_handle(struct grant_table *lgt)
{
    grant_handle_t h;

    if (lgt->maptrack_free == NO_HANDLE && !grow_maptrack(lgt))
        return NO_HANDLE;
    h = lgt->maptrack_free;
    lgt->maptrack_free = (grant_handle_t)maptrack_entry(lgt, h)->ref;
    return h;
}

/* ---- map ---- */

static struct domain *granting_domain(domid_t id)
{
    struct domain *rd = id == DOMID_SELF ? current->domain : domain_lookup(id);

    if (!rd || !rd->gt || rd->gt->dying || rd->state == DOM_DYING)
        return NULL;
    return rd;
}

static uint32_t pin_inc(uint32_t flags)
{
    uint32_t inc = 0;
    bool ro = flags & GNTMAP_readonly;

    if (flags & GNTMAP_device_map)
        inc += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    if (flags & GNTMAP_host_map)
        inc += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    return inc;
}

/* Xen's map_grant_ref; gnttab_lock held. */
static int16_t map_grant_ref(struct vcpu *v, struct gnttab_map_grant_ref *op)
{
    struct domain *ld = v->domain, *rd;
    bool ro = op->flags & GNTMAP_readonly;
    uint32_t inc = pin_inc(op->flags);
    unsigned int nrefs = 0;
    struct grant_use use = { .owner = NULL };
    grant_handle_t h;
    mfn_t f;
    int16_t rc;

    if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
        return GNTST_bad_gntref;       /* Xen: "Bad flags in grant map op" */
    /* Xen's map_grant_ref looks the granter up by its id only
     * (rcu_lock_domain_by_id): DOMID_SELF names no domain there. */
    rd = op->dom == DOMID_SELF ? NULL : granting_domain(op->dom);
    if (!rd)
        return GNTST_bad_domain;
    h = get_maptrack_handle(ld->gt);
    if (h == NO_HANDLE)
        return GNTST_no_space;         /* Xen 4.17 (since 4.16: "maptrack
                                        * handle shortage is not IOMMU related") */
    if (op->ref >= nr_entries(rd->gt)) {
        put_maptrack_handle(ld->gt, h);
        return GNTST_bad_gntref;
    }
    rc = pin_grant(rd, op->ref, ld->domain_id, ro, inc, true, false, &use);
    f = use.frame;
    if (rc != GNTST_okay) {
        put_maptrack_handle(ld->gt, h);
        return rc;
    }

    mm_lock_acquire();
    if (op->flags & GNTMAP_device_map) {
        rc = get_frame_refs(f, rd, !ro);
        nrefs += rc == GNTST_okay;
    }
    if (rc == GNTST_okay && (op->flags & GNTMAP_host_map)) {
        rc = get_frame_refs(f, rd, !ro);
        if (rc == GNTST_okay) {
            rc = create_host_mapping(v, op->host_addr, op->flags, f);
            if (rc != GNTST_okay)
                put_frame_refs(f, !ro);
        }
    }
    if (rc != GNTST_okay && nrefs)
        put_frame_refs(f, !ro);
    mm_lock_release();
    if (rc != GNTST_okay) {
        if (rc == GNTST_bad_page)
            rc = GNTST_general_error;  /* Xen: "Could not pin grant frame" */
        unpin_grant(rd, op->ref, inc, ro);
        put_maptrack_handle(ld->gt, h);
        return rc;
    }

    *maptrack_entry(ld->gt, h) = (struct grant_mapping){
        .flags = (uint16_t)op->flags, .domid = rd->domain_id, .ref = op->ref };
    op->handle = h;
    op->dev_bus_addr = mfn_x(f) << PAGE_SHIFT;
    return GNTST_okay;
}

/* ---- unmap ---- */

/*
 * What an unmap leaves for after the batch's flush (Xen's
 * gnttab_unmap_common's "common" and unmap_common_complete): the old
 * PTE's frame references, the grant's pin and the handle are released
 * only once no CPU can still reach the frame through a stale TLB entry,
 * since the granter may reuse the frame as soon as its pin is gone.
 */
struct unmap_done {
    uint64_t old_pte;        /* its references still held (0: none) */
    struct domain *rd;       /* NULL: nothing left to do */
    grant_ref_t ref;
    grant_handle_t handle;
    uint32_t dec;
    bool ro, free_handle;
};

/* gnttab_lock held; after the flush.  The granter's table, if it is
 * dead, is freed by the caller once every unmap of the group is done. */
static void unmap_complete(struct grant_table *lgt, struct unmap_done *u)
{
    if (!u->rd)
        return;
    if (u->old_pte) {
        mm_lock_acquire();
        pv_put_l1e_refs(u->old_pte);
        mm_lock_release();
    }
    if (u->dec)
        unpin_grant(u->rd, u->ref, u->dec, u->ro);
    if (u->free_handle)
        put_maptrack_handle(lgt, u->handle);
}

/*
 * Xen's unmap_common: undo the host part (if host_addr != 0) and/or the
 * device part (if dev_bus_addr != 0) of a mapping; the handle is freed
 * when neither is left.  What must wait for the flush goes to *u
 * (unmap_complete).  gnttab_lock held.
 */
static int16_t unmap_common(struct vcpu *v, grant_handle_t handle, uint64_t host_addr,
                            uint64_t dev_bus_addr, uint64_t new_addr, struct unmap_done *u)
{
    struct grant_table *lgt = v->domain->gt;
    struct grant_mapping *map;
    struct domain *rd;
    struct active_grant *act;
    bool ro;
    uint32_t dec = 0;
    int16_t rc;

    if (handle >= lgt->maptrack_limit)
        return GNTST_bad_handle;
    map = maptrack_entry(lgt, handle);
    if (!map->flags)
        return GNTST_bad_handle;
    rd = domain_lookup(map->domid);
    if (!rd || !rd->gt || map->ref >= table_entries(rd->gt))
        return GNTST_bad_handle;       /* Xen: "Unstable handle" */
    act = active_entry(rd->gt, map->ref);
    ro = map->flags & GNTMAP_readonly;
    if (dev_bus_addr && dev_bus_addr != mfn_x(act->frame) << PAGE_SHIFT)
        return GNTST_general_error;    /* Xen: "Bus address doesn't match gntref" */

    *u = (struct unmap_done){ .rd = rd, .ref = map->ref, .handle = handle, .ro = ro };
    mm_lock_acquire();
    if (host_addr && (map->flags & GNTMAP_host_map)) {
        rc = destroy_host_mapping(v, host_addr, map->flags, act->frame, new_addr, &u->old_pte);
        if (rc != GNTST_okay) {
            mm_lock_release();
            u->rd = NULL;
            return rc;
        }
        map->flags &= ~GNTMAP_host_map;
        dec += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    }
    if (dev_bus_addr && (map->flags & GNTMAP_device_map)) {
        put_frame_refs(act->frame, !ro);
        map->flags &= ~GNTMAP_device_map;
        dec += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    }
    mm_lock_release();
    u->dec = dec;
    /* A second unmap of this handle in the same batch finds no mapping
     * left (map->flags) and fails, as in Xen; the handle itself is given
     * back after the flush. */
    u->free_handle = !(map->flags & (GNTMAP_host_map | GNTMAP_device_map));
    return GNTST_okay;
}

/* ---- copy (Xen's gnttab_copy_one) ---- */

struct copy_buf {
    struct domain *d;      /* the domain named (granter, or the caller) */
    struct grant_use use;  /* frame, its owner, usable window */
    bool pinned;           /* a grant pin to release */
    bool refs;             /* frame references to release */
    grant_ref_t ref;
    bool ro;
};

static int16_t copy_claim(struct domain *ld, const struct gnttab_copy_ptr *p, bool gref, bool ro,
                          struct copy_buf *b)
{
    int16_t rc;

    b->ro = ro;
    if (!gref) {
        /* Xen: copy by frame only for DOMID_SELF (not even one's own id). */
        if (p->domid != DOMID_SELF)
            return GNTST_permission_denied;
        b->d = ld;
        b->use = (struct grant_use){ .frame = _mfn(p->u.gmfn), .owner = ld,
                                     .start = 0, .length = PAGE_SIZE };
        if (!mfn_valid(b->use.frame))
            return GNTST_bad_page;
    } else {
        b->d = granting_domain(p->domid);
        if (!b->d)
            return GNTST_bad_domain;
        if (p->u.ref >= nr_entries(b->d->gt))
            return GNTST_bad_gntref;
        /* Xen's opt_transitive_grants (default on): a copy follows one
         * level of transitive grant. */
        rc = pin_grant(b->d, p->u.ref, ld->domain_id, ro,
                       ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc, false, true, &b->use);
        if (rc != GNTST_okay)
            return rc;
        b->pinned = true;
        b->ref = p->u.ref;
    }
    mm_lock_acquire();
    rc = get_frame_refs(b->use.frame, b->use.owner, !ro);
    mm_lock_release();
    b->refs = rc == GNTST_okay;
    return rc;
}

static void copy_release(struct copy_buf *b)
{
    if (b->refs) {
        mm_lock_acquire();
        put_frame_refs(b->use.frame, !b->ro);
        mm_lock_release();
    }
    if (b->pinned)
        unpin_grant(b->d, b->ref, b->ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc, b->ro);
}

/* The bytes [offset, offset + len) must lie in the grant's window (Xen's
 * gnttab_copy_buf: "copy source/dest out of bounds", general_error). */
static bool in_window(const struct copy_buf *b, uint16_t offset, uint16_t len)
{
    return offset >= b->use.start &&
           (uint32_t)offset + len <= (uint32_t)b->use.start + b->use.length;
}

/*
 * Offsets and length are checked against the page before anything is
 * claimed (Xen checks them after claiming both sides; only the status of
 * an op with several faults differs), against the sub-page windows
 * after.  gnttab_lock held.
 */
static int16_t gnttab_copy_one(struct domain *ld, const struct gnttab_copy *op)
{
    struct copy_buf src = { 0 }, dst = { 0 };
    int16_t rc;

    if ((uint32_t)op->source.offset + op->len > PAGE_SIZE ||
        (uint32_t)op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    rc = copy_claim(ld, &op->source, op->flags & GNTCOPY_source_gref, true, &src);
    if (rc == GNTST_okay)
        rc = copy_claim(ld, &op->dest, op->flags & GNTCOPY_dest_gref, false, &dst);
    if (rc == GNTST_okay && (!in_window(&src, op->source.offset, op->len) ||
                             !in_window(&dst, op->dest.offset, op->len)))
        rc = GNTST_general_error;
    if (rc == GNTST_okay)
        memmove((char *)mfn_to_virt(dst.use.frame) + op->dest.offset,
                (const char *)mfn_to_virt(src.use.frame) + op->source.offset, op->len);
    copy_release(&dst);
    copy_release(&src);
    return rc;
}

/* ---- single-struct commands ---- */

/* The domain a setup/query op names: oneself, or any domain for dom0. */
static int16_t target_domain(domid_t id, struct domain **out)
{
    struct domain *cd = current->domain;
    struct domain *d = id == DOMID_SELF ? cd : domain_lookup(id);

    if (!d || !d->gt || d->gt->dying)
        return GNTST_bad_domain;
    if (d != cd && !cd->is_privileged)
        return GNTST_permission_denied;   /* Xen: XSM_TARGET */
    *out = d;
    return GNTST_okay;
}

/* d's limit: createdomain's max_grant_frames (0 = the default). */
static unsigned int max_frames(const struct domain *d)
{
    return d->max_grant_frames ? MIN(d->max_grant_frames, GNTTAB_MAX_FRAMES) : GNTTAB_MAX_FRAMES;
}

static long setup_table(uint64_t uop, uint64_t count)
{
    struct gnttab_setup_table op;
    struct domain *d;
    unsigned int i;

    if (count != 1)
        return -XEN_EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -XEN_EFAULT;
    if (op.nr_frames > GNTTAB_MAX_FRAMES) {
        op.status = GNTST_general_error;
        goto out;
    }
    if (!guest_range_ok(op.frame_list, (size_t)op.nr_frames * sizeof(xen_pfn_t)))
        return -XEN_EFAULT;
    spin_lock(&gnttab_lock);
    op.status = target_domain(op.dom, &d);
    if (op.status == GNTST_okay && op.nr_frames > max_frames(d))
        op.status = GNTST_general_error;
    if (op.status == GNTST_okay && !grow_table(d, op.nr_frames))
        op.status = GNTST_general_error;   /* Xen: "Expand grant table failed" */
    for (i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
        xen_pfn_t f = mfn_x(d->gt->frames[i]);
        if (copy_to_guest(op.frame_list + i * sizeof(f), &f, sizeof(f)))
            op.status = GNTST_bad_virt_addr;
    }
    spin_unlock(&gnttab_lock);
out:
    return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long query_size(uint64_t uop, uint64_t count)
{
    struct gnttab_query_size op;
    struct domain *d;

    if (count != 1)
        return -XEN_EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -XEN_EFAULT;
    spin_lock(&gnttab_lock);
    op.status = target_domain(op.dom, &d);
    if (op.status == GNTST_okay) {
        op.nr_frames = d->gt->nr_frames;
        op.max_nr_frames = max_frames(d);
    }
    spin_unlock(&gnttab_lock);
    return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/*
 * Xen's gnttab_get_status_frames: the machine frames of the status array
 * (v2; under v1 there are none, so any nr_frames > 0 is general_error and
 * 0 is okay).  Other domains only for a privileged caller.
 */
static long get_status_frames(uint64_t uop, uint64_t count)
{
    struct gnttab_get_status_frames op;
    struct domain *d;
    unsigned int i;

    if (count != 1)
        return -XEN_EINVAL;
    if (copy_from_guest(&op, uop, sizeof(op)))
        return -XEN_EFAULT;
    /* Xen checks the list's range first (guest_handle_okay). */
    if (!guest_range_ok(op.frame_list, (size_t)op.nr_frames * sizeof(uint64_t)))
        return -XEN_EFAULT;
    if (op.nr_frames > GNTTAB_MAX_STATUS_FRAMES) {
        op.status = GNTST_general_error;  /* more than any table has */
        goto out;
    }
    spin_lock(&gnttab_lock);
    op.status = target_domain(op.dom, &d);
    if (op.status == GNTST_okay && op.nr_frames > d->gt->nr_status_frames)
        op.status = GNTST_general_error;  /* Xen: "has only %u" */
    for (i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
        uint64_t f = mfn_x(d->gt->status[i]);
        if (copy_to_guest(op.frame_list + i * sizeof(f), &f, sizeof(f)))
            op.status = GNTST_bad_virt_addr;
    }
    spin_unlock(&gnttab_lock);
out:
    return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* Is any entry but the reserved ones pinned (Xen's set_version check)? */
static bool unreserved_in_use(const struct grant_table *gt)
{
    unsigned int i, n = table_entries(gt);

    for (i = GNTTAB_NR_RESERVED_ENTRIES; i < n; i++)
        if (active_entry(gt, i)->pin)
            return true;
    return false;
}

/* v2 -> v1 keeps the reserved entries only if v1 can say them: a
 * permit_access frame below 2^32, no transitive grant (Xen: -ERANGE). */
static bool reserved_fit_v1(const struct grant_table *gt)
{
    unsigned int i;

    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        const union grant_entry_v2 *e = shared_v2(gt, i);

        switch (e->hdr.flags & GTF_type_mask) {
        case GTF_permit_access:
            if (e->full_page.frame >> 32)
                return false;
            break;
        case GTF_transitive:
            return false;
        }
    }
    return true;
}

/* The reserved entries as v1 entries (under v2: permit_access ones with
 * their status bits folded into the flags, anything else invalid; Xen). */
static void save_reserved(const struct grant_table *gt, struct grant_entry_v1 *r)
{
    unsigned int i;

    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        const union grant_entry_v2 *e = shared_v2(gt, i);

        if (gt->version == 1)
            r[i] = *shared_v1(gt, i);
        else if ((e->hdr.flags & GTF_type_mask) == GTF_permit_access)
            r[i] = (struct grant_entry_v1){ .flags = e->hdr.flags | *status_v2(gt, i),
                                            .domid = e->hdr.domid,
                                            .frame = (uint32_t)e->full_page.frame };
        else
            r[i] = (struct grant_entry_v1){ 0 };
    }
}

/* Write them back in the table's (new) version: under v2 the reading and
 * writing bits go to the status words, the rest to a full_page entry. */
static void restore_reserved(struct grant_table *gt, const struct grant_entry_v1 *r)
{
    unsigned int i;

    for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        union grant_entry_v2 *e = shared_v2(gt, i);

        if (gt->version == 1) {
            *shared_v1(gt, i) = r[i];
            continue;
        }
        *status_v2(gt, i) = r[i].flags & (GTF_reading | GTF_writing);
        e->hdr.flags = r[i].flags & ~(GTF_reading | GTF_writing);
        e->hdr.domid = r[i].domid;
        e->full_page.frame = r[i].frame;
    }
}

/*
 * Xen's gnttab_set_version, for the calling domain: 1 or 2 (else
 * -EINVAL), 2 above the domain's limit -ENOSYS (Xen with max-ver 1:
 * "behave as before set_version was introduced"), the same version 0.
 * A switch needs every entry but the 8 reserved ones unpinned (-EBUSY);
 * 2 -> 1 needs the reserved entries representable in v1 (-ERANGE) and
 * no mapping of a status frame left (-EBUSY: XSA-255, XSA-379).  The
 * reserved entries are converted (a mapping of one stays valid, its
 * status bits moved), the rest of the table is cleared, status frames are
 * made (1 -> 2, one per 8 grant frames) or freed (2 -> 1).  The version
 * in force is written back every time.
 */
static long set_version(uint64_t uop)
{
    struct gnttab_set_version op;
    struct domain *d = current->domain;
    struct grant_table *gt = d->gt;
    struct grant_entry_v1 reserved[GNTTAB_NR_RESERVED_ENTRIES];
    unsigned int max = d->max_grant_version ? d->max_grant_version : GNTTAB_MAX_VERSION;
    unsigned int i;
    long rc = 0;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -XEN_EFAULT;
    spin_lock(&gnttab_lock);
    if (op.version != 1 && op.version != 2)
        rc = -XEN_EINVAL;
    else if (op.version > max)
        rc = -XEN_ENOSYS;
    else if (op.version == gt->version)
        rc = 0;
    else if (unreserved_in_use(gt))
        rc = -XEN_EBUSY;
    else if (gt->version == 2 && !reserved_fit_v1(gt))
        rc = -XEN_ERANGE;
    else if (gt->version == 1 && !grow_status(d, gt->nr_frames)) {
        drop_status_frames(gt);           /* Xen frees the ones it made */
        rc = -XEN_ENOMEM;
    } else {
        save_reserved(gt, reserved);
        if (gt->version == 2)
            rc = drop_status_frames(gt);
        if (rc == 0) {
            /* No crud left over from the old version (Xen). */
            for (i = 0; i < gt->nr_frames; i++)
                memset(mfn_to_virt(gt->frames[i]), 0, PAGE_SIZE);
            gt->version = op.version;
            restore_reserved(gt, reserved);
        }
    }
    op.version = gt->version;
    spin_unlock(&gnttab_lock);
    return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : rc;
}

static long get_version(uint64_t uop)
{
    struct gnttab_get_version op;
    struct domain *cd = current->domain, *d;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -XEN_EFAULT;
    d = op.dom == DOMID_SELF ? cd : domain_lookup(op.dom);
    if (!d || !d->gt)
        return -XEN_ESRCH;
    if (d != cd && !cd->is_privileged)
        return -XEN_EPERM;
    spin_lock(&gnttab_lock);
    op.version = d->gt->version;
    spin_unlock(&gnttab_lock);
    return copy_to_guest(uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* ---- batches ---- */

/* One element of a map/unmap/copy batch: copy in, act under the lock,
 * copy out; an unmap's releases go to *u (unmap_complete). */
static long batch_one(unsigned int cmd, uint64_t ua, struct unmap_done *u)
{
    struct vcpu *v = current;
    union {
        struct gnttab_map_grant_ref map;
        struct gnttab_unmap_grant_ref unmap;
        struct gnttab_unmap_and_replace rep;
        struct gnttab_copy copy;
    } op;
    size_t size = cmd == GNTTABOP_map_grant_ref ? sizeof(op.map)
                : cmd == GNTTABOP_unmap_grant_ref ? sizeof(op.unmap)
                : cmd == GNTTABOP_unmap_and_replace ? sizeof(op.rep) : sizeof(op.copy);

    if (copy_from_guest(&op, ua, size))
        return -XEN_EFAULT;
    spin_lock(&gnttab_lock);
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        v->vs.grant_maps++;
        op.map.status = map_grant_ref(v, &op.map);
        break;
    case GNTTABOP_unmap_grant_ref:
        op.unmap.status = unmap_common(v, op.unmap.handle, op.unmap.host_addr,
                                       op.unmap.dev_bus_addr, 0, u);
        break;
    case GNTTABOP_unmap_and_replace:
        op.rep.status = unmap_common(v, op.rep.handle, op.rep.host_addr, 0, op.rep.new_addr, u);
        break;
    default:
        v->vs.grant_copies++;
        op.copy.status = gnttab_copy_one(v->domain, &op.copy);
        break;
    }
    spin_unlock(&gnttab_lock);
    return copy_to_guest(ua, &op, size) ? -XEN_EFAULT : 0;
}

/* Unmaps are completed in groups of this many, one flush of the other
 * CPUs each (Xen's GNTTAB_UNMAP_BATCH_SIZE). */
#define UNMAP_GROUP 32

/* Flush every other CPU running the caller, then release what the unmaps
 * of the group left (Xen: gnttab_flush_tlb, then unmap_common_complete). */
static void unmap_group_end(struct unmap_done *u, unsigned int n)
{
    struct domain *d = current->domain;
    unsigned int i;
    bool any = false;

    for (i = 0; i < n; i++)
        any |= u[i].rd != NULL;
    if (!any)
        return;
    flush_tlb_others(d);
    spin_lock(&gnttab_lock);
    for (i = 0; i < n; i++)
        unmap_complete(d->gt, &u[i]);
    for (i = 0; i < n; i++)
        if (u[i].rd)
            maybe_free_dead_table(u[i].rd);
    spin_unlock(&gnttab_lock);
}

static long batch(unsigned int cmd, uint64_t uop, uint64_t count, size_t size)
{
    struct unmap_done done[UNMAP_GROUP];
    bool unmaps = cmd == GNTTABOP_unmap_grant_ref || cmd == GNTTABOP_unmap_and_replace;
    unsigned int n = 0;
    uint64_t i;
    long rc = 0;

    for (i = 0; i < count; i++) {
        if (i && (!(i % HYPERCALL_CHUNK) || hypercall_preempt_check()) &&
            hypercall_may_preempt()) {
            hypercall_continue(cmd, uop + i * size, count - i, 0);
            break;
        }
        if (n == UNMAP_GROUP) {
            unmap_group_end(done, n);
            n = 0;
        }
        done[n].rd = NULL;
        rc = batch_one(cmd, uop + i * size, &done[n]);
        if (unmaps)
            n++;
        if (rc)
            break;
    }
    unmap_group_end(done, n);
    return rc;
}

/*
 * __HYPERVISOR_grant_table_op.  Per-op failures are GNTST_* in the op's
 * status; the call itself fails only when the array cannot be read or
 * written (-EFAULT), the count is wrong (-EINVAL) or the command is
 * unknown or not implemented (-ENOSYS).
 */
long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count)
{
    if (!current->domain->gt)
        return -XEN_ENOSYS;
    if (cmd >> 6 || count > 0x7fffffffUL)
        return -XEN_EINVAL;   /* Xen: continuation bits in cmd, (int)count < 0 */
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        return batch((unsigned int)cmd, uop, count, sizeof(struct gnttab_map_grant_ref));
    case GNTTABOP_unmap_grant_ref:
        return batch((unsigned int)cmd, uop, count, sizeof(struct gnttab_unmap_grant_ref));
    case GNTTABOP_unmap_and_replace:
        return batch((unsigned int)cmd, uop, count, sizeof(struct gnttab_unmap_and_replace));
    case GNTTABOP_copy:
        return batch((unsigned int)cmd, uop, count, sizeof(struct gnttab_copy));
    case GNTTABOP_setup_table:
        return setup_table(uop, count);
    case GNTTABOP_query_size:
        return query_size(uop, count);
    case GNTTABOP_set_version:
        return set_version(uop);
    case GNTTABOP_get_version:
        return get_version(uop);
    case GNTTABOP_get_status_frames:
        return get_status_frames(uop, count);
    case GNTTABOP_transfer:            /* not implemented */
    case GNTTABOP_swap_grant_ref:      /* not implemented */
    case GNTTABOP_dump_table:          /* not implemented */
    case GNTTABOP_cache_flush:         /* Arm only in Xen: -ENOSYS on x86 */
    default:
        return -XEN_ENOSYS;
    }
}

/* ---- domain death ---- */

/* Xen's gnttab_release_mappings: forget what d maps of others' grants. */
static void release_mappings(struct domain *d)
{
    struct grant_table *lgt = d->gt;
    grant_handle_t h;

    for (h = 0; h < lgt->maptrack_limit; h++) {
        struct grant_mapping *map = maptrack_entry(lgt, h);
        struct domain *rd;
        bool ro = map->flags & GNTMAP_readonly;
        uint32_t dec;

        if (!map->flags)
            continue;
        rd = domain_lookup(map->domid);
        BUG_ON(!rd || !rd->gt);
        dec = pin_inc(map->flags);
        if (map->flags & GNTMAP_device_map) {
            mm_lock_acquire();
            put_frame_refs(active_entry(rd->gt, map->ref)->frame, !ro);
            mm_lock_release();
        }
        /* A host mapping's references belong to its PTE: they go when
         * pv_relinquish_memory tears d's page tables down. */
        unpin_grant(rd, map->ref, dec, ro);
        put_maptrack_handle(lgt, h);
        if (rd != d)
            maybe_free_dead_table(rd);
    }
}

void gnttab_destroy(struct domain *d)
{
    struct grant_table *gt = d->gt;
    unsigned int i;

    if (!gt || gt->dying)
        return;
    spin_lock(&gnttab_lock);
    release_mappings(d);
    gt->dying = true;
    mm_lock_acquire();
    for (i = 0; i < gt->nr_frames; i++)
        pv_unshare_xen_frame(gt->frames[i]);
    for (i = 0; i < gt->nr_status_frames; i++)
        pv_unshare_xen_frame(gt->status[i]);
    mm_lock_release();
    maybe_free_dead_table(d);
    spin_unlock(&gnttab_lock);
}
