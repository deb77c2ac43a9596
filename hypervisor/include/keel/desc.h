/*
 * Validation of guest segment descriptors (GDT/LDT entries) for PV guests,
 * with Xen's check_descriptor semantics (xen/arch/x86/pv/descriptor-tables.c,
 * formerly xen/arch/x86/x86_64/mm.c).  Rules: docs/elf-loading.md.
 */
#ifndef KEEL_DESC_H
#define KEEL_DESC_H
#include <keel/types.h>

/* Xen's reserved GDT area (public/arch-x86/xen.h): entries 7168.. = 0xe000.. */
#define DESC_FIRST_RESERVED_GDT_ENTRY 7168u
#define DESC_FLAT_KERNEL_CS64 0xe033u   /* FLAT_RING3_CS64 */
#define DESC_FLAT_KERNEL_CS32 0xe019u   /* FLAT_RING1_CS (compat kernel) */

/*
 * Checks one 8-byte descriptor a guest wants in its GDT or LDT, and fixes
 * it up in place as Xen does:
 *  - not present: accepted unchanged;
 *  - code/data (S=1): DPL raised to the guest kernel's ring (3 for a 64-bit
 *    guest, 1 for a 32-bit one); a 32-bit guest may not have L=1 segments;
 *  - system type 0 (the upper half of a 64-bit gate): accepted unchanged;
 *  - 64-bit call gate (type 0xc): target selector must be a guest selector
 *    (below the reserved area, or in the LDT) or the flat kernel CS;
 *    rewritten to DPL 0 with the original DPL in the selector's RPL, so any
 *    use traps to the hypervisor; reserved bits must be zero;
 *  - anything else (LDT, TSS, interrupt/trap/task gates): refused.
 * On false, *desc is unchanged.  The caller checks the 16-byte pairing of a
 * call gate by checking both halves.
 */
bool desc_check(uint64_t *desc, bool is_64bit_guest);

#endif
