/*
 * keel_build_domain: the hypercall sequence of a run-time PV build over
 * privcmd (keel_build.h; tests/guests/builder.c does the same from a
 * test dom0).  Every buffer a hypercall reads or writes is locked memory
 * from keelctl_buf_alloc.  On any error after createdomain the domain is
 * destroyed: a failed build leaves nothing behind.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "keel_build.h"
#include <public/memory.h>
#include <public/event_channel.h>
#include <public/grant_table.h>

struct job {
    struct keelctl *h;
    const struct keel_build_cfg *cfg;
    struct keel_kernel k;
    uint8_t *initrd;
    size_t initrd_len;
    struct keel_plan plan;
    domid_t dom;
    bool created;
    uint64_t *p2m;              /* locked: populate_physmap's extent list */
    struct keel_start start;
    char *err;
    size_t errlen;
};

static int fail(struct job *j, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct job *j, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(j->err, j->errlen, fmt, ap);
    va_end(ap);
    return rc < 0 ? rc : -EIO;
}

static int domctl(struct job *j, uint32_t cmd, struct xen_domctl *op)
{
    op->cmd = cmd;
    op->domain = j->dom;
    return keelctl_domctl(j->h, op);
}

static int simple(struct job *j, uint32_t cmd)
{
    struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    return domctl(j, cmd, &op);
}

/* EVTCHNOP_alloc_unbound in the new domain for dom0: the port or -errno. */
static long alloc_unbound(struct job *j)
{
    struct evtchn_alloc_unbound *au = keelctl_buf_alloc(sizeof(*au));
    long rc;

    if (!au)
        return -ENOMEM;
    au->dom = j->dom;
    au->remote_dom = 0;
    rc = keelctl_hypercall(j->h, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
                           (uintptr_t)au, 0, 0, 0);
    if (rc == 0)
        rc = au->port;
    keelctl_buf_free(au, sizeof(*au));
    return rc;
}

/* Steps before any memory: the domain, its vCPUs, its limit, its ports. */
static int create(struct job *j)
{
    const struct keel_build_cfg *c = j->cfg;
    struct xen_domctl op;
    long port;
    int rc;

    memset(&op, 0, sizeof(op));
    op.u.createdomain.max_vcpus = c->max_vcpus;
    op.u.createdomain.max_evtchn_port = 1023;           /* libxl's default event_channels */
    op.u.createdomain.max_grant_frames = -1;
    op.u.createdomain.max_maptrack_frames = -1;
    op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    j->dom = 0;
    rc = domctl(j, XEN_DOMCTL_createdomain, &op);
    if (rc < 0)
        return fail(j, rc, "createdomain failed: %s", strerror(-rc));
    j->dom = op.domain;
    j->created = true;
    memset(&op, 0, sizeof(op));
    op.u.max_vcpus.max = c->max_vcpus;
    rc = domctl(j, XEN_DOMCTL_max_vcpus, &op);
    if (rc < 0)
        return fail(j, rc, "max_vcpus %u failed: %s", c->max_vcpus, strerror(-rc));
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = c->maxmem_mib * 1024 + 1024;   /* LIBXL_MAXMEM_CONSTANT */
    rc = domctl(j, XEN_DOMCTL_max_mem, &op);
    if (rc < 0)
        return fail(j, rc, "max_mem %lu MiB failed: %s", (unsigned long)c->maxmem_mib,
                    strerror(-rc));
    port = alloc_unbound(j);
    if (port < 0)
        return fail(j, (int)port, "console event channel: %s", strerror((int)-port));
    j->start.console_port = (uint32_t)port;
    port = alloc_unbound(j);
    if (port < 0)
        return fail(j, (int)port, "store event channel: %s", strerror((int)-port));
    j->start.store_port = (uint32_t)port;
    memset(&op, 0, sizeof(op));
    op.u.address_size.size = 64;
    rc = domctl(j, XEN_DOMCTL_set_address_size, &op);
    if (rc < 0)
        return fail(j, rc, "set_address_size 64 failed: %s", strerror(-rc));
    return 0;
}

#define POPULATE_BATCH 2048    /* pages per populate_physmap call (8 MiB) */

