/*
 * memory_op: the queries a PV kernel makes at boot, and the reservation
 * changes (increase/decrease/populate/exchange, common/reservation.c).
 * Other operations return -ENOSYS.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/bootinfo.h>
#include <keel/reservation.h>
#include <keel/iomem.h>
#include <public/memory.h>

/*
 * The host memory map for the hardware domain, with a reserved entry for
 * each part of a gap it may not map (common/iomem.c), as Xen.  Xen also
 * accepts a NULL buffer to count the entries; Keel does not (-EFAULT).
 * Runs under the hypervisor lock, which guards the static buffer.
 */
static long machine_memory_map(uint64_t arg)
{
    static struct e820entry map_buf[MAX_MEM_RANGES + IOMEM_MAX_DENY + 1];
    struct xen_memory_map map;
    int n;

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (copy_from_guest(&map, arg, sizeof(map)))
        return -XEN_EFAULT;
    if (map.nr_entries < boot_info.nr_ranges + 1)
        return -XEN_EINVAL;
    n = iomem_dom0_memory_map(boot_info.ranges, boot_info.nr_ranges, map_buf,
                              MIN(map.nr_entries, (unsigned int)ARRAY_SIZE(map_buf)));
    if (n < 0)
        return n;
    if (copy_to_guest(map.buffer, map_buf, (size_t)n * sizeof(map_buf[0])))
        return -XEN_EFAULT;
    map.nr_entries = (unsigned int)n;
    return copy_to_guest(arg, &map, sizeof(map)) ? -XEN_EFAULT : 0;
}

static long reservation_query(unsigned int op, uint64_t arg)
{
    struct domain *d = current->domain, *t;
    domid_t id;

    if (copy_from_guest(&id, arg, sizeof(id)))
        return -XEN_EFAULT;
    t = domain_lookup(id);
    if (!t)
        return -XEN_ESRCH;
    if (t != d && !d->is_privileged)
        return -XEN_EPERM;
    return (long)(op == XENMEM_current_reservation ? t->tot_pages : t->max_pages);
}

long do_memory_op(uint64_t cmd, uint64_t arg)
{
    unsigned int op = (unsigned int)(cmd & MEMOP_CMD_MASK);
    uint64_t start_extent = cmd >> MEMOP_EXTENT_SHIFT;   /* a continuation's progress */
    struct xen_machphys_mapping mm;


    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_populate_physmap:
    case XENMEM_decrease_reservation:
        /* Frames that leave may still be in a TLB (a mapping the guest
         * dropped without a flush): free_frame stamps them, and their next
         * allocation flushes the CPUs that may hold them (page_alloc.c,
         * keel/tlbflush.h), so nothing is flushed here. */
        return memory_reservation_op(op, start_extent, arg);
    case XENMEM_exchange:
        /* Xen: exchange keeps its progress in nr_exchanged, not in cmd. */
        return start_extent ? -XEN_EINVAL : memory_exchange(arg);
    case XENMEM_machphys_mapping:
        mm.v_start = MACH2PHYS_VIRT_START;
        mm.v_end = MACH2PHYS_VIRT_END;
        mm.max_mfn = MACH2PHYS_NR_ENTRIES - 1;
        return copy_to_guest(arg, &mm, sizeof(mm)) ? -XEN_EFAULT : 0;
    case XENMEM_maximum_ram_page:
        return (long)max_mfn;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        return reservation_query(op, arg);
    case XENMEM_machine_memory_map:
        return machine_memory_map(arg);
    case XENMEM_acquire_resource:
        /* Not implemented: -EOPNOTSUPP, the one answer on which libxc
         * falls back to GNTTABOP_setup_table for a new domain's grant
         * table (xg_dom_boot.c); -ENOSYS would fail its build. */
        return -XEN_EOPNOTSUPP;
    default:
        return -XEN_ENOSYS;
    }
}
