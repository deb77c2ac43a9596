/*
 * __HYPERVISOR_domctl(op): domain control for the control domain (dom0).
 *
 * op is a struct xen_domctl: IN cmd, interface_version and domain, then
 * the argument of that command in u; on success the hypervisor writes the
 * whole struct back (OUT fields below).  Numbers and layouts are those of
 * Xen's public/domctl.h at XEN_DOMCTL_INTERFACE_VERSION 0x15 (Xen 4.17);
 * only the commands Keel implements have their structs declared here, the
 * union is always Xen's 128 bytes.  tests/unit/test_abi_layout compares
 * them with Xen's header.
 *
 * Notes (Keel, as Xen 4.17):
 *  1. A caller that is not the control domain gets -EPERM; a wrong
 *     interface_version gets -EACCES (checked first); an unknown command
 *     -ENOSYS.
 *  2. domain names an existing domain, else -ESRCH; except for
 *     getdomaininfo, which reports the domain with the least id >= domain
 *     (-ESRCH if none, -EINVAL if domain >= DOMID_FIRST_RESERVED) and sets
 *     op.domain to that id, and createdomain, where it is the id wanted
 *     (IN) and given (OUT).
 *  3. A domain created here is kept after it shuts down until
 *     destroydomain; it is then listed as dying until its last frame is
 *     freed (Xen's lifetime; docs/hypervisor.md, "Domain lifetime").
 */
#ifndef __XEN_PUBLIC_DOMCTL_H__
#define __XEN_PUBLIC_DOMCTL_H__

#include "xen.h"

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015

/* ---- Commands (xen_domctl.cmd) ---- */
#define XEN_DOMCTL_createdomain        1   /* u.createdomain (IN); op.domain IN/OUT */
#define XEN_DOMCTL_destroydomain       2   /* no argument; may be continued */
#define XEN_DOMCTL_pausedomain         3   /* no argument */
#define XEN_DOMCTL_unpausedomain       4   /* no argument */
#define XEN_DOMCTL_getdomaininfo       5   /* u.getdomaininfo (OUT) */
#define XEN_DOMCTL_max_mem            11   /* u.max_mem (IN) */
#define XEN_DOMCTL_getvcpuinfo        14   /* u.getvcpuinfo (IN vcpu, OUT rest) */
#define XEN_DOMCTL_setvcpucontext     12   /* u.vcpucontext (IN) */
#define XEN_DOMCTL_getvcpucontext     13   /* u.vcpucontext (IN vcpu, ctxt filled) */
#define XEN_DOMCTL_max_vcpus          15   /* u.max_vcpus (IN) */
#define XEN_DOMCTL_setvcpuaffinity     9   /* u.vcpuaffinity (IN; masks IN/OUT via handles) */
#define XEN_DOMCTL_getvcpuaffinity    25   /* u.vcpuaffinity (IN; masks OUT via handles) */
#define XEN_DOMCTL_scheduler_op       16   /* u.scheduler_op (IN/OUT) */
#define XEN_DOMCTL_set_address_size   35   /* u.address_size (IN): 64 only */
#define XEN_DOMCTL_get_address_size   36   /* u.address_size (OUT): 64 */

#ifndef __ASSEMBLY__

/* ---- Architecture part of a domain's configuration (x86) ---- */
#define XEN_X86_MSR_RELAXED (1u << 0)   /* misc_flags: relaxed MSR access */
struct xen_arch_domainconfig {
    uint32_t emulation_flags;   /* XEN_X86_EMU_*: 0 for a PV domain */
    uint32_t misc_flags;        /* XEN_X86_MSR_RELAXED */
};

