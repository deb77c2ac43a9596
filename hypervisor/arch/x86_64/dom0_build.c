/*
 * Building dom0 from the first boot module: a 64-bit ELF kernel with Xen
 * notes, following Xen's start-of-day contract (keel/pv_layout.h,
 * LINUX-PV-ABI.md A): memory, bootstrap page tables (read-only, pinned
 * L4), kernel image, initrd, p2m list, start_info, the boot vCPU's
 * registers.  Runs once at boot on the boot CPU.
 * Locking: mm_lock while the bootstrap L4 is pinned and validated (the
 * allocator's heap_lock inside it); the rest touches only the new domain.
 */
#include <keel/domain.h>
#include <keel/pv_mm.h>
#include <keel/pv_layout.h>
#include <keel/elf.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/bootinfo.h>
#include <keel/dom0_build.h>
#include <keel/event.h>
#include <keel/console_backend.h>
#include <public/xen.h>
#include <public/features.h>
#include <asm/page.h>
#include <asm/processor.h>

struct build_ctx {
    struct domain *d;
    const struct pv_layout *l;
    uint32_t console_port;
};

/* The frame the builder placed at guest frame g (d->p2m, the initial
 * pfn -> mfn map; g below d->p2m_size by construction of the layout). */
static mfn_t p2m_frame(const struct domain *d, gfn_t g)
{
    return d->p2m[gfn_x(g)];
}

static void *va_to_hv(const struct build_ctx *c, uint64_t va)
{
    uint64_t pfn = pv_layout_pfn(c->l, va);
    return (char *)mfn_to_virt(p2m_frame(c->d, _gfn(pfn))) + (va & (PAGE_SIZE - 1));
}

