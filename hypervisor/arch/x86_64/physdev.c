/*
 * physdev_op: I/O privilege, and the hardware domain's device interrupts
 * (the pirq state machine is common/pirq.c; the IO-APICs ioapic.c).
 * Each operation copies its struct in, validates, acts, and copies the
 * OUT fields back.  What each returns, and how that compares with Xen
 * 4.17, is in docs/abi.md.  Locking: runs under the hypervisor lock,
 * which protects the pirq and I/O-privilege state; mm_lock while the
 * pirq EOI page takes its writable reference.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/guest_access.h>
#include <keel/irq.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/mm.h>
#include <keel/pv_mm.h>
#include <keel/mmcfg.h>
#include <keel/iomem.h>
#include <asm/traps.h>
#include <public/physdev.h>

#define COPY_IN(x) do { if (copy_from_guest(&(x), arg, sizeof(x))) return -XEN_EFAULT; } while (0)
#define COPY_OUT(x) (copy_to_guest(arg, &(x), sizeof(x)) ? -XEN_EFAULT : 0)

static long set_iopl(uint64_t arg)
{
    struct physdev_set_iopl iopl;

    COPY_IN(iopl);
    if (iopl.iopl > 3)
        return -XEN_EINVAL;
    current->iopl = iopl.iopl;
    return 0;
}

/*
 * PHYSDEVOP_set_iobitmap, as Xen 4.17 (physdev.c): the vCPU's I/O bitmap
 * for when its virtual IOPL does not allow an access (Linux sets one on
 * each switch to a task that called ioperm, xen_update_io_bitmap: the
 * TSS bitmap, 65536 ports, or nr_ports 0).  The pointer is only checked
 * to lie in guest space for the whole 8 KiB (Xen's guest_handle_okay of
 * IOBMP_BYTES); nr_ports above 65536 is -EINVAL.  Read at each trapped
 * port access (pv_iobmp_allows), never copied.
 */
#define IOBMP_BYTES 8192

static long set_iobitmap(uint64_t arg)
{
    struct physdev_set_iobitmap b;

    COPY_IN(b);
    if (!guest_range_ok((uint64_t)b.bitmap, IOBMP_BYTES) || b.nr_ports > 65536)
        return -XEN_EINVAL;
    current->iobmp = (uint64_t)b.bitmap;
    current->iobmp_limit = b.nr_ports;
    return 0;
}

/* Xen's guest_io_okay after iopl_ok: two bytes of the bitmap, read with
 * the guest kernel's page tables (toggled in from user mode). */
bool pv_iobmp_allows(struct vcpu *v, unsigned int port, unsigned int size)
{
    uint8_t b[2] = { 0xff, 0xff };
    bool user = !v->kernel_mode;
    unsigned int mask;

    if (!size || size > 4 || port + size > v->iobmp_limit)
        return false;
    if (user)
        toggle_guest_mode(v);
    if (copy_from_guest(b, v->iobmp + (port >> 3), 2))
        (void)copy_from_guest(b, v->iobmp + (port >> 3), 1);
    if (user)
        toggle_guest_mode(v);
    mask = ((1u << size) - 1) << (port & 7);
    return ((b[0] | (unsigned int)b[1] << 8) & mask) == 0;
}

/* Xen: the IO-APIC is found by its physical base (-EINVAL if unknown). */
static long apic_read(uint64_t arg)
{
    struct physdev_apic a;
    int rc;

    COPY_IN(a);
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    rc = ioapic_guest_read(a.apic_physbase, a.reg, &a.value);
    return rc ? rc : COPY_OUT(a);
}

/* Xen's dummy: the vector is the hypervisor's business; report vector = irq. */
static long alloc_irq_vector(uint64_t arg)
{
    struct physdev_irq op;

    COPY_IN(op);
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    op.vector = op.irq;
    return COPY_OUT(op);
}

static long irq_status(uint64_t arg)
{
    struct physdev_irq_status_query q;
    int rc;

    COPY_IN(q);
    rc = irq_status_query(current->domain, q.irq, &q.flags);
    return rc ? rc : COPY_OUT(q);
}

