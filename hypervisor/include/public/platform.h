/*
 * __HYPERVISOR_platform_op(op): host-platform control for dom0.
 * op is a struct xen_platform_op: IN cmd and interface_version, then the
 * argument for that command in u.  Only the commands whose structs are
 * declared here have their layout pinned; the union is always 128 bytes.
 */
#ifndef __XEN_PUBLIC_PLATFORM_H__
#define __XEN_PUBLIC_PLATFORM_H__

#include "xen.h"

#define XENPF_INTERFACE_VERSION 0x03000001

#define XENPF_settime32           17  /* u.settime32: set wall clock (32-bit seconds) */
#define XENPF_add_memtype         31  /* u.add_memtype: add an MTRR range */
#define XENPF_del_memtype         32  /* u.del_memtype */
#define XENPF_read_memtype        33  /* u.read_memtype */
#define XENPF_microcode_update    35  /* u.microcode */
#define XENPF_platform_quirk      39  /* u.platform_quirk */
#define XENPF_get_cpu_version     48  /* u.pcpu_version */
#define XENPF_efi_runtime_call    49  /* not declared here */
#define XENPF_firmware_info       50  /* u.firmware_info: BIOS/EFI data */
#define XENPF_enter_acpi_sleep    51  /* u.enter_acpi_sleep */
#define XENPF_change_freq         52  /* u.change_freq */
#define XENPF_getidletime         53  /* u.getidletime */
#define XENPF_set_processor_pminfo 54 /* not declared here (XEN_PM_*) */
#define XENPF_get_cpuinfo         55  /* u.pcpu_info */
#define XENPF_cpu_online          56  /* u.cpu_ol */
#define XENPF_cpu_offline         57  /* u.cpu_ol */
#define XENPF_cpu_hotadd          58  /* u.cpu_add */
#define XENPF_mem_hotadd          59  /* u.mem_add */
#define XENPF_core_parking        60  /* u.core_parking */
#define XENPF_resource_op         61  /* u.resource_op: batched MSR access */
#define XENPF_settime64           62  /* u.settime64: set wall clock */
#define XENPF_get_symbol          63  /* u.symdata: walk hypervisor symbols */
#define XENPF_settime             XENPF_settime64

/* XENPF_platform_quirk ids */
#define QUIRK_NOIRQBALANCING     1
#define QUIRK_IOAPIC_BAD_REGSEL  2
#define QUIRK_IOAPIC_GOOD_REGSEL 3

/* XENPF_firmware_info types (and XEN_FW_EFI_INFO indexes) */
#define XEN_FW_DISK_INFO          1   /* int 13h drive parameters */
#define XEN_FW_DISK_MBR_SIGNATURE 2   /* MBR signature (offset 0x1b8) */
#define XEN_FW_VBEDDC_INFO        3   /* VBE/DDC EDID (int 10h 4F15h) */
#define XEN_FW_EFI_INFO           4
#define  XEN_FW_EFI_VERSION          0
#define  XEN_FW_EFI_CONFIG_TABLE     1
#define  XEN_FW_EFI_VENDOR           2
#define  XEN_FW_EFI_MEM_INFO         3
#define  XEN_FW_EFI_RT_VERSION       4
#define  XEN_FW_EFI_PCI_ROM          5
#define  XEN_FW_EFI_APPLE_PROPERTIES 6
#define XEN_FW_KBD_SHIFT_FLAGS    5   /* int 16h shift flags */

/* xenpf_enter_acpi_sleep.flags */
#define XENPF_ACPI_SLEEP_EXTENDED 0x00000001

/* XENPF_set_processor_pminfo types */
#define XEN_PM_CX  0
#define XEN_PM_PX  1
#define XEN_PM_TX  2
#define XEN_PM_PDC 3

/* xenpf_pcpuinfo.flags */
#define XEN_PCPU_FLAGS_ONLINE  1
#define XEN_PCPU_FLAGS_INVALID 2

/* xenpf_core_parking.type */
#define XEN_CORE_PARKING_SET 1
#define XEN_CORE_PARKING_GET 2

/* xenpf_resource_entry.u.cmd */
#define XEN_RESOURCE_OP_MSR_READ  0
#define XEN_RESOURCE_OP_MSR_WRITE 1

