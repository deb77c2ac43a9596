/*
 * Trap entry stubs.  Xen bounces to a stub with RSP pointing at the frame
 * [rcx][r11][errcode?][rip][cs][rflags][rsp][ss]; the stub pushes its
 * vector and all GPRs (struct trap_regs), calls trap_dispatch(), restores
 * the GPRs and leaves through the iret hypercall with the (possibly
 * modified) frame.  trap_dispatch() sets bit 0 of the vector slot when
 * the frame carries an error code.
 */
#include <public/xen.h>
#define HYPERVISOR_iret __HYPERVISOR_iret

	.text
	.p2align 4
	.globl trap_stubs
trap_stubs:
	vec = 0
	.rept 256
	.p2align 4
	push $vec
	jmp trap_common
	vec = vec + 1
	.endr

	.p2align 4
	.globl syscall_entry, event_entry, failsafe_entry
syscall_entry:
	push $0x100
	jmp trap_common
event_entry:
	push $0x101
	jmp trap_common
failsafe_entry:
	push $0x102
	jmp trap_common

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call trap_dispatch
	mov %rbx, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	testq $1, (%rsp)
	lea 8(%rsp), %rsp
	pop %rcx
	pop %r11
	jz iret_from_stack
	lea 8(%rsp), %rsp	/* drop the error code */
	/* fall through */

/* RSP at [rip][cs][rflags][rsp][ss]; rax, rcx, r11 hold the values to
 * restore. */
	.globl iret_from_stack
iret_from_stack:
	pushq $0		/* flags: not VGCF_in_syscall */
#ifdef GUEST_HCPAGE
	jmp hypercall_page + HYPERVISOR_iret * 32
#else
	push %rcx
	push %r11
	push %rax
	mov $HYPERVISOR_iret, %eax
	syscall
	ud2
#endif

/* void do_iret(const struct iret_frame *f): rax r11 rcx flags rip cs
 * rflags rsp ss. */
	.globl do_iret
do_iret:
	and $-16, %rsp
	pushq 64(%rdi)		/* ss */
	pushq 56(%rdi)		/* rsp */
	pushq 48(%rdi)		/* rflags */
	pushq 40(%rdi)		/* cs */
	pushq 32(%rdi)		/* rip */
	pushq 24(%rdi)		/* flags */
	mov 16(%rdi), %rcx
	mov 8(%rdi), %r11
	mov 0(%rdi), %rax
#ifdef GUEST_HCPAGE
	jmp hypercall_page + HYPERVISOR_iret * 32
#else
	push %rcx
	push %r11
	push %rax
	mov $HYPERVISOR_iret, %eax
	syscall
	ud2
#endif
