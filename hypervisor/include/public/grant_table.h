/*
 * Grant tables: a domain lets another domain map or copy one of its pages
 * by filling a grant entry; __HYPERVISOR_grant_table_op(cmd, args, count)
 * operates on arrays of the structs below.
 */
#ifndef __XEN_PUBLIC_GRANT_TABLE_H__
#define __XEN_PUBLIC_GRANT_TABLE_H__

#include "xen.h"

/* Entries reserved for the toolstack (console and xenstore rings). */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE    0
#define GNTTAB_RESERVED_XENSTORE   1

/*
 * grant_entry_v1.flags.  Bits 0-1: type.  The granting domain writes the
 * type and GTF_readonly/cache bits; the hypervisor sets GTF_reading /
 * GTF_writing while the page is mapped by the grantee.
 */
#define GTF_invalid         (xen_mk_uint(0) << 0)   /* no access */
#define GTF_permit_access   (xen_mk_uint(1) << 0)   /* domid may map/copy frame */
#define GTF_accept_transfer (xen_mk_uint(2) << 0)   /* domid may transfer a page to us */
#define GTF_transitive      (xen_mk_uint(3) << 0)   /* v2 only */
#define GTF_type_mask       (xen_mk_uint(3) << 0)
#define _GTF_readonly       2
#define GTF_readonly        (xen_mk_uint(1) << _GTF_readonly)   /* grantee may not write */
#define _GTF_reading        3
#define GTF_reading         (xen_mk_uint(1) << _GTF_reading)    /* mapped/in use for reading */
#define _GTF_writing        4
#define GTF_writing         (xen_mk_uint(1) << _GTF_writing)    /* mapped/in use for writing */
#define _GTF_PWT            5
#define GTF_PWT             (xen_mk_uint(1) << _GTF_PWT)
#define _GTF_PCD            6
#define GTF_PCD             (xen_mk_uint(1) << _GTF_PCD)
#define _GTF_PAT            7
#define GTF_PAT             (xen_mk_uint(1) << _GTF_PAT)
#define _GTF_sub_page       8
#define GTF_sub_page        (xen_mk_uint(1) << _GTF_sub_page)   /* v2 only */
/* For GTF_accept_transfer entries: */
#define _GTF_transfer_committed 2
#define GTF_transfer_committed  (xen_mk_uint(1) << _GTF_transfer_committed)
#define _GTF_transfer_completed 3
#define GTF_transfer_completed  (xen_mk_uint(1) << _GTF_transfer_completed)

/*
 * grant_table_op commands; args is an array of the named struct.
 * map_grant_ref:    gnttab_map_grant_ref
 * unmap_grant_ref:  gnttab_unmap_grant_ref
 * setup_table:      gnttab_setup_table (count 1)
 * dump_table:       gnttab_dump_table (debug)
 * transfer:         gnttab_transfer
 * copy:             gnttab_copy
 * query_size:       gnttab_query_size (count 1)
 * unmap_and_replace: gnttab_unmap_and_replace
 * set_version:      gnttab_set_version (count 1)
 * get_status_frames: gnttab_get_status_frames (count 1)
 * get_version:      gnttab_get_version (count 1)
 * swap_grant_ref:   gnttab_swap_grant_ref
 * cache_flush:      gnttab_cache_flush
 */
#define GNTTABOP_map_grant_ref     0
#define GNTTABOP_unmap_grant_ref   1
#define GNTTABOP_setup_table       2
#define GNTTABOP_dump_table        3
#define GNTTABOP_transfer          4
#define GNTTABOP_copy              5
#define GNTTABOP_query_size        6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version       8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version       10
#define GNTTABOP_swap_grant_ref    11
#define GNTTABOP_cache_flush       12

