/*
 * The machine frame allocator, after Xen's xen/common/page_alloc.c.
 *
 * Boot allocator: page_alloc_add_range/page_alloc_reserve build a bitmap
 * of free frames from the boot loader's memory map; the few allocations
 * made before the frame table exists (the boot page tables, the frame
 * table itself) take the first fitting run in it.
 *
 * Heap (from page_alloc_enable_frame_table on, Xen's end_boot_allocator):
 * a binary buddy allocator.  Free memory is kept in blocks of 2^order
 * frames aligned to their size, on one list per zone and order.  A zone
 * is the frames whose number has the same bit width (Xen's page_to_zone:
 * zone z holds frames [2^(z-1), 2^z), zone 1 also frame 0), so an address
 * limit is a highest zone and no block spans two zones.  An allocation
 * takes the highest zone that has a block large enough and splits it;
 * a free merges the block with its buddy while the buddy is a free block
 * of the same order and zone.  Cost: one probe per non-empty zone in the
 * range, one split or merge per order (page_alloc_visits counts them),
 * never a scan of memory.
 *
 * The DMA zone: frames below 2^dma_bits bytes (Xen's dma_bitsize;
 * command line dma_bits=).  Guest memory without an address restriction
 * (alloc_domheap_frames) comes from above it while any is left there, as
 * in Xen; below it only while more than dma_pool frames stay free there
 * (Xen 3's dma_emergency_pool=, which Keel turns on by default): that
 * reserve is for dom0's device requests (MEMF_dma_ok: address_bits <= 32,
 * its swiotlb's XENMEM_exchange) and for the hypervisor.
 *
 * Frames are zeroed when allocated; a freed frame is stamped on the
 * TLB-flush clock and its next allocation flushes the CPUs that may
 * still hold it (flush_freed_run).
 *
 * Locking: heap_lock protects the bitmap, the free counts, the buddy
 * lists and links[], and the heap free lists; frame_table entries of free
 * frames are only touched under it.  It nests inside mm_lock.
 */
#include <keel/mm.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/spinlock.h>
#include <keel/domain.h>
#include <keel/tlbflush.h>

#define MAX_PHYS_ADDR (64UL << 30)
#define MAX_FRAMES (MAX_PHYS_ADDR >> PAGE_SHIFT)
#define NR_ZONES 25                 /* zones 1..24: frame numbers up to 24 bits */
#define MAX_ORDER 18                /* 1 GiB blocks */
#define NO_FRAME UINT32_MAX
_Static_assert(MAX_FRAMES <= (1UL << (NR_ZONES - 1)), "a zone for every frame");

/* Allocator-private state of each frame; meaningful on the first frame of
 * a free block only (head).  Kept apart from the frame table, which the
 * rest of the hypervisor writes. */
struct free_link {
    uint32_t next, prev;            /* the block's list, NO_FRAME at the ends */
    uint8_t order;
    bool head;                      /* first frame of a free block on a list */
};

static uint64_t free_bitmap[MAX_FRAMES / 64];
static spinlock_t heap_lock = SPIN_LOCK_UNLOCKED;
static uint64_t nr_free;
static uint64_t nr_ram;          /* frames page_alloc_add_range() made free */
static uint64_t first_ram = ~0UL;/* the lowest of them */
static uint64_t search_hint;     /* boot allocator */
static bool frame_table_ready;   /* the heap is in use */
struct page_info *frame_table;
uint64_t max_mfn;
uint64_t page_alloc_visits;

static struct free_link *links;
static uint32_t list_head[NR_ZONES][MAX_ORDER + 1], list_tail[NR_ZONES][MAX_ORDER + 1];
static uint32_t order_mask[NR_ZONES];  /* bit k: the zone has a free order-k block */
static uint32_t zone_mask;             /* bit z: zone z has a free block */
static unsigned int dma_bits, dma_zone;
static uint64_t dma_pool = ~0UL, dma_avail;   /* reserve; free frames in the DMA zone */

