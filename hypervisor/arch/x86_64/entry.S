/*
 * Entry to and exit from the hypervisor.
 *
 * Guest (CPL3) -> hypervisor: exceptions and interrupts arrive on the
 * per-CPU stack from TSS.rsp0; `syscall` arrives on the guest stack and
 * switches to the same place by hand (swapgs gives the cpu_info pointer).
 * Either way the frame is a struct guest_regs at the top of the stack.
 * Every entry takes the hypervisor lock, except that a guest system
 * call's two halves (the bounce of a user `syscall`, HYPERVISOR_iret)
 * and the exceptions that are only a bounce (#DE, int3, #OF, #BR) run
 * without it when nothing else is due (do_syscall_entry, do_trap_entry;
 * interrupts stay off until sysretq/iretq).
 * While a guest runs, MSR_GS_BASE holds the guest's GS base and
 * MSR_SHADOW_GS_BASE the cpu_info pointer; in the hypervisor it is the
 * other way round.  C code finds cpu_info from %rsp, never from %gs.
 *
 * Hardening on every entry (docs/security.md, class 6):
 *  - `cld`: an exception or interrupt from ring 3 keeps the guest's
 *    rflags.DF, and C code and copy_guest_raw's `rep movsb` assume DF = 0
 *    (`syscall` clears DF through MSR_SYSCALL_MASK).
 *  - CLAC: rflags.AC, which a guest sets freely at CPL3, would switch
 *    SMAP off for the hypervisor; entries clear it (syscall: the mask).
 *  - `lfence` after each swapgs decision (CVE-2019-1125): a mispredicted
 *    `testb $3` must not run %gs-relative loads with the wrong GS base.
 */
#include <asm/config.h>
#include <asm/regs.h>

.macro SAVE_GPRS
        pushq   %rdi
        pushq   %rsi
        pushq   %rdx
        pushq   %rcx
        pushq   %rax
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
.endm

.macro RESTORE_GPRS
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rax
        popq    %rcx
        popq    %rdx
        popq    %rsi
        popq    %rdi
.endm

/*
 * clac where the CPU has SMAP (cpu_smap is set by cpu.c before any guest
 * runs; clac is #UD without SMAP).  Clobbers the flags.
 */
.macro SMAP_CLAC
        testb   $1, cpu_smap(%rip)
        jz      .Lno_clac\@
        clac
.Lno_clac\@:
.endm
.macro SMAP_STAC
        testb   $1, cpu_smap(%rip)
        jz      .Lno_stac\@
        stac
.Lno_stac\@:
.endm

        .text
/* syscall from the guest (kernel: hypercall; user: bounced to the guest). */
        .globl syscall_entry
        .align 16
syscall_entry:
        swapgs
        movq    %rsp, %gs:CPUINFO_SCRATCH
        movq    %gs:CPUINFO_RSP0, %rsp
        pushq   $FLAT_RING3_DS          /* ss */
        pushq   %gs:CPUINFO_SCRATCH     /* rsp */
        pushq   %r11                    /* rflags */
        pushq   $FLAT_RING3_CS64        /* cs */
        pushq   %rcx                    /* rip */
        pushq   $0                      /* error code */
        pushq   $VEC_SYSCALL
        SAVE_GPRS
        movq    %rsp, %rdi
        call    do_syscall_entry        /* takes the lock itself if needed */
        testl   %eax, %eax
        js      return_to_guest         /* -1: the lock is held */
        jmp     leave_to_guest          /* done without it: eax = sysret ok */

/* Exceptions and interrupts.  Vector stubs push (dummy) error and vector. */
.macro TRAP_NOERR vec
        .align 16
trap_\vec:
        pushq   $0
        pushq   $\vec
        jmp     common_trap
.endm
.macro TRAP_ERR vec
        .align 16
trap_\vec:
        pushq   $\vec
        jmp     common_trap
.endm

        .align 16
