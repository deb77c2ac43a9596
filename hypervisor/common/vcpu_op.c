/*
 * vcpu_op: bringing a domain's vCPUs up and down, their vcpu_info and
 * runstate areas and timers.  Copy in, validate, act on the current
 * domain's vCPUs.  Locking: runs under the hypervisor lock, which
 * protects the vCPUs' state and the scheduler; mm_lock while a
 * registered vcpu_info takes its frame reference.
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

static long register_vcpu_info(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct vcpu_info *new;
    mfn_t mfn;
    int rc;

    if (copy_from_guest(&info, arg, sizeof(info)))
        return -XEN_EFAULT;
    /* Xen: a vcpu_info that would cross the page end is -ENXIO. */
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info))
        return -XEN_ENXIO;
    if (info.rsvd)
        return -XEN_EINVAL;
    if (!mfn_eq(v->vcpu_info_mfn, INVALID_MFN))
        return -XEN_EINVAL;          /* Xen allows one registration */
    if (v != current && v->online)
        return -XEN_EINVAL;          /* Xen: yourself, or a vCPU that is down */
    mfn = _mfn(info.mfn);            /* PV: the frame number is a machine frame */
    mm_lock_acquire();
    rc = get_page_and_type(mfn, v->domain, PGT_writable);
    mm_lock_release();
    if (rc)
        return -XEN_EINVAL;
    new = (struct vcpu_info *)((char *)mfn_to_virt(mfn) + info.offset);
    memcpy(new, v->vcpu_info, sizeof(*new));
    /* As Xen: mark everything pending so no event is lost in the move. */
    new->evtchn_upcall_pending = 1;
    new->evtchn_pending_sel = ~0UL;
    v->vcpu_info = new;
    v->vcpu_info_mfn = mfn;
    update_vcpu_system_time(v);
    return 0;
}

static bool other_vcpu_up(const struct domain *d, const struct vcpu *v)
{
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i] != v && d->vcpu[i]->online)
            return true;
    return false;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;
    struct vcpu_register_runstate_memory_area area;

    if (vcpuid >= d->max_vcpus || !(v = d->vcpu[vcpuid]))
        return -XEN_ENOENT;
    switch (cmd) {
    case VCPUOP_is_up:
        return v->online ? 1 : 0;
    case VCPUOP_initialise: {
        /* Validating the new L4 may stop half-way (pv_mm.c): continue,
         * as Xen does (-ERESTART -> hypercall continuation). */
        long rc = arch_initialise_vcpu(v, arg);
        if (rc == -XEN_ERESTART) {
            hypercall_continue(cmd, vcpuid, arg, 0);
            return 0;
        }
        return rc;
    }
    case VCPUOP_up:
        if (!v->initialised)
            return -XEN_EINVAL;
        if (!v->online) {
            v->online = true;
            /* Downed from another vCPU and still on its CPU, which has not
             * taken the kick yet: it just goes on running (its runstate
             * is still running; runnable here would stick until its CPU
             * next schedules). */
            if (v->is_running)
                return 0;
            v->blocked = false;
            sched_vcpu_up(v);           /* keeps its own virtual time */
        }
        return 0;
    case VCPUOP_down:
        if (!other_vcpu_up(d, v)) {
            /* As Xen: the last vCPU going down powers the domain off
             * (else it would sit with nothing to run, never reaped). */
            domain_shutdown(d, SHUTDOWN_poweroff);
            return 0;
        }
        v->online = false;
        if (v->is_running && v != current)
            cpu_kick(v->processor);     /* it leaves that CPU on its way out */
        else if (v != current)
            runstate_set(v, RUNSTATE_offline, get_s_time());
        return 0;
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, arg);
    case VCPUOP_register_runstate_memory_area:
        if (copy_from_guest(&area, arg, sizeof(area)))
            return -XEN_EFAULT;
        if (area.addr.v && !guest_range_ok(area.addr.v, sizeof(v->runstate)))
            return -XEN_EFAULT;
        v->runstate_guest = area.addr.v;
        runstate_area_update(v);
        return 0;
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer:
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
        return vcpu_timer_op(v, (unsigned int)cmd, arg);
    case VCPUOP_get_runstate_info:
        return copy_to_guest(arg, &v->runstate, sizeof(v->runstate)) ? -XEN_EFAULT : 0;
    default:
        return -XEN_ENOSYS;
    }
}
