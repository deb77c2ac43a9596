/*
 * Keel guest ABI: the core of Xen's public x86-64 PV interface.
 *
 * Numbers, names and layouts are those of Xen's public/xen.h (interface
 * version __XEN_LATEST_INTERFACE_VERSION__) for a 64-bit PV guest; the
 * comments are Keel's.  tests/unit/test_abi_layout checks them against
 * Xen's own headers.
 *
 * Conventions for all public headers:
 *  - Hypercall arguments go in rdi, rsi, rdx, r10, r8; the number in rax;
 *    the result (0 or -XEN_E*, see errno.h) comes back in rax.
 *  - IN = filled by the caller, OUT = filled by the hypervisor.
 *  - A guest handle is a guest virtual address held in a uint64_t; no ABI
 *    struct contains a C pointer.
 */
#ifndef __XEN_PUBLIC_XEN_H__
#define __XEN_PUBLIC_XEN_H__

#include "arch-x86_64.h"

/* Newest interface version whose layouts these headers describe. */
#define __XEN_LATEST_INTERFACE_VERSION__ 0x00040e00

/*
 * Guest handles.  XEN_GUEST_HANDLE(type) is the guest virtual address of
 * an array of `type` in the calling domain, as a plain 64-bit integer;
 * `type` is only documentation.  Access it with the hypervisor's
 * copy-from/to-guest helpers, never by dereferencing.
 */
#define XEN_GUEST_HANDLE(type)       uint64_t
#define XEN_GUEST_HANDLE_64(type)    uint64_t
#define XEN_GUEST_HANDLE_PARAM(type) uint64_t
#define set_xen_guest_handle(h, ptr) ((h) = (uint64_t)(uintptr_t)(ptr))
#define set_xen_guest_handle_raw(h, ptr) set_xen_guest_handle(h, ptr)

/* ---- Hypercall numbers (rax) ---- */
#define __HYPERVISOR_set_trap_table                0
#define __HYPERVISOR_mmu_update                    1
#define __HYPERVISOR_set_gdt                       2
#define __HYPERVISOR_stack_switch                  3
#define __HYPERVISOR_set_callbacks                 4
#define __HYPERVISOR_fpu_taskswitch                5
#define __HYPERVISOR_sched_op_compat               6  /* obsolete */
#define __HYPERVISOR_platform_op                   7
#define __HYPERVISOR_set_debugreg                  8
#define __HYPERVISOR_get_debugreg                  9
#define __HYPERVISOR_update_descriptor            10
#define __HYPERVISOR_memory_op                    12
#define __HYPERVISOR_multicall                    13
#define __HYPERVISOR_update_va_mapping            14
#define __HYPERVISOR_set_timer_op                 15
#define __HYPERVISOR_event_channel_op_compat      16  /* obsolete */
#define __HYPERVISOR_xen_version                  17
#define __HYPERVISOR_console_io                   18
#define __HYPERVISOR_physdev_op_compat            19  /* obsolete */
#define __HYPERVISOR_grant_table_op               20
#define __HYPERVISOR_vm_assist                    21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret                         23
#define __HYPERVISOR_vcpu_op                      24
#define __HYPERVISOR_set_segment_base             25
#define __HYPERVISOR_mmuext_op                    26
#define __HYPERVISOR_xsm_op                       27
#define __HYPERVISOR_nmi_op                       28
#define __HYPERVISOR_sched_op                     29
#define __HYPERVISOR_callback_op                  30
#define __HYPERVISOR_xenoprof_op                  31
#define __HYPERVISOR_event_channel_op             32
#define __HYPERVISOR_physdev_op                   33
#define __HYPERVISOR_hvm_op                       34
#define __HYPERVISOR_sysctl                       35
#define __HYPERVISOR_domctl                       36
#define __HYPERVISOR_kexec_op                     37
#define __HYPERVISOR_tmem_op                      38
#define __HYPERVISOR_argo_op                      39
#define __HYPERVISOR_xenpmu_op                    40
#define __HYPERVISOR_dm_op                        41
#define __HYPERVISOR_hypfs_op                     42
#define __HYPERVISOR_arch_0                       48
#define __HYPERVISOR_arch_1                       49
#define __HYPERVISOR_arch_2                       50
#define __HYPERVISOR_arch_3                       51
#define __HYPERVISOR_arch_4                       52
#define __HYPERVISOR_arch_5                       53
#define __HYPERVISOR_arch_6                       54
#define __HYPERVISOR_arch_7                       55

