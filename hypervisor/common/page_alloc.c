/*
 * The machine frame allocator: a bitmap of free frames built from the
 * boot loader's memory map, plus a small power-of-two heap for hypervisor
 * objects.  Locking: heap_lock protects the bitmap, the free counts and
 * the heap free lists; frame_table entries of free frames are only
 * touched under it.
 */
#include <keel/mm.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/spinlock.h>
#include <keel/domain.h>
#include <keel/tlbflush.h>

#define MAX_PHYS_ADDR (64UL << 30)
#define MAX_FRAMES (MAX_PHYS_ADDR >> PAGE_SHIFT)

static uint64_t free_bitmap[MAX_FRAMES / 64];
static spinlock_t heap_lock = SPIN_LOCK_UNLOCKED;
static uint64_t nr_free;
static uint64_t nr_ram;          /* frames page_alloc_add_range() made free */
static uint64_t search_hint;
static bool frame_table_ready;
struct page_info *frame_table;
uint64_t max_mfn;

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

/* A run of n free frames starting at a multiple of align (a power of two). */
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

static mfn_t alloc_run_aligned(uint64_t n, uint64_t limit_frame, uint64_t align, bool zero)
{
    uint64_t f, i;

    spin_lock(&heap_lock);
    if (limit_frame > max_mfn)
        limit_frame = max_mfn;
    f = find_run(n, limit_frame, align);
    if (f == ~0UL) {
        spin_unlock(&heap_lock);
        return INVALID_MFN;
    }
    for (i = 0; i < n; i++)
        mark_used(f + i);
    nr_free -= n;
    search_hint = f + n;
    spin_unlock(&heap_lock);
    flush_freed_run(f, n);
    for (i = 0; i < n; i++) {
        if (frame_table_ready) {
            struct page_info *pg = &frame_table[f + i];
            memset(pg, 0, sizeof(*pg));
            pg->owner = OWNER_NONE;
        }
        if (zero) {
            void *v = frame_table_ready ? mfn_to_virt(_mfn(f + i))
                                        : (void *)(KEEL_VIRT_START + ((f + i) << PAGE_SHIFT));
            memset(v, 0, PAGE_SIZE);
        }
    }
    return _mfn(f);
}

static mfn_t alloc_run(uint64_t n, uint64_t limit_frame, bool zero)
{
    return alloc_run_aligned(n, limit_frame, 1, zero);
}

mfn_t alloc_frame(void)
{
    return alloc_run(1, max_mfn, true);
}

mfn_t alloc_frame_below(paddr_t limit)
{
    return alloc_run(1, limit >> PAGE_SHIFT, true);
}

mfn_t alloc_frames_contig(uint64_t n)
{
    return alloc_run(n, max_mfn, true);
}

/*
 * 2^order zeroed frames aligned to their size (as Xen's buddy allocator
 * gives extents), all below frame limit_frame.  Guests' reservation
 * extents come from here (common/reservation.c).
 */
mfn_t alloc_frames_aligned(unsigned int order, uint64_t limit_frame)
{
    if (order >= 32)
        return INVALID_MFN;
    return alloc_run_aligned(1UL << order, limit_frame, 1UL << order, true);
}

/* The frame may still be in TLBs (a mapping dropped without a flush):
 * stamped, so that its next allocation flushes whoever may hold it. */
void free_frame(mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    memset(pg, 0, sizeof(*pg));
    pg->owner = OWNER_NONE;
    pg->flags = PGC_free | PGC_stale_free;
    page_stamp_tlb(pg);
    spin_lock(&heap_lock);
    if (!frame_is_free(mfn_x(mfn))) {
        mark_free(mfn_x(mfn));
        nr_free++;
    }
    spin_unlock(&heap_lock);
}

uint64_t free_frame_count(void)
{
    return nr_free;
}

/* RAM frames given to the allocator at boot (XEN_SYSCTL_physinfo). */
uint64_t total_frame_count(void)
{
    return nr_ram;
}

/* Boot: allocate and initialise the frame table once paging is final. */
void page_alloc_enable_frame_table(void)
{
    uint64_t bytes = ROUNDUP(max_mfn * sizeof(struct page_info), PAGE_SIZE);
    mfn_t m = alloc_run(bytes >> PAGE_SHIFT, max_mfn, false);
    uint64_t f;

    if (mfn_eq(m, INVALID_MFN))
        panic("no memory for the frame table (%lu bytes)", bytes);
    frame_table = mfn_to_virt(m);
    for (f = 0; f < max_mfn; f++) {
        frame_table[f] = (struct page_info){ .owner = OWNER_NONE };
        if (frame_is_free(f))
            frame_table[f].flags = PGC_free;
        else
            frame_table[f].owner = OWNER_XEN;
    }
    frame_table_ready = true;
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
        mfn_t m = alloc_run(n, max_mfn, true);
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