/* XENMEM_populate_physmap for the new domain: p2m[pfn] = its frame. */
static int populate(struct job *j)
{
    uint64_t n = j->plan.nr_pages, done = 0, i;
    struct xen_memory_reservation *r = keelctl_buf_alloc(sizeof(*r));
    long rc = 0;

    if (!r)
        return fail(j, -ENOMEM, "out of locked memory for the reservation");
    for (i = 0; i < n; i++)
        j->p2m[i] = i;
    /* At most POPULATE_BATCH pages per call, and a call may do part of
     * its list (preemption): go on from there.  The batches keep each
     * privcmd ioctl short: Debian's dom0 kernel (voluntary preemption)
     * reschedules inside a long hypercall only when it returns to user
     * space, and one call for a whole domain's memory held dom0's only
     * vCPU long enough under TCG for an RCU stall (linux-blk). */
    while (done < n) {
        memset(r, 0, sizeof(*r));
        r->nr_extents = MIN(n - done, POPULATE_BATCH);
        r->extent_order = 0;
        r->domid = j->dom;
        set_xen_guest_handle(r->extent_start, (xen_pfn_t *)&j->p2m[done]);
        rc = keelctl_hypercall(j->h, __HYPERVISOR_memory_op, XENMEM_populate_physmap,
                               (uintptr_t)r, 0, 0, 0);
        if (rc <= 0)
            break;
        done += (uint64_t)rc;
    }
    keelctl_buf_free(r, sizeof(*r));
    if (done < n)
        return fail(j, -ENOMEM, "memory: only %lu of %lu pages could be allocated (%s)",
                    (unsigned long)done, (unsigned long)n,
                    rc < 0 ? strerror((int)-rc) : "hypervisor out of memory");
    return 0;
}

/* Write the start of day through a foreign mapping of pfns [0, map_pages). */
static int load(struct job *j, uint64_t *l4_pfn)
{
    unsigned int n = (unsigned int)j->plan.map_pages, i;
    int *errs = calloc(n, sizeof(int)), rc;
    uint8_t *mem;
    long pt;

    if (!errs)
        return fail(j, -ENOMEM, "out of memory");
    mem = keelctl_map_foreign(j->h, j->dom, PROT_READ | PROT_WRITE, (const xen_pfn_t *)j->p2m,
                              errs, n, &rc);
    if (!mem) {
        free(errs);
        return fail(j, rc, "foreign map of the new domain's %u pages failed: %s", n,
                    strerror(-rc));
    }
    for (i = 0; i < n; i++)
        if (errs[i]) {
            rc = fail(j, errs[i], "foreign map of the new domain's pfn %u failed: %s", i,
                      strerror(-errs[i]));
            keelctl_unmap(mem, n);
            free(errs);
            return rc;
        }
    free(errs);
    pt = keel_image_write(&j->plan, &j->k, j->initrd, j->initrd_len, j->p2m, mem, &j->start,
                          j->err, j->errlen);
    keelctl_unmap(mem, n);   /* before the pin: no writable mapping of a table may remain */
    if (pt < 0)
        return (int)pt;
    *l4_pfn = (uint64_t)pt;
    return 0;
}

/* libxc's bootlate_pv: shared_info zeroed, every vcpu_info's upcall masked. */
static int shared_info(struct job *j)
{
    xen_pfn_t mfn = j->start.shared_info_mfn;
    struct shared_info *s;
    int err = 0, rc, i;

    s = keelctl_map_foreign(j->h, j->dom, PROT_READ | PROT_WRITE, &mfn, &err, 1, &rc);
    if (!s)
        return fail(j, rc, "foreign map of shared_info failed: %s", strerror(-rc));
    memset(s, 0, PAGE_SIZE);
    for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        s->vcpu_info[i].evtchn_upcall_mask = 1;
    keelctl_unmap(s, 1);
    return 0;
}

/*
 * libxc's xc_dom_gnttab_seed: the new domain's grant entries
 * GNTTAB_RESERVED_CONSOLE and _XENSTORE grant its console and store pages
 * to dom0, so that backends (xenconsoled, xenstored) may map them by
 * grant.  Keel answers XENMEM_acquire_resource with -EOPNOTSUPP, so this
 * is libxc's fallback: GNTTABOP_setup_table for the domain and a foreign
 * map of its grant frame 0.
 */
