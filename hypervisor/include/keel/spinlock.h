/*
 * Ticket spinlocks (fair: CPUs get the lock in the order they asked for
 * it, as Xen's spinlocks and Linux's x86 ticket locks).  A CPU takes the
 * next ticket and waits until the lock's owner counter reaches it; unlock
 * serves the next ticket.  A test-and-set lock let one CPU that released
 * and re-took the lock in a loop (a guest entering the hypervisor at high
 * rate) starve the others (issue 11, defect 6).
 *
 * Hypervisor code runs with interrupts off.  Unlock only a lock you hold,
 * once: an extra unlock would serve a ticket nobody holds yet.
 */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H
#include <keel/types.h>

typedef struct {
    volatile uint32_t next;     /* the ticket the next locker takes */
    volatile uint32_t owner;    /* the ticket being served */
} spinlock_t;
#define SPIN_LOCK_UNLOCKED { 0, 0 }

static inline void spin_lock_init(spinlock_t *l)
{
    l->next = 0;
    l->owner = 0;
}

/* Join the queue: the returned ticket holds the lock once spin_ticket_served(). */
static inline uint32_t spin_take_ticket(spinlock_t *l)
{
    return __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
}

static inline bool spin_ticket_served(const spinlock_t *l, uint32_t ticket)
{
    return __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == ticket;
}

/* CPUs holding or waiting for the lock (a snapshot). */
static inline uint32_t spin_queue_length(const spinlock_t *l)
{
    return __atomic_load_n(&l->next, __ATOMIC_RELAXED) -
           __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

static inline void spin_lock(spinlock_t *l)
{
    uint32_t t = spin_take_ticket(l);

    while (!spin_ticket_served(l, t))
        __builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
    /* Only the holder writes owner. */
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}
#endif
