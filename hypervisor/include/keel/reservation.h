/*
 * A PV domain's memory reservation: memory_op increase_reservation,
 * decrease_reservation, populate_physmap and exchange, with Xen's
 * semantics (xen/common/memory.c; the ABI is public/memory.h).  Rules and
 * their reasons: docs/hypervisor.md, "Memory reservations".
 */
#ifndef KEEL_RESERVATION_H
#define KEEL_RESERVATION_H
#include <keel/types.h>

#define MEMOP_MAX_ORDER_DOMU  9     /* Xen's CONFIG_DOMU_MAX_ORDER (2 MiB extents) */
#define MEMOP_MAX_ORDER_HWDOM 12    /* Xen's CONFIG_HWDOM_MAX_ORDER (16 MiB) */
#ifndef MEMOP_CHUNK_PAGES          /* (unit tests use a smaller one) */
#define MEMOP_CHUNK_PAGES     512   /* pages handled between preemption points */
#endif

/*
 * increase_reservation, decrease_reservation or populate_physmap (op)
 * for the calling vCPU, resuming at extent start_extent (cmd's upper
 * bits).  Returns the number of extents done, counting from 0, as Xen:
 * a refused request returns start_extent.  A long batch is preempted
 * with a continuation that carries the count done.  Takes mm_lock; may
 * not be called with it held.
 */
long memory_reservation_op(unsigned int op, uint64_t start_extent, uint64_t arg);

/*
 * XENMEM_exchange for the calling vCPU: 0, or a negative error with
 * nr_exchanged (written back to the guest) telling how many input
 * extents were exchanged.  Each chunk is all-or-nothing.  Takes mm_lock.
 */
long memory_exchange(uint64_t arg);

#endif