/* ---- XEN_DOMCTL_createdomain ---- */
#define _XEN_DOMCTL_CDF_hvm           0
#define XEN_DOMCTL_CDF_hvm            (1U << _XEN_DOMCTL_CDF_hvm)
#define _XEN_DOMCTL_CDF_hap           1
#define XEN_DOMCTL_CDF_hap            (1U << _XEN_DOMCTL_CDF_hap)
#define _XEN_DOMCTL_CDF_s3_integrity  2
#define XEN_DOMCTL_CDF_s3_integrity   (1U << _XEN_DOMCTL_CDF_s3_integrity)
#define _XEN_DOMCTL_CDF_oos_off       3
#define XEN_DOMCTL_CDF_oos_off        (1U << _XEN_DOMCTL_CDF_oos_off)
#define _XEN_DOMCTL_CDF_xs_domain     4
#define XEN_DOMCTL_CDF_xs_domain      (1U << _XEN_DOMCTL_CDF_xs_domain)
#define _XEN_DOMCTL_CDF_iommu         5
#define XEN_DOMCTL_CDF_iommu          (1U << _XEN_DOMCTL_CDF_iommu)
#define _XEN_DOMCTL_CDF_nested_virt   6
#define XEN_DOMCTL_CDF_nested_virt    (1U << _XEN_DOMCTL_CDF_nested_virt)
#define XEN_DOMCTL_CDF_vpmu           (1U << 7)
#define XEN_DOMCTL_CDF_MAX            XEN_DOMCTL_CDF_vpmu

#define _XEN_DOMCTL_IOMMU_no_sharept  0
#define XEN_DOMCTL_IOMMU_no_sharept   (1U << _XEN_DOMCTL_IOMMU_no_sharept)
#define XEN_DOMCTL_IOMMU_MAX          XEN_DOMCTL_IOMMU_no_sharept

#define XEN_DOMCTL_GRANT_version_mask 0xf
#define XEN_DOMCTL_GRANT_version(v)   ((v) & XEN_DOMCTL_GRANT_version_mask)

/*
 * The new domain's configuration (Keel accepts a PV domain only: flags 0
 * or xs_domain/oos_off, which change nothing for PV; hvm, hap, iommu,
 * nested_virt, vpmu and s3_integrity are -EINVAL).  The domain is created
 * paused by the control domain, with no memory (max_pages 0) and its vCPUs
 * down; op.domain is IN (0 or >= DOMID_FIRST_RESERVED: any free id; else
 * that id, -EEXIST if in use) and OUT.
 */
struct xen_domctl_createdomain {
    uint32_t ssidref;           /* IN: ignored (no XSM) */
    xen_domain_handle_t handle; /* IN: UUID, reported by getdomaininfo */
    uint32_t flags;             /* IN: XEN_DOMCTL_CDF_* */
    uint32_t iommu_opts;        /* IN: 0 */
    uint32_t max_vcpus;         /* IN: 1..32 (Keel: legacy vcpu_info slots) */
    uint32_t max_evtchn_port;   /* IN: highest usable port (Keel clamps to 1023) */
    int32_t  max_grant_frames;  /* IN: < 0 = default (32); 1..32 */
    int32_t  max_maptrack_frames; /* IN: < 0 = default (8); 0..8 */
    uint32_t grant_opts;        /* IN: XEN_DOMCTL_GRANT_version(1) */
    uint32_t vmtrace_size;      /* IN: 0 */
    uint32_t cpupool_id;        /* IN: 0 */
    struct xen_arch_domainconfig arch;  /* IN: emulation_flags 0, misc_flags 0 or MSR_RELAXED */
};

/* ---- XEN_DOMCTL_setvcpucontext / getvcpucontext ---- */
struct xen_domctl_vcpucontext {
    uint32_t vcpu;              /* IN: vCPU id */
    uint32_t _pad0;
    XEN_GUEST_HANDLE_64(vcpu_guest_context_t) ctxt;  /* IN (set; 0 = reset) / OUT (get) */
};

/* ---- XEN_DOMCTL_max_vcpus ---- */
struct xen_domctl_max_vcpus {
    uint32_t max;               /* IN: must equal createdomain's max_vcpus */
};

/* ---- XEN_DOMCTL_set_address_size / get_address_size ---- */
struct xen_domctl_address_size {
    uint32_t size;              /* bits: 64 */
};

