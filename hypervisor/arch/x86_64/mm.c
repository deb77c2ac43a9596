/*
 * The hypervisor's own page tables ("idle" tables): the image, the
 * direct map, the read-only M2P and the per-CPU GDT windows, all in L4
 * slots 256-271.  Every guest L4 gets a copy of those slots
 * (mm_fill_hypervisor_slots), so changes below L4 level are seen by all.
 * Locking: map_lock serialises changes to the hypervisor's tables.
 */
#include <keel/mm.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/spinlock.h>
#include <asm/page.h>
#include <asm/processor.h>

extern uint32_t boot_have_nx;

uint64_t idle_l4_maddr;
static uint64_t *idle_l4;
static bool directmap_ready;
static spinlock_t map_lock = SPIN_LOCK_UNLOCKED;
static uint64_t m2p_maddr, m2p_entries;

static void *pt_virt(paddr_t pa)
{
    if (directmap_ready)
        return maddr_to_virt(pa);
    BUG_ON(pa >= (1UL << 30));
    return (void *)(KEEL_VIRT_START + pa);
}

static uint64_t nx_flag(void)
{
    return boot_have_nx ? _PAGE_NX : 0;
}

static uint64_t *next_table(uint64_t *entry, uint64_t table_flags)
{
    if (!(*entry & _PAGE_PRESENT)) {
        mfn_t m = directmap_ready ? alloc_frame() : alloc_frame_below(1UL << 30);
        if (mfn_eq(m, INVALID_MFN))
            panic("out of memory for hypervisor page tables");
        *entry = mfn_pte(m, table_flags);
    }
    BUG_ON(*entry & _PAGE_PSE);
    return pt_virt(*entry & PADDR_MASK);
}

/* Map nr frames at va with 4 KiB pages.  Hypervisor addresses only. */
void map_pages_hv(uint64_t va, mfn_t mfn, uint64_t nr, uint64_t flags)
{
    uint64_t upper = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    uint64_t i;

    if (flags & _PAGE_USER)
        upper |= _PAGE_USER;
    spin_lock(&map_lock);
    for (i = 0; i < nr; i++, va += PAGE_SIZE) {
        uint64_t *l3 = next_table(&idle_l4[L4_IDX(va)], upper);
        uint64_t *l2 = next_table(&l3[L3_IDX(va)], upper);
        uint64_t *l1 = next_table(&l2[L2_IDX(va)], upper);
        l1[L1_IDX(va)] = mfn_pte(_mfn(mfn_x(mfn) + i), flags);
        invlpg(va);
    }
    spin_unlock(&map_lock);
}

void unmap_pages_hv(uint64_t va, uint64_t nr)
{
    uint64_t i;

    spin_lock(&map_lock);
    for (i = 0; i < nr; i++, va += PAGE_SIZE) {
        uint64_t *e = &idle_l4[L4_IDX(va)];
        unsigned int level;

        for (level = 4; level > 1 && (*e & _PAGE_PRESENT); level--) {
            BUG_ON(*e & _PAGE_PSE);
            e = (uint64_t *)pt_virt(*e & PADDR_MASK) + ((va >> (12 + 9 * (level - 2))) & 511);
        }
        if (level == 1)
            *e = 0;
        invlpg(va);
    }
    spin_unlock(&map_lock);
}

paddr_t directmap_limit;

static void map_directmap(paddr_t max_ram)
{
    uint64_t upper = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    paddr_t pa;

    directmap_limit = ROUNDUP(max_ram, 1UL << 21);
    for (pa = 0; pa < ROUNDUP(max_ram, 1UL << 21); pa += 1UL << 21) {
        uint64_t va = DIRECTMAP_VIRT_START + pa;
        uint64_t *l3 = next_table(&idle_l4[L4_IDX(va)], upper);
        uint64_t *l2 = next_table(&l3[L3_IDX(va)], upper);
        l2[L2_IDX(va)] = pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
                         _PAGE_DIRTY | _PAGE_PSE | nx_flag();
    }
}

/*
 * The image with 4 KiB pages and W^X rights (the linker script aligns the
 * parts): text read-only and executable, rodata read-only, data and bss
 * (the boot and IST stacks among them) writable; nothing else of the
 * first GiB that the boot tables map writable and executable.
 */
