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
 * Locking: everything runs under the hypervisor lock; the domain list
 * changes only under it (createdomain, and a dead run-time domain freed
 * at a safe point, domain_life.c), so it is walked without
 * domain_list_lock (as the scheduler does).  d->lock guards d's
 * control pause count and scheduler parameters while they change.
 */
#include <keel/domctl.h>
#include <keel/domain.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/console.h>
#include <keel/time.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/hypercall.h>
#include <keel/grant_table.h>
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
    if (d->state == DOM_SHUTDOWN || (d->state == DOM_DYING && (d->shut_down || !d->runtime)))
        info->flags |= XEN_DOMINF_shutdown |
                       (d->shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift;
    if (d->state == DOM_DYING)
        info->flags |= XEN_DOMINF_dying;
    if (d->pause_count)
        info->flags |= XEN_DOMINF_paused;
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    info->shared_info_frame = mfn_x(d->shared_info_mfn);   /* PV: a machine frame */
    memcpy(info->handle, d->handle, sizeof(info->handle));
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

/* ---- vCPU affinity (Xen's vcpu_affinity_domctl, common/sched/core.c) ---- */

/* Bits in a CPU bitmap: Xen's nr_cpu_ids; Keel has no CPU hotplug, so the
 * CPUs that may exist are the online ones (physinfo's max_cpu_id + 1). */
static unsigned int affinity_nr_bits(void)
{
    return MIN(nr_cpus_online, (unsigned int)NR_CPUS_MAX);
}

/* As Xen's xenctl_bitmap_to_bitmap: the first min(guest, ours) bytes, the
 * bits past nr_bits in the last guest byte cleared, the rest zero. */
static long affinity_in(const struct xenctl_bitmap *b, uint64_t *mask)
{
    uint8_t bytes[(NR_CPUS_MAX + 7) / 8] = { 0 };
    unsigned int nbits = affinity_nr_bits(), i;
    unsigned int guest_bytes = (b->nr_bits + 7) / 8, ours = (nbits + 7) / 8;
    unsigned int copy = MIN(guest_bytes, ours);

    if (copy && copy_from_guest(bytes, b->bitmap, copy))
        return -XEN_EFAULT;
    if ((b->nr_bits & 7) && guest_bytes == copy)
        bytes[guest_bytes - 1] &= (uint8_t)~(0xffu << (b->nr_bits & 7));
    *mask = 0;
    for (i = 0; i < copy; i++)
        *mask |= (uint64_t)bytes[i] << (8 * i);
    *mask &= nbits >= 64 ? ~0UL : (1UL << nbits) - 1;
    return 0;
}

/* As Xen's cpumask_to_xenctl_bitmap: min(guest, ours) bytes of the mask,
 * the rest of the guest's buffer zero-filled. */
static long affinity_out(const struct xenctl_bitmap *b, uint64_t mask)
{
    static const uint8_t zero[64];
    uint8_t bytes[(NR_CPUS_MAX + 7) / 8];
    unsigned int nbits = affinity_nr_bits(), i;
    unsigned int guest_bytes = (b->nr_bits + 7) / 8, ours = (nbits + 7) / 8;
    unsigned int copy = MIN(guest_bytes, ours);

    mask &= nbits >= 64 ? ~0UL : (1UL << nbits) - 1;
    for (i = 0; i < ours; i++)
        bytes[i] = (uint8_t)(mask >> (8 * i));
    if (copy && copy_to_guest(b->bitmap, bytes, copy))
        return -XEN_EFAULT;
    for (i = copy; i < guest_bytes; i += sizeof(zero))
        if (copy_to_guest(b->bitmap + i, zero, MIN(sizeof(zero), guest_bytes - i)))
            return -XEN_EFAULT;
    return 0;
}

/*
 * XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity (public/domctl.h).  Copy
 * in, validate, then act: both masks are read and the hard one checked
 * before anything changes (Xen sets the hard mask first and rolls it back
 * if the soft one cannot be read: the same outcome).  Xen ignores flag
 * bits other than HARD/SOFT/FORCE, and so does Keel; FORCE has nothing to
 * undo (no SCHEDOP_pin_override).
 */
static long domctl_vcpuaffinity(struct domain *d, uint32_t cmd,
                                const struct xen_domctl_vcpuaffinity *va)
{
    bool hard = va->flags & XEN_VCPUAFFINITY_HARD, soft = va->flags & XEN_VCPUAFFINITY_SOFT;
    uint64_t online = cpus_online_mask(), new_hard, new_soft;
    struct vcpu *v;
    long rc = 0;

    if (va->vcpu >= d->max_vcpus || va->vcpu >= MAX_VCPUS)
        return -XEN_EINVAL;
    v = d->vcpu[va->vcpu];
    if (!v)
        return -XEN_ESRCH;
    if (!hard && !soft)
        return -XEN_EINVAL;
    if ((hard && va->cpumap_hard.nr_bits > XEN_VCPUAFFINITY_MAX_BITS) ||
        (soft && va->cpumap_soft.nr_bits > XEN_VCPUAFFINITY_MAX_BITS))
        return -XEN_EINVAL;
    if (cmd == XEN_DOMCTL_getvcpuaffinity) {
        if (hard)
            rc = affinity_out(&va->cpumap_hard, vcpu_hard_affinity(v));
        if (!rc && soft)
            rc = affinity_out(&va->cpumap_soft, vcpu_soft_affinity(v));
        return rc;
    }
    new_hard = vcpu_hard_affinity(v);
    new_soft = vcpu_soft_affinity(v);
    if (hard && (rc = affinity_in(&va->cpumap_hard, &new_hard)))
        return rc;
    if (soft && (rc = affinity_in(&va->cpumap_soft, &new_soft)))
        return rc;
    if (hard && !(new_hard & online))
        return -XEN_EINVAL;     /* Xen: no CPU of the cpupool's online ones */
    spin_lock(&d->lock);
    sched_set_affinity(v, new_hard, new_soft);
    spin_unlock(&d->lock);
    /* The effective masks: hard & online; soft & hard & online. */
    if (hard)
        rc = affinity_out(&va->cpumap_hard, new_hard & online);
    if (!rc && soft)
        rc = affinity_out(&va->cpumap_soft, new_soft & vcpu_hard_affinity(v) & online);
    return rc;
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

/* ---- creating and destroying domains ---- */

#define DEFAULT_MAPTRACK_FRAMES GNTTAB_MAPTRACK_PAGES
/* Flags that change nothing for a PV domain on Keel (Xen accepts them). */
#define CDF_ACCEPTED (XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain)
#define CDF_KNOWN (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity | \
                   XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_iommu | \
                   XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_vpmu)

/*
 * Xen's sanitise_domain_config + arch_sanitise_domain_config +
 * grant_table_init checks, for a host that offers PV only: unknown flags,
 * HVM/HAP, IOMMU, vPMU, nested virtualisation, tboot, vmtrace, emulation
 * flags, a grant version other than 1 or 2 are -EINVAL; max_vcpus 1..32 (Keel's vcpu_info slots);
 * grant frames 1..GNTTAB_MAX_FRAMES and maptrack 0..GNTTAB_MAPTRACK_PAGES
 * (Keel's opt_max_*), a negative value meaning the default; cpupool 0.
 * Xen allows a PV domain X86_EMU_PIT: Keel has no PIT model (-EINVAL).
 */
static int domctl_check_config(const struct xen_domctl_createdomain *c)
{
    unsigned int gv = XEN_DOMCTL_GRANT_version(c->grant_opts);

    if (c->flags & ~CDF_KNOWN)
        return -XEN_EINVAL;
    if (c->flags & ~CDF_ACCEPTED)
        return -XEN_EINVAL;       /* hvm, hap, iommu, vpmu, nested, s3_integrity */
    if (c->iommu_opts || c->vmtrace_size || c->cpupool_id)
        return -XEN_EINVAL;
    if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask || gv < 1 || gv > GNTTAB_MAX_VERSION)
        return -XEN_EINVAL;       /* Xen: version 0 or above gnttab=max-ver (2) */
    if (c->max_vcpus < 1 || c->max_vcpus > MAX_VCPUS)
        return -XEN_EINVAL;
    if (c->arch.emulation_flags || (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED))
        return -XEN_EINVAL;
    if (c->max_grant_frames >= 0 &&
        (c->max_grant_frames < 1 || c->max_grant_frames > (int32_t)GNTTAB_MAX_FRAMES))
        return -XEN_EINVAL;
    if (c->max_maptrack_frames > (int32_t)DEFAULT_MAPTRACK_FRAMES)
        return -XEN_EINVAL;
    return 0;
}

