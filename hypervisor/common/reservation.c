/*
 * Memory reservations of PV domains, after Xen's xen/common/memory.c
 * (increase_reservation, decrease_reservation, populate_physmap,
 * memory_exchange); the ABI is public/memory.h.
 *
 * For a PV guest a "GMFN" is a machine frame number: decrease and
 * exchange name the frames to give up by MFN; increase and populate
 * report the new frames' MFNs in extent_start; populate also writes the
 * M2P entries for the GPFNs it was given (the guest updates its own P2M).
 *
 * Every allocation counts against max_pages (tot_pages + extent <=
 * max_pages, else the batch stops with the count done).  A frame is given
 * up only when the domain holds nothing on it but its allocation
 * reference: no mapping, no type (page table, descriptor page, writable),
 * no pin, not a hypervisor page.  Xen (since XSA-252) instead drops the
 * allocation reference and frees the frame when its last reference goes;
 * Keel refuses that extent, so a frame in use never leaves tot_pages
 * while it still exists (docs/hypervisor.md).
 *
 * Locking: mm_lock (arch/x86_64/pv_mm.c) protects tot_pages, the frames'
 * owner, flags and counts, and the exchange scratch lists below; the
 * allocator's heap_lock nests inside it.  Guest memory is read and
 * written outside mm_lock, except during an exchange chunk.
 */
#include <keel/reservation.h>
#include <keel/pv_mm.h>
#include <keel/hypercall.h>
#include <keel/guest_access.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <public/memory.h>

#define INVALID_M2P_ENTRY (~0UL)
#define NUMA_NO_NODE 0xffu
#define MAX_LIST_ENTRIES (1UL << 44)    /* 8-byte entries in a 2^47-byte guest half */

/* One increase/decrease/populate batch, decoded. */
struct memop {
    struct domain *d;
    uint64_t list;              /* extent_start; 0 = none (increase only) */
    uint64_t nr_extents;
    uint64_t nr_done;           /* IN: first extent; OUT: extents done */
    unsigned int order;
    unsigned int memflags;      /* for alloc_domheap_frames (memflags_for) */
    bool preempted;
};

static unsigned int max_order(const struct domain *cur)
{
    return cur->is_privileged ? MEMOP_MAX_ORDER_HWDOM : MEMOP_MAX_ORDER_DOMU;
}

/* Xen's propagate_node with a single NUMA node (0) and no vNUMA. */
static bool node_ok(uint32_t flags)
{
    unsigned int node = XENMEMF_get_node(flags);

    if (flags & XENMEMF_vnode)
        return false;
    if (node == NUMA_NO_NODE)
        return !(flags & XENMEMF_exact_node_request);
    return node == 0;
}

/* XENMEMF_address_bits as a frame limit (~0: none; 0 when bits <= 12). */
static uint64_t address_limit(uint32_t flags)
{
    unsigned int bits = XENMEMF_get_address_bits(flags);

    if (!bits || bits - PAGE_SHIFT >= 64)
        return ~0UL;
    return bits <= PAGE_SHIFT ? 0 : 1UL << (bits - PAGE_SHIFT);
}

/*
 * Allocation flags for memory going to d: its address limit; a limit of
 * at most 32 bits for the hardware domain is a device's (Linux's swiotlb
 * exchanges its buffer below 4 GiB) and may take the DMA reserve
 * (page_alloc.c); no other domain's memory may, whatever its limit.
 */
static unsigned int memflags_for(const struct domain *d, uint32_t mem_flags)
{
    unsigned int bits = XENMEMF_get_address_bits(mem_flags);
    unsigned int f = MEMF_bits(bits);

    if (d->is_privileged && bits && bits <= 32)
        f |= MEMF_dma_ok;
    return f;
}

/* Entries first..last of a guest list of 8-byte entries are in guest space. */
static bool list_ok(uint64_t base, uint64_t first, uint64_t last)
{
    if (first > last || last >= MAX_LIST_ENTRIES)
        return false;
    return guest_range_ok(base + first * 8, (last - first + 1) * 8);
}

/* The domain a request names: itself, or any domain for a privileged one
 * (Xen's XSM_TARGET default).  NULL with *rc set otherwise. */
