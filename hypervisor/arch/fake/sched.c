/* Fake scheduler: vcpu_wake() is recorded. */
#include <fake/fake.h>
#include <keel/sched.h>
#include <keel/domain.h>

unsigned int fake_wakes;
struct vcpu *fake_last_woken;

void vcpu_wake(struct vcpu *v)
{
    fake_wakes++;
    fake_last_woken = v;
    v->blocked = false;
}

/* The hypervisor's console backend (common/console_backend.c), when it is
 * not linked (weak: the real one wins where it is): notifications to it
 * are counted. */
struct domain;
unsigned int fake_cons_notifies;
void cons_backend_notify(struct domain *d);
__attribute__((weak)) void cons_backend_notify(struct domain *d)
{
    (void)d;
    fake_cons_notifies++;
}


/* Run-time parameters and control pauses: recorded, with the effect on
 * the domain the real scheduler has (the pause count is the caller's). */
unsigned int fake_sched_adjusts, fake_sched_pauses, fake_sched_unpauses;

void sched_adjust(struct domain *d, uint32_t weight, uint32_t cap)
{
    fake_sched_adjusts++;
    d->weight = weight;
    d->cap = cap;
}

void sched_domain_pause(struct domain *d)
{
    (void)d;
    fake_sched_pauses++;
}

void sched_domain_unpause(struct domain *d)
{
    (void)d;
    fake_sched_unpauses++;
}

/* Affinity: stored as the real scheduler does, and counted. */
unsigned int fake_sched_affinities;

void sched_set_affinity(struct vcpu *v, uint64_t hard, uint64_t soft)
{
    fake_sched_affinities++;
    v->hard_excluded = ~hard & CPU_MASK_ALL;
    v->soft_excluded = ~soft & CPU_MASK_ALL;
}
