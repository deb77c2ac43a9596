/*
 * PCI Express enhanced configuration space (ECAM, "MMCONFIG") for the
 * hardware domain, after Xen 4.17 (x86_64/mmconfig_64.c
 * pci_mmcfg_arch_enable, mmconfig-shared.c pci_mmcfg_reserved,
 * mm.c mmcfg_intercept_write / mmio_ro_emulated_write,
 * pv/ro-page-fault.c mmio_ro_do_page_fault).  See common/mmcfg.c.
 *
 * The ECAM windows of the firmware's MCFG table are read-only to dom0
 * from boot (Xen's mmio_ro_ranges): a store to one faults, and the
 * hypervisor performs it only after the same filter as a conf1 write
 * (msi_conf_write_ok), so dom0 cannot write an MSI or MSI-X capability
 * through ECAM either.
 */
#ifndef KEEL_MMCFG_H
#define KEEL_MMCFG_H
#include <keel/types.h>

struct domain;

#define MMCFG_MAX 8        /* ECAM windows (MCFG entries) Keel keeps */

/* Boot: the MCFG entry {base (bus 0's address), segment, buses}: record
 * it and make its frames (buses start..end) read-only to dom0.  0, or
 * -XEN_EINVAL (bad buses, base not 1 MiB aligned, past 2^52),
 * -XEN_ENOSPC (table full). */
int mmcfg_register(uint64_t base, unsigned int seg, unsigned int start_bus,
                   unsigned int end_bus);
void mmcfg_reset(void);    /* unit tests */

/* Xen's pci_mmcfg_decode: is machine frame mfn in an ECAM window?  Then
 * its segment, bus and devfn. */
bool mmcfg_decode(uint64_t mfn, unsigned int *seg, unsigned int *bus, unsigned int *devfn);

/* PHYSDEVOP_pci_mmcfg_reserved, as Xen's pci_mmcfg_reserved: -XEN_EINVAL
 * for unknown flags, -XEN_ENODEV if no window has this segment and
 * these buses, -XEN_EIO if it has another base; else 0 (the window
 * stays read-only to dom0 whatever the flag says). */
int mmcfg_reserved(uint64_t address, unsigned int seg, unsigned int start_bus,
                   unsigned int end_bus, unsigned int flags);

/*
 * The hardware domain's store of `size` bytes of val at machine address
 * maddr, in a frame of the read-only set (keel/iomem.h) that it maps
 * read-only; the instruction was decoded by the page-fault handler.
 * In an ECAM window (Xen's mmcfg_intercept_write): a naturally aligned
 * store of 1, 2 or 4 bytes passes msi_conf_write_ok and is performed
 * (arch_pci_mmcfg_write), or is dropped; elsewhere (an MSI-X table or
 * PBA; Xen's mmio_ro_emulated_write) a naturally aligned store is
 * dropped.  Returns 0 when the store is done with (performed or
 * dropped), -XEN_EINVAL when it is not one Xen emulates (the fault is
 * then the guest's).  Hypervisor lock held.
 */
int mmio_ro_write(const struct domain *d, uint64_t maddr, unsigned int size, uint64_t val);

/* arch: write `size` (1, 2, 4) bytes at maddr, an ECAM address, through
 * an uncached hypervisor mapping (arch/x86_64/pci.c; the fake config
 * space in arch/fake).  Hypervisor lock held. */
void arch_pci_mmcfg_write(uint64_t maddr, unsigned int size, uint32_t val);
#endif
