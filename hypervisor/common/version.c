/*
 * xen_version: we report Xen 4.17's interface (guests gate features on
 * the version) with ".0-keel" as the extra version.  Strings are copied
 * as their whole fixed-size, zero-padded arrays, so no hypervisor bytes
 * follow a string's end (Xen does the same).  No state, no locks.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/bootinfo.h>
#include <public/version.h>
#include <public/features.h>

#define KEEL_XEN_MAJOR 4
#define KEEL_XEN_MINOR 17

static long copy_padded(uint64_t arg, const char *s, size_t size)
{
    char buf[1024];

    memset(buf, 0, size);
    memcpy(buf, s, MIN(strlen(s), size - 1));
    return copy_to_guest(arg, buf, size) ? -XEN_EFAULT : 0;
}

static uint32_t features_submap0(const struct domain *d)
{
    uint32_t m = (1u << XENFEAT_mmu_pt_update_preserve_ad) |
                 (1u << XENFEAT_gnttab_map_avail_bits);

    if (d->vm_assist & (1UL << VMASST_TYPE_pae_extended_cr3))
        m |= 1u << XENFEAT_pae_pgdir_above_4gb;
    if (d->is_privileged)
        m |= 1u << XENFEAT_dom0;
    return m;
}

long do_xen_version(uint64_t cmd, uint64_t arg)
{
    struct domain *d = current->domain;

    switch (cmd) {
    case XENVER_version:
        return (KEEL_XEN_MAJOR << 16) | KEEL_XEN_MINOR;
    case XENVER_extraversion:
        return copy_padded(arg, ".0-keel", sizeof(xen_extraversion_t));
    case XENVER_compile_info: {
        struct xen_compile_info ci;
        memset(&ci, 0, sizeof(ci));
        memcpy(ci.compiler, "keel", 4);
        memcpy(ci.compile_by, "keel", 4);
        memcpy(ci.compile_domain, "keel", 4);
        memcpy(ci.compile_date, __DATE__, sizeof(__DATE__) - 1);
        return copy_to_guest(arg, &ci, sizeof(ci)) ? -XEN_EFAULT : 0;
    }
    case XENVER_capabilities:
        return copy_padded(arg, "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_padded(arg, "keel", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters: {
        struct xen_platform_parameters p = { .virt_start = HYPERVISOR_VIRT_START };
        return copy_to_guest(arg, &p, sizeof(p)) ? -XEN_EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(&fi, arg, sizeof(fi)))
            return -XEN_EFAULT;
        if (fi.submap_idx != 0)
            return -XEN_EINVAL;
        fi.submap = features_submap0(d);
        return copy_to_guest(arg, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
    }
    case XENVER_pagesize:
        return PAGE_SIZE;
    case XENVER_guest_handle: {
        xen_domain_handle_t h;
        memset(h, 0, sizeof(h));
        return copy_to_guest(arg, h, sizeof(h)) ? -XEN_EFAULT : 0;
    }
    case XENVER_commandline:
        if (!d->is_privileged)
            return -XEN_EPERM;
        return copy_padded(arg, boot_info.cmdline, sizeof(xen_commandline_t));
    case XENVER_build_id:
        return -XEN_ENODATA;
    default:
        return -XEN_ENOSYS;
    }
}
