/*
 * The hardware domain's reach into the machine (keel/iomem.h): denied
 * frame ranges and port ranges, filled once at boot by the code that owns
 * each device (IO-APIC, local APIC, the MSI window, the UART, PIC, PIT,
 * ...), then only read.  A domain that is not privileged reaches nothing.
 * The read-only ranges (Xen's mmio_ro_ranges: MSI-X tables) change at
 * run time, under the hypervisor lock.
 * Locking: none for the deny tables, written before any guest runs; the
 * hypervisor lock for the read-only ranges.
 */
#include <keel/iomem.h>
#include <keel/domain.h>
#include <keel/lib.h>

struct io_range { uint64_t first, last; };

static struct io_range mfn_deny[IOMEM_MAX_DENY];
static unsigned int nr_mfn_deny;
static struct io_range port_deny[IOPORT_MAX_DENY];
static unsigned int nr_port_deny;
static struct io_range mfn_ro[IOMEM_MAX_RO];
static unsigned int nr_mfn_ro;
static uint64_t mfn_limit = 1UL << (52 - PAGE_SHIFT);

static int add_range(struct io_range *t, unsigned int *n, unsigned int max,
                     uint64_t first, uint64_t last)
{
    if (first > last)
        return -XEN_EINVAL;
    if (*n >= max)
        return -XEN_ENOSPC;
    t[(*n)++] = (struct io_range){ first, last };
    return 0;
}

int iomem_deny(uint64_t first_mfn, uint64_t last_mfn)
{
    return add_range(mfn_deny, &nr_mfn_deny, IOMEM_MAX_DENY, first_mfn, last_mfn);
}

int ioport_deny(unsigned int first, unsigned int last)
{
    if (last > 0xffff)
        return -XEN_EINVAL;
    return add_range(port_deny, &nr_port_deny, IOPORT_MAX_DENY, first, last);
}

void iomem_set_paddr_bits(unsigned int bits)
{
    if (bits > PAGE_SHIFT && bits <= 52)
        mfn_limit = 1UL << (bits - PAGE_SHIFT);
}

void iomem_reset(void)
{
    nr_mfn_deny = nr_port_deny = nr_mfn_ro = 0;
    mfn_limit = 1UL << (52 - PAGE_SHIFT);
}

static bool overlaps(const struct io_range *t, unsigned int n, uint64_t first, uint64_t last)
{
    unsigned int i;

    for (i = 0; i < n; i++)
        if (first <= t[i].last && last >= t[i].first)
            return true;
    return false;
}

bool iomem_frame_permitted(const struct domain *d, uint64_t mfn)
{
    return d->is_privileged && mfn < mfn_limit && !overlaps(mfn_deny, nr_mfn_deny, mfn, mfn);
}

bool ioport_permitted(const struct domain *d, unsigned int port, unsigned int size)
{
    if (!d->is_privileged || !size || port > 0xffff || size > 0x10000 - port)
        return false;
    return !overlaps(port_deny, nr_port_deny, port, port + size - 1);
}

int iomem_ro_add(uint64_t first_mfn, uint64_t last_mfn)
{
    return add_range(mfn_ro, &nr_mfn_ro, IOMEM_MAX_RO, first_mfn, last_mfn);
}

void iomem_ro_remove(uint64_t first_mfn, uint64_t last_mfn)
{
    unsigned int i;

    for (i = 0; i < nr_mfn_ro; i++)
        if (mfn_ro[i].first == first_mfn && mfn_ro[i].last == last_mfn) {
            mfn_ro[i] = mfn_ro[--nr_mfn_ro];
            return;
        }
}

bool iomem_frame_ro(uint64_t mfn)
{
    return overlaps(mfn_ro, nr_mfn_ro, mfn, mfn);
}

/* ---- the hardware domain's memory map ---- */

struct map_ctx {
    struct e820entry *out;
    unsigned int n, max;
};

static int emit(struct map_ctx *c, uint64_t addr, uint64_t size, uint32_t type)
{
    if (c->n >= c->max)
        return -XEN_EINVAL;
    c->out[c->n++] = (struct e820entry){ addr, size, type };
    return 0;
}

/* The denied frame ranges in address order, overlapping ones merged. */
static unsigned int sorted_deny(struct io_range *t)
{
    unsigned int i, j, n = 0;

    for (i = 0; i < nr_mfn_deny; i++) {
        struct io_range r = mfn_deny[i];
        for (j = n; j > 0 && t[j - 1].first > r.first; j--)
            t[j] = t[j - 1];
        t[j] = r;
        n++;
    }
    for (i = 0, j = 0; i < n; i++) {
        if (j && t[i].first <= t[j - 1].last + 1)
            t[j - 1].last = MAX(t[j - 1].last, t[i].last);
        else
            t[j++] = t[i];
    }
    return j;
}

/* Reserved entries for the denied pages of the gap [s, e] (page numbers),
 * clipped to 2^paddr_bits as Xen does. */
static int gap_entries(struct map_ctx *c, const struct io_range *deny, unsigned int nd,
                       uint64_t s, uint64_t e)
{
    unsigned int i;
    int rc;

    for (i = 0; i < nd; i++) {
        uint64_t a = MAX(s, deny[i].first), b = MIN(e, deny[i].last);
        if (a > b || a >= mfn_limit)
            continue;
        b = MIN(b, mfn_limit - 1);
        rc = emit(c, a << PAGE_SHIFT, (b - a + 1) << PAGE_SHIFT, E820_RESERVED);
        if (rc)
            return rc;
    }
    return 0;
}

int iomem_dom0_memory_map(const struct mem_range *host, unsigned int n,
                          struct e820entry *out, unsigned int max)
{
    struct io_range deny[IOMEM_MAX_DENY];
    const struct mem_range *order[MAX_MEM_RANGES];
    struct map_ctx c = { out, 0, max };
    unsigned int nd, i, j;
    uint64_t cursor = 0;       /* first page after the previous entry */
    int rc;

    if (n > MAX_MEM_RANGES || max < n + 1)
        return -XEN_EINVAL;
    for (i = 0; i < n; i++) {  /* firmware order is not trusted: sort */
        for (j = i; j > 0 && order[j - 1]->start > host[i].start; j--)
            order[j] = order[j - 1];
        order[j] = &host[i];
    }
    nd = sorted_deny(deny);
    for (i = 0; i < n; i++) {
        const struct mem_range *r = order[i];
        uint64_t s = r->start >> PAGE_SHIFT;
        if (r->end <= r->start)
            continue;
        if (s > cursor) {
            rc = gap_entries(&c, deny, nd, cursor, s - 1);
            if (rc)
                return rc;
        }
        rc = emit(&c, r->start, r->end - r->start, r->type);
        if (rc)
            return rc;
        cursor = MAX(cursor, ROUNDUP(r->end, PAGE_SIZE) >> PAGE_SHIFT);
    }
    return (int)c.n;
}
