/*
 * Unit tests for hypervisor/common/msi.c (MSI for the hardware domain)
 * through PHYSDEVOP_map_pirq/unmap_pirq/restore_msi (physdev.c) and
 * EVTCHNOP_bind_pirq/close (event_channel.c, pirq.c), against a fake
 * PCI configuration space (arch/fake/pci.c).  H (id 0) is the hardware
 * domain, U (id 1) a domU.  Fake devices on bus 0:
 *   DEV_MASK  (devfn 8):  a PM capability at 0x40, then MSI at 0x50,
 *                         64-bit with per-vector masking, 4 vectors capable
 *   DEV_PLAIN (devfn 9):  MSI at 0x60, 32-bit, no mask bits; MSI-X at 0x70
 *   DEV_NOCAP (devfn 10): a capability list without MSI
 *   DEV_LOOP  (devfn 11): a capability list that loops (hostile hardware)
 *   DEV_MSIX  (devfn 12): MSI-X at 0x40, 8 entries, the table at BAR0 +
 *                         0x2000 and the PBA at BAR0 + 0x3000; BAR0 is a
 *                         64-bit memory BAR over the fake device memory
 *                         (arch/fake/pci.c fake_bar_mem, FAKE_BAR_MFN)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/event.h>
#include <keel/irq.h>
#include <keel/mm.h>
#include <keel/pv_mm.h>
#include <keel/hypercall.h>
#include <keel/iomem.h>
#include <public/event_channel.h>
#include <public/physdev.h>

#define DEV_MASK 8
#define DEV_PLAIN 9
#define DEV_NOCAP 10
#define DEV_LOOP 11
#define DEV_MSIX 12
#define BAR0 ((uint64_t)FAKE_BAR_MFN << PAGE_SHIFT)
#define TABLE_MFN (FAKE_BAR_MFN + 2)
#define PBA_MFN (FAKE_BAR_MFN + 3)
#define EOI_F 5

static struct fake_domain fh, fu;
static struct domain *dh, *du;

static void put8(unsigned int devfn, unsigned int reg, uint8_t v) { fake_pci[devfn].cfg[reg] = v; }
static void put16(unsigned int devfn, unsigned int reg, uint16_t v)
{
    put8(devfn, reg, (uint8_t)v);
    put8(devfn, reg + 1, (uint8_t)(v >> 8));
}
static void put32(unsigned int devfn, unsigned int reg, uint32_t v)
{
    put16(devfn, reg, (uint16_t)v);
    put16(devfn, reg + 2, (uint16_t)(v >> 16));
}
static uint32_t get(unsigned int devfn, unsigned int reg, unsigned int size)
{
    return arch_pci_conf_read(0, devfn, reg, size);
}

/* A function with a capability list: caps[i] = { pos, id, ctrl }. */
static void make_dev(unsigned int devfn, const unsigned int (*caps)[3], unsigned int n)
{
    unsigned int i;

    fake_pci[devfn].present = true;
    put16(devfn, 0x00, 0x1af4);
    put16(devfn, 0x02, 0x1000 + devfn);
    put16(devfn, 0x06, n ? 0x10 : 0);
    put8(devfn, 0x34, n ? (uint8_t)caps[0][0] : 0);
    for (i = 0; i < n; i++) {
        put8(devfn, caps[i][0], (uint8_t)caps[i][1]);
        put8(devfn, caps[i][0] + 1, i + 1 < n ? (uint8_t)caps[i + 1][0] : 0);
        put16(devfn, caps[i][0] + 2, (uint16_t)caps[i][2]);
        /* Hardware: the ID and next pointer are read-only. */
        fake_pci[devfn].ro[caps[i][0]] = fake_pci[devfn].ro[caps[i][0] + 1] = 0xff;
    }
}

