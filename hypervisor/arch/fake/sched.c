/* Fake scheduler: vcpu_wake() is recorded. */
#include <fake/fake.h>
#include <keel/sched.h>

unsigned int fake_wakes;
struct vcpu *fake_last_woken;

void vcpu_wake(struct vcpu *v)
{
    fake_wakes++;
    fake_last_woken = v;
    v->blocked = false;
}

/* The hypervisor's console backend (common/console_backend.c) is not
 * linked into unit tests: notifications to it are counted. */
struct domain;
unsigned int fake_cons_notifies;
void cons_backend_notify(struct domain *d);
void cons_backend_notify(struct domain *d)
{
    (void)d;
    fake_cons_notifies++;
}

