/* x86-64 page-table entry bits and index helpers. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H
#include <keel/types.h>

#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_PWT      0x008UL
#define _PAGE_PCD      0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define _PAGE_PSE      0x080UL
#define _PAGE_PAT      0x080UL   /* in an L1 entry */
#define _PAGE_GLOBAL   0x100UL
#define _PAGE_NX       (1UL << 63)
#define PADDR_MASK     0x000ffffffffff000UL

#define L1_IDX(va) (((va) >> 12) & 511)
#define L2_IDX(va) (((va) >> 21) & 511)
#define L3_IDX(va) (((va) >> 30) & 511)
#define L4_IDX(va) (((va) >> 39) & 511)

static inline mfn_t pte_mfn(uint64_t pte) { return _mfn((pte & PADDR_MASK) >> 12); }
static inline uint64_t mfn_pte(mfn_t mfn, uint64_t flags) { return (mfn_x(mfn) << 12) | flags; }
#endif
