/*
 * Keel-private guest ABI extensions.  Anything added must not reuse a
 * number Xen assigns, and must be documented in docs/abi.md.
 *
 * Sysctl commands in 0x4b00..0x4bff ('K' << 8) are Keel's own: Xen 4.17's
 * XEN_SYSCTL_* numbers are all below 0x40.  They use struct xen_sysctl
 * (interface 0x15, control domain only) with their argument in u.pad.
 */
#ifndef __KEEL_PUBLIC_KEEL_H__
#define __KEEL_PUBLIC_KEEL_H__

#include "xen.h"

#define KEEL_SYSCTL_FIRST       0x4b00
#define KEEL_SYSCTL_vstats      0x4b00   /* u.pad = struct keel_sysctl_vstats (IN/OUT) */
#define KEEL_SYSCTL_LAST        0x4bff

/* Hypercall families counted in keel_vstats.hypercalls[]. */
#define KEEL_HCF_MMU      0   /* mmu_update, update_va_mapping(_otherdomain), mmuext_op,
                                 set_gdt, update_descriptor, stack_switch */
#define KEEL_HCF_SCHED    1   /* sched_op, set_timer_op, vcpu_op */
#define KEEL_HCF_EVTCHN   2   /* event_channel_op */
#define KEEL_HCF_GRANT    3   /* grant_table_op */
#define KEEL_HCF_MEMORY   4   /* memory_op */
#define KEEL_HCF_CONSOLE  5   /* console_io */
#define KEEL_HCF_CONTROL  6   /* domctl, sysctl, platform_op */
#define KEEL_HCF_MULTI    7   /* multicall (its entries count in their own families) */
#define KEEL_HCF_OTHER    8   /* everything else (iret is not a hypercall here) */
#define KEEL_NR_HCF       9

#define KEEL_VSTATS_HIST  32      /* bucket i: [2^i, 2^(i+1)) ns; 0: [0, 2); 31: >= 2^31 */
#define KEEL_VSTATS_VERSION 1
#define KEEL_VSTATS_DOMAIN 0xffffffffu   /* keel_sysctl_vstats.vcpu: the domain's totals */

#ifndef __ASSEMBLY__

/*
 * One vCPU's counters, or a domain's (the sum over its vCPUs; the memory
 * fields are the domain's in both).  All counts are since the vCPU was
 * created; times are in ns of Xen system time.
 */
struct keel_vstats {
    uint32_t version;             /* KEEL_VSTATS_VERSION */
    uint32_t nr_vcpus;            /* vCPUs summed (1 for a vCPU) */
    uint64_t now;                 /* system time of the snapshot */
    uint64_t runstate[4];         /* RUNSTATE_*: ns, the current state's time included */
    uint64_t wake_hist[KEEL_VSTATS_HIST];   /* blocked -> runnable -> running latencies */
    uint64_t preemptions;         /* switched out while still runnable (not a yield) */
    uint64_t migrations;          /* switched in on another CPU than last time */
    uint64_t hypercalls[KEEL_NR_HCF];
    uint64_t pt_updates;          /* page-table entries asked for (mmu_update, update_va_mapping) */
    uint64_t flushes_caused;      /* TLB flushes (of any CPU) this vCPU's requests made */
    uint64_t flushes_suffered;    /* flush IPIs that hit this vCPU's CPU while it ran */
    uint64_t events_sent;         /* EVTCHNOP_send */
    uint64_t events_received;     /* ports set pending for this vCPU (any source) */
    uint64_t grant_maps;          /* GNTTABOP_map_grant_ref entries */
    uint64_t grant_copies;        /* GNTTABOP_copy entries */
    uint64_t tot_pages, max_pages;
    uint64_t ballooned_pages;     /* given back by decrease_reservation, not yet taken again */
};
typedef struct keel_vstats keel_vstats_t;

struct keel_sysctl_vstats {
    domid_t  domain;              /* IN: an existing domain (-ESRCH) */
    uint16_t pad0;                /* IN: 0 (-EINVAL) */
    uint32_t vcpu;                /* IN: a vCPU id (-EINVAL >= max, -ESRCH none) or KEEL_VSTATS_DOMAIN */
    XEN_GUEST_HANDLE_64(keel_vstats_t) buffer;   /* IN: where to write */
    uint32_t size;                /* IN: room at buffer (-EINVAL < sizeof); OUT: bytes written */
    uint32_t pad1;                /* IN: 0 (-EINVAL) */
};
#endif /* !__ASSEMBLY__ */

#endif /* __KEEL_PUBLIC_KEEL_H__ */