static bool frame_is_free(uint64_t f) { return free_bitmap[f / 64] & (1UL << (f % 64)); }
static void mark_free(uint64_t f) { free_bitmap[f / 64] |= 1UL << (f % 64); }
static void mark_used(uint64_t f) { free_bitmap[f / 64] &= ~(1UL << (f % 64)); }

/* Boot: add usable RAM [start, end) to the allocator. */
void page_alloc_add_range(paddr_t start, paddr_t end)
{
    uint64_t f;

    if (end > MAX_PHYS_ADDR)
        end = MAX_PHYS_ADDR;
    for (f = ROUNDUP(start, PAGE_SIZE) >> PAGE_SHIFT; f < end >> PAGE_SHIFT; f++) {
        if (!frame_is_free(f)) {
            mark_free(f);
            nr_free++;
            nr_ram++;
        }
        first_ram = MIN(first_ram, f);
        if (f + 1 > max_mfn)
            max_mfn = f + 1;
    }
}

/* Boot: take [start, end) out of the allocator (image, modules, ...). */
void page_alloc_reserve(paddr_t start, paddr_t end)
{
    uint64_t f;

    if (end > MAX_PHYS_ADDR)
        end = MAX_PHYS_ADDR;
    for (f = start >> PAGE_SHIFT; f < ROUNDUP(end, PAGE_SIZE) >> PAGE_SHIFT; f++) {
        if (frame_is_free(f)) {
            mark_used(f);
            nr_free--;
        }
    }
}

/* Boot allocator: a run of n free frames starting at a multiple of align. */
static uint64_t find_run(uint64_t n, uint64_t limit_frame, uint64_t align)
{
    uint64_t f, run = 0, start = 0, pass;

    for (pass = 0; pass < 2; pass++) {
        uint64_t from = pass ? 0 : search_hint;
        run = 0;
        for (f = from; f < limit_frame; f++) {
            if (!(f % 64) && !free_bitmap[f / 64] && f + 64 <= limit_frame) {
                run = 0;
                f += 63;
                continue;
            }
            if (frame_is_free(f) && (run || !(f & (align - 1)))) {
                if (!run)
                    start = f;
                if (++run == n)
                    return start;
            } else {
                run = 0;
            }
        }
    }
    return ~0UL;
}

/* ---- the buddy heap (heap_lock held) ---- */

/* Xen's page_to_zone: the bit width of the frame number (frame 0: zone 1). */
static unsigned int zone_of(uint64_t f)
{
    return f < 2 ? 1 : 64 - (unsigned int)__builtin_clzl(f);
}

/* The highest zone all of whose frames are below frame `limit` (>= 1). */
static unsigned int zone_below(uint64_t limit)
{
    unsigned int z = 63 - (unsigned int)__builtin_clzl(limit);

    return MIN(z, NR_ZONES - 1u);
}

static void list_unlink(unsigned int z, unsigned int k, uint32_t f)
{
    struct free_link *l = &links[f];

    if (l->prev == NO_FRAME)
        list_head[z][k] = l->next;
    else
        links[l->prev].next = l->next;
    if (l->next == NO_FRAME)
        list_tail[z][k] = l->prev;
    else
        links[l->next].prev = l->prev;
    l->head = false;
    if (list_head[z][k] == NO_FRAME) {
        order_mask[z] &= ~(1u << k);
        if (!order_mask[z])
            zone_mask &= ~(1u << z);
    }
}

/* Freed blocks go to the tail, split halves to the head: blocks freed
 * long ago (whose TLB stamps are most likely old) are reused first. */
static void list_insert(unsigned int z, unsigned int k, uint32_t f, bool tail)
{
    struct free_link *l = &links[f];

    *l = (struct free_link){ .order = (uint8_t)k, .head = true, .next = NO_FRAME,
                             .prev = NO_FRAME };
    if (list_head[z][k] == NO_FRAME) {
        list_head[z][k] = list_tail[z][k] = f;
    } else if (tail) {
        l->prev = list_tail[z][k];
        links[l->prev].next = f;
        list_tail[z][k] = f;
    } else {
        l->next = list_head[z][k];
        links[l->next].prev = f;
        list_head[z][k] = f;
    }
    order_mask[z] |= 1u << k;
    zone_mask |= 1u << z;
}

