/*
 * The fake world of the grant-table host tests (test_gnttab, test_gnttab_v2):
 * domains A (granter), B (mapper, with its own page-table tree at B_L4..B_L1)
 * and C on the fake arch, the frame numbers they use, and the helpers both
 * tests share: run as a domain, issue a grant-table op, B's L1 table, and a
 * snapshot of the frame table whose reference counts must come back.
 */
#ifndef KEEL_TEST_GNTTAB_WORLD_H
#define KEEL_TEST_GNTTAB_WORLD_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/pv_mm.h>
#include <keel/grant_table.h>
#include <public/grant_table.h>
#include <asm/page.h>

extern unsigned int fake_alloc_budget;

#define DOM_A 1
#define DOM_B 2
#define DOM_C 3
#define G1 5
#define G2 6
#define A_L1 7
#define B_L4 20
#define B_L1 23
#define B_LOCAL 24
#define VA(i) ((uint64_t)(i) << 12)

static struct fake_domain fa, fb, fc;
static struct domain *da, *db, *dc;
static struct page_info base[FAKE_NR_FRAMES];

static inline void as(struct domain *d)
{
    fake_cpu_info.curr = d->vcpu[0];
}

static inline long gop(unsigned int cmd, void *arg, uint64_t count)
{
    return do_grant_table_op(cmd, (uint64_t)arg, count);
}

static inline uint64_t *b_l1(void)
{
    return fake_frame(_mfn(B_L1));
}

static inline void snapshot(void)
{
    memcpy(base, frame_table, sizeof(base));
}

/* Every frame's counts and type as at the last snapshot(). */
static inline void check_counts(void)
{
    unsigned int m;

    for (m = 0; m < FAKE_NR_FRAMES; m++)
        if (frame_table[m].count != base[m].count ||
            frame_table[m].type_count != base[m].type_count ||
            frame_table[m].type != base[m].type)
            fail_msg("frame %u: count %u type %u/%u, expected %u type %u/%u", m,
                     frame_table[m].count, frame_table[m].type, frame_table[m].type_count,
                     base[m].count, base[m].type, base[m].type_count);
}
#endif
