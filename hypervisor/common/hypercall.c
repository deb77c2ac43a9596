/*
 * Hypercall dispatch.  A 64-bit PV guest kernel issues `syscall` with
 * the number in rax and arguments in rdi, rsi, rdx, r10, r8; the result
 * goes back in rax.  Numbers without an implementation return -ENOSYS,
 * never a fake success.  No locking here: each do_* takes what it needs.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/pv_mm.h>
#include <keel/console.h>
#include <keel/guest_access.h>
#include <keel/sched.h>
#include <keel/event.h>
#include <keel/grant_table.h>
#include <keel/domctl.h>
#include <keel/stats.h>
#include <keel/smp.h>
#include <keel/time.h>
#include <public/xen.h>
#include <asm/traps.h>

/*
 * The hypercalls Keel implements: number, argument count, handler.  Each
 * handler keeps its real prototype and is called directly from a switch,
 * as Xen 4.17 does (its generated call_handlers_pv): no table of function
 * pointers, no call through a mismatched type, and the arguments stay in
 * registers (issue 16, the hot path).
 */
#define HYPERCALLS(X)                                                       \
    X(__HYPERVISOR_set_trap_table, 1, do_set_trap_table)                   \
    X(__HYPERVISOR_mmu_update, 4, do_mmu_update)                           \
    X(__HYPERVISOR_set_gdt, 2, do_set_gdt)                                 \
    X(__HYPERVISOR_stack_switch, 2, do_stack_switch)                       \
    X(__HYPERVISOR_set_callbacks, 3, do_set_callbacks)                     \
    X(__HYPERVISOR_fpu_taskswitch, 1, do_fpu_taskswitch)                   \
    X(__HYPERVISOR_set_debugreg, 2, do_set_debugreg)                       \
    X(__HYPERVISOR_get_debugreg, 1, do_get_debugreg)                       \
    X(__HYPERVISOR_update_descriptor, 2, do_update_descriptor)             \
    X(__HYPERVISOR_memory_op, 2, do_memory_op)                             \
    X(__HYPERVISOR_multicall, 2, do_multicall)                             \
    X(__HYPERVISOR_update_va_mapping, 3, do_update_va_mapping)             \
    X(__HYPERVISOR_xen_version, 2, do_xen_version)                         \
    X(__HYPERVISOR_console_io, 3, do_console_io)                           \
    X(__HYPERVISOR_vm_assist, 2, do_vm_assist)                             \
    X(__HYPERVISOR_update_va_mapping_otherdomain, 4,                       \
      do_update_va_mapping_otherdomain)                                    \
    X(__HYPERVISOR_vcpu_op, 3, do_vcpu_op)                                 \
    X(__HYPERVISOR_set_segment_base, 2, do_set_segment_base)               \
    X(__HYPERVISOR_mmuext_op, 4, do_mmuext_op)                             \
    X(__HYPERVISOR_sched_op, 2, do_sched_op)                               \
    X(__HYPERVISOR_callback_op, 2, do_callback_op)                         \
    X(__HYPERVISOR_physdev_op, 2, do_physdev_op)                           \
    X(__HYPERVISOR_platform_op, 1, do_platform_op)                         \
    X(__HYPERVISOR_set_timer_op, 1, do_set_timer_op)                       \
    X(__HYPERVISOR_event_channel_op, 2, do_event_channel_op)               \
    X(__HYPERVISOR_grant_table_op, 3, do_grant_table_op)                   \
    X(__HYPERVISOR_sysctl, 1, do_sysctl)                                   \
    X(__HYPERVISOR_domctl, 1, do_domctl)

#define HC_ARGS1 a0
#define HC_ARGS2 a0, a1
#define HC_ARGS3 a0, a1, a2
#define HC_ARGS4 a0, a1, a2, a3
#define HC_CASE(nr, n, fn) case nr: return fn(HC_ARGS##n);
#define HC_NARGS(nr, n, fn) [nr] = n,

/* Arguments each hypercall takes; 0: not implemented. */
static const uint8_t hypercall_nargs[NR_HYPERCALLS] = { HYPERCALLS(HC_NARGS) };

/*
 * The interference counters (keel/vstats.h): a hypercall by family, each
 * re-issue of a continued one included.  (Page-table entries are counted
 * by the mmu_update and update_va_mapping handlers, pv_mm.c.)
 */
