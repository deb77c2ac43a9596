#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H
#include <keel/types.h>
#include <asm/regs.h>
struct vcpu;

#define TRAP_divide_error 0
#define TRAP_debug 1
#define TRAP_nmi 2
#define TRAP_int3 3
#define TRAP_overflow 4
#define TRAP_bounds 5
#define TRAP_invalid_op 6
#define TRAP_no_device 7
#define TRAP_double_fault 8
#define TRAP_invalid_tss 10
#define TRAP_no_segment 11
#define TRAP_stack_error 12
#define TRAP_gp_fault 13
#define TRAP_page_fault 14
#define TRAP_copro_error 16
#define TRAP_alignment_check 17
#define TRAP_machine_check 18
#define TRAP_simd_error 19

/* Deliver an exception to the guest through its trap table (C.7 frame). */
void pv_inject_exception(struct vcpu *v, struct guest_regs *regs, unsigned int vector,
                         bool has_error, uint64_t error_code);
/* Build a bounce frame and redirect the guest to handler. */
int pv_create_bounce_frame(struct vcpu *v, struct guest_regs *regs, uint64_t handler,
                           bool has_error, uint64_t error_code, bool mask_events,
                           bool failsafe);
/* A user system call bounced without the hypervisor lock; false, nothing
 * changed, where do_syscall must do it under the lock (traps.c). */
bool pv_syscall_bounce_lockless(struct vcpu *v, struct guest_regs *regs);
/* entry.S: an exception or interrupt from the guest, before the lock
 * (traps.c): -1 with the lock held, else done lock-free (0: iretq). */
int do_trap_entry(struct guest_regs *regs);
/*
 * The guest's GS base.  In the hypervisor MSR_SHADOW_GS_BASE holds the
 * running vCPU's active GS base (the entry's swapgs put it there) and the
 * exit's swapgs gives it back.  It is written from v->gs_base_kernel/user
 * where the active base changes, and only there: a user/kernel toggle,
 * set_segment_base or a new context of the running vCPU, a vCPU switched
 * in (the previous one's base must never reach it).  A wrmsr on every
 * exit cost a hypercall about 12 ns under TCG (issue 16).
 */
void guest_gs_sync(const struct vcpu *v);
/* Switch between guest kernel and guest user mode (L4 and GS base). */
void toggle_guest_mode(struct vcpu *v);
void vcpu_load_cr3(struct vcpu *v);
void show_guest_regs(const struct guest_regs *regs);
/* Emulate a privileged instruction at regs->rip: true if handled. */
bool pv_emulate_privileged_op(struct vcpu *v, struct guest_regs *regs);
bool pv_emulate_forced_invalid_op(struct vcpu *v, struct guest_regs *regs);
#endif
