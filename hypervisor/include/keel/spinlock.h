/*
 * Ticket spinlocks (fair: CPUs get the lock in the order they asked for
 * it, as Xen's spinlocks and Linux's x86 ticket locks).  A CPU takes the
 * next ticket and waits until the lock's owner counter reaches it; unlock
 * serves the next ticket.  A test-and-set lock lets one CPU that releases
 * and re-takes the lock in a loop starve the others (issue 11, defect 6).
 *
 * Hypervisor code runs with interrupts off.  Unlock only a lock you hold,
 * once: an extra unlock would serve a ticket nobody holds yet.
 *
 * Lock order (docs/hypervisor.md, "Locking").  Every lock of the
 * hypervisor, outermost first: a CPU holding one may take only those
 * below it, never one above.  None is recursive.
 *
 *   1. the hypervisor lock  hv_big (sflock_t, arch/x86_64/smp.c;
 *                           hv_lock/hv_unlock): all hypervisor work done
 *                           for a guest or the scheduler; domains,
 *                           vCPUs, run queues, timers, pirqs, domctl.
 *   2. d->lock              (struct domain) d->state, its control pause
 *                           count, weight, cap and affinities.
 *   3. cons_lock            (common/console_backend.c) the domU console
 *                           backends, input focus, dom0's input buffer.
 *   4. gnttab_lock          (common/grant_table.c) every grant table,
 *                           active entry and maptrack.
 *   5. evtchn_lock          (common/event_channel.c) every port table,
 *                           FIFO queue and virq binding.
 *   6. mm_lock              (arch/x86_64/pv_mm.c; mm_lock_acquire) frame
 *                           counts, types and owners, tot_pages, writes to
 *                           guest page tables, LDT/GDT frame references.
 *   7. domain_list_lock     (common/domain.c) the domain list.
 *   8. map_lock             (arch/x86_64/mm.c) the hypervisor's own page
 *                           tables.
 *   9. heap_lock            (common/page_alloc.c) the frame allocator.
 *  10. ioapic_lock, pci_cfg_lock, rtc_lock (arch/x86_64/ioapic.c, pci.c,
 *                           emulate.c) device register pairs; leaves.
 *  11. console_lock         (common/console.c) the console ring: printk
 *                           may be called under any of the above.
 *
 * Locks 3-5 are never held together except cons_lock with evtchn_lock
 * (a console backend notifies its port); evtchn_lock is dropped before
 * cons_backend_notify.  Locks 2-11 are taken with the hypervisor lock
 * held, except at boot before the boot CPU first takes it (map_lock,
 * heap_lock, ioapic_lock, console_lock), and in interrupt handlers that
 * run during the idle halt without it (arch/x86_64/irq.c: ioapic_lock
 * to mask a level GSI, console_lock to log); interrupts are off
 * whenever a lock is held, so a handler never meets a lock its own CPU
 * holds.
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

/*
 * A starvation-free test-and-set lock (the hypervisor lock,
 * arch/x86_64/smp.c): whoever is running takes it when it is free, unless
 * a CPU has declared itself starving (sflock_starve, after waiting too
 * long by the caller's clock); then only that CPU may take it, so that
 * every wait is bounded.  One CPU starves at a time; the others declare
 * themselves once it has had the lock.  The declaration holds only while
 * the starving CPU keeps spinning: it renews it (sflock_starve again) on
 * every turn of its wait, and the others ignore one older than `grace`.
 * So the lock is never kept for a waiter that is not running (a
 * descheduled host thread under QEMU/TCG, a preempted vCPU under nested
 * virtualisation), which is what a ticket lock does.
 */
typedef struct {
    volatile uint32_t taken;        /* 1 while held */
    volatile uint32_t starving;     /* the CPU that goes next, or SFLOCK_NONE */
    volatile uint64_t renewed;      /* the starving CPU's clock at its last turn */
} sflock_t;
#define SFLOCK_NONE (~0u)
#define SFLOCK_UNLOCKED { 0, SFLOCK_NONE, 0 }

/* One attempt by CPU me at time now; true if it now holds the lock.  A
 * declaration older than grace (by the same clock) is ignored. */
static inline bool sflock_try(sflock_t *l, uint32_t me, uint64_t now, uint64_t grace)
{
    uint32_t s = __atomic_load_n(&l->starving, __ATOMIC_ACQUIRE);

    if (s != SFLOCK_NONE && s != me && now - l->renewed < grace)
        return false;
    if (__atomic_load_n(&l->taken, __ATOMIC_RELAXED) ||
        __atomic_exchange_n(&l->taken, 1, __ATOMIC_ACQUIRE))
        return false;
    if (s == me)
        __atomic_store_n(&l->starving, SFLOCK_NONE, __ATOMIC_RELEASE);
    return true;
}

/* The first attempt: true if the lock was free with no CPU starving for
 * it and is now held (sflock_try's answer when nobody starves, without
 * the clock). */
static inline bool sflock_try_free(sflock_t *l)
{
    return __atomic_load_n(&l->starving, __ATOMIC_ACQUIRE) == SFLOCK_NONE &&
           !__atomic_exchange_n(&l->taken, 1, __ATOMIC_ACQUIRE);
}

/* CPU me has waited too long: it goes next, unless another CPU already
 * does (then it asks again on its next turn); renews its own declaration. */
static inline void sflock_starve(sflock_t *l, uint32_t me, uint64_t now)
{
    uint32_t none = SFLOCK_NONE;

    if (__atomic_load_n(&l->starving, __ATOMIC_RELAXED) == me ||
        __atomic_compare_exchange_n(&l->starving, &none, me, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED))
        l->renewed = now;   /* only the declared CPU writes it */
}

static inline void sflock_unlock(sflock_t *l)
{
    __atomic_store_n(&l->taken, 0, __ATOMIC_RELEASE);
}
#endif
