/*
 * Probes for the boot-time hardening self-test (hardening.c): accesses
 * that SMAP or SMEP must stop, each with an exception-table fixup, so a
 * fault is a result, not a crash.
 */
#include <asm/config.h>

        .text
/* int hardening_probe_read(const void *p): 1 if the read worked, 0 if it faulted.
 * Runs with rflags.AC as the caller left it. */
        .globl hardening_probe_read
hardening_probe_read:
        movl    $1, %eax
probe_read_insn:
        movq    (%rdi), %rdx
        ret
probe_read_fixup:
        xorl    %eax, %eax
        ret

/* int hardening_probe_exec(void): calls the code at SMEP_PROBE_VA, which
 * returns 1 in eax; 0 if the fetch faulted (the fixup returns to the
 * caller of the faulting call, i.e. after `call` below). */
        .globl hardening_probe_exec
hardening_probe_exec:
        movabsq $SMEP_PROBE_VA, %rax
        call    *%rax
        ret
probe_exec_fixup:
        xorl    %eax, %eax
        ret

/* stac/clac for the SMAP probe (the caller checked that the CPU has SMAP). */
        .globl hardening_stac, hardening_clac
hardening_stac:
        stac
        ret
hardening_clac:
        clac
        ret

/* int hardening_rdmsr_safe(uint32_t msr, uint64_t *val): 0, or -1 if the
 * rdmsr faulted (an MSR that CPUID promised but a virtual CPU lacks). */
        .globl hardening_rdmsr_safe
hardening_rdmsr_safe:
        movl    %edi, %ecx
rdmsr_insn:
        rdmsr
        shlq    $32, %rdx
        orq     %rdx, %rax
        movq    %rax, (%rsi)
        xorl    %eax, %eax
        ret
rdmsr_fixup:
        movl    $-1, %eax
        ret

        .section __ex_table, "a"
        .align 8
        .quad probe_read_insn, probe_read_fixup
        .quad rdmsr_insn, rdmsr_fixup
        .quad SMEP_PROBE_VA, probe_exec_fixup