/* Xen's createdomain id choice: an explicit free id, or the next free one
 * after the last handed out (wrapping below DOMID_FIRST_RESERVED to 1). */
static int choose_domid(domid_t asked, domid_t *out)
{
    static domid_t rover;
    domid_t id = rover;
    unsigned int tries;

    if (asked > 0 && asked < DOMID_FIRST_RESERVED) {
        if (!domain_id_free(asked))
            return -XEN_EEXIST;
        *out = asked;
        return 0;
    }
    /* Every id 1..DOMID_FIRST_RESERVED-1 at most once (Xen's loop would
     * not end with rover 0 and every id taken). */
    for (tries = 1; tries < DOMID_FIRST_RESERVED; tries++) {
        id = (domid_t)(id + 1U >= DOMID_FIRST_RESERVED ? 1U : id + 1U);
        if (domain_id_free(id)) {
            rover = id;
            *out = id;
            return 0;
        }
    }
    return -XEN_ENOMEM;
}

static long domctl_createdomain(struct xen_domctl *op)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;
    struct domain *d;
    domid_t id;
    int rc;

    rc = domctl_check_config(c);
    if (!rc)
        rc = choose_domid(op->domain, &id);
    if (rc)
        return rc;
    d = domain_create_runtime(id, c);
    if (!d)
        return -XEN_ENOMEM;
    op->domain = id;
    return 0;
}

