/*
 * MSI for the hardware domain, after Xen 4.17 (arch/x86/msi.c, irq.c,
 * physdev.c): dom0 asks with PHYSDEVOP_map_pirq (MSI_SEG, MSI, or
 * MULTI_MSI with one vector); the hypervisor finds the device's MSI
 * capability in configuration space, takes a pirq (pirq.c, downward as
 * Xen's get_free_pirq) and a free vector of the CPU that takes device
 * interrupts, and writes the message itself: address = that CPU's local
 * APIC (physical destination), data = the vector, fixed delivery, edge.
 * dom0 only sets the enable bit ("split brain", Xen's
 * msi_capability_init); the per-vector mask, when the device has one,
 * is the hypervisor's: masked at map and unbind, unmasked at bind
 * (Xen's guest_mask_msi_irq from arch_evtchn_bind_pirq).  Arrival: the
 * local APIC EOI at once, the pirq raised, an event on its port (edge:
 * no PHYSDEVOP_eoi needed, the pirq's EOI-map bit stays clear, as Xen's
 * ACKTYPE_NONE for a maskable MSI).  unmap_pirq disables the MSI,
 * masks it, clears the message and frees vector and pirq.
 *
 * dom0's own configuration writes (conf1 emulation, emulate.c) are
 * filtered by msi_conf_write_ok, stricter than Xen's
 * pci_msi_conf_write_intercept because Keel has no interrupt remapping:
 * in an MSI capability only the control word passes, its multiple-message
 * field forced to 0 and its enable bit forced clear unless Keel has
 * programmed the device; in an MSI-X capability only the control word,
 * its enable bit forced clear (Keel does not program MSI-X).
 *
 * Not done: MSI-X (map_pirq with a table_base is -ENODEV, Xen's answer
 * for a device whose MSI-X it does not manage: Linux falls back to MSI
 * or INTx); multi-vector MSI (-EOPNOTSUPP, as Xen without interrupt
 * remapping); segments other than 0 (-ENODEV).
 * Locking: the hypervisor lock, except msi_vector_raised (interrupt
 * handler), which only reads vector_pirq atomically.
 */
#include <keel/irq.h>
#include <keel/domain.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <public/physdev.h>

#define PCI_VENDOR_ID 0x00
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11
#define MSI_CTRL_ENABLE 0x0001u
#define MSI_CTRL_MME 0x0070u           /* multiple message enable */
#define MSI_CTRL_MMC(c) (((c) >> 1) & 7u)
#define MSI_CTRL_64BIT 0x0080u
#define MSI_CTRL_MASKBIT 0x0100u
#define MSIX_CTRL_ENABLE 0x8000u
#define MSI_ADDR_BASE 0xfee00000u      /* physical destination, no redirection */
#define MSI_DATA_LEVEL_ASSERT 0x4000u  /* edge, fixed delivery: the other bits 0 */

struct msi_entry {
    bool used;
    uint8_t bus, devfn, pos, vector;
    bool is64, maskbit;
    uint32_t addr, data;
};

static struct msi_entry entries[NR_PIRQS];         /* by pirq */
static int16_t vector_pirq[256];                   /* 0: free; else pirq + 1 */

void msi_reset(void)
{
    memset(entries, 0, sizeof(entries));
    memset(vector_pirq, 0, sizeof(vector_pirq));
}

/* Xen's msi_compose_msg for a physical destination, without remapping. */
void msi_compose(uint32_t dest_apic_id, unsigned int vector, uint32_t *addr, uint32_t *data)
{
    *addr = MSI_ADDR_BASE | ((dest_apic_id & 0xffu) << 12);
    *data = MSI_DATA_LEVEL_ASSERT | (vector & 0xffu);
}

static bool vector_is_msi(unsigned int v)
{
    return v >= MSI_VECTOR_BASE && v < MSI_VECTOR_END;
}

/* Vectors are claimed by writing a placeholder; the pirq is set later. */
#define VECTOR_CLAIMED (-1)