#ifndef __ASSEMBLY__

struct xenpf_settime32 {
    uint32_t secs;          /* IN: wall-clock seconds ... */
    uint32_t nsecs;         /* IN: ... and ns ... */
    uint64_t system_time;   /* IN: ... at this system time */
};
typedef struct xenpf_settime32 xenpf_settime32_t;

struct xenpf_settime64 {
    uint64_t secs;          /* IN */
    uint32_t nsecs;         /* IN */
    uint32_t mbz;           /* must be 0 */
    uint64_t system_time;   /* IN */
};
typedef struct xenpf_settime64 xenpf_settime64_t;
#define xenpf_settime xenpf_settime64
typedef struct xenpf_settime64 xenpf_settime_t;

struct xenpf_add_memtype {
    xen_pfn_t mfn;          /* IN */
    uint64_t nr_mfns;       /* IN */
    uint32_t type;          /* IN: MTRR type */
    uint32_t handle;        /* OUT */
    uint32_t reg;           /* OUT: MTRR register */
    uint32_t _pad0;
};
typedef struct xenpf_add_memtype xenpf_add_memtype_t;

struct xenpf_del_memtype {
    uint32_t handle;        /* IN */
    uint32_t reg;           /* IN */
};
typedef struct xenpf_del_memtype xenpf_del_memtype_t;

struct xenpf_read_memtype {
    uint32_t reg;           /* IN */
    uint32_t _pad0;
    xen_pfn_t mfn;          /* OUT */
    uint64_t nr_mfns;       /* OUT */
    uint32_t type;          /* OUT */
    uint32_t _pad1;
};
typedef struct xenpf_read_memtype xenpf_read_memtype_t;

struct xenpf_microcode_update {
    XEN_GUEST_HANDLE(const_void) data;  /* IN: microcode blob */
    uint32_t length;                    /* IN: its size */
    uint32_t _pad0;
};
typedef struct xenpf_microcode_update xenpf_microcode_update_t;

struct xenpf_platform_quirk {
    uint32_t quirk_id;      /* IN: QUIRK_* */
};
typedef struct xenpf_platform_quirk xenpf_platform_quirk_t;

struct xenpf_firmware_info {
    uint32_t type;          /* IN: XEN_FW_* */
    uint32_t index;         /* IN: which disk / EFI item */
    union {
        struct {
            uint8_t  device;                    /* BIOS drive number */
            uint8_t  version;
            uint16_t interface_support;
            uint16_t legacy_max_cylinder;
            uint8_t  legacy_max_head;
            uint8_t  legacy_sectors_per_track;
            XEN_GUEST_HANDLE(void) edd_params;  /* IN: buffer, first u16 = its size */
        } disk_info;
        struct {
            uint8_t  device;
            uint8_t  _pad0[3];
            uint32_t mbr_signature;
        } disk_mbr_signature;
        struct {
            uint8_t  capabilities;
            uint8_t  edid_transfer_time;
            uint8_t  _pad0[6];
            XEN_GUEST_HANDLE(uint8) edid;       /* IN: 128-byte buffer */
        } vbeddc_info;
        union xenpf_efi_info {
            uint32_t version;
            struct {
                uint64_t addr;                  /* EFI configuration table */
                uint32_t nent;
                uint32_t _pad0;
            } cfg;
            struct {
                uint32_t revision;
                uint32_t bufsz;                 /* IN: bytes in name */
                XEN_GUEST_HANDLE(void) name;    /* UTF-16 */
            } vendor;
            struct {
                uint64_t addr;
                uint64_t size;
                uint64_t attr;
                uint32_t type;
                uint32_t _pad0;
            } mem;
            struct {
                uint16_t segment;               /* IN */
                uint8_t  bus;                   /* IN */
                uint8_t  devfn;                 /* IN */
                uint16_t vendor;                /* IN */
                uint16_t devid;                 /* IN */
                uint64_t address;               /* OUT */
                xen_ulong_t size;               /* OUT */
            } pci_rom;
            struct {
                uint64_t address;
                xen_ulong_t size;
            } apple_properties;
        } efi_info;
        uint8_t kbd_shift_flags;
    } u;                    /* OUT (except as marked) */
};
typedef struct xenpf_firmware_info xenpf_firmware_info_t;