/* ---- Virtual interrupts (EVTCHNOP_bind_virq); V = per vCPU, G = global ---- */
#define VIRQ_TIMER      0   /* V: timer expired / time values updated */
#define VIRQ_DEBUG      1   /* V: please dump debug state */
#define VIRQ_CONSOLE    2   /* G: input on the hypervisor console (dom0) */
#define VIRQ_DOM_EXC    3   /* G: a domain changed state, e.g. shut down (dom0) */
#define VIRQ_TBUF       4   /* G: trace buffer records (dom0) */
#define VIRQ_DEBUGGER   6   /* G: a domain paused for debugging (dom0) */
#define VIRQ_XENOPROF   7   /* V: profiling sample available */
#define VIRQ_CON_RING   8   /* G: hypervisor console ring has data (dom0) */
#define VIRQ_PCPU_STATE 9   /* G: physical CPU state changed (dom0) */
#define VIRQ_MEM_EVENT  10  /* G: memory event (dom0) */
#define VIRQ_ARGO       11  /* G: Argo message */
#define VIRQ_ENOMEM     12  /* G: hypervisor heap low (dom0) */
#define VIRQ_XENPMU     13  /* V: PMU interrupt */
#define VIRQ_ARCH_0     16
#define VIRQ_ARCH_1     17
#define VIRQ_ARCH_2     18
#define VIRQ_ARCH_3     19
#define VIRQ_ARCH_4     20
#define VIRQ_ARCH_5     21
#define VIRQ_ARCH_6     22
#define VIRQ_ARCH_7     23
#define NR_VIRQS        24

/*
 * ---- mmu_update: mmu_update.ptr low 2 bits select the command ----
 * NORMAL_PT_UPDATE:   ptr = machine address of a PTE; checked *ptr = val.
 * MACHPHYS_UPDATE:    ptr = machine address of a frame; M2P[ptr>>12] = val.
 * PT_UPDATE_PRESERVE_AD: like NORMAL, keeping the current A/D bits.
 * PT_UPDATE_NO_TRANSLATE: like NORMAL, val never translated.
 */
#define MMU_NORMAL_PT_UPDATE       0
#define MMU_MACHPHYS_UPDATE        1
#define MMU_PT_UPDATE_PRESERVE_AD  2
#define MMU_PT_UPDATE_NO_TRANSLATE 3

/*
 * ---- mmuext_op commands ----
 * PIN_Lx_TABLE / UNPIN_TABLE: arg1.mfn = page-table frame to (un)pin as type Lx.
 * NEW_BASEPTR / NEW_USER_BASEPTR: arg1.mfn = new kernel / user L4.
 * TLB_FLUSH_LOCAL / _ALL: flush this vCPU's / every vCPU's TLB.
 * INVLPG_LOCAL / _ALL: arg1.linear_addr = page to flush.
 * TLB_FLUSH_MULTI / INVLPG_MULTI: arg2.vcpumask = handle of a vCPU bitmap.
 * FLUSH_CACHE(_GLOBAL): wbinvd (privileged).
 * SET_LDT: arg1.linear_addr = LDT base, arg2.nr_ents = entries.
 * CLEAR_PAGE: arg1.mfn zeroed.  COPY_PAGE: arg2.src_mfn copied to arg1.mfn.
 * [UN]MARK_SUPER: arg1.mfn = first frame of a 2 MiB superpage.
 */
#define MMUEXT_PIN_L1_TABLE        0
#define MMUEXT_PIN_L2_TABLE        1
#define MMUEXT_PIN_L3_TABLE        2
#define MMUEXT_PIN_L4_TABLE        3
#define MMUEXT_UNPIN_TABLE         4
#define MMUEXT_NEW_BASEPTR         5
#define MMUEXT_TLB_FLUSH_LOCAL     6
#define MMUEXT_INVLPG_LOCAL        7
#define MMUEXT_TLB_FLUSH_MULTI     8
#define MMUEXT_INVLPG_MULTI        9
#define MMUEXT_TLB_FLUSH_ALL       10
#define MMUEXT_INVLPG_ALL          11
#define MMUEXT_FLUSH_CACHE         12
#define MMUEXT_SET_LDT             13
#define MMUEXT_NEW_USER_BASEPTR    15
#define MMUEXT_CLEAR_PAGE          16
#define MMUEXT_COPY_PAGE           17
#define MMUEXT_FLUSH_CACHE_GLOBAL  18
#define MMUEXT_MARK_SUPER          19
#define MMUEXT_UNMARK_SUPER        20

/*
 * ---- update_va_mapping flags (arg 3) ----
 * Low 2 bits: flush type.  Bit 2: scope (LOCAL/ALL); otherwise the flags
 * word is a pointer to a vCPU bitmap (UVMF_MULTI).
 */