/* Xen: a domain cannot destroy itself (-EINVAL); dom0 is never destroyed. */
static long domctl_destroydomain(struct domain *d, uint64_t arg)
{
    long rc;

    if (d == current->domain || d == dom0 || d->is_privileged)
        return -XEN_EINVAL;
    if (!d->runtime)
        return -XEN_EPERM;        /* boot-time domUs keep their own lifetime */
    rc = domain_kill(d);
    if (rc == -XEN_ERESTART) {
        hypercall_continue(arg, 0, 0, 0);
        return 0;
    }
    return rc;
}

/* max_vcpus: the vCPUs were made at createdomain; Xen 4.17 only checks the
 * number matches (-EINVAL otherwise). */
static long domctl_max_vcpus(const struct domain *d, const struct xen_domctl_max_vcpus *mv)
{
    return mv->max == d->max_vcpus ? 0 : -XEN_EINVAL;
}

/* 64-bit PV only: 64 is what the domain is (0); 32-bit PV is not offered. */
static long domctl_set_address_size(const struct xen_domctl_address_size *as)
{
    return as->size == 64 ? 0 : -XEN_EINVAL;
}

/* The target vCPU: not the caller's domain, in range and existing (Xen: -EINVAL). */
static struct vcpu *ctx_vcpu(struct domain *d, uint32_t id)
{
    if (d == current->domain || id >= d->max_vcpus || id >= MAX_VCPUS)
        return NULL;
    return d->vcpu[id];
}

/*
 * setvcpucontext: the context is validated as VCPUOP_initialise's
 * (arch_set_vcpu_context, shared) and its CR3 must be a pinned L4 of d;
 * Xen also checks vm_assist (vCPU 0) and VGCF_in_kernel or a user L4.
 * VGCF_online lets the vCPU run once d is unpaused.  A vCPU that already
 * has a context must be reset first (ctxt 0: only while it is down).
 */
