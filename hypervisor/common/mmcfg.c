/*
 * ECAM (MMCONFIG) windows and the hardware domain's writes to them, as
 * Xen 4.17 (keel/mmcfg.h).  Why: dom0's configuration writes through
 * 0xcf8/0xcfc are filtered (emulate.c, msi_conf_write_ok), but on a PCI
 * Express machine (QEMU q35) Linux also maps the MCFG window and could
 * write an MSI or MSI-X capability there, aiming a device at a vector
 * dom0 does not own.  So, as Xen's pci_mmcfg_arch_enable, each window
 * from the MCFG table is in the read-only set (iomem_ro_add, Xen's
 * mmio_ro_ranges) from boot, before dom0 exists: every mapping dom0
 * makes of it is read-only, reads go to the device, and a store faults
 * into mmio_ro_write (arch/x86_64/ptwr.c decodes it), which filters and
 * performs it as Xen's mmcfg_intercept_write.  Linux writes through ECAM
 * only for registers 256-4095 (and devices of other segments): rare.
 *
 * Not done: a segment other than 0 (Keel reaches only segment 0's
 * configuration space through conf1, so it cannot look at its
 * capabilities): writes to its window are dropped.  Moving the window
 * (the host bridge's PCIEXBAR on q35) is not prevented (nor by Xen).
 * Locking: the table is written at boot only; mmio_ro_write runs under
 * the hypervisor lock.
 */
#include <keel/mmcfg.h>
#include <keel/iomem.h>
#include <keel/irq.h>
#include <keel/domain.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <public/physdev.h>

struct mmcfg_window {
    uint64_t base;                 /* bus 0's address (MCFG) */
    uint16_t seg;
    uint8_t start_bus, end_bus;
};

static struct mmcfg_window windows[MMCFG_MAX];
static unsigned int nr_windows;

#define BUS_SHIFT 20               /* 1 MiB of configuration space per bus */

void mmcfg_reset(void)
{
    nr_windows = 0;
}

/* The frames of buses start..end (Xen's start_mfn/end_mfn). */
static uint64_t first_mfn(const struct mmcfg_window *w)
{
    return (w->base + ((uint64_t)w->start_bus << BUS_SHIFT)) >> PAGE_SHIFT;
}

static uint64_t last_mfn(const struct mmcfg_window *w)
{
    return ((w->base + ((uint64_t)(w->end_bus + 1u) << BUS_SHIFT)) >> PAGE_SHIFT) - 1;
}

int mmcfg_register(uint64_t base, unsigned int seg, unsigned int start_bus,
                   unsigned int end_bus)
{
    struct mmcfg_window w = { base, (uint16_t)seg, (uint8_t)start_bus, (uint8_t)end_bus };
    int rc;

    /* Firmware input: a window the ACPI specification cannot mean. */
    if (seg > 0xffff || start_bus > end_bus || end_bus > 0xff ||
        (base & ((1UL << BUS_SHIFT) - 1)) || base >= (1UL << 52) - (256UL << BUS_SHIFT))
        return -XEN_EINVAL;
    if (nr_windows >= MMCFG_MAX)
        return -XEN_ENOSPC;
    if ((rc = iomem_ro_add(first_mfn(&w), last_mfn(&w))))
        return rc;
    windows[nr_windows++] = w;
    return 0;
}

bool mmcfg_decode(uint64_t mfn, unsigned int *seg, unsigned int *bus, unsigned int *devfn)
{
    unsigned int i;

    for (i = 0; i < nr_windows; i++) {
        const struct mmcfg_window *w = &windows[i];

        if (mfn < first_mfn(w) || mfn > last_mfn(w))
            continue;
        *seg = w->seg;
        /* One 4 KiB frame per function: bus (8 bits), devfn (8 bits). */
        *bus = (unsigned int)((mfn - (w->base >> PAGE_SHIFT)) >> 8);
        *devfn = (unsigned int)((mfn - (w->base >> PAGE_SHIFT)) & 0xff);
        return true;
    }
    return false;
}

int mmcfg_reserved(uint64_t address, unsigned int seg, unsigned int start_bus,
                   unsigned int end_bus, unsigned int flags)
{
    unsigned int i;

    if (flags & ~XEN_PCI_MMCFG_RESERVED)
        return -XEN_EINVAL;
    for (i = 0; i < nr_windows; i++) {
        const struct mmcfg_window *w = &windows[i];

        if (w->seg != seg || w->start_bus != start_bus || w->end_bus != end_bus)
            continue;
        if (w->base != address) {
            gdprintk("dom0: MMCONFIG %04x:%02x-%02x at %#lx, the MCFG says %#lx\n", seg,
                     start_bus, end_bus, address, w->base);
            return -XEN_EIO;
        }
        /* Xen enables (or stops) its own use of the window; Keel maps a
         * frame only for each write, and the window stays read-only to
         * dom0 either way (Xen's pci_mmcfg_arch_disable keeps it in
         * mmio_ro_ranges too). */
        return 0;
    }
    return -XEN_ENODEV;
}

/* Xen's "naturally-aligned stores ... to the original %cr2 address". */
static bool aligned(uint64_t maddr, unsigned int size)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) && !(maddr & (size - 1));
}

int mmio_ro_write(const struct domain *d, uint64_t maddr, unsigned int size, uint64_t val)
{
    unsigned int seg, bus, devfn, reg = (unsigned int)(maddr & (PAGE_SIZE - 1));
    uint32_t v = (uint32_t)val;

    if (!d->is_privileged || !aligned(maddr, size))
        return -XEN_EINVAL;
    if (!mmcfg_decode(maddr >> PAGE_SHIFT, &seg, &bus, &devfn)) {
        /* An MSI-X table or PBA: Xen's mmio_ro_emulated_write drops it. */
        gdprintk("d%u: store to read-only MMIO %#lx dropped\n", d->domain_id, maddr);
        return 0;
    }
    if (size > 4)
        return -XEN_EINVAL;    /* Xen: "bad write", no wider than 4 bytes */
    if (seg != 0) {
        gdprintk("d%u: ECAM write %04x:%02x:%02x.%u reg %#x dropped (segment %u)\n",
                 d->domain_id, seg, bus, devfn >> 3, devfn & 7, reg, seg);
        return 0;
    }
    /* Xen: pci_conf_write_intercept >= 0, then pci_mmcfg_write. */
    if (msi_conf_write_ok(bus, devfn, reg, size, &v))
        arch_pci_mmcfg_write(maddr, size, v);
    return 0;
}
