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

static evtchn_port_t gnt_timer_port;

static inline uint64_t gnt_now_ns(void)
{
	volatile struct vcpu_time_info *t = &vcpu->time;
	uint32_t version, lo, hi;
	uint64_t ns, delta;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		delta = (((uint64_t)hi << 32) | lo) - t->tsc_timestamp;
		if (t->tsc_shift >= 0)
			delta <<= t->tsc_shift;
		else
			delta >>= -t->tsc_shift;
		ns = t->system_time +
		     (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);
	return ns;
}

static inline void gnt_sleep_init(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };

	CHECK_RC("bind VIRQ_TIMER", HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
				       &bv, 0, 0, 0), 0);
	gnt_timer_port = bv.port;
}

static inline void gnt_sleep_ms(uint64_t ms)
{
	uint64_t end = gnt_now_ns() + ms * 1000000UL;

	while (gnt_now_ns() < end) {
		shared->evtchn_pending[gnt_timer_port / 64] &= ~(1UL << (gnt_timer_port % 64));
		vcpu->evtchn_upcall_pending = 0;
		vcpu->evtchn_pending_sel = 0;   /* else the next event raises no upcall */
		HC(__HYPERVISOR_set_timer_op, end, 0, 0, 0, 0);
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		vcpu->evtchn_upcall_mask = 1;
	}
}
#endif
