#ifndef ASM_CPU_H
#define ASM_CPU_H
#include <keel/types.h>
#include <asm/regs.h>

#define GUEST_GDT_PAGES 14
extern struct cpu_info *cpu_infos[];
uint64_t gdt_window(unsigned int cpu);
void gdt_window_load_guest(unsigned int cpu, const mfn_t *frames, unsigned int nr);
__noreturn void cpu0_init_and_switch(void (*fn)(void));
struct cpu_info *cpu_alloc_stack(unsigned int cpu);
void cpu_init_tables(struct cpu_info *ci);
void arch_fpu_ap_init(void);
uint64_t pte_nx(void);
/* hardening.c: SMEP/SMAP on this CPU; the boot-time self-test. */
void cpu_harden(unsigned int cpu);
void hardening_selftest(void);
__noreturn void reset_stack_and_return(struct guest_regs *frame);
#endif
