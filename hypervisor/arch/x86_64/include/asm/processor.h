/* Inline accessors for x86-64 control registers, MSRs, ports and TLBs. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H
#include <keel/types.h>

#define X86_CR0_PE  (1UL << 0)
#define X86_CR0_MP  (1UL << 1)
#define X86_CR0_EM  (1UL << 2)
#define X86_CR0_TS  (1UL << 3)
#define X86_CR0_NE  (1UL << 5)
#define X86_CR0_WP  (1UL << 16)
#define X86_CR0_PG  (1UL << 31)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_PGE (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)

#define X86_EFLAGS_CF  0x00000001
#define X86_EFLAGS_MBS 0x00000002
#define X86_EFLAGS_TF  0x00000100
#define X86_EFLAGS_IF  0x00000200
#define X86_EFLAGS_DF  0x00000400
#define X86_EFLAGS_IOPL 0x00003000
#define X86_EFLAGS_NT  0x00004000
#define X86_EFLAGS_RF  0x00010000
#define X86_EFLAGS_VM  0x00020000
#define X86_EFLAGS_AC  0x00040000

#define MSR_EFER            0xc0000080
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_CSTAR           0xc0000083
#define MSR_SYSCALL_MASK    0xc0000084
#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_SHADOW_GS_BASE  0xc0000102
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_CR_PAT     0x277
#define MSR_IA32_APICBASE   0x1b
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_NXE (1UL << 11)

static inline uint64_t read_cr0(void) { uint64_t v; asm volatile("mov %%cr0,%0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { asm volatile("mov %0,%%cr0" :: "r"(v) : "memory"); }
static inline uint64_t read_cr2(void) { uint64_t v; asm volatile("mov %%cr2,%0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; asm volatile("mov %%cr3,%0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { asm volatile("mov %0,%%cr3" :: "r"(v) : "memory"); }
static inline uint64_t read_cr4(void) { uint64_t v; asm volatile("mov %%cr4,%0" : "=r"(v)); return v; }
static inline void write_cr4(uint64_t v) { asm volatile("mov %0,%%cr4" :: "r"(v) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0,%1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0,%1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0,%1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1,%0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; asm volatile("inw %1,%0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1,%0" : "=a"(v) : "Nd"(port)); return v; }
static inline void invlpg(uint64_t va) { asm volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
static inline void local_irq_disable(void) { asm volatile("cli" ::: "memory"); }
static inline void local_irq_enable(void) { asm volatile("sti" ::: "memory"); }
static inline void halt(void) { asm volatile("hlt" ::: "memory"); }
static inline void clts(void) { asm volatile("clts"); }
#define read_debugreg(n) ({ uint64_t __v; asm volatile("mov %%db" #n ",%0" : "=r"(__v)); __v; })
#define write_debugreg(n, val) do { uint64_t __v = (val); \
    asm volatile("mov %0,%%db" #n : : "r"(__v)); } while (0)
static inline void stts(void) { write_cr0(read_cr0() | X86_CR0_TS); }

#endif
