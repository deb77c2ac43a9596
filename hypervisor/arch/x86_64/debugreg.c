/*
 * Guest debug registers (keel/debugreg.h): per-vCPU %dr0-3, %dr6, %dr7,
 * loaded into the hardware only while the vCPU runs and its %dr7 enables a
 * breakpoint (Xen's activate_debugregs / paravirt_ctxt_switch_{from,to});
 * HYPERVISOR_set_debugreg/get_debugreg; #DB delivery with the guest's %dr6.
 * Runs for the current vCPU under the hypervisor lock, or for a vCPU that
 * is not running (VCPUOP_initialise).
 */
#include <keel/debugreg.h>
#include <keel/domain.h>
#include <keel/hypercall.h>
#include <keel/smp.h>
#include <asm/processor.h>
#include <asm/traps.h>

static bool running_here(const struct vcpu *v)
{
    return v == current;
}

static void load_breakpoints(const struct vcpu *v)
{
    write_debugreg(0, v->dr[0]);
    write_debugreg(1, v->dr[1]);
    write_debugreg(2, v->dr[2]);
    write_debugreg(3, v->dr[3]);
    write_debugreg(6, v->dr6);
}

long pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value)
{
    int idx = dr_canonical_index(reg), rc;
    uint64_t val;

    rc = dr_check_write(reg, value, &val);
    if (rc)
        return rc;
    switch (idx) {
    case 6:
        v->dr6 = val;
        if (running_here(v))
            write_debugreg(6, val);
        break;
    case 7:
        /* Breakpoints were not loaded while %dr7 was inactive. */
        if (running_here(v) && (val & DR7_ACTIVE_MASK) && !(v->dr7 & DR7_ACTIVE_MASK))
            load_breakpoints(v);
        v->dr7 = val;
        if (running_here(v))
            write_debugreg(7, val);
        break;
    default:
        v->dr[idx] = val;
        if (running_here(v)) {
            switch (idx) {
            case 0: write_debugreg(0, val); break;
            case 1: write_debugreg(1, val); break;
            case 2: write_debugreg(2, val); break;
            default: write_debugreg(3, val); break;
            }
        }
        break;
    }
    return 0;
}

int pv_get_debugreg(const struct vcpu *v, unsigned int reg, uint64_t *val)
{
    int idx = dr_canonical_index(reg);

    if (idx < 0)
        return -XEN_ENODEV;
    *val = idx == 6 ? v->dr6 : idx == 7 ? v->dr7 : v->dr[idx];
    return 0;
}

void pv_debugreg_switch_from(const struct vcpu *prev)
{
    /* No breakpoint of prev may fire while another vCPU runs. */
    if (prev->dr7 & DR7_ACTIVE_MASK)
        write_debugreg(7, 0);
}

void pv_debugreg_switch_to(const struct vcpu *next)
{
    if (next->dr7 & DR7_ACTIVE_MASK) {
        load_breakpoints(next);
        write_debugreg(7, next->dr7);
    }
}

void pv_do_debug(struct vcpu *v, struct guest_regs *regs)
{
    uint64_t dr6 = read_debugreg(6);

    /* The hardware never clears %dr6 bits itself: reset it, and keep
     * the guest's view in the vCPU (sticky until the guest writes it). */
    write_debugreg(6, X86_DR6_DEFAULT);
    v->dr6 = dr6_merge(v->dr6, dr6);
    pv_inject_exception(v, regs, TRAP_debug, false, 0);
}

/*
 * HYPERVISOR_set_debugreg(reg, value): Xen's do_set_debugreg, whose reg is
 * an int (the upper half of the argument is dropped, as there).
 */
long do_set_debugreg(uint64_t reg, uint64_t value)
{
    return pv_set_debugreg(current, (uint32_t)reg, value);
}

/* HYPERVISOR_get_debugreg(reg): the value, or -ENODEV (Xen's do_get_debugreg). */
long do_get_debugreg(uint64_t reg)
{
    uint64_t val;

    if (pv_get_debugreg(current, (uint32_t)reg, &val))
        return -XEN_ENODEV;
    return (long)val;
}

unsigned long debug_traps_in_hypervisor;

/*
 * #DB in hypervisor context (entry.S trap_db_entry, on the #DB IST stack,
 * possibly with the guest's GS base and right after a guest's `mov ss`):
 * a guest data breakpoint on memory the hypervisor touched, or one held
 * back by a MOV SS / POP SS shadow onto a syscall or interrupt entry.  As
 * Xen 4.17's do_debug: the hardware %dr6 is reset, the guest's %dr6 is not
 * updated and no #DB reaches the guest; TF is cleared; an instruction
 * breakpoint (which cannot be a guest's: %dr0-3 stay in guest space) would
 * refire forever, so %dr7 is cleared.  Nothing here may take a lock, print
 * or use per-CPU data: the interrupted code may hold any lock.
 */
void do_debug_hypervisor(struct guest_regs *regs);
void do_debug_hypervisor(struct guest_regs *regs)
{
    uint64_t dr6 = read_debugreg(6);

    write_debugreg(6, X86_DR6_DEFAULT);
    regs->rflags &= ~X86_EFLAGS_TF;
    if (dr_insn_breakpoint_hit(dr6, read_debugreg(7)))
        write_debugreg(7, 0);
    __atomic_add_fetch(&debug_traps_in_hypervisor, 1, __ATOMIC_RELAXED);
}
