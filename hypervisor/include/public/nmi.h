/*
 * __HYPERVISOR_nmi_op(cmd, arg): NMI callback registration, and the NMI
 * reason bits the hypervisor reports in shared_info.arch.nmi_reason.
 */
#ifndef __XEN_PUBLIC_NMI_H__
#define __XEN_PUBLIC_NMI_H__

#include "xen.h"

/* shared_info.arch.nmi_reason bits. */
#define _XEN_NMIREASON_io_error 0   /* I/O check (port 0x61 bit 6) */
#define XEN_NMIREASON_io_error  (xen_mk_ulong(1) << _XEN_NMIREASON_io_error)
#define _XEN_NMIREASON_pci_serr 1   /* PCI SERR (port 0x61 bit 7) */
#define XEN_NMIREASON_pci_serr  (xen_mk_ulong(1) << _XEN_NMIREASON_pci_serr)
#define _XEN_NMIREASON_unknown  2   /* any other hardware NMI */
#define XEN_NMIREASON_unknown   (xen_mk_ulong(1) << _XEN_NMIREASON_unknown)

#define XENNMI_register_callback   0   /* arg = xennmi_callback (dom0 only) */
#define XENNMI_unregister_callback 1   /* arg unused */

#ifndef __ASSEMBLY__

struct xennmi_callback {
    uint64_t handler_address;   /* IN: guest virtual entry point */
    uint64_t pad;
};
typedef struct xennmi_callback xennmi_callback_t;

XEN_ABI_SIZE(struct xennmi_callback, 16);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_NMI_H__ */
