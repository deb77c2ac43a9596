/*
 * Device interrupts for the hardware domain: the state of each GSI (an
 * IO-APIC pin) and the pirq that dom0 maps it to, after Xen's model
 * (xen/arch/x86/irq.c, physdev.c) in a simpler form.  See common/pirq.c
 * for the rules; docs/hypervisor.md "Device interrupts" for the model.
 *
 * A GSI is mapped as the pirq of the same number (Linux always asks for
 * pirq == GSI), by one domain only, the hardware domain; an MSI gets a
 * pirq above the GSIs' (common/msi.c) and is edge for the guest.  Level-triggered
 * pins use the "unmask" discipline: on arrival the pin is masked and the
 * local APIC EOIed at once; the guest's PHYSDEVOP_eoi unmasks it.
 */
#ifndef KEEL_IRQ_H
#define KEEL_IRQ_H
#include <keel/types.h>
#include <public/xen.h>

struct domain;

#define NR_GSIS 96                 /* GSIs (pins on all IO-APICs) Keel handles */
#define GSI_VECTOR_BASE 0x30       /* GSI n arrives on vector 0x30 + n */
/* pirqs: a GSI's is its number (below NR_GSIS); an MSI's is allocated
 * downward from NR_PIRQS - 1 to NR_GSIS, as Xen's get_free_pirq from
 * nr_pirqs - 1 to nr_irqs_gsi. */
#define NR_PIRQS 256
/* MSI vectors, on the boot CPU (which takes every device interrupt):
 * after the GSIs' (0x30-0x8f), below the timer and IPIs (0xf0-0xff). */
#define MSI_VECTOR_BASE 0x90
#define MSI_VECTOR_END 0xf0

/* ---- arch hooks (arch/x86_64/ioapic.c; a recorder in arch/fake) ---- */
/* Program gsi's pin, masked, with its vector and the given mode. */
void arch_gsi_program(unsigned int gsi, bool level, bool active_low);
void arch_gsi_mask(unsigned int gsi, bool masked);

/* PCI configuration space of segment 0 (arch/x86_64/pci.c: mechanism
 * 1 under a lock; a fake config space in arch/fake): reg < 256, size
 * 1, 2 or 4, naturally aligned. */
uint32_t arch_pci_conf_read(unsigned int bus, unsigned int devfn, unsigned int reg,
                            unsigned int size);
void arch_pci_conf_write(unsigned int bus, unsigned int devfn, unsigned int reg,
                         unsigned int size, uint32_t val);
/* MSI-X tables (common/msi.c): map nr machine frames from mfn into the
 * hypervisor, uncached, for reads and writes of the table, or NULL if
 * one is RAM (not an I/O frame) or no room is left (arch/x86_64/pci.c; a fake BAR in arch/fake);
 * unmap undoes it.  Hypervisor lock held. */
void *arch_msix_map(uint64_t mfn, unsigned int nr);
void arch_msix_unmap(void *va, unsigned int nr);
/* The APIC ID of the CPU that takes device interrupts (ioapic.c). */
uint32_t arch_irq_dest_apic_id(void);

/* The IO-APIC driver (arch/x86_64/ioapic.c). */
void ioapic_init(unsigned int paddr_bits);
void ioapic_irq(unsigned int gsi);                 /* from do_irq */
void msi_irq(unsigned int vector);                 /* from do_irq: an MSI vector */
int ioapic_guest_read(uint64_t physbase, uint32_t reg, uint32_t *val);

/* ---- boot (the IO-APIC driver) ---- */
void irq_reset(void);                          /* unit tests */
void irq_gsi_init(unsigned int nr_gsis, unsigned int sci_gsi);
void irq_gsi_reserve(unsigned int gsi);        /* the hypervisor's: never mapped */
/* A pin whose mode the hypervisor sets itself (ISA IRQs from the MADT). */
void irq_gsi_boot_program(unsigned int gsi, bool level, bool active_low);

/* ---- hypercalls (validated arguments, current domain d) ---- */
/* An MSI pirq for d (msi.c): `want` or, if -1, the highest free one;
 * -ENOSPC when none is free, -EINVAL/-EEXIST for a bad/used `want`. */
int irq_alloc_msi_pirq(struct domain *d, int want);
void irq_free_msi_pirq(unsigned int pirq);
int irq_map_gsi(struct domain *d, int gsi, int pirq, int *pirq_out);
int irq_unmap_pirq(struct domain *d, int pirq);
/* 0, gsi for the SCI (Xen), or a negative error. */
int irq_setup_gsi(struct domain *d, int gsi, unsigned int level, unsigned int active_low);
int irq_eoi(struct domain *d, uint32_t pirq);
int irq_status_query(struct domain *d, uint32_t pirq, uint32_t *flags);
/* PHYSDEVOP_pirq_eoi_gmfn_v2 (physdev.c) registered d->pirq_eoi_map:
 * set the bits of the pirqs bound already. */
void irq_eoi_map_sync(struct domain *d);
/* Event channels (event_channel.c, evtchn_lock held). */
int irq_bind_pirq(struct domain *d, uint32_t pirq, evtchn_port_t port);
void irq_unbind_pirq(struct domain *d, uint32_t pirq);

/* ---- MSI (common/msi.c; the pirq side is pirq.c) ---- */
struct physdev_map_pirq;
/* map_pirq of type MSI, MSI_SEG or MULTI_MSI (copied in, any values). */
int irq_map_msi(struct domain *d, const struct physdev_map_pirq *m, int *pirq_out);
/* PHYSDEVOP_restore_msi(_ext): rewrite what Keel wrote to the device. */
int msi_restore(struct domain *d, unsigned int seg, unsigned int bus, unsigned int devfn);
/* dom0's configuration write of `size` bytes at reg of bus:devfn
 * (conf1 emulation): false if it must be dropped; *val may be changed
 * (control bits the hypervisor owns). */
bool msi_conf_write_ok(unsigned int bus, unsigned int devfn, unsigned int reg,
                       unsigned int size, uint32_t *val);
/* Pure parts, for the unit tests. */
void msi_compose(uint32_t dest_apic_id, unsigned int vector, uint32_t *addr, uint32_t *data);
int msi_vector_alloc(void);        /* a free MSI vector, or -1 */
void msi_vector_free(unsigned int vector);
unsigned int pci_find_cap(unsigned int bus, unsigned int devfn, unsigned int id);
/* pirq.c's calls into msi.c, for an MSI pirq (hypervisor lock held). */
void msi_mask(unsigned int pirq, bool masked);
void msi_teardown(unsigned int pirq);
/* From the interrupt handler: an MSI vector fired (the caller EOIs). */
void msi_vector_raised(unsigned int vector);
void msi_reset(void);              /* unit tests */

/* ---- delivery ---- */
/* From the interrupt handler, without locks: gsi fired.  Returns whether
 * the pin is level-triggered (the caller has masked it already if so). */
bool irq_gsi_is_level(unsigned int gsi);
void irq_gsi_raised(unsigned int gsi);
void irq_pirq_raised(unsigned int pirq);      /* an MSI pirq's vector fired */
/* How often gsi fired, and (level) how often while its EOI was awaited,
 * i.e. while its pin should have been masked; irq_report prints both for
 * every GSI that fired (at dom0's power-off). */
void irq_gsi_counts(unsigned int gsi, uint64_t *fired, uint64_t *fired_in_flight);
void irq_report(void);
/* Under the hypervisor lock, before returning to a guest or halting:
 * turn raised GSIs into events on their bound ports. */
void irq_deliver_pending(void);
#endif
