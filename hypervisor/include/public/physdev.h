/*
 * __HYPERVISOR_physdev_op(cmd, arg): physical devices, IRQs and I/O ports.
 */
#ifndef __XEN_PUBLIC_PHYSDEV_H__
#define __XEN_PUBLIC_PHYSDEV_H__

#include "xen.h"

#define PHYSDEVOP_IRQ_UNMASK_NOTIFY 4    /* obsolete: arg unused */
#define PHYSDEVOP_irq_status_query  5    /* arg = physdev_irq_status_query */
#define PHYSDEVOP_set_iopl          6    /* arg = physdev_set_iopl */
#define PHYSDEVOP_set_iobitmap      7    /* arg = physdev_set_iobitmap */
#define PHYSDEVOP_apic_read         8    /* arg = physdev_apic (dom0) */
#define PHYSDEVOP_apic_write        9    /* arg = physdev_apic (dom0) */
#define PHYSDEVOP_alloc_irq_vector  10   /* arg = physdev_irq (dom0) */
#define PHYSDEVOP_free_irq_vector   11   /* arg = physdev_irq (dom0) */
#define PHYSDEVOP_eoi               12   /* arg = physdev_eoi */
#define PHYSDEVOP_map_pirq          13   /* arg = physdev_map_pirq */
#define PHYSDEVOP_unmap_pirq        14   /* arg = physdev_unmap_pirq */
#define PHYSDEVOP_manage_pci_add    15   /* arg = physdev_manage_pci */
#define PHYSDEVOP_manage_pci_remove 16   /* arg = physdev_manage_pci */
#define PHYSDEVOP_pirq_eoi_gmfn_v1  17   /* arg = physdev_pirq_eoi_gmfn */
#define PHYSDEVOP_restore_msi       19   /* arg = physdev_restore_msi */
#define PHYSDEVOP_manage_pci_add_ext 20  /* arg = physdev_manage_pci_ext */
#define PHYSDEVOP_setup_gsi         21   /* arg = physdev_setup_gsi */
#define PHYSDEVOP_get_free_pirq     23   /* arg = physdev_get_free_pirq */
#define PHYSDEVOP_pci_mmcfg_reserved 24  /* arg = physdev_pci_mmcfg_reserved */
#define PHYSDEVOP_pci_device_add    25   /* arg = physdev_pci_device_add */
#define PHYSDEVOP_pci_device_remove 26   /* arg = physdev_pci_device */
#define PHYSDEVOP_restore_msi_ext   27   /* arg = physdev_pci_device */
#define PHYSDEVOP_pirq_eoi_gmfn_v2  28   /* arg = physdev_pirq_eoi_gmfn */
#define PHYSDEVOP_dbgp_op           29   /* arg = physdev_dbgp_op */
#define PHYSDEVOP_prepare_msix      30   /* arg = physdev_pci_device */
#define PHYSDEVOP_release_msix      31   /* arg = physdev_pci_device */
#define PHYSDEVOP_pirq_eoi_gmfn     PHYSDEVOP_pirq_eoi_gmfn_v2

/* physdev_irq_status_query.flags */
#define _XENIRQSTAT_needs_eoi 0
#define XENIRQSTAT_needs_eoi  (xen_mk_uint(1) << _XENIRQSTAT_needs_eoi)  /* send PHYSDEVOP_eoi */
#define _XENIRQSTAT_shared    1
#define XENIRQSTAT_shared     (xen_mk_uint(1) << _XENIRQSTAT_shared)     /* IRQ is shared */

/* physdev_map_pirq.type */
#define MAP_PIRQ_TYPE_MSI       0x0
#define MAP_PIRQ_TYPE_GSI       0x1
#define MAP_PIRQ_TYPE_UNKNOWN   0x2
#define MAP_PIRQ_TYPE_MSI_SEG   0x3
#define MAP_PIRQ_TYPE_MULTI_MSI 0x4

/* physdev_pci_mmcfg_reserved.flags */
#define XEN_PCI_MMCFG_RESERVED 0x1

/* physdev_pci_device_add.flags */
#define XEN_PCI_DEV_EXTFN  0x1
#define XEN_PCI_DEV_VIRTFN 0x2
#define XEN_PCI_DEV_PXM    0x4   /* optarr[0] = proximity domain */

/* physdev_dbgp_op */
#define PHYSDEVOP_DBGP_RESET_PREPARE 1
#define PHYSDEVOP_DBGP_RESET_DONE    2
#define PHYSDEVOP_DBGP_BUS_UNKNOWN   0
#define PHYSDEVOP_DBGP_BUS_PCI       1

#ifndef __ASSEMBLY__

/* Signal end of interrupt for a pirq. */
struct physdev_eoi {
    uint32_t irq;           /* IN */
};
typedef struct physdev_eoi physdev_eoi_t;