static inline void count_hypercall(struct vcpu *v, unsigned long nr)
{
    v->vs.hypercalls[vstat_family(nr)]++;
}

static inline long hypercall_call(unsigned long nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                  uint64_t a3)
{
    switch (nr) {
    HYPERCALLS(HC_CASE)
    default:
        return -XEN_ENOSYS;
    }
}

/* One hypercall of the current vCPU by number (a multicall entry, and
 * the unit tests); numbers without a handler are -ENOSYS.  Every handler
 * takes at most 4 arguments; the fifth register is not read. */
long hypercall_dispatch(unsigned long nr, const uint64_t a[5])
{
    if (current)            /* a unit test may call with no vCPU loaded */
        count_hypercall(current, nr);
    return hypercall_call(nr, a[0], a[1], a[2], a[3]);
}

/*
 * Continuations, per CPU (struct pcpu's hcall): a record is set and
 * consumed within one entry from the guest on one CPU, and no other CPU
 * reads it, so it needs no lock.
 *
 * `cont_*` re-issues the hypercall the guest made.  `mc_*` is the
 * multicall's state (Xen's mc_state): while a multicall runs one of its
 * entries, a continuation asked for by that entry is kept here instead;
 * do_multicall then writes the entry's new arguments back into the
 * guest's list and continues the multicall itself from that entry, as
 * Xen's common/multicall.c does (hcall_preempted in a multicall).  So a
 * batch inside a multicall preempts exactly as it does outside one.
 */
#define MULTICALL_CHUNK 64         /* entries per multicall continuation */

/* Always: every batch checks this at its chunk boundaries, inside a
 * multicall too (the multicall carries the continuation). */
bool hypercall_may_preempt(void)
{
    return true;
}

bool hypercall_preempt_check(void)
{
    return hypercall_may_preempt() &&
           hv_lock_held_cycles() >= HYPERCALL_PREEMPT_NS * tsc_khz() / 1000000;
}

void hypercall_continue(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct hcall_state *hc = &this_pcpu()->hcall;
    uint64_t *args = hc->mc_in_call ? hc->mc_args : hc->cont_args;

    if (hc->mc_in_call)
        hc->mc_preempted = true;
    else
        hc->cont_active = true;
    args[0] = a0;
    args[1] = a1;
    args[2] = a2;
    args[3] = a3;
}

/* A `syscall` from guest user space: bounced to the kernel's callback. */
static __attribute__((noinline)) void syscall_from_user(struct vcpu *v, struct guest_regs *regs)
{
    if (!v->syscall_callback) {
        /* Xen injects #UD when no syscall callback is registered. */
        pv_inject_exception(v, regs, TRAP_invalid_op, false, 0);
        return;
    }
    pv_create_bounce_frame(v, regs, v->syscall_callback, false, 0,
                           v->syscall_mask_events, false);
}

/* The hypercall asked to be continued: re-issue it, same number, new
 * arguments, back over `syscall`. */
static __attribute__((noinline)) void hypercall_reissue(struct guest_regs *regs, uint64_t nr,
                                                        struct hcall_state *hc)
{
    hc->cont_active = false;
    regs->rax = nr;
    regs->rdi = hc->cont_args[0];
    regs->rsi = hc->cont_args[1];
    regs->rdx = hc->cont_args[2];
    regs->r10 = hc->cont_args[3];
    regs->rip -= 2;
    /* This CPU comes straight back for the lock: let a CPU that
     * waits for it go first (hv_lock, smp.c). */
    get_cpu_info()->hand_over = 1;
}

/* A hypercall from the guest kernel by `syscall` (not iret). */
static inline void hypercall_from_kernel(struct vcpu *v, struct guest_regs *regs, uint64_t nr)
{
    struct hcall_state *hc = &this_pcpu()->hcall;

    hc->cont_active = false;
    hc->mc_in_call = false;      /* never left set by a call that did not return */
    count_hypercall(v, nr);
    regs->rax = (uint64_t)hypercall_call(nr, regs->rdi, regs->rsi, regs->rdx, regs->r10);
    domain_reap_pending();       /* a safe point: no domain pointer held */
    if (__builtin_expect(hc->cont_active, 0))
        hypercall_reissue(regs, nr, hc);
}