static long domctl_setvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *vc,
                                  uint64_t arg)
{
    struct vcpu_guest_context *c;
    struct vcpu *v = ctx_vcpu(d, vc->vcpu);
    long rc;

    if (!v || d->state != DOM_RUNNING)
        return -XEN_EINVAL;
    if (!vc->ctxt) {
        /* Down and off every CPU: a vCPU just set down elsewhere may still
         * be loaded (its CR3 and stack in use) until it has been kicked. */
        if (v->online || v->is_running)
            return -XEN_EBUSY;
        rc = domain_vcpu_reset(v);      /* its page tables, preemptibly */
        if (rc == -XEN_ERESTART) {
            hypercall_continue(arg, 0, 0, 0);
            return 0;
        }
        return rc;
    }
    c = xzalloc_bytes(sizeof(*c));
    if (!c)
        return -XEN_ENOMEM;
    rc = copy_from_guest(c, vc->ctxt, sizeof(*c)) ? -XEN_EFAULT : 0;
    if (!rc && (!(c->flags & VGCF_in_kernel) || c->ctrlreg[1] ||
                (vc->vcpu == 0 && (c->vm_assist & ~VM_ASSIST_VALID_PV64))))
        rc = -XEN_EINVAL;         /* a user L4 at start: not supported, as VCPUOP_initialise */
    if (!rc)
        rc = arch_set_vcpu_context(v, c, true);
    if (!rc) {
        if (vc->vcpu == 0)
            d->vm_assist = c->vm_assist;
        v->online = c->flags & VGCF_online;
        if (v->online)
            vcpu_wake(v);         /* runs once d's pause count is 0 */
    }
    xfree(c);
    return rc;
}

/* getvcpucontext: -ENODATA before a context was set (Xen); a vCPU loaded
 * on a CPU now (its state is there) is -EBUSY: pause the domain first. */
static long domctl_getvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *vc)
{
    struct vcpu_guest_context *c;
    struct vcpu *v = ctx_vcpu(d, vc->vcpu);
    long rc;

    if (!v)
        return -XEN_EINVAL;
    if (!v->initialised)
        return -XEN_ENODATA;
    if (v->is_running)
        return -XEN_EBUSY;
    c = xzalloc_bytes(sizeof(*c));
    if (!c)
        return -XEN_ENOMEM;
    arch_get_vcpu_context(v, c);
    rc = copy_to_guest(vc->ctxt, c, sizeof(*c)) ? -XEN_EFAULT : 0;
    xfree(c);
    return rc;
}

/* Version, domain, permission, in Xen's order (see the top comment). */
static long domctl_decode(const struct xen_domctl *op, struct domain **dp)
{
    *dp = NULL;
    if (op->interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op->cmd != XEN_DOMCTL_getdomaininfo && op->cmd != XEN_DOMCTL_createdomain &&
        !(*dp = domain_by_id(op->domain)))
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

    ASSERT(hv_lock_held());

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    rc = domctl_decode(&op, &d);
    if (rc)
        return rc;
    switch (op.cmd) {
    case XEN_DOMCTL_createdomain:
        rc = domctl_createdomain(&op);
        copyback = !rc;
        break;
    case XEN_DOMCTL_destroydomain:
        rc = domctl_destroydomain(d, arg);
        break;
    case XEN_DOMCTL_max_vcpus:
        rc = domctl_max_vcpus(d, &op.u.max_vcpus);
        break;
    case XEN_DOMCTL_set_address_size:
        rc = domctl_set_address_size(&op.u.address_size);
        break;
    case XEN_DOMCTL_get_address_size:
        op.u.address_size.size = 64;
        rc = 0;
        copyback = true;
        break;
    case XEN_DOMCTL_setvcpucontext:
        rc = domctl_setvcpucontext(d, &op.u.vcpucontext, arg);
        break;
    case XEN_DOMCTL_getvcpucontext:
        rc = domctl_getvcpucontext(d, &op.u.vcpucontext);
        break;
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
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        rc = domctl_vcpuaffinity(d, op.cmd, &op.u.vcpuaffinity);
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