struct xenpf_enter_acpi_sleep {
    uint16_t val_a;         /* IN: PM1a control / sleep type A */
    uint16_t val_b;         /* IN: PM1b control / sleep type B */
    uint32_t sleep_state;   /* IN: S-state */
    uint32_t flags;         /* IN: XENPF_ACPI_SLEEP_* */
};
typedef struct xenpf_enter_acpi_sleep xenpf_enter_acpi_sleep_t;

struct xenpf_change_freq {
    uint32_t flags;         /* must be 0 */
    uint32_t cpu;           /* IN: physical CPU */
    uint64_t freq;          /* IN: Hz */
};
typedef struct xenpf_change_freq xenpf_change_freq_t;

struct xenpf_getidletime {
    XEN_GUEST_HANDLE(uint8) cpumap_bitmap;  /* IN/OUT: CPUs asked / present */
    uint32_t cpumap_nr_cpus;                /* IN: bits in the bitmap */
    uint32_t _pad0;
    XEN_GUEST_HANDLE(uint64) idletime;      /* OUT: ns idle per CPU */
    uint64_t now;                           /* OUT: system time of the snapshot */
};
typedef struct xenpf_getidletime xenpf_getidletime_t;

struct xenpf_pcpuinfo {
    uint32_t xen_cpuid;     /* IN */
    uint32_t max_present;   /* OUT: highest present CPU id */
    uint32_t flags;         /* OUT: XEN_PCPU_FLAGS_* */
    uint32_t apic_id;       /* OUT */
    uint32_t acpi_id;       /* OUT */
};
typedef struct xenpf_pcpuinfo xenpf_pcpuinfo_t;

struct xenpf_pcpu_version {
    uint32_t xen_cpuid;     /* IN */
    uint32_t max_present;   /* OUT */
    char     vendor_id[12]; /* OUT */
    uint32_t family;        /* OUT */
    uint32_t model;         /* OUT */
    uint32_t stepping;      /* OUT */
};
typedef struct xenpf_pcpu_version xenpf_pcpu_version_t;

struct xenpf_cpu_ol {
    uint32_t cpuid;         /* IN */
};
typedef struct xenpf_cpu_ol xenpf_cpu_ol_t;

struct xenpf_cpu_hotadd {
    uint32_t apic_id;
    uint32_t acpi_id;
    uint32_t pxm;
};
typedef struct xenpf_cpu_hotadd xenpf_cpu_hotadd_t;

struct xenpf_mem_hotadd {
    uint64_t spfn;
    uint64_t epfn;
    uint32_t pxm;
    uint32_t flags;
};
typedef struct xenpf_mem_hotadd xenpf_mem_hotadd_t;

struct xenpf_core_parking {
    uint32_t type;          /* IN: XEN_CORE_PARKING_* */
    uint32_t idle_nums;     /* IN (set) / OUT (get): CPUs to idle */
};
typedef struct xenpf_core_parking xenpf_core_parking_t;

struct xenpf_resource_entry {
    union {
        uint32_t cmd;       /* IN: XEN_RESOURCE_OP_* */
        int32_t  ret;       /* OUT: error of a failed entry */
    } u;
    uint32_t rsvd;          /* must be 0 */
    uint64_t idx;           /* IN: MSR index */
    uint64_t val;           /* IN/OUT */
};
typedef struct xenpf_resource_entry xenpf_resource_entry_t;

struct xenpf_resource_op {
    uint32_t nr_entries;    /* IN */
    uint32_t cpu;           /* IN: physical CPU to run on */
    XEN_GUEST_HANDLE(xenpf_resource_entry_t) entries;
};
typedef struct xenpf_resource_op xenpf_resource_op_t;

struct xenpf_symdata {
    uint32_t namelen;       /* IN: name buffer size; OUT: full name length */
    uint32_t symnum;        /* IN: symbol; OUT: next symbol (same = end) */
    XEN_GUEST_HANDLE(char) name;    /* OUT */
    uint64_t address;       /* OUT */
    char     type;          /* OUT: nm-style type letter */
    uint8_t  _pad0[7];
};
typedef struct xenpf_symdata xenpf_symdata_t;

