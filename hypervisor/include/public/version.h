/*
 * __HYPERVISOR_xen_version(cmd, arg): version and feature queries.
 * Commands return 0 (or the value named) and fill arg where one is named.
 */
#ifndef __XEN_PUBLIC_VERSION_H__
#define __XEN_PUBLIC_VERSION_H__

#include "xen.h"
#include "features.h"

#define XENVER_version             0   /* arg unused; returns (major << 16) | minor */
#define XENVER_extraversion        1   /* arg = xen_extraversion_t, e.g. ".0" */
#define XENVER_compile_info        2   /* arg = xen_compile_info */
#define XENVER_capabilities        3   /* arg = xen_capabilities_info_t, e.g. "xen-3.0-x86_64 " */
#define XENVER_changeset           4   /* arg = xen_changeset_info_t */
#define XENVER_platform_parameters 5   /* arg = xen_platform_parameters */
#define XENVER_get_features        6   /* arg = xen_feature_info (IN idx, OUT map) */
#define XENVER_pagesize            7   /* arg unused; returns the page size */
#define XENVER_guest_handle        8   /* arg = xen_domain_handle_t */
#define XENVER_commandline         9   /* arg = xen_commandline_t (privileged) */
#define XENVER_build_id            10  /* arg = xen_build_id (IN len, OUT buf) */

#ifndef __ASSEMBLY__

typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

struct xen_platform_parameters {
    xen_ulong_t virt_start;    /* OUT: HYPERVISOR_VIRT_START */
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

struct xen_feature_info {
    uint32_t submap_idx;       /* IN: which 32-bit word of feature bits */
    uint32_t submap;           /* OUT: XENFEAT_* bits of that word */
};
typedef struct xen_feature_info xen_feature_info_t;

typedef char xen_commandline_t[1024];

struct xen_build_id {
    uint32_t len;              /* IN: size of buf; OUT: bytes written */
    unsigned char buf[];
};
typedef struct xen_build_id xen_build_id_t;

XEN_ABI_SIZE(xen_extraversion_t, 16);
XEN_ABI_SIZE(struct xen_compile_info, 144);
XEN_ABI_OFFSET(struct xen_compile_info, compile_by, 64);
XEN_ABI_OFFSET(struct xen_compile_info, compile_domain, 80);
XEN_ABI_OFFSET(struct xen_compile_info, compile_date, 112);
XEN_ABI_SIZE(xen_capabilities_info_t, 1024);
XEN_ABI_SIZE(xen_changeset_info_t, 64);
XEN_ABI_SIZE(struct xen_platform_parameters, 8);
XEN_ABI_SIZE(struct xen_feature_info, 8);
XEN_ABI_OFFSET(struct xen_feature_info, submap, 4);
XEN_ABI_SIZE(xen_commandline_t, 1024);
XEN_ABI_SIZE(struct xen_build_id, 4);
XEN_ABI_OFFSET(struct xen_build_id, buf, 4);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_VERSION_H__ */
