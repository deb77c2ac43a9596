/*
 * W^X check of the hypervisor's own page tables: no mapping may be both
 * writable and executable (docs/security.md, class 6).  A pure walker, so
 * that host unit tests run it on tables they build (tests/unit/test_wx.c).
 */
#ifndef KEEL_WX_CHECK_H
#define KEEL_WX_CHECK_H
#include <keel/types.h>

struct wx_walk {
    /* The table at machine address pa (as the hypervisor sees it). */
    const uint64_t *(*table)(uint64_t pa, void *ctx);
    /* Called for each writable and executable leaf: its first va, size, level. */
    void (*report)(uint64_t va, uint64_t size, unsigned int level, void *ctx);
    void *ctx;
    bool nx;                     /* EFER.NXE: without it every page is executable */
};

/*
 * Walk the L4 slots first..last of l4 and report every leaf mapping whose
 * effective permissions (RW at every level, NX at none) allow both
 * writing and executing.  Returns the number of such leaves.
 */
unsigned int wx_check_tables(const uint64_t *l4, unsigned int first, unsigned int last,
                             const struct wx_walk *w);
#endif