static int setup(void **state)
{
    static const unsigned int mask_caps[][3] = { { 0x40, 0x01, 0 }, { 0x50, 0x05, 0x0184 } };
    static const unsigned int plain_caps[][3] = { { 0x60, 0x05, 0x0000 }, { 0x70, 0x11, 0x0003 } };
    static const unsigned int nocap_caps[][3] = { { 0x40, 0x01, 0 } };
    static const unsigned int loop_caps[][3] = { { 0x40, 0x01, 0 }, { 0x48, 0x09, 0 } };
    static const unsigned int msix_caps[][3] = { { 0x40, 0x11, 0x0007 } };

    (void)state;
    fake_mm_reset();
    fake_domains_reset();
    fake_domain_init(&fh, 0, 1, true);
    fake_domain_init(&fu, 1, 1, false);
    dh = &fh.d;
    du = &fu.d;
    assert_int_equal(evtchn_init(dh, 64), 0);
    assert_int_equal(evtchn_init(du, 64), 0);
    fake_cpu_info.curr = &fh.v[0];
    fake_pins_reset();
    irq_reset();
    msi_reset();
    irq_gsi_init(24, 9);
    fake_pci_reset();
    fake_dest_apic_id = 2;
    make_dev(DEV_MASK, mask_caps, 2);
    make_dev(DEV_PLAIN, plain_caps, 2);
    make_dev(DEV_NOCAP, nocap_caps, 1);
    make_dev(DEV_LOOP, loop_caps, 2);
    put8(DEV_LOOP, 0x49, 0x40);                      /* 0x48 -> 0x40 -> 0x48 ... */
    make_dev(DEV_MSIX, msix_caps, 1);
    put16(DEV_MSIX, 0x04, 0x0006);                   /* memory decoding, bus master */
    put32(DEV_MSIX, 0x10, (uint32_t)BAR0 | 0x4);     /* 64-bit memory BAR */
    put32(DEV_MSIX, 0x14, (uint32_t)(BAR0 >> 32));
    put32(DEV_MSIX, 0x44, 0x2000);                   /* table: BIR 0, offset 0x2000 */
    put32(DEV_MSIX, 0x48, 0x3000);                   /* PBA: BIR 0, offset 0x3000 */
    fake_pci[DEV_MSIX].ro[0x42] = 0xff;              /* the table size is read-only */
    fake_pci[DEV_MSIX].ro[0x43] = 0x07;
    iomem_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    evtchn_destroy(dh);
    evtchn_destroy(du);
    fake_domain_fini(&fh);
    fake_domain_fini(&fu);
    return 0;
}

static void as(struct domain *d)
{
    fake_cpu_info.curr = d->vcpu[0];
}

static struct physdev_map_pirq req(int type, int bus, int devfn)
{
    return (struct physdev_map_pirq){ .domid = DOMID_SELF, .type = type, .index = -1, .pirq = -1,
                                      .bus = bus, .devfn = devfn };
}

/* map_pirq as d; the pirq Keel chose, or the error. */
static long map(struct domain *d, struct physdev_map_pirq m)
{
    long rc;

    as(d);
    rc = do_physdev_op(PHYSDEVOP_map_pirq, (uint64_t)&m);
    return rc ? rc : m.pirq;
}

static long unmap(struct domain *d, int pirq)
{
    struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = pirq };

    as(d);
    return do_physdev_op(PHYSDEVOP_unmap_pirq, (uint64_t)&u);
}

static long bind(struct domain *d, uint32_t pirq, uint32_t *port)
{
    struct evtchn_bind_pirq b = { .pirq = pirq };
    long rc;

    as(d);
    rc = do_event_channel_op(EVTCHNOP_bind_pirq, (uint64_t)&b);
    *port = b.port;
    return rc;
}

static long evclose(struct domain *d, uint32_t port)
{
    struct evtchn_close c = { .port = port };

    as(d);
    return do_event_channel_op(EVTCHNOP_close, (uint64_t)&c);
}

