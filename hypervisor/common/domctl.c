/*
 * __HYPERVISOR_domctl: domain control for the control domain, Xen's
 * public/domctl.h at interface version 0x15 (Xen 4.17), so that tools
 * written against Xen's interface work unchanged.  As Xen's do_domctl:
 * copy the op in once; check the interface version (-EACCES), look the
 * domain up (-ESRCH), check the caller is the control domain (-EPERM);
 * then one worker per command validates its arguments before it changes
 * anything; getdomaininfo, getvcpuinfo and scheduler_op write the whole op
 * back.  Commands not listed are -ENOSYS.
 *
 * Locking: the domain list is only appended to at boot, so it is walked
 * without domain_list_lock (as the scheduler does).  d->lock guards d's
 * control pause count and scheduler parameters while they change.
 */
#include <keel/domctl.h>
#include <keel/domain.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <public/domctl.h>

#define DOMCTL_PAUSE_MAX 255     /* Xen: limit of controller_pause_count */

struct domain *domain_next_from(domid_t id)
{
    struct domain *d, *best = NULL;

    for (d = domain_list; d; d = d->next)
        if (d->domain_id >= id && (!best || d->domain_id < best->domain_id))
            best = d;
    return best;
}

/* Exact lookup by id, as Xen's rcu_lock_domain_by_id: no DOMID_SELF. */
static struct domain *domain_by_id(domid_t id)
{
    struct domain *d = domain_next_from(id);

    return d && d->domain_id == id ? d : NULL;
}

uint64_t vcpu_cpu_time(const struct vcpu *v, uint64_t now)
{
    uint64_t t = v->runstate.time[RUNSTATE_running];

    if (v->runstate.state == RUNSTATE_running && now > v->runstate.state_entry_time)
        t += now - v->runstate.state_entry_time;
    return t;
}

/*
 * As Xen's getdomaininfo(): blocked only if every online vCPU is blocked,
 * running if any is on a CPU, no run-state flags without online vCPUs.
 * Keel has no domain handle, XSM label, cpupools or HVM: those are 0.  The
 * shutdown code is reported once the domain has shut down (Xen reports
 * 255 before a code is set).
 */