static struct domain *memop_target(domid_t id, int *rc)
{
    struct domain *cur = current->domain, *d;

    d = id == DOMID_SELF ? cur : domain_lookup(id);
    if (!d || d->state == DOM_DYING) {
        *rc = -XEN_ESRCH;
        return NULL;
    }
    if (d != cur && !cur->is_privileged) {
        *rc = -XEN_EPERM;
        return NULL;
    }
    return d;
}

/* Whether frames [base, base + n) are all machine frames. */
static bool frames_valid(uint64_t base, uint64_t n)
{
    return base < max_mfn && n <= max_mfn - base;
}

/*
 * Xen's steal_page condition: the domain's own frame with nothing but the
 * allocation reference on it.  mm_lock held.
 */
static bool frame_removable(const struct domain *d, mfn_t m)
{
    const struct page_info *pg = mfn_to_page(m);

    return pg->owner == d->domain_id && (pg->flags & PGC_allocated) &&
           !(pg->flags & (PGC_xen_heap | PGC_pinned)) && pg->count == 1 &&
           pg->type_count == 0;
}

/* A frame leaves its domain for the allocator.  mm_lock held. */
static void release_frame(mfn_t m)
{
    m2p_set(m, INVALID_GFN);
    free_frame(m);
}

/* Fresh frames become d's (allocation reference only, M2P invalid until
 * the guest or populate sets it).  mm_lock held. */
static void assign_extent(struct domain *d, mfn_t m, unsigned int order)
{
    uint64_t j;

    for (j = 0; j < (1UL << order); j++) {
        mfn_t f = _mfn(mfn_x(m) + j);
        struct page_info *pg = mfn_to_page(f);
        *pg = (struct page_info){ .owner = d->domain_id, .flags = PGC_allocated, .count = 1 };
        m2p_set(f, INVALID_GFN);
    }
}

/* One new extent for d within max_pages, or INVALID_MFN.  mm_lock held. */
static mfn_t alloc_extent(struct domain *d, unsigned int order, unsigned int memflags)
{
    uint64_t n = 1UL << order;
    mfn_t m;

    if (d->tot_pages + n > d->max_pages) {
        gdprintk("d%u: memory_op: %lu + %lu pages over max_pages %lu\n", d->domain_id,
                 d->tot_pages, n, d->max_pages);
        return INVALID_MFN;
    }
    m = alloc_domheap_frames(order, memflags);
    if (mfn_eq(m, INVALID_MFN)) {
        gdprintk("d%u: memory_op: no order-%u extent (address bits %u)\n", d->domain_id,
                 order, memflags >> _MEMF_bits);
        return m;
    }
    assign_extent(d, m, order);
    d->tot_pages += n;
    d->ballooned_pages -= MIN(d->ballooned_pages, n);
    return m;
}

/* Give up the extent at gmfn, all of it or nothing.  mm_lock held. */
static bool remove_extent(struct domain *d, uint64_t gmfn, unsigned int order)
{
    uint64_t n = 1UL << order, j;

    if (!frames_valid(gmfn, n))
        return false;
    for (j = 0; j < n; j++) {
        if (!frame_removable(d, _mfn(gmfn + j))) {
            gdprintk("d%u: decrease_reservation: mfn %lx in use or not the domain's\n",
                     d->domain_id, gmfn + j);
            return false;
        }
    }
    for (j = 0; j < n; j++)
        release_frame(_mfn(gmfn + j));
    d->tot_pages -= n;
    d->ballooned_pages += n;
    return true;
}

/* Preempt before extent i once MEMOP_CHUNK_PAGES pages were handled, or
 * once the lock has been held for HYPERCALL_PREEMPT_NS after at least one
 * extent (so every call makes progress). */
static bool memop_preempt(struct memop *a, uint64_t first, uint64_t i)
{
    if (i == first || !hypercall_may_preempt())
        return false;
    if (((i - first) << a->order) < MEMOP_CHUNK_PAGES && !hypercall_preempt_check())
        return false;
    a->preempted = true;
    return true;
}

/*
 * The worker loops.  As in Xen, an extent whose MFN cannot be written
 * back to the guest stays allocated (and counted) but is not counted as
 * done: the guest may already use it, so it cannot be taken back safely.
 */