common_trap:
        cld
        testb   $3, 24(%rsp)            /* cs of the interrupted context */
        jz      1f
        swapgs
        lfence                          /* swapgs decision: see the top */
        SAVE_GPRS
        SMAP_CLAC
        movq    %rsp, %rdi
        call    do_trap_entry           /* takes the lock itself if needed */
        testl   %eax, %eax
        js      return_to_guest         /* -1: the lock is held */
        cli                             /* done without it: leave (eax 0: iretq) */
        jmp     leave_to_guest
1:      /* From the hypervisor itself.  A fault on the iretq to the guest
         * happens after the swapgs: undo it first.  The registers are
         * saved first: the interrupted code may need every one of them
         * (an exception-table fixup resumes it). */
        lfence
        SAVE_GPRS
        SMAP_CLAC                       /* iretq restores the interrupted AC */
        leaq    iret_to_guest(%rip), %rax
        cmpq    %rax, REGS_RIP(%rsp)
        jne     2f
        swapgs
2:      lfence
        movq    %rsp, %rdi
        call    do_trap_hypervisor
        RESTORE_GPRS
        addq    $16, %rsp
        iretq

/* Leave for the guest whose frame is at the top of this CPU's stack. */
        .globl return_to_guest
return_to_guest:
        cli
        movq    %rsp, %rdi
        call    prepare_return_to_guest
leave_to_guest:                         /* interrupts off; eax: sysretq allowed */
        testl   %eax, %eax
        jnz     sysret_to_guest
        RESTORE_GPRS
        addq    $16, %rsp
        swapgs
        .globl iret_to_guest
iret_to_guest:
        iretq
/* The frame passed guest_regs_sysret_ok (asm/regs.h): rcx = rip, r11 = rflags, flat
 * selectors, canonical rip; sysretq gives the state iretq would.  With
 * interrupts off nothing runs between the stack switch and sysretq but an
 * NMI or machine check, which use their own (IST) stacks and do not return. */
sysret_to_guest:
        RESTORE_GPRS
        movq    (REGS_RSP - REGS_VECTOR)(%rsp), %rsp  /* the guest rsp */
        swapgs
        sysretq

/* reset_stack_and_return(frame): drop everything and leave for the guest. */
        .globl reset_stack_and_return
reset_stack_and_return:
        movq    %rdi, %rsp
        jmp     return_to_guest

/*
 * #DB has its own IST stack (Xen's fix for XSA-260).  After `mov ss` or
 * `pop ss` the CPU holds a #DB back for one instruction, so a guest with a
 * data breakpoint on the loaded selector can make it fire on the first
 * instruction of syscall_entry (guest %rsp, guest GS base) or of an
 * interrupt stub; a breakpoint on guest memory the hypervisor copies fires
 * inside copy_guest_raw.  From the guest (CPL3) the frame is moved to the
 * per-CPU stack and handled as any exception (do_trap); from the
 * hypervisor it is dismissed by do_debug_hypervisor, which touches neither
 * %gs nor per-CPU state (XSA-265: never fatal, never on a guest stack).
 */
        .globl trap_db_entry
trap_db_entry:
        pushq   $0
        pushq   $1
        cld
        testb   $3, 24(%rsp)            /* cs of the interrupted context */
        jz      1f
        swapgs
        lfence                          /* swapgs decision: see the top */
        pushq   %rax
        pushq   %rcx
        movq    %gs:CPUINFO_RSP0, %rax
        subq    $56, %rax               /* vector, error, rip, cs, rflags, rsp, ss */
        movq    16(%rsp), %rcx
        movq    %rcx, 0(%rax)
        movq    24(%rsp), %rcx
        movq    %rcx, 8(%rax)
        movq    32(%rsp), %rcx
        movq    %rcx, 16(%rax)
        movq    40(%rsp), %rcx
        movq    %rcx, 24(%rax)
        movq    48(%rsp), %rcx
        movq    %rcx, 32(%rax)
        movq    56(%rsp), %rcx
        movq    %rcx, 40(%rax)
        movq    64(%rsp), %rcx
        movq    %rcx, 48(%rax)
        popq    %rcx
        xchgq   %rax, (%rsp)            /* rax back; the new frame on top */
        popq    %rsp                    /* now on the per-CPU stack */
        SAVE_GPRS
        SMAP_CLAC
        call    hv_lock
        movq    %rsp, %rdi
        call    do_trap
        jmp     return_to_guest