/* Register a guest frame of per-pirq "needs EOI" bits. */
struct physdev_pirq_eoi_gmfn {
    xen_pfn_t gmfn;         /* IN */
};
typedef struct physdev_pirq_eoi_gmfn physdev_pirq_eoi_gmfn_t;

struct physdev_irq_status_query {
    uint32_t irq;           /* IN */
    uint32_t flags;         /* OUT: XENIRQSTAT_* */
};
typedef struct physdev_irq_status_query physdev_irq_status_query_t;

/* Set the I/O privilege level the guest kernel runs with (0-3). */
struct physdev_set_iopl {
    uint32_t iopl;          /* IN */
};
typedef struct physdev_set_iopl physdev_set_iopl_t;

/* Install a TSS-style I/O permission bitmap (a set bit denies the port). */
struct physdev_set_iobitmap {
    XEN_GUEST_HANDLE(uint8) bitmap; /* IN: guest address of the bitmap */
    uint32_t nr_ports;              /* IN: ports covered */
    uint32_t _pad0;
};
typedef struct physdev_set_iobitmap physdev_set_iobitmap_t;

struct physdev_apic {
    uint64_t apic_physbase; /* IN: IO-APIC base */
    uint32_t reg;           /* IN: register */
    uint32_t value;         /* IN (write) / OUT (read) */
};
typedef struct physdev_apic physdev_apic_t;

struct physdev_irq {
    uint32_t irq;           /* IN */
    uint32_t vector;        /* OUT (alloc) / IN (free) */
};
typedef struct physdev_irq physdev_irq_t;

/* Map a GSI or MSI to a pirq of `domid`. */
struct physdev_map_pirq {
    domid_t  domid;         /* IN */
    uint16_t _pad0;
    int32_t  type;          /* IN: MAP_PIRQ_TYPE_* */
    int32_t  index;         /* IN: GSI, or MSI-X entry */
    int32_t  pirq;          /* IN/OUT: requested (-1 = any) / assigned */
    int32_t  bus;           /* IN: MSI: PCI bus (with segment for MSI_SEG) */
    int32_t  devfn;         /* IN: MSI: device/function */
    int32_t  entry_nr;      /* IN: MSI: number of vectors (MULTI_MSI) */
    uint32_t _pad1;
    uint64_t table_base;    /* IN: MSI-X table address */
};
typedef struct physdev_map_pirq physdev_map_pirq_t;

struct physdev_unmap_pirq {
    domid_t  domid;         /* IN */
    uint16_t _pad0;
    int32_t  pirq;          /* IN */
};
typedef struct physdev_unmap_pirq physdev_unmap_pirq_t;

struct physdev_manage_pci {
    uint8_t bus;            /* IN */
    uint8_t devfn;          /* IN */
};
typedef struct physdev_manage_pci physdev_manage_pci_t;

struct physdev_restore_msi {
    uint8_t bus;            /* IN */
    uint8_t devfn;          /* IN */
};
typedef struct physdev_restore_msi physdev_restore_msi_t;

struct physdev_manage_pci_ext {
    uint8_t  bus;           /* IN */
    uint8_t  devfn;         /* IN */
    uint16_t _pad0;
    uint32_t is_extfn;      /* IN */
    uint32_t is_virtfn;     /* IN */
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn;               /* IN: for a virtual function */
    uint16_t _pad1;
};
typedef struct physdev_manage_pci_ext physdev_manage_pci_ext_t;

/* Argument of the obsolete __HYPERVISOR_physdev_op_compat. */
struct physdev_op {
    uint32_t cmd;           /* PHYSDEVOP_* */
    uint32_t _pad0;
    union {
        physdev_irq_status_query_t irq_status_query;
        physdev_set_iopl_t         set_iopl;
        physdev_set_iobitmap_t     set_iobitmap;
        physdev_apic_t             apic_op;
        physdev_irq_t              irq_op;
    } u;
};
typedef struct physdev_op physdev_op_t;

struct physdev_setup_gsi {
    int32_t gsi;            /* IN */
    uint8_t triggering;     /* IN: 0 edge, 1 level */
    uint8_t polarity;       /* IN: 0 high, 1 low */
    uint16_t _pad0;
};
typedef struct physdev_setup_gsi physdev_setup_gsi_t;

struct physdev_get_free_pirq {
    int32_t  type;          /* IN: MAP_PIRQ_TYPE_* */
    uint32_t pirq;          /* OUT */
};
typedef struct physdev_get_free_pirq physdev_get_free_pirq_t;

struct physdev_pci_mmcfg_reserved {
    uint64_t address;       /* IN */
    uint16_t segment;       /* IN */
    uint8_t  start_bus;     /* IN */
    uint8_t  end_bus;       /* IN */
    uint32_t flags;         /* IN: XEN_PCI_MMCFG_* */
};
typedef struct physdev_pci_mmcfg_reserved physdev_pci_mmcfg_reserved_t;