#define UVMF_NONE           xen_mk_ulong(0x0)   /* no flush */
#define UVMF_TLB_FLUSH      xen_mk_ulong(0x1)   /* flush the whole TLB */
#define UVMF_INVLPG         xen_mk_ulong(0x2)   /* flush only the updated page */
#define UVMF_FLUSHTYPE_MASK xen_mk_ulong(0x3)
#define UVMF_MULTI          xen_mk_ulong(0x0)   /* flags | bitmap address */
#define UVMF_LOCAL          xen_mk_ulong(0x0)   /* this vCPU only */
#define UVMF_ALL            xen_mk_ulong(0x4)   /* every vCPU of the domain */

/* ---- console_io(cmd, count, buffer) ---- */
#define CONSOLEIO_write     0   /* write count bytes to the hypervisor console */
#define CONSOLEIO_read      1   /* read up to count bytes; returns bytes read */

/* ---- vm_assist(cmd, type) ---- */
#define VMASST_CMD_enable                0
#define VMASST_CMD_disable               1
#define VMASST_TYPE_4gb_segments         0
#define VMASST_TYPE_4gb_segments_notify  1
#define VMASST_TYPE_writable_pagetables  2   /* emulate writes to pinned PTE pages */
#define VMASST_TYPE_pae_extended_cr3     3
#define VMASST_TYPE_architectural_iopl   4
#define VMASST_TYPE_runstate_update_flag 5   /* XEN_RUNSTATE_UPDATE in runstate times */
#define VMASST_TYPE_m2p_strict           32

/* ---- Domain identifiers ---- */
#define DOMID_FIRST_RESERVED xen_mk_uint(0x7FF0)
#define DOMID_SELF           xen_mk_uint(0x7FF0)  /* the calling domain */
#define DOMID_IO             xen_mk_uint(0x7FF1)  /* owner of I/O memory */
#define DOMID_XEN            xen_mk_uint(0x7FF2)  /* the hypervisor's own pages */
#define DOMID_COW            xen_mk_uint(0x7FF3)  /* shared copy-on-write pages */
#define DOMID_INVALID        xen_mk_uint(0x7FF4)
#define DOMID_IDLE           xen_mk_uint(0x7FFF)
#define DOMID_MASK           xen_mk_uint(0x7FFF)

/* ---- start_info.flags ---- */
#define SIF_PRIVILEGED      (1 << 0)  /* privileged domain */
#define SIF_INITDOMAIN      (1 << 1)  /* the initial control domain (dom0) */
#define SIF_MULTIBOOT_MOD   (1 << 2)  /* mod_start is a xen_multiboot_mod_list */
#define SIF_MOD_START_PFN   (1 << 3)  /* mod_start is a PFN, not an address */
#define SIF_VIRT_P2M_4TOOLS (1 << 4)  /* tools understand a virtually mapped P2M */
#define SIF_PM_MASK         (0xFF << 8)

#define MAX_GUEST_CMDLINE 1024

/* Magic at the start of start_info: "xen-<version>-<platform>". */
#define XEN_START_INFO_MAGIC "xen-3.0-x86_64"

/* dom0_vga_console_info.video_type */
#define XEN_VGATYPE_TEXT_MODE_3 0x03
#define XEN_VGATYPE_VESA_LFB    0x23
#define XEN_VGATYPE_EFI_LFB     0x70

/* vcpu_time_info.flags */
#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0)
#define XEN_PVCLOCK_GUEST_STOPPED  (1 << 1)

#ifndef __ASSEMBLY__

typedef uint16_t domid_t;
typedef uint32_t evtchn_port_t;   /* event-channel port number */
typedef uint32_t grant_ref_t;     /* index into a grant table */
typedef uint8_t  xen_domain_handle_t[16];
typedef struct { uint8_t a[16]; } xen_uuid_t;

/* One request of __HYPERVISOR_mmu_update(reqs, count, done, domid). */
struct mmu_update {
    uint64_t ptr;   /* IN: machine address | MMU_* command */
    uint64_t val;   /* IN: new PTE value, or PFN for MACHPHYS_UPDATE */
};
typedef struct mmu_update mmu_update_t;