struct xen_platform_op {
    uint32_t cmd;                   /* IN: XENPF_* */
    uint32_t interface_version;     /* IN: XENPF_INTERFACE_VERSION */
    union {
        xenpf_settime_t          settime;
        xenpf_settime32_t        settime32;
        xenpf_settime64_t        settime64;
        xenpf_add_memtype_t      add_memtype;
        xenpf_del_memtype_t      del_memtype;
        xenpf_read_memtype_t     read_memtype;
        xenpf_microcode_update_t microcode;
        xenpf_platform_quirk_t   platform_quirk;
        xenpf_firmware_info_t    firmware_info;
        xenpf_enter_acpi_sleep_t enter_acpi_sleep;
        xenpf_change_freq_t      change_freq;
        xenpf_getidletime_t      getidletime;
        xenpf_pcpuinfo_t         pcpu_info;
        xenpf_pcpu_version_t     pcpu_version;
        xenpf_cpu_ol_t           cpu_ol;
        xenpf_cpu_hotadd_t       cpu_add;
        xenpf_mem_hotadd_t       mem_add;
        xenpf_core_parking_t     core_parking;
        xenpf_resource_op_t      resource_op;
        xenpf_symdata_t          symdata;
        uint8_t                  pad[128];
    } u;
};
typedef struct xen_platform_op xen_platform_op_t;

XEN_ABI_SIZE(struct xenpf_settime32, 16);
XEN_ABI_SIZE(struct xenpf_settime64, 24);
XEN_ABI_OFFSET(struct xenpf_settime64, system_time, 16);
XEN_ABI_SIZE(struct xenpf_add_memtype, 32);
XEN_ABI_OFFSET(struct xenpf_add_memtype, reg, 24);
XEN_ABI_SIZE(struct xenpf_del_memtype, 8);
XEN_ABI_SIZE(struct xenpf_read_memtype, 32);
XEN_ABI_OFFSET(struct xenpf_read_memtype, mfn, 8);
XEN_ABI_OFFSET(struct xenpf_read_memtype, type, 24);
XEN_ABI_SIZE(struct xenpf_microcode_update, 16);
XEN_ABI_SIZE(struct xenpf_platform_quirk, 4);
XEN_ABI_SIZE(struct xenpf_firmware_info, 40);
XEN_ABI_OFFSET(struct xenpf_firmware_info, u, 8);
XEN_ABI_OFFSET(struct xenpf_firmware_info, u.disk_info.edd_params, 16);
XEN_ABI_OFFSET(struct xenpf_firmware_info, u.disk_mbr_signature.mbr_signature, 12);
XEN_ABI_OFFSET(struct xenpf_firmware_info, u.vbeddc_info.edid, 16);
XEN_ABI_OFFSET(struct xenpf_firmware_info, u.efi_info.pci_rom.address, 16);
XEN_ABI_SIZE(union xenpf_efi_info, 32);
XEN_ABI_SIZE(struct xenpf_enter_acpi_sleep, 12);
XEN_ABI_SIZE(struct xenpf_change_freq, 16);
XEN_ABI_SIZE(struct xenpf_getidletime, 32);
XEN_ABI_OFFSET(struct xenpf_getidletime, idletime, 16);
XEN_ABI_SIZE(struct xenpf_pcpuinfo, 20);
XEN_ABI_SIZE(struct xenpf_pcpu_version, 32);
XEN_ABI_SIZE(struct xenpf_cpu_ol, 4);
XEN_ABI_SIZE(struct xenpf_cpu_hotadd, 12);
XEN_ABI_SIZE(struct xenpf_mem_hotadd, 24);
XEN_ABI_SIZE(struct xenpf_core_parking, 8);
XEN_ABI_SIZE(struct xenpf_resource_entry, 24);
XEN_ABI_SIZE(struct xenpf_resource_op, 16);
XEN_ABI_SIZE(struct xenpf_symdata, 32);
XEN_ABI_OFFSET(struct xenpf_symdata, type, 24);
XEN_ABI_SIZE(struct xen_platform_op, 136);
XEN_ABI_OFFSET(struct xen_platform_op, u, 8);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_PLATFORM_H__ */
