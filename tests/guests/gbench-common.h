/* Shared by gbench-src and gbench-dst (bench/grant-copy.sh). */
#ifndef GBENCH_COMMON_H
#define GBENCH_COMMON_H
#include "lib/xdom.h"

#define GB_SRC 1                  /* domain ids from the boot description order */
#define GB_DST 2
#define GB_REF_CTL 8
#define GB_REF_DATA 16
#define GB_PAGES 16
#define GB_MAGIC 0x68636e6562626e67UL
#define GB_DONE 0x656e6f6468636e62UL

struct gb_ctl {
	uint64_t magic;           /* written last by gbench-src */
	uint64_t done;            /* written by gbench-dst at its end */
};

static inline uint8_t gb_pattern(unsigned int page, unsigned int i)
{
	return (uint8_t)(page * 31 + i * 7 + 1);
}

/* Sleep in 5 ms steps until *word == GB_DONE or ms pass. */
static inline bool gb_wait_done(const volatile uint64_t *word, uint64_t ms)
{
	uint64_t end = system_time_ns() + ms * 1000000UL;

	while (*word != GB_DONE) {
		if (system_time_ns() >= end)
			return false;
		xd_sleep_ms(5);
	}
	return true;
}

#endif
