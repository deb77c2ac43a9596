/*
 * Generic shared request/response rings (Xen's io/ring.h interface).
 *
 * One shared page holds a header (producer indexes and event thresholds)
 * followed by a power-of-two array of entries, each a union of one request
 * and one response.  The front end produces requests and consumes
 * responses; the back end does the opposite.  Indexes are free-running
 * 32-bit counters; an entry's slot is index & (size - 1).
 *
 * DEFINE_RING_TYPES(name, req_t, rsp_t) declares:
 *   union name_sring_entry, struct name_sring (the shared page),
 *   struct name_front_ring / name_back_ring (each end's private state:
 *   these stay in the owner's memory and may hold a pointer).
 *
 * Event hold-off: after making entries visible, an end notifies the
 * other only if the new producer index passed the other's *_event
 * threshold (RING_PUSH_*_AND_CHECK_NOTIFY).  Before sleeping, an end sets
 * its threshold to "next entry" and re-checks (RING_FINAL_CHECK_FOR_*).
 *
 * Barriers: the includer may define xen_mb/xen_rmb/xen_wmb first;
 * otherwise x86-64 defaults are used (stores are not reordered with
 * other stores on x86, so only the full barrier needs an instruction).
 */
#ifndef __XEN_PUBLIC_IO_RING_H__
#define __XEN_PUBLIC_IO_RING_H__

#ifndef __ASSEMBLY__
#include <stdint.h>

#ifndef xen_mb
#define xen_mb()  __asm__ __volatile__("mfence" ::: "memory")
#endif
#ifndef xen_rmb
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#endif
#ifndef xen_wmb
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif

typedef unsigned int RING_IDX;

/* Largest power of two <= x, for 32-bit x (0 for 0); constant-foldable. */
#define __RD2(_x)  (((_x) & 0x00000002) ? 0x2 : ((_x) & 0x1))
#define __RD4(_x)  (((_x) & 0x0000000c) ? __RD2((_x) >> 2) << 2 : __RD2(_x))
#define __RD8(_x)  (((_x) & 0x000000f0) ? __RD4((_x) >> 4) << 4 : __RD4(_x))
#define __RD16(_x) (((_x) & 0x0000ff00) ? __RD8((_x) >> 8) << 8 : __RD8(_x))
#define __RD32(_x) (((_x) & 0xffff0000) ? __RD16((_x) >> 16) << 16 : __RD16(_x))

