/*
 * Hypervisor timers, one queue per physical CPU (common/timer.c), as
 * Xen's struct timer: a timer lives on the queue of one CPU (t->cpu) and
 * its function runs there, from timers_run(), under the hypervisor lock.
 * A timer that is not active is on no queue.  All of a timer's fields
 * are protected by the hypervisor lock.
 */
#ifndef KEEL_TIMER_H
#define KEEL_TIMER_H
#include <keel/types.h>

struct timer {
    uint64_t expires;             /* system time (ns) */
    struct timer *next;           /* in queue[cpu], by expires */
    void (*fn)(void *data);
    void *data;
    unsigned int cpu;             /* the CPU whose queue holds it */
    bool active;
};

/* Xen's default timer_slop: a CPU's timer interrupt is programmed this
 * far after its earliest deadline, so that deadlines closer together than
 * this are served by one interrupt. */
#define TIMER_SLOP_NS 50000UL

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
/* (Re)arm t to run at `expires` on t->cpu; that CPU reprograms its timer
 * interrupt (an event-check IPI if it is another one). */
void timer_set(struct timer *t, uint64_t expires);
void timer_stop(struct timer *t);
/* Move t to CPU cpu's queue (it stays armed if it was). */
void timer_migrate(struct timer *t, unsigned int cpu);
static inline bool timer_active(const struct timer *t)
{
    return t->active;
}
#endif
