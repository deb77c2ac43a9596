/*
 * Shared by tlb-granter (domain 1) and tlb-mapper (domain 2) of
 * tests/boot/run-tlb.sh: a frame that leaves a mapping must leave every
 * TLB before it can be reused (docs/security.md, class 5).
 *
 * The granter grants one page T read-write (ref 8) and a mailbox page
 * (ref 9) to the mapper.  The mapper maps T, writes through the mapping
 * (so its CPU's TLB holds a writable entry for T) and drops the mapping
 * with update_va_mapping(va, 0, UVMF_NONE), an ordinary page-table update
 * that asks for no flush.  Then T is reused as a page table:
 *
 *  mode=dead: the granter dies first, so dropping the mapping frees T;
 *    the mapper gets T back from increase_reservation (address_bits keeps
 *    the allocator below T) and pins it as an L1;
 *  mode=live: the granter (colluding) makes its own mapping of T
 *    read-only and pins T as an L1 while the mapper spins on its CPU.
 *
 * The mapper then writes through its dropped mapping.  That write must
 * fault: if it lands, a domain has written a page table directly.  Under
 * QEMU's TCG a stale TLB entry is real (QEMU models the TLB and flushes
 * it only on CR3 writes and invlpg), so the test shows the defect.
 */
#ifndef TLB_COMMON_H
#define TLB_COMMON_H
#include "lib/xdom.h"

#define TLB_GRANTER 1
#define TLB_MAPPER 2
#define TLB_REF_T 8
#define TLB_REF_MBOX 9
#define TLB_SLOT 5                      /* the L1 entry the mapper tries to write */
#define TLB_MARK 0x5a5a5a5a5a5a5a00UL   /* not present: harmless even in an L1 */

enum tlb_state { TS_INIT, TS_MAPPED, TS_ZAPPED, TS_PINNED, TS_WRITTEN };

struct tlb_mbox {
	volatile uint64_t state;        /* enum tlb_state */
	volatile uint64_t t_mfn;        /* T's machine frame (granter writes it) */
	volatile uint64_t faults;       /* traps the mapper's write took */
};

enum tlb_mode { TM_DEAD, TM_LIVE };

static inline enum tlb_mode tlb_mode(void)
{
	return cmdline_num("live=", 0) ? TM_LIVE : TM_DEAD;
}

/* Spin (no blocking: the CPU must keep this domain's TLB) until the
 * mailbox reaches `want` or ms pass. */
static inline bool tlb_spin_for(struct tlb_mbox *mb, uint64_t want, uint64_t ms)
{
	uint64_t end = system_time_ns() + ms * 1000000UL;

	while (mb->state < want) {
		if (system_time_ns() > end)
			return false;
		__asm__ volatile("pause" ::: "memory");
	}
	return true;
}

#endif