static bool pending(struct domain *d, unsigned int port)
{
    return (d->shared_info->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

/* The interrupt handler's part (ioapic.c msi_irq), then the delivery. */
static void fire_vector(unsigned int vector)
{
    msi_vector_raised(vector);
    irq_deliver_pending();
}

static void test_compose(void **state)
{
    uint32_t addr, data;

    (void)state;
    msi_compose(2, 0x91, &addr, &data);
    assert_int_equal(addr, 0xfee02000);      /* physical destination APIC 2 */
    assert_int_equal(data, 0x4091);          /* fixed, edge, vector 0x91 */
    msi_compose(0xff, 0xef, &addr, &data);
    assert_int_equal(addr, 0xfeeff000);
    assert_int_equal(data, 0x40ef);
}

static void test_vectors(void **state)
{
    int v, n = 0, first;

    (void)state;
    first = msi_vector_alloc();
    assert_int_equal(first, MSI_VECTOR_BASE);
    for (n = 1; (v = msi_vector_alloc()) >= 0; n++) {
        assert_true(v >= MSI_VECTOR_BASE && v < MSI_VECTOR_END);
        assert_true(v != 0xf0 && v != 0xf1 && v != 0xf2 && v != 0xff);
    }
    assert_int_equal(n, MSI_VECTOR_END - MSI_VECTOR_BASE);
    msi_vector_free(0x9a);
    assert_int_equal(msi_vector_alloc(), 0x9a);
    assert_int_equal(msi_vector_alloc(), -1);
    /* Not an MSI vector: freeing it changes nothing. */
    msi_vector_free(0xf0);                        /* the timer's */
    msi_vector_free(0x30);
    assert_int_equal(msi_vector_alloc(), -1);
}

static void test_find_cap(void **state)
{
    (void)state;
    assert_int_equal(pci_find_cap(0, DEV_MASK, 0x05), 0x50);
    assert_int_equal(pci_find_cap(0, DEV_MASK, 0x01), 0x40);
    assert_int_equal(pci_find_cap(0, DEV_PLAIN, 0x11), 0x70);
    assert_int_equal(pci_find_cap(0, DEV_NOCAP, 0x05), 0);
    assert_int_equal(pci_find_cap(0, DEV_LOOP, 0x05), 0);   /* a loop ends */
    assert_int_equal(pci_find_cap(0, 3, 0x05), 0);          /* no device */
    assert_int_equal(pci_find_cap(1, DEV_MASK, 0x05), 0);   /* no bus 1 */
    put16(DEV_MASK, 0x06, 0);                                /* no list */
    assert_int_equal(pci_find_cap(0, DEV_MASK, 0x05), 0);
}

/* Arguments a hostile or confused dom0 may give: nothing is written. */
static void test_map_refused(void **state)
{
    struct physdev_map_pirq m;

    (void)state;
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, 3)), -XEN_ENODEV);      /* no device */
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_NOCAP)), -XEN_ENODEV);
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_LOOP)), -XEN_ENODEV);
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 1 << 16, DEV_MASK)), -XEN_ENODEV); /* segment 1 */
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0x100, DEV_MASK)), -XEN_EINVAL);
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI, 0x100, DEV_MASK)), -XEN_EINVAL);
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI, -1, DEV_MASK)), -XEN_EINVAL);
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI, 0, 0x100)), -XEN_EINVAL);
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI, 0, -1)), -XEN_EINVAL);
    m = req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK);
    m.index = 40;
    assert_int_equal(map(dh, m), -XEN_EINVAL);                   /* Xen IRQ numbers: none */
    m = req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK);
    m.pirq = 9;
    assert_int_equal(map(dh, m), -XEN_EINVAL);                   /* a GSI's pirq */
    m.pirq = NR_PIRQS;
    assert_int_equal(map(dh, m), -XEN_EINVAL);
    m = req(MAP_PIRQ_TYPE_MULTI_MSI, 0, DEV_MASK);
    m.entry_nr = 4;
    assert_int_equal(map(dh, m), -XEN_EOPNOTSUPP);               /* Xen without remapping */
    m.entry_nr = 0;
    assert_int_equal(map(dh, m), -XEN_EDOM);
    m.entry_nr = 33;
    assert_int_equal(map(dh, m), -XEN_EDOM);
    m.entry_nr = 1;
    m.table_base = 0xfebf0000;
    assert_int_equal(map(dh, m), -XEN_EINVAL);
    /* MSI-X (a table_base) of a device without the capability: -ENODEV;
     * DEV_PLAIN has one, but no BAR and memory decoding off: -ENXIO. */
    m = req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_NOCAP);
    m.table_base = 0xfebf0000;
    assert_int_equal(map(dh, m), -XEN_ENODEV);
    m.devfn = DEV_PLAIN;
    assert_int_equal(map(dh, m), -XEN_ENXIO);
    /* Not the hardware domain, or for another domain. */
    assert_int_equal(map(du, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), -XEN_EPERM);
    m = req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK);
    m.domid = 1;
    assert_int_equal(map(dh, m), -XEN_EPERM);
    m.type = 99;
    m.domid = DOMID_SELF;
    assert_int_equal(map(dh, m), -XEN_EINVAL);
    assert_int_equal(fake_pci_writes, 0);
    assert_int_equal(do_physdev_op(PHYSDEVOP_map_pirq, 0x10), -XEN_EFAULT);
}

