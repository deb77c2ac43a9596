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

#define HC1(nr, fn) [nr] = { .nargs = 1, .f1 = fn }
#define HC2(nr, fn) [nr] = { .nargs = 2, .f2 = fn }
#define HC3(nr, fn) [nr] = { .nargs = 3, .f3 = fn }
#define HC4(nr, fn) [nr] = { .nargs = 4, .f4 = fn }

/* Each entry keeps its real prototype: no calls through mismatched types. */
const struct hypercall_entry hypercall_table[NR_HYPERCALLS] = {
    HC1(__HYPERVISOR_set_trap_table, do_set_trap_table),
    HC4(__HYPERVISOR_mmu_update, do_mmu_update),
    HC2(__HYPERVISOR_set_gdt, do_set_gdt),
    HC2(__HYPERVISOR_stack_switch, do_stack_switch),
    HC3(__HYPERVISOR_set_callbacks, do_set_callbacks),
    HC1(__HYPERVISOR_fpu_taskswitch, do_fpu_taskswitch),
    HC2(__HYPERVISOR_update_descriptor, do_update_descriptor),
    HC2(__HYPERVISOR_memory_op, do_memory_op),
    HC2(__HYPERVISOR_multicall, do_multicall),
    HC3(__HYPERVISOR_update_va_mapping, do_update_va_mapping),
    HC2(__HYPERVISOR_xen_version, do_xen_version),
    HC3(__HYPERVISOR_console_io, do_console_io),
    HC2(__HYPERVISOR_vm_assist, do_vm_assist),
    HC4(__HYPERVISOR_update_va_mapping_otherdomain, do_update_va_mapping_otherdomain),
    HC3(__HYPERVISOR_vcpu_op, do_vcpu_op),
    HC2(__HYPERVISOR_set_segment_base, do_set_segment_base),
    HC4(__HYPERVISOR_mmuext_op, do_mmuext_op),
    HC2(__HYPERVISOR_sched_op, do_sched_op),
    HC2(__HYPERVISOR_callback_op, do_callback_op),
    HC2(__HYPERVISOR_physdev_op, do_physdev_op),
    HC1(__HYPERVISOR_set_timer_op, do_set_timer_op),
    HC2(__HYPERVISOR_event_channel_op, do_event_channel_op),
    HC3(__HYPERVISOR_grant_table_op, do_grant_table_op),
    HC1(__HYPERVISOR_sysctl, do_sysctl),
    HC1(__HYPERVISOR_domctl, do_domctl),
};

long hypercall_dispatch(unsigned long nr, const uint64_t a[5])
{
    const struct hypercall_entry *h;

    if (nr >= NR_HYPERCALLS)
        return -XEN_ENOSYS;
    h = &hypercall_table[nr];
    switch (h->nargs) {
    case 1: return h->f1(a[0]);
    case 2: return h->f2(a[0], a[1]);
    case 3: return h->f3(a[0], a[1], a[2]);
    case 4: return h->f4(a[0], a[1], a[2], a[3]);
    case 5: return h->f5(a[0], a[1], a[2], a[3], a[4]);
    default: return -XEN_ENOSYS;
    }
}

static struct {
    bool active;
    uint64_t args[4];
} continuation;                    /* one physical CPU: one pending at a time */
static bool in_multicall;

bool hypercall_may_preempt(void)
{
    return !in_multicall;
}

bool hypercall_preempt_check(void)
{
    return hypercall_may_preempt() &&
           hv_lock_held_cycles() >= HYPERCALL_PREEMPT_NS * tsc_khz() / 1000000;
}

void hypercall_continue(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    continuation.active = true;
    continuation.args[0] = a0;
    continuation.args[1] = a1;
    continuation.args[2] = a2;
    continuation.args[3] = a3;
}

/* A `syscall` from the guest: a hypercall from its kernel, or a system
 * call from its user space to bounce to the registered callback. */
void do_syscall(struct guest_regs *regs)
{
    struct vcpu *v = current;
    uint64_t args[5] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8 };

    stats_enter_syscall(v->kernel_mode, regs->rax);
    if (!v->kernel_mode) {
        if (!v->syscall_callback) {
            /* Xen injects #UD when no syscall callback is registered. */
            pv_inject_exception(v, regs, TRAP_invalid_op, false, 0);
            return;
        }
        pv_create_bounce_frame(v, regs, v->syscall_callback, false, 0,
                               v->syscall_mask_events, false);
        return;
    }
    if (regs->rax == __HYPERVISOR_iret) {
        regs->rax = (uint64_t)do_iret(regs);
        return;
    }
    continuation.active = false;
    {
        uint64_t nr = regs->rax;
        regs->rax = (uint64_t)hypercall_dispatch(nr, args);
        if (continuation.active) {
            /* Re-issue: same number, new arguments, back over `syscall`. */
            continuation.active = false;
            regs->rax = nr;
            regs->rdi = continuation.args[0];
            regs->rsi = continuation.args[1];
            regs->rdx = continuation.args[2];
            regs->r10 = continuation.args[3];
            regs->rip -= 2;
        }
    }
}

/* multicall: each entry through the same table; iret and nested
 * multicalls are refused per entry. */
long do_multicall(uint64_t call_list, uint64_t nr_calls)
{
    struct multicall_entry e;
    struct domain *d = current->domain;
    uint64_t i;

    for (i = 0; i < nr_calls; i++) {
        if (i && !(i % 64)) {
            /* Continue with the rest: results are already in guest memory. */
            hypercall_continue(call_list + i * sizeof(e), nr_calls - i, 0, 0);
            return 0;
        }
        if (copy_from_guest(&e, call_list + i * sizeof(e), sizeof(e)))
            return -XEN_EFAULT;
        if (e.op == __HYPERVISOR_iret || e.op == __HYPERVISOR_multicall)
            e.result = (uint64_t)-XEN_EINVAL;
        else {
            stats_multicall_entry(e.op);
            in_multicall = true;
            e.result = (uint64_t)hypercall_dispatch(e.op, e.args);
            in_multicall = false;
        }
        if (copy_to_guest(call_list + i * sizeof(e) + 8, &e.result, sizeof(e.result)))
            return -XEN_EFAULT;
        if (d->state != DOM_RUNNING)
            break;
    }
    return 0;
}
