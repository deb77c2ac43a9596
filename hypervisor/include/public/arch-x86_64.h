/*
 * Guest ABI, x86-64 part: selectors, the reserved virtual-address hole,
 * register frames, the per-vCPU boot context and the arch parts of
 * shared_info/vcpu_info.  Layout and numbers are those of Xen's
 * arch-x86/xen.h + arch-x86/xen-x86_64.h for a 64-bit PV guest.
 * Included by xen.h; usable on its own.
 */
#ifndef __XEN_PUBLIC_ARCH_X86_64_H__
#define __XEN_PUBLIC_ARCH_X86_64_H__

#include "abi-check.h"

/*
 * Integer constants with C type suffixes that also work in assembly
 * (where the suffix is dropped).
 */
#ifdef __ASSEMBLY__
#define xen_mk_uint(x)   x
#define xen_mk_ulong(x)  x
#define xen_mk_ullong(x) x
#else
#define __xen_mk_uint(x)   x ## U
#define __xen_mk_ulong(x)  x ## UL
#define __xen_mk_ullong(x) x ## ULL
#define xen_mk_uint(x)     __xen_mk_uint(x)
#define xen_mk_ulong(x)    __xen_mk_ulong(x)
#define xen_mk_ullong(x)   __xen_mk_ullong(x)
#endif

/*
 * Flat segment selectors in the hypervisor's part of the GDT.  A 64-bit PV
 * kernel runs in ring 3, so kernel and user share the ring-3 selectors.
 */
#define FLAT_RING3_CS32 0xe023  /* GDT entry 260 */
#define FLAT_RING3_CS64 0xe033  /* GDT entry 262 */
#define FLAT_RING3_DS32 0xe02b  /* GDT entry 261 */
#define FLAT_RING3_DS64 0x0000  /* null selector */
#define FLAT_RING3_SS32 0xe02b
#define FLAT_RING3_SS64 0xe02b

#define FLAT_KERNEL_DS64 FLAT_RING3_DS64
#define FLAT_KERNEL_DS32 FLAT_RING3_DS32
#define FLAT_KERNEL_DS   FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64 FLAT_RING3_CS64
#define FLAT_KERNEL_CS32 FLAT_RING3_CS32
#define FLAT_KERNEL_CS   FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64 FLAT_RING3_SS64
#define FLAT_KERNEL_SS32 FLAT_RING3_SS32
#define FLAT_KERNEL_SS   FLAT_KERNEL_SS64

#define FLAT_USER_DS64 FLAT_RING3_DS64
#define FLAT_USER_DS32 FLAT_RING3_DS32
#define FLAT_USER_DS   FLAT_USER_DS64
#define FLAT_USER_CS64 FLAT_RING3_CS64
#define FLAT_USER_CS32 FLAT_RING3_CS32
#define FLAT_USER_CS   FLAT_USER_CS64
#define FLAT_USER_SS64 FLAT_RING3_SS64
#define FLAT_USER_SS32 FLAT_RING3_SS32
#define FLAT_USER_SS   FLAT_USER_SS64

/* GDT pages from this index up belong to the hypervisor (set_gdt limit). */
#define FIRST_RESERVED_GDT_PAGE  14
#define FIRST_RESERVED_GDT_BYTE  (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)

/*
 * Virtual-address range the hypervisor keeps in every address space
 * (guests may not map it).  Its first 256 GiB hold the read-only
 * machine-to-physical table, one 8-byte entry per machine frame.
 */
#define __HYPERVISOR_VIRT_START 0xFFFF800000000000
#define __HYPERVISOR_VIRT_END   0xFFFF880000000000
#define __MACH2PHYS_VIRT_START  0xFFFF800000000000
#define __MACH2PHYS_VIRT_END    0xFFFF804000000000
#define HYPERVISOR_VIRT_START   xen_mk_ulong(0xFFFF800000000000)
#define HYPERVISOR_VIRT_END     xen_mk_ulong(0xFFFF880000000000)
#define MACH2PHYS_VIRT_START    xen_mk_ulong(0xFFFF800000000000)
#define MACH2PHYS_VIRT_END      xen_mk_ulong(0xFFFF804000000000)
#define MACH2PHYS_NR_ENTRIES    ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* set_segment_base: which base to load (arg 1). */
#define SEGBASE_FS          0
#define SEGBASE_GS_USER     1
#define SEGBASE_GS_KERNEL   2
#define SEGBASE_GS_USER_SEL 3   /* load user %gs from selector in base[15:0] */

/* vCPU count covered by shared_info.vcpu_info[] (more need register_vcpu_info). */
#define XEN_LEGACY_MAX_VCPUS 32

/* CR3 <-> frame number for MMUEXT_NEW_BASEPTR and vcpu_guest_context.ctrlreg[3]. */
#define xen_pfn_to_cr3(pfn) ((uint64_t)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((uint64_t)(cr3) >> 12)

