/*
 * The life of a domain created at run time (XEN_DOMCTL_createdomain), as
 * Xen 4.17's (common/domain.c: domain_shutdown, domain_kill,
 * domain_destroy; docs/hypervisor.md, "Domain lifetime"):
 *
 *   running --SCHEDOP_shutdown/crash--> shut down (kept, listed with
 *   XEN_DOMINF_shutdown and its code) --destroydomain--> dying (torn down,
 *   its frames given up; listed with XEN_DOMINF_dying while any frame of
 *   it still exists, e.g. mapped by dom0) --last frame freed--> gone
 *   (removed from the list, struct freed, its id free again).
 *
 * VIRQ_DOM_EXC is raised in dom0 at each step (shutdown: domain.c).
 * destroydomain may also kill a running domain.  The teardown is
 * preemptible: domain_kill() returns -ERESTART until it is done, and the
 * control domain's hypercall is continued.
 *
 * Domains built at boot (boot description) keep the older rule: the
 * scheduler destroys them once they shut down (sched.c), and their struct
 * stays listed as dying; nothing here applies to them.
 *
 * Locking: everything under the hypervisor lock; domain_frame_released()
 * is called with mm_lock held and only counts, the struct is freed later
 * at a safe point (domain_reap_pending(), no domain pointer held).
 */
#include <keel/domain.h>
#include <keel/sched.h>
#include <keel/event.h>
#include <keel/hypercall.h>
#include <keel/pv_mm.h>
#include <keel/console.h>
#include <keel/smp.h>

bool domain_reap_due;        /* some domain is dead and waits to be freed */

static void notify_dom_exc(void)
{
    if (dom0)
        send_guest_global_virq(dom0, VIRQ_DOM_EXC);
}

/* Stop every vCPU of d: none runs again (vcpu_runnable needs DOM_RUNNING). */
static void kill_vcpus(struct domain *d)
{
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            d->vcpu[i]->online = false;
    resched_domain(d);
}

static void mark_dead_if_empty(struct domain *d)
{
    if (d->frames_left == 0 && !d->gt) {
        d->dead = true;
        domain_reap_due = true;
    }
}

/*
 * XEN_DOMCTL_destroydomain's worker (Xen's domain_kill).  Steps, each
 * done once: mark dying and stop the vCPUs; wait (-ERESTART) until no CPU
 * has one of them loaded; tear down (event channels, vCPU references,
 * grant table, console, shared_info); give up every frame, a chunk at a
 * time (-ERESTART between chunks); count what is still referenced from
 * elsewhere and raise VIRQ_DOM_EXC.  0 once all that is done (also for a
 * domain already dying, as Xen).  The caller checked d is not itself and
 * not dom0.
 */
long domain_kill(struct domain *d)
{
    ASSERT(hv_lock_held());

    if (d->state != DOM_DYING) {
        d->state = DOM_DYING;
        kill_vcpus(d);
        gdprintk("domain %u (%s) destroyed by the control domain\n", d->domain_id, d->name);
    }
    if (d->frames_counted)
        return 0;
    if (sched_domain_loaded(d))
        return -XEN_ERESTART;
    if (!d->torn_down) {
        domain_teardown(d);
        d->torn_down = true;
        d->kill_pos = 0;
    }
    if (!pv_relinquish_some(d, &d->kill_pos))
        return -XEN_ERESTART;
    d->frames_left = pv_count_frames(d);
    d->tot_pages = d->frames_left;
    d->frames_counted = true;
    printk("domain %u (%s) dying, %lu frames still referenced\n", d->domain_id, d->name,
           d->frames_left);
    mark_dead_if_empty(d);
    notify_dom_exc();
    return 0;
}

/*
 * A frame whose owner is `owner` has just been freed (put_page, mm_lock
 * held).  For a dying run-time domain it is one fewer to wait for.
 */
void domain_frame_released(domid_t owner)
{
    struct domain *d = domain_lookup(owner);

    ASSERT(hv_lock_held());

    if (!d || owner == DOMID_SELF || !d->runtime || !d->frames_counted || !d->frames_left)
        return;
    d->frames_left--;
    d->tot_pages = d->frames_left;
    mark_dead_if_empty(d);
}

/* Its grant table has just been freed (the last pin on it went). */
void domain_gnttab_released(struct domain *d)
{
    ASSERT(hv_lock_held());

    if (d->runtime && d->frames_counted)
        mark_dead_if_empty(d);
}

/*
 * Free every dead run-time domain.  Called where no domain pointer is
 * held: after each hypercall (hypercall.c) and from the scheduler.
 */
void domain_reap_pending_slow(void)
{
    struct domain *d;
    bool any = false;

    ASSERT(hv_lock_held());
    domain_reap_due = false;
    do {
        for (d = domain_list; d; d = d->next)
            if (d->dead && !sched_domain_loaded(d))
                break;
        if (d) {
            printk("domain %u (%s) gone\n", d->domain_id, d->name);
            domain_free(d);
            any = true;
        }
    } while (d);
    for (d = domain_list; d; d = d->next)
        if (d->dead)
            domain_reap_due = true;    /* still loaded somewhere: next time */
    if (any)
        notify_dom_exc();
}
