#include <keel/hypercall.h>

/*
 * Hypercall continuations (common/hypercall.c) in unit tests: by default
 * never preempt, so a batch runs to its end in one call.  A test that sets
 * fake_may_preempt sees the continuation's arguments in fake_cont_args
 * and fake_continuations counts them; fake_preempt_due makes
 * hypercall_preempt_check() say the time is up.
 */
bool fake_may_preempt;
bool fake_preempt_due;          /* hypercall_preempt_check(): time is up */
unsigned int fake_continuations;
uint64_t fake_cont_args[4];

bool hypercall_may_preempt(void)
{
    return fake_may_preempt;
}

bool hypercall_preempt_check(void)
{
    return fake_may_preempt && fake_preempt_due;
}

void hypercall_continue(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    fake_continuations++;
    fake_cont_args[0] = a0;
    fake_cont_args[1] = a1;
    fake_cont_args[2] = a2;
    fake_cont_args[3] = a3;
}
