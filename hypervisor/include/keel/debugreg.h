/*
 * Guest debug registers (%dr0-%dr7) of 64-bit PV vCPUs, with Xen 4.17's
 * rules (xen/arch/x86/pv/misc-hypercalls.c set_debugreg, x86_emulate.c
 * x86emul_read_dr, traps.c do_debug).  The rules are pure functions
 * (arch/x86_64/dr_rules.c, unit-tested); arch/x86_64/debugreg.c applies
 * them to vCPUs and the hardware.
 */
#ifndef KEEL_DEBUGREG_H
#define KEEL_DEBUGREG_H
#include <keel/types.h>

#define X86_DR6_DEFAULT        0xffff0ff0UL   /* reset value; reserved bits read as one */
#define X86_DR7_DEFAULT        0x00000400UL   /* reset value; bit 10 reads as one */
#define DR6_RESERVED_ZERO      (~0xffffefffUL) /* bit 12 and 32-63 */
#define DR7_RESERVED_ZERO      (~0xffff27ffUL) /* bits 11, 12, 14, 15, 32-63 */
#define DR7_GENERAL_DETECT     0x00002000UL
#define DR7_ACTIVE_MASK        0xffUL         /* L0-L3, G0-G3 */
#define DR6_TRAP_MASK          0xfUL          /* B0-B3 */
#define DR6_BS                 0x4000UL       /* single step */
#define DR7_RW_IO              2u             /* R/W field 10: I/O breakpoint (needs CR4.DE) */

struct vcpu;

/*
 * Checks a write of value to debug register reg by the guest, as Xen's
 * set_debugreg with CR4.DE clear (Keel never lets a PV guest set it, so
 * %dr4/%dr5 alias %dr6/%dr7 and I/O breakpoints are refused).  On success
 * *out is the value the register takes (reserved bits forced) and 0 is
 * returned; otherwise -XEN_ENODEV (no such register: #UD), -XEN_EINVAL
 * (reserved upper bits: #GP) or -XEN_EPERM (%dr0-3 outside guest space,
 * DR7.GD, an I/O breakpoint: #GP).  Pure.
 */
int dr_check_write(unsigned int reg, uint64_t value, uint64_t *out);

/*
 * The guest's %dr6 after a #DB that left hw_dr6 in the hardware register:
 * the bits the exception changed from the default are merged in, the
 * others keep the guest's (sticky) values (Xen's do_debug).  Pure.
 */
uint64_t dr6_merge(uint64_t guest_dr6, uint64_t hw_dr6);

/* Did an enabled instruction breakpoint cause this #DB?  Pure. */
bool dr_insn_breakpoint_hit(uint64_t dr6, uint64_t dr7);

/* Index of %dr reg in the vCPU's state: 0-3, or 6/7 for 4-7; -1 if none. */
int dr_canonical_index(unsigned int reg);

/*
 * Sets the vCPU's debug register reg as the guest asked (dr_check_write),
 * and the hardware if v is running here.  Returns 0 or the error above.
 */
long pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value);
/* Reads the vCPU's register reg into *val: 0, or -XEN_ENODEV. */
int pv_get_debugreg(const struct vcpu *v, unsigned int reg, uint64_t *val);
/* Context switch: quiesce prev's breakpoints; load next's if it uses any. */
void pv_debugreg_switch_from(const struct vcpu *prev);
void pv_debugreg_switch_to(const struct vcpu *next);
/* #DBs taken in hypervisor context and dismissed (printed by `stats`). */
extern unsigned long debug_traps_in_hypervisor;
/* #DB taken in guest context: update the vCPU's %dr6 and deliver #DB. */
struct guest_regs;
void pv_do_debug(struct vcpu *v, struct guest_regs *regs);

#endif