static long eoi(uint64_t arg)
{
    struct physdev_eoi e;

    COPY_IN(e);
    return irq_eoi(current->domain, e.irq);
}

/*
 * PHYSDEVOP_pirq_eoi_gmfn_v2, as Xen: any PV domain may register one
 * page, for its life (again: -EBUSY); for a PV domain the gmfn is a
 * machine frame it owns, referenced general + writable (-EINVAL if it
 * cannot be), released by evtchn_destroy.  Bit n set = pirq n needs
 * PHYSDEVOP_eoi (common/pirq.c sets it at bind for a level pin).  v1
 * also made PHYSDEVOP_eoi unmask the event channel; Linux uses v2 only,
 * and v1 is -ENOSYS here.
 */
static long pirq_eoi_gmfn(uint64_t arg)
{
    struct domain *d = current->domain;
    struct physdev_pirq_eoi_gmfn g;
    int rc;

    COPY_IN(g);
    if (g.gmfn >= max_mfn)
        return -XEN_EINVAL;
    mm_lock_acquire();
    rc = get_page_and_type(_mfn(g.gmfn), d, PGT_writable);
    if (!rc && d->pirq_eoi_map) {
        put_page_and_type(_mfn(g.gmfn), d);
        rc = 1;
    } else if (!rc) {
        d->pirq_eoi_map_mfn = _mfn(g.gmfn);
        d->pirq_eoi_map = mfn_to_virt(_mfn(g.gmfn));
    }
    mm_lock_release();
    if (rc)
        return rc > 0 ? -XEN_EBUSY : -XEN_EINVAL;
    irq_eoi_map_sync(d);
    gdprintk("d%u: pirq EOI map at mfn %#lx\n", d->domain_id, (unsigned long)g.gmfn);
    return 0;
}

/* The caller itself only (Xen also lets a device model map for its
 * guest, which Keel does not have). */
static bool self(const struct domain *d, domid_t id)
{
    return id == DOMID_SELF || id == d->domain_id;
}

static long map_pirq(uint64_t arg)
{
    struct domain *d = current->domain;
    struct physdev_map_pirq m;
    int rc, pirq;

    COPY_IN(m);
    if (!d->is_privileged || !self(d, m.domid))
        return -XEN_EPERM;
    switch (m.type) {
    case MAP_PIRQ_TYPE_GSI:
        rc = irq_map_gsi(d, m.index, m.pirq, &pirq);
        if (rc)
            return rc;
        m.pirq = pirq;
        return COPY_OUT(m);
    case MAP_PIRQ_TYPE_MSI:
    case MAP_PIRQ_TYPE_MSI_SEG:
    case MAP_PIRQ_TYPE_MULTI_MSI:
        rc = irq_map_msi(d, &m, &pirq);    /* common/msi.c: MSI, not MSI-X */
        if (rc)
            return rc;
        m.pirq = pirq;
        return COPY_OUT(m);
    default:
        return -XEN_EINVAL;
    }
}

static long unmap_pirq(uint64_t arg)
{
    struct domain *d = current->domain;
    struct physdev_unmap_pirq u;

    COPY_IN(u);
    if (!d->is_privileged || !self(d, u.domid))
        return -XEN_EPERM;
    return irq_unmap_pirq(d, u.pirq);
}

/* PHYSDEVOP_restore_msi and _ext (Linux tries _ext first): dom0 only. */
static long restore_msi(unsigned int cmd, uint64_t arg)
{
    struct physdev_restore_msi r;
    struct physdev_pci_device p;

    if (cmd == PHYSDEVOP_restore_msi) {
        COPY_IN(r);
        p = (struct physdev_pci_device){ .seg = 0, .bus = r.bus, .devfn = r.devfn };
    } else {
        COPY_IN(p);
    }
    return msi_restore(current->domain, p.seg, p.bus, p.devfn);
}

static long setup_gsi(uint64_t arg)
{
    struct physdev_setup_gsi g;

    COPY_IN(g);
    return irq_setup_gsi(current->domain, g.gsi, g.triggering, g.polarity);
}

