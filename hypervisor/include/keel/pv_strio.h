/*
 * String port I/O (ins/outs, with or without rep) by a PV guest whose
 * virtual IOPL allows port access: the CPU refuses them at CPL3 with
 * #GP(0) and the hypervisor performs them on the guest's memory, as Xen's
 * emul-priv-op.c does through x86_emulate (rep_ins/rep_outs).
 */
#ifndef KEEL_PV_STRIO_H
#define KEEL_PV_STRIO_H
#include <keel/types.h>
#include <asm/regs.h>

/* The segment a memory operand is relative to. */
enum pv_seg { PV_SEG_ES, PV_SEG_CS, PV_SEG_SS, PV_SEG_DS, PV_SEG_FS, PV_SEG_GS };

/* A decoded ins/outs (decode and privilege checks are the caller's). */
struct pv_strio {
    bool is_in;             /* ins (6c/6d): port -> ES:rdi; outs (6e/6f): seg:rsi -> port */
    bool rep;               /* f3/f2 prefix: rcx (ecx with addr32) iterations */
    bool addr32;            /* 67 prefix: esi/edi/ecx, zero-extended on update */
    unsigned int size;      /* 1, 2 or 4 bytes per iteration */
    enum pv_seg seg;        /* outs: DS or the override prefix's; ins: ES */
    uint64_t seg_base;      /* FS/GS base; 0 for the flat ES/CS/SS/DS */
    unsigned int len;       /* instruction length, added to rip when done */
    /* The ports (emulate.c: the domain's permitted ports on the hardware,
     * the rest all ones / dropped); NULL: no port is owned. */
    uint32_t (*port_in)(void *ctx, unsigned int port, unsigned int size);
    void (*port_out)(void *ctx, unsigned int port, unsigned int size, uint32_t val);
    void *ctx;
    unsigned int port;      /* dx */
};

/* A fault the emulation raises for the guest. */
struct pv_fault {
    unsigned int vector;    /* TRAP_stack_error, TRAP_gp_fault or TRAP_page_fault */
    uint64_t error_code;
    uint64_t cr2;           /* TRAP_page_fault only */
};

enum pv_strio_result {
    PV_STRIO_DONE,          /* every iteration done, rip advanced */
    PV_STRIO_PARTIAL,       /* max_reps done: registers advanced, rip not (re-executes) */
    PV_STRIO_FAULT,         /* *f filled; registers count the iterations done before it */
};

/* Maximum iterations per trap: a long rep is resumed by re-executing it. */
#define PV_STRIO_MAX_REPS 512

/*
 * Runs the string I/O described by s on regs (rsi/rdi/rcx/rip) and the
 * current guest address space.  Ports go through s->port_in/port_out
 * (without them, reads give all ones and writes are dropped).  An access whose first byte is
 * outside guest space (non-canonical or the hypervisor's slots) raises
 * #SS(0) when SS-relative and #GP(0) otherwise, as the hardware does for a
 * non-canonical address and Xen's pv_emul_virt_to_linear; an unmapped one
 * #PF (write for ins).  Needs no lock; touches only regs and guest memory.
 */
enum pv_strio_result pv_strio_run(struct guest_regs *regs, const struct pv_strio *s,
                                  unsigned int max_reps, struct pv_fault *f);

/* The exception for a memory operand outside guest space: #SS for SS, else #GP. */
unsigned int pv_seg_fault_vector(enum pv_seg seg);

#endif