/*
 * Forced-emulation prefix (ud2; .ascii "xen"): put before cpuid to ask the
 * hypervisor for its filtered CPUID view.
 */
#ifdef __ASSEMBLY__
#define XEN_EMULATE_PREFIX .byte 0x0f,0x0b,0x78,0x65,0x6e ;
#define XEN_CPUID          XEN_EMULATE_PREFIX cpuid
#else
#define XEN_EMULATE_PREFIX ".byte 0x0f,0x0b,0x78,0x65,0x6e ; "
#define XEN_CPUID          XEN_EMULATE_PREFIX "cpuid"
#endif

/* trap_info.flags: bits 0-1 = DPL allowed to raise it with INT n, bit 2 = mask events on entry. */
#define TI_GET_DPL(_ti)      ((_ti)->flags & 3)
#define TI_GET_IF(_ti)       ((_ti)->flags & 4)
#define TI_SET_DPL(_ti, _dpl) ((_ti)->flags |= (_dpl))
#define TI_SET_IF(_ti, _if)  ((_ti)->flags |= ((!!(_if)) << 2))

/* vcpu_guest_context.flags */
#define _VGCF_i387_valid               0
#define VGCF_i387_valid                (1 << _VGCF_i387_valid)
#define VGCF_I387_VALID                VGCF_i387_valid
#define _VGCF_in_kernel                2
#define VGCF_in_kernel                 (1 << _VGCF_in_kernel)
#define VGCF_IN_KERNEL                 VGCF_in_kernel
#define _VGCF_failsafe_disables_events 3
#define VGCF_failsafe_disables_events  (1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events  4
#define VGCF_syscall_disables_events   (1 << _VGCF_syscall_disables_events)
#define _VGCF_online                   5
#define VGCF_online                    (1 << _VGCF_online)
/* iret_context.flags: return as if from a SYSCALL (rcx/r11 not restored). */
#define _VGCF_in_syscall               8
#define VGCF_in_syscall                (1 << _VGCF_in_syscall)
#define VGCF_IN_SYSCALL                VGCF_in_syscall

#ifndef __ASSEMBLY__
#include <stdint.h>

typedef uint64_t xen_pfn_t;       /* frame number (machine or guest) */
typedef uint64_t xen_ulong_t;     /* native word */
typedef uint64_t xen_callback_t;  /* guest virtual address of a handler */
typedef uint64_t tsc_timestamp_t; /* RDTSC value */

#define PRI_xen_pfn   "lx"
#define PRIu_xen_pfn  "lu"
#define PRI_xen_ulong "lx"

/*
 * One IDT entry for set_trap_table (the table ends at an entry whose
 * address is 0).
 */
struct trap_info {
    uint8_t  vector;    /* exception/interrupt vector */
    uint8_t  flags;     /* TI_* : DPL in bits 0-1, mask events in bit 2 */
    uint16_t cs;        /* code selector */
    uint32_t _pad0;
    uint64_t address;   /* handler entry point */
};
typedef struct trap_info trap_info_t;

/*
 * Stack frame the guest pushes for HYPERVISOR_iret (lowest address first).
 * flags holds VGCF_in_syscall.
 */
