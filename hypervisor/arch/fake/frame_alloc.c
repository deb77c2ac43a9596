/*
 * Fake frame allocator for code that allocates frames at run time (grant
 * tables): hands out free frames of the fake machine memory, highest
 * first, zeroed, as the real alloc_frame() does.  fake_alloc_budget
 * limits how many more allocations may succeed (~0u: no limit), so tests
 * can make allocation fail.  fake_alloc_limit_calls counts
 * alloc_domheap_frames() calls; fake_alloc_last_limit is the frame limit
 * its last memflags named (MEMF_bits; ~0 for none), and
 * fake_alloc_last_memflags those memflags.
 */
#include <fake/fake.h>
#include <keel/lib.h>

unsigned int fake_alloc_budget = ~0u;
unsigned int fake_allocs;

mfn_t alloc_frame(void)
{
    unsigned int m;

    if (!fake_alloc_budget)
        return INVALID_MFN;
    for (m = FAKE_NR_FRAMES; m-- > 1;) {
        struct page_info *pg = &frame_table[m];
        if ((pg->flags & PGC_free) && pg->count == 0 && pg->owner == OWNER_NONE) {
            memset(pg, 0, sizeof(*pg));
            pg->owner = OWNER_NONE;
            memset(mfn_to_virt(_mfn(m)), 0, PAGE_SIZE);
            if (fake_alloc_budget != ~0u)
                fake_alloc_budget--;
            fake_allocs++;
            return _mfn(m);
        }
    }
    return INVALID_MFN;
}

unsigned int fake_alloc_limit_calls, fake_alloc_last_memflags;
uint64_t fake_alloc_last_limit;

static bool fake_frame_free(unsigned int m)
{
    const struct page_info *pg = &frame_table[m];
    return (pg->flags & PGC_free) && pg->count == 0 && pg->owner == OWNER_NONE;
}

/* Highest free, aligned run of 2^order frames below the memflags' limit. */
mfn_t alloc_domheap_frames(unsigned int order, unsigned int memflags)
{
    unsigned int n, base, i, bits = memflags >> _MEMF_bits;
    uint64_t limit_frame = !bits || bits - PAGE_SHIFT >= 64 ? ~0UL
                           : bits <= PAGE_SHIFT ? 0 : 1UL << (bits - PAGE_SHIFT);

    fake_alloc_limit_calls++;
    fake_alloc_last_memflags = memflags;
    fake_alloc_last_limit = limit_frame;
    if (order > 5 || !fake_alloc_budget)
        return INVALID_MFN;
    n = 1u << order;
    for (base = FAKE_NR_FRAMES - n; base >= n; base -= n) {
        if (base + n > limit_frame)
            continue;
        for (i = 0; i < n && fake_frame_free(base + i); i++)
            ;
        if (i < n)
            continue;
        for (i = 0; i < n; i++) {
            memset(&frame_table[base + i], 0, sizeof(struct page_info));
            frame_table[base + i].owner = OWNER_NONE;
            memset(mfn_to_virt(_mfn(base + i)), 0, PAGE_SIZE);
        }
        if (fake_alloc_budget != ~0u)
            fake_alloc_budget--;
        fake_allocs++;
        return _mfn(base);
    }
    return INVALID_MFN;
}
