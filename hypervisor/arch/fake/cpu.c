/* Fake CPU state for host unit tests (see fake/fake.h). */
#include <fake/fake.h>
#include <keel/lib.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <keel/smp.h>
#include <keel/tlbflush.h>

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

/* flush_tlb_mask: this CPU flushes for real (fake_cpu.tlb_flushes, its
 * clock time); each other CPU of the mask is counted as one flush IPI and
 * records a flush on the clock, as its IPI handler would. */
unsigned int fake_flush_ipis;
uint64_t fake_last_flush_mask;
void flush_tlb_mask(uint64_t mask)
{
    unsigned int c, me = smp_processor_id();

    fake_last_flush_mask = mask;
    if (mask & (1UL << me))
        flush_tlb_local();
    if (mask & ~(1UL << me))
        fake_remote_flushes++;
    for (c = 0; c < NR_CPUS_MAX; c++)
        if (c != me && (mask & (1UL << c))) {
            fake_flush_ipis++;
            tlbflush_time[c] = tlbflush_tick();
        }
}

/* The hypervisor lock's hold time, as hypercall_preempt_check() reads it. */
uint64_t fake_lock_held_cycles;
uint64_t hv_lock_held_cycles(void)
{
    return fake_lock_held_cycles;
}

/* The unit tests run as the holder of the hypervisor lock, unless a test
 * clears this to check that a function asserts it (ASSERT(hv_lock_held())). */
bool fake_hv_lock_held = true;
bool hv_lock_held(void)
{
    return fake_hv_lock_held;
}

/* hv_lock() from code that starts without it (do_syscall_entry): counted
 * (weak: the scheduler simulations bring their own). */
unsigned int fake_hv_locks;
__attribute__((weak)) void hv_lock(void)
{
    fake_hv_locks++;
    fake_hv_lock_held = true;
}
