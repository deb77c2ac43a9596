/*
 * Fake frame allocator for code that allocates frames at run time (grant
 * tables): hands out free frames of the fake machine memory, highest
 * first, zeroed, as the real alloc_frame() does.  fake_alloc_budget
 * limits how many more may be handed out (~0u: no limit), so tests can
 * make allocation fail.
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