static int seed_grants(struct job *j)
{
    struct gnttab_setup_table *st = keelctl_buf_alloc(sizeof(*st) + sizeof(xen_pfn_t));
    xen_pfn_t *frame = (xen_pfn_t *)(st + 1), gfn;
    struct grant_entry_v1 *g;
    int err = 0, rc;
    long hrc;

    if (!st)
        return fail(j, -ENOMEM, "out of locked memory");
    st->dom = j->dom;
    st->nr_frames = 1;
    set_xen_guest_handle(st->frame_list, frame);
    hrc = keelctl_hypercall(j->h, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
                            (uintptr_t)st, 1, 0, 0);
    if (hrc == 0 && st->status != GNTST_okay)
        hrc = -EINVAL;
    gfn = *frame;
    keelctl_buf_free(st, sizeof(*st) + sizeof(xen_pfn_t));
    if (hrc < 0)
        return fail(j, (int)hrc, "grant table setup for the new domain failed: %s",
                    strerror((int)-hrc));
    g = keelctl_map_foreign(j->h, j->dom, PROT_READ | PROT_WRITE, &gfn, &err, 1, &rc);
    if (!g)
        return fail(j, rc, "foreign map of the new domain's grant frame failed: %s",
                    strerror(-rc));
    g[GNTTAB_RESERVED_CONSOLE] = (struct grant_entry_v1){
        .flags = GTF_permit_access, .domid = 0, .frame = (uint32_t)j->start.console_mfn };
    g[GNTTAB_RESERVED_XENSTORE] = (struct grant_entry_v1){
        .flags = GTF_permit_access, .domid = 0, .frame = (uint32_t)j->start.store_mfn };
    keelctl_unmap(g, 1);
    return 0;
}

static int pin_and_start(struct job *j, uint64_t l4_mfn)
{
    struct mmuext_op *op = keelctl_buf_alloc(sizeof(*op));
    struct vcpu_guest_context *ctx = keelctl_buf_alloc(sizeof(*ctx));
    struct xen_domctl dc;
    long rc;

    if (!op || !ctx) {
        rc = fail(j, -ENOMEM, "out of locked memory");
        goto out;
    }
    op->cmd = MMUEXT_PIN_L4_TABLE;
    op->arg1.mfn = l4_mfn;
    rc = keelctl_hypercall(j->h, __HYPERVISOR_mmuext_op, (uintptr_t)op, 1, 0, j->dom, 0);
    if (rc < 0) {
        rc = fail(j, (int)rc, "pinning the bootstrap L4 (mfn %#lx) failed: %s",
                  (unsigned long)l4_mfn, strerror((int)-rc));
        goto out;
    }
    keel_boot_context(&j->plan, &j->k, l4_mfn, ctx);
    memset(&dc, 0, sizeof(dc));
    dc.u.vcpucontext.vcpu = 0;
    set_xen_guest_handle(dc.u.vcpucontext.ctxt, ctx);
    rc = domctl(j, XEN_DOMCTL_setvcpucontext, &dc);
    if (rc < 0) {
        rc = fail(j, (int)rc, "setvcpucontext failed: %s", strerror((int)-rc));
        goto out;
    }
    rc = 0;
    if (!j->cfg->paused) {
        rc = simple(j, XEN_DOMCTL_unpausedomain);
        if (rc < 0)
            rc = fail(j, (int)rc, "unpausedomain failed: %s", strerror((int)-rc));
    }
out:
    keelctl_buf_free(op, sizeof(*op));
    keelctl_buf_free(ctx, sizeof(*ctx));
    return (int)rc;
}