/* The message, the masks and the control word after map_pirq. */
static void test_map_programs_device(void **state)
{
    long p1, p2;

    (void)state;
    put16(DEV_MASK, 0x52, 0x01a4);                /* dom0 left MME = 2 */
    p1 = map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK));
    assert_int_equal(p1, NR_PIRQS - 1);           /* Xen: downward from nr_pirqs - 1 */
    assert_int_equal(get(DEV_MASK, 0x54, 4), 0xfee02000);
    assert_int_equal(get(DEV_MASK, 0x58, 4), 0);  /* upper address */
    assert_int_equal(get(DEV_MASK, 0x5c, 2), 0x4000 | MSI_VECTOR_BASE);
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xf);/* 4 vectors capable: all masked */
    assert_int_equal(get(DEV_MASK, 0x52, 2), 0x0184);   /* MME 0, enable left to dom0 */
    /* 32-bit, no mask bits; the plain MSI request type (Linux's retry). */
    p2 = map(dh, req(MAP_PIRQ_TYPE_MSI, 0, DEV_PLAIN));
    assert_int_equal(p2, NR_PIRQS - 2);
    assert_int_equal(get(DEV_PLAIN, 0x64, 4), 0xfee02000);
    assert_int_equal(get(DEV_PLAIN, 0x68, 2), 0x4000 | (MSI_VECTOR_BASE + 1));
    /* Once per device (Xen: "already mapped to MSI"). */
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), -XEN_EEXIST);
    /* A named pirq: free ones only. */
    assert_int_equal(unmap(dh, (int)p2), 0);
    {
        struct physdev_map_pirq m = req(MAP_PIRQ_TYPE_MULTI_MSI, 0, DEV_PLAIN);
        m.entry_nr = 1;
        m.pirq = (int)p1;
        assert_int_equal(map(dh, m), -XEN_EEXIST);
        m.pirq = 100;
        assert_int_equal(map(dh, m), 100);
    }
    /* The pirq is an MSI's, not a GSI's: GSI calls refuse it. */
    assert_int_equal(irq_setup_gsi(dh, (int)p1, 1, 1), -XEN_EINVAL);
}

/* A device claiming a reserved Multiple Message Capable value (6 or 7,
 * found by fuzz_msi: an undefined shift): all 32 mask bits set. */
static void test_reserved_mmc(void **state)
{
    (void)state;
    put16(DEV_MASK, 0x52, 0x018e);
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), NR_PIRQS - 1);
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xffffffff);
}

/* Bind, interrupt, EOI, close, unmap: the whole life of an MSI pirq. */
static void test_life(void **state)
{
    uint32_t port, flags;
    long p;
    uint64_t n, early;

    (void)state;
    fake_frame_assign(_mfn(EOI_F), 0);
    {
        struct physdev_pirq_eoi_gmfn g = { .gmfn = EOI_F };
        as(dh);
        assert_int_equal(do_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, (uint64_t)&g), 0);
    }
    ((uint64_t *)fake_frame(_mfn(EOI_F)))[(NR_PIRQS - 1) / 64] = ~0UL;   /* guest scribbles */
    p = map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK));
    assert_int_equal(p, NR_PIRQS - 1);
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xf);
    /* Not bound: an interrupt is counted, nothing delivered. */
    fire_vector(MSI_VECTOR_BASE);
    assert_int_equal(bind(du, (uint32_t)p, &port), -XEN_EPERM);   /* not U's */
    assert_int_equal(bind(dh, (uint32_t)p, &port), 0);
    assert_false(pending(dh, port));
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xe);                /* vector 0 unmasked */
    /* Edge for the guest: Xen's ACKTYPE_NONE, the EOI-map bit cleared. */
    assert_false((((uint64_t *)fake_frame(_mfn(EOI_F)))[p / 64] >> (p % 64)) & 1);
    assert_int_equal(irq_status_query(dh, (uint32_t)p, &flags), 0);
    assert_int_equal(flags, XENIRQSTAT_needs_eoi);                /* as Xen, always */
    fire_vector(MSI_VECTOR_BASE);
    assert_true(pending(dh, port));
    dh->shared_info->evtchn_pending[port / 64] = 0;
    fire_vector(MSI_VECTOR_BASE);                                  /* no EOI needed */
    assert_true(pending(dh, port));
    assert_int_equal(irq_eoi(dh, (uint32_t)p), 0);                 /* does nothing */
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xe);
    irq_gsi_counts((unsigned int)p, &n, &early);
    assert_int_equal(n, 3);
    assert_int_equal(early, 0);
    /* Other vectors reach nobody. */
    dh->shared_info->evtchn_pending[port / 64] = 0;
    fire_vector(MSI_VECTOR_BASE + 1);
    fire_vector(0x31);
    fire_vector(0xf0);
    assert_false(pending(dh, port));
    /* Bound: unmap refused (close first, as for a GSI). */
    assert_int_equal(unmap(dh, (int)p), -XEN_EBUSY);
    assert_int_equal(evclose(dh, port), 0);
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xf);                 /* masked again */
    /* dom0 enabled MSI meanwhile; unmap disables it and clears the message. */
    put16(DEV_MASK, 0x52, 0x0185);
    assert_int_equal(unmap(du, (int)p), -XEN_EPERM);
    assert_int_equal(unmap(dh, (int)p), 0);
    assert_int_equal(get(DEV_MASK, 0x52, 2), 0x0184);
    assert_int_equal(get(DEV_MASK, 0x54, 4), 0);
    assert_int_equal(get(DEV_MASK, 0x5c, 2), 0);
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xf);
    assert_int_equal(unmap(dh, (int)p), -XEN_EINVAL);
    assert_int_equal(irq_eoi(dh, (uint32_t)p), -XEN_EINVAL);
    /* The vector is free: a late interrupt on it goes nowhere ... */
    fire_vector(MSI_VECTOR_BASE);
    irq_gsi_counts((unsigned int)p, &n, &early);
    assert_int_equal(n, 3);
    /* ... and both are given out again. */
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), NR_PIRQS - 1);
    assert_int_equal(get(DEV_MASK, 0x5c, 2), 0x4000 | MSI_VECTOR_BASE);
}

