/*
 * Keel-private helpers for the layout checks at the end of every public
 * header.  Not part of Xen's ABI.  Uses compiler built-ins only, so the
 * public headers need nothing but <stdint.h> (no <stddef.h>).
 */
#ifndef __KEEL_PUBLIC_ABI_CHECK_H__
#define __KEEL_PUBLIC_ABI_CHECK_H__

#define XEN_ABI_OFFSETOF(type, field) __builtin_offsetof(type, field)

/* The struct/union `type` is exactly `size` bytes on x86-64. */
#define XEN_ABI_SIZE(type, size) \
    _Static_assert(sizeof(type) == (size), "ABI: sizeof(" #type ") != " #size)

/* `field` of `type` starts at byte `off`. */
#define XEN_ABI_OFFSET(type, field, off) \
    _Static_assert(XEN_ABI_OFFSETOF(type, field) == (off), \
                   "ABI: offsetof(" #type ", " #field ") != " #off)

#endif /* __KEEL_PUBLIC_ABI_CHECK_H__ */
