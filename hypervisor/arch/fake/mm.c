/*
 * Fake machine memory: FAKE_NR_FRAMES page-aligned host pages are the
 * direct map (asm/config.h points DIRECTMAP_VIRT_START at them), with a
 * frame table and an M2P of the same size.
 */
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/tlbflush.h>
#include <stdlib.h>

unsigned char fake_machine_mem[FAKE_NR_FRAMES * PAGE_SIZE] __aligned(4096);
struct page_info fake_frame_table[FAKE_NR_FRAMES];
struct page_info *frame_table = fake_frame_table;
uint64_t max_mfn = FAKE_NR_FRAMES;
uint64_t fake_m2p[FAKE_NR_FRAMES];
uint64_t idle_l4_maddr;
static unsigned int fill_calls;

void fake_mm_reset(void)
{
    unsigned int i;

    memset(fake_machine_mem, 0, sizeof(fake_machine_mem));
    for (i = 0; i < FAKE_NR_FRAMES; i++) {
        fake_frame_table[i] = (struct page_info){ .owner = OWNER_NONE, .flags = PGC_free };
        fake_m2p[i] = ~0UL;
    }
    frame_table = fake_frame_table;
    max_mfn = FAKE_NR_FRAMES;
    fill_calls = 0;
}

void fake_frame_assign(mfn_t mfn, domid_t owner)
{
    fake_frame_table[mfn_x(mfn)] = (struct page_info){
        .owner = owner, .count = 1, .flags = PGC_allocated };
}

uint64_t *fake_frame(mfn_t mfn)
{
    return mfn_to_virt(mfn);
}

unsigned int fake_mm_fill_calls(void)
{
    return fill_calls;
}

void m2p_set(mfn_t mfn, gfn_t gfn)
{
    if (mfn_x(mfn) < FAKE_NR_FRAMES)
        fake_m2p[mfn_x(mfn)] = gfn_x(gfn);
}

gfn_t m2p_get(mfn_t mfn)
{
    return mfn_x(mfn) < FAKE_NR_FRAMES ? _gfn(fake_m2p[mfn_x(mfn)]) : INVALID_GFN;
}

/* Mark each hypervisor slot recognisably, as the real one copies idle_pg_table's. */
void mm_fill_hypervisor_slots(uint64_t *l4)
{
    unsigned int s;

    fill_calls++;
    for (s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++)
        l4[s] = FAKE_HV_SLOT_MARK | ((uint64_t)s << 12);
}

void *xzalloc_bytes(size_t size)
{
    return calloc(1, size ? size : 1);
}

void xfree(void *p)
{
    free(p);
}

/* Frames freed by the PV MMU (a dead owner's last reference): counted and
 * marked free, never reused by the fake allocator. */
unsigned int fake_frees;
void free_frame(mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    fake_frees++;
    memset(pg, 0, sizeof(*pg));
    pg->owner = OWNER_NONE;
    pg->flags = PGC_free | PGC_stale_free;      /* stamped, as the real one */
    page_stamp_tlb(pg);
}
