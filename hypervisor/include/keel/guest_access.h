/*
 * Reading and writing guest memory through the guest's own mappings
 * (its page tables are live while the hypervisor runs for it).  Every
 * access checks that the range is canonical and outside the hypervisor's
 * slots, and recovers from faults: a bad guest pointer is -EFAULT, never
 * a hypervisor crash.  Read-only guest pages stay read-only (CR0.WP).
 */
#ifndef KEEL_GUEST_ACCESS_H
#define KEEL_GUEST_ACCESS_H
#include <keel/types.h>
#include <public/errno.h>

long copy_guest_raw(void *dst, const void *src, size_t n);

static inline bool guest_range_ok(uint64_t va, size_t n)
{
    uint64_t end = va + n;

    if (end < va)
        return false;
    if (end <= 0x0000800000000000UL)
        return true;
    return va >= 0xffff880000000000UL;
}

static inline int copy_from_guest(void *dst, uint64_t src, size_t n)
{
    if (!guest_range_ok(src, n))
        return -XEN_EFAULT;
    return copy_guest_raw(dst, (const void *)src, n) ? -XEN_EFAULT : 0;
}

static inline int copy_to_guest(uint64_t dst, const void *src, size_t n)
{
    if (!guest_range_ok(dst, n))
        return -XEN_EFAULT;
    return copy_guest_raw((void *)dst, src, n) ? -XEN_EFAULT : 0;
}
#endif
