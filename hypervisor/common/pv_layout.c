/*
 * Start-of-day layout (see keel/pv_layout.h), following Xen's dom0
 * builder (xen/arch/x86/pv/dom0_build.c): page tables are counted for
 * the whole region they must map, growing until they fit.
 */
#include <keel/pv_layout.h>
#include <keel/lib.h>
#include <public/errno.h>
#include <public/xen.h>

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

int pv_layout_init_p2m(const struct pv_layout *l, uint64_t nr_pages, uint64_t base,
                       struct pv_p2m_area *a)
{
    uint64_t data, end;

    *a = (struct pv_p2m_area){ 0 };
    if (nr_pages == 0 || nr_pages > (1UL << 40))
        return -XEN_EINVAL;
    data = ROUNDUP(nr_pages * 8, PAGE_SIZE) >> PAGE_SHIFT;
    end = base + (data << PAGE_SHIFT);
    if ((base & (PAGE_SIZE - 1)) || base >= (1UL << 47) || end > (1UL << 47) ||
        (base >> 39) != ((end - 1) >> 39) ||
        ((base >> 39) >= (l->v_start >> 39) && (base >> 39) <= ((l->v_end - 1) >> 39)))
        return -XEN_EINVAL;
    a->va = base;
    a->first_pfn = pv_layout_pfn(l, l->v_end);
    a->nr_data = data;
    a->nr_tables = 1 + span(base, end, 30) + span(base, end, 21);
    a->nr_frames = data + a->nr_tables;
    if (a->first_pfn + a->nr_frames > nr_pages)
        return -XEN_ENOMEM;
    return 0;
}

void pv_hypercall_page_fill(uint8_t *p)
{
    unsigned int i;

    memset(p, 0xcc, PAGE_SIZE);
    for (i = 0; i < PAGE_SIZE / 32; i++) {
        uint8_t *s = p + i * 32;
        if (i == __HYPERVISOR_iret) {
            /* push %rcx; push %r11; push %rax; mov $23,%eax; syscall */
            const uint8_t st[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, (uint8_t)i, 0, 0, 0, 0x0f, 0x05 };
            memcpy(s, st, sizeof(st));
        } else {
            /* push %rcx; push %r11; mov $i,%eax; syscall; pop %r11; pop %rcx; ret */
            const uint8_t st[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)i, 0, 0, 0, 0x0f, 0x05,
                                   0x41, 0x5b, 0x59, 0xc3 };
            memcpy(s, st, sizeof(st));
        }
    }
}
