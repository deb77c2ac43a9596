/*
 * PCI configuration mechanism 1 (arch/x86_64/pci.c), under one lock for
 * the hypervisor's own accesses (keel/irq.h arch_pci_conf_*, for MSI)
 * and dom0's emulated ones (emulate.c).
 */
#ifndef KEEL_PCI_H
#define KEEL_PCI_H
#include <keel/types.h>

#define PCI_CF8 0xcf8
#define PCI_CFC 0xcfc
#define PCI_CF8_ENABLE 0x80000000u

/* One cycle: 0xcf8 = cf8 & ~3, then `size` bytes at 0xcfc + off. */
uint32_t pci_conf1_read(uint32_t cf8, unsigned int off, unsigned int size);
void pci_conf1_write(uint32_t cf8, unsigned int off, unsigned int size, uint32_t val);

/* Boot, after the ACPI tables are read: the MCFG's ECAM windows (read-only
 * to dom0, its writes filtered: common/mmcfg.c). */
struct acpi_platform;
void pci_mmcfg_init(const struct acpi_platform *p);
#endif
