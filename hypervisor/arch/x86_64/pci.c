/*
 * PCI configuration space through mechanism 1 (0xcf8/0xcfc), segment 0,
 * registers 0-255: the hypervisor's own accesses (MSI, common/msi.c) and
 * the cycles of dom0's emulated ones (emulate.c).  Locking: pci_cfg_lock
 * keeps the 0xcf8 address and 0xcfc data cycles together (taken with
 * interrupts off, as the hypervisor always runs); a leaf lock.
 * And the hypervisor's mappings of MSI-X tables (Xen's msix fixmaps):
 * MSIX_SLOTS windows of MSIX_SLOT_PAGES pages, under the hypervisor lock;
 * and of one ECAM frame at a time, for dom0's filtered ECAM writes
 * (common/mmcfg.c; Xen maps the whole window instead).
 */
#include <keel/pci.h>
#include <keel/irq.h>
#include <keel/mmcfg.h>
#include <keel/acpi.h>
#include <keel/console.h>
#include <keel/mm.h>
#include <keel/spinlock.h>
#include <keel/tlbflush.h>
#include <keel/pv_mm.h>
#include <asm/processor.h>
#include <asm/page.h>
#include <asm/cpu.h>

static spinlock_t pci_cfg_lock = SPIN_LOCK_UNLOCKED;

uint32_t pci_conf1_read(uint32_t cf8, unsigned int off, unsigned int size)
{
    uint16_t port = (uint16_t)(PCI_CFC + (off & 3));
    uint32_t v;

    spin_lock(&pci_cfg_lock);
    outl(PCI_CF8, cf8 & ~3u);
    v = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
    spin_unlock(&pci_cfg_lock);
    return v;
}

void pci_conf1_write(uint32_t cf8, unsigned int off, unsigned int size, uint32_t val)
{
    uint16_t port = (uint16_t)(PCI_CFC + (off & 3));

    spin_lock(&pci_cfg_lock);
    outl(PCI_CF8, cf8 & ~3u);
    if (size == 1)
        outb(port, (uint8_t)val);
    else if (size == 2)
        outw(port, (uint16_t)val);
    else
        outl(port, val);
    spin_unlock(&pci_cfg_lock);
}

static uint32_t cf8_of(unsigned int bus, unsigned int devfn, unsigned int reg)
{
    return PCI_CF8_ENABLE | (bus & 0xff) << 16 | (devfn & 0xff) << 8 | (reg & 0xfc);
}

uint32_t arch_pci_conf_read(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size)
{
    return pci_conf1_read(cf8_of(bus, devfn, reg), reg & 3, size);
}

void arch_pci_conf_write(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size,
                         uint32_t val)
{
    pci_conf1_write(cf8_of(bus, devfn, reg), reg & 3, size, val);
}

/* Slot 260, after the local APIC and IO-APIC pages (ioapic.c). */
#define MSIX_VIRT 0xffff820180000000UL
#define MSIX_SLOTS 16
#define MSIX_SLOT_PAGES 9          /* 2048 entries of 16 bytes, not page aligned */

static struct { bool used; uint32_t freed; } msix_slots[MSIX_SLOTS];

void *arch_msix_map(uint64_t mfn, unsigned int nr)
{
    unsigned int i;
    uint64_t va;

    if (!nr || nr > MSIX_SLOT_PAGES)
        return NULL;
    for (i = 0; i < nr; i++)
        if (!frame_is_io(_mfn(mfn + i)))
            return NULL;       /* a BAR dom0 moved onto RAM */
    for (i = 0; i < MSIX_SLOTS && msix_slots[i].used; i++)
        ;
    if (i == MSIX_SLOTS)
        return NULL;
    /* A CPU may still hold the slot's previous translation. */
    flush_tlb_since(msix_slots[i].freed);
    msix_slots[i].used = true;
    va = MSIX_VIRT + (uint64_t)i * MSIX_SLOT_PAGES * PAGE_SIZE;
    map_pages_hv(va, _mfn(mfn), nr, _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT | pte_nx());
    return (void *)va;
}

void arch_msix_unmap(void *va, unsigned int nr)
{
    unsigned int i = (unsigned int)(((uint64_t)va - MSIX_VIRT) / (MSIX_SLOT_PAGES * PAGE_SIZE));

    if ((uint64_t)va < MSIX_VIRT || i >= MSIX_SLOTS || !msix_slots[i].used)
        return;
    unmap_pages_hv((uint64_t)va, nr);
    msix_slots[i].used = false;
    msix_slots[i].freed = tlbflush_now();
}

/* The page after the MSI-X slots: one ECAM frame while dom0's store to
 * it is performed (common/mmcfg.c mmio_ro_write, hypervisor lock). */
#define MMCFG_VIRT (MSIX_VIRT + (uint64_t)MSIX_SLOTS * MSIX_SLOT_PAGES * PAGE_SIZE)

static uint32_t mmcfg_freed;

void arch_pci_mmcfg_write(uint64_t maddr, unsigned int size, uint32_t val)
{
    uint64_t va = MMCFG_VIRT + (maddr & (PAGE_SIZE - 1));

    if (!frame_is_io(_mfn(maddr >> PAGE_SHIFT)))
        return;                /* a window firmware put over RAM */
    /* A CPU may still hold the page's previous frame. */
    flush_tlb_since(mmcfg_freed);
    map_pages_hv(MMCFG_VIRT, _mfn(maddr >> PAGE_SHIFT), 1,
                 _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT | pte_nx());
    if (size == 1)
        *(volatile uint8_t *)va = (uint8_t)val;
    else if (size == 2)
        *(volatile uint16_t *)va = (uint16_t)val;
    else
        *(volatile uint32_t *)va = val;
    unmap_pages_hv(MMCFG_VIRT, 1);
    mmcfg_freed = tlbflush_now();
}

/* Boot: the ECAM windows of the MCFG table become read-only to dom0
 * (Xen's pci_mmcfg_arch_enable, "PCI: Using MCFG for segment ..."), and
 * the page tables of MMCFG_VIRT are made now (map_pages_hv allocates
 * them, and panics without memory). */
void pci_mmcfg_init(const struct acpi_platform *p)
{
    unsigned int i;
    int rc;

    for (i = 0; i < p->nr_mcfg; i++) {
        const struct acpi_mcfg *m = &p->mcfg[i];

        rc = mmcfg_register(m->base, m->seg, m->start_bus, m->end_bus);
        printk("pci: MCFG segment %04x buses %02x-%02x at %#lx%s (%d)\n", m->seg, m->start_bus,
               m->end_bus, m->base, rc ? " ignored" : ": read-only to dom0, writes filtered", rc);
    }
    map_pages_hv(MMCFG_VIRT, _mfn(0), 1, _PAGE_PRESENT | pte_nx());
    unmap_pages_hv(MMCFG_VIRT, 1);
}
