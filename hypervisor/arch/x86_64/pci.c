/*
 * PCI configuration space through mechanism 1 (0xcf8/0xcfc), segment 0,
 * registers 0-255: the hypervisor's own accesses (MSI, common/msi.c) and
 * the cycles of dom0's emulated ones (emulate.c).  Locking: pci_cfg_lock
 * keeps the 0xcf8 address and 0xcfc data cycles together (taken with
 * interrupts off, as the hypervisor always runs); a leaf lock.
 */
#include <keel/pci.h>
#include <keel/irq.h>
#include <keel/spinlock.h>
#include <asm/processor.h>

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