static void increase_reservation(struct memop *a)
{
    uint64_t first = a->nr_done, i;
    mfn_t m;

    for (i = first; i < a->nr_extents && !memop_preempt(a, first, i); i++) {
        mm_lock_acquire();
        m = alloc_extent(a->d, a->order, a->memflags);
        mm_lock_release();
        if (mfn_eq(m, INVALID_MFN))
            break;
        if (a->list && copy_to_guest(a->list + i * 8, &m, sizeof(m)))
            break;
    }
    a->nr_done = i;
}

static void populate_physmap(struct memop *a)
{
    uint64_t first = a->nr_done, i, j;
    xen_pfn_t raw;
    gfn_t gpfn;
    mfn_t m;

    for (i = first; i < a->nr_extents && !memop_preempt(a, first, i); i++) {
        if (copy_from_guest(&raw, a->list + i * 8, sizeof(raw)))
            break;
        gpfn = _gfn(raw);
        mm_lock_acquire();
        m = alloc_extent(a->d, a->order, a->memflags);
        if (!mfn_eq(m, INVALID_MFN))
            for (j = 0; j < (1UL << a->order); j++)
                m2p_set(_mfn(mfn_x(m) + j), gfn_add(gpfn, j));
        mm_lock_release();
        if (mfn_eq(m, INVALID_MFN))
            break;
        if (copy_to_guest(a->list + i * 8, &m, sizeof(m)))
            break;
    }
    a->nr_done = i;
}

static void decrease_reservation(struct memop *a)
{
    uint64_t first = a->nr_done, i, gmfn;
    bool ok;

    for (i = first; i < a->nr_extents && !memop_preempt(a, first, i); i++) {
        if (copy_from_guest(&gmfn, a->list + i * 8, sizeof(gmfn)))
            break;
        mm_lock_acquire();
        ok = remove_extent(a->d, gmfn, a->order);
        mm_lock_release();
        if (!ok)
            break;
    }
    a->nr_done = i;
}

/* All checks of a reservation request; no side effects. */
static int memop_decode(unsigned int op, const struct xen_memory_reservation *r,
                        uint64_t start, struct memop *a)
{
    const struct domain *cur = current->domain;
    int rc = 0;

    /* The count done must fit in cmd's upper bits for a continuation. */
    if (r->nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT))
        return -XEN_EINVAL;
    if (r->extent_order > max_order(cur))
        return -XEN_EPERM;
    if (op != XENMEM_decrease_reservation) {
        if (!node_ok(r->mem_flags))
            return -XEN_EINVAL;
        /* Xen refuses address_bits <= PAGE_SHIFT (nothing fits). */
        if (XENMEMF_get_address_bits(r->mem_flags) && !address_limit(r->mem_flags))
            return -XEN_EINVAL;
        /* Populate-on-demand is for translated (HVM) guests only. */
        if (op == XENMEM_populate_physmap && (r->mem_flags & XENMEMF_populate_on_demand))
            return -XEN_EINVAL;
    }
    /* Increase may pass no list (the guest does not want the MFNs). */
    if ((r->extent_start || op != XENMEM_increase_reservation) &&
        !list_ok(r->extent_start, start, r->nr_extents - 1))
        return -XEN_EFAULT;
    *a = (struct memop){
        .list = r->extent_start, .nr_extents = r->nr_extents, .nr_done = start,
        .order = r->extent_order,
    };
    a->d = memop_target(r->domid, &rc);
    if (!a->d)
        return rc;
    a->memflags = memflags_for(a->d, r->mem_flags);
    return 0;
}

long memory_reservation_op(unsigned int op, uint64_t start_extent, uint64_t arg)
{
    struct xen_memory_reservation r;
    struct memop a;
    int rc;

    /* Xen answers every refusal of these three with the count done. */
    if (copy_from_guest(&r, arg, sizeof(r)))
        return (long)start_extent;
    if (start_extent >= r.nr_extents)
        return (long)start_extent;
    rc = memop_decode(op, &r, start_extent, &a);
    if (rc) {
        gdprintk("d%u: memory_op %u refused (%d): %lu extents of order %u, flags %x, dom %u\n",
                 current->domain->domain_id, op, rc, r.nr_extents, r.extent_order,
                 r.mem_flags, r.domid);
        return (long)start_extent;
    }
    if (op == XENMEM_increase_reservation)
        increase_reservation(&a);
    else if (op == XENMEM_decrease_reservation)
        decrease_reservation(&a);
    else
        populate_physmap(&a);
    if (a.preempted)
        hypercall_continue(op | (a.nr_done << MEMOP_EXTENT_SHIFT), arg, 0, 0);
    return (long)a.nr_done;
}

