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
 * MSI-X (Xen's msix_capability_init, __pci_enable_msix): map_pirq with
 * a table_base names entry entry_nr of the function's table.  The table
 * is located from the capability's BIR and offset and the BAR in
 * configuration space (dom0's table_base is only compared), must lie in
 * I/O frames dom0 may map, and is mapped into the hypervisor at the
 * function's first entry (arch_msix_map), every entry then masked and
 * MSI-X enabled by Keel; its table and PBA frames are read-only to dom0
 * while any entry is mapped (iomem_ro_*, Xen's mmio_ro_ranges; pv_mm.c
 * drops _PAGE_RW).  The entry is masked until bind, as for MSI; the
 * function's last unmap disables MSI-X and gives the table back.
 *
 * dom0's own configuration writes (conf1 emulation, emulate.c) are
 * filtered by msi_conf_write_ok, stricter than Xen's
 * pci_msi_conf_write_intercept because Keel has no interrupt remapping:
 * in an MSI capability only the control word passes, its multiple-message
 * field forced to 0 and its enable bit forced clear unless Keel has
 * programmed the device; in an MSI-X capability only the control word,
 * its enable bit forced clear and its function mask set until Keel has
 * an entry of the function mapped (Xen's host_maskall).
 *
 * Not done: multi-vector MSI (-EOPNOTSUPP, as Xen without interrupt
 * remapping); segments other than 0 (-ENODEV); MSI and MSI-X on one
 * function at once (-EBUSY; Xen disables the other kind); guarding the
 * BAR of a table in use against dom0 (as Xen 4.17).
 * Locking: the hypervisor lock, except msi_vector_raised (interrupt
 * handler), which only reads vector_pirq atomically.
 */
#include <keel/irq.h>
#include <keel/domain.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/iomem.h>
#include <public/physdev.h>

#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x0002u
#define PCI_HEADER_TYPE 0x0e
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BAR_IO 0x1u
#define PCI_BAR_MEM_TYPE 0x6u
#define PCI_BAR_MEM_64 0x4u
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
#define MSIX_CTRL_MASKALL 0x4000u
#define MSIX_CTRL_QSIZE 0x07ffu         /* table size - 1 */
#define MSIX_TABLE_REG 4               /* BIR and offset of the table */
#define MSIX_PBA_REG 8                 /* and of the pending-bit array */
#define MSIX_BIR_MASK 7u
#define MSIX_ENTRY_SIZE 16             /* address lo, hi, data, vector control */
#define MSIX_VECTOR_CTRL 12
#define MSIX_VECTOR_MASKED 1u
#define MSIX_MAX_DEVS 16               /* functions with MSI-X entries mapped */
#define MSI_ADDR_BASE 0xfee00000u      /* physical destination, no redirection */
#define MSI_DATA_LEVEL_ASSERT 0x4000u  /* edge, fixed delivery: the other bits 0 */

/* A function's MSI-X table while Keel has entries of it mapped (Xen's
 * arch_msix): where it is (from the BAR the capability names, never from
 * dom0's table_base), its frames and the PBA's (read-only to dom0 while
 * users != 0), and the hypervisor's uncached mapping of it. */
struct msix_dev {
    unsigned int users;                /* mapped entries; 0: slot free */
    uint8_t bus, devfn, pos;
    uint16_t nr_entries;
    uint64_t table_first, table_last, pba_first, pba_last;    /* frames */
    bool pba_ro;                       /* the PBA's frames are in the RO set */
    void *map;                         /* arch_msix_map of the table frames */
    volatile uint32_t *table;          /* entry 0 */
};

struct msi_entry {
    bool used;
    uint8_t bus, devfn, pos, vector;
    bool is64, maskbit, masked;
    uint32_t addr, data;
    struct msix_dev *msix;             /* an MSI-X entry: its table, ... */
    uint16_t entry_nr;                 /* ... and its index there */
};

static struct msi_entry entries[NR_PIRQS];         /* by pirq */
static int16_t vector_pirq[256];                   /* 0: free; else pirq + 1 */
static struct msix_dev msix_devs[MSIX_MAX_DEVS];

void msi_reset(void)
{
    memset(entries, 0, sizeof(entries));
    memset(vector_pirq, 0, sizeof(vector_pirq));
    memset(msix_devs, 0, sizeof(msix_devs));
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

/* The MSI (not MSI-X) entry of bus:devfn, or NULL. */
static struct msi_entry *entry_of(unsigned int bus, unsigned int devfn)
{
    unsigned int p;

    for (p = NR_GSIS; p < NR_PIRQS; p++)
        if (entries[p].used && !entries[p].msix && entries[p].bus == bus &&
            entries[p].devfn == devfn)
            return &entries[p];
    return NULL;
}

/* The MSI-X table Keel has mapped for bus:devfn, or NULL. */
static struct msix_dev *msix_dev_of(unsigned int bus, unsigned int devfn)
{
    unsigned int i;

    for (i = 0; i < MSIX_MAX_DEVS; i++)
        if (msix_devs[i].users && msix_devs[i].bus == bus && msix_devs[i].devfn == devfn)
            return &msix_devs[i];
    return NULL;
}

static struct msi_entry *msix_entry_of(const struct msix_dev *x, unsigned int entry_nr)
{
    unsigned int p;

    for (p = NR_GSIS; p < NR_PIRQS; p++)
        if (entries[p].used && entries[p].msix == x && entries[p].entry_nr == entry_nr)
            return &entries[p];
    return NULL;
}

static volatile uint32_t *msix_reg(const struct msix_dev *x, unsigned int entry_nr,
                                   unsigned int reg)
{
    return &x->table[(entry_nr * MSIX_ENTRY_SIZE + reg) / 4];
}

/* An MSI-X entry's vector control; read back so that the write has
 * reached the device before Keel goes on (as Xen's msix_mask). */
static void msix_write_mask(const struct msix_dev *x, unsigned int entry_nr, bool masked)
{
    volatile uint32_t *vc = msix_reg(x, entry_nr, MSIX_VECTOR_CTRL);

    *vc = (*vc & ~MSIX_VECTOR_MASKED) | (masked ? MSIX_VECTOR_MASKED : 0);
    (void)*vc;
}

/* The message of a (masked) MSI-X entry, as Xen's write_msi_msg. */
static void msix_write_msg(const struct msi_entry *e)
{
    *msix_reg(e->msix, e->entry_nr, 0) = e->addr;
    *msix_reg(e->msix, e->entry_nr, 4) = 0;
    *msix_reg(e->msix, e->entry_nr, 8) = e->data;
}

static void write_msg(const struct msi_entry *e)
{
    if (e->msix) {
        msix_write_msg(e);
        return;
    }
    arch_pci_conf_write(e->bus, e->devfn, e->pos + 4, 4, e->addr);
    if (e->is64)
        arch_pci_conf_write(e->bus, e->devfn, e->pos + 8, 4, 0);
    arch_pci_conf_write(e->bus, e->devfn, msi_data_reg(e), 2, e->data);
}

/* All the capability's vectors masked (as Xen at msi_capability_init),
 * or, masked == false, vector 0 unmasked; for MSI-X the entry's own. */
static void write_mask(struct msi_entry *e, bool masked)
{
    uint32_t ctrl, all;

    e->masked = masked;
    if (e->msix) {
        msix_write_mask(e->msix, e->entry_nr, masked);
        return;
    }
    ctrl = arch_pci_conf_read(e->bus, e->devfn, e->pos + 2, 2);
    /* Multiple Message Capable: 2^0..2^5 vectors; 6 and 7 are reserved
     * (a broken device: take 32, the most there can be). */
    all = 0xffffffffu >> (32 - (1u << MIN(MSI_CTRL_MMC(ctrl), 5u)));
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
    *pos = pci_find_cap(bus, devfn, m->table_base ? PCI_CAP_ID_MSIX : PCI_CAP_ID_MSI);
    if (!*pos)
        return -XEN_ENODEV;    /* Xen's msi_capability_init, __pci_enable_msix */
    /* One kind at a time: Xen disables the other kind's vectors first;
     * Keel refuses instead (Linux never mixes them). */
    if (m->table_base ? entry_of(bus, devfn) != NULL : msix_dev_of(bus, devfn) != NULL)
        return -XEN_EBUSY;
    if (!m->table_base && entry_of(bus, devfn))
        return -XEN_EEXIST;    /* Xen: "already mapped to MSI" */
    return 0;
}

/* The memory address BAR bir of bus:devfn decodes, or 0 (an I/O BAR,
 * none there, unassigned): Xen's read_pci_mem_bar for a function that is
 * not a virtual function. */
static uint64_t read_mem_bar(unsigned int bus, unsigned int devfn, unsigned int bir)
{
    static const unsigned int limit[3] = { 6, 2, 1 };    /* normal, bridge, CardBus */
    unsigned int type = arch_pci_conf_read(bus, devfn, PCI_HEADER_TYPE, 1) & 0x7f;
    unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * bir;
    uint64_t lo, hi = 0;

    if (type > 2 || bir >= limit[type])
        return 0;
    lo = arch_pci_conf_read(bus, devfn, reg, 4);
    if (lo & PCI_BAR_IO)
        return 0;
    if ((lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64) {
        if (bir + 1 >= limit[type])
            return 0;
        hi = arch_pci_conf_read(bus, devfn, reg + 4, 4);
    } else if (lo & PCI_BAR_MEM_TYPE) {
        return 0;              /* reserved type */
    }
    return (hi << 32 | lo) & ~0xfULL;
}

/* May Keel write frames [first, last] for d's device?  Only frames dom0
 * itself may reach (never a frame Keel keeps: a BAR moved onto the local
 * APIC); arch_msix_map refuses RAM. */
static bool msix_frames_ok(const struct domain *d, uint64_t first, uint64_t last)
{
    uint64_t f;

    for (f = first; f <= last; f++)
        if (!iomem_frame_permitted(d, f))
            return false;
    return true;
}

/* Where the table and the PBA are (Xen's msix_capability_init for the
 * first entry of a device); table_base is dom0's and only compared. */
static int msix_locate(const struct domain *d, struct msix_dev *x, uint64_t table_base)
{
    uint32_t toff = arch_pci_conf_read(x->bus, x->devfn, x->pos + MSIX_TABLE_REG, 4);
    uint32_t poff = arch_pci_conf_read(x->bus, x->devfn, x->pos + MSIX_PBA_REG, 4);
    uint64_t bar = read_mem_bar(x->bus, x->devfn, toff & MSIX_BIR_MASK);
    uint64_t pba = read_mem_bar(x->bus, x->devfn, poff & MSIX_BIR_MASK);
    uint64_t table = bar + (toff & ~MSIX_BIR_MASK);

    if (!(arch_pci_conf_read(x->bus, x->devfn, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
        return -XEN_ENXIO;     /* Xen: !memory_decoded */
    if (!bar)
        return -XEN_ENXIO;     /* Xen takes dom0's table_base here; Keel does not */
    if (bar != table_base)
        gdprintk("MSI-X %02x:%02x.%u: table BAR %#lx, dom0 says %#lx\n", x->bus,
                 x->devfn >> 3, x->devfn & 7, bar, table_base);
    x->table_first = table >> PAGE_SHIFT;
    x->table_last = (table + x->nr_entries * MSIX_ENTRY_SIZE - 1) >> PAGE_SHIFT;
    if (table < bar || x->table_last < x->table_first ||
        !msix_frames_ok(d, x->table_first, x->table_last))
        return -XEN_EPERM;
    x->pba_ro = pba != 0;      /* Xen: WARN_ON(!pba_paddr) */
    pba += poff & ~MSIX_BIR_MASK;
    x->pba_first = pba >> PAGE_SHIFT;
    x->pba_last = (pba + ((x->nr_entries + 63u) / 64u) * 8 - 1) >> PAGE_SHIFT;
    return 0;
}

/* Forget a table with no entries left: dom0 may write it again. */
static void msix_release(struct msix_dev *x)
{
    iomem_ro_remove(x->table_first, x->table_last);
    if (x->pba_ro)
        iomem_ro_remove(x->pba_first, x->pba_last);
    arch_msix_unmap(x->map, (unsigned int)(x->table_last - x->table_first + 1));
    memset(x, 0, sizeof(*x));
}

/* A device's first MSI-X entry: find and map its table, make the table
 * and PBA read-only to dom0 (Xen's mmio_ro_ranges), mask every entry
 * (Keel owns them all now; dom0 may have written any before). */
static int msix_setup(const struct domain *d, const struct physdev_map_pirq *m,
                      unsigned int bus, unsigned int pos, struct msix_dev **out)
{
    struct msix_dev *x = NULL;
    unsigned int i, nr;
    int rc;

    for (i = 0; i < MSIX_MAX_DEVS && !x; i++)
        if (!msix_devs[i].users)
            x = &msix_devs[i];
    if (!x)
        return -XEN_ENOSPC;
    *x = (struct msix_dev){ .bus = (uint8_t)bus, .devfn = (uint8_t)m->devfn, .pos = (uint8_t)pos,
                            .nr_entries = (uint16_t)((arch_pci_conf_read(bus,
                                (unsigned int)m->devfn, pos + 2, 2) & MSIX_CTRL_QSIZE) + 1) };
    if ((rc = msix_locate(d, x, m->table_base)))
        return rc;
    nr = (unsigned int)(x->table_last - x->table_first + 1);
    if (!(x->map = arch_msix_map(x->table_first, nr)))
        return -XEN_EPERM;     /* RAM, or no window left */
    if (iomem_ro_add(x->table_first, x->table_last) ||
        (x->pba_ro && iomem_ro_add(x->pba_first, x->pba_last))) {
        iomem_ro_remove(x->table_first, x->table_last);
        arch_msix_unmap(x->map, nr);
        return -XEN_ENOSPC;
    }
    x->table = (volatile uint32_t *)((uint8_t *)x->map +
        ((arch_pci_conf_read(bus, (unsigned int)m->devfn, pos + MSIX_TABLE_REG, 4) &
          ~MSIX_BIR_MASK) & (PAGE_SIZE - 1)));
    for (i = 0; i < x->nr_entries; i++)
        msix_write_mask(x, i, true);
    *out = x;
    return 0;
}

/* The enable bit of a device's MSI-X control word (the function mask is
 * left as dom0 set it: Keel masks per entry). */
static void msix_enable(const struct msix_dev *x, bool on)
{
    uint32_t ctrl = arch_pci_conf_read(x->bus, x->devfn, x->pos + 2, 2);

    ctrl = on ? ctrl | MSIX_CTRL_ENABLE : ctrl & ~MSIX_CTRL_ENABLE;
    arch_pci_conf_write(x->bus, x->devfn, x->pos + 2, 2, ctrl);
}

/* The device side of a new MSI or MSI-X entry at pos: for MSI-X the table
 * (the device's first entry maps it) and entry_nr checked as Xen's
 * __pci_enable_msix (-EINVAL past the table, -EEXIST if mapped). */
static int prepare_entry(const struct domain *d, const struct physdev_map_pirq *m,
                         unsigned int bus, unsigned int pos, struct msi_entry *e)
{
    unsigned int devfn = (unsigned int)m->devfn;
    uint32_t ctrl = arch_pci_conf_read(bus, devfn, pos + 2, 2);
    struct msix_dev *x;
    int rc;

    *e = (struct msi_entry){ .used = true, .bus = (uint8_t)bus, .devfn = (uint8_t)devfn,
                             .pos = (uint8_t)pos };
    if (!m->table_base) {
        e->is64 = ctrl & MSI_CTRL_64BIT;
        e->maskbit = ctrl & MSI_CTRL_MASKBIT;
        return 0;
    }
    if (m->entry_nr < 0 || (unsigned int)m->entry_nr > (ctrl & MSIX_CTRL_QSIZE))
        return -XEN_EINVAL;
    if ((x = msix_dev_of(bus, devfn)) && msix_entry_of(x, (unsigned int)m->entry_nr))
        return -XEN_EEXIST;
    if (!x && (rc = msix_setup(d, m, bus, pos, &x)))
        return rc;
    e->msix = x;
    e->entry_nr = (uint16_t)m->entry_nr;
    e->is64 = e->maskbit = true;
    x->users++;
    return 0;
}

/* An entry given up before it was used (pirq allocation failed). */
static void drop_entry(struct msi_entry *e)
{
    if (e->msix && !--e->msix->users)
        msix_release(e->msix);
    e->used = false;
}

int irq_map_msi(struct domain *d, const struct physdev_map_pirq *m, int *pirq_out)
{
    unsigned int seg, bus, pos;
    uint32_t dest = arch_irq_dest_apic_id();
    struct msi_entry *e, ne;
    int rc, pirq, vector;

    if (!d->is_privileged)
        return -XEN_EPERM;
    if ((rc = decode(m, &seg, &bus)) || (rc = find_device_msi(m, seg, bus, &pos)))
        return rc;
    if (dest > 0xff)
        return -XEN_EOPNOTSUPP;        /* x2APIC IDs need remapping or extended IDs */
    if ((rc = prepare_entry(d, m, bus, pos, &ne)))
        return rc;
    if ((vector = msi_vector_alloc()) < 0) {
        drop_entry(&ne);
        return -XEN_ENOSPC;            /* Xen: -EINVAL from create_irq's failure */
    }
    if ((pirq = irq_alloc_msi_pirq(d, m->pirq)) < 0) {
        msi_vector_free((unsigned int)vector);
        drop_entry(&ne);
        return pirq;
    }
    e = &entries[pirq];
    *e = ne;
    e->vector = (uint8_t)vector;
    msi_compose(dest, (unsigned int)vector, &e->addr, &e->data);
    write_mask(e, true);
    write_msg(e);
    if (e->msix && e->msix->users == 1)
        msix_enable(e->msix, true);    /* Keel's: dom0 cannot set it before */
    else if (!e->msix)
        write_ctrl(e, MSI_CTRL_MME, 0);
    __atomic_store_n(&vector_pirq[vector], (int16_t)(pirq + 1), __ATOMIC_SEQ_CST);
    gdprintk("d%u: MSI%s of %02x:%02x.%u entry %u as pirq %d, vector %#x\n", d->domain_id,
             e->msix ? "-X" : "", bus, (unsigned int)m->devfn >> 3,
             (unsigned int)m->devfn & 7, e->entry_nr, pirq, vector);
    *pirq_out = pirq;
    return 0;
}

/* unmap_pirq of an MSI pirq (pirq.c, not bound): as Xen's
 * __pci_disable_msi(x), then a cleared message, then vector and pirq
 * free; a device's last MSI-X entry disables MSI-X and forgets the table. */
void msi_teardown(unsigned int pirq)
{
    struct msi_entry *e = pirq < NR_PIRQS ? &entries[pirq] : NULL;

    if (!e || !e->used)
        return;
    if (!e->msix)
        write_ctrl(e, MSI_CTRL_ENABLE | MSI_CTRL_MME, 0);
    else if (e->msix->users == 1)
        msix_enable(e->msix, false);
    write_mask(e, true);
    e->addr = e->data = 0;
    write_msg(e);
    msi_vector_free(e->vector);
    drop_entry(e);
    irq_free_msi_pirq(pirq);
}

/* Rewrite an entry as Keel last set it: masked, message, mask state. */
static void rewrite_entry(struct msi_entry *e)
{
    bool masked = e->masked;

    write_mask(e, true);
    write_msg(e);
    if (!masked)
        write_mask(e, false);
}

/* PHYSDEVOP_restore_msi(_ext): after a device reset dom0 asks for the
 * messages back (Xen's pci_restore_msi_state); nothing mapped: 0. */
int msi_restore(struct domain *d, unsigned int seg, unsigned int bus, unsigned int devfn)
{
    struct msi_entry *e;
    struct msix_dev *x;
    unsigned int p, i;

    if (!d->is_privileged)
        return -XEN_EPERM;
    if (seg != 0 || bus > 0xff || devfn > 0xff || !device_present(bus, devfn))
        return -XEN_ENODEV;
    if ((e = entry_of(bus, devfn))) {
        rewrite_entry(e);
        write_ctrl(e, MSI_CTRL_MME, 0);
    }
    if ((x = msix_dev_of(bus, devfn))) {
        for (i = 0; i < x->nr_entries; i++)
            msix_write_mask(x, i, true);
        for (p = NR_GSIS; p < NR_PIRQS; p++)
            if (entries[p].used && entries[p].msix == x)
                rewrite_entry(&entries[p]);
        msix_enable(x, true);
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
                      uint32_t force_clear, uint32_t force_set)
{
    if (reg == pos + 2 && size == 2) {
        *val = (*val & ~force_clear) | force_set;
        return true;
    }
    if (reg == pos + 2 && size == 1) {
        *val = ((*val & ~force_clear) | force_set) & 0xff;
        return true;
    }
    if (reg == pos + 3 && size == 1) {
        *val = ((*val & ~(force_clear >> 8)) | (force_set >> 8)) & 0xff;
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
        if (ctrl_only(pos, reg, size, val, clear, 0))
            return true;
        gdprintk("dom0 config write %02x:%02x.%u reg %#x size %u: MSI registers are Keel's\n",
                 bus, devfn >> 3, devfn & 7, reg, size);
        return false;
    }
    if ((pos = pci_find_cap(bus, devfn, PCI_CAP_ID_MSIX)) && overlaps(reg, size, pos, 12)) {
        /* Until Keel has an entry of the device mapped, its enable bit
         * stays clear and its function mask set (Xen's host_maskall). */
        bool keel = msix_dev_of(bus, devfn) != NULL;

        if (ctrl_only(pos, reg, size, val, keel ? 0 : MSIX_CTRL_ENABLE,
                      keel ? 0 : MSIX_CTRL_MASKALL))
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
