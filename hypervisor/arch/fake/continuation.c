#include <keel/hypercall.h>

/* Hypercall continuations (common/hypercall.c) in unit tests: never
 * preempt, so a batch runs to its end in one call. */
bool hypercall_may_preempt(void)
{
    return false;
}

void hypercall_continue(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    (void)a0; (void)a1; (void)a2; (void)a3;
}
