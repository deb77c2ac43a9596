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
#include <keel/mm.h>
#include <asm/traps.h>

bool vcpu_runnable(const struct vcpu *v)
{
    return v && v->online && !v->blocked && v->domain->state == DOM_RUNNING;
}

void vcpu_wake(struct vcpu *v)
{
    bool was = vcpu_runnable(v);

    v->blocked = false;
    v->polling = false;
    if (!was && vcpu_runnable(v) && v != current)
        sched_note_runnable();
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

/* Destroy domUs that have shut down, once no CPU uses their page tables. */
static void reap_dead_domains(const struct vcpu *running)
{
    struct domain *d;

    for (d = domain_list; d; d = d->next)
        if (d->state == DOM_SHUTDOWN && d != dom0 && (!running || running->domain != d))
            domain_destroy(d);
}

void schedule(void)
{
    struct vcpu *prev = current, *next;
    bool idled = false;

    for (;;) {
        next = pick_next(prev);
        if (next)
            break;
        if (!any_domain_alive()) {
            printk("no domain left running\n");
            machine_power_off(0);
        }
        /* Idle (on the hypervisor's own page tables) until an interrupt
         * may have made something runnable. */
        write_cr3(idle_l4_maddr);
        idled = true;
        reap_dead_domains(NULL);
        timers_run();
        /* timers_run() may have woken a vCPU whose deadline had already
         * passed, and then have nothing left to program: halting now
         * would lose that wake-up. */
        if (pick_next(prev))
            continue;
        asm volatile("sti; hlt; cli" ::: "memory");
    }
    if (next != prev)
        context_switch_to(next);
    else if (idled)
        vcpu_load_cr3(next);        /* idling switched to the idle tables */
    reap_dead_domains(next);
    sched_start_slice(pick_next(next) != next);
}