struct physdev_pci_device_add {
    uint16_t seg;           /* IN */
    uint8_t  bus;           /* IN */
    uint8_t  devfn;         /* IN */
    uint32_t flags;         /* IN: XEN_PCI_DEV_* */
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn;               /* IN: for a virtual function */
    uint16_t _pad0;
    uint32_t optarr[];      /* IN: optional values selected by flags */
};
typedef struct physdev_pci_device_add physdev_pci_device_add_t;

struct physdev_pci_device {
    uint16_t seg;           /* IN */
    uint8_t  bus;           /* IN */
    uint8_t  devfn;         /* IN */
};
typedef struct physdev_pci_device physdev_pci_device_t;

struct physdev_dbgp_op {
    uint8_t op;             /* IN: PHYSDEVOP_DBGP_RESET_* */
    uint8_t bus;            /* IN: PHYSDEVOP_DBGP_BUS_* */
    union {
        physdev_pci_device_t pci;
    } u;                    /* IN */
};
typedef struct physdev_dbgp_op physdev_dbgp_op_t;

XEN_ABI_SIZE(struct physdev_eoi, 4);
XEN_ABI_SIZE(struct physdev_pirq_eoi_gmfn, 8);
XEN_ABI_SIZE(struct physdev_irq_status_query, 8);
XEN_ABI_OFFSET(struct physdev_irq_status_query, flags, 4);
XEN_ABI_SIZE(struct physdev_set_iopl, 4);
XEN_ABI_SIZE(struct physdev_set_iobitmap, 16);
XEN_ABI_OFFSET(struct physdev_set_iobitmap, nr_ports, 8);
XEN_ABI_SIZE(struct physdev_apic, 16);
XEN_ABI_OFFSET(struct physdev_apic, reg, 8);
XEN_ABI_OFFSET(struct physdev_apic, value, 12);
XEN_ABI_SIZE(struct physdev_irq, 8);
XEN_ABI_SIZE(struct physdev_map_pirq, 40);
XEN_ABI_OFFSET(struct physdev_map_pirq, type, 4);
XEN_ABI_OFFSET(struct physdev_map_pirq, index, 8);
XEN_ABI_OFFSET(struct physdev_map_pirq, pirq, 12);
XEN_ABI_OFFSET(struct physdev_map_pirq, bus, 16);
XEN_ABI_OFFSET(struct physdev_map_pirq, devfn, 20);
XEN_ABI_OFFSET(struct physdev_map_pirq, entry_nr, 24);
XEN_ABI_OFFSET(struct physdev_map_pirq, table_base, 32);
XEN_ABI_SIZE(struct physdev_unmap_pirq, 8);
XEN_ABI_OFFSET(struct physdev_unmap_pirq, pirq, 4);
XEN_ABI_SIZE(struct physdev_manage_pci, 2);
XEN_ABI_SIZE(struct physdev_restore_msi, 2);
XEN_ABI_SIZE(struct physdev_manage_pci_ext, 16);
XEN_ABI_OFFSET(struct physdev_manage_pci_ext, is_extfn, 4);
XEN_ABI_OFFSET(struct physdev_manage_pci_ext, is_virtfn, 8);
XEN_ABI_OFFSET(struct physdev_manage_pci_ext, physfn, 12);
XEN_ABI_SIZE(struct physdev_op, 24);
XEN_ABI_OFFSET(struct physdev_op, u, 8);
XEN_ABI_SIZE(struct physdev_setup_gsi, 8);
XEN_ABI_OFFSET(struct physdev_setup_gsi, triggering, 4);
XEN_ABI_OFFSET(struct physdev_setup_gsi, polarity, 5);
XEN_ABI_SIZE(struct physdev_get_free_pirq, 8);
XEN_ABI_SIZE(struct physdev_pci_mmcfg_reserved, 16);
XEN_ABI_OFFSET(struct physdev_pci_mmcfg_reserved, segment, 8);
XEN_ABI_OFFSET(struct physdev_pci_mmcfg_reserved, flags, 12);
XEN_ABI_SIZE(struct physdev_pci_device_add, 12);
XEN_ABI_OFFSET(struct physdev_pci_device_add, flags, 4);
XEN_ABI_OFFSET(struct physdev_pci_device_add, physfn, 8);
XEN_ABI_OFFSET(struct physdev_pci_device_add, optarr, 12);
XEN_ABI_SIZE(struct physdev_pci_device, 4);
XEN_ABI_SIZE(struct physdev_dbgp_op, 6);
XEN_ABI_OFFSET(struct physdev_dbgp_op, u, 2);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_PHYSDEV_H__ */