/* ---- exchange ---- */

/* Scratch for one exchange chunk, guarded by mm_lock: the input extents'
 * first frames and the output extents. */
static uint64_t exch_in[1UL << MEMOP_MAX_ORDER_HWDOM];
static mfn_t exch_out[1UL << MEMOP_MAX_ORDER_HWDOM];

struct exchange {
    struct xen_memory_exchange x;
    struct domain *d;
    unsigned int in_chunk, out_chunk;   /* orders: input/output extents per chunk */
    unsigned int memflags;          /* of the output extents */
};

/* Xen's memory_exchange checks, in Xen's order and with its errors. */
static int exchange_decode(struct exchange *e)
{
    const struct xen_memory_exchange *x = &e->x;
    const struct domain *cur = current->domain;
    int rc = 0;

    if (MAX(x->in.extent_order, x->out.extent_order) > max_order(cur))
        return -XEN_EPERM;
    if (x->nr_exchanged > x->in.nr_extents || x->in.domid != x->out.domid ||
        (~0UL >> x->in.extent_order) < x->in.nr_extents ||
        (~0UL >> x->out.extent_order) < x->out.nr_extents ||
        (x->in.nr_extents << x->in.extent_order) != (x->out.nr_extents << x->out.extent_order))
        return -XEN_EINVAL;
    if (x->nr_exchanged == x->in.nr_extents)
        return 0;
    if (!list_ok(x->in.extent_start, x->nr_exchanged, x->in.nr_extents - 1))
        return -XEN_EFAULT;
    if (x->in.extent_order <= x->out.extent_order) {
        e->in_chunk = x->out.extent_order - x->in.extent_order;
        e->out_chunk = 0;
        if (!list_ok(x->out.extent_start, x->nr_exchanged >> e->in_chunk,
                     x->out.nr_extents - 1))
            return -XEN_EFAULT;
    } else {
        e->in_chunk = 0;
        e->out_chunk = x->in.extent_order - x->out.extent_order;
        if (x->nr_exchanged > (MAX_LIST_ENTRIES >> e->out_chunk) ||
            !list_ok(x->out.extent_start, x->nr_exchanged << e->out_chunk,
                     x->out.nr_extents - 1))
            return -XEN_EFAULT;
    }
    if (!node_ok(x->out.mem_flags))
        return -XEN_EINVAL;
    e->d = memop_target(x->in.domid, &rc);
    if (!e->d)
        return rc;
    e->memflags = memflags_for(e->d, x->out.mem_flags);
    return 0;
}

/* Give back the first `stolen` input frames of a failed chunk. */
static void exchange_unsteal(const struct exchange *e, uint64_t stolen)
{
    uint64_t j, k, n = 1UL << e->x.in.extent_order;

    for (j = 0; stolen; j++)
        for (k = 0; k < n && stolen; k++, stolen--)
            mfn_to_page(_mfn(exch_in[j] + k))->flags |= PGC_allocated;
}

/*
 * Take the chunk's input frames from the guest: clearing PGC_allocated
 * stops new references and makes a frame listed twice fail.  Returns the
 * frames taken in *stolen.  mm_lock held.
 */
static int exchange_steal(const struct exchange *e, uint64_t chunk, uint64_t *stolen)
{
    uint64_t j, k, n = 1UL << e->x.in.extent_order;

    *stolen = 0;
    for (j = 0; j < (1UL << e->in_chunk); j++) {
        if (copy_from_guest(&exch_in[j], e->x.in.extent_start +
                            ((chunk << e->in_chunk) + j) * 8, 8))
            return -XEN_EFAULT;
        if (!frames_valid(exch_in[j], n))
            return -XEN_EINVAL;
        for (k = 0; k < n; k++) {
            struct page_info *pg = mfn_to_page(_mfn(exch_in[j] + k));
            if (!frame_removable(e->d, _mfn(exch_in[j] + k))) {
                gdprintk("d%u: exchange: mfn %lx in use or not the domain's\n",
                         e->d->domain_id, exch_in[j] + k);
                return -XEN_EINVAL;
            }
            pg->flags &= ~PGC_allocated;
            (*stolen)++;
        }
    }
    return 0;
}

