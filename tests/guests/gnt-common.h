/*
 * Shared by the grant-table test guests (gnt-granter, gnt-mapper, and the
 * version-2 pair gnt2-granter, gnt2-mapper): the
 * page patterns, the hand-over word, and a sleep (set_timer_op +
 * SCHEDOP_block with VIRQ_TIMER bound and events masked, as idle.c).
 */
#ifndef GNT_COMMON_H
#define GNT_COMMON_H
#include "lib/guest.h"
#include <public/grant_table.h>

#define GNT_GRANTER 1             /* domain ids from the boot description order */
#define GNT_MAPPER 2
#define GNT_REF_RW 8
#define GNT_REF_RO 9
#define GNT_DONE_OFF 4088         /* the mapper's "done" word in the RW page */
#define GNT_DONE_MAGIC 0x656e6f645f746e67UL

/* The version-2 pair (domains 3 and 4 of run-gnttab.sh). */
#define GNT2_GRANTER 3
#define GNT2_MAPPER 4
#define GNT2_REF_SUB 10           /* sub_page grant: bytes [GNT2_SUB_OFF, +GNT2_SUB_LEN) */
#define GNT2_REF_TRANS 11         /* transitive grant: the mapper's own ref GNT2_MAPPER_REF */
#define GNT2_MAPPER_REF 12        /* in the mapper's (v1) table, granted to the granter */
#define GNT2_SUB_OFF 1024
#define GNT2_SUB_LEN 512

static inline uint8_t pat_granter(unsigned int i) { return (uint8_t)(i * 7 + 3); }
static inline uint8_t pat_ro(unsigned int i) { return (uint8_t)(i * 13 + 5); }
static inline uint8_t pat_copy(unsigned int i) { return (uint8_t)(i * 5 + 0x41); }
static inline uint8_t pat_mapper(unsigned int i) { return (uint8_t)((i * 11 + 1) ^ 0x5a); }
static inline uint8_t pat_own(unsigned int i) { return (uint8_t)((i * 3 + 9) ^ 0xa5); }

static inline long gnttab_op(unsigned int cmd, void *op, unsigned int count)
{
	return HC(__HYPERVISOR_grant_table_op, cmd, op, count, 0, 0);
}

/* Map grant ref of domain dom at va: the op's status (99 if the hypercall failed). */
static inline int16_t gnt_map(domid_t dom, void *va, grant_ref_t ref, uint32_t flags,
			      grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = { .host_addr = (uint64_t)va, .flags = flags, .ref = ref,
					  .dom = dom, .status = 99 };

	if (gnttab_op(GNTTABOP_map_grant_ref, &m, 1))
		return 99;
	*h = m.handle;
	return m.status;
}

static inline int16_t gnt_unmap(void *va, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = (uint64_t)va, .handle = h, .status = 99 };

	if (gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1))
		return 99;
	return u.status;
}

/* trap_hook of the mappers: timer upcalls while sleeping (block unmasks
 * events) are acknowledged. */
static inline bool gnt_upcall_hook(struct trap_regs *r, uint64_t *rip)
{
	(void)r;
	(void)rip;
	if (last_trap.vector != VEC_EVENT_CB)
		return false;
	vcpu->evtchn_upcall_pending = 0;
	__atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	shared->evtchn_pending[timer_virq_port() / 64] &= ~(1UL << (timer_virq_port() % 64));
	return true;
}

/* First index where p differs from pat, or n. */
static inline unsigned int first_diff(const volatile uint8_t *p, uint8_t (*pat)(unsigned int),
				      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (p[i] != pat(i))
			return i;
	return n;
}

/* Sleeping and time come from the guest library (lib/lib.c). */
#define gnt_sleep_init() ((void)timer_virq_port())
#define gnt_sleep_ms(ms) sleep_ms(ms)

#endif