/* Kernel, ramdisk and plan: everything that can fail before a domain exists. */
static int prepare(struct job *j, struct keelctl *h)
{
    const struct keel_build_cfg *c = j->cfg;
    struct xen_sysctl_physinfo pi;
    uint64_t nr = c->memory_mib << 8;
    int rc;

    if (!c->kernel)
        return fail(j, -EINVAL, "kernel: not set");
    if (c->max_vcpus == 0 || c->max_vcpus > XEN_LEGACY_MAX_VCPUS)
        return fail(j, -EINVAL, "vcpus: %u is not in 1..%u", c->max_vcpus,
                    XEN_LEGACY_MAX_VCPUS);
    if (c->maxmem_mib < c->memory_mib)
        return fail(j, -EINVAL, "maxmem: %lu MiB is below memory (%lu MiB)",
                    (unsigned long)c->maxmem_mib, (unsigned long)c->memory_mib);
    rc = keel_kernel_load_cached(&j->k, c->kernel, c->kernel_cache, j->err, j->errlen);
    if (rc)
        return rc;
    if (c->ramdisk) {
        rc = keel_read_file(c->ramdisk, KEEL_BUILD_MAX_FILE, &j->initrd, &j->initrd_len, j->err,
                            j->errlen);
        if (rc)
            return rc;
    }
    rc = keel_plan_compute(&j->k.info, nr, j->initrd_len, &j->plan, j->err, j->errlen);
    if (rc)
        return rc;
    rc = keelctl_physinfo(h, &pi);
    if (rc < 0)
        return fail(j, rc, "physinfo failed: %s", strerror(-rc));
    if (pi.free_pages < nr)
        return fail(j, -ENOMEM, "memory: %lu MiB requested, only %lu MiB free",
                    (unsigned long)c->memory_mib, (unsigned long)(pi.free_pages >> 8));
    j->p2m = keelctl_buf_alloc(nr * sizeof(uint64_t));
    if (!j->p2m)
        return fail(j, -ENOMEM, "out of locked memory for a %lu-page p2m", (unsigned long)nr);
    return 0;
}

/* Seconds since *t, and *t = now. */
static double lap(struct timespec *t)
{
    struct timespec now;
    double d;

    clock_gettime(CLOCK_MONOTONIC, &now);
    d = (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
    *t = now;
    return d;
}

int keel_build_domain(struct keelctl *h, const struct keel_build_cfg *cfg,
                      struct keel_build_result *r, char *err, size_t errlen)
{
    struct job j = { .h = h, .cfg = cfg, .err = err, .errlen = errlen };
    struct xen_domctl_getdomaininfo gi;
    struct timespec t;
    uint64_t l4_pfn = 0;
    int rc;

    err[0] = 0;
    j.start.cmdline = cfg->cmdline;
    j.start.give_store = cfg->with_store;
    clock_gettime(CLOCK_MONOTONIC, &t);
    rc = prepare(&j, h);
    r->t_files = lap(&t);
    r->kernel_cached = j.k.cached;
    r->t_unpack = j.k.t_unpack;
    r->t_store = j.k.t_store;
    if (!rc)
        rc = create(&j);
    r->t_domain = lap(&t);
    if (!rc)
        rc = populate(&j);
    r->t_memory = lap(&t);
    if (!rc) {
        rc = keelctl_domain_info(h, j.dom, &gi);
        if (rc < 0)
            rc = fail(&j, rc, "getdomaininfo of the new domain failed: %s", strerror(-rc));
        else
            j.start.shared_info_mfn = gi.shared_info_frame;
    }
    if (!rc)
        rc = load(&j, &l4_pfn);
    r->t_image = lap(&t);
    if (!rc)
        rc = shared_info(&j);
    if (!rc)
        rc = seed_grants(&j);
    if (!rc)
        rc = pin_and_start(&j, j.p2m[l4_pfn]);
    r->t_start = lap(&t);
    if (rc && j.created)
        simple(&j, XEN_DOMCTL_destroydomain);   /* never leave a half-built domain */
    if (!rc) {
        r->domid = j.dom;
        r->console_mfn = j.start.console_mfn;
        r->console_port = j.start.console_port;
        r->store_mfn = j.start.store_mfn;
        r->store_port = j.start.store_port;
    }
    if (j.p2m)
        keelctl_buf_free(j.p2m, j.plan.nr_pages * sizeof(uint64_t));
    free(j.initrd);
    keel_kernel_free(&j.k);
    return rc;
}