/* Out of vectors or pirqs: -ENOSPC, and nothing is held or written. */
static void test_exhaustion(void **state)
{
    unsigned int i, writes;

    (void)state;
    while (msi_vector_alloc() >= 0)
        ;
    writes = fake_pci_writes;
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), -XEN_ENOSPC);
    assert_int_equal(fake_pci_writes, writes);
    msi_vector_free(0xa0);
    for (i = NR_GSIS; i < NR_PIRQS; i++)
        assert_int_equal(irq_alloc_msi_pirq(dh, -1), (int)(NR_PIRQS - 1 - (i - NR_GSIS)));
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), -XEN_ENOSPC);
    assert_int_equal(fake_pci_writes, writes);
    assert_int_equal(msi_vector_alloc(), 0xa0);   /* the vector was given back */
}

/* dom0's configuration writes into the capabilities (conf1 emulation). */
static void test_conf_filter(void **state)
{
    uint32_t v;

    (void)state;
    /* The header and other capabilities: untouched. */
    v = 0x0006;
    assert_true(msi_conf_write_ok(0, DEV_MASK, 0x04, 2, &v));
    assert_int_equal(v, 0x0006);
    v = 0x1234;
    assert_true(msi_conf_write_ok(0, DEV_MASK, 0x44, 2, &v));     /* PM control */
    assert_true(msi_conf_write_ok(0, 3, 0x54, 4, &v));            /* no device */
    /* Not mapped: the message, the masks, a dword over the header: dropped. */
    v = 0xfee00000;
    assert_false(msi_conf_write_ok(0, DEV_MASK, 0x54, 4, &v));
    assert_false(msi_conf_write_ok(0, DEV_MASK, 0x5c, 2, &v));
    assert_false(msi_conf_write_ok(0, DEV_MASK, 0x60, 4, &v));
    assert_false(msi_conf_write_ok(0, DEV_MASK, 0x50, 4, &v));
    assert_false(msi_conf_write_ok(0, DEV_MASK, 0x5d, 1, &v));
    assert_false(msi_conf_write_ok(0, DEV_PLAIN, 0x68, 2, &v));
    /* Not mapped: the control word passes without enable and MME. */
    v = 0x0131;
    assert_true(msi_conf_write_ok(0, DEV_MASK, 0x52, 2, &v));
    assert_int_equal(v, 0x0100);
    v = 0x31;
    assert_true(msi_conf_write_ok(0, DEV_MASK, 0x52, 1, &v));
    assert_int_equal(v, 0);
    v = 0x01;
    assert_true(msi_conf_write_ok(0, DEV_MASK, 0x53, 1, &v));
    assert_int_equal(v, 0x01);
    /* Mapped: enable passes, MME still forced to 0 (one vector). */
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), NR_PIRQS - 1);
    v = 0x0111;
    assert_true(msi_conf_write_ok(0, DEV_MASK, 0x52, 2, &v));
    assert_int_equal(v, 0x0101);
    v = 0xfee0f000;
    assert_false(msi_conf_write_ok(0, DEV_MASK, 0x54, 4, &v));   /* another CPU: no */
    assert_false(msi_conf_write_ok(0, DEV_MASK, 0x60, 4, &v));   /* the masks are Keel's */
    /* MSI-X: the control word passes without its enable bit; the table
     * and PBA locations are read-only. */
    v = 0xc000;
    assert_true(msi_conf_write_ok(0, DEV_PLAIN, 0x72, 2, &v));
    assert_int_equal(v, 0x4000);                                  /* MASKALL stays */
    v = 0xc0;
    assert_true(msi_conf_write_ok(0, DEV_PLAIN, 0x73, 1, &v));
    assert_int_equal(v, 0x40);
    v = 0x8000;
    assert_true(msi_conf_write_ok(0, DEV_PLAIN, 0x72, 2, &v));
    assert_int_equal(v, 0x4000);                                  /* MASKALL forced */
    assert_false(msi_conf_write_ok(0, DEV_PLAIN, 0x74, 4, &v));
    assert_false(msi_conf_write_ok(0, DEV_PLAIN, 0x70, 4, &v));
}

