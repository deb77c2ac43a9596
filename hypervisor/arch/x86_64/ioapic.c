/*
 * The IO-APICs, owned by the hypervisor as in Xen (dom0 never writes
 * them; it reads through PHYSDEVOP_apic_read and asks for pins through
 * PHYSDEVOP_setup_gsi/map_pirq, common/pirq.c).  At boot: every pin
 * masked; the ISA IRQs 1-15 programmed from the MADT's overrides (ISA
 * default edge/high; the SCI level/low unless overridden); GSI n on
 * vector GSI_VECTOR_BASE + n, fixed delivery, physical destination the
 * boot CPU.  Also the boot-time list of what dom0 may not touch
 * (keel/iomem.h): the IO-APIC and local APIC pages, the MSI window, the
 * AP trampoline, and the ports of the PIC, PIT, RTC, ELCR, PCI
 * configuration data, the UART and the exit port.
 * Locking: ioapic_lock serialises the index/data register pairs; it is
 * taken with interrupts off (the hypervisor always runs so), also from
 * the interrupt handler.
 */
#include <keel/acpi.h>
#include <keel/irq.h>
#include <keel/iomem.h>
#include <keel/pci.h>
#include <keel/console.h>
#include <keel/spinlock.h>
#include <keel/smp.h>
#include <keel/time.h>
#include <keel/mm.h>
#include <keel/lib.h>
#include <asm/processor.h>
#include <asm/page.h>
#include <asm/cpu.h>
#include <public/errno.h>

#define IOAPIC_VIRT 0xffff820100001000UL    /* after the local APIC page */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
#define MSI_WINDOW_MFN 0xfee00UL
#define AP_TRAMPOLINE_MFN 0x7UL              /* smp.c: AP_TRAMPOLINE_PHYS */
#define COM1_PORT 0x3f8

struct ioapic {
    uint64_t physbase;
    volatile uint32_t *regs;
    unsigned int gsi_base, pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned int nr_ioapics;
static spinlock_t ioapic_lock = SPIN_LOCK_UNLOCKED;
static uint32_t dest_apic_id;                /* the boot CPU, which takes every pin */
struct acpi_platform acpi_platform;

static uint32_t reg_read(struct ioapic *a, unsigned int reg)
{
    a->regs[IOAPIC_REGSEL / 4] = reg;
    return a->regs[IOAPIC_WIN / 4];
}

static void reg_write(struct ioapic *a, unsigned int reg, uint32_t v)
{
    a->regs[IOAPIC_REGSEL / 4] = reg;
    a->regs[IOAPIC_WIN / 4] = v;
}

static struct ioapic *pin_of(unsigned int gsi, unsigned int *pin)
{
    unsigned int i;

