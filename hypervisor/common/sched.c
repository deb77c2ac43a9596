/*
 * A round-robin scheduler over all domains' runnable vCPUs, on one
 * physical CPU.  Placeholder for the credit-style scheduler (issue 4).
 * Locking: runs with interrupts off on the only CPU that schedules.
 */
#include <keel/sched.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/time.h>
#include <asm/processor.h>

bool vcpu_runnable(const struct vcpu *v)
{
    return v && v->online && !v->blocked && v->domain->state == DOM_RUNNING;
}

void vcpu_wake(struct vcpu *v)
{
    v->blocked = false;
}

static struct vcpu *pick_next(struct vcpu *prev)
{
    struct domain *d, *start = prev ? prev->domain : domain_list;
    unsigned int i, first = prev ? prev->vcpu_id + 1 : 0;

    if (!start)
        return NULL;
    d = start;
    do {
        for (i = first; i < d->max_vcpus; i++)
            if (vcpu_runnable(d->vcpu[i]))
                return d->vcpu[i];
        first = 0;
        d = d->next ? d->next : domain_list;
    } while (d != start);
    for (i = 0; prev && i <= prev->vcpu_id; i++)
        if (vcpu_runnable(d->vcpu[i]))
            return d->vcpu[i];
    return NULL;
}

static bool any_domain_alive(void)
{
    struct domain *d;

    for (d = domain_list; d; d = d->next)
        if (d->state == DOM_RUNNING)
            return true;
    return false;
}

void schedule(void)
{
    struct vcpu *prev = current, *next;

    for (;;) {
        next = pick_next(prev);
        if (next)
            break;
        if (!any_domain_alive()) {
            printk("no domain left running\n");
            machine_power_off(0);
        }
        /* Idle until an interrupt may have made something runnable. */
        timers_run();
        asm volatile("sti; hlt; cli" ::: "memory");
    }
    if (next != prev)
        context_switch_to(next);
    sched_start_slice(pick_next(next) != next);
}
