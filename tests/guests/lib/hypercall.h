/*
 * Hypercalls.  Default build: a raw `syscall` from guest kernel mode
 * (rax = number, rdi, rsi, rdx, r10, r8 = arguments, result in rax; the
 * hypervisor may clobber rcx and r11), as Linux 6.1 does.  With
 * GUEST_HCPAGE: `call hypercall_page + 32 * nr`.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "xen.h"

#ifdef GUEST_HCPAGE
extern char hypercall_page[4096];
#define HC_INSN "call *%%rax"
#define HC_TARGET(nr) ((long)hypercall_page + 32 * (long)(nr))
#else
#define HC_INSN "syscall"
#define HC_TARGET(nr) ((long)(nr))
#endif

static inline long hypercall5(unsigned int nr, unsigned long a1,
			      unsigned long a2, unsigned long a3,
			      unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile(HC_INSN
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3),
			   "+r"(r10), "+r"(r8)
			 : "0"(HC_TARGET(nr))
			 : "rcx", "r11", "memory");
	return ret;
}

#define HC(nr, a1, a2, a3, a4, a5)                                      \
	hypercall5((nr), (unsigned long)(a1), (unsigned long)(a2),      \
		   (unsigned long)(a3), (unsigned long)(a4),            \
		   (unsigned long)(a5))

static inline long HYPERVISOR_console_io(int cmd, int count, void *buf)
{
	return HC(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return HC(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_set_trap_table(const struct trap_info *t)
{
	return HC(__HYPERVISOR_set_trap_table, t, 0, 0, 0, 0);
}

static inline long HYPERVISOR_update_va_mapping(unsigned long va,
						uint64_t pte,
						unsigned long flags)
{
	return HC(__HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0);
}

static inline long HYPERVISOR_mmuext_op(struct mmuext_op *op, int count,
					unsigned int *done, domid_t dom)
{
	return HC(__HYPERVISOR_mmuext_op, op, count, done, dom, 0);
}

static inline long HYPERVISOR_mmu_update(struct mmu_update *req, int count,
					 unsigned int *done, domid_t dom)
{
	return HC(__HYPERVISOR_mmu_update, req, count, done, dom, 0);
}

static inline long HYPERVISOR_set_segment_base(int reg, unsigned long v)
{
	return HC(__HYPERVISOR_set_segment_base, reg, v, 0, 0, 0);
}

static inline long HYPERVISOR_stack_switch(unsigned long ss,
					   unsigned long sp)
{
	return HC(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0);
}

static inline long HYPERVISOR_set_callbacks(unsigned long event,
					    unsigned long failsafe,
					    unsigned long syscall)
{
	return HC(__HYPERVISOR_set_callbacks, event, failsafe, syscall, 0, 0);
}

static inline long HYPERVISOR_callback_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_fpu_taskswitch(int set)
{
	return HC(__HYPERVISOR_fpu_taskswitch, set, 0, 0, 0, 0);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
	return HC(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0);
}

static inline long HYPERVISOR_multicall(struct multicall_entry *calls,
					unsigned int n)
{
	return HC(__HYPERVISOR_multicall, calls, n, 0, 0, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return HC(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_physdev_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_set_gdt(const unsigned long *frames,
				      unsigned int entries)
{
	return HC(__HYPERVISOR_set_gdt, frames, entries, 0, 0, 0);
}

static inline long HYPERVISOR_update_descriptor(uint64_t maddr, uint64_t d)
{
	return HC(__HYPERVISOR_update_descriptor, maddr, d, 0, 0, 0);
}

static inline long HYPERVISOR_set_debugreg(unsigned int reg, unsigned long value)
{
	return HC(__HYPERVISOR_set_debugreg, reg, value, 0, 0, 0);
}

static inline long HYPERVISOR_get_debugreg(unsigned int reg)
{
	return HC(__HYPERVISOR_get_debugreg, reg, 0, 0, 0, 0);
}

#endif