void domctl_domaininfo(const struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    uint32_t flags = XEN_DOMINF_blocked;
    uint64_t now = get_s_time();
    unsigned int i;

    memset(info, 0, sizeof(*info));
    info->domain = d->domain_id;
    info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
    for (i = 0; i < d->max_vcpus && i < MAX_VCPUS; i++) {
        const struct vcpu *v = d->vcpu[i];
        if (!v)
            continue;
        info->cpu_time += vcpu_cpu_time(v, now);
        info->max_vcpu_id = i;
        if (!v->online)
            continue;
        if (!v->blocked)
            flags &= ~XEN_DOMINF_blocked;
        if (v->runstate.state == RUNSTATE_running)
            flags |= XEN_DOMINF_running;
        info->nr_online_vcpus++;
    }
    info->flags = info->nr_online_vcpus ? flags : 0;
    if (d->state != DOM_RUNNING)
        info->flags |= XEN_DOMINF_shutdown |
                       (d->shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift;
    if (d->state == DOM_DYING)
        info->flags |= XEN_DOMINF_dying;
    if (d->pause_count)
        info->flags |= XEN_DOMINF_paused;
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->shared_info_frame = mfn_x(d->shared_info_mfn);   /* PV: a machine frame */
}

/* getdomaininfo: the domain with the least id >= op->domain (Xen 4.17). */
static long domctl_getdomaininfo(struct xen_domctl *op)
{
    struct domain *d;

    if (op->domain >= DOMID_FIRST_RESERVED)
        return -XEN_EINVAL;
    d = domain_next_from(op->domain);
    if (!d)
        return -XEN_ESRCH;
    domctl_domaininfo(d, &op->u.getdomaininfo);
    op->domain = d->domain_id;
    return 0;
}

/* pausedomain: never the caller's own domain (it could not unpause). */
static long domctl_pause(struct domain *d)
{
    long rc = 0;

    if (d == current->domain)
        return -XEN_EINVAL;
    spin_lock(&d->lock);
    if (d->pause_count >= DOMCTL_PAUSE_MAX)
        rc = -XEN_EOVERFLOW;
    else if (d->pause_count++ == 0)
        sched_domain_pause(d);
    spin_unlock(&d->lock);
    return rc;
}

static long domctl_unpause(struct domain *d)
{
    long rc = 0;

    spin_lock(&d->lock);
    if (!d->pause_count)
        rc = -XEN_EINVAL;
    else if (--d->pause_count == 0)
        sched_domain_unpause(d);
    spin_unlock(&d->lock);
    return rc;
}

/* max_mem: Xen keeps max_pages in an unsigned int; clamp as it does.  No
 * check against tot_pages (Xen removed it: the domain may shrink to it). */
static long domctl_max_mem(struct domain *d, const struct xen_domctl_max_mem *mm)
{
    uint64_t pages = mm->max_memkb >> (PAGE_SHIFT - 10);

    d->max_pages = MIN(pages, (uint64_t)UINT32_MAX);
    return 0;
}

static long domctl_getvcpuinfo(const struct domain *d, struct xen_domctl_getvcpuinfo *vi)
{
    const struct vcpu *v;

    if (vi->vcpu >= d->max_vcpus || vi->vcpu >= MAX_VCPUS)
        return -XEN_EINVAL;
    v = d->vcpu[vi->vcpu];
    if (!v)
        return -XEN_ESRCH;
    vi->online = v->online;
    vi->blocked = v->blocked;
    vi->running = v->runstate.state == RUNSTATE_running;
    vi->cpu_time = vcpu_cpu_time(v, get_s_time());
    vi->cpu = v->processor;
    return 0;
}

/*
 * scheduler_op for credit2 (Xen's sched_adjust + csched2_dom_cntl):
 * putinfo weight 0 keeps the weight, cap 0 removes the cap, a cap above
 * 100 per vCPU is -EINVAL; per-vCPU commands are -EINVAL.  Unlike Xen,
 * nothing changes when the cap is refused (Xen has set the weight by then).
 */
static long domctl_scheduler_op(struct domain *d, struct xen_domctl_scheduler_op *so)
{
    uint32_t weight, cap;

    if (so->sched_id != XEN_SCHEDULER_CREDIT2)
        return -XEN_EINVAL;
    switch (so->cmd) {
    case XEN_DOMCTL_SCHEDOP_getinfo:
        spin_lock(&d->lock);
        so->u.credit2.weight = (uint16_t)d->weight;
        so->u.credit2.cap = (uint16_t)d->cap;
        spin_unlock(&d->lock);
        return 0;
    case XEN_DOMCTL_SCHEDOP_putinfo:
        if (so->u.credit2.cap > 100U * d->max_vcpus)
            return -XEN_EINVAL;
        spin_lock(&d->lock);
        weight = so->u.credit2.weight ? so->u.credit2.weight : d->weight;
        cap = so->u.credit2.cap;
        sched_adjust(d, weight, cap);
        spin_unlock(&d->lock);
        return 0;
    default:
        return -XEN_EINVAL;
    }
}

/* Version, domain, permission, in Xen's order (see the top comment). */
static long domctl_decode(const struct xen_domctl *op, struct domain **dp)
{
    *dp = NULL;
    if (op->interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op->cmd != XEN_DOMCTL_getdomaininfo && !(*dp = domain_by_id(op->domain)))
        return -XEN_ESRCH;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    return 0;
}

long do_domctl(uint64_t arg)
{
    struct xen_domctl op;
    struct domain *d;
    bool copyback = false;
    long rc;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    rc = domctl_decode(&op, &d);
    if (rc)
        return rc;
    switch (op.cmd) {
    case XEN_DOMCTL_getdomaininfo:
        rc = domctl_getdomaininfo(&op);
        copyback = !rc;
        break;
    case XEN_DOMCTL_pausedomain:
        rc = domctl_pause(d);
        break;
    case XEN_DOMCTL_unpausedomain:
        rc = domctl_unpause(d);
        break;
    case XEN_DOMCTL_max_mem:
        rc = domctl_max_mem(d, &op.u.max_mem);
        break;
    case XEN_DOMCTL_getvcpuinfo:
        rc = domctl_getvcpuinfo(d, &op.u.getvcpuinfo);
        copyback = !rc;
        break;
    case XEN_DOMCTL_scheduler_op:
        rc = domctl_scheduler_op(d, &op.u.scheduler_op);
        copyback = true;          /* Xen copies back whatever the result */
        break;
    default:
        return -XEN_ENOSYS;
    }
    if (copyback && copy_to_guest(arg, &op, sizeof(op)))
        rc = -XEN_EFAULT;
    return rc;
}