int msi_vector_alloc(void)
{
    unsigned int v;

    for (v = MSI_VECTOR_BASE; v < MSI_VECTOR_END; v++)
        if (!vector_pirq[v]) {
            vector_pirq[v] = VECTOR_CLAIMED;
            return (int)v;
        }
    return -1;
}

void msi_vector_free(unsigned int vector)
{
    if (vector_is_msi(vector))
        __atomic_store_n(&vector_pirq[vector], 0, __ATOMIC_SEQ_CST);
}

static bool device_present(unsigned int bus, unsigned int devfn)
{
    return (arch_pci_conf_read(bus, devfn, PCI_VENDOR_ID, 2) & 0xffff) != 0xffff;
}

/* The offset of capability `id` of bus:devfn, or 0 (no list, not found).
 * The walk is bounded: a looping list ends after 48 steps, as Xen's. */
unsigned int pci_find_cap(unsigned int bus, unsigned int devfn, unsigned int id)
{
    unsigned int pos, n;

    if (!(arch_pci_conf_read(bus, devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
        return 0;
    pos = arch_pci_conf_read(bus, devfn, PCI_CAPABILITY_LIST, 1);
    for (n = 0; n < 48 && pos >= 0x40; n++) {
        uint32_t hdr;

        pos &= ~3u;
        hdr = arch_pci_conf_read(bus, devfn, pos, 2);
        if ((hdr & 0xff) == 0xff)
            return 0;
        if ((hdr & 0xff) == id)
            return pos;
        pos = (hdr >> 8) & 0xff;
    }
    return 0;
}

/* Register offsets inside an MSI capability. */
static unsigned int msi_data_reg(const struct msi_entry *e)
{
    return e->pos + (e->is64 ? 0xc : 0x8);
}

static unsigned int msi_mask_reg(const struct msi_entry *e)
{
    return e->pos + (e->is64 ? 0x10 : 0xc);
}

static struct msi_entry *entry_of(unsigned int bus, unsigned int devfn)
{
    unsigned int p;

    for (p = NR_GSIS; p < NR_PIRQS; p++)
        if (entries[p].used && entries[p].bus == bus && entries[p].devfn == devfn)
            return &entries[p];
    return NULL;
}

static void write_msg(const struct msi_entry *e)
{
    arch_pci_conf_write(e->bus, e->devfn, e->pos + 4, 4, e->addr);
    if (e->is64)
        arch_pci_conf_write(e->bus, e->devfn, e->pos + 8, 4, 0);
    arch_pci_conf_write(e->bus, e->devfn, msi_data_reg(e), 2, e->data);
}

/* All the capability's vectors masked (as Xen at msi_capability_init),
 * or, masked == false, vector 0 unmasked. */
static void write_mask(const struct msi_entry *e, bool masked)
{
    uint32_t ctrl = arch_pci_conf_read(e->bus, e->devfn, e->pos + 2, 2);
    /* Multiple Message Capable: 2^0..2^5 vectors; 6 and 7 are reserved
     * (a broken device: take 32, the most there can be). */
    uint32_t all = 0xffffffffu >> (32 - (1u << MIN(MSI_CTRL_MMC(ctrl), 5u)));

    if (e->maskbit)
        arch_pci_conf_write(e->bus, e->devfn, msi_mask_reg(e), 4, masked ? all : all & ~1u);
}

void msi_mask(unsigned int pirq, bool masked)
{
    if (pirq < NR_PIRQS && entries[pirq].used)
        write_mask(&entries[pirq], masked);
}

/* The enable and multiple-message bits of the control word. */
static void write_ctrl(const struct msi_entry *e, uint32_t clear, uint32_t set)
{
    uint32_t ctrl = arch_pci_conf_read(e->bus, e->devfn, e->pos + 2, 2);

    arch_pci_conf_write(e->bus, e->devfn, e->pos + 2, 2, (ctrl & ~clear) | set);
}

/* The request's segment, bus and devfn, checked as Xen's
 * physdev_map_pirq; MULTI_MSI of more than one vector refused. */
static int decode(const struct physdev_map_pirq *m, unsigned int *seg, unsigned int *bus)
{
    if (m->index != -1)
        return -XEN_EINVAL;    /* Keel has no Xen IRQ numbers to name */
    if (m->devfn < 0 || m->devfn > 0xff || m->bus < 0)
        return -XEN_EINVAL;
    switch (m->type) {
    case MAP_PIRQ_TYPE_MSI:
        if (m->bus > 0xff)
            return -XEN_EINVAL;
        *seg = 0;
        break;
    case MAP_PIRQ_TYPE_MULTI_MSI:
        if (m->table_base)
            return -XEN_EINVAL;
        if (m->entry_nr <= 0 || m->entry_nr > 32)
            return -XEN_EDOM;
        if (m->entry_nr != 1)
            return -XEN_EOPNOTSUPP;     /* Xen: only with interrupt remapping */
        /* fall through */
    case MAP_PIRQ_TYPE_MSI_SEG:
        if ((m->bus & 0xff00) != 0)
            return -XEN_EINVAL;
        *seg = (unsigned int)m->bus >> 16;
        break;
    default:
        return -XEN_EINVAL;
    }
    *bus = (unsigned int)m->bus & 0xff;
    return 0;
}

/* The capability of the device the request names, or an error. */
static int find_device_msi(const struct physdev_map_pirq *m, unsigned int seg, unsigned int bus,
                           unsigned int *pos)
{
    unsigned int devfn = (unsigned int)m->devfn;

    if (seg != 0 || !device_present(bus, devfn))
        return -XEN_ENODEV;    /* Xen: no pdev */
    if (m->table_base)
        return -XEN_ENODEV;    /* MSI-X: Xen's answer without pdev->msix */
    *pos = pci_find_cap(bus, devfn, PCI_CAP_ID_MSI);
    if (!*pos)
        return -XEN_ENODEV;    /* Xen's msi_capability_init */
    if (entry_of(bus, devfn))
        return -XEN_EEXIST;    /* Xen: "already mapped to MSI" */
    return 0;
}

int irq_map_msi(struct domain *d, const struct physdev_map_pirq *m, int *pirq_out)
{
    unsigned int seg, bus, pos, ctrl;
    uint32_t dest = arch_irq_dest_apic_id();
    struct msi_entry *e;
    int rc, pirq, vector;

    if (!d->is_privileged)
        return -XEN_EPERM;
    if ((rc = decode(m, &seg, &bus)) || (rc = find_device_msi(m, seg, bus, &pos)))
        return rc;
    if (dest > 0xff)
        return -XEN_EOPNOTSUPP;        /* x2APIC IDs need remapping or extended IDs */
    if ((vector = msi_vector_alloc()) < 0)
        return -XEN_ENOSPC;            /* Xen: -EINVAL from create_irq's failure */
    if ((pirq = irq_alloc_msi_pirq(d, m->pirq)) < 0) {
        msi_vector_free((unsigned int)vector);
        return pirq;
    }
    ctrl = arch_pci_conf_read(bus, (unsigned int)m->devfn, pos + 2, 2);
    e = &entries[pirq];
    *e = (struct msi_entry){ .used = true, .bus = (uint8_t)bus, .devfn = (uint8_t)m->devfn,
                             .pos = (uint8_t)pos, .vector = (uint8_t)vector,
                             .is64 = ctrl & MSI_CTRL_64BIT, .maskbit = ctrl & MSI_CTRL_MASKBIT };
    msi_compose(dest, (unsigned int)vector, &e->addr, &e->data);
    write_mask(e, true);
    write_msg(e);
    write_ctrl(e, MSI_CTRL_MME, 0);
    __atomic_store_n(&vector_pirq[vector], (int16_t)(pirq + 1), __ATOMIC_SEQ_CST);
    gdprintk("d%u: MSI of %02x:%02x.%u as pirq %d, vector %#x\n", d->domain_id, bus,
             (unsigned int)m->devfn >> 3, (unsigned int)m->devfn & 7, pirq, vector);
    *pirq_out = pirq;
    return 0;
}

/* unmap_pirq of an MSI pirq (pirq.c, not bound): as Xen's
 * __pci_disable_msi, then a cleared message, then vector and pirq free. */
void msi_teardown(unsigned int pirq)
{
    struct msi_entry *e = pirq < NR_PIRQS ? &entries[pirq] : NULL;

    if (!e || !e->used)
        return;
    write_ctrl(e, MSI_CTRL_ENABLE | MSI_CTRL_MME, 0);
    write_mask(e, true);
    e->addr = e->data = 0;
    write_msg(e);
    msi_vector_free(e->vector);
    e->used = false;
    irq_free_msi_pirq(pirq);
}

/* PHYSDEVOP_restore_msi(_ext): after a device reset dom0 asks for the
 * message back (Xen's pci_restore_msi_state); nothing mapped: 0. */
int msi_restore(struct domain *d, unsigned int seg, unsigned int bus, unsigned int devfn)
{
    struct msi_entry *e;

    if (!d->is_privileged)
        return -XEN_EPERM;
    if (seg != 0 || bus > 0xff || devfn > 0xff || !device_present(bus, devfn))
        return -XEN_ENODEV;
    if ((e = entry_of(bus, devfn))) {
        write_mask(e, true);
        write_msg(e);
        write_ctrl(e, MSI_CTRL_MME, 0);
    }
    return 0;
}

/* The length of an MSI capability with control word ctrl. */
static unsigned int msi_cap_len(uint32_t ctrl)
{
    return 0xa + (ctrl & MSI_CTRL_64BIT ? 4 : 0) + (ctrl & MSI_CTRL_MASKBIT ? 0xa : 0);
}

/* Does the write [reg, reg + size) touch [start, start + len)? */
static bool overlaps(unsigned int reg, unsigned int size, unsigned int start, unsigned int len)
{
    return reg < start + len && start < reg + size;
}

/* A write of the control word (at pos + 2) alone: the word, or one of
 * its bytes.  *val is adjusted as a word; false if anything else. */
static bool ctrl_only(unsigned int pos, unsigned int reg, unsigned int size, uint32_t *val,
                      uint32_t force_clear)
{
    if (reg == pos + 2 && size == 2) {
        *val &= ~force_clear;
        return true;
    }
    if (reg == pos + 2 && size == 1) {
        *val &= ~force_clear & 0xff;
        return true;
    }
    if (reg == pos + 3 && size == 1) {
        *val &= ~(force_clear >> 8) & 0xff;
        return true;
    }
    return false;
}

bool msi_conf_write_ok(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size,
                       uint32_t *val)
{
    unsigned int pos;
    uint32_t clear;

    if (reg + size <= 0x40 || bus > 0xff || devfn > 0xff)
        return true;           /* the header: no capability there */
    if ((pos = pci_find_cap(bus, devfn, PCI_CAP_ID_MSI)) &&
        overlaps(reg, size, pos, msi_cap_len(arch_pci_conf_read(bus, devfn, pos + 2, 2)))) {
        clear = MSI_CTRL_MME | (entry_of(bus, devfn) ? 0 : MSI_CTRL_ENABLE);
        if (ctrl_only(pos, reg, size, val, clear))
            return true;
        gdprintk("dom0 config write %02x:%02x.%u reg %#x size %u: MSI registers are Keel's\n",
                 bus, devfn >> 3, devfn & 7, reg, size);
        return false;
    }
    if ((pos = pci_find_cap(bus, devfn, PCI_CAP_ID_MSIX)) && overlaps(reg, size, pos, 12)) {
        if (ctrl_only(pos, reg, size, val, MSIX_CTRL_ENABLE))
            return true;
        gdprintk("dom0 config write %02x:%02x.%u reg %#x size %u: MSI-X capability refused\n",
                 bus, devfn >> 3, devfn & 7, reg, size);
        return false;
    }
    return true;
}

/* From the interrupt handler (the local APIC has had its EOI). */
void msi_vector_raised(unsigned int vector)
{
    int p;

    if (!vector_is_msi(vector))
        return;
    p = __atomic_load_n(&vector_pirq[vector], __ATOMIC_SEQ_CST);
    if (p > 0)
        irq_pirq_raised((unsigned int)(p - 1));
}
