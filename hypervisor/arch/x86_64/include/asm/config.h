/*
 * The hypervisor's virtual memory layout.  Everything lives in L4 slots
 * 256-271 (0xffff800000000000-0xffff87ffffffffff), which every guest L4
 * carries and guests cannot change, as in Xen.
 *
 *  slot 256  0xffff800000000000  M2P table, read-only to guests (256 GiB)
 *  slot 260  0xffff820000000000  per-CPU GDT windows (64 KiB each)
 *            0xffff820040000000  per-CPU LDT windows (64 KiB each)
 *  slot 261  0xffff82d040000000  the hypervisor image (phys + offset)
 *  slot 262+ 0xffff830000000000  direct map of all machine memory
 */
#ifndef ASM_CONFIG_H
#define ASM_CONFIG_H

#define KEEL_VIRT_START     0xffff82d040000000
#define KEEL_LOAD_PHYS      0x100000
#define HV_SLOT_FIRST       256
#define HV_SLOT_LAST        271
#define RO_MPT_VIRT_START   0xffff800000000000
#define RO_MPT_VIRT_END     0xffff804000000000
/* A user page used once at boot by the SMEP self-test (slot 256, after
 * the M2P; unmapped again before any guest runs). */
#define SMEP_PROBE_VA       RO_MPT_VIRT_END
#define GDT_WINDOW_BASE     0xffff820000000000
#define GDT_WINDOW_SIZE     0x10000
#define LDT_WINDOW_BASE     0xffff820040000000
#define LDT_WINDOW_SIZE     0x10000
#define DIRECTMAP_VIRT_START 0xffff830000000000
#define DIRECTMAP_VIRT_END  0xffff880000000000
#define HYPERVISOR_AREA_START 0xffff800000000000
#define HYPERVISOR_AREA_END 0xffff880000000000

#define STACK_ORDER         2
#define STACK_SIZE          (4096 << STACK_ORDER)
#define NR_CPUS_MAX         16

/* Selectors in the reserved part of the GDT (entry 7168 = selector 0xe000). */
#define __HYPERVISOR_CS     0xe008
#define __HYPERVISOR_DS     0xe010
#define __HYPERVISOR_CS32   0xe018
#ifndef FLAT_RING3_CS32
#define FLAT_RING3_CS32     0xe023
#define FLAT_RING3_CS64     0xe033
#endif
#define FLAT_RING3_DS       0xe02b
#define TSS_SELECTOR        0xe040
#define LDT_SELECTOR        0xe050

#endif
