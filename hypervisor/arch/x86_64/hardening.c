/*
 * Hardware-level hardening of the hypervisor itself (docs/security.md,
 * class 6): SMEP and SMAP on every CPU that has them, and a boot-time
 * self-test that proves them enforced and checks W^X over the
 * hypervisor's own page tables.  The self-test runs once on the boot CPU
 * before any guest exists; a failure stops the boot (a hypervisor that
 * believes it is protected and is not is worse than one that says so).
 * No locks: the boot CPU alone, or each CPU on its own CR4.
 */
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/mm.h>
#include <keel/wx_check.h>
#include <asm/config.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/cpu.h>

#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)

/* Read by entry.S (CLAC/STAC): the boot CPU's answer, the same on every CPU. */
bool cpu_smep, cpu_smap;

int hardening_probe_read(const void *p);
int hardening_probe_exec(void);
void hardening_stac(void);
void hardening_clac(void);
int hardening_rdmsr_safe(uint32_t msr, uint64_t *val);
extern uint64_t idle_l4_maddr;

static uint32_t cpuid7_ebx(void)
{
    uint32_t a, b, c, d;

    cpuid_count(0, 0, &a, &b, &c, &d);
    if (a < 7)
        return 0;
    cpuid_count(7, 0, &a, &b, &c, &d);
    return b;
}

/*
 * Turn on SMEP and SMAP on this CPU where it has them (Xen does the same
 * unless told otherwise on its command line).  The boot CPU decides; a
 * CPU that lacks what the boot CPU has stops the boot, since entry.S's
 * clac would fault there.
 */
void cpu_harden(unsigned int cpu)
{
    uint32_t ebx = cpuid7_ebx();
    bool smep = ebx & CPUID7_EBX_SMEP, smap = ebx & CPUID7_EBX_SMAP;

    if (cpu == 0) {
        cpu_smep = smep;
        cpu_smap = smap;
    } else if ((cpu_smep && !smep) || (cpu_smap && !smap)) {
        panic("CPU%u lacks SMEP or SMAP, which the boot CPU has", cpu);
    }
    write_cr4(read_cr4() | (cpu_smep ? X86_CR4_SMEP : 0) | (cpu_smap ? X86_CR4_SMAP : 0));
    printk("hardening: CPU%u: CR4.SMEP %s, CR4.SMAP %s\n", cpu,
           read_cr4() & X86_CR4_SMEP ? "on" : "off", read_cr4() & X86_CR4_SMAP ? "on" : "off");
}

/* SMAP: a plain read of a user page (the M2P's guest-visible alias) must
 * fault; the same read inside stac/clac must work (so the fault was SMAP). */
static void selftest_smap(void)
{
    const void *user = (const void *)RO_MPT_VIRT_START;
    int plain, with_ac;

    if (!cpu_smap) {
        printk("hardening: SMAP not available on this CPU\n");
        return;
    }
    BUG_ON(!(read_cr4() & X86_CR4_SMAP));
    plain = hardening_probe_read(user);
    hardening_stac();
    with_ac = hardening_probe_read(user);
    hardening_clac();
    if (plain || !with_ac)
        panic("SMAP is on but not enforced (read without AC %s, with AC %s)",
              plain ? "worked" : "faulted", with_ac ? "worked" : "faulted");
    printk("hardening: SMAP on and enforced (a hypervisor read of a user page faulted)\n");
}

/* SMEP: calling into a user page must fault; with CR4.SMEP cleared for
 * the moment the same call must work (so the fault was SMEP). */
static void selftest_smep(void)
{
    static const uint8_t code[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 }; /* mov $1,%eax; ret */
    mfn_t m;
    uint64_t cr4 = read_cr4();
    int off, on;

    if (!cpu_smep) {
        printk("hardening: SMEP not available on this CPU\n");
        return;
    }
    BUG_ON(!(cr4 & X86_CR4_SMEP));
    m = alloc_frame();
    if (mfn_eq(m, INVALID_MFN))
        panic("hardening: no memory for the SMEP self-test");
    memcpy(mfn_to_virt(m), code, sizeof(code));
    /* Read-only, executable, user: never writable and executable at once. */
    map_pages_hv(SMEP_PROBE_VA, m, 1, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED);
    write_cr4(cr4 & ~X86_CR4_SMEP);
    off = hardening_probe_exec();
    write_cr4(cr4);
    on = hardening_probe_exec();
    unmap_pages_hv(SMEP_PROBE_VA, 1);
    free_frame(m);
    if (on || !off)
        panic("SMEP is on but not enforced (user-page call with SMEP %s, without %s)",
              on ? "worked" : "faulted", off ? "worked" : "faulted");
    printk("hardening: SMEP on and enforced (a hypervisor call into a user page faulted)\n");
}

static const uint64_t *wx_table(uint64_t pa, void *ctx)
{
    (void)ctx;
    return maddr_to_virt(pa);
}

static void wx_report(uint64_t va, uint64_t size, unsigned int level, void *ctx)
{
    (void)ctx;
    printk_lvl(LOG_ERR, "W^X: %lx-%lx (L%u) is writable and executable\n", va,
               va + size - 1, level);
}

/* W^X over every hypervisor slot of the hypervisor's own L4. */
static void selftest_wx(void)
{
    struct wx_walk w = { .table = wx_table, .report = wx_report, .nx = pte_nx() != 0 };
    unsigned int bad;

    if (!w.nx) {
        printk_lvl(LOG_WARN, "W^X: not enforceable, this CPU has no NX\n");
        return;
    }
    bad = wx_check_tables(maddr_to_virt(idle_l4_maddr), HV_SLOT_FIRST, HV_SLOT_LAST, &w);
    if (bad)
        panic("W^X: %u hypervisor mapping(s) writable and executable", bad);
    printk("W^X: ok, no hypervisor mapping is writable and executable\n");
}

/*
 * Keel has no XPTI (docs/security.md, class 6): on a CPU open to Meltdown
 * (rogue data cache load) a PV guest, which runs at CPL3 with the direct
 * map of all memory in its L4, can read all of it.  Say so at boot.  As
 * Xen's default: Intel CPUs are taken as affected unless they report
 * RDCL_NO in MSR_ARCH_CAPABILITIES; other vendors are not.
 */
#define MSR_ARCH_CAPABILITIES 0x10a
#define ARCH_CAPS_RDCL_NO     (1UL << 0)
#define CPUID7_EDX_ARCH_CAPS  (1u << 29)
static void report_meltdown(void)
{
    uint32_t a, b, c, d;
    bool intel, rdcl_no = false;

    cpuid_count(0, 0, &a, &b, &c, &d);
    intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;   /* GenuineIntel */
    if (a >= 7) {
        cpuid_count(7, 0, &a, &b, &c, &d);
        uint64_t caps;
        if ((d & CPUID7_EDX_ARCH_CAPS) && !hardening_rdmsr_safe(MSR_ARCH_CAPABILITIES, &caps))
            rdcl_no = caps & ARCH_CAPS_RDCL_NO;
    }
    if (intel && !rdcl_no)
        printk_lvl(LOG_WARN, "hardening: this CPU may be open to Meltdown and Keel has no "
                   "XPTI: PV guests may read all memory (docs/security.md)\n");
    else
        printk("hardening: Meltdown: %s\n", rdcl_no ? "the CPU reports RDCL_NO"
                                                    : "not an Intel CPU, not affected");
}

/* Boot CPU, before any guest exists: prove SMEP/SMAP and check W^X. */
void hardening_selftest(void)
{
    selftest_smap();
    selftest_smep();
    selftest_wx();
    report_meltdown();
}