/* A `syscall` from the guest: a hypercall from its kernel, or a system
 * call from its user space to bounce to the registered callback.  With
 * the hypervisor lock held. */
void do_syscall(struct guest_regs *regs)
{
    struct vcpu *v = current;
    uint64_t nr = regs->rax;

    stats_enter_syscall(v->kernel_mode, nr);
    if (__builtin_expect(!v->kernel_mode, 0)) {
        syscall_from_user(v, regs);
        return;
    }
    if (__builtin_expect(nr == __HYPERVISOR_iret, 0)) {
        regs->rax = (uint64_t)do_iret(regs);
        return;
    }
    hypercall_from_kernel(v, regs, nr);
}

/* do_syscall_entry for a user system call or HYPERVISOR_iret: lock-free
 * if it can be done and left that way, else under the lock. */
static inline int syscall_half_entry(struct vcpu *v, struct guest_regs *regs)
{
    bool done = false;

    if (!stats_active())
        done = v->kernel_mode ? pv_iret_lockless(v, regs) : pv_syscall_bounce_lockless(v, regs);
    if (done && return_lockless_ok(v))
        return return_to_guest_lockless(v, regs);
    hv_lock();
    if (!done)
        do_syscall(regs);
    return -1;
}

int do_syscall_entry(struct guest_regs *regs)
{
    struct vcpu *v = current;
    uint64_t nr = regs->rax;

    /* v->kernel_mode is v's own state: read before the lock. */
    if (__builtin_expect(!v->kernel_mode || nr == __HYPERVISOR_iret, 0))
        return syscall_half_entry(v, regs);
    hv_lock();
    stats_enter_syscall(true, nr);
    hypercall_from_kernel(v, regs, nr);
    return -1;
}

/* Run one entry; true if it asked to be continued (its new arguments
 * are then in e->args). */
static bool multicall_one(struct multicall_entry *e)
{
    struct hcall_state *hc = &this_pcpu()->hcall;
    unsigned int i, nargs;

    if (e->op == __HYPERVISOR_iret || e->op == __HYPERVISOR_multicall) {
        e->result = (uint64_t)-XEN_EINVAL;
        return false;
    }
    stats_multicall_entry(e->op);
    hc->mc_in_call = true;
    hc->mc_preempted = false;
    e->result = (uint64_t)hypercall_dispatch(e->op, e->args);
    hc->mc_in_call = false;
    if (!hc->mc_preempted)
        return false;
    nargs = e->op < NR_HYPERCALLS ? hypercall_nargs[e->op] : 0;
    for (i = 0; i < nargs && i < ARRAY_SIZE(hc->mc_args); i++)
        e->args[i] = hc->mc_args[i];
    return true;
}

/*
 * multicall: each entry through the same table; iret and nested
 * multicalls are refused per entry.  The multicall continues itself
 * every MULTICALL_CHUNK entries, and at any entry that was preempted:
 * that entry's arguments in the guest's list are rewritten to the
 * continuation's (only `result` and, for a preempted entry, its
 * arguments are written, as in Xen), so the re-issued multicall resumes
 * inside it.  A list that cannot be written back is -EFAULT, and the
 * preempted entry's progress is lost, as in Xen.
 */
long do_multicall(uint64_t call_list, uint64_t nr_calls)
{
    struct multicall_entry e;
    struct domain *d = current->domain;
    uint64_t i, at;

    for (i = 0; i < nr_calls; i++) {
        at = call_list + i * sizeof(e);
        if (i && !(i % MULTICALL_CHUNK)) {
            /* Continue with the rest: results are already in guest memory. */
            hypercall_continue(at, nr_calls - i, 0, 0);
            return 0;
        }
        if (copy_from_guest(&e, at, sizeof(e)))
            return -XEN_EFAULT;
        if (multicall_one(&e)) {
            if (copy_to_guest(at + offsetof(struct multicall_entry, result), &e.result,
                              sizeof(e) - offsetof(struct multicall_entry, result)))
                return -XEN_EFAULT;
            hypercall_continue(at, nr_calls - i, 0, 0);
            return 0;
        }
        if (copy_to_guest(at + offsetof(struct multicall_entry, result), &e.result,
                          sizeof(e.result)))
            return -XEN_EFAULT;
        if (d->state != DOM_RUNNING)
            break;
    }
    return 0;
}
