/*
 * The register frame saved on every entry to the hypervisor, and the
 * per-CPU block at the top of each CPU's stack (found from %rsp, as Xen
 * does, so C code never depends on %gs).
 */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#define REGS_R15 0
#define REGS_RAX 80
#define REGS_RCX 88
#define REGS_VECTOR 120
#define REGS_ERROR 128
#define REGS_RIP 136
#define REGS_CS 144
#define REGS_RFLAGS 152
#define REGS_RSP 160
#define REGS_SS 168
#define REGS_SIZE 176

/* Offsets in struct cpu_info, used by entry.S through %gs. */
#define CPUINFO_RSP0 (REGS_SIZE + 0)
#define CPUINFO_SCRATCH (REGS_SIZE + 8)

/* Pseudo-vector for entries through `syscall`. */
#define VEC_SYSCALL 0x100

#ifndef __ASSEMBLY__
#include <keel/types.h>

struct guest_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t vector, error_code;   /* pushed by the stubs: error first, then vector */
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct guest_regs) == REGS_SIZE, "frame layout");
_Static_assert(__builtin_offsetof(struct guest_regs, rax) == REGS_RAX, "rax");
_Static_assert(__builtin_offsetof(struct guest_regs, rip) == REGS_RIP, "rip");
_Static_assert(__builtin_offsetof(struct guest_regs, vector) == REGS_VECTOR, "vec");
_Static_assert(__builtin_offsetof(struct guest_regs, rsp) == REGS_RSP, "rsp");

struct vcpu;
struct cpu_info {
    struct guest_regs guest_regs;   /* the guest's frame while it is in the hypervisor */
    uint64_t rsp0;                  /* == &guest_regs + 1 */
    uint64_t scratch;               /* syscall entry saves the guest rsp here */
    struct vcpu *curr;
    unsigned int cpu_id;
    unsigned int hand_over;         /* a continuation is pending: hv_lock() lets a waiter first */
    void *tss;
    uint64_t *gdt_page;             /* this CPU's reserved GDT page (entries 7168+) */
};
/* The CPU aligns the stack to 16 bytes before pushing an interrupt frame
 * at TSS.rsp0 (= &guest_regs + 1): cpu_info sits at the stack top, so its
 * size must keep guest_regs' end 16-byte aligned. */
_Static_assert(sizeof(struct cpu_info) % 16 == 0, "cpu_info keeps rsp0 16-byte aligned");
_Static_assert(__builtin_offsetof(struct cpu_info, rsp0) == CPUINFO_RSP0, "rsp0");
_Static_assert(__builtin_offsetof(struct cpu_info, scratch) == CPUINFO_SCRATCH, "scratch");

#include <asm/config.h>
/*
 * May the guest's frame be left by sysretq instead of iretq?  Only where
 * the two give the same state: sysretq loads rip from rcx and rflags from
 * r11 (masked with 0x3c7fd7, bit 1 set), and fixed flat selectors
 * FLAT_RING3_CS64/FLAT_RING3_DS from MSR_STAR; so rcx must equal rip and
 * r11 rflags, rflags must be what the mask keeps, the selectors those, and
 * rip canonical (sysretq to a non-canonical rip faults in ring 0 on
 * Intel).  A hypercall's frame qualifies as `syscall` left it (rcx = rip,
 * r11 = rflags), and a bounce from such a frame is made to (traps.c); Xen
 * leaves its TRAP_syscall frames by sysretq as well.  Anything a
 * hypercall or an emulation changed (HYPERVISOR_iret, continuations,
 * exception frames) fails the test and leaves by iretq.
 */
#define SYSRET_RFLAGS_KEPT 0x3c7fd7UL
static inline bool guest_regs_sysret_ok(const struct guest_regs *regs)
{
    /* One test of all the conditions (no branch per field: this is on
     * every return to a guest). */
    return ((regs->rcx ^ regs->rip) | (regs->r11 ^ regs->rflags) |
            (((regs->rflags & SYSRET_RFLAGS_KEPT) | 0x2UL /* always-set bit 1 */) ^ regs->rflags) |
            (regs->cs ^ FLAT_RING3_CS64) | (regs->ss ^ FLAT_RING3_DS) |
            ((uint64_t)((int64_t)(regs->rip << 16) >> 16) ^ regs->rip)) == 0;
}

/* Not volatile, as Xen's get_cpu_info(): every stack of this CPU leads
 * to the same cpu_info and hypervisor code never changes CPU inside a
 * function, so the compiler may compute it once per function (it is read
 * a dozen times on every hypercall; issue 16). */
static inline struct cpu_info *get_cpu_info(void)
{
    uint64_t sp;
    asm("mov %%rsp,%0" : "=r"(sp));
    return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1 - sizeof(struct cpu_info));
}
#define current (get_cpu_info()->curr)
#define guest_regs_of_cpu() (&get_cpu_info()->guest_regs)
#endif
#endif