/* ---- XEN_DOMCTL_getdomaininfo ---- */
#define _XEN_DOMINF_dying     0
#define XEN_DOMINF_dying      (1U << _XEN_DOMINF_dying)     /* destroyed, being torn down */
#define _XEN_DOMINF_hvm_guest 1
#define XEN_DOMINF_hvm_guest  (1U << _XEN_DOMINF_hvm_guest) /* never set by Keel */
#define _XEN_DOMINF_shutdown  2
#define XEN_DOMINF_shutdown   (1U << _XEN_DOMINF_shutdown)  /* the guest has shut down */
#define _XEN_DOMINF_paused    3
#define XEN_DOMINF_paused     (1U << _XEN_DOMINF_paused)    /* paused by the control domain */
#define _XEN_DOMINF_blocked   4
#define XEN_DOMINF_blocked    (1U << _XEN_DOMINF_blocked)   /* all online vCPUs blocked */
#define _XEN_DOMINF_running   5
#define XEN_DOMINF_running    (1U << _XEN_DOMINF_running)   /* a vCPU is on a CPU now */
#define _XEN_DOMINF_debugged  6
#define XEN_DOMINF_debugged   (1U << _XEN_DOMINF_debugged)
#define _XEN_DOMINF_xs_domain 7
#define XEN_DOMINF_xs_domain  (1U << _XEN_DOMINF_xs_domain)
#define _XEN_DOMINF_hap       8
#define XEN_DOMINF_hap        (1U << _XEN_DOMINF_hap)
/* The shutdown reason (SHUTDOWN_*) is in flags bits 16..23. */
#define XEN_DOMINF_shutdownmask  255
#define XEN_DOMINF_shutdownshift 16

#define XEN_INVALID_MAX_VCPU_ID (~0U)   /* max_vcpu_id of a domain without vCPUs */

struct xen_domctl_getdomaininfo {
    domid_t  domain;            /* OUT: the domain reported (also in op.domain) */
    uint16_t pad1;
    uint32_t flags;             /* OUT: XEN_DOMINF_* | reason << shutdownshift */
    uint64_t tot_pages;         /* OUT: pages the domain owns */
    uint64_t max_pages;         /* OUT: its limit (XEN_DOMCTL_max_mem) */
    uint64_t outstanding_pages; /* OUT: 0 (no claims) */
    uint64_t shr_pages;         /* OUT: 0 (no sharing) */
    uint64_t paged_pages;       /* OUT: 0 (no paging) */
    uint64_t shared_info_frame; /* OUT: machine frame of shared_info (PV) */
    uint64_t cpu_time;          /* OUT: ns its vCPUs have run */
    uint32_t nr_online_vcpus;   /* OUT */
    uint32_t max_vcpu_id;       /* OUT: highest vCPU id, or XEN_INVALID_MAX_VCPU_ID */
    uint32_t ssidref;           /* OUT: 0 (no XSM) */
    xen_domain_handle_t handle; /* OUT: the domain's UUID (Keel: zero) */
    uint32_t cpupool;           /* OUT: 0 */
    uint8_t  gpaddr_bits;       /* OUT: guest physical address width */
    uint8_t  pad2[7];
    struct xen_arch_domainconfig arch_config;  /* OUT: 0 for PV */
};
typedef struct xen_domctl_getdomaininfo xen_domctl_getdomaininfo_t;

/* ---- XEN_DOMCTL_max_mem ---- */
struct xen_domctl_max_mem {
    uint64_t max_memkb;         /* IN: new limit in KiB (rounded down to pages) */
};

/* ---- XEN_DOMCTL_getvcpuinfo ---- */
struct xen_domctl_getvcpuinfo {
    uint32_t vcpu;              /* IN: vCPU id (< max vCPUs, else -EINVAL; absent: -ESRCH) */
    uint8_t  online;            /* OUT: up (not VCPUOP_down) */
    uint8_t  blocked;           /* OUT: waiting for an event */
    uint8_t  running;           /* OUT: on a physical CPU now */
    uint8_t  _pad0;
    uint64_t cpu_time;          /* OUT: ns it has run */
    uint32_t cpu;               /* OUT: physical CPU it runs or last ran on */
    uint32_t _pad1;
};

/* ---- XEN_DOMCTL_scheduler_op ---- */
#define XEN_SCHEDULER_CREDIT   5
#define XEN_SCHEDULER_CREDIT2  6    /* Keel's scheduler reports this id */
#define XEN_SCHEDULER_ARINC653 7
#define XEN_SCHEDULER_RTDS     8
#define XEN_SCHEDULER_NULL     9

