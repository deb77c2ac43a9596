/*
 * Shared by the grant-table test guests (gnt-granter, gnt-mapper): the
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

static inline uint8_t pat_granter(unsigned int i) { return (uint8_t)(i * 7 + 3); }
static inline uint8_t pat_ro(unsigned int i) { return (uint8_t)(i * 13 + 5); }
static inline uint8_t pat_copy(unsigned int i) { return (uint8_t)(i * 5 + 0x41); }
static inline uint8_t pat_mapper(unsigned int i) { return (uint8_t)((i * 11 + 1) ^ 0x5a); }

static inline long gnttab_op(unsigned int cmd, void *op, unsigned int count)
{
	return HC(__HYPERVISOR_grant_table_op, cmd, op, count, 0, 0);
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