static void zone_count(unsigned int z, int64_t n)
{
    if (z <= dma_zone)
        dma_avail += (uint64_t)n;
}

/*
 * A free block of 2^order frames from the highest zone in [zlo, zhi]
 * that has one (Xen's alloc_heap_pages): the smallest large-enough block
 * of that zone, split down, the upper half kept each time.  NO_FRAME if
 * none.  Frames stay marked free in the bitmap.
 */
static uint64_t take_block(unsigned int zlo, unsigned int zhi, unsigned int order)
{
    uint32_t zones, f;
    unsigned int z, k;

    if (zlo > zhi)
        return NO_FRAME;
    zones = zone_mask & (uint32_t)((2UL << zhi) - (1UL << zlo));
    while (zones) {
        z = 31 - (unsigned int)__builtin_clz(zones);
        zones &= ~(1u << z);
        page_alloc_visits++;
        if (!(order_mask[z] >> order))
            continue;
        k = order + (unsigned int)__builtin_ctz(order_mask[z] >> order);
        f = list_head[z][k];
        list_unlink(z, k, f);
        while (k > order) {
            k--;
            page_alloc_visits++;
            list_insert(z, k, f, false);
            f += 1u << k;
        }
        zone_count(z, -(int64_t)(1UL << order));
        return f;
    }
    return NO_FRAME;
}

/* Xen's free_heap_pages: merge with free buddies of the same zone. */
static void give_block(uint64_t f, unsigned int order)
{
    unsigned int z = zone_of(f);

    zone_count(z, (int64_t)(1UL << order));
    while (order < MAX_ORDER) {
        uint64_t b = f ^ (1UL << order);
        if (b >= max_mfn || !links[b].head || links[b].order != order || zone_of(b) != z)
            break;
        page_alloc_visits++;
        list_unlink(z, order, (uint32_t)b);
        f &= ~(1UL << order);
        order++;
    }
    list_insert(z, order, (uint32_t)f, true);
}

/* Free frames [s, e) to the heap as the largest aligned blocks. */
static void give_range(uint64_t s, uint64_t e)
{
    while (s < e) {
        unsigned int k = s ? MIN((unsigned int)__builtin_ctzl(s), (unsigned int)MAX_ORDER) : 1;
        while (s + (1UL << k) > e)
            k--;
        give_block(s, k);
        s += 1UL << k;
    }
}

/* ---- allocation ---- */

/*
 * A freed frame may still be in the TLB of a CPU that had it mapped (a
 * guest can drop a mapping without a flush, and a frame whose owner died
 * is freed when its last mapping goes): before the frames are used, flush
 * every CPU that has not flushed since the latest of their stamps (Xen's
 * accumulate_tlbflush / filtered_flush_tlb_mask in alloc_heap_pages).
 * Until then nobody writes them, not even the zeroing below.
 */
static void flush_freed_run(uint64_t f, uint64_t n)
{
    uint32_t stamp = 0;
    bool need = false;
    uint64_t i;

    if (!frame_table_ready)
        return;
    for (i = 0; i < n; i++)
        tlbflush_accumulate(&need, &stamp, &frame_table[f + i]);
    if (need)
        flush_tlb_since(stamp);
}

/*
 * One frame zeroed with 64-bit stores.  lib.c's memset stores a byte at a
 * time: zeroing every frame of a new domain that way was most of `keel
 * create` for a 128 MiB domain under QEMU's TCG (4-6 s of 7,
 * bench/create.sh, docs/benchmarks.md).  An asm, not a C loop, which the
 * compiler could turn back into a call to that memset.
 */
static void zero_frame(void *v)
{
    unsigned long n = PAGE_SIZE / 8;

    asm volatile("rep stosq" : "+D"(v), "+c"(n) : "a"(0UL) : "memory");
}