struct iret_context {
    uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

/*
 * Guest register frame (vcpu_guest_context.user_regs).  The hypervisor
 * also uses this order for its own saved frames.
 */
struct cpu_user_regs {
    uint64_t r15;
    uint64_t r14;
    uint64_t r13;
    uint64_t r12;
    uint64_t rbp;
    uint64_t rbx;
    uint64_t r11;
    uint64_t r10;
    uint64_t r9;
    uint64_t r8;
    uint64_t rax;
    uint64_t rcx;
    uint64_t rdx;
    uint64_t rsi;
    uint64_t rdi;
    uint32_t error_code;        /* hypervisor-private */
    uint32_t entry_vector;      /* hypervisor-private */
    uint64_t rip;
    uint16_t cs, _pad0[1];
    uint8_t  saved_upcall_mask; /* event mask to restore with this frame */
    uint8_t  _pad1[3];
    uint64_t rflags;            /* rflags.IF == !saved_upcall_mask */
    uint64_t rsp;
    uint16_t ss, _pad2[3];
    uint16_t es, _pad3[3];
    uint16_t ds, _pad4[3];
    uint16_t fs, _pad5[3];
    uint16_t gs, _pad6[3];
};
typedef struct cpu_user_regs cpu_user_regs_t;

/* Arch part of vcpu_info. */
struct arch_vcpu_info {
    uint64_t cr2;   /* OUT: faulting address of the last page fault */
    uint64_t pad;
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* Arch part of shared_info. */
struct arch_shared_info {
    /* IN (guest): highest PFN + 1, for save/restore and dumps. */
    uint64_t  max_pfn;
    /* IN (guest): frame of the top level of the 3-level P2M frame list. */
    xen_pfn_t pfn_to_mfn_frame_list_list;
    /* OUT: NMI reason bits (bit 0 = parity, bit 1 = I/O check). */
    uint64_t  nmi_reason;
    /*
     * IN (guest): a virtually mapped linear P2M list, for tools:
     * its cr3 (0 = use the guest's), its address, and a generation
     * counter that is odd while the list is being changed.
     */
    uint64_t  p2m_cr3;
    uint64_t  p2m_vaddr;
    uint64_t  p2m_generation;
};
typedef struct arch_shared_info arch_shared_info_t;

/*
 * Full vCPU state, for VCPUOP_initialise (bring up a secondary vCPU) and
 * the domain builder.  Frames are machine frames.
 */
struct vcpu_guest_context {
    struct { uint8_t x[512]; } fpu_ctxt;   /* FXSAVE image */
    uint64_t flags;                         /* VGCF_* */
    struct cpu_user_regs user_regs;
    struct trap_info trap_ctxt[256];        /* virtual IDT */
    uint64_t ldt_base, ldt_ents;            /* LDT linear address and entries */
    uint64_t gdt_frames[16], gdt_ents;      /* GDT frames and entries */
    uint64_t kernel_ss, kernel_sp;          /* stack for kernel entry */
    uint64_t ctrlreg[8];                    /* CR0-CR7; CR3 as xen_pfn_to_cr3 */
    uint64_t debugreg[8];                   /* DR0-DR7 */
    uint64_t event_callback_eip;
    uint64_t failsafe_callback_eip;
    uint64_t syscall_callback_eip;
    uint64_t vm_assist;                     /* VMASST_TYPE_* bitmap */
    uint64_t fs_base;
    uint64_t gs_base_kernel;
    uint64_t gs_base_user;
};
typedef struct vcpu_guest_context vcpu_guest_context_t;

XEN_ABI_SIZE(struct trap_info, 16);
XEN_ABI_OFFSET(struct trap_info, cs, 2);
XEN_ABI_OFFSET(struct trap_info, address, 8);
XEN_ABI_SIZE(struct iret_context, 72);
XEN_ABI_OFFSET(struct iret_context, flags, 24);
XEN_ABI_OFFSET(struct iret_context, ss, 64);
XEN_ABI_SIZE(struct cpu_user_regs, 200);
XEN_ABI_OFFSET(struct cpu_user_regs, rbp, 32);
XEN_ABI_OFFSET(struct cpu_user_regs, rax, 80);
XEN_ABI_OFFSET(struct cpu_user_regs, rdi, 112);
XEN_ABI_OFFSET(struct cpu_user_regs, error_code, 120);
XEN_ABI_OFFSET(struct cpu_user_regs, entry_vector, 124);
XEN_ABI_OFFSET(struct cpu_user_regs, rip, 128);
XEN_ABI_OFFSET(struct cpu_user_regs, cs, 136);
XEN_ABI_OFFSET(struct cpu_user_regs, saved_upcall_mask, 140);
XEN_ABI_OFFSET(struct cpu_user_regs, rflags, 144);
XEN_ABI_OFFSET(struct cpu_user_regs, rsp, 152);
XEN_ABI_OFFSET(struct cpu_user_regs, ss, 160);
XEN_ABI_OFFSET(struct cpu_user_regs, gs, 192);
XEN_ABI_SIZE(struct arch_vcpu_info, 16);
XEN_ABI_SIZE(struct arch_shared_info, 48);
XEN_ABI_OFFSET(struct arch_shared_info, p2m_generation, 40);
XEN_ABI_SIZE(struct vcpu_guest_context, 5168);
XEN_ABI_OFFSET(struct vcpu_guest_context, flags, 512);
XEN_ABI_OFFSET(struct vcpu_guest_context, user_regs, 520);
XEN_ABI_OFFSET(struct vcpu_guest_context, trap_ctxt, 720);
XEN_ABI_OFFSET(struct vcpu_guest_context, ldt_base, 4816);
XEN_ABI_OFFSET(struct vcpu_guest_context, gdt_frames, 4832);
XEN_ABI_OFFSET(struct vcpu_guest_context, kernel_ss, 4968);
XEN_ABI_OFFSET(struct vcpu_guest_context, ctrlreg, 4984);
XEN_ABI_OFFSET(struct vcpu_guest_context, debugreg, 5048);
XEN_ABI_OFFSET(struct vcpu_guest_context, event_callback_eip, 5112);
XEN_ABI_OFFSET(struct vcpu_guest_context, vm_assist, 5136);
XEN_ABI_OFFSET(struct vcpu_guest_context, gs_base_user, 5160);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_ARCH_X86_64_H__ */