1:      lfence
        SAVE_GPRS
        SMAP_CLAC                       /* iretq restores the interrupted AC */
        movq    %rsp, %rdi
        call    do_debug_hypervisor
        RESTORE_GPRS
        addq    $16, %rsp
        iretq

/* IST handlers (double fault, NMI, machine check): never return. */
        .globl trap_nmi_entry, trap_df_entry, trap_mc_entry
trap_nmi_entry:
        pushq   $0
        pushq   $2
        jmp     ist_common
trap_df_entry:
        pushq   $8
        jmp     ist_common
trap_mc_entry:
        pushq   $0
        pushq   $18
ist_common:
        cld
        SAVE_GPRS
        SMAP_CLAC
        movq    %rsp, %rdi
        call    do_fatal_trap
4:      hlt
        jmp     4b

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_NOERR 9
TRAP_ERR 10
TRAP_ERR 11
TRAP_ERR 12
TRAP_ERR 13
TRAP_ERR 14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR 17
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR 21
.irp v,22,23,24,25,26,27,28,31
TRAP_NOERR \v
.endr
TRAP_ERR 29
TRAP_ERR 30
/* External interrupts and spurious vectors 32-255. */
.altmacro
.macro IRQ_STUB n
        .align 16
irq_\n:
        pushq   $0
        pushq   $\n
        jmp     common_trap
.endm
.set i, 32
.rept 224
        IRQ_STUB %i
        .set i, i + 1
.endr

        .section .rodata
        .align 8
        .globl trap_stub_table
trap_stub_table:
        .quad trap_0, trap_1, 0, trap_3, trap_4, trap_5, trap_6, trap_7
        .quad 0, trap_9, trap_10, trap_11, trap_12, trap_13, trap_14, trap_15
        .quad trap_16, trap_17, 0, trap_19, trap_20, trap_21, trap_22, trap_23
        .quad trap_24, trap_25, trap_26, trap_27, trap_28, trap_29, trap_30, trap_31
.macro IRQ_PTR n
        .quad irq_\n
.endm
.set i, 32
.rept 224
        IRQ_PTR %i
        .set i, i + 1
.endr

/*
 * Guest memory access with fault recovery.
 * long copy_guest_raw(void *dst, const void *src, size_t n): copies and
 * returns 0, or returns the number of bytes left when a fault stopped it.
 * Eight bytes at a time, then the tail byte by byte, as Xen's
 * usercopy.c: a `rep movsb` of a 56-byte multicall entry was 56
 * iterations (issue 16, the hot path).  A fault in the quadword part
 * leaves up to 7 bytes before the faulting address uncopied; callers only
 * test for zero.
 */
        .text
        .globl copy_guest_raw
copy_guest_raw:
        movq    %rdx, %rcx
        shrq    $3, %rcx
        andl    $7, %edx
        SMAP_STAC                       /* the only place guest memory is touched */
copy_insn_q:
        rep movsq
        movq    %rdx, %rcx
copy_insn:
        rep movsb
        SMAP_CLAC
        movq    %rcx, %rax
        ret
copy_fixup_q:                           /* rcx quadwords and the rdx-byte tail left */
        SMAP_CLAC
        leaq    (%rdx,%rcx,8), %rax
        ret
copy_fixup:
        SMAP_CLAC
        movq    %rcx, %rax
        ret

        .section __ex_table, "a"
        .align 8
        .quad copy_insn_q, copy_fixup_q
        .quad copy_insn, copy_fixup