/* gnttab_map_grant_ref.flags */
#define _GNTMAP_device_map      0
#define GNTMAP_device_map       (1 << _GNTMAP_device_map)   /* map for device DMA */
#define _GNTMAP_host_map        1
#define GNTMAP_host_map         (1 << _GNTMAP_host_map)     /* map in the CPU's page tables */
#define _GNTMAP_readonly        2
#define GNTMAP_readonly         (1 << _GNTMAP_readonly)
#define _GNTMAP_application_map 3
#define GNTMAP_application_map  (1 << _GNTMAP_application_map) /* user-accessible */
#define _GNTMAP_contains_pte    4
#define GNTMAP_contains_pte     (1 << _GNTMAP_contains_pte) /* host_addr = PTE machine address */
/* Bits 16-31: copied into the PTE's available bits (XENFEAT_gnttab_map_avail_bits). */
#define _GNTMAP_guest_avail0    16
#define GNTMAP_guest_avail_mask ((uint32_t)~0 << _GNTMAP_guest_avail0)

/* gnttab_copy.flags: source/dest is a grant reference, not a local frame. */
#define _GNTCOPY_source_gref 0
#define GNTCOPY_source_gref  (1 << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref   1
#define GNTCOPY_dest_gref    (1 << _GNTCOPY_dest_gref)

/* gnttab_cache_flush.op */
#define GNTTAB_CACHE_CLEAN       (xen_mk_uint(1) << 0)
#define GNTTAB_CACHE_INVAL       (xen_mk_uint(1) << 1)
#define GNTTAB_CACHE_SOURCE_GREF (xen_mk_uint(1) << 31)

/* Per-operation status (the `status` fields). */
#define GNTST_okay              (0)
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)   /* unknown domain */
#define GNTST_bad_gntref        (-3)   /* bad grant reference */
#define GNTST_bad_handle        (-4)   /* bad map handle */
#define GNTST_bad_virt_addr     (-5)   /* bad host_addr */
#define GNTST_bad_dev_addr      (-6)   /* bad dev_bus_addr */
#define GNTST_no_device_space   (-7)   /* IOMMU out of space */
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)   /* frame not usable for this */
#define GNTST_bad_copy_arg      (-10)  /* copy crosses a page boundary */
#define GNTST_address_too_big   (-11)  /* transfer frame too high */
#define GNTST_eagain            (-12)  /* try again later */
#define GNTST_no_space          (-13)  /* out of handles etc. */

/* Text for -status, indexed 0..13. */
#define GNTTABOP_error_msgs {                   \
    "okay",                                     \
    "undefined error",                          \
    "unrecognised domain id",                   \
    "invalid grant reference",                  \
    "invalid mapping handle",                   \
    "invalid virtual address",                  \
    "invalid device address",                   \
    "no spare translation slot in the I/O MMU", \
    "permission denied",                        \
    "bad page",                                 \
    "copy arguments cross page boundary",       \
    "page address size too large",              \
    "operation not done; try again",            \
    "out of space",                             \
}

#ifndef __ASSEMBLY__

typedef uint32_t grant_handle_t;   /* names one mapping, for unmap */
typedef uint16_t grant_status_t;   /* v2 status word */

