/*
 * The little of ACPI the hypervisor reads: the processors listed in the
 * MADT (to start the other CPUs).  See common/acpi.c.
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
#endif