/* Entries in a ring of type name that fills _sz bytes (compile-time). */
#define __CONST_RING_SIZE(_s, _sz) \
    (__RD32(((_sz) - __builtin_offsetof(struct _s##_sring, ring)) / \
            sizeof(((struct _s##_sring *)0)->ring[0])))

/* Same, from a pointer to the shared ring. */
#define __RING_SIZE(_s, _sz) \
    (__RD32(((_sz) - (long)(_s)->ring + (long)(_s)) / sizeof((_s)->ring[0])))

#define DEFINE_RING_TYPES(__name, __req_t, __rsp_t)                     \
union __name##_sring_entry {                                            \
    __req_t req;                                                        \
    __rsp_t rsp;                                                        \
};                                                                      \
struct __name##_sring {                                                 \
    RING_IDX req_prod, req_event;   /* written by front / back */       \
    RING_IDX rsp_prod, rsp_event;   /* written by back / front */       \
    union {                                                             \
        struct { uint8_t smartpoll_active; } netif;                     \
        struct { uint8_t msg; } tapif_user;                             \
        uint8_t pvt_pad[4];                                             \
    } pvt;                          /* protocol-specific byte(s) */     \
    uint8_t __pad[44];              /* entries start at byte 64 */      \
    union __name##_sring_entry ring[1]; /* really RING_SIZE entries */  \
};                                                                      \
struct __name##_front_ring {                                            \
    RING_IDX req_prod_pvt;          /* next request slot to fill */     \
    RING_IDX rsp_cons;              /* next response to read */         \
    unsigned int nr_ents;                                               \
    struct __name##_sring *sring;                                       \
};                                                                      \
struct __name##_back_ring {                                             \
    RING_IDX rsp_prod_pvt;          /* next response slot to fill */    \
    RING_IDX req_cons;              /* next request to read */          \
    unsigned int nr_ents;                                               \
    struct __name##_sring *sring;                                       \
};                                                                      \
typedef struct __name##_sring __name##_sring_t;                         \
typedef struct __name##_front_ring __name##_front_ring_t;               \
typedef struct __name##_back_ring __name##_back_ring_t

/* Reset the shared header: no entries, notify on the first one. */
#define SHARED_RING_INIT(_s) do {                                       \
    unsigned int __i;                                                   \
    (_s)->req_prod  = (_s)->rsp_prod  = 0;                              \
    (_s)->req_event = (_s)->rsp_event = 1;                              \
    for (__i = 0; __i < sizeof((_s)->pvt.pvt_pad); __i++)               \
        (_s)->pvt.pvt_pad[__i] = 0;                                     \
    for (__i = 0; __i < sizeof((_s)->__pad); __i++)                     \
        (_s)->__pad[__i] = 0;                                           \
} while (0)

/* Attach an end to a ring whose indexes are both at _i. */
#define FRONT_RING_ATTACH(_r, _s, _i, __size) do {                      \
    (_r)->req_prod_pvt = (_i);                                          \
    (_r)->rsp_cons = (_i);                                              \
    (_r)->nr_ents = __RING_SIZE(_s, __size);                            \
    (_r)->sring = (_s);                                                 \
} while (0)
#define FRONT_RING_INIT(_r, _s, __size) FRONT_RING_ATTACH(_r, _s, 0, __size)
#define XEN_FRONT_RING_INIT(r, s, size) do {                            \
    SHARED_RING_INIT(s);                                                \
    FRONT_RING_INIT(r, s, size);                                        \
} while (0)

#define BACK_RING_ATTACH(_r, _s, _i, __size) do {                       \
    (_r)->rsp_prod_pvt = (_i);                                          \
    (_r)->req_cons = (_i);                                              \
    (_r)->nr_ents = __RING_SIZE(_s, __size);                            \
    (_r)->sring = (_s);                                                 \
} while (0)
#define BACK_RING_INIT(_r, _s, __size) BACK_RING_ATTACH(_r, _s, 0, __size)

#define RING_SIZE(_r) ((_r)->nr_ents)

/* Front only: request slots not yet answered. */
#define RING_FREE_REQUESTS(_r) \
    (RING_SIZE(_r) - ((_r)->req_prod_pvt - (_r)->rsp_cons))
#define RING_FULL(_r) (RING_FREE_REQUESTS(_r) == 0)

/* Entries published by the other end and not yet consumed. */
#define XEN_RING_NR_UNCONSUMED_RESPONSES(_r) \
    ((_r)->sring->rsp_prod - (_r)->rsp_cons)
/* Bounded by the free response slots, so a bad front cannot overrun. */
#define XEN_RING_NR_UNCONSUMED_REQUESTS(_r) ({                          \
    unsigned int __req = (_r)->sring->req_prod - (_r)->req_cons;        \
    unsigned int __rsp = RING_SIZE(_r) -                                \
        ((_r)->req_cons - (_r)->rsp_prod_pvt);                          \
    __req < __rsp ? __req : __rsp;                                      \
})
#ifdef XEN_RING_HAS_UNCONSUMED_IS_BOOL
#define RING_HAS_UNCONSUMED_RESPONSES(_r) (!!XEN_RING_NR_UNCONSUMED_RESPONSES(_r))
#define RING_HAS_UNCONSUMED_REQUESTS(_r)  (!!XEN_RING_NR_UNCONSUMED_REQUESTS(_r))
#else
#define RING_HAS_UNCONSUMED_RESPONSES(_r) XEN_RING_NR_UNCONSUMED_RESPONSES(_r)
#define RING_HAS_UNCONSUMED_REQUESTS(_r)  XEN_RING_NR_UNCONSUMED_REQUESTS(_r)
#endif