/* Frames [f, f + n) taken from the free memory: flushed, reset, zeroed.
 * Called with heap_lock held; drops it. */
static mfn_t hand_out(uint64_t f, uint64_t n, bool zero)
{
    uint64_t i;

    for (i = 0; i < n; i++) {
        BUG_ON(!frame_is_free(f + i));
        mark_used(f + i);
    }
    nr_free -= n;
    spin_unlock(&heap_lock);
    flush_freed_run(f, n);
    for (i = 0; i < n; i++) {
        if (frame_table_ready) {
            struct page_info *pg = &frame_table[f + i];
            memset(pg, 0, sizeof(*pg));
            pg->owner = OWNER_NONE;
        }
        if (zero)
            zero_frame(frame_table_ready ? mfn_to_virt(_mfn(f + i))
                                         : (void *)(KEEL_VIRT_START + ((f + i) << PAGE_SHIFT)));
    }
    return _mfn(f);
}

/* Boot allocator: first fit below limit_frame. */
static mfn_t boot_alloc(uint64_t n, uint64_t limit_frame, bool zero)
{
    uint64_t f;

    spin_lock(&heap_lock);
    if (limit_frame > max_mfn)
        limit_frame = max_mfn;
    f = find_run(n, limit_frame, 1);
    if (f == ~0UL) {
        spin_unlock(&heap_lock);
        return INVALID_MFN;
    }
    search_hint = f + n;
    return hand_out(f, n, zero);
}

static unsigned int order_for(uint64_t n)
{
    unsigned int k = 0;

    while ((1UL << k) < n)
        k++;
    return k;
}

/*
 * n contiguous frames below frame `limit` for the hypervisor: a block of
 * the next power of two from any zone (Xen's alloc_xenheap_pages; the
 * DMA reserve does not apply), the frames past n given back at once.
 */
static mfn_t hv_alloc(uint64_t n, uint64_t limit, bool zero)
{
    unsigned int order = order_for(n);
    uint64_t f;

    if (!frame_table_ready)
        return boot_alloc(n, limit, zero);
    if (!n || order > MAX_ORDER || limit < 2)
        return INVALID_MFN;
    spin_lock(&heap_lock);
    f = take_block(1, zone_below(limit), order);
    if (f == NO_FRAME) {
        spin_unlock(&heap_lock);
        return INVALID_MFN;
    }
    give_range(f + n, f + (1UL << order));
    return hand_out(f, n, zero);
}

mfn_t alloc_frame(void)
{
    return hv_alloc(1, max_mfn, true);
}

mfn_t alloc_frame_below(paddr_t limit)
{
    return hv_alloc(1, limit >> PAGE_SHIFT, true);
}

mfn_t alloc_frames_contig(uint64_t n)
{
    return hv_alloc(n, max_mfn, true);
}

/*
 * Guest memory, Xen's alloc_domheap_pages with its DMA rule: above the
 * DMA zone first (what the limit allows of it); then, unless MEMF_no_dma,
 * from the DMA zone - with MEMF_dma_ok always, otherwise only while more
 * than the reserve stays free there (Xen 3's dma_emergency_pool), so that
 * no other domain's memory, address-limited or not, takes it.
 */
mfn_t alloc_domheap_frames(unsigned int order, unsigned int memflags)
{
    unsigned int bits = memflags >> _MEMF_bits, zone_hi = NR_ZONES - 1;
    uint64_t f = NO_FRAME;

    if (!frame_table_ready || order > MAX_ORDER || (bits && bits <= PAGE_SHIFT))
        return INVALID_MFN;
    if (bits)
        zone_hi = MIN(bits - PAGE_SHIFT, NR_ZONES - 1u);
    spin_lock(&heap_lock);
    if (zone_hi > dma_zone)
        f = take_block(dma_zone + 1, zone_hi, order);
    if (f == NO_FRAME && !(memflags & MEMF_no_dma) &&
        ((memflags & MEMF_dma_ok) || dma_avail >= dma_pool + (1UL << order)))
        f = take_block(1, MIN(zone_hi, dma_zone), order);
    if (f == NO_FRAME) {
        spin_unlock(&heap_lock);
        return INVALID_MFN;
    }
    return hand_out(f, 1UL << order, true);
}

