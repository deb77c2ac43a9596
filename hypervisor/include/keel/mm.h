/*
 * Machine memory: the frame allocator, the frame table and the direct map.
 *
 * Every machine frame has a struct page_info.  Ownership and the type
 * model follow Xen: a frame has one owner (a domain, the hypervisor, or
 * nobody when free), a general reference count, and a type (none,
 * writable, L1-L4 page table, segment descriptor page) with a type count;
 * the type can change only while the type count is zero.  Locking: the
 * counts are updated with atomic compare-and-swap; the allocator has its
 * own lock (heap_lock in common/page_alloc.c).
 */
#ifndef KEEL_MM_H
#define KEEL_MM_H
#include <keel/types.h>
#include <asm/config.h>

struct domain;

enum page_type {
    PGT_none = 0,
    PGT_writable = 1,
    PGT_l1 = 2,
    PGT_l2 = 3,
    PGT_l3 = 4,
    PGT_l4 = 5,
    PGT_seg_desc = 6,
};

#define PGC_allocated   (1u << 0)   /* domain holds its allocation reference */
#define PGC_xen_heap    (1u << 1)   /* hypervisor-owned (e.g. shared_info) */
#define PGC_pinned      (1u << 2)   /* page table pinned by the guest */
#define PGC_validated   (1u << 3)   /* current type's contents validated */
#define PGC_free        (1u << 4)
/* The type count dropped to zero from writable / from a table type: TLBs
 * may still hold entries made through the old type until they flush.
 * PGC_stale_free: a free frame that TLBs may still hold.  In each case
 * tlbflush_timestamp says when that use ended (keel/tlbflush.h). */
#define PGC_stale_writable (1u << 5)
#define PGC_stale_table    (1u << 6)
#define PGC_stale_free     (1u << 7)
/*
 * Preemptible (de)validation of page tables (Xen's PGT_partial, XSA-45;
 * arch/x86_64/pv_mm.c): a table whose validation or devalidation stopped
 * half-way is PGC_partial, with type_count 1; its guest entries below
 * its nr_validated (bits 16-25 of flags) hold their references, and with
 * PGC_partial_entry entry nr_validated holds a "partial" reference on a
 * lower table that is itself partial.  The partial state's type
 * reference and one general reference belong to whoever holds it:
 * an upper table's partial entry or a vCPU's pt_undo (PGC_partial_held:
 * only that holder may continue it), or nobody (an interrupted
 * validation: the next get of the same type adopts and continues it).
 */
#define PGC_partial        (1u << 8)
#define PGC_partial_held   (1u << 9)
#define PGC_partial_entry  (1u << 10)
#define PGC_nr_shift       16
#define PGC_nr_mask        (0x3ffu << PGC_nr_shift)

struct page_info {
    uint32_t count;        /* general references */
    uint32_t type_count;   /* references to the current type */
    uint8_t type;          /* enum page_type */
    uint8_t pad;
    uint16_t owner;        /* domid of the owner, DOMID_INVALID if none */
    uint32_t flags;        /* PGC_* */
    uint32_t tlbflush_timestamp;   /* TLB-flush clock when the PGC_stale_* use ended */
};
_Static_assert(sizeof(struct page_info) == 20, "page_info is 20 bytes");

#define OWNER_NONE 0x7ff4u   /* DOMID_INVALID */
#define OWNER_XEN  0x7ff2u   /* DOMID_XEN */

extern struct page_info *frame_table;
extern uint64_t max_mfn;       /* one past the highest machine frame */

static inline struct page_info *mfn_to_page(mfn_t mfn) { return &frame_table[mfn_x(mfn)]; }
static inline mfn_t page_to_mfn(const struct page_info *pg) { return _mfn((uint64_t)(pg - frame_table)); }
static inline bool mfn_valid(mfn_t mfn) { return mfn_x(mfn) < max_mfn; }