/* One request of __HYPERVISOR_mmuext_op(ops, count, done, domid). */
struct mmuext_op {
    uint32_t cmd;           /* IN: MMUEXT_* */
    uint32_t _pad0;
    union {
        xen_pfn_t mfn;          /* PIN/UNPIN, NEW_*BASEPTR, CLEAR/COPY_PAGE, *MARK_SUPER */
        uint64_t  linear_addr;  /* INVLPG_*, SET_LDT */
    } arg1;
    union {
        uint32_t  nr_ents;                      /* SET_LDT */
        XEN_GUEST_HANDLE(const_void) vcpumask;  /* TLB_FLUSH_MULTI, INVLPG_MULTI */
        xen_pfn_t src_mfn;                      /* COPY_PAGE */
    } arg2;
};
typedef struct mmuext_op mmuext_op_t;

/*
 * One call of __HYPERVISOR_multicall(entries, count): IN op and args,
 * OUT result (the call's return value).
 */
struct multicall_entry {
    xen_ulong_t op;
    xen_ulong_t result;
    xen_ulong_t args[6];
};
typedef struct multicall_entry multicall_entry_t;

/*
 * Per-vCPU time base.  The hypervisor makes `version` odd before an
 * update and even after; a reader retries while it is odd or changed.
 * now_ns = system_time +
 *   (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32
 * (a negative tsc_shift shifts right).
 */
struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;     /* TSC at the last update */
    uint64_t system_time;       /* ns since boot at tsc_timestamp */
    uint32_t tsc_to_system_mul; /* 32.32 fixed-point ns per (shifted) tick */
    int8_t   tsc_shift;
    uint8_t  flags;             /* XEN_PVCLOCK_* */
    uint8_t  pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

/*
 * Per-vCPU event state.  The hypervisor sets evtchn_upcall_pending and a
 * bit in evtchn_pending_sel (one bit per word of evtchn_pending) before an
 * upcall; the guest clears pending before scanning.  evtchn_upcall_mask
 * non-zero blocks upcalls (the guest's "interrupts off").
 */