/* Copy (or zero) bytes into the domain at a virtual address of its bootstrap region. */
static int copy_to_domain(void *ctx, uint64_t va, const void *src, size_t n)
{
    const struct build_ctx *c = ctx;

    if (va < c->l->v_start || va + n > c->l->v_end || va + n < va)
        return -XEN_EINVAL;
    while (n) {
        size_t chunk = MIN(n, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        if (src) {
            memcpy(va_to_hv(c, va), src, chunk);
            src = (const char *)src + chunk;
        } else {
            memset(va_to_hv(c, va), 0, chunk);
        }
        va += chunk;
        n -= chunk;
    }
    return 0;
}

static int allocate_memory(struct domain *d, uint64_t nr_pages)
{
    uint64_t pfn;

    d->p2m = xzalloc_bytes(nr_pages * sizeof(mfn_t));
    if (!d->p2m)
        return -XEN_ENOMEM;
    d->p2m_size = nr_pages;
    for (pfn = 0; pfn < nr_pages; pfn++) {
        /* Guest memory: the DMA reserve stays for device requests. */
        mfn_t m = alloc_domheap_frames(0, 0);
        struct page_info *pg;
        if (mfn_eq(m, INVALID_MFN))
            return -XEN_ENOMEM;
        pg = mfn_to_page(m);
        pg->owner = d->domain_id;
        pg->flags = PGC_allocated;
        pg->count = 1;
        d->p2m[pfn] = m;
        m2p_set(m, _gfn(pfn));
        d->tot_pages++;
    }
    d->max_pages = nr_pages;
    return 0;
}

/*
 * Bootstrap tables in the frames at [pt_start, pt_end): L4, then L3s,
 * L2s and L1s, mapping all of [v_start, v_end) with 4 KiB pages; the
 * table frames themselves are mapped read-only.
 */
static mfn_t build_page_tables(const struct build_ctx *c)
{
    const struct pv_layout *l = c->l;
    const uint64_t upper = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
    uint64_t next_pt = l->pt_start, va;
    mfn_t l4m = p2m_frame(c->d, _gfn(pv_layout_pfn(l, next_pt)));
    uint64_t *l4 = mfn_to_virt(l4m);

    next_pt += PAGE_SIZE;
    for (va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
        uint64_t *e = &l4[L4_IDX(va)], *t;
        unsigned int level;
        mfn_t m = p2m_frame(c->d, _gfn(pv_layout_pfn(l, va)));
        uint64_t flags = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_RW;

        for (level = 4; level > 1; level--) {
            if (!(*e & _PAGE_PRESENT)) {
                *e = mfn_pte(p2m_frame(c->d, _gfn(pv_layout_pfn(l, next_pt))), upper);
                next_pt += PAGE_SIZE;
            }
            t = mfn_to_virt(pte_mfn(*e));
            e = &t[(va >> (12 + 9 * (level - 2))) & 511];
        }
        if (va >= l->pt_start && va < l->pt_end)
            flags &= ~_PAGE_RW;
        *e = mfn_pte(m, flags);
    }
    return l4m;
}

/*
 * The p2m list at the kernel's XEN_ELFNOTE_INIT_P2M address, where
 * pv_layout_init_p2m places it (shared with dom0's run-time builder):
 * its frames, then the L3/L2/L1 tables mapping them.
 */
static int build_init_p2m(const struct build_ctx *c, mfn_t l4m, uint64_t base,
                          struct pv_p2m_area *a)
{
    const uint64_t upper = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
    struct domain *d = c->d;
    uint64_t next, va, i;
    uint64_t *l4 = mfn_to_virt(l4m);
    int rc = pv_layout_init_p2m(c->l, d->tot_pages, base, a);

    if (rc)
        return rc;
    if (l4[L4_IDX(base)] & _PAGE_PRESENT)
        return -XEN_EINVAL;
    next = a->first_pfn + a->nr_data;
    for (i = 0, va = base; i < a->nr_data; i++, va += PAGE_SIZE) {
        uint64_t *e = &l4[L4_IDX(va)], *t;
        unsigned int level;
        for (level = 4; level > 1; level--) {
            if (!(*e & _PAGE_PRESENT)) {
                memset(mfn_to_virt(p2m_frame(d, _gfn(next))), 0, PAGE_SIZE);
                *e = mfn_pte(p2m_frame(d, _gfn(next++)), upper);
            }
            t = mfn_to_virt(pte_mfn(*e));
            e = &t[(va >> (12 + 9 * (level - 2))) & 511];
        }
        *e = mfn_pte(p2m_frame(d, _gfn(a->first_pfn + i)), upper);
        memset(mfn_to_virt(p2m_frame(d, _gfn(a->first_pfn + i))), 0xff, PAGE_SIZE);
    }
    for (i = 0; i < d->tot_pages; i++)
        ((uint64_t *)mfn_to_virt(p2m_frame(d, _gfn(a->first_pfn + i / 512))))[i % 512] =
            mfn_x(p2m_frame(d, _gfn(i)));
    return 0;
}

static void write_start_info(const struct build_ctx *c, const struct dom0_params *p,
                             uint64_t initrd_len, const struct pv_p2m_area *pa)
{
    struct start_info *si = va_to_hv(c, c->l->start_info);
    struct domain *d = c->d;

    memset(si, 0, PAGE_SIZE);
    memcpy(si->magic, XEN_START_INFO_MAGIC, sizeof(XEN_START_INFO_MAGIC));
    si->nr_pages = d->tot_pages;
    si->shared_info = mfn_x(d->shared_info_mfn) << PAGE_SHIFT;
    si->flags = p->privileged ? (SIF_PRIVILEGED | SIF_INITDOMAIN) : 0;
    si->pt_base = c->l->pt_start;
    si->nr_pt_frames = c->l->nr_pt_frames;
    si->mfn_list = pa->va ? pa->va : c->l->p2m_start;
    si->first_p2m_pfn = pa->va ? pa->first_pfn : 0;
    si->nr_p2m_frames = pa->va ? pa->nr_frames : 0;
    si->mod_start = initrd_len ? c->l->initrd_start : 0;
    si->mod_len = initrd_len;
    if (p->privileged) {
        /* console.dom0.info_off points at zeroed bytes: Linux reads
         * video_type even when info_size is 0 (LINUX-PV-ABI.md A.5). */
        si->console.dom0.info_off = sizeof(*si);
        si->console.dom0.info_size = 0;
    } else {
        /* domU: console ring (backend: the hypervisor) and a xenstore
         * page; store_evtchn 0 until a store daemon runs in dom0. */
        si->console.domU.mfn = mfn_x(p2m_frame(d, _gfn(pv_layout_pfn(c->l, c->l->console_page))));
        si->console.domU.evtchn = c->console_port;
        si->store_mfn = mfn_x(p2m_frame(d, _gfn(pv_layout_pfn(c->l, c->l->store_page))));
        si->store_evtchn = 0;
    }
    memcpy(si->cmd_line, p->cmdline, MIN(strlen(p->cmdline), sizeof(si->cmd_line) - 1));
}

static int check_features(const struct xen_elf_info *info, bool dom0, char *err, size_t errlen)
{
    /* What Keel offers a PV guest (Xen's dom0_features_supported analogue). */
    const uint32_t offered = (1u << XENFEAT_writable_page_tables) |
                             (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_dom0);
    uint32_t missing = elf_xen_missing_features(info, offered);

    if (missing) {
        snprintf(err, errlen, "kernel requires unsupported features %#x", missing);
        return -XEN_EINVAL;
    }
    if (dom0 && !elf_xen_dom0_capable(info)) {
        snprintf(err, errlen, "kernel does not support dom0 operation (no XENFEAT_dom0)");
        return -XEN_EINVAL;
    }
    return 0;
}

/*
 * pv_build_domain in phases: the kernel's notes
 * (build_parse), the layout (build_layout), memory, image and initrd
 * (build_load), the bootstrap page tables and p2m list (build_tables),
 * a domU's console and store rings (build_domu_rings), start_info, then
 * the pinned L4 and the boot vCPU (build_boot_vcpu).  Each names its
 * failure in err.
 */
static int build_parse(const struct dom0_params *p, struct xen_elf_info *info, char *err,
                       size_t errlen)
{
    int rc = elf_xen_parse(p->kernel, p->kernel_len, info);

    if (rc) {
        snprintf(err, errlen, "%s", info->err[0] ? info->err : elf_xen_strerror(rc));
        return rc;
    }
    return check_features(info, p->privileged, err, errlen);
}

static int build_layout(const struct dom0_params *p, const struct xen_elf_info *info,
                        struct pv_layout *l, char *err, size_t errlen)
{
    struct pv_layout_in in = { 0 };
    int rc;

    in.virt_base = info->virt_base;
    in.virt_kstart = info->virt_kstart;
    in.virt_kend = info->virt_kend;
    in.nr_pages = p->nr_pages;
    in.initrd_len = p->initrd_len;
    in.p2m_outside = info->has_init_p2m;
    in.domu_rings = !p->privileged;
    rc = pv_layout_compute(&in, l);
    if (rc)
        snprintf(err, errlen, rc == -XEN_ENOMEM ?
                 "%lu pages of memory cannot hold the %lu-page bootstrap region" :
                 "kernel image bounds are unusable (%lu pages, %lu)",
                 p->nr_pages, (l->v_end - l->v_start) >> PAGE_SHIFT);
    return rc;
}

/* The domain's memory, the kernel image (and its hypercall page), the initrd. */
static int build_load(struct build_ctx *c, const struct dom0_params *p,
                      const struct xen_elf_info *info, char *err, size_t errlen)
{
    int rc = allocate_memory(c->d, p->nr_pages);

    if (rc) {
        snprintf(err, errlen, "out of memory allocating %lu pages", p->nr_pages);
        return rc;
    }
    rc = elf_xen_load(p->kernel, p->kernel_len, info, copy_to_domain, c);
    if (rc) {
        snprintf(err, errlen, "loading the kernel image failed (%d)", rc);
        return rc;
    }
    if (info->has_hypercall_page)
        pv_hypercall_page_fill(va_to_hv(c, info->hypercall_page & PAGE_MASK));
    if (p->initrd_len)
        copy_to_domain(c, c->l->initrd_start, p->initrd, p->initrd_len);
    return 0;
}

/* Bootstrap page tables, and the p2m list at INIT_P2M or in the
 * bootstrap region; *l4 is the new L4. */
static int build_tables(struct build_ctx *c, const struct xen_elf_info *info,
                        struct pv_p2m_area *pa, mfn_t *l4, char *err, size_t errlen)
{
    struct domain *d = c->d;
    uint64_t pfn;
    int rc;

    *l4 = build_page_tables(c);
    if (info->has_init_p2m) {
        rc = build_init_p2m(c, *l4, info->init_p2m, pa);
        if (rc) {
            snprintf(err, errlen, rc == -XEN_ENOMEM ? "no room for the p2m list after the "
                     "bootstrap region" : "unusable INIT_P2M address %lx", info->init_p2m);
            return rc;
        }
    } else {
        for (pfn = 0; pfn < d->tot_pages; pfn++)
            copy_to_domain(c, c->l->p2m_start + pfn * 8, &d->p2m[pfn], 8);  /* the p2m as built */
    }
    return 0;
}

/* A domU's console ring (on a Xen-bound port) and store page, zeroed. */
static int build_domu_rings(struct build_ctx *c, char *err, size_t errlen)
{
    struct domain *d = c->d;
    const struct pv_layout *l = c->l;
    int port = evtchn_alloc_xen_port(d);
    int rc;

    if (port <= 0) {
        snprintf(err, errlen, "no event channel for the console");
        return -XEN_ENOSPC;
    }
    c->console_port = (uint32_t)port;
    memset(va_to_hv(c, l->console_page), 0, PAGE_SIZE);
    memset(va_to_hv(c, l->store_page), 0, PAGE_SIZE);
    rc = cons_backend_attach(d, p2m_frame(d, _gfn(pv_layout_pfn(l, l->console_page))),
                             c->console_port);
    if (rc)
        snprintf(err, errlen, "console backend not attached (%d)", rc);
    return rc;
}

/* Pin the bootstrap L4 (validating every table), take CR3's reference,
 * and set the boot vCPU's registers for the kernel's entry. */
static int build_boot_vcpu(struct build_ctx *c, const struct xen_elf_info *info, mfn_t l4,
                           char *err, size_t errlen)
{
    struct domain *d = c->d;
    const struct pv_layout *l = c->l;
    struct vcpu *v = d->vcpu[0];
    int rc;

    mm_lock_acquire();
    rc = pv_pin_table(d, l4, PGT_l4);
    if (!rc)
        rc = get_page_and_type(l4, d, PGT_l4);    /* the reference CR3 holds */
    mm_lock_release();
    if (rc) {
        snprintf(err, errlen, "bootstrap page tables failed validation (%d)", rc);
        return rc;
    }
    v->guest_table = l4;
    v->regs.rip = info->virt_entry;
    v->regs.rsp = l->stack_end;
    v->regs.rsi = l->start_info;
    v->regs.cs = FLAT_RING3_CS64;
    v->regs.ss = FLAT_RING3_DS;
    v->regs.rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
    v->online = true;
    v->initialised = true;
    return 0;
}

int pv_build_domain(struct domain *d, const struct dom0_params *p, char *err, size_t errlen)
{
    struct xen_elf_info info;
    struct pv_layout l;
    struct build_ctx c = { d, &l, 0 };
    struct pv_p2m_area pa = { 0 };
    mfn_t l4;
    int rc;

    rc = build_parse(p, &info, err, errlen);
    if (!rc)
        rc = build_layout(p, &info, &l, err, errlen);
    if (!rc)
        rc = build_load(&c, p, &info, err, errlen);
    if (!rc)
        rc = build_tables(&c, &info, &pa, &l4, err, errlen);
    if (!rc && !p->privileged)
        rc = build_domu_rings(&c, err, errlen);
    if (rc)
        return rc;
    write_start_info(&c, p, p->initrd_len, &pa);
    rc = build_boot_vcpu(&c, &info, l4, err, errlen);
    if (rc)
        return rc;
    printk("d%u: kernel %lx-%lx entry %lx, %lu pages, bootstrap %lx-%lx, start_info %lx\n",
           d->domain_id, l.kern_start, l.kern_end, info.virt_entry, d->tot_pages,
           l.v_start, l.v_end, l.start_info);
    return 0;
}