/* Pointer to the entry for index _idx (in shared memory). */
#define RING_GET_REQUEST(_r, _idx) \
    (&((_r)->sring->ring[((_idx) & (RING_SIZE(_r) - 1))].req))
#define RING_GET_RESPONSE(_r, _idx) \
    (&((_r)->sring->ring[((_idx) & (RING_SIZE(_r) - 1))].rsp))

/* Copy an entry out of shared memory once (the peer may change it). */
#define RING_COPY_(type, r, idx, dest) do {                             \
    *(dest) = *(volatile __typeof__(dest))RING_GET_##type(r, idx);      \
} while (0)
#define RING_COPY_REQUEST(r, idx, req)  RING_COPY_(REQUEST, r, idx, req)
#define RING_COPY_RESPONSE(r, idx, rsp) RING_COPY_(RESPONSE, r, idx, rsp)

/* Back: would consuming request _cons exceed the ring? */
#define RING_REQUEST_CONS_OVERFLOW(_r, _cons) \
    (((_cons) - (_r)->rsp_prod_pvt) >= RING_SIZE(_r))
/* Back: does the front claim more requests than can exist? */
#define RING_REQUEST_PROD_OVERFLOW(_r, _prod) \
    (((_prod) - (_r)->rsp_prod_pvt) > RING_SIZE(_r))
/* Front: does the back claim more responses than can exist? */
#define RING_RESPONSE_PROD_OVERFLOW(_r, _prod) \
    (((_prod) - (_r)->rsp_cons) > RING_SIZE(_r))

/* Publish the privately produced entries (entries first, then index). */
#define RING_PUSH_REQUESTS(_r) do {                                     \
    xen_wmb();                                                          \
    (_r)->sring->req_prod = (_r)->req_prod_pvt;                         \
} while (0)
#define RING_PUSH_RESPONSES(_r) do {                                    \
    xen_wmb();                                                          \
    (_r)->sring->rsp_prod = (_r)->rsp_prod_pvt;                         \
} while (0)

/* Publish, then set _notify if the peer's event threshold was crossed. */
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(_r, _notify) do {           \
    RING_IDX __old = (_r)->sring->req_prod;                             \
    RING_IDX __new = (_r)->req_prod_pvt;                                \
    xen_wmb();                                                          \
    (_r)->sring->req_prod = __new;                                      \
    xen_mb();                                                           \
    (_notify) = ((RING_IDX)(__new - (_r)->sring->req_event) <           \
                 (RING_IDX)(__new - __old));                            \
} while (0)
#define RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(_r, _notify) do {          \
    RING_IDX __old = (_r)->sring->rsp_prod;                             \
    RING_IDX __new = (_r)->rsp_prod_pvt;                                \
    xen_wmb();                                                          \
    (_r)->sring->rsp_prod = __new;                                      \
    xen_mb();                                                           \
    (_notify) = ((RING_IDX)(__new - (_r)->sring->rsp_event) <           \
                 (RING_IDX)(__new - __old));                            \
} while (0)

/* Before sleeping: ask to be notified of the next entry, then re-check. */
#define RING_FINAL_CHECK_FOR_REQUESTS(_r, _work_to_do) do {             \
    (_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                   \
    if (_work_to_do)                                                    \
        break;                                                          \
    (_r)->sring->req_event = (_r)->req_cons + 1;                        \
    xen_mb();                                                           \
    (_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                   \
} while (0)
#define RING_FINAL_CHECK_FOR_RESPONSES(_r, _work_to_do) do {            \
    (_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                  \
    if (_work_to_do)                                                    \
        break;                                                          \
    (_r)->sring->rsp_event = (_r)->rsp_cons + 1;                        \
    xen_mb();                                                           \
    (_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                  \
} while (0)

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_IO_RING_H__ */