#define XEN_DOMCTL_SCHEDOP_putinfo     0   /* set the domain's parameters */
#define XEN_DOMCTL_SCHEDOP_getinfo     1   /* read them */
#define XEN_DOMCTL_SCHEDOP_putvcpuinfo 2   /* per-vCPU: -EINVAL for credit2 */
#define XEN_DOMCTL_SCHEDOP_getvcpuinfo 3   /* per-vCPU: -EINVAL for credit2 */

struct xen_domctl_sched_credit {
    uint16_t weight;
    uint16_t cap;
};

/*
 * credit2: weight is the domain's share (1..65535, default 256; 0 in
 * putinfo = leave unchanged); cap is a limit in percent of one CPU
 * (0 = none; at most 100 * vCPUs, else -EINVAL).
 */
struct xen_domctl_sched_credit2 {
    uint16_t weight;
    uint16_t cap;
};

/* One vCPU's parameters for put/getvcpuinfo (schedulers that have them). */
struct xen_domctl_schedparam_vcpu {
    union {
        struct xen_domctl_sched_credit credit;
        struct xen_domctl_sched_credit2 credit2;
        struct {
            uint32_t period;
            uint32_t budget;
            uint32_t flags;
        } rtds;
    } u;
    uint32_t vcpuid;
};
typedef struct xen_domctl_schedparam_vcpu xen_domctl_schedparam_vcpu_t;

struct xen_domctl_scheduler_op {
    uint32_t sched_id;          /* IN: XEN_SCHEDULER_*: must be the running one (-EINVAL) */
    uint32_t cmd;               /* IN: XEN_DOMCTL_SCHEDOP_* */
    union {                     /* IN (put) / OUT (get) */
        struct xen_domctl_sched_credit credit;
        struct xen_domctl_sched_credit2 credit2;
        struct {
            XEN_GUEST_HANDLE_64(xen_domctl_schedparam_vcpu_t) vcpus;
            uint32_t nr_vcpus;
            uint32_t padding;
        } v;
    } u;
};

/* ---- XEN_DOMCTL_setvcpuaffinity / XEN_DOMCTL_getvcpuaffinity ---- */
/* A bitmap in guest memory (Xen's public/xen.h): bit n of byte n/8 is CPU
 * n; nr_bits the bits the caller's buffer holds. */
struct xenctl_bitmap {
    XEN_GUEST_HANDLE_64(uint8) bitmap;
    uint32_t nr_bits;
    uint32_t _pad;              /* Xen's implicit padding */
};
typedef struct xenctl_bitmap xenctl_bitmap_t;

#define _XEN_VCPUAFFINITY_HARD  0
#define XEN_VCPUAFFINITY_HARD   (1U << _XEN_VCPUAFFINITY_HARD)
#define _XEN_VCPUAFFINITY_SOFT  1
#define XEN_VCPUAFFINITY_SOFT   (1U << _XEN_VCPUAFFINITY_SOFT)
#define _XEN_VCPUAFFINITY_FORCE 2     /* undo SCHEDOP_pin_override: Keel has none, ignored */
#define XEN_VCPUAFFINITY_FORCE  (1U << _XEN_VCPUAFFINITY_FORCE)

/*
 * Set: the masks named by flags (at least one of HARD/SOFT, else -EINVAL)
 * are read; a hard mask with no online CPU is -EINVAL; on success each is
 * written back effective (hard & online; soft & hard & online).  Get: the
 * masks as set (default every CPU).  vcpu >= max vCPUs -EINVAL, absent
 * -ESRCH, a bad bitmap handle -EFAULT.  Bitmaps are nr_cpu_ids (Keel: the
 * online CPUs) bits; shorter ones are zero-extended on input, longer ones
 * zero-filled on output, as Xen.  Keel: nr_bits above
 * XEN_VCPUAFFINITY_MAX_BITS is -EINVAL (Xen takes any size).  The soft
 * mask is stored and reported but the scheduler ignores it.
 */
#define XEN_VCPUAFFINITY_MAX_BITS 32768
struct xen_domctl_vcpuaffinity {
    uint32_t vcpu;                      /* IN */
    uint32_t flags;                     /* IN: XEN_VCPUAFFINITY_* */
    struct xenctl_bitmap cpumap_hard;   /* IN/OUT (set), OUT (get) */
    struct xenctl_bitmap cpumap_soft;
};
typedef struct xen_domctl_vcpuaffinity xen_domctl_vcpuaffinity_t;

