/*
 * Basic types for hypervisor code.  Compiles freestanding (hypervisor) and
 * hosted (unit tests against arch/fake): only compiler-provided headers.
 */
#ifndef KEEL_TYPES_H
#define KEEL_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;
typedef uint64_t vaddr_t;

/* Distinct types for distinct address spaces: mixing them does not compile. */
typedef struct { uint64_t m; } mfn_t;   /* machine frame number */
typedef struct { uint64_t g; } gfn_t;   /* guest pseudo-physical frame */
#define _mfn(x) ((mfn_t){ (x) })
#define mfn_x(x) ((x).m)
#define _gfn(x) ((gfn_t){ (x) })
#define gfn_x(x) ((x).g)
#define gfn_add(x, n) _gfn(gfn_x(x) + (n))
#define gfn_eq(a, b) (gfn_x(a) == gfn_x(b))
/* No guest frame: an M2P entry of a frame no guest has placed
 * (INVALID_M2P_ENTRY of public/xen.h). */
#define INVALID_GFN _gfn(~0UL)
/*
 * Machine and pseudo-physical addresses (paddr_t) stay plain integers, as
 * in Xen (xen/include/xen/types.h): they are computed with, and the frame
 * types above are what keeps the two spaces apart.
 */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ROUNDDOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))

#endif
