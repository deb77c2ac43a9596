/*
 * Shared by the denial-of-service test's guests (tests/boot/run-dos.sh):
 * `ticker` (dom0, the victim) counts its own timer wake-ups in a page it
 * grants read-write to `flood` (domain 1, the attacker) at DOS_REF; the
 * attacker reads the count around each attack and sets `done` at its end.
 */
#ifndef DOS_COMMON_H
#define DOS_COMMON_H
#include <stdint.h>

#define DOS_REF 8
#define DOS_MAGIC 0x7469636b65722121UL      /* "ticker!!" */
#define DOS_TICK_MS 10

struct dos_page {
	uint64_t magic;
	volatile uint64_t ticks;	/* ticker's wake-ups so far */
	volatile uint64_t done;		/* set by the attacker when it has finished */
	volatile uint64_t max_gap_ns;	/* longest time between two wake-ups (the
					   attacker resets it) */
};
#endif