/* ---- The hypercall argument ---- */
struct xen_domctl {
    uint32_t cmd;               /* IN: XEN_DOMCTL_* */
    uint32_t interface_version; /* IN: XEN_DOMCTL_INTERFACE_VERSION */
    domid_t  domain;            /* IN (getdomaininfo: IN/OUT) */
    uint16_t _pad[3];
    union {
        struct xen_domctl_createdomain  createdomain;
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_vcpucontext   vcpucontext;
        struct xen_domctl_max_vcpus     max_vcpus;
        struct xen_domctl_address_size  address_size;
        struct xen_domctl_max_mem       max_mem;
        struct xen_domctl_getvcpuinfo   getvcpuinfo;
        struct xen_domctl_scheduler_op  scheduler_op;
        struct xen_domctl_vcpuaffinity  vcpuaffinity;
        uint8_t                         pad[128];
    } u;
};
typedef struct xen_domctl xen_domctl_t;

XEN_ABI_SIZE(struct xen_arch_domainconfig, 8);
XEN_ABI_SIZE(struct xen_domctl_createdomain, 64);
XEN_ABI_OFFSET(struct xen_domctl_createdomain, flags, 20);
XEN_ABI_OFFSET(struct xen_domctl_createdomain, max_vcpus, 28);
XEN_ABI_OFFSET(struct xen_domctl_createdomain, max_grant_frames, 36);
XEN_ABI_OFFSET(struct xen_domctl_createdomain, arch, 56);
XEN_ABI_SIZE(struct xen_domctl_vcpucontext, 16);
XEN_ABI_OFFSET(struct xen_domctl_vcpucontext, ctxt, 8);
XEN_ABI_SIZE(struct xen_domctl_max_vcpus, 4);
XEN_ABI_SIZE(struct xen_domctl_address_size, 4);
XEN_ABI_SIZE(struct xen_domctl_getdomaininfo, 112);
XEN_ABI_OFFSET(struct xen_domctl_getdomaininfo, flags, 4);
XEN_ABI_OFFSET(struct xen_domctl_getdomaininfo, tot_pages, 8);
XEN_ABI_OFFSET(struct xen_domctl_getdomaininfo, cpu_time, 56);
XEN_ABI_OFFSET(struct xen_domctl_getdomaininfo, nr_online_vcpus, 64);
XEN_ABI_OFFSET(struct xen_domctl_getdomaininfo, handle, 76);
XEN_ABI_OFFSET(struct xen_domctl_getdomaininfo, cpupool, 92);
XEN_ABI_OFFSET(struct xen_domctl_getdomaininfo, arch_config, 104);
XEN_ABI_SIZE(struct xen_domctl_max_mem, 8);
XEN_ABI_SIZE(struct xen_domctl_getvcpuinfo, 24);
XEN_ABI_OFFSET(struct xen_domctl_getvcpuinfo, cpu_time, 8);
XEN_ABI_OFFSET(struct xen_domctl_getvcpuinfo, cpu, 16);
XEN_ABI_SIZE(struct xen_domctl_sched_credit2, 4);
XEN_ABI_SIZE(struct xen_domctl_schedparam_vcpu, 16);
XEN_ABI_SIZE(struct xen_domctl_scheduler_op, 24);
XEN_ABI_OFFSET(struct xen_domctl_scheduler_op, u, 8);
XEN_ABI_SIZE(struct xenctl_bitmap, 16);
XEN_ABI_SIZE(struct xen_domctl_vcpuaffinity, 40);
XEN_ABI_OFFSET(struct xen_domctl_vcpuaffinity, cpumap_hard, 8);
XEN_ABI_OFFSET(struct xen_domctl_vcpuaffinity, cpumap_soft, 24);
XEN_ABI_SIZE(struct xen_domctl, 144);
XEN_ABI_OFFSET(struct xen_domctl, domain, 8);
XEN_ABI_OFFSET(struct xen_domctl, u, 16);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_DOMCTL_H__ */
