/*
 * Start-of-day layout (see keel/pv_layout.h), following Xen's dom0
 * builder (xen/arch/x86/pv/dom0_build.c): page tables are counted for
 * the whole region they must map, growing until they fit.
 */
#include <keel/pv_layout.h>
#include <public/errno.h>

#define PG(x) ROUNDUP((x), PAGE_SIZE)
#define MB4 (1UL << 22)

static uint64_t span(uint64_t start, uint64_t end, unsigned int shift)
{
    return ((end - 1) >> shift) - (start >> shift) + 1;
}

int pv_layout_compute(const struct pv_layout_in *in, struct pv_layout *l)
{
    uint64_t p2m_bytes, n, tables;
    const uint64_t limit = 0xfffffffffff00000UL;   /* leave room to round up */

    if (in->virt_kend <= in->virt_kstart || in->virt_kstart < in->virt_base ||
        in->virt_kend > limit || in->nr_pages == 0 || in->nr_pages > (1UL << 40) ||
        in->initrd_len > (1UL << 40))
        return -XEN_EINVAL;
    *l = (struct pv_layout){ 0 };
    l->v_start = in->virt_base;
    l->kern_start = in->virt_kstart;
    l->kern_end = in->virt_kend;
    l->initrd_start = PG(l->kern_end);
    l->initrd_end = l->initrd_start + in->initrd_len;
    l->p2m_start = PG(l->initrd_end);
    p2m_bytes = in->p2m_outside ? 0 : in->nr_pages * 8;
    l->p2m_end = l->p2m_start + p2m_bytes;
    l->start_info = PG(l->p2m_end);
    n = l->start_info + PAGE_SIZE;
    if (in->domu_rings) {
        l->store_page = n;
        l->console_page = n + PAGE_SIZE;
        n += 2 * PAGE_SIZE;
    }
    l->pt_start = n;
    for (l->nr_pt_frames = 2;; l->nr_pt_frames++) {
        l->pt_end = l->pt_start + l->nr_pt_frames * PAGE_SIZE;
        l->stack_start = l->pt_end;
        l->stack_end = l->stack_start + PAGE_SIZE;
        l->v_end = ROUNDUP(l->stack_end, MB4);
        if (l->v_end - l->stack_end < (512UL << 10))
            l->v_end += MB4;
        if (l->v_end < l->v_start || l->v_end > limit)
            return -XEN_EINVAL;
        l->nr_l3 = span(l->v_start, l->v_end, 39);
        l->nr_l2 = span(l->v_start, l->v_end, 30);
        l->nr_l1 = span(l->v_start, l->v_end, 21);
        tables = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
        if (tables <= l->nr_pt_frames)
            break;
        if (l->nr_pt_frames > (1UL << 20))
            return -XEN_EINVAL;
    }
    /* No region may wrap (each must start at or after the previous end),
     * and the whole bootstrap region must be canonical and outside the
     * hypervisor's slots 256-271 (Xen: "overlaps with Xen private area"). */
    if (l->kern_start < l->v_start || l->initrd_start < l->kern_end ||
        l->initrd_end < l->initrd_start || l->p2m_start < l->initrd_end ||
        l->p2m_end < l->p2m_start || l->start_info < l->p2m_end ||
        l->pt_start <= l->start_info || l->v_end < l->stack_end)
        return -XEN_EINVAL;
    if (!(l->v_end <= 0x0000800000000000UL || l->v_start >= 0xffff880000000000UL))
        return -XEN_EINVAL;
    if ((l->v_end - l->v_start) >> PAGE_SHIFT > in->nr_pages)
        return -XEN_ENOMEM;
    return 0;
}
