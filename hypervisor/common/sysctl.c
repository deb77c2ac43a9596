/*
 * __HYPERVISOR_sysctl: host-wide queries for the control domain, Xen's
 * public/sysctl.h at interface version 0x15 (Xen 4.17).  As Xen's
 * do_sysctl: copy the op in once; -EACCES for another interface version,
 * then -EPERM for a caller that is not the control domain; the whole op
 * is written back on success.  Commands not listed are -ENOSYS.
 *
 * Locking: none of its own; the domain list is only appended to at boot.
 */
#include <keel/domctl.h>
#include <keel/domain.h>
#include <keel/mm.h>
#include <keel/time.h>
#include <keel/lib.h>
#include <keel/smp.h>
#include <keel/guest_access.h>
#include <keel/console.h>
#include <public/sysctl.h>
#include <public/keel.h>
#include <keel/vstats.h>

/*
 * getdomaininfolist: one entry per domain, in increasing id order from
 * first_domain, at most max_domains (Xen walks its id-sorted list the
 * same way).  Domains are few: each step looks for the next id afresh.
 */
static long sysctl_getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
    struct xen_domctl_getdomaininfo info;
    struct domain *d;
    uint32_t n = 0;
    uint32_t id = l->first_domain;

    while (n < l->max_domains && id <= DOMID_MASK && (d = domain_next_from((domid_t)id))) {
        domctl_domaininfo(d, &info);
        if (copy_to_guest(l->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info)))
            return -XEN_EFAULT;
        n++;
        id = (uint32_t)d->domain_id + 1;
    }
    l->num_domains = n;
    return 0;
}

/*
 * readconsole: the hypervisor's message history, as Xen's
 * read_console_ring (common/console.c): copied out in chunks taken under
 * the console lock, never copying to the guest with that lock held.
 */
static long sysctl_readconsole(struct xen_sysctl_readconsole *op)
{
    char chunk[256];
    uint32_t c, p, sofar = 0;

    console_ring_span(op->incremental, op->index, &c, &p);
    while (c != p && sofar < op->count) {
        size_t n = console_ring_copy(&c, p, chunk, MIN(sizeof(chunk), (size_t)(op->count - sofar)));

        if (n == 0)
            break;
        if (copy_to_guest(op->buffer + sofar, chunk, n))
            return -XEN_EFAULT;
        sofar += (uint32_t)n;
    }
    if (op->clear)
        console_ring_clear(c);
    op->count = sofar;
    op->index = c;
    return 0;
}

/* physinfo: the online CPUs (one core each), one NUMA node, PV guests and grant v1 and v2. */
static long sysctl_physinfo(struct xen_sysctl_physinfo *pi)
{
    memset(pi, 0, sizeof(*pi));
    pi->threads_per_core = 1;
    pi->cores_per_socket = 1;
    pi->nr_cpus = nr_cpus_online;
    pi->max_cpu_id = nr_cpus_online - 1;
    pi->nr_nodes = 1;
    pi->max_node_id = 0;
    pi->cpu_khz = (uint32_t)MIN(tsc_khz(), (uint64_t)UINT32_MAX);
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1 |
                      XEN_SYSCTL_PHYSCAP_gnttab_v2;
    pi->total_pages = total_frame_count();
    pi->free_pages = free_frame_count();
    pi->max_mfn = max_mfn ? max_mfn - 1 : 0;
    return 0;
}

_Static_assert(sizeof(struct keel_sysctl_vstats) <= sizeof(((struct xen_sysctl *)0)->u.pad),
               "keel_sysctl_vstats fits in xen_sysctl.u");

/*
 * KEEL_SYSCTL_vstats (public/keel.h, docs/abi.md): one vCPU's
 * interference counters, or a domain's totals.  Errors as Xen's
 * getvcpuinfo: -EINVAL for a bad argument or vCPU id out of range, -ESRCH
 * for a domain or vCPU that does not exist, -EFAULT for the buffer.
 */
static long sysctl_vstats(struct keel_sysctl_vstats *a)
{
    struct keel_vstats out, one;
    const struct domain *d;
    uint64_t now = get_s_time();
    unsigned int i;

    if (a->pad0 || a->pad1 || a->size < sizeof(out))
        return -XEN_EINVAL;
    d = domain_next_from(a->domain);
    if (a->domain >= DOMID_FIRST_RESERVED || !d || d->domain_id != a->domain)
        return -XEN_ESRCH;
    memset(&out, 0, sizeof(out));
    if (a->vcpu != KEEL_VSTATS_DOMAIN) {
        if (a->vcpu >= d->max_vcpus || a->vcpu >= MAX_VCPUS)
            return -XEN_EINVAL;
        if (!d->vcpu[a->vcpu])
            return -XEN_ESRCH;
        vstat_fill(&out, &d->vcpu[a->vcpu]->runstate, &d->vcpu[a->vcpu]->vs, now);
    } else {
        for (i = 0; i < d->max_vcpus && i < MAX_VCPUS; i++) {
            if (!d->vcpu[i])
                continue;
            memset(&one, 0, sizeof(one));
            vstat_fill(&one, &d->vcpu[i]->runstate, &d->vcpu[i]->vs, now);
            vstat_sum(&out, &one);
        }
        out.version = KEEL_VSTATS_VERSION;
        out.now = now;
    }
    out.tot_pages = d->tot_pages;
    out.max_pages = d->max_pages;
    out.ballooned_pages = d->ballooned_pages;
    if (copy_to_guest(a->buffer, &out, sizeof(out)))
        return -XEN_EFAULT;
    a->size = sizeof(out);
    return 0;
}

long do_sysctl(uint64_t arg)
{
    struct xen_sysctl op;
    long rc;

    ASSERT(hv_lock_held());

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    switch (op.cmd) {
    case XEN_SYSCTL_getdomaininfolist:
        rc = sysctl_getdomaininfolist(&op.u.getdomaininfolist);
        break;
    case XEN_SYSCTL_sched_id:
        op.u.sched_id.sched_id = XEN_SCHEDULER_CREDIT2;
        rc = 0;
        break;
    case XEN_SYSCTL_readconsole:
        rc = sysctl_readconsole(&op.u.readconsole);
        break;
    case XEN_SYSCTL_physinfo:
        rc = sysctl_physinfo(&op.u.physinfo);
        break;
    case KEEL_SYSCTL_vstats: {
        struct keel_sysctl_vstats va;

        memcpy(&va, op.u.pad, sizeof(va));
        rc = sysctl_vstats(&va);
        memcpy(op.u.pad, &va, sizeof(va));
        break;
    }
    default:
        return -XEN_ENOSYS;
    }
    if (!rc && copy_to_guest(arg, &op, sizeof(op)))
        rc = -XEN_EFAULT;
    return rc;
}
