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
    HC2(__HYPERVISOR_set_debugreg, do_set_debugreg),
    HC1(__HYPERVISOR_get_debugreg, do_get_debugreg),
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
    HC1(__HYPERVISOR_platform_op, do_platform_op),
    HC1(__HYPERVISOR_set_timer_op, do_set_timer_op),
    HC2(__HYPERVISOR_event_channel_op, do_event_channel_op),
    HC3(__HYPERVISOR_grant_table_op, do_grant_table_op),
    HC1(__HYPERVISOR_sysctl, do_sysctl),
    HC1(__HYPERVISOR_domctl, do_domctl),
};

/*
 * The interference counters (keel/vstats.h): a hypercall by family, each
 * re-issue of a continued one included; page-table entries asked for,
 * counted on the first issue of a batch only (a continuation carries
 * HYPERCALL_PREEMPTED) and not when the count is invalid.
 */
static void count_hypercall(struct vcpu *v, unsigned long nr, const uint64_t a[5])
{
    if (!v)
        return;
    v->vs.hypercalls[vstat_family(nr)]++;
    if (nr == __HYPERVISOR_mmu_update && !(a[1] & HYPERCALL_PREEMPTED) && a[1] <= (1UL << 31))
        v->vs.pt_updates += a[1];
    else if (nr == __HYPERVISOR_update_va_mapping ||
             nr == __HYPERVISOR_update_va_mapping_otherdomain)
        v->vs.pt_updates++;
}

long hypercall_dispatch(unsigned long nr, const uint64_t a[5])
{
    const struct hypercall_entry *h;

    count_hypercall(current, nr, a);
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

/* A `syscall` from the guest: a hypercall from its kernel, or a system
 * call from its user space to bounce to the registered callback. */
void do_syscall(struct guest_regs *regs)
{
    struct vcpu *v = current;
    uint64_t args[5] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8 };
    struct hcall_state *hc;

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
    hc = &this_pcpu()->hcall;
    hc->cont_active = false;
    hc->mc_in_call = false;      /* never left set by a call that did not return */
    {
        uint64_t nr = regs->rax;
        regs->rax = (uint64_t)hypercall_dispatch(nr, args);
        domain_reap_pending();   /* a safe point: no domain pointer held */
        ASSERT(hc == &this_pcpu()->hcall);      /* no CPU change inside a hypercall */
        if (hc->cont_active) {
            /* Re-issue: same number, new arguments, back over `syscall`. */
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
    }
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
    nargs = e->op < NR_HYPERCALLS ? hypercall_table[e->op].nargs : 0;
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
