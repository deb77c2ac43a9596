/*
 * Entry point and Xen ELF notes of every test guest.
 *
 * The guest is linked at VIRT_BASE + 2 MiB with p_paddr = p_vaddr -
 * VIRT_BASE (PADDR_OFFSET 0), like Linux (which starts at 16 MiB): the
 * builder must map the pfns below the image too.  With -DGUEST_HCPAGE the
 * image also asks for a hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE).  Two
 * variants change the SUPPORTED_FEATURES note (below).
 */
#include <public/elfnote.h>
#include <public/features.h>

#define VIRT_BASE 0xffffffff80000000

#define ELFNOTE(type, desctype, descdata...)	\
	.pushsection .note.Xen, "a";		\
	.p2align 2;				\
	.long 2f - 1f;				\
	.long 4f - 3f;				\
	.long type;				\
1:	.asciz "Xen";				\
2:	.p2align 2;				\
3:	desctype descdata;			\
4:	.p2align 2;				\
	.popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "keel-test-guest")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "1.0")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad, VIRT_BASE)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad, 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad, _start)
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz, "!writable_page_tables")
/*
 * -DGUEST_NO_SUPPORTED_FEATURES: no SUPPORTED_FEATURES note at all (Xen 4.17
 * then takes the image as dom0 without asking for XENFEAT_dom0);
 * -DGUEST_SUPFEAT_NO_DOM0: the note without XENFEAT_dom0 (refused as dom0).
 */
#if defined(GUEST_SUPFEAT_NO_DOM0)
ELFNOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long, (1 << XENFEAT_writable_page_tables))
#elif !defined(GUEST_NO_SUPPORTED_FEATURES)
ELFNOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long,
	(1 << XENFEAT_writable_page_tables) | (1 << XENFEAT_dom0))
#endif
ELFNOTE(XEN_ELFNOTE_HV_START_LOW, .quad, 0xffff800000000000)
#ifdef GUEST_HCPAGE
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page)
#endif

	.section .text.entry, "ax"
	.globl _start
_start:
	/* Record the entry state before anything changes it. */
	mov %rsi, boot_rsi(%rip)
	mov %rsp, boot_rsp(%rip)
	mov %cs, boot_cs(%rip)
	mov %ss, boot_ss(%rip)
	mov %ds, boot_ds(%rip)
	mov %es, boot_es(%rip)
	mov %fs, boot_fs(%rip)
	mov %gs, boot_gs(%rip)
	pushfq
	popq boot_rflags(%rip)
	cld
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	mov %rsi, %rdi
	call guest_start
	ud2

	.data
	.p2align 3
	.globl boot_rsi, boot_rsp, boot_rflags
	.globl boot_cs, boot_ss, boot_ds, boot_es, boot_fs, boot_gs
boot_rsi:	.quad 0
boot_rsp:	.quad 0
boot_rflags:	.quad 0
boot_cs:	.word 0
boot_ss:	.word 0
boot_ds:	.word 0
boot_es:	.word 0
boot_fs:	.word 0
boot_gs:	.word 0

	.section .bss.stack, "aw", @nobits
	.p2align 12
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 32768
boot_stack_top:

#ifdef GUEST_HCPAGE
	.section .bss.hcpage, "aw", @nobits
	.p2align 12
	.globl hypercall_page
hypercall_page:
	.skip 4096
#endif