/* PHYSDEVOP_restore_msi(_ext): after a reset wiped the device. */
static void test_restore(void **state)
{
    struct physdev_pci_device pd = { .seg = 0, .bus = 0, .devfn = DEV_MASK };
    struct physdev_restore_msi r = { .bus = 0, .devfn = DEV_MASK };
    unsigned int i;

    (void)state;
    as(dh);
    assert_int_equal(do_physdev_op(PHYSDEVOP_restore_msi_ext, (uint64_t)&pd), 0);  /* nothing mapped */
    assert_int_equal(map(dh, req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MASK)), NR_PIRQS - 1);
    for (i = 0x54; i < 0x64; i++)
        put8(DEV_MASK, i, 0);
    as(dh);
    assert_int_equal(do_physdev_op(PHYSDEVOP_restore_msi_ext, (uint64_t)&pd), 0);
    assert_int_equal(get(DEV_MASK, 0x54, 4), 0xfee02000);
    assert_int_equal(get(DEV_MASK, 0x5c, 2), 0x4000 | MSI_VECTOR_BASE);
    assert_int_equal(get(DEV_MASK, 0x60, 4), 0xf);
    put8(DEV_MASK, 0x5c, 0);
    assert_int_equal(do_physdev_op(PHYSDEVOP_restore_msi, (uint64_t)&r), 0);
    assert_int_equal(get(DEV_MASK, 0x5c, 2), 0x4000 | MSI_VECTOR_BASE);
    pd.seg = 1;
    assert_int_equal(do_physdev_op(PHYSDEVOP_restore_msi_ext, (uint64_t)&pd), -XEN_ENODEV);
    pd.seg = 0;
    pd.devfn = 3;
    assert_int_equal(do_physdev_op(PHYSDEVOP_restore_msi_ext, (uint64_t)&pd), -XEN_ENODEV);
    as(du);
    pd.devfn = DEV_MASK;
    assert_int_equal(do_physdev_op(PHYSDEVOP_restore_msi_ext, (uint64_t)&pd), -XEN_EPERM);
}


/* ---- MSI-X ---- */

static struct physdev_map_pirq xreq(int entry_nr)
{
    struct physdev_map_pirq m = req(MAP_PIRQ_TYPE_MSI_SEG, 0, DEV_MSIX);

    m.table_base = BAR0;
    m.entry_nr = entry_nr;
    return m;
}

/* Register reg (0 address, 4 upper, 8 data, 12 vector control) of
 * table entry i in the fake device memory. */
static uint32_t xent(unsigned int i, unsigned int reg)
{
    return fake_bar_mem[((TABLE_MFN - FAKE_BAR_MFN) * PAGE_SIZE + i * 16 + reg) / 4];
}

static void xent_put(unsigned int i, unsigned int reg, uint32_t v)
{
    fake_bar_mem[((TABLE_MFN - FAKE_BAR_MFN) * PAGE_SIZE + i * 16 + reg) / 4] = v;
}

/*
 * map_pirq with a table_base (Linux's xen_initdom_setup_msi_irqs for
 * MSI-X): the table is found through the capability's BIR and offset,
 * mapped, every entry masked, the entry's message written (masked until
 * bind), MSI-X enabled by Keel; the table and PBA frames become
 * read-only to dom0.  Before this, map_pirq of MSI-X was -ENODEV.
 */