/* The frame may still be in TLBs (a mapping dropped without a flush):
 * stamped, so that its next allocation flushes whoever may hold it.  A
 * frame that is already free is left alone (a hypervisor bug, logged). */
void free_frame(mfn_t mfn)
{
    uint64_t f = mfn_x(mfn);
    struct page_info *pg;

    if (f >= max_mfn)
        return;
    pg = mfn_to_page(mfn);
    spin_lock(&heap_lock);
    if (frame_is_free(f)) {
        spin_unlock(&heap_lock);
        printk_lvl(LOG_WARN, "free_frame: mfn %lx is already free\n", f);
        return;
    }
    memset(pg, 0, sizeof(*pg));
    pg->owner = OWNER_NONE;
    pg->flags = PGC_free | PGC_stale_free;
    page_stamp_tlb(pg);
    mark_free(f);
    nr_free++;
    if (frame_table_ready)
        give_block(f, 0);
    spin_unlock(&heap_lock);
}

uint64_t free_frame_count(void)
{
    return nr_free;
}

/* Free memory a guest can still get: all of it but the DMA reserve
 * (Xen 3's avail_domheap_pages). */
uint64_t domheap_free_count(void)
{
    uint64_t dma;

    if (!frame_table_ready)
        return nr_free;
    dma = dma_avail > dma_pool ? dma_avail - dma_pool : 0;
    return nr_free - dma_avail + dma;
}

/* RAM frames given to the allocator at boot (XEN_SYSCTL_physinfo). */
uint64_t total_frame_count(void)
{
    return nr_ram;
}

void page_alloc_set_dma(unsigned int bits, uint64_t pool_frames)
{
    dma_bits = bits;
    dma_pool = pool_frames;
}

/*
 * Xen 4.17's arch_get_dma_bitsize for one node: the DMA zone covers a
 * quarter of the frames from the lowest RAM frame, at most 4 GiB.  The
 * reserve: an eighth of the DMA zone's free memory, at most 64 MiB (what
 * Linux's swiotlb takes by default).
 */
static void dma_defaults(void)
{
    uint64_t f, first = first_ram < max_mfn ? first_ram : 0, span = (max_mfn - first) / 4;

    if (!dma_bits)
        dma_bits = MIN(64 - (unsigned int)__builtin_clzl(MAX(first + span - 1, 1UL)) +
                       PAGE_SHIFT, 32u);
    dma_bits = MAX(dma_bits, PAGE_SHIFT + 1);
    dma_zone = MIN(dma_bits - PAGE_SHIFT, NR_ZONES - 1u);
    if (dma_pool == ~0UL) {
        uint64_t below = 0, top = MIN(max_mfn, 1UL << dma_zone);
        for (f = first; f < top; f++)
            below += frame_is_free(f);
        dma_pool = MIN(below / 8, (64UL << 20) >> PAGE_SHIFT);
    }
}

/* Xen's end_boot_allocator: every frame still free goes to the heap. */
static void heap_init(void)
{
    uint64_t f, s;
    unsigned int z, k;

    for (z = 0; z < NR_ZONES; z++)
        for (k = 0; k <= MAX_ORDER; k++)
            list_head[z][k] = list_tail[z][k] = NO_FRAME;
    for (f = 0; f < max_mfn; f++)
        links[f] = (struct free_link){ .next = NO_FRAME, .prev = NO_FRAME };
    dma_defaults();
    for (f = 0; f < max_mfn; f = s) {
        for (; f < max_mfn && !frame_is_free(f); f++)
            ;
        for (s = f; s < max_mfn && frame_is_free(s); s++)
            ;
        give_range(f, s);
    }
    page_alloc_visits = 0;
}

