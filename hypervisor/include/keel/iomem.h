/*
 * What the hardware domain may reach of the machine directly: machine
 * frames that are not RAM (MMIO, firmware, the low 1 MiB) and I/O ports,
 * minus what the hypervisor keeps for itself.  Xen's equivalents are the
 * hardware domain's iomem_caps/ioport_caps (dom0_setup_permissions) and
 * the XENMEM_machine_memory_map answer built from them.  See
 * common/iomem.c.  Pure: no hardware access, host-testable.
 */
#ifndef KEEL_IOMEM_H
#define KEEL_IOMEM_H
#include <keel/types.h>
#include <keel/bootinfo.h>

struct domain;

struct e820entry { uint64_t addr, size; uint32_t type; } __packed;
_Static_assert(sizeof(struct e820entry) == 20, "e820 entry");
#define E820_RESERVED 2

#define IOMEM_MAX_DENY 32
#define IOPORT_MAX_DENY 32

/* Boot: frames [first, last] / ports [first, last] are the hypervisor's.
 * Returns 0, or -XEN_ENOSPC when the table is full. */
int iomem_deny(uint64_t first_mfn, uint64_t last_mfn);
int ioport_deny(unsigned int first, unsigned int last);
/* Frames at or above 2^paddr_bits are never permitted (Xen's iomem_caps
 * cover [0, 2^paddr_bits)). */
void iomem_set_paddr_bits(unsigned int bits);
/* Forget every rule (unit tests). */
void iomem_reset(void);

/* May d map machine frame mfn as an I/O frame?  Only a privileged domain,
 * only below 2^paddr_bits, never a denied frame.  (Whether mfn is RAM is
 * the caller's question: frame_is_io.) */
bool iomem_frame_permitted(const struct domain *d, uint64_t mfn);
/* May d access ports [port, port + size) on the hardware? */
bool ioport_permitted(const struct domain *d, unsigned int port, unsigned int size);

/*
 * A vCPU's own I/O bitmap (PHYSDEVOP_set_iobitmap, arch/x86_64/physdev.c;
 * Xen's guest_io_okay): may v, without enough virtual IOPL, access ports
 * [port, port + size)?  Yes if they are below its limit and their bits
 * in the bitmap (in the guest kernel's address space, read even from
 * user mode; unreadable bytes count as all ones) are clear.
 */
struct vcpu;
bool pv_iobmp_allows(struct vcpu *v, unsigned int port, unsigned int size);

/*
 * Xen's mmio_ro_ranges: I/O frames the hardware domain may map only
 * read-only (a PTE asking for _PAGE_RW is installed without it, as Xen's
 * get_page_from_l1e "Forcing read-only access").  Keel puts the MSI-X
 * table and PBA pages of a device there while it has MSI-X entries
 * mapped (common/msi.c).  A range is added and removed as a whole;
 * adding fails with -XEN_ENOSPC when the table is full.  Hypervisor lock.
 */
#define IOMEM_MAX_RO 64
int iomem_ro_add(uint64_t first_mfn, uint64_t last_mfn);
void iomem_ro_remove(uint64_t first_mfn, uint64_t last_mfn);
bool iomem_frame_ro(uint64_t mfn);

/*
 * XENMEM_machine_memory_map for the hardware domain, as Xen builds it
 * (arch/x86/mm.c): the host map's entries in address order, and before
 * each entry one E820_RESERVED entry per run of pages in the gap since
 * the previous entry that dom0 may not map (denied frames below
 * 2^paddr_bits), so that dom0 never places a BAR there.  Writes at most
 * max entries to out; returns the number, or -XEN_EINVAL if they do not
 * fit or max < n + 1 (Xen demands room for one more than the host map).
 */
int iomem_dom0_memory_map(const struct mem_range *host, unsigned int n,
                          struct e820entry *out, unsigned int max);
#endif