static void test_msix_map(void **state)
{
    long p0, p3;
    unsigned int i;

    (void)state;
    for (i = 0; i < 8; i++)
        xent_put(i, 8, 0xdead);                      /* dom0's leftovers, unmasked */
    put16(DEV_MSIX, 0x42, 0x4007);                   /* dom0: MASKALL (enable was refused) */
    p0 = map(dh, xreq(0));
    assert_int_equal(p0, NR_PIRQS - 1);
    assert_int_equal(xent(0, 0), 0xfee02000);
    assert_int_equal(xent(0, 4), 0);
    assert_int_equal(xent(0, 8), 0x4000 | MSI_VECTOR_BASE);
    for (i = 0; i < 8; i++)
        assert_int_equal(xent(i, 12), 1);            /* every entry masked */
    assert_int_equal(get(DEV_MSIX, 0x42, 2), 0xc007);/* enabled by Keel, MASKALL kept */
    assert_true(iomem_frame_ro(TABLE_MFN));
    assert_true(iomem_frame_ro(PBA_MFN));
    assert_false(iomem_frame_ro(FAKE_BAR_MFN));
    assert_int_equal(fake_msix_maps, 1);
    p3 = map(dh, xreq(3));
    assert_int_equal(p3, NR_PIRQS - 2);
    assert_int_equal(xent(3, 8), 0x4000 | (MSI_VECTOR_BASE + 1));
    assert_int_equal(fake_msix_maps, 1);             /* one mapping per table */
    /* Xen's __pci_enable_msix: past the table -EINVAL, twice -EEXIST;
     * MSI-X in use: MSI of the same function refused. */
    assert_int_equal(map(dh, xreq(8)), -XEN_EINVAL);
    assert_int_equal(map(dh, xreq(-1)), -XEN_EINVAL);
    assert_int_equal(map(dh, xreq(3)), -XEN_EEXIST);
    assert_int_equal(map(du, xreq(1)), -XEN_EPERM);
    /* Unmap one: its entry masked and cleared, MSI-X stays on. */
    assert_int_equal(unmap(dh, (int)p0), 0);
    assert_int_equal(xent(0, 0), 0);
    assert_int_equal(xent(0, 8), 0);
    assert_int_equal(xent(0, 12), 1);
    assert_int_equal(get(DEV_MSIX, 0x42, 2), 0xc007);
    assert_true(iomem_frame_ro(TABLE_MFN));
    /* The last: MSI-X disabled, the table dom0's again, vectors free. */
    assert_int_equal(unmap(dh, (int)p3), 0);
    assert_int_equal(get(DEV_MSIX, 0x42, 2), 0x4007);
    assert_false(iomem_frame_ro(TABLE_MFN));
    assert_false(iomem_frame_ro(PBA_MFN));
    assert_int_equal(fake_msix_maps, 0);
    assert_int_equal(msi_vector_alloc(), MSI_VECTOR_BASE);
    assert_int_equal(msi_vector_alloc(), MSI_VECTOR_BASE + 1);
}

/* Bind unmasks the entry, its vector raises the port, close masks it. */
static void test_msix_life(void **state)
{
    uint32_t port;
    long p;

    (void)state;
    p = map(dh, xreq(5));
    assert_int_equal(p, NR_PIRQS - 1);
    assert_int_equal(bind(dh, (uint32_t)p, &port), 0);
    assert_int_equal(xent(5, 12), 0);
    fire_vector(MSI_VECTOR_BASE);
    assert_true(pending(dh, port));
    assert_int_equal(unmap(dh, (int)p), -XEN_EBUSY);
    assert_int_equal(evclose(dh, port), 0);
    assert_int_equal(xent(5, 12), 1);
    assert_int_equal(unmap(dh, (int)p), 0);
}

