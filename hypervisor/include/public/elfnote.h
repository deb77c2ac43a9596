/*
 * ELF note types in the "Xen" namespace of a PV kernel image, read by the
 * domain builder.  Usable from assembly.
 */
#ifndef __XEN_PUBLIC_ELFNOTE_H__
#define __XEN_PUBLIC_ELFNOTE_H__

#define XEN_ELFNOTE_INFO               0   /* reserved padding */
#define XEN_ELFNOTE_ENTRY              1   /* virtual entry point (word) */
#define XEN_ELFNOTE_HYPERCALL_PAGE     2   /* virtual address of the hypercall page (word) */
#define XEN_ELFNOTE_VIRT_BASE          3   /* virtual base of the image (word) */
#define XEN_ELFNOTE_PADDR_OFFSET       4   /* virtual - pseudo-physical (word) */
#define XEN_ELFNOTE_XEN_VERSION        5   /* required hypervisor version (string) */
#define XEN_ELFNOTE_GUEST_OS           6   /* guest OS name (string) */
#define XEN_ELFNOTE_GUEST_VERSION      7   /* guest OS version (string) */
#define XEN_ELFNOTE_LOADER             8   /* loader type, "generic" (string) */
#define XEN_ELFNOTE_PAE_MODE           9   /* "yes", "no", "bimodal" (string) */
#define XEN_ELFNOTE_FEATURES           10  /* "feat|!feat|..." wanted/required (string) */
#define XEN_ELFNOTE_BSD_SYMTAB         11  /* "yes": load the symbol table (string) */
#define XEN_ELFNOTE_HV_START_LOW       12  /* lowest hypervisor address, 32-bit PAE (word) */
#define XEN_ELFNOTE_L1_MFN_VALID       13  /* mask and value of a valid L1 entry (words) */
#define XEN_ELFNOTE_SUSPEND_CANCEL     14  /* supports suspend cancellation (word) */
#define XEN_ELFNOTE_INIT_P2M           15  /* virtual address for the P2M list (word) */
#define XEN_ELFNOTE_MOD_START_PFN      16  /* accepts mod_start as a PFN (word) */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17  /* XENFEAT_* bitmap supported (32-bit) */
#define XEN_ELFNOTE_PHYS32_ENTRY       18  /* 32-bit physical entry for PVH (32-bit) */
#define XEN_ELFNOTE_MAX                XEN_ELFNOTE_PHYS32_ENTRY

/* Notes in crash dumps / core files. */
#define XEN_ELFNOTE_CRASH_INFO                  0x1000001
#define XEN_ELFNOTE_CRASH_REGS                  0x1000002
#define XEN_ELFNOTE_DUMPCORE_NONE               0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER             0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION        0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION     0x2000003

#endif /* __XEN_PUBLIC_ELFNOTE_H__ */
