/*
 * Per-CPU state: the stack with struct cpu_info at its top, the GDT window
 * (guest GDT frames in pages 0-13, the hypervisor's reserved page 14 with
 * Xen's selectors from 0xe000), the TSS, the IDT and the syscall MSRs.
 * Locking: each CPU initialises and changes only its own state.
 */
#include <keel/mm.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <asm/config.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/cpu.h>

struct tss64 {
    uint32_t rsvd0;
    uint64_t rsp[3];
    uint64_t rsvd1;
    uint64_t ist[7];
    uint64_t rsvd2;
    uint16_t rsvd3;
    uint16_t iomap_base;
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, rsvd;
} __packed;

extern const uint64_t trap_stub_table[256];
extern char syscall_entry[], trap_nmi_entry[], trap_df_entry[], trap_mc_entry[];
extern char trap_db_entry[];

static struct idt_entry idt[256] __aligned(16);
static char ist_stacks[NR_CPUS_MAX][4][4096] __aligned(16);
static struct tss64 tss[NR_CPUS_MAX] __aligned(64);
static mfn_t zero_gdt_mfn;
struct cpu_info *cpu_infos[NR_CPUS_MAX];

static void set_gate(unsigned int vec, uint64_t addr, unsigned int dpl, unsigned int ist)
{
    idt[vec] = (struct idt_entry){
        .off0 = (uint16_t)addr, .sel = __HYPERVISOR_CS, .ist = (uint8_t)ist,
        .type = (uint8_t)(0x8e | (dpl << 5)), .off1 = (uint16_t)(addr >> 16),
        .off2 = (uint32_t)(addr >> 32),
    };
}

static void idt_init(void)
{
    unsigned int v;

    for (v = 0; v < 256; v++)
        if (trap_stub_table[v])
            set_gate(v, trap_stub_table[v], 0, 0);
    /* int3 and into may be used by guests directly, as in Xen. */
    set_gate(3, trap_stub_table[3], 3, 0);
    set_gate(4, trap_stub_table[4], 3, 0);
    set_gate(2, (uint64_t)trap_nmi_entry, 0, 1);
    set_gate(8, (uint64_t)trap_df_entry, 0, 2);
    set_gate(18, (uint64_t)trap_mc_entry, 0, 3);
    /* #DB on its own stack: it can fire where %rsp is the guest's (XSA-260). */
    set_gate(1, (uint64_t)trap_db_entry, 0, 4);
}

uint64_t gdt_window(unsigned int cpu)
{
    return GDT_WINDOW_BASE + (uint64_t)cpu * GDT_WINDOW_SIZE;
}

/* Point the guest part of this CPU's GDT window at frames (or the zero page). */
void gdt_window_load_guest(unsigned int cpu, const mfn_t *frames, unsigned int nr)
{
    unsigned int i;

    for (i = 0; i < GUEST_GDT_PAGES; i++) {
        mfn_t m = i < nr ? frames[i] : zero_gdt_mfn;
        map_pages_hv(gdt_window(cpu) + i * PAGE_SIZE, m, 1,
                     _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | pte_nx());
    }
}

static void gdt_init(unsigned int cpu, struct cpu_info *ci, struct tss64 *t)
{
    mfn_t page = alloc_frame();
    uint64_t *g, base = (uint64_t)t;
    struct { uint16_t limit; uint64_t base; } __packed gdtr;

    if (mfn_eq(page, INVALID_MFN))
        panic("no memory for the GDT");
    g = mfn_to_virt(page);
    g[1] = 0x00af9b000000ffffUL;        /* 0xe008 hypervisor CS64 */
    g[2] = 0x00cf93000000ffffUL;        /* 0xe010 hypervisor DS/SS */
    g[3] = 0x00cf9b000000ffffUL;        /* 0xe018 hypervisor CS32 */
    g[4] = 0x00cffb000000ffffUL;        /* 0xe023 FLAT_RING3_CS32 */
    g[5] = 0x00cff3000000ffffUL;        /* 0xe02b FLAT_RING3_DS / SS */
    g[6] = 0x00affb000000ffffUL;        /* 0xe033 FLAT_RING3_CS64 */
    g[8] = (sizeof(*t) - 1) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
           (((base >> 24) & 0xff) << 56);
    g[9] = base >> 32;
    ci->gdt_page = g;
    if (mfn_eq(zero_gdt_mfn, _mfn(0)))
        zero_gdt_mfn = alloc_frame();
    gdt_window_load_guest(cpu, NULL, 0);
    map_pages_hv(gdt_window(cpu) + GUEST_GDT_PAGES * PAGE_SIZE, page, 1,
                 _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | pte_nx());
    gdtr.limit = (GUEST_GDT_PAGES + 1) * PAGE_SIZE - 1;
    gdtr.base = gdt_window(cpu);
    asm volatile("lgdt %0" :: "m"(gdtr));
    asm volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
                 :: "i"(__HYPERVISOR_CS) : "rax", "memory");
    asm volatile("movl %0, %%ss; movl %1, %%ds; movl %1, %%es; movl %1, %%fs; movl %1, %%gs"
                 :: "r"(__HYPERVISOR_DS), "r"(0));
    asm volatile("ltr %w0" :: "r"(TSS_SELECTOR));
}

static void syscall_init(void)
{
    wrmsr(MSR_STAR, ((uint64_t)FLAT_RING3_CS32 << 48) | ((uint64_t)__HYPERVISOR_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_CSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF |
                            X86_EFLAGS_NT | X86_EFLAGS_AC);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/* A stack for CPU `cpu`, with its cpu_info at the top (NULL: no memory). */
struct cpu_info *cpu_alloc_stack(unsigned int cpu)
{
    mfn_t sm = alloc_frames_contig(2 * (STACK_SIZE / PAGE_SIZE));
    char *stack;
    struct cpu_info *ci;

    if (mfn_eq(sm, INVALID_MFN))
        return NULL;
    /* The stack must be STACK_SIZE-aligned: get_cpu_info() relies on it. */
    stack = (char *)ROUNDUP((uint64_t)mfn_to_virt(sm), STACK_SIZE);
    ci = (struct cpu_info *)(stack + STACK_SIZE - sizeof(*ci));
    memset(ci, 0, sizeof(*ci));
    ci->rsp0 = (uint64_t)(&ci->guest_regs + 1);
    ci->cpu_id = cpu;
    ci->tss = &tss[cpu];
    return ci;
}

/*
 * Load this CPU's descriptor tables, TSS, syscall MSRs and control
 * registers (ci is its own cpu_info).  Runs on every CPU as it starts.
 */
void cpu_init_tables(struct cpu_info *ci)
{
    unsigned int cpu = ci->cpu_id;
    struct tss64 *t = &tss[cpu];
    struct { uint16_t limit; uint64_t base; } __packed idtr = { sizeof(idt) - 1, (uint64_t)idt };

    cpu_infos[cpu] = ci;
    t->rsp[0] = ci->rsp0;
    t->ist[0] = (uint64_t)ist_stacks[cpu][0] + 4096;
    t->ist[1] = (uint64_t)ist_stacks[cpu][1] + 4096;
    t->ist[2] = (uint64_t)ist_stacks[cpu][2] + 4096;
    t->ist[3] = (uint64_t)ist_stacks[cpu][3] + 4096;
    t->iomap_base = sizeof(*t);
    if (cpu == 0)
        idt_init();
    asm volatile("lidt %0" :: "m"(idtr));
    gdt_init(cpu, ci, t);
    syscall_init();
    wrmsr(MSR_GS_BASE, (uint64_t)ci);
    wrmsr(MSR_SHADOW_GS_BASE, 0);
    write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    cpu_harden(cpu);
    write_cr0((read_cr0() | X86_CR0_MP | X86_CR0_NE) & ~(X86_CR0_EM | X86_CR0_TS));
}

/*
 * Bring up the boot CPU's tables, then continue in fn on the per-CPU
 * stack (cpu_info at its top).  Never returns.
 */
__noreturn void cpu0_init_and_switch(void (*fn)(void))
{
    struct cpu_info *ci = cpu_alloc_stack(0);

    if (!ci)
        panic("no memory for the boot CPU's stack");
    cpu_init_tables(ci);
    asm volatile("movq %0, %%rsp; xorl %%ebp, %%ebp; jmp *%1"
                 :: "r"(ci), "r"(fn) : "memory");
    __builtin_unreachable();
}