/*
 * Boot: allocate and initialise the frame table once paging is final,
 * with the allocator's links after it, and hand the free memory to the
 * heap.
 */
void page_alloc_enable_frame_table(void)
{
    uint64_t bytes = ROUNDUP(max_mfn * (sizeof(struct page_info) + sizeof(struct free_link)),
                             PAGE_SIZE);
    mfn_t m = boot_alloc(bytes >> PAGE_SHIFT, max_mfn, false);
    uint64_t f;

    if (mfn_eq(m, INVALID_MFN))
        panic("no memory for the frame table (%lu bytes)", bytes);
    frame_table = mfn_to_virt(m);
    links = (struct free_link *)(frame_table + max_mfn);
    for (f = 0; f < max_mfn; f++) {
        frame_table[f] = (struct page_info){ .owner = OWNER_NONE };
        if (frame_is_free(f))
            frame_table[f].flags = PGC_free;
        else
            frame_table[f].owner = OWNER_XEN;
    }
    spin_lock(&heap_lock);
    heap_init();
    frame_table_ready = true;
    spin_unlock(&heap_lock);
    printk("memory: buddy heap ready; DMA zone below %u bits, %lu MiB of it kept for "
           "device requests\n", dma_bits, dma_pool >> 8);
}

/* ---- the hypervisor heap ---- */

#define HEAP_MIN_SHIFT 5
#define HEAP_MAX_SHIFT 11
struct heap_free { struct heap_free *next; };
static struct heap_free *heap_lists[HEAP_MAX_SHIFT + 1];

void *xzalloc_bytes(size_t size)
{
    unsigned int shift = HEAP_MIN_SHIFT;
    struct heap_free *h;

    if (size > (1UL << HEAP_MAX_SHIFT)) {
        uint64_t n = ROUNDUP(size, PAGE_SIZE) >> PAGE_SHIFT;
        mfn_t m = alloc_frames_contig(n);
        if (mfn_eq(m, INVALID_MFN))
            return NULL;
        mfn_to_page(m)->owner = OWNER_XEN;
        mfn_to_page(m)->flags = PGC_xen_heap;
        mfn_to_page(m)->type_count = (uint32_t)n;   /* run length for xfree */
        return mfn_to_virt(m);
    }
    while ((1UL << shift) < size)
        shift++;
    spin_lock(&heap_lock);
    if (!heap_lists[shift]) {
        spin_unlock(&heap_lock);
        mfn_t m = alloc_frame();
        char *p;
        unsigned int i;
        if (mfn_eq(m, INVALID_MFN))
            return NULL;
        mfn_to_page(m)->owner = OWNER_XEN;
        mfn_to_page(m)->flags = PGC_xen_heap;
        mfn_to_page(m)->type_count = 0;   /* 0: sliced into heap objects */
        p = mfn_to_virt(m);
        spin_lock(&heap_lock);
        for (i = 0; i < PAGE_SIZE >> shift; i++) {
            h = (struct heap_free *)(p + (i << shift));
            h->next = heap_lists[shift];
            heap_lists[shift] = h;
        }
    }
    h = heap_lists[shift];
    heap_lists[shift] = h->next;
    spin_unlock(&heap_lock);
    memset(h, 0, 1UL << shift);
    /* Remember the bucket in the object's slot of a per-page size table:
     * we simply keep size classes per page in the page's 'pad' byte. */
    mfn_to_page(virt_to_mfn(h))->pad = (uint8_t)shift;
    return h;
}

void xfree(void *p)
{
    struct page_info *pg;
    struct heap_free *h = p;

    if (!p)
        return;
    pg = mfn_to_page(virt_to_mfn(p));
    if (pg->type_count) {
        uint64_t i, n = pg->type_count;
        mfn_t m = virt_to_mfn(p);
        for (i = 0; i < n; i++)
            free_frame(_mfn(mfn_x(m) + i));
        return;
    }
    spin_lock(&heap_lock);
    h->next = heap_lists[pg->pad];
    heap_lists[pg->pad] = h;
    spin_unlock(&heap_lock);
}
