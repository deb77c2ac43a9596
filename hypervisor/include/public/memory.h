/*
 * __HYPERVISOR_memory_op(cmd, arg): a domain's memory reservation and
 * physical-address map.
 */
#ifndef __XEN_PUBLIC_MEMORY_H__
#define __XEN_PUBLIC_MEMORY_H__

#include "xen.h"
#include "physdev.h"

/*
 * increase_reservation / decrease_reservation / populate_physmap:
 *   arg = xen_memory_reservation; returns the number of extents done.
 * maximum_ram_page: arg unused; returns the highest machine frame.
 * current_reservation / maximum_reservation / maximum_gpfn:
 *   arg = domid_t; returns pages (or the highest GPFN).
 * machphys_mfn_list: arg = xen_machphys_mfn_list; frames of the M2P table.
 * add_to_physmap: arg = xen_add_to_physmap.
 * memory_map: arg = xen_memory_map; the domain's e820 map.
 * machine_memory_map: arg = xen_memory_map; the host's e820 map (dom0).
 * exchange: arg = xen_memory_exchange.
 * machphys_mapping: arg = xen_machphys_mapping (OUT).
 * set_memory_map: arg = xen_foreign_memory_map (tools).
 * remove_from_physmap: arg = xen_remove_from_physmap.
 * set_pod_target / get_pod_target: arg = xen_pod_target (tools).
 * add_to_physmap_batch: arg = xen_add_to_physmap_batch.
 * claim_pages: arg = xen_memory_reservation (tools).
 * get_vnumainfo: arg = xen_vnuma_topology_info.
 * acquire_resource: arg = xen_mem_acquire_resource.
 */
/*
 * increase/decrease/populate resume a preempted batch at the extent
 * index carried in cmd's upper bits (Xen's MEMOP_EXTENT_SHIFT).
 */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK     ((1 << MEMOP_EXTENT_SHIFT) - 1)

#define XENMEM_increase_reservation        0
#define XENMEM_decrease_reservation        1
#define XENMEM_maximum_ram_page            2
#define XENMEM_current_reservation         3
#define XENMEM_maximum_reservation         4
#define XENMEM_machphys_mfn_list           5
#define XENMEM_populate_physmap            6
#define XENMEM_add_to_physmap              7
#define XENMEM_memory_map                  9
#define XENMEM_machine_memory_map          10
#define XENMEM_exchange                    11
#define XENMEM_machphys_mapping            12
#define XENMEM_set_memory_map              13
#define XENMEM_maximum_gpfn                14
#define XENMEM_remove_from_physmap         15
#define XENMEM_set_pod_target              16
#define XENMEM_get_pod_target              17
#define XENMEM_get_sharing_freed_pages     18
#define XENMEM_get_sharing_shared_pages    19
#define XENMEM_paging_op                   20
#define XENMEM_access_op                   21
#define XENMEM_sharing_op                  22
#define XENMEM_add_to_physmap_batch        23
#define XENMEM_claim_pages                 24
#define XENMEM_machphys_compat_mfn_list    25
#define XENMEM_get_vnumainfo               26
#define XENMEM_reserved_device_memory_map  27
#define XENMEM_acquire_resource            28

/* xen_memory_reservation.mem_flags */
#define XENMEMF_address_bits(x)     (x)          /* max machine address width */
#define XENMEMF_get_address_bits(x) ((x) & 0xffu)
#define XENMEMF_node(x)             (((x) + 1) << 8)
#define XENMEMF_get_node(x)         ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand  (1 << 16)
#define XENMEMF_exact_node_request  (1 << 17)
#define XENMEMF_exact_node(n)       (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode               (1 << 18)

/* xen_add_to_physmap.space */
#define XENMAPSPACE_shared_info  0   /* idx 0: the shared_info page */
#define XENMAPSPACE_grant_table  1   /* idx: grant-table frame (| XENMAPIDX_grant_table_status) */
#define XENMAPSPACE_gmfn         2   /* idx: a GFN of the domain (move it) */
#define XENMAPSPACE_gmfn_range   3   /* like gmfn, `size` frames */
#define XENMAPSPACE_gmfn_foreign 4   /* idx: a GFN of foreign_domid (batch only) */
#define XENMAPSPACE_dev_mmio     5   /* device MMIO (ARM) */
#define XENMAPIDX_grant_table_status 0x80000000

/* xen_mem_acquire_resource */
#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table  1
#define XENMEM_resource_vmtrace_buf  2
#define XENMEM_resource_grant_table_id_shared 0
#define XENMEM_resource_grant_table_id_status 1
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))