extern char _start[], __text_end[], __rodata_end[], _end[];
static void map_image(void)
{
    uint64_t va;

    for (va = (uint64_t)_start; va < ROUNDUP((uint64_t)_end, PAGE_SIZE); va += PAGE_SIZE) {
        uint64_t fl = _PAGE_PRESENT | _PAGE_ACCESSED;
        if (va >= (uint64_t)__text_end)
            fl |= nx_flag();
        if (va >= (uint64_t)__rodata_end)
            fl |= _PAGE_RW | _PAGE_DIRTY;
        map_pages_hv(va, _mfn((va - KEEL_VIRT_START) >> PAGE_SHIFT), 1, fl);
    }
}

/*
 * Build the idle tables and switch to them: the image (map_image), the
 * direct map and an L3 for every hypervisor slot.  The boot tables (an
 * identity map and the first GiB at KEEL_VIRT_START, writable and
 * executable) are left to the APs' trampoline, which leaves them for
 * these tables within a few instructions.
 */
void mm_init_paging(paddr_t max_ram)
{
    mfn_t m = alloc_frame_below(1UL << 30);
    uint64_t i;

    if (mfn_eq(m, INVALID_MFN))
        panic("no memory for the idle page table");
    idle_l4_maddr = mfn_x(m) << PAGE_SHIFT;
    idle_l4 = pt_virt(idle_l4_maddr);
    map_image();
    map_directmap(max_ram);
    /* Pre-create every hypervisor L4 slot's L3, so that guest copies of
     * the slots never go stale when the hypervisor maps something new. */
    for (i = HV_SLOT_FIRST; i <= HV_SLOT_LAST; i++) {
        uint64_t fl = _PAGE_PRESENT | _PAGE_ACCESSED;
        if (i == L4_IDX(RO_MPT_VIRT_START))
            fl |= _PAGE_USER;          /* the M2P: read-only, guest-visible */
        else
            fl |= _PAGE_RW | _PAGE_DIRTY;
        next_table(&idle_l4[i], fl);
    }
    /* Plain write: this runs on the boot stack, before smp_processor_id()
     * works, and before any guest exists (nothing for the flush clock). */
    write_cr3(idle_l4_maddr);
    directmap_ready = true;
    idle_l4 = maddr_to_virt(idle_l4_maddr);
}

void mm_fill_hypervisor_slots(uint64_t *l4)
{
    unsigned int i;

    for (i = HV_SLOT_FIRST; i <= HV_SLOT_LAST; i++)
        l4[i] = idle_l4[i];
}

/* The M2P: one 64-bit entry per machine frame, read-only to guests. */
void m2p_init(void)
{
    uint64_t bytes = ROUNDUP(max_mfn * 8, PAGE_SIZE);
    mfn_t m = alloc_frames_contig(bytes >> PAGE_SHIFT);
    uint64_t i;

    if (mfn_eq(m, INVALID_MFN))
        panic("no memory for the M2P table");
    for (i = 0; i < (bytes >> PAGE_SHIFT); i++)
        mfn_to_page(_mfn(mfn_x(m) + i))->owner = OWNER_XEN;
    m2p_maddr = mfn_x(m) << PAGE_SHIFT;
    m2p_entries = max_mfn;
    memset(maddr_to_virt(m2p_maddr), 0xff, bytes);
    map_pages_hv(RO_MPT_VIRT_START, m, bytes >> PAGE_SHIFT,
                 _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | nx_flag());
}

void m2p_set(mfn_t mfn, gfn_t gfn)
{
    if (mfn_x(mfn) < m2p_entries)
        ((uint64_t *)maddr_to_virt(m2p_maddr))[mfn_x(mfn)] = gfn_x(gfn);
}

gfn_t m2p_get(mfn_t mfn)
{
    if (mfn_x(mfn) >= m2p_entries)
        return INVALID_GFN;
    return _gfn(((uint64_t *)maddr_to_virt(m2p_maddr))[mfn_x(mfn)]);
}

uint64_t pte_nx(void)
{
    return nx_flag();
}
