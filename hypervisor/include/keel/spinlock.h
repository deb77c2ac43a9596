/* Simple test-and-set spinlocks.  Hypervisor code runs with interrupts off. */
#ifndef KEEL_SPINLOCK_H
#define KEEL_SPINLOCK_H
#include <keel/types.h>

typedef struct { volatile uint32_t locked; } spinlock_t;
#define SPIN_LOCK_UNLOCKED { 0 }

static inline void spin_lock_init(spinlock_t *l) { l->locked = 0; }
static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (l->locked)
            asm volatile("pause");
}
static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
#endif
