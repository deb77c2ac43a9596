/*
 * The little of ACPI the hypervisor reads: the processors listed in the
 * MADT (to start the other CPUs), the IO-APICs and ISA overrides (to own
 * the interrupt controllers), the FADT's SCI and PM1 ports (S5), the
 * MCFG's ECAM windows (read-only to dom0, common/mmcfg.c).  See common/acpi.c.
 */
#ifndef KEEL_ACPI_H
#define KEEL_ACPI_H
#include <keel/types.h>

/* Returns a pointer to `len` bytes of machine memory at `pa`, or NULL if
 * that range cannot be read. */
typedef const void *(*acpi_map_fn)(uint64_t pa, uint64_t len);

/*
 * Store the local APIC ids of the enabled processors the MADT lists in
 * ids[] (at most max) and return how many, or a negative value when
 * there is no usable RSDP/RSDT/XSDT/MADT.  Every pointer and length read
 * from the tables is checked; nothing is trusted.
 */
int acpi_find_cpus(acpi_map_fn map, uint32_t *ids, unsigned int max);

#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS 16
#define ACPI_MAX_CPUS 64
#define ACPI_MAX_MCFG 8

struct acpi_cpu { uint32_t apic_id, acpi_id; };   /* enabled MADT processors */
struct acpi_ioapic { uint8_t id; uint32_t addr, gsi_base; };
/* An ISA interrupt source override: ISA irq -> gsi, MPS INTI flags
 * (bits 0-1 polarity: 0 bus default, 1 high, 3 low; bits 2-3 trigger:
 * 0 bus default, 1 edge, 3 level). */
struct acpi_iso { uint8_t irq; uint32_t gsi; uint16_t flags; };
/* An MCFG entry: the ECAM base of bus 0 of a segment, and its buses. */
struct acpi_mcfg { uint64_t base; uint16_t seg; uint8_t start_bus, end_bus; };

struct acpi_platform {
    uint64_t rsdp_pa;
    uint32_t lapic_addr;
    unsigned int nr_ioapics, nr_isos, nr_cpus;
    struct acpi_cpu cpu[ACPI_MAX_CPUS];
    struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
    struct acpi_iso iso[ACPI_MAX_ISOS];
    bool has_fadt;
    uint32_t sci_int;                /* the SCI's GSI (FADT SCI_INT) */
    uint32_t pm1a_cnt, pm1b_cnt;     /* PM1 control ports, 0 if none */
    unsigned int nr_mcfg;
    struct acpi_mcfg mcfg[ACPI_MAX_MCFG];
};

/* Fill p from the RSDP, MADT, FADT and MCFG; 0, or negative without an RSDT/XSDT.
 * Entries beyond the table sizes above are ignored. */
int acpi_find_platform(acpi_map_fn map, struct acpi_platform *p);

/* The boot CPU's parse, for the IO-APIC driver, physdev and platform ops. */
extern struct acpi_platform acpi_platform;
/* arch: a readable mapping of machine memory for the table parsers. */
const void *arch_acpi_map(uint64_t pa, uint64_t len);
#endif
