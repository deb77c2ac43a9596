/*
 * __HYPERVISOR_vcpu_op(cmd, vcpuid, arg): per-vCPU control.
 */
#ifndef __XEN_PUBLIC_VCPU_H__
#define __XEN_PUBLIC_VCPU_H__

#include "xen.h"

/*
 * initialise: arg = vcpu_guest_context; set the initial state of a vCPU
 *   that has never run.
 * up / down: arg unused; start / stop a vCPU.
 * is_up: arg unused; returns 1 if the vCPU is up, 0 if not.
 * get_runstate_info: arg = vcpu_runstate_info (OUT).
 * register_runstate_memory_area: arg = vcpu_register_runstate_memory_area;
 *   the hypervisor keeps a vcpu_runstate_info at that guest address current.
 * set_periodic_timer: arg = vcpu_set_periodic_timer; VIRQ_TIMER every period.
 * stop_periodic_timer: arg unused.
 * set_singleshot_timer: arg = vcpu_set_singleshot_timer; one VIRQ_TIMER at
 *   an absolute time.
 * stop_singleshot_timer: arg unused.
 * register_vcpu_info: arg = vcpu_register_vcpu_info; move this vCPU's
 *   vcpu_info out of shared_info into a guest page (once per vCPU).
 * send_nmi: arg unused; raise an NMI on the vCPU.
 * get_physid: arg = vcpu_get_physid (OUT; dom0 only).
 * register_vcpu_time_memory_area: arg = vcpu_register_time_memory_area;
 *   keep a second copy of vcpu_time_info at that guest address.
 */
#define VCPUOP_initialise                     0
#define VCPUOP_up                             1
#define VCPUOP_down                           2
#define VCPUOP_is_up                          3
#define VCPUOP_get_runstate_info              4
#define VCPUOP_register_runstate_memory_area  5
#define VCPUOP_set_periodic_timer             6
#define VCPUOP_stop_periodic_timer            7
#define VCPUOP_set_singleshot_timer           8
#define VCPUOP_stop_singleshot_timer          9
#define VCPUOP_register_vcpu_info             10
#define VCPUOP_send_nmi                       11
#define VCPUOP_get_physid                     12
#define VCPUOP_register_vcpu_time_memory_area 13

/* vcpu_runstate_info.state */
#define RUNSTATE_running  0   /* on a physical CPU */
#define RUNSTATE_runnable 1   /* ready, waiting for a CPU */
#define RUNSTATE_blocked  2   /* waiting for an event */
#define RUNSTATE_offline  3   /* down, or paused by the toolstack */

/* Set in state_entry_time while the area is being updated
 * (with VMASST_TYPE_runstate_update_flag). */
#define XEN_RUNSTATE_UPDATE (xen_mk_ullong(1) << 63)

/* vcpu_set_singleshot_timer.flags: fail with -ETIME if the time has passed. */
#define _VCPU_SSHOTTMR_future 0
#define VCPU_SSHOTTMR_future  (xen_mk_uint(1) << _VCPU_SSHOTTMR_future)

#define xen_vcpu_physid_to_x86_apicid(physid) ((uint32_t)(physid))
#define xen_vcpu_physid_to_x86_acpiid(physid) ((uint32_t)((physid) >> 32))

#ifndef __ASSEMBLY__

struct vcpu_runstate_info {
    int32_t  state;             /* RUNSTATE_* */
    uint32_t _pad0;
    uint64_t state_entry_time;  /* system time (ns) of the last state change */
    uint64_t time[4];           /* ns spent in each RUNSTATE_* */
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;

struct vcpu_register_runstate_memory_area {
    union {
        XEN_GUEST_HANDLE(vcpu_runstate_info_t) h;
        uint64_t v;             /* guest virtual address */
        uint64_t p;
    } addr;                     /* IN: where to keep vcpu_runstate_info */
};
typedef struct vcpu_register_runstate_memory_area vcpu_register_runstate_memory_area_t;

struct vcpu_set_periodic_timer {
    uint64_t period_ns;         /* IN */
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;

struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;    /* IN: absolute system time (ns) */
    uint32_t flags;             /* IN: VCPU_SSHOTTMR_* */
    uint32_t _pad0;
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;

struct vcpu_register_vcpu_info {
    uint64_t mfn;               /* IN: guest frame to hold the vcpu_info */
    uint32_t offset;            /* IN: byte offset in that frame */
    uint32_t rsvd;              /* must be 0 */
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;

struct vcpu_get_physid {
    uint64_t phys_id;           /* OUT: APIC id (low 32) and ACPI id (high 32) */
};
typedef struct vcpu_get_physid vcpu_get_physid_t;

struct vcpu_register_time_memory_area {
    union {
        XEN_GUEST_HANDLE(vcpu_time_info_t) h;
        uint64_t v;
        uint64_t p;
    } addr;                     /* IN: where to keep a vcpu_time_info */
};
typedef struct vcpu_register_time_memory_area vcpu_register_time_memory_area_t;

XEN_ABI_SIZE(struct vcpu_runstate_info, 48);
XEN_ABI_OFFSET(struct vcpu_runstate_info, state_entry_time, 8);
XEN_ABI_OFFSET(struct vcpu_runstate_info, time, 16);
XEN_ABI_SIZE(struct vcpu_register_runstate_memory_area, 8);
XEN_ABI_SIZE(struct vcpu_set_periodic_timer, 8);
XEN_ABI_SIZE(struct vcpu_set_singleshot_timer, 16);
XEN_ABI_OFFSET(struct vcpu_set_singleshot_timer, flags, 8);
XEN_ABI_SIZE(struct vcpu_register_vcpu_info, 16);
XEN_ABI_OFFSET(struct vcpu_register_vcpu_info, offset, 8);
XEN_ABI_OFFSET(struct vcpu_register_vcpu_info, rsvd, 12);
XEN_ABI_SIZE(struct vcpu_get_physid, 8);
XEN_ABI_SIZE(struct vcpu_register_time_memory_area, 8);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_VCPU_H__ */