#ifndef __ASSEMBLY__

struct xen_memory_reservation {
    /*
     * IN: GFN array.  increase: OUT machine frames (PV);
     * decrease: IN frames to release; populate: IN GFNs to back.
     */
    XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
    xen_ulong_t nr_extents;     /* IN: entries in extent_start */
    uint32_t extent_order;      /* IN: each extent is 2^order pages */
    uint32_t mem_flags;         /* IN: XENMEMF_* */
    domid_t  domid;             /* IN: DOMID_SELF or a domain (privileged) */
    uint16_t _pad0[3];
};
typedef struct xen_memory_reservation xen_memory_reservation_t;

/*
 * Trade `in` extents for `out` extents of a different size/placement.
 * The total size of both sides must be equal.
 */
struct xen_memory_exchange {
    struct xen_memory_reservation in;   /* IN: frames to give up */
    struct xen_memory_reservation out;  /* IN/OUT: frames received */
    xen_ulong_t nr_exchanged;           /* OUT: `in` extents done */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;

struct xen_memory_domain {
    domid_t domid;              /* IN */
};

struct xen_machphys_mfn_list {
    uint32_t max_extents;       /* IN: entries in extent_start */
    uint32_t _pad0;
    XEN_GUEST_HANDLE(xen_pfn_t) extent_start;  /* OUT: frames of the M2P table */
    uint32_t nr_extents;        /* OUT: entries written */
    uint32_t _pad1;
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;

/* Where the M2P table is mapped in the guest. */
struct xen_machphys_mapping {
    xen_ulong_t v_start, v_end; /* OUT: virtual range */
    xen_ulong_t max_mfn;        /* OUT: highest MFN covered */
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;

/* Map a hypervisor-provided page (space/idx) at guest frame gpfn. */
struct xen_add_to_physmap {
    domid_t  domid;             /* IN */
    uint16_t size;              /* IN: frames, XENMAPSPACE_gmfn_range only */
    uint32_t space;             /* IN: XENMAPSPACE_* */
    xen_ulong_t idx;            /* IN: index within the space */
    xen_pfn_t gpfn;             /* IN: where to map it */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;

struct xen_add_to_physmap_batch {
    domid_t  domid;             /* IN */
    uint16_t space;             /* IN: XENMAPSPACE_* */
    uint16_t size;              /* IN: entries in the arrays */
    union xen_add_to_physmap_batch_extra {
        domid_t  foreign_domid; /* IN: XENMAPSPACE_gmfn_foreign */
        uint16_t res0;          /* other spaces: 0 */
    } u;
    XEN_GUEST_HANDLE(xen_ulong_t) idxs;  /* IN */
    XEN_GUEST_HANDLE(xen_pfn_t) gpfns;   /* IN */
    XEN_GUEST_HANDLE(int) errs;          /* OUT: per-entry result */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;

struct xen_remove_from_physmap {
    domid_t  domid;             /* IN */
    uint16_t _pad0[3];
    xen_pfn_t gpfn;             /* IN: guest frame to unmap */
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;

/*
 * An e820-style map: buffer holds nr_entries entries of 20 bytes
 * (uint64 addr, uint64 size, uint32 type; packed).
 */
struct xen_memory_map {
    uint32_t nr_entries;        /* IN: buffer capacity; OUT: entries written */
    uint32_t _pad0;
    XEN_GUEST_HANDLE(void) buffer;
};
typedef struct xen_memory_map xen_memory_map_t;

struct xen_foreign_memory_map {
    domid_t  domid;             /* IN */
    uint16_t _pad0[3];
    struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;

struct xen_pod_target {
    uint64_t target_pages;      /* IN (set) */
    uint64_t tot_pages;         /* OUT */
    uint64_t pod_cache_pages;   /* OUT */
    uint64_t pod_entries;       /* OUT */
    domid_t  domid;             /* IN */
    uint16_t _pad0[3];
};
typedef struct xen_pod_target xen_pod_target_t;

/* Map frames of a hypervisor resource (e.g. a grant table) for the caller. */
struct xen_mem_acquire_resource {
    domid_t  domid;             /* IN: owner of the resource */
    uint16_t type;              /* IN: XENMEM_resource_* */
    uint32_t id;                /* IN: instance (e.g. grant_table_id_*) */
    uint32_t nr_frames;         /* IN/OUT: frames (0 = ask the size) */
    uint32_t pad;
    uint64_t frame;             /* IN: first frame index in the resource */
    XEN_GUEST_HANDLE(xen_pfn_t) frame_list;  /* IN/OUT: GFNs to map at */
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;

struct xen_vmemrange {
    uint64_t start, end;
    uint32_t flags;
    uint32_t nid;
};
typedef struct xen_vmemrange xen_vmemrange_t;

struct xen_vnuma_topology_info {
    domid_t  domid;             /* IN */
    uint16_t pad;
    uint32_t nr_vnodes;         /* IN/OUT */
    uint32_t nr_vcpus;          /* IN/OUT */
    uint32_t nr_vmemranges;     /* IN/OUT */
    union { XEN_GUEST_HANDLE(uint) h; uint64_t pad; } vdistance;
    union { XEN_GUEST_HANDLE(uint) h; uint64_t pad; } vcpu_to_vnode;
    union { XEN_GUEST_HANDLE(xen_vmemrange_t) h; uint64_t pad; } vmemrange;
};
typedef struct xen_vnuma_topology_info xen_vnuma_topology_info_t;

XEN_ABI_SIZE(struct xen_memory_reservation, 32);
XEN_ABI_OFFSET(struct xen_memory_reservation, nr_extents, 8);
XEN_ABI_OFFSET(struct xen_memory_reservation, extent_order, 16);
XEN_ABI_OFFSET(struct xen_memory_reservation, mem_flags, 20);
XEN_ABI_OFFSET(struct xen_memory_reservation, domid, 24);
XEN_ABI_SIZE(struct xen_memory_exchange, 72);
XEN_ABI_OFFSET(struct xen_memory_exchange, out, 32);
XEN_ABI_OFFSET(struct xen_memory_exchange, nr_exchanged, 64);
XEN_ABI_SIZE(struct xen_memory_domain, 2);
XEN_ABI_SIZE(struct xen_machphys_mfn_list, 24);
XEN_ABI_OFFSET(struct xen_machphys_mfn_list, extent_start, 8);
XEN_ABI_OFFSET(struct xen_machphys_mfn_list, nr_extents, 16);
XEN_ABI_SIZE(struct xen_machphys_mapping, 24);
XEN_ABI_OFFSET(struct xen_machphys_mapping, max_mfn, 16);
XEN_ABI_SIZE(struct xen_add_to_physmap, 24);
XEN_ABI_OFFSET(struct xen_add_to_physmap, size, 2);
XEN_ABI_OFFSET(struct xen_add_to_physmap, space, 4);
XEN_ABI_OFFSET(struct xen_add_to_physmap, idx, 8);
XEN_ABI_OFFSET(struct xen_add_to_physmap, gpfn, 16);
XEN_ABI_SIZE(struct xen_add_to_physmap_batch, 32);
XEN_ABI_OFFSET(struct xen_add_to_physmap_batch, u, 6);
XEN_ABI_OFFSET(struct xen_add_to_physmap_batch, idxs, 8);
XEN_ABI_OFFSET(struct xen_add_to_physmap_batch, errs, 24);
XEN_ABI_SIZE(struct xen_remove_from_physmap, 16);
XEN_ABI_OFFSET(struct xen_remove_from_physmap, gpfn, 8);
XEN_ABI_SIZE(struct xen_memory_map, 16);
XEN_ABI_OFFSET(struct xen_memory_map, buffer, 8);
XEN_ABI_SIZE(struct xen_foreign_memory_map, 24);
XEN_ABI_OFFSET(struct xen_foreign_memory_map, map, 8);
XEN_ABI_SIZE(struct xen_pod_target, 40);
XEN_ABI_OFFSET(struct xen_pod_target, domid, 32);
XEN_ABI_SIZE(struct xen_mem_acquire_resource, 32);
XEN_ABI_OFFSET(struct xen_mem_acquire_resource, id, 4);
XEN_ABI_OFFSET(struct xen_mem_acquire_resource, nr_frames, 8);
XEN_ABI_OFFSET(struct xen_mem_acquire_resource, frame, 16);
XEN_ABI_OFFSET(struct xen_mem_acquire_resource, frame_list, 24);
XEN_ABI_SIZE(struct xen_vmemrange, 24);
XEN_ABI_SIZE(struct xen_vnuma_topology_info, 40);
XEN_ABI_OFFSET(struct xen_vnuma_topology_info, vdistance, 16);
XEN_ABI_OFFSET(struct xen_vnuma_topology_info, vmemrange, 32);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_MEMORY_H__ */
