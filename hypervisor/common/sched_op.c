/*
 * sched_op: yield, block, poll, shutdown and remote_shutdown for the
 * current vCPU or domain.  Copy in, validate, act.  No locks beyond
 * those of the callees.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/pv_mm.h>
#include <keel/time.h>
#include <keel/console_backend.h>
#include <public/sched.h>
#include <public/vcpu.h>

/* SCHEDOP_block: atomically unmask events and wait for one. */
static long sched_block(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_mask = 0;
    if (v->vcpu_info->evtchn_upcall_pending)
        return 0;
    v->blocked = true;
    return 0;
}

/*
 * SCHEDOP_poll: sleep until one of the ports is pending (masked or not:
 * Linux's PV spinlocks poll with events off) or the timeout (absolute
 * system time, 0 = none) passes.  At most 8 ports, as we need.
 */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll sp;
    unsigned int i;

    if (copy_from_guest(&sp, arg, sizeof(sp)))
        return -XEN_EFAULT;
    if (sp.nr_ports > ARRAY_SIZE(v->poll_ports))
        return -XEN_EINVAL;
    if (sp.nr_ports && copy_from_guest(v->poll_ports, sp.ports,
                                       sp.nr_ports * sizeof(evtchn_port_t)))
        return -XEN_EFAULT;
    for (i = 0; i < sp.nr_ports; i++) {
        if (v->poll_ports[i] >= v->domain->max_evtchns)
            return -XEN_EINVAL;
        if (evtchn_port_pending(v->domain, v->poll_ports[i]))
            return 0;
    }
    if (sp.timeout && sp.timeout <= get_s_time())
        return 0;
    v->nr_poll_ports = sp.nr_ports;
    v->poll_deadline = sp.timeout;
    v->polling = true;
    v->blocked = true;
    vcpu_set_poll_timeout(v, sp.timeout);
    return 0;
}

/*
 * SCHEDOP_remote_shutdown (Xen's public/sched.h, common/sched.c): the
 * control domain stops another domain as if that domain had called
 * SCHEDOP_shutdown; the scheduler reaps it as usual.  As Xen: the domain
 * is looked up by id only (DOMID_SELF and the other reserved ids are
 * -ESRCH), the lookup comes before the permission check (XSM_DM_PRIV:
 * -EPERM for any caller but the control domain), an already shut-down
 * domain is left as it is, and the reason is kept to 8 bits.  dom0 may
 * name itself: the machine then powers off, as Xen's hardware domain
 * shutdown does.
 */
static long sched_remote_shutdown(uint64_t arg)
{
    struct sched_remote_shutdown rs;
    struct domain *d;

    if (copy_from_guest(&rs, arg, sizeof(rs)))
        return -XEN_EFAULT;
    if (rs.domain_id >= DOMID_FIRST_RESERVED || !(d = domain_lookup(rs.domain_id)))
        return -XEN_ESRCH;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    domain_shutdown(d, rs.reason & 0xff);
    return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current;
    struct sched_shutdown sd;

    switch (cmd) {
    case SCHEDOP_yield:
        sched_vcpu_yield(v);
        return 0;
    case SCHEDOP_block:
        return sched_block(v);
    case SCHEDOP_shutdown:
        if (copy_from_guest(&sd, arg, sizeof(sd)))
            return -XEN_EFAULT;
        domain_shutdown(v->domain, sd.reason & 0xff);
        return 0;
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_remote_shutdown:
        return sched_remote_shutdown(arg);
    case SCHEDOP_shutdown_code:
        if (copy_from_guest(&sd, arg, sizeof(sd)))
            return -XEN_EFAULT;
        v->domain->shutdown_reason = sd.reason & 0xff;
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}
