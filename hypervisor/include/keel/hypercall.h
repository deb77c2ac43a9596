/* Hypercall entry points (do_<family>_op) and the dispatch table. */
#ifndef KEEL_HYPERCALL_H
#define KEEL_HYPERCALL_H
#include <keel/types.h>
#include <asm/regs.h>
struct vcpu;

#define NR_HYPERCALLS 64
long hypercall_dispatch(unsigned long nr, const uint64_t args[5]);
/* entry.S: a `syscall` from the guest (a hypercall, or a system call of
 * its user space to bounce). */
void do_syscall(struct guest_regs *regs);
/*
 * entry.S's first call for a `syscall`, before the hypervisor lock:
 * a user system call's bounce and HYPERVISOR_iret, the two halves of
 * every guest system call, are done without the lock when nothing else
 * is due (issue 16, the hot path).  Returns -1 with the lock held (leave
 * through return_to_guest) or, lock-free, whether the exit may be by
 * sysretq (as prepare_return_to_guest).
 */
int do_syscall_entry(struct guest_regs *regs);
/* The arch's lock-free exit: GS base for v's mode; sysret allowed? */
int return_to_guest_lockless(struct vcpu *v, struct guest_regs *regs);

/*
 * Continuations (Xen's hypercall_create_continuation): a long batch stops
 * after a chunk and asks to be re-issued with these arguments; the guest
 * re-executes its `syscall`, so interrupts and other vCPUs get in between.
 * Inside a multicall the continuation is carried by the multicall (the
 * entry's arguments are rewritten in the guest's list and the multicall
 * re-issued from that entry), so every loop whose length a guest chooses
 * preempts there too (docs/security.md, class 4).
 */
bool hypercall_may_preempt(void);
/*
 * Should a long batch stop at this entry?  True when it may
 * (hypercall_may_preempt) and this CPU has held the hypervisor lock for
 * HYPERCALL_PREEMPT_NS: batches check it between entries, besides every
 * HYPERCALL_CHUNK entries, so that they stop by elapsed time whatever
 * their entries cost (issue 11; Xen checks hypercall_preempt_check() in
 * its loops).  Cheap: one TSC read.
 */
bool hypercall_preempt_check(void);
#define HYPERCALL_PREEMPT_NS 200000UL
void hypercall_continue(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
#define HYPERCALL_PREEMPTED 0x80000000UL   /* Xen's MMU_UPDATE_PREEMPTED */
#define HYPERCALL_CHUNK 256

long do_set_trap_table(uint64_t traps);
long do_set_gdt(uint64_t frame_list, uint64_t entries);
long do_stack_switch(uint64_t ss, uint64_t esp);
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall);
long do_fpu_taskswitch(uint64_t set);
long do_update_descriptor(uint64_t ma, uint64_t desc);
long do_memory_op(uint64_t cmd, uint64_t arg);
long do_multicall(uint64_t call_list, uint64_t nr_calls);
long do_xen_version(uint64_t cmd, uint64_t arg);
long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer);
long do_vm_assist(uint64_t cmd, uint64_t type);
long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg);
long do_set_segment_base(uint64_t which, uint64_t base);
long do_sched_op(uint64_t cmd, uint64_t arg);
long do_callback_op(uint64_t cmd, uint64_t arg);
long do_physdev_op(uint64_t cmd, uint64_t arg);
long do_set_debugreg(uint64_t reg, uint64_t value);
long do_get_debugreg(uint64_t reg);
long do_platform_op(uint64_t arg);
long do_iret(struct guest_regs *regs);
/* HYPERVISOR_iret without the lock; false (nothing changed) to refuse it
 * under the lock instead. */
bool pv_iret_lockless(struct vcpu *v, struct guest_regs *regs);
long do_set_timer_op(uint64_t timeout);
long arch_initialise_vcpu(struct vcpu *v, uint64_t arg);
struct vcpu_guest_context;
long arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c, bool pinned_l4);
void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c);
long vcpu_timer_op(struct vcpu *v, unsigned int cmd, uint64_t arg);
#endif