/* Hand the output extents to the guest; nothing can be undone now. */
static int exchange_commit(const struct exchange *e, uint64_t chunk)
{
    uint64_t j, k, in_pages = (1UL << e->in_chunk) << e->x.in.extent_order;
    xen_pfn_t gpfn;
    unsigned int order = e->x.out.extent_order;
    int rc = 0;

    for (j = 0; j < in_pages; j++)
        release_frame(_mfn(exch_in[j >> e->x.in.extent_order] +
                           (j & ((1UL << e->x.in.extent_order) - 1))));
    for (j = 0; j < (1UL << e->out_chunk); j++) {
        uint64_t slot = e->x.out.extent_start + ((chunk << e->out_chunk) + j) * 8;
        assign_extent(e->d, exch_out[j], order);
        /* As Xen: an unreadable GPFN is ignored (the M2P stays invalid). */
        if (!copy_from_guest(&gpfn, slot, 8))
            for (k = 0; k < (1UL << order); k++)
                m2p_set(_mfn(mfn_x(exch_out[j]) + k), _gfn(gpfn + k));
        if (copy_to_guest(slot, &exch_out[j], 8))
            rc = -XEN_EFAULT;
    }
    return rc;
}

/* One chunk, all or nothing (up to the MFN write-back, as in Xen). */
static int exchange_chunk(const struct exchange *e, uint64_t chunk)
{
    uint64_t stolen, nout = 0, j, k;
    unsigned int order = e->x.out.extent_order;
    int rc;

    mm_lock_acquire();
    rc = exchange_steal(e, chunk, &stolen);
    while (!rc && nout < (1UL << e->out_chunk)) {
        exch_out[nout] = alloc_domheap_frames(order, e->memflags);
        if (mfn_eq(exch_out[nout], INVALID_MFN))
            rc = -XEN_ENOMEM;
        else
            nout++;
    }
    if (rc) {
        for (j = 0; j < nout; j++)
            for (k = 0; k < (1UL << order); k++)
                free_frame(_mfn(mfn_x(exch_out[j]) + k));
        exchange_unsteal(e, stolen);
    } else {
        rc = exchange_commit(e, chunk);
    }
    mm_lock_release();
    return rc;
}

long memory_exchange(uint64_t arg)
{
    struct exchange e = { 0 };
    uint64_t i, first, nr_chunks;
    int rc;

    if (copy_from_guest(&e.x, arg, sizeof(e.x)))
        return -XEN_EFAULT;
    rc = exchange_decode(&e);
    if (rc || e.x.nr_exchanged == e.x.in.nr_extents)
        goto out;
    first = e.x.nr_exchanged >> e.in_chunk;
    nr_chunks = e.x.in.nr_extents >> e.in_chunk;
    for (i = first; i < nr_chunks; i++) {
        unsigned int pages_order = MAX(e.x.in.extent_order, e.x.out.extent_order);
        if (i > first && hypercall_may_preempt() &&
            (((i - first) << pages_order) >= MEMOP_CHUNK_PAGES || hypercall_preempt_check())) {
            e.x.nr_exchanged = i << e.in_chunk;
            if (copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged),
                              &e.x.nr_exchanged, sizeof(e.x.nr_exchanged)))
                return -XEN_EFAULT;
            hypercall_continue(XENMEM_exchange, arg, 0, 0);
            return 0;
        }
        rc = exchange_chunk(&e, i);
        if (rc) {
            /* As Xen: a chunk that failed only in the MFN write-back
             * was exchanged but is not counted. */
            e.x.nr_exchanged = i << e.in_chunk;
            goto out;
        }
    }
    e.x.nr_exchanged = e.x.in.nr_extents;
out:
    if (copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged),
                      &e.x.nr_exchanged, sizeof(e.x.nr_exchanged)))
        rc = -XEN_EFAULT;
    return rc;
}
