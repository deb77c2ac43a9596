/*
 * Entry point and Xen ELF notes of every test guest.
 *
 * The guest is linked at VIRT_BASE + 2 MiB with p_paddr = p_vaddr -
 * VIRT_BASE (PADDR_OFFSET 0), like Linux (which starts at 16 MiB): the
 * builder must map the pfns below the image too.  With -DGUEST_HCPAGE the
 * image also asks for a hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE).
 */
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

ELFNOTE(6, .asciz, "keel-test-guest")		/* GUEST_OS */
ELFNOTE(7, .asciz, "1.0")			/* GUEST_VERSION */
ELFNOTE(5, .asciz, "xen-3.0")			/* XEN_VERSION */
ELFNOTE(8, .asciz, "generic")			/* LOADER */
ELFNOTE(3, .quad, VIRT_BASE)			/* VIRT_BASE */
ELFNOTE(4, .quad, 0)				/* PADDR_OFFSET */
ELFNOTE(1, .quad, _start)			/* ENTRY */
ELFNOTE(10, .asciz, "!writable_page_tables")	/* FEATURES */
ELFNOTE(17, .long, 0x801)			/* SUPPORTED_FEATURES: wpt, dom0 */
ELFNOTE(12, .quad, 0xffff800000000000)		/* HV_START_LOW */
#ifdef GUEST_HCPAGE
ELFNOTE(2, .quad, hypercall_page)		/* HYPERCALL_PAGE */
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