/* The direct map: every machine frame at DIRECTMAP_VIRT_START + maddr. */
static inline void *maddr_to_virt(paddr_t pa) { return (void *)(DIRECTMAP_VIRT_START + pa); }
static inline void *mfn_to_virt(mfn_t mfn) { return maddr_to_virt(mfn_x(mfn) << PAGE_SHIFT); }
static inline paddr_t virt_to_maddr(const void *v)
{
    uint64_t va = (uint64_t)v;
    if (va >= KEEL_VIRT_START && va < KEEL_VIRT_START + (1UL << 30))
        return va - KEEL_VIRT_START;
    return va - DIRECTMAP_VIRT_START;
}
static inline mfn_t virt_to_mfn(const void *v) { return _mfn(virt_to_maddr(v) >> PAGE_SHIFT); }

/* The machine-to-phys table, written by the hypervisor through the direct map. */
/* The machine-to-phys table (RO_MPT): which guest frame each machine frame
 * is (INVALID_GFN: none). */
void m2p_set(mfn_t mfn, gfn_t gfn);
gfn_t m2p_get(mfn_t mfn);

/* Frame allocator (common/page_alloc.c). */
void page_alloc_add_range(paddr_t start, paddr_t end);
void page_alloc_reserve(paddr_t start, paddr_t end);
void page_alloc_enable_frame_table(void);
/* Hypervisor memory (any zone, the DMA reserve included), zeroed;
 * INVALID_MFN if none. */
mfn_t alloc_frame(void);
mfn_t alloc_frame_below(paddr_t limit);/* early boot: below the 1 GiB boot window */
extern paddr_t directmap_limit;        /* machine memory below this is directly mapped */
mfn_t alloc_frames_contig(uint64_t n);  /* n contiguous zeroed frames */
/*
 * Guest memory (Xen's alloc_domheap_pages): 2^order zeroed frames aligned
 * to their size.  memflags as Xen's: MEMF_bits(n) asks for frames below
 * 2^n bytes; MEMF_no_dma never takes memory below the DMA boundary.
 * MEMF_dma_ok (Keel's) may take the DMA reserve: the hardware domain's
 * device requests only.
 */
#define MEMF_no_dma   (1u << 0)
#define MEMF_dma_ok   (1u << 1)
#define _MEMF_bits    8
#define MEMF_bits(n)  ((unsigned int)(n) << _MEMF_bits)
mfn_t alloc_domheap_frames(unsigned int order, unsigned int memflags);
uint64_t domheap_free_count(void);   /* what guests may still get (the DMA reserve left out) */
/* Boot, before page_alloc_enable_frame_table: the DMA boundary (dma_bits,
 * 0: Xen's default) and the reserve kept below it (~0: the default). */
void page_alloc_set_dma(unsigned int bits, uint64_t pool_frames);
extern uint64_t page_alloc_visits;   /* the allocator's work (list probes, splits, merges) */
void free_frame(mfn_t mfn);
uint64_t free_frame_count(void);
uint64_t total_frame_count(void);     /* RAM frames at boot */
#define INVALID_MFN _mfn(~0UL)
#define mfn_eq(a, b) (mfn_x(a) == mfn_x(b))

/* Heap (sub-page allocations carved from frames, hypervisor-only). */
void *xzalloc_bytes(size_t size);
#define xzalloc(type) ((type *)xzalloc_bytes(sizeof(type)))
void xfree(void *p);

/* Domain memory (common/page_alloc.c). */
int assign_frame_to_domain(struct domain *d, mfn_t mfn);
void free_domain_frames(struct domain *d);

/* Hypervisor page tables (arch/x86_64/mm.c). */
void mm_init_paging(paddr_t max_ram);
void mm_fill_hypervisor_slots(uint64_t *l4);
void map_pages_hv(uint64_t va, mfn_t mfn, uint64_t nr, uint64_t flags);
/* Clear nr 4 KiB mappings at va (entries made by map_pages_hv). */
void unmap_pages_hv(uint64_t va, uint64_t nr);
extern uint64_t idle_l4_maddr;

#endif
