/*
 * W^X walker (keel/wx_check.h).  The effective rights of a leaf are the
 * intersection of its path: writable only if every level has RW, and
 * executable unless some level has NX (and EFER.NXE is on).  Leaves are
 * 4 KiB L1 entries and PSE entries at L2 (2 MiB) and L3 (1 GiB).
 * No locks: the caller keeps the tables still (boot, one CPU).
 */
#include <keel/wx_check.h>

#define WX_PRESENT 0x001UL
#define WX_RW      0x002UL
#define WX_PSE     0x080UL
#define WX_NX      (1UL << 63)
#define WX_ADDR    0x000ffffffffff000UL

static uint64_t sign_extend(uint64_t va)
{
    return (va & (1UL << 47)) ? va | 0xffff000000000000UL : va;
}

static unsigned int walk(const uint64_t *t, unsigned int level, uint64_t base, bool rw,
                         bool nx, const struct wx_walk *w)
{
    unsigned int i, bad = 0;
    unsigned int shift = 12 + 9 * (level - 1);

    for (i = 0; i < 512; i++) {
        uint64_t e = t[i], va = sign_extend(base | ((uint64_t)i << shift));
        bool erw = rw && (e & WX_RW), enx = nx || (w->nx && (e & WX_NX));

        if (!(e & WX_PRESENT))
            continue;
        if (level == 1 || (level <= 3 && (e & WX_PSE))) {
            if (erw && !enx) {
                bad++;
                if (w->report)
                    w->report(va, 1UL << shift, level, w->ctx);
            }
            continue;
        }
        bad += walk(w->table(e & WX_ADDR, w->ctx), level - 1, va & 0x0000ffffffffffffUL,
                    erw, enx, w);
    }
    return bad;
}

unsigned int wx_check_tables(const uint64_t *l4, unsigned int first, unsigned int last,
                             const struct wx_walk *w)
{
    unsigned int s, bad = 0;

    for (s = first; s <= last && s < 512; s++) {
        uint64_t e = l4[s], va = (uint64_t)s << 39;
        bool rw = e & WX_RW, nx = w->nx && (e & WX_NX);

        if (!(e & WX_PRESENT))
            continue;
        bad += walk(w->table(e & WX_ADDR, w->ctx), 3, va, rw, nx, w);
    }
    return bad;
}