struct vcpu_info {
    uint8_t     evtchn_upcall_pending;
    uint8_t     evtchn_upcall_mask;
    uint8_t     _pad0[6];
    xen_ulong_t evtchn_pending_sel;
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
typedef struct vcpu_info vcpu_info_t;

/*
 * The page shared between the hypervisor and a domain (one per domain,
 * mapped by the guest via its start_info.shared_info machine address).
 */
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    /* 2-level event channels: bit N = port N.  Pending set by the
     * hypervisor, cleared by the guest; mask owned by the guest. */
    xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
    xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
    /* Wall-clock time at system time 0, versioned like vcpu_time_info. */
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;     /* upper 32 bits of the seconds */
    struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/*
 * Boot information for a PV guest; its virtual address is in rsi at entry.
 * All addresses are guest virtual unless marked.
 */
struct start_info {
    char      magic[32];        /* XEN_START_INFO_MAGIC */
    uint64_t  nr_pages;         /* pages allocated to the domain */
    uint64_t  shared_info;      /* MACHINE address of the shared_info page */
    uint32_t  flags;            /* SIF_* */
    uint32_t  _pad0;
    xen_pfn_t store_mfn;        /* MACHINE frame of the xenstore ring */
    uint32_t  store_evtchn;     /* event channel of the xenstore ring */
    uint32_t  _pad1;
    union {
        struct {
            xen_pfn_t mfn;      /* MACHINE frame of the console ring */
            uint32_t  evtchn;   /* its event channel */
            uint32_t  _pad0;
        } domU;
        struct {
            uint32_t  info_off;  /* offset of a dom0_vga_console_info in this page */
            uint32_t  info_size; /* its size */
        } dom0;
    } console;
    /* Only on initial boot (not on resume): */
    uint64_t  pt_base;          /* initial L4 page table */
    uint64_t  nr_pt_frames;     /* frames of bootstrap page tables */
    uint64_t  mfn_list;         /* the P2M array (pfn -> mfn) */
    uint64_t  mod_start;        /* initrd (a PFN if SIF_MOD_START_PFN) */
    uint64_t  mod_len;          /* initrd size in bytes */
    char      cmd_line[MAX_GUEST_CMDLINE];
    uint64_t  first_p2m_pfn;    /* first PFN of the page tables + P2M area */
    uint64_t  nr_p2m_frames;    /* frames in that area */
};
typedef struct start_info start_info_t;

/* One module when SIF_MULTIBOOT_MOD is set (physical addresses). */
struct xen_multiboot_mod_list {
    uint32_t mod_start;
    uint32_t mod_end;
    uint32_t cmdline;
    uint32_t pad;
};

/* dom0's firmware console, located by start_info.console.dom0. */
typedef struct dom0_vga_console_info {
    uint8_t video_type;         /* XEN_VGATYPE_* */
    uint8_t _pad0[3];
    union {
        struct {
            uint16_t font_height;
            uint16_t cursor_x, cursor_y;
            uint16_t rows, columns;
        } text_mode_3;
        struct {
            uint16_t width, height;
            uint16_t bytes_per_line;
            uint16_t bits_per_pixel;
            uint32_t lfb_base;
            uint32_t lfb_size;
            uint8_t  red_pos, red_size;
            uint8_t  green_pos, green_size;
            uint8_t  blue_pos, blue_size;
            uint8_t  rsvd_pos, rsvd_size;
            uint32_t gbl_caps;
            uint16_t mode_attrs;
            uint16_t pad;
            uint32_t ext_lfb_base;  /* bits 32-63 of lfb_base */
        } vesa_lfb;
    } u;
} dom0_vga_console_info_t;
#define xen_vga_console_info   dom0_vga_console_info
#define xen_vga_console_info_t dom0_vga_console_info_t

XEN_ABI_SIZE(struct mmu_update, 16);
XEN_ABI_OFFSET(struct mmu_update, val, 8);
XEN_ABI_SIZE(struct mmuext_op, 24);
XEN_ABI_OFFSET(struct mmuext_op, arg1, 8);
XEN_ABI_OFFSET(struct mmuext_op, arg2, 16);
XEN_ABI_SIZE(struct multicall_entry, 64);
XEN_ABI_OFFSET(struct multicall_entry, result, 8);
XEN_ABI_OFFSET(struct multicall_entry, args, 16);
XEN_ABI_SIZE(struct vcpu_time_info, 32);
XEN_ABI_OFFSET(struct vcpu_time_info, tsc_timestamp, 8);
XEN_ABI_OFFSET(struct vcpu_time_info, system_time, 16);
XEN_ABI_OFFSET(struct vcpu_time_info, tsc_to_system_mul, 24);
XEN_ABI_OFFSET(struct vcpu_time_info, tsc_shift, 28);
XEN_ABI_OFFSET(struct vcpu_time_info, flags, 29);
XEN_ABI_SIZE(struct vcpu_info, 64);
XEN_ABI_OFFSET(struct vcpu_info, evtchn_upcall_mask, 1);
XEN_ABI_OFFSET(struct vcpu_info, evtchn_pending_sel, 8);
XEN_ABI_OFFSET(struct vcpu_info, arch, 16);
XEN_ABI_OFFSET(struct vcpu_info, time, 32);
XEN_ABI_SIZE(struct shared_info, 3136);
XEN_ABI_OFFSET(struct shared_info, evtchn_pending, 2048);
XEN_ABI_OFFSET(struct shared_info, evtchn_mask, 2560);
XEN_ABI_OFFSET(struct shared_info, wc_version, 3072);
XEN_ABI_OFFSET(struct shared_info, wc_sec, 3076);
XEN_ABI_OFFSET(struct shared_info, wc_nsec, 3080);
XEN_ABI_OFFSET(struct shared_info, wc_sec_hi, 3084);
XEN_ABI_OFFSET(struct shared_info, arch, 3088);
XEN_ABI_SIZE(struct start_info, 1168);
XEN_ABI_OFFSET(struct start_info, nr_pages, 32);
XEN_ABI_OFFSET(struct start_info, shared_info, 40);
XEN_ABI_OFFSET(struct start_info, flags, 48);
XEN_ABI_OFFSET(struct start_info, store_mfn, 56);
XEN_ABI_OFFSET(struct start_info, store_evtchn, 64);
XEN_ABI_OFFSET(struct start_info, console, 72);
XEN_ABI_OFFSET(struct start_info, console.domU.evtchn, 80);
XEN_ABI_OFFSET(struct start_info, pt_base, 88);
XEN_ABI_OFFSET(struct start_info, nr_pt_frames, 96);
XEN_ABI_OFFSET(struct start_info, mfn_list, 104);
XEN_ABI_OFFSET(struct start_info, mod_start, 112);
XEN_ABI_OFFSET(struct start_info, mod_len, 120);
XEN_ABI_OFFSET(struct start_info, cmd_line, 128);
XEN_ABI_OFFSET(struct start_info, first_p2m_pfn, 1152);
XEN_ABI_OFFSET(struct start_info, nr_p2m_frames, 1160);
XEN_ABI_SIZE(struct xen_multiboot_mod_list, 16);
XEN_ABI_SIZE(struct dom0_vga_console_info, 40);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u, 4);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.lfb_base, 12);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.gbl_caps, 28);
XEN_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.ext_lfb_base, 36);
XEN_ABI_SIZE(xen_uuid_t, 16);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_XEN_H__ */