/*
 * PCI devices dom0 reports (manage_pci_add/_ext/remove, pci_device_add/
 * remove) and MMCONFIG areas it found (pci_mmcfg_reserved): Xen records
 * the devices for MSI and passthrough; Keel does not (its MSI code finds
 * a device in configuration space when dom0 maps its MSI), so after the
 * argument checks it accepts them (0), as Linux needs no more.  An
 * MMCONFIG area is checked against the MCFG windows as Xen's
 * pci_mmcfg_reserved (common/mmcfg.c: -ENODEV unknown, -EIO another
 * base); those are read-only to dom0 from boot.  dom0 only.
 */
static long pci_notice(unsigned int cmd, uint64_t arg)
{
    union {
        struct physdev_manage_pci m;
        struct physdev_manage_pci_ext me;
        struct physdev_pci_device_add a;
        struct physdev_pci_device pd;
        struct physdev_pci_mmcfg_reserved mc;
    } u;
    size_t len;

    switch (cmd) {
    case PHYSDEVOP_manage_pci_add:
    case PHYSDEVOP_manage_pci_remove: len = sizeof(u.m); break;
    case PHYSDEVOP_manage_pci_add_ext: len = sizeof(u.me); break;
    case PHYSDEVOP_pci_device_add: len = sizeof(u.a); break;
    case PHYSDEVOP_pci_mmcfg_reserved: len = sizeof(u.mc); break;
    default: len = sizeof(u.pd); break;
    }
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (copy_from_guest(&u, arg, len))
        return -XEN_EFAULT;
    if (cmd == PHYSDEVOP_pci_device_add &&
        (u.a.flags & ~(XEN_PCI_DEV_EXTFN | XEN_PCI_DEV_VIRTFN | XEN_PCI_DEV_PXM)))
        return -XEN_EINVAL;
    if (cmd == PHYSDEVOP_pci_mmcfg_reserved)
        return mmcfg_reserved(u.mc.address, u.mc.segment, u.mc.start_bus, u.mc.end_bus,
                              u.mc.flags);
    return 0;
}

/* The EHCI debug port: Keel drives none, so there is nothing to prepare
 * for a controller reset (Xen answers 0 for a port it does not use). */
static long dbgp_op(uint64_t arg)
{
    struct physdev_dbgp_op op;

    COPY_IN(op);
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (op.op != PHYSDEVOP_DBGP_RESET_PREPARE && op.op != PHYSDEVOP_DBGP_RESET_DONE)
        return -XEN_EINVAL;
    if (op.bus != PHYSDEVOP_DBGP_BUS_UNKNOWN && op.bus != PHYSDEVOP_DBGP_BUS_PCI)
        return -XEN_EINVAL;
    return 0;
}

long do_physdev_op(uint64_t cmd, uint64_t arg)
{
    switch (cmd) {
    case PHYSDEVOP_set_iopl:
        return set_iopl(arg);
    case PHYSDEVOP_set_iobitmap:
        return set_iobitmap(arg);
    case PHYSDEVOP_apic_read:
        return apic_read(arg);
    case PHYSDEVOP_alloc_irq_vector:
        return alloc_irq_vector(arg);
    case PHYSDEVOP_irq_status_query:
        return irq_status(arg);
    case PHYSDEVOP_eoi:
        return eoi(arg);
    case PHYSDEVOP_pirq_eoi_gmfn_v2:
        return pirq_eoi_gmfn(arg);
    case PHYSDEVOP_map_pirq:
        return map_pirq(arg);
    case PHYSDEVOP_unmap_pirq:
        return unmap_pirq(arg);
    case PHYSDEVOP_setup_gsi:
        return setup_gsi(arg);
    case PHYSDEVOP_restore_msi:
    case PHYSDEVOP_restore_msi_ext:
        return restore_msi((unsigned int)cmd, arg);
    case PHYSDEVOP_manage_pci_add:
    case PHYSDEVOP_manage_pci_remove:
    case PHYSDEVOP_manage_pci_add_ext:
    case PHYSDEVOP_pci_device_add:
    case PHYSDEVOP_pci_device_remove:
    case PHYSDEVOP_pci_mmcfg_reserved:
        return pci_notice((unsigned int)cmd, arg);
    case PHYSDEVOP_dbgp_op:
        return dbgp_op(arg);
    default:
        return -XEN_ENOSYS;
    }
}
