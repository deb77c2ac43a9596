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
