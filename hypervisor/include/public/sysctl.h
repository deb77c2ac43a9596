/*
 * __HYPERVISOR_sysctl(op): host-wide queries for the control domain.
 *
 * op is a struct xen_sysctl: IN cmd and interface_version, then the
 * argument of that command in u; on success the hypervisor writes the
 * whole struct back.  Numbers and layouts are those of Xen's
 * public/sysctl.h at XEN_SYSCTL_INTERFACE_VERSION 0x15 (Xen 4.17); only
 * the commands Keel implements have their structs declared here, the
 * union is always Xen's 128 bytes.
 *
 * Notes (Keel, as Xen 4.17): a wrong interface_version is -EACCES
 * (checked first), a caller that is not the control domain -EPERM, an
 * unknown command -ENOSYS.
 */
#ifndef __XEN_PUBLIC_SYSCTL_H__
#define __XEN_PUBLIC_SYSCTL_H__

#include "xen.h"
#include "domctl.h"

#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

/* ---- Commands (xen_sysctl.cmd) ---- */
#define XEN_SYSCTL_readconsole        1   /* u.readconsole (IN/OUT) */
#define XEN_SYSCTL_physinfo           3   /* u.physinfo (OUT) */
#define XEN_SYSCTL_sched_id           4   /* u.sched_id (OUT) */
#define XEN_SYSCTL_getdomaininfolist  6   /* u.getdomaininfolist (IN/OUT) */

/* physinfo.capabilities */
#define _XEN_SYSCTL_PHYSCAP_hvm       0
#define XEN_SYSCTL_PHYSCAP_hvm        (1U << _XEN_SYSCTL_PHYSCAP_hvm)
#define _XEN_SYSCTL_PHYSCAP_pv        1
#define XEN_SYSCTL_PHYSCAP_pv         (1U << _XEN_SYSCTL_PHYSCAP_pv)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1  (1U << 8)
#define XEN_SYSCTL_PHYSCAP_gnttab_v2  (1U << 9)

#ifndef __ASSEMBLY__

/*
 * ---- XEN_SYSCTL_readconsole ----
 * Copies the hypervisor's message history (Xen's console ring) into
 * buffer: from index if incremental and that index is still in the ring,
 * else from the oldest byte kept; at most count bytes.  OUT: count = bytes
 * written, index = where the next incremental read starts.  clear drops
 * what was read.  A fault writing buffer is -EFAULT.
 */
struct xen_sysctl_readconsole {
    uint8_t  clear;             /* IN: non-zero: drop what was read */
    uint8_t  incremental;       /* IN: non-zero: start at index */
    uint8_t  pad0, pad1;
    uint32_t index;             /* IN: start (if incremental); OUT: end */
    XEN_GUEST_HANDLE_64(char) buffer;  /* IN */
    uint32_t count;             /* IN: size of buffer; OUT: bytes written */
    uint32_t _pad2;             /* (Xen: implicit padding) */
};

/* ---- XEN_SYSCTL_physinfo (all OUT) ---- */
struct xen_sysctl_physinfo {
    uint32_t threads_per_core;
    uint32_t cores_per_socket;
    uint32_t nr_cpus;           /* CPUs online */
    uint32_t max_cpu_id;        /* highest possible CPU id */
    uint32_t nr_nodes;          /* NUMA nodes online */
    uint32_t max_node_id;
    uint32_t cpu_khz;           /* TSC frequency */
    uint32_t capabilities;      /* XEN_SYSCTL_PHYSCAP_* */
    uint32_t arch_capabilities;
    uint32_t pad;
    uint64_t total_pages;       /* RAM frames the hypervisor manages */
    uint64_t free_pages;        /* of which free */
    uint64_t scrub_pages;       /* 0 */
    uint64_t outstanding_pages; /* 0 (no claims) */
    uint64_t max_mfn;           /* highest machine frame number */
    uint32_t hw_cap[8];         /* CPUID feature words (Keel: 0) */
};

/* ---- XEN_SYSCTL_sched_id ---- */
struct xen_sysctl_sched_id {
    uint32_t sched_id;          /* OUT: XEN_SCHEDULER_* */
};

/*
 * ---- XEN_SYSCTL_getdomaininfolist ----
 * Fills buffer with the info of up to max_domains domains, in increasing
 * id order, starting at the least id >= first_domain; num_domains says how
 * many.  A fault writing the buffer is -EFAULT.
 */
struct xen_sysctl_getdomaininfolist {
    domid_t  first_domain;      /* IN */
    uint16_t _pad0;
    uint32_t max_domains;       /* IN: entries in buffer */
    XEN_GUEST_HANDLE_64(xen_domctl_getdomaininfo_t) buffer;  /* IN */
    uint32_t num_domains;       /* OUT: entries written */
    uint32_t _pad1;
};

/* ---- The hypercall argument ---- */
struct xen_sysctl {
    uint32_t cmd;               /* IN: XEN_SYSCTL_* */
    uint32_t interface_version; /* IN: XEN_SYSCTL_INTERFACE_VERSION */
    union {
        struct xen_sysctl_readconsole       readconsole;
        struct xen_sysctl_physinfo          physinfo;
        struct xen_sysctl_sched_id          sched_id;
        struct xen_sysctl_getdomaininfolist getdomaininfolist;
        uint8_t                             pad[128];
    } u;
};
typedef struct xen_sysctl xen_sysctl_t;

XEN_ABI_SIZE(struct xen_sysctl_physinfo, 112);
XEN_ABI_OFFSET(struct xen_sysctl_physinfo, cpu_khz, 24);
XEN_ABI_OFFSET(struct xen_sysctl_physinfo, total_pages, 40);
XEN_ABI_OFFSET(struct xen_sysctl_physinfo, max_mfn, 72);
XEN_ABI_OFFSET(struct xen_sysctl_physinfo, hw_cap, 80);
XEN_ABI_SIZE(struct xen_sysctl_sched_id, 4);
XEN_ABI_SIZE(struct xen_sysctl_getdomaininfolist, 24);
XEN_ABI_OFFSET(struct xen_sysctl_getdomaininfolist, max_domains, 4);
XEN_ABI_OFFSET(struct xen_sysctl_getdomaininfolist, buffer, 8);
XEN_ABI_OFFSET(struct xen_sysctl_getdomaininfolist, num_domains, 16);
XEN_ABI_SIZE(struct xen_sysctl, 136);
XEN_ABI_OFFSET(struct xen_sysctl, u, 8);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_SYSCTL_H__ */
