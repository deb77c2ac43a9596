/*
 * The start-of-day virtual layout of a PV domain (Xen's public xen.h,
 * "Start-of-day memory layout"), computed from the kernel image bounds:
 *
 *   v_start = VIRT_BASE  [kernel][initrd][p2m list][start_info]
 *   [xenstore page][console page]   (domU only)
 *   [bootstrap page tables][boot stack] [>= 512 KiB padding] v_end (4 MiB aligned)
 *
 * Every page of [v_start, v_end) is pseudo-physical frame
 * (va - v_start) / 4096 and is mapped by the bootstrap tables.  Pure
 * arithmetic: unit-tested on the host.
 */
#ifndef KEEL_PV_LAYOUT_H
#define KEEL_PV_LAYOUT_H
#include <keel/types.h>

struct pv_layout_in {
    uint64_t virt_base;          /* XEN_ELFNOTE_VIRT_BASE (0 if absent) */
    uint64_t virt_kstart, virt_kend;
    uint64_t nr_pages;           /* memory of the domain */
    uint64_t initrd_len;         /* 0: no initrd */
    bool domu_rings;             /* xenstore and console pages (domU) */
    bool p2m_outside;            /* the p2m is mapped at INIT_P2M, not in the region */
};

struct pv_layout {
    uint64_t v_start, v_end;
    uint64_t kern_start, kern_end;
    uint64_t initrd_start, initrd_end;
    uint64_t p2m_start, p2m_end;
    uint64_t start_info;
    uint64_t store_page, console_page;   /* 0 for dom0 */
    uint64_t pt_start, pt_end;
    uint64_t nr_pt_frames;
    uint64_t stack_start, stack_end;
    uint64_t nr_l3, nr_l2, nr_l1;        /* tables below the single L4 */
};

/* 0, -XEN_EINVAL (bad or overflowing bounds) or -XEN_ENOMEM (nr_pages
 * too small to back the bootstrap region). */
int pv_layout_compute(const struct pv_layout_in *in, struct pv_layout *out);

/*
 * The p2m list at the kernel's XEN_ELFNOTE_INIT_P2M address (Linux asks for
 * 0x8000000000, L4 slot 1), as Xen's builders place it (dom0_build.c,
 * libxc's xc_dom_x86.c): its nr_data frames, then the L3/L2/L1 tables
 * mapping them (nr_tables), are the pfns right after the bootstrap region
 * (first_pfn on); start_info reports first_p2m_pfn / nr_p2m_frames.
 */
struct pv_p2m_area {
    uint64_t va;                 /* INIT_P2M base */
    uint64_t first_pfn;          /* pfn of the first p2m data frame */
    uint64_t nr_data, nr_tables; /* data frames, then table frames */
    uint64_t nr_frames;          /* nr_data + nr_tables */
};

/* 0, -XEN_EINVAL (base unaligned, not in one lower-half L4 slot of its
 * own) or -XEN_ENOMEM (nr_pages too small to hold it after v_end). */
int pv_layout_init_p2m(const struct pv_layout *l, uint64_t nr_pages, uint64_t base,
                       struct pv_p2m_area *a);

/* Xen's 64-bit hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE): 32-byte stubs
 * `mov $nr,%eax; syscall`, __HYPERVISOR_iret's without the return. */
void pv_hypercall_page_fill(uint8_t *page);

static inline uint64_t pv_layout_pfn(const struct pv_layout *l, uint64_t va)
{
    return (va - l->v_start) >> 12;
}
#endif