/* Version-1 grant entry, written by the granting domain. */
struct grant_entry_v1 {
    uint16_t flags;     /* GTF_* */
    domid_t  domid;     /* domain allowed to use the grant */
    uint32_t frame;     /* frame granted (or received, for transfers) */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/* Version-2 entries. */
struct grant_entry_header {
    uint16_t flags;
    domid_t  domid;
};
typedef struct grant_entry_header grant_entry_header_t;

union grant_entry_v2 {
    grant_entry_header_t hdr;
    struct {
        grant_entry_header_t hdr;
        uint32_t pad0;
        uint64_t frame;
    } full_page;
    struct {
        grant_entry_header_t hdr;
        uint16_t page_off;
        uint16_t length;
        uint64_t frame;
    } sub_page;
    struct {
        grant_entry_header_t hdr;
        domid_t  trans_domid;
        uint16_t pad0;
        grant_ref_t gref;
    } transitive;
    uint32_t __spacer[4];
};
typedef union grant_entry_v2 grant_entry_v2_t;

/* Map a page granted by `dom` at host_addr (and/or for device DMA). */
struct gnttab_map_grant_ref {
    uint64_t host_addr;     /* IN: virtual address (or PTE address with contains_pte) */
    uint32_t flags;         /* IN: GNTMAP_* */
    grant_ref_t ref;        /* IN */
    domid_t  dom;           /* IN: granting domain */
    int16_t  status;        /* OUT: GNTST_* */
    grant_handle_t handle;  /* OUT: for unmap */
    uint64_t dev_bus_addr;  /* OUT: bus address with GNTMAP_device_map */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;

/* Undo a map_grant_ref. */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;     /* IN: as mapped (0 = none) */
    uint64_t dev_bus_addr;  /* IN: as mapped (0 = none) */
    grant_handle_t handle;  /* IN */
    int16_t  status;        /* OUT: GNTST_* */
    uint16_t _pad0;
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;

/* Size a domain's grant table and get the frames that hold it. */
struct gnttab_setup_table {
    domid_t  dom;           /* IN */
    uint16_t _pad0;
    uint32_t nr_frames;     /* IN: frames wanted */
    int16_t  status;        /* OUT: GNTST_* */
    uint16_t _pad1[3];
    XEN_GUEST_HANDLE(xen_pfn_t) frame_list;  /* OUT: nr_frames machine frames */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;

struct gnttab_dump_table {
    domid_t dom;            /* IN */
    int16_t status;         /* OUT */
};
typedef struct gnttab_dump_table gnttab_dump_table_t;

/* Give page mfn to domid, into its accept_transfer entry ref. */
struct gnttab_transfer {
    xen_pfn_t mfn;          /* IN */
    domid_t  domid;         /* IN */
    uint16_t _pad0;
    grant_ref_t ref;        /* IN */
    int16_t  status;        /* OUT */
    uint16_t _pad1[3];
};
typedef struct gnttab_transfer gnttab_transfer_t;

/* Copy bytes between pages, either side given by grant or by local frame. */
struct gnttab_copy {
    struct gnttab_copy_ptr {
        union {
            grant_ref_t ref;    /* with GNTCOPY_*_gref */
            xen_pfn_t   gmfn;   /* otherwise: the caller's frame */
        } u;
        domid_t  domid;
        uint16_t offset;        /* byte offset in the page */
        uint32_t _pad0;
    } source, dest;         /* IN */
    uint16_t len;           /* IN: bytes, within one page */
    uint16_t flags;         /* IN: GNTCOPY_* */
    int16_t  status;        /* OUT */
    uint16_t _pad0;
};
typedef struct gnttab_copy gnttab_copy_t;

struct gnttab_query_size {
    domid_t  dom;           /* IN */
    uint16_t _pad0;
    uint32_t nr_frames;     /* OUT: current size */
    uint32_t max_nr_frames; /* OUT: limit */
    int16_t  status;        /* OUT */
    uint16_t _pad1;
};
typedef struct gnttab_query_size gnttab_query_size_t;

/* Unmap host_addr and put the mapping of new_addr there instead. */
struct gnttab_unmap_and_replace {
    uint64_t host_addr;     /* IN */
    uint64_t new_addr;      /* IN */
    grant_handle_t handle;  /* IN */
    int16_t  status;        /* OUT */
    uint16_t _pad0;
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;

struct gnttab_set_version {
    uint32_t version;       /* IN: 1 or 2; OUT: version in force */
};
typedef struct gnttab_set_version gnttab_set_version_t;

/* v2: frames of the status array. */
struct gnttab_get_status_frames {
    uint32_t nr_frames;     /* IN */
    domid_t  dom;           /* IN */
    int16_t  status;        /* OUT */
    XEN_GUEST_HANDLE(uint64_t) frame_list;   /* OUT */
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;

struct gnttab_get_version {
    domid_t  dom;           /* IN */
    uint16_t pad;
    uint32_t version;       /* OUT */
};
typedef struct gnttab_get_version gnttab_get_version_t;

struct gnttab_swap_grant_ref {
    grant_ref_t ref_a;      /* IN */
    grant_ref_t ref_b;      /* IN */
    int16_t  status;        /* OUT */
    uint16_t _pad0;
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;

struct gnttab_cache_flush {
    union {
        uint64_t dev_bus_addr;
        grant_ref_t ref;
    } a;                    /* IN */
    uint16_t offset;        /* IN: from the start of the grant */
    uint16_t length;        /* IN: bytes */
    uint32_t op;            /* IN: GNTTAB_CACHE_* */
};
typedef struct gnttab_cache_flush gnttab_cache_flush_t;

XEN_ABI_SIZE(struct grant_entry_v1, 8);
XEN_ABI_OFFSET(struct grant_entry_v1, domid, 2);
XEN_ABI_OFFSET(struct grant_entry_v1, frame, 4);
XEN_ABI_SIZE(struct grant_entry_header, 4);
XEN_ABI_SIZE(union grant_entry_v2, 16);
XEN_ABI_OFFSET(union grant_entry_v2, full_page.frame, 8);
XEN_ABI_OFFSET(union grant_entry_v2, sub_page.length, 6);
XEN_ABI_OFFSET(union grant_entry_v2, transitive.gref, 8);
XEN_ABI_SIZE(struct gnttab_map_grant_ref, 32);
XEN_ABI_OFFSET(struct gnttab_map_grant_ref, flags, 8);
XEN_ABI_OFFSET(struct gnttab_map_grant_ref, ref, 12);
XEN_ABI_OFFSET(struct gnttab_map_grant_ref, dom, 16);
XEN_ABI_OFFSET(struct gnttab_map_grant_ref, status, 18);
XEN_ABI_OFFSET(struct gnttab_map_grant_ref, handle, 20);
XEN_ABI_OFFSET(struct gnttab_map_grant_ref, dev_bus_addr, 24);
XEN_ABI_SIZE(struct gnttab_unmap_grant_ref, 24);
XEN_ABI_OFFSET(struct gnttab_unmap_grant_ref, handle, 16);
XEN_ABI_OFFSET(struct gnttab_unmap_grant_ref, status, 20);
XEN_ABI_SIZE(struct gnttab_setup_table, 24);
XEN_ABI_OFFSET(struct gnttab_setup_table, nr_frames, 4);
XEN_ABI_OFFSET(struct gnttab_setup_table, status, 8);
XEN_ABI_OFFSET(struct gnttab_setup_table, frame_list, 16);
XEN_ABI_SIZE(struct gnttab_dump_table, 4);
XEN_ABI_SIZE(struct gnttab_transfer, 24);
XEN_ABI_OFFSET(struct gnttab_transfer, ref, 12);
XEN_ABI_OFFSET(struct gnttab_transfer, status, 16);
XEN_ABI_SIZE(struct gnttab_copy_ptr, 16);
XEN_ABI_OFFSET(struct gnttab_copy_ptr, domid, 8);
XEN_ABI_OFFSET(struct gnttab_copy_ptr, offset, 10);
XEN_ABI_SIZE(struct gnttab_copy, 40);
XEN_ABI_OFFSET(struct gnttab_copy, dest, 16);
XEN_ABI_OFFSET(struct gnttab_copy, len, 32);
XEN_ABI_OFFSET(struct gnttab_copy, flags, 34);
XEN_ABI_OFFSET(struct gnttab_copy, status, 36);
XEN_ABI_SIZE(struct gnttab_query_size, 16);
XEN_ABI_OFFSET(struct gnttab_query_size, max_nr_frames, 8);
XEN_ABI_OFFSET(struct gnttab_query_size, status, 12);
XEN_ABI_SIZE(struct gnttab_unmap_and_replace, 24);
XEN_ABI_OFFSET(struct gnttab_unmap_and_replace, status, 20);
XEN_ABI_SIZE(struct gnttab_set_version, 4);
XEN_ABI_SIZE(struct gnttab_get_status_frames, 16);
XEN_ABI_OFFSET(struct gnttab_get_status_frames, dom, 4);
XEN_ABI_OFFSET(struct gnttab_get_status_frames, status, 6);
XEN_ABI_OFFSET(struct gnttab_get_status_frames, frame_list, 8);
XEN_ABI_SIZE(struct gnttab_get_version, 8);
XEN_ABI_OFFSET(struct gnttab_get_version, version, 4);
XEN_ABI_SIZE(struct gnttab_swap_grant_ref, 12);
XEN_ABI_OFFSET(struct gnttab_swap_grant_ref, status, 8);
XEN_ABI_SIZE(struct gnttab_cache_flush, 16);
XEN_ABI_OFFSET(struct gnttab_cache_flush, offset, 8);
XEN_ABI_OFFSET(struct gnttab_cache_flush, op, 12);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_GRANT_TABLE_H__ */
