/*
 * Shared by the cross-domain event-channel guests: evt-ping (domain 1),
 * evt-pong (domain 2) and evt-intruder (domain 3).  evt-ping allocates
 * the ports and publishes them in one page it grants read-write to
 * evt-pong (ref 8) and read-only to evt-intruder (ref 9); the two then
 * bounce events, and use the page's sequence and stage words to check
 * what each event means and to order the close/rebind steps.
 */
#ifndef EVT_COMMON_H
#define EVT_COMMON_H
#include "lib/xdom.h"

#define EVT_PING 1                /* domain ids from the boot description order */
#define EVT_PONG 2
#define EVT_INTRUDER 3
#define EVT_REF_PONG 8
#define EVT_REF_INTRUDER 9
#define EVT_MAGIC 0x676e6f70676e6970UL
#define EVT_MAX_ROUNDS 20000

/* mode= on evt-ping's command line: how both sides wait in the rounds. */
enum evt_mode {
	EVT_MODE_MIXED,   /* the test: five phases of block/poll/spin pairs */
	EVT_MODE_BLOCK,   /* both SCHEDOP_block (upcalls) */
	EVT_MODE_POLL,    /* both SCHEDOP_poll on a masked port */
	EVT_MODE_SPIN,    /* both spin on the pending bit, yielding */
	EVT_MODE_YIELD,   /* no events: the page's sequence words and SCHEDOP_yield */
	EVT_NR_MODES
};

struct evt_page {
	uint64_t magic;           /* written last by ping */
	uint32_t rounds, mode;
	uint32_t limit_ms;        /* time limit for all rounds: a lost event fails fast */
	uint32_t port_pong;       /* ping's port, unbound for d2: the channel */
	uint32_t port_spare;      /* ping's port, unbound for d2, never bound */
	uint32_t port_intruder;   /* ping's port, unbound for d3 */
	uint32_t pong_port;       /* pong's end, once bound (0 before) */
	uint32_t ping_seq, pong_seq;
	uint32_t ping_stage, pong_stage;
	uint32_t pong_fifo;       /* pong uses the FIFO ABI (ping stays 2-level) */
};

/* How a side waits in round i (1..rounds) of a run in mode m. */
static inline enum xd_wait evt_how(enum evt_mode m, bool is_ping, unsigned int i,
				   unsigned int rounds)
{
	static const enum xd_wait ping_how[5] = { XD_BLOCK, XD_POLL, XD_BLOCK, XD_POLL, XD_SPIN };
	static const enum xd_wait pong_how[5] = { XD_BLOCK, XD_POLL, XD_POLL, XD_BLOCK, XD_SPIN };
	unsigned int phase = (unsigned int)((uint64_t)(i - 1) * 5 / rounds);

	switch (m) {
	case EVT_MODE_MIXED:
		return is_ping ? ping_how[phase % 5] : pong_how[phase % 5];
	case EVT_MODE_POLL:
		return XD_POLL;
	case EVT_MODE_SPIN:
		return XD_SPIN;
	default:
		return XD_BLOCK;
	}
}

/* Sleep in 1 ms steps until *word == want or ms pass; true if it did. */
static inline bool evt_wait_word(const volatile uint32_t *word, uint32_t want, uint64_t ms)
{
	uint64_t end = system_time_ns() + ms * 1000000UL;

	while (*word != want) {
		if (system_time_ns() >= end)
			return false;
		xd_sleep_ms(1);
	}
	return true;
}

#endif
