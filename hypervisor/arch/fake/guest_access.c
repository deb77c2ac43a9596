/*
 * Fake guest memory access: a guest virtual address is a host pointer.
 * keel/guest_access.h (inline, real) has already refused non-canonical and
 * hypervisor addresses; here an address below FAKE_GUEST_FAULT_BELOW
 * stands for an unmapped guest page and "faults", and so does any range
 * overlapping [fake_guest_hole_start, fake_guest_hole_end).
 */
#include <fake/fake.h>
#include <keel/guest_access.h>
#include <keel/lib.h>

unsigned int fake_guest_copies;
uintptr_t fake_guest_hole_start, fake_guest_hole_end;

static bool in_hole(uintptr_t a, size_t n)
{
    return a < FAKE_GUEST_FAULT_BELOW ||
           (a < fake_guest_hole_end && a + n > fake_guest_hole_start);
}

long copy_guest_raw(void *dst, const void *src, size_t n)
{
    fake_guest_copies++;
    if (in_hole((uintptr_t)dst, n) || in_hole((uintptr_t)src, n))
        return (long)n;
    memmove(dst, src, n);
    return 0;
}
