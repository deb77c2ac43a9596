/*
 * Entry from a multiboot (v1, QEMU -kernel) or multiboot2 (GRUB) loader:
 * 32-bit protected mode, paging off, eax = loader magic, ebx = info.
 * Builds a boot page table (identity 1 GiB, and the same 1 GiB at
 * KEEL_VIRT_START), enters long mode and calls start_keel() high.
 */
#include <asm/config.h>
#define PHYS(x) ((x) - KEEL_VIRT_START)
#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00010003
#define MB2_MAGIC 0xe85250d6

        .section .multiboot, "a"
        .align 4
mb1_header:
        .long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)
        .long PHYS(mb1_header), PHYS(_start), PHYS(_edata), PHYS(_end)
        .long PHYS(keel_entry32)
        .align 8
mb2_header:
        .long MB2_MAGIC, 0, mb2_end - mb2_header
        .long -(MB2_MAGIC + 0 + (mb2_end - mb2_header))
        /* address tag */
        .short 2, 0
        .long 24
        .long PHYS(mb2_header), PHYS(_start), PHYS(_edata), PHYS(_end)
        /* entry address tag */
        .short 3, 0
        .long 12
        .long PHYS(keel_entry32)
        .long 0
        /* module alignment tag */
        .short 6, 0
        .long 8
        /* end tag */
        .short 0, 0
        .long 8
mb2_end:

        .section .text.entry, "ax"
        .code32
        .globl keel_entry32
keel_entry32:
        cli
        cld
        movl    %eax, PHYS(boot_mb_magic)
        movl    %ebx, PHYS(boot_mb_info)
        movl    $PHYS(boot_stack_top), %esp

        /* Long mode available?  If not, there is nothing we can do. */
        movl    $0x80000000, %eax
        cpuid
        cmpl    $0x80000001, %eax
        jb      no_long_mode
        movl    $0x80000001, %eax
        cpuid
        btl     $29, %edx
        jnc     no_long_mode
        xorl    %ebp, %ebp
        btl     $20, %edx               /* NX */
        jnc     1f
        movl    $1, %ebp
1:
        /* boot_l2: 512 x 2 MiB pages mapping physical 0 - 1 GiB. */
        movl    $PHYS(boot_l2), %edi
        xorl    %ecx, %ecx
2:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $0x83, %eax             /* present, writable, PSE */
        movl    %eax, (%edi,%ecx,8)
        movl    $0, 4(%edi,%ecx,8)
        incl    %ecx
        cmpl    $512, %ecx
        jne     2b
        movl    $(PHYS(boot_l2) + 3), PHYS(boot_l3_low)
        movl    $(PHYS(boot_l2) + 3), PHYS(boot_l3_high) + 8 * ((KEEL_VIRT_START >> 30) & 511)
        movl    $(PHYS(boot_l3_low) + 3), PHYS(boot_l4)
        movl    $(PHYS(boot_l3_high) + 3), PHYS(boot_l4) + 8 * ((KEEL_VIRT_START >> 39) & 511)

        movl    %cr4, %eax
        orl     $0x20, %eax             /* PAE */
        movl    %eax, %cr4
        movl    $PHYS(boot_l4), %eax
        movl    %eax, %cr3
        movl    $0xc0000080, %ecx       /* EFER */
        rdmsr
        orl     $0x101, %eax            /* LME, SCE */
        testl   %ebp, %ebp
        jz      3f
        orl     $0x800, %eax            /* NXE */
3:      wrmsr
        movl    %ebp, PHYS(boot_have_nx)
        movl    %cr0, %eax
        orl     $0x80010001, %eax       /* PG, WP, PE */
        andl    $~0x60000000, %eax      /* caches on */
        movl    %eax, %cr0
        lgdt    PHYS(boot_gdt_desc)
        ljmp    $0x08, $PHYS(entry64_low)

no_long_mode:
        movw    $0x3f8, %dx
        movl    $PHYS(no_lm_msg), %esi
4:      lodsb
        testb   %al, %al
        jz      5f
        outb    %al, %dx
        jmp     4b
