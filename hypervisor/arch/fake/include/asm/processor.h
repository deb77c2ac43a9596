/*
 * Fake asm/processor.h: the real constants; every privileged accessor is
 * replaced by one acting on struct fake_cpu (arch/fake/cpu.c), which tests
 * read to check e.g. that a TLB flush happened.  The real inline functions
 * are renamed real_* while the real header is read, so nothing here can
 * execute a privileged instruction on the host.
 */
#ifndef FAKE_ASM_PROCESSOR_H
#define FAKE_ASM_PROCESSOR_H
#include <keel/types.h>

#define read_cr0 real_read_cr0
#define write_cr0 real_write_cr0
#define read_cr2 real_read_cr2
#define read_cr3 real_read_cr3
#define write_cr3 real_write_cr3
#define read_cr4 real_read_cr4
#define write_cr4 real_write_cr4
#define rdmsr real_rdmsr
#define wrmsr real_wrmsr
#define rdtsc real_rdtsc
#define cpuid_count real_cpuid_count
#define outb real_outb
#define outw real_outw
#define outl real_outl
#define inb real_inb
#define invlpg real_invlpg
#define cpu_relax real_cpu_relax
#define local_irq_disable real_local_irq_disable
#define local_irq_enable real_local_irq_enable
#define halt real_halt
#define clts real_clts
#define stts real_stts
#include "../../../x86_64/include/asm/processor.h"
#undef read_cr0
#undef write_cr0
#undef read_cr2
#undef read_cr3
#undef write_cr3
#undef read_cr4
#undef write_cr4
#undef rdmsr
#undef wrmsr
#undef rdtsc
#undef cpuid_count
#undef outb
#undef outw
#undef outl
#undef inb
#undef invlpg
#undef cpu_relax
#undef local_irq_disable
#undef local_irq_enable
#undef halt
#undef clts
#undef stts

/* The fake CPU: registers the code under test reads and writes. */
struct fake_cpu {
    uint64_t cr0, cr2, cr3, cr4, tsc;
    uint64_t msr_fs_base, msr_gs_base, msr_shadow_gs_base, msr_other;
    unsigned int tlb_flushes;       /* write_cr3() (flush_tlb_local() is one) */
    unsigned int invlpgs;
    uint64_t last_invlpg;
    bool irq_enabled;
};
extern struct fake_cpu fake_cpu;
void fake_cpu_reset(void);

static inline uint64_t read_cr0(void) { return fake_cpu.cr0; }
static inline void write_cr0(uint64_t v) { fake_cpu.cr0 = v; }
static inline uint64_t read_cr2(void) { return fake_cpu.cr2; }
static inline uint64_t read_cr3(void) { return fake_cpu.cr3; }
static inline void write_cr3(uint64_t v) { fake_cpu.cr3 = v; fake_cpu.tlb_flushes++; }
static inline uint64_t read_cr4(void) { return fake_cpu.cr4; }
static inline void write_cr4(uint64_t v) { fake_cpu.cr4 = v; }
static inline uint64_t *fake_msr(uint32_t msr)
{
    switch (msr) {
    case MSR_FS_BASE: return &fake_cpu.msr_fs_base;
    case MSR_GS_BASE: return &fake_cpu.msr_gs_base;
    case MSR_SHADOW_GS_BASE: return &fake_cpu.msr_shadow_gs_base;
    default: return &fake_cpu.msr_other;
    }
}
static inline uint64_t rdmsr(uint32_t msr) { return *fake_msr(msr); }
static inline void wrmsr(uint32_t msr, uint64_t v) { *fake_msr(msr) = v; }
static inline uint64_t rdtsc(void) { return fake_cpu.tsc; }
static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d)
{
    (void)leaf; (void)sub;
    *a = *b = *c = *d = 0;
}
static inline void outb(uint16_t port, uint8_t v) { (void)port; (void)v; }
static inline void outw(uint16_t port, uint16_t v) { (void)port; (void)v; }
static inline void outl(uint16_t port, uint32_t v) { (void)port; (void)v; }
static inline uint8_t inb(uint16_t port) { (void)port; return 0xff; }
static inline void invlpg(uint64_t va) { fake_cpu.invlpgs++; fake_cpu.last_invlpg = va; }
static inline void cpu_relax(void) { }
static inline void local_irq_disable(void) { fake_cpu.irq_enabled = false; }
static inline void local_irq_enable(void) { fake_cpu.irq_enabled = true; }
static inline void halt(void) { }
static inline void clts(void) { fake_cpu.cr0 &= ~X86_CR0_TS; }
static inline void stts(void) { fake_cpu.cr0 |= X86_CR0_TS; }
#endif
