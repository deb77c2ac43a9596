/*
 * Loading a vCPU's LDT on this CPU (the hardware side of
 * arch/x86_64/pv_ldt.c).  Each CPU has an LDT window of 16 pages in the
 * hypervisor's slot 260 (LDT_WINDOW_BASE + cpu * LDT_WINDOW_SIZE, like the
 * GDT windows, asm/config.h) into which the vCPU's descriptor frames are
 * mapped, and an LDT system descriptor at LDT_SELECTOR in the CPU's
 * reserved GDT page.  The window is only reachable through LDTR, whose
 * limit (nr_ents * 8 - 1) covers the mapped pages only; pages past it may
 * keep an earlier vCPU's frames, which nothing reads.
 * Locking: per CPU; runs with interrupts off (context switch) or on the
 * vCPU's own CPU (SET_LDT).
 */
#include <keel/pv_mm.h>
#include <asm/page.h>
#include <asm/cpu.h>
#include <asm/config.h>

#define LDT_DESC_TYPE 0x82UL    /* present, DPL 0, system type 2 (LDT) */

static uint64_t ldt_window(unsigned int cpu)
{
    return LDT_WINDOW_BASE + (uint64_t)cpu * LDT_WINDOW_SIZE;
}

void ldt_load(struct vcpu *v)
{
    struct cpu_info *ci = get_cpu_info();
    uint64_t va = ldt_window(ci->cpu_id), limit;
    uint64_t *gdt = ci->gdt_page;
    unsigned int i, nr;

    if (!v->ldt_ents) {
        asm volatile("lldt %w0" :: "r"(0));
        return;
    }
    nr = (v->ldt_ents * 8 + PAGE_SIZE - 1) / PAGE_SIZE;
    for (i = 0; i < nr; i++)
        map_pages_hv(va + i * PAGE_SIZE, v->ldt_frames[i], 1,
                     _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | pte_nx());
    limit = (uint64_t)v->ldt_ents * 8 - 1;
    gdt[LDT_SELECTOR / 8 % 512] = (limit & 0xffff) | ((va & 0xffffff) << 16) |
                                  (LDT_DESC_TYPE << 40) | (((limit >> 16) & 0xf) << 48) |
                                  (((va >> 24) & 0xff) << 56);
    gdt[LDT_SELECTOR / 8 % 512 + 1] = va >> 32;
    asm volatile("lldt %w0" :: "r"(LDT_SELECTOR) : "memory");
}