    for (i = 0; i < nr_ioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    return NULL;
}

void arch_gsi_program(unsigned int gsi, bool level, bool active_low)
{
    unsigned int pin;
    struct ioapic *a = pin_of(gsi, &pin);
    uint32_t lo = (GSI_VECTOR_BASE + gsi) | RTE_MASKED | (level ? RTE_LEVEL : 0) |
                  (active_low ? RTE_ACTIVE_LOW : 0);

    if (!a || gsi >= NR_GSIS)
        return;
    spin_lock(&ioapic_lock);
    reg_write(a, 0x10 + 2 * pin, RTE_MASKED);
    reg_write(a, 0x11 + 2 * pin, dest_apic_id << 24);
    reg_write(a, 0x10 + 2 * pin, lo);
    spin_unlock(&ioapic_lock);
}

void arch_gsi_mask(unsigned int gsi, bool masked)
{
    unsigned int pin;
    struct ioapic *a = pin_of(gsi, &pin);
    uint32_t lo;

    if (!a)
        return;
    spin_lock(&ioapic_lock);
    lo = reg_read(a, 0x10 + 2 * pin);
    reg_write(a, 0x10 + 2 * pin, masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
    spin_unlock(&ioapic_lock);
}

/* PHYSDEVOP_apic_read: a register of the IO-APIC at physbase. */
int ioapic_guest_read(uint64_t physbase, uint32_t reg, uint32_t *val)
{
    unsigned int i;

    if (reg > 0xff)
        return -XEN_EINVAL;      /* the index register has 8 bits */
    for (i = 0; i < nr_ioapics; i++)
        if (ioapics[i].physbase == physbase) {
            spin_lock(&ioapic_lock);
            *val = reg_read(&ioapics[i], reg);
            spin_unlock(&ioapic_lock);
            return 0;
        }
    return -XEN_EINVAL;
}

uint32_t arch_irq_dest_apic_id(void)
{
    return dest_apic_id;
}

/* The interrupt of an MSI vector: edge, so the EOI at once, as Xen's
 * ack_maskable_msi_irq; then the pirq raised (common/msi.c). */
void msi_irq(unsigned int vector)
{
    void arch_timer_ack(void);

    arch_timer_ack();
    msi_vector_raised(vector);
    this_pcpu()->timers_dirty = true;
}

/* The interrupt of a GSI vector: mask a level pin, EOI, mark it raised. */
void ioapic_irq(unsigned int gsi)
{
    void arch_timer_ack(void);

    if (irq_gsi_is_level(gsi))
        arch_gsi_mask(gsi, true);
    arch_timer_ack();            /* the local APIC EOI */
    irq_gsi_raised(gsi);
    this_pcpu()->timers_dirty = true;
}

static const struct acpi_iso *iso_for_irq(unsigned int irq)
{
    unsigned int i;

    for (i = 0; i < acpi_platform.nr_isos; i++)
        if (acpi_platform.iso[i].irq == irq)
            return &acpi_platform.iso[i];
    return NULL;
}

static bool gsi_taken_by_other_irq(unsigned int gsi)
{
    unsigned int i;

    for (i = 0; i < acpi_platform.nr_isos; i++)
        if (acpi_platform.iso[i].gsi == gsi && acpi_platform.iso[i].irq != gsi)
            return true;
    return false;
}

/* ISA IRQ irq's GSI and mode: MPS INTI flags over the ISA/SCI defaults. */
static unsigned int isa_gsi(unsigned int irq, bool *level, bool *low)
{
    const struct acpi_iso *o = iso_for_irq(irq);
    unsigned int gsi = o ? o->gsi : irq, pol = o ? o->flags & 3 : 0, trig = o ? (o->flags >> 2) & 3 : 0;
    bool sci = acpi_platform.has_fadt && gsi == acpi_platform.sci_int;

    *low = pol == 3 || (pol == 0 && sci);
    *level = trig == 3 || (trig == 0 && sci);
    return gsi;
}

static void program_isa(void)
{
    unsigned int irq, gsi;
    bool level, low;

    for (irq = 0; irq < 16; irq++) {
        gsi = isa_gsi(irq, &level, &low);
        if (gsi_taken_by_other_irq(irq) && !iso_for_irq(irq))
            continue;
        if (irq == 0 || irq == 4)
            irq_gsi_reserve(gsi);    /* the timer's and Keel's UART's */
        else
            irq_gsi_boot_program(gsi, level, low);
    }
    if (acpi_platform.has_fadt && acpi_platform.sci_int >= 16)
        irq_gsi_boot_program(acpi_platform.sci_int, true, true);
}

static void deny_for_dom0(void)
{
    unsigned int i;

    for (i = 0; i < nr_ioapics; i++)
        (void)iomem_deny(ioapics[i].physbase >> PAGE_SHIFT, ioapics[i].physbase >> PAGE_SHIFT);
    (void)iomem_deny((rdmsr(MSR_IA32_APICBASE) & PADDR_MASK) >> PAGE_SHIFT,
                     (rdmsr(MSR_IA32_APICBASE) & PADDR_MASK) >> PAGE_SHIFT);
    (void)iomem_deny(MSI_WINDOW_MFN, MSI_WINDOW_MFN + 0xff);
    (void)iomem_deny(AP_TRAMPOLINE_MFN, AP_TRAMPOLINE_MFN);
    (void)ioport_deny(0x20, 0x21);         /* PIC (Xen denies these too) */
    (void)ioport_deny(0xa0, 0xa1);
    (void)ioport_deny(0x40, 0x43);         /* PIT */
    (void)ioport_deny(0x61, 0x61);
    (void)ioport_deny(0x70, 0x71);         /* RTC: emulated with a latch (emulate.c) */
    (void)ioport_deny(0x4d0, 0x4d1);       /* ELCR: the hypervisor owns trigger modes */
    (void)ioport_deny(0xcfc, 0xcff);       /* PCI configuration data: emulated (emulate.c) */
    (void)ioport_deny(0xf4, 0xf4);         /* the hypervisor's exit port (power.c) */
    (void)ioport_deny(COM1_PORT, COM1_PORT + 7);
}

void ioapic_init(unsigned int paddr_bits)
{
    unsigned int i, j, nr_gsis = 0;

    iomem_set_paddr_bits(paddr_bits);
    dest_apic_id = lapic_id();           /* runs on the boot CPU */
    if (acpi_find_platform(arch_acpi_map, &acpi_platform) < 0)
        printk("ioapic: no ACPI tables; device interrupts unavailable\n");
    for (i = 0; i < acpi_platform.nr_ioapics; i++) {
        struct ioapic *a = &ioapics[nr_ioapics];
        uint64_t pa = acpi_platform.ioapic[i].addr;
        if (!pa || acpi_platform.ioapic[i].gsi_base >= NR_GSIS)
            continue;
        a->physbase = pa;
        a->regs = (volatile uint32_t *)(IOAPIC_VIRT + nr_ioapics * PAGE_SIZE + (pa & 0xfff));
        map_pages_hv(IOAPIC_VIRT + nr_ioapics * PAGE_SIZE, _mfn(pa >> PAGE_SHIFT), 1,
                     _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT | pte_nx());
        a->gsi_base = acpi_platform.ioapic[i].gsi_base;
        a->pins = ((reg_read(a, 1) >> 16) & 0xff) + 1;
        for (j = 0; j < a->pins; j++)
            reg_write(a, 0x10 + 2 * j, RTE_MASKED);
        nr_gsis = MAX(nr_gsis, MIN(a->gsi_base + a->pins, (unsigned int)NR_GSIS));
        nr_ioapics++;
    }
    deny_for_dom0();
    pci_mmcfg_init(&acpi_platform);
    irq_gsi_init(nr_gsis, acpi_platform.has_fadt ? acpi_platform.sci_int : ~0u);
    irq_gsi_reserve(0);          /* Xen never grants IRQ 0 either */
    if (nr_ioapics)
        program_isa();
    printk("ioapic: %u IO-APIC(s), %u GSIs, SCI %d, PM1a_CNT %#x%s\n", nr_ioapics, nr_gsis,
           acpi_platform.has_fadt ? (int)acpi_platform.sci_int : -1, acpi_platform.pm1a_cnt,
           acpi_platform.rsdp_pa ? "" : " (no RSDP)");
}