/* Where the table may not be: each refused before anything is written. */
static void test_msix_refused(void **state)
{
    unsigned int writes = fake_pci_writes;

    (void)state;
    put16(DEV_MSIX, 0x04, 0x0004);                   /* memory decoding off */
    assert_int_equal(map(dh, xreq(0)), -XEN_ENXIO);
    put16(DEV_MSIX, 0x04, 0x0006);
    put32(DEV_MSIX, 0x10, 0x4);                      /* BAR unassigned */
    put32(DEV_MSIX, 0x14, 0);
    assert_int_equal(map(dh, xreq(0)), -XEN_ENXIO);
    put32(DEV_MSIX, 0x10, 0xc001);                   /* an I/O BAR */
    assert_int_equal(map(dh, xreq(0)), -XEN_ENXIO);
    put32(DEV_MSIX, 0x10, 0x1000 | 0x4);             /* on RAM (frame 1) */
    assert_int_equal(map(dh, xreq(0)), -XEN_EPERM);
    put32(DEV_MSIX, 0x10, (uint32_t)BAR0 | 0x4);
    put32(DEV_MSIX, 0x14, (uint32_t)(BAR0 >> 32));
    assert_int_equal(iomem_deny(TABLE_MFN, TABLE_MFN), 0);   /* a frame Keel keeps */
    assert_int_equal(map(dh, xreq(0)), -XEN_EPERM);
    iomem_reset();
    put32(DEV_MSIX, 0x44, 0x2000 | 5);               /* BIR 5: nothing there */
    assert_int_equal(map(dh, xreq(0)), -XEN_ENXIO);
    put32(DEV_MSIX, 0x44, (FAKE_BAR_PAGES * PAGE_SIZE - 16) | 0);   /* past the window */
    assert_int_equal(map(dh, xreq(1)), -XEN_EPERM);
    assert_int_equal(fake_pci_writes, writes + 0);
    assert_int_equal(fake_msix_maps, 0);
    assert_int_equal(get(DEV_MSIX, 0x42, 2), 0x0007);/* never enabled */
    assert_false(iomem_frame_ro(TABLE_MFN));
}

/* dom0's control-word writes: no enable and no function unmask before
 * Keel has an entry mapped; then they pass (Linux clears MASKALL). */
static void test_msix_conf_filter(void **state)
{
    uint32_t v;
    long p;

    (void)state;
    v = 0xc000;
    assert_true(msi_conf_write_ok(0, DEV_MSIX, 0x42, 2, &v));
    assert_int_equal(v, 0x4000);
    v = 0x0000;
    assert_true(msi_conf_write_ok(0, DEV_MSIX, 0x42, 2, &v));
    assert_int_equal(v, 0x4000);
    v = 0x80;
    assert_true(msi_conf_write_ok(0, DEV_MSIX, 0x43, 1, &v));
    assert_int_equal(v, 0x40);
    p = map(dh, xreq(0));
    assert_int_equal(p, NR_PIRQS - 1);
    v = 0x8000;
    assert_true(msi_conf_write_ok(0, DEV_MSIX, 0x42, 2, &v));
    assert_int_equal(v, 0x8000);
    v = 0x0000;
    assert_true(msi_conf_write_ok(0, DEV_MSIX, 0x42, 2, &v));
    assert_int_equal(v, 0x0000);
    v = 0x3000;                                      /* the table location: never */
    assert_false(msi_conf_write_ok(0, DEV_MSIX, 0x44, 4, &v));
    assert_int_equal(unmap(dh, (int)p), 0);
    v = 0x8000;
    assert_true(msi_conf_write_ok(0, DEV_MSIX, 0x42, 2, &v));
    assert_int_equal(v, 0x4000);
}

/* restore_msi after a reset wiped the table and the control word. */
static void test_msix_restore(void **state)
{
    struct physdev_pci_device pd = { .seg = 0, .bus = 0, .devfn = DEV_MSIX };
    uint32_t port;
    long p1, p2;
    unsigned int i;

    (void)state;
    p1 = map(dh, xreq(1));
    p2 = map(dh, xreq(2));
    assert_int_equal(bind(dh, (uint32_t)p1, &port), 0);
    memset(fake_bar_mem, 0, sizeof(fake_bar_mem));
    put16(DEV_MSIX, 0x42, 0x0007);
    as(dh);
    assert_int_equal(do_physdev_op(PHYSDEVOP_restore_msi_ext, (uint64_t)&pd), 0);
    assert_int_equal(xent(1, 0), 0xfee02000);
    assert_int_equal(xent(1, 8), 0x4000 | MSI_VECTOR_BASE);
    assert_int_equal(xent(1, 12), 0);                /* bound: unmasked */
    assert_int_equal(xent(2, 8), 0x4000 | (MSI_VECTOR_BASE + 1));
    assert_int_equal(xent(2, 12), 1);                /* not bound: masked */
    for (i = 3; i < 8; i++)
        assert_int_equal(xent(i, 12), 1);
    assert_int_equal(get(DEV_MSIX, 0x42, 2), 0x8007);
    (void)p2;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_compose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_programs_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_mmc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_life, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix_life, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix_conf_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix_restore, setup, teardown),
    };
    return cmocka_run_group_tests_name("msi", tests, NULL, NULL);
}