5:      hlt
        jmp     5b

        .code64
entry64_low:
        movabsq $entry64_high, %rax
        jmp     *%rax
entry64_high:
        movl    $0x10, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        xorl    %eax, %eax
        movl    %eax, %fs
        movl    %eax, %gs
        leaq    boot_stack_top(%rip), %rsp
        movl    boot_mb_magic(%rip), %edi
        movl    boot_mb_info(%rip), %esi
        call    start_keel
6:      hlt
        jmp     6b

/*
 * Application processors start here in real mode, at the copy of this
 * trampoline the boot CPU put at AP_TRAMPOLINE_PHYS (smp.c), CS:IP =
 * 0x0700:0000.  The code is position-dependent on that address: TR()
 * gives a label's address in the copy.  It enters long mode on the boot
 * page tables (identity map plus the image) and jumps to ap_entry_high.
 */
#define AP_TRAMPOLINE_PHYS 0x7000
#define TR(x) (AP_TRAMPOLINE_PHYS + (x) - ap_tramp_start)
        .code16
        .globl ap_tramp_start, ap_tramp_end
        .align 16
ap_tramp_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        lgdtl   %ds:(tramp_gdt_desc - ap_tramp_start)
        movl    %cr0, %eax
        orl     $1, %eax
        movl    %eax, %cr0
        ljmpl   $0x08, $TR(tramp32)
        .code32
tramp32:
        movl    $0x10, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movl    %cr4, %eax
        orl     $0x20, %eax             /* PAE */
        movl    %eax, %cr4
        movl    $PHYS(boot_l4), %eax
        movl    %eax, %cr3
        movl    $0xc0000080, %ecx       /* EFER */
        rdmsr
        orl     $0x101, %eax            /* LME, SCE */
        cmpl    $0, PHYS(boot_have_nx)
        je      1f
        orl     $0x800, %eax            /* NXE */
1:      wrmsr
        movl    %cr0, %eax
        orl     $0x80010001, %eax       /* PG, WP, PE */
        andl    $~0x60000000, %eax
        movl    %eax, %cr0
        ljmp    $0x18, $TR(tramp64)
        .code64
tramp64:
        movabsq $ap_entry_high, %rax
        jmp     *%rax
        .align 8
tramp_gdt:
        .quad   0
        .quad   0x00cf9a000000ffff      /* 0x08: 32-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: data */
        .quad   0x00af9a000000ffff      /* 0x18: 64-bit code */
tramp_gdt_desc:
        .short  tramp_gdt_desc - tramp_gdt - 1
        .long   TR(tramp_gdt)
ap_tramp_end:

/* Long mode, high: take the stack the boot CPU prepared and enter C. */
ap_entry_high:
        movl    $0x10, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        xorl    %eax, %eax
        movl    %eax, %fs
        movl    %eax, %gs
        movq    idle_l4_maddr(%rip), %rax       /* the stack is in the direct map */
        movq    %rax, %cr3
        movq    ap_boot_ci(%rip), %rsp
        xorl    %ebp, %ebp
        call    ap_start
7:      hlt
        jmp     7b

        .section .rodata
no_lm_msg:
        .asciz  "Keel: this CPU has no long mode; stopping.\r\n"
        .align 16
boot_gdt:
        .quad   0
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: data */
boot_gdt_end:
        .align 4
        .short  0
boot_gdt_desc:
        .short  boot_gdt_end - boot_gdt - 1
        .long   PHYS(boot_gdt)

        .data
        .globl boot_mb_magic, boot_mb_info, boot_have_nx
boot_mb_magic:  .long 0
boot_mb_info:   .long 0
boot_have_nx:   .long 0

        .section .bss.page_aligned, "aw", @nobits
        .align 4096
        .globl boot_l4
boot_l4:        .skip 4096
boot_l3_low:    .skip 4096
boot_l3_high:   .skip 4096
boot_l2:        .skip 4096
        .globl boot_stack, boot_stack_top
boot_stack:     .skip STACK_SIZE
boot_stack_top:
