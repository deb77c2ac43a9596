/* Fake CPU state for host unit tests (see fake/fake.h). */
#include <fake/fake.h>
#include <keel/lib.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <keel/smp.h>

struct fake_cpu fake_cpu;
struct cpu_info fake_cpu_info;
struct cpu_info *cpu_infos[NR_CPUS_MAX] = { &fake_cpu_info };

void fake_cpu_reset(void)
{
    memset(&fake_cpu, 0, sizeof(fake_cpu));
    fake_cpu.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
}

uint64_t gdt_window(unsigned int cpu)
{
    return GDT_WINDOW_BASE + (uint64_t)cpu * GDT_WINDOW_SIZE;
}

void gdt_window_load_guest(unsigned int cpu, const mfn_t *frames, unsigned int nr)
{
    (void)cpu; (void)frames; (void)nr;
}

uint64_t pte_nx(void)
{
    return _PAGE_NX;
}

/* One CPU in the unit tests: a remote shootdown is only counted. */
unsigned int nr_cpus_online = 1;
struct pcpu pcpus[NR_CPUS_MAX] = { [0] = { .online = true } };
unsigned int fake_kicks;
void cpu_kick(unsigned int cpu)
{
    (void)cpu;
    fake_kicks++;
}
unsigned int fake_remote_flushes;
void flush_tlb_others(const struct domain *d)
{
    (void)d;
    fake_remote_flushes++;
}

void flush_tlb_frame_users(domid_t owner)
{
    (void)owner;
    fake_remote_flushes++;
}

/* The hypervisor lock's hold time, as hypercall_preempt_check() reads it. */
uint64_t fake_lock_held_cycles;
uint64_t hv_lock_held_cycles(void)
{
    return fake_lock_held_cycles;
}
