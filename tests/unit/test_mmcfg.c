/*
 * Unit tests for hypervisor/common/mmcfg.c: the ECAM (MMCONFIG) windows
 * read-only to the hardware domain and its writes to them, filtered as
 * its conf1 writes are (Xen 4.17's mmcfg_intercept_write through
 * pci_conf_write_intercept; mmio_ro_emulated_write for the other
 * read-only frames), and PHYSDEVOP_pci_mmcfg_reserved (physdev.c), on
 * the fake PCI configuration space and ECAM window (arch/fake/pci.c,
 * FAKE_MCFG_MFN).  H (id 0) is the hardware domain, U (id 1) a domU.
 * Fake devices on bus 0:
 *   DEV_MSI  (devfn 8):  MSI at 0x50, 64-bit with per-vector masking
 *   DEV_MSIX (devfn 12): MSI-X at 0x40, 8 entries, the table at BAR0 +
 *                        0x2000, the PBA at BAR0 + 0x3000
 * The instruction decoding of the fault is tested in test_ptwr.c.
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
#include <keel/hypercall.h>
#include <keel/iomem.h>
#include <keel/mmcfg.h>
#include <public/physdev.h>

#define DEV_MSI 8
#define DEV_MSIX 12
#define BAR0 ((uint64_t)FAKE_BAR_MFN << PAGE_SHIFT)
#define TABLE_MFN (FAKE_BAR_MFN + 2)
#define MCFG_BASE ((uint64_t)FAKE_MCFG_MFN << PAGE_SHIFT)
#define MSI_CTRL 0x52
#define MSI_ADDR 0x54
#define MSI_DATA 0x5c
#define MSIX_CTRL 0x42

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

/* A function with one capability (id, control word) at pos. */
static void make_dev(unsigned int devfn, unsigned int pos, unsigned int id, uint16_t ctrl)
{
    fake_pci[devfn].present = true;
    put16(devfn, 0x00, 0x8086);
    put16(devfn, 0x02, 0x2900 + devfn);
    put16(devfn, 0x06, 0x10);
    put8(devfn, 0x34, (uint8_t)pos);
    put8(devfn, pos, (uint8_t)id);
    put16(devfn, pos + 2, ctrl);
    fake_pci[devfn].ro[pos] = fake_pci[devfn].ro[pos + 1] = 0xff;
}

static int setup(void **state)
{
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
    make_dev(DEV_MSI, 0x50, 0x05, 0x0180);           /* 64-bit, mask bits, 1 vector */
    make_dev(DEV_MSIX, 0x40, 0x11, 0x0007);          /* 8 entries */
    put16(DEV_MSIX, 0x04, 0x0006);                   /* memory decoding, bus master */
    put32(DEV_MSIX, 0x10, (uint32_t)BAR0 | 0x4);     /* 64-bit memory BAR */
    put32(DEV_MSIX, 0x14, (uint32_t)(BAR0 >> 32));
    put32(DEV_MSIX, 0x44, 0x2000);
    put32(DEV_MSIX, 0x48, 0x3000);
    fake_pci[DEV_MSIX].ro[0x42] = 0xff;
    fake_pci[DEV_MSIX].ro[0x43] = 0x07;
    iomem_reset();
    mmcfg_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    evtchn_destroy(dh);
    evtchn_destroy(du);
    fake_domain_fini(&fh);
    fake_domain_fini(&fu);
    mmcfg_reset();
    iomem_reset();
    return 0;
}

static uint64_t ecam(unsigned int bus, unsigned int devfn, unsigned int reg)
{
    return MCFG_BASE + ((uint64_t)bus << 20) + ((uint64_t)devfn << 12) + reg;
}

/* dom0's store through ECAM, as the page-fault handler hands it over. */
static int store(const struct domain *d, unsigned int devfn, unsigned int reg, unsigned int size,
                 uint64_t val)
{
    return mmio_ro_write(d, ecam(0, devfn, reg), size, val);
}

static long mmcfg_reserved_op(struct domain *d, uint64_t addr, uint16_t seg, uint8_t start,
                              uint8_t end, uint32_t flags)
{
    struct physdev_pci_mmcfg_reserved r = { .address = addr, .segment = seg, .start_bus = start,
                                            .end_bus = end, .flags = flags };

    fake_cpu_info.curr = d->vcpu[0];
    return do_physdev_op(PHYSDEVOP_pci_mmcfg_reserved, (uint64_t)&r);
}

/* The window's frames are read-only to dom0 from registration on (Xen's
 * pci_mmcfg_arch_enable adds them to mmio_ro_ranges); firmware's
 * impossible windows are refused. */
static void test_register(void **state)
{
    unsigned int i;

    (void)state;
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 0, 0xff), 0);
    assert_true(iomem_frame_ro(FAKE_MCFG_MFN));
    assert_true(iomem_frame_ro(FAKE_MCFG_MFN + 0xffff));       /* bus ff, 1f.7 */
    assert_false(iomem_frame_ro(FAKE_MCFG_MFN - 1));
    assert_false(iomem_frame_ro(FAKE_MCFG_MFN + 0x10000));
    /* Buses 0x10-0x1f of segment 1: only their frames. */
    assert_int_equal(mmcfg_register(MCFG_BASE + (1UL << 28), 1, 0x10, 0x1f), 0);
    assert_false(iomem_frame_ro(FAKE_MCFG_MFN + 0x10000 + 0x0fff));
    assert_true(iomem_frame_ro(FAKE_MCFG_MFN + 0x10000 + 0x1000));
    assert_true(iomem_frame_ro(FAKE_MCFG_MFN + 0x10000 + 0x1fff));
    assert_false(iomem_frame_ro(FAKE_MCFG_MFN + 0x10000 + 0x2000));
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 2, 1), -XEN_EINVAL);
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 0, 0x100), -XEN_EINVAL);
    assert_int_equal(mmcfg_register(MCFG_BASE, 0x10000, 0, 0xff), -XEN_EINVAL);
    assert_int_equal(mmcfg_register(MCFG_BASE + 0x1000, 0, 0, 0xff), -XEN_EINVAL);
    assert_int_equal(mmcfg_register(1UL << 52, 0, 0, 0xff), -XEN_EINVAL);
    assert_int_equal(mmcfg_register(~0UL << 20, 0, 0, 0xff), -XEN_EINVAL);
    for (i = 2; i < MMCFG_MAX; i++)
        assert_int_equal(mmcfg_register(MCFG_BASE + ((uint64_t)i << 28), (uint16_t)i, 0, 0), 0);
    assert_int_equal(mmcfg_register(MCFG_BASE + (0xfUL << 28), 0xf, 0, 0), -XEN_ENOSPC);
}

static void test_decode(void **state)
{
    unsigned int seg = 9, bus = 9, devfn = 9;

    (void)state;
    assert_false(mmcfg_decode(FAKE_MCFG_MFN, &seg, &bus, &devfn));
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 0, 0xff), 0);
    assert_int_equal(mmcfg_register(MCFG_BASE + (1UL << 28), 3, 0x10, 0x1f), 0);
    assert_true(mmcfg_decode(ecam(0, 0xfa, 0) >> PAGE_SHIFT, &seg, &bus, &devfn));
    assert_int_equal(seg, 0);
    assert_int_equal(bus, 0);
    assert_int_equal(devfn, 0xfa);
    assert_true(mmcfg_decode(ecam(0x3c, 0x11, 0) >> PAGE_SHIFT, &seg, &bus, &devfn));
    assert_int_equal(bus, 0x3c);
    assert_int_equal(devfn, 0x11);
    /* Segment 3's window: bus 0x12 is 0x12 frames of 256 past its bus 0. */
    assert_true(mmcfg_decode((MCFG_BASE >> PAGE_SHIFT) + 0x10000 + 0x1208, &seg, &bus, &devfn));
    assert_int_equal(seg, 3);
    assert_int_equal(bus, 0x12);
    assert_int_equal(devfn, 0x08);
    assert_false(mmcfg_decode((MCFG_BASE >> PAGE_SHIFT) + 0x10000 + 0x0f08, &seg, &bus, &devfn));
    assert_false(mmcfg_decode(TABLE_MFN, &seg, &bus, &devfn));
}

/* PHYSDEVOP_pci_mmcfg_reserved, as Xen's pci_mmcfg_reserved. */
static void test_reserved(void **state)
{
    (void)state;
    assert_int_equal(mmcfg_reserved_op(dh, MCFG_BASE, 0, 0, 0xff, XEN_PCI_MMCFG_RESERVED),
                     -XEN_ENODEV);                   /* no MCFG table */
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 0, 0xff), 0);
    assert_int_equal(mmcfg_reserved_op(dh, MCFG_BASE, 0, 0, 0xff, XEN_PCI_MMCFG_RESERVED), 0);
    assert_int_equal(mmcfg_reserved_op(dh, MCFG_BASE, 0, 0, 0xff, 0), 0);
    assert_true(iomem_frame_ro(FAKE_MCFG_MFN));     /* still read-only, as Xen */
    assert_int_equal(mmcfg_reserved_op(dh, MCFG_BASE, 0, 0, 0xff, 2), -XEN_EINVAL);
    assert_int_equal(mmcfg_reserved_op(dh, MCFG_BASE + (1UL << 28), 0, 0, 0xff,
                                       XEN_PCI_MMCFG_RESERVED), -XEN_EIO);
    assert_int_equal(mmcfg_reserved_op(dh, MCFG_BASE, 0, 0, 0x7f, XEN_PCI_MMCFG_RESERVED),
                     -XEN_ENODEV);
    assert_int_equal(mmcfg_reserved_op(dh, MCFG_BASE, 1, 0, 0xff, XEN_PCI_MMCFG_RESERVED),
                     -XEN_ENODEV);
    assert_int_equal(mmcfg_reserved_op(du, MCFG_BASE, 0, 0, 0xff, XEN_PCI_MMCFG_RESERVED),
                     -XEN_EPERM);
}

/* dom0's ECAM writes into an MSI capability: filtered exactly as its
 * conf1 writes (msi_conf_write_ok), the rest performed. */
static void test_msi_filter(void **state)
{
    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI_SEG,
                                  .index = -1, .pirq = -1, .bus = 0, .devfn = DEV_MSI };
    uint32_t addr, data;

    (void)state;
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 0, 0xff), 0);
    /* The message (vector 0xf0, the timer's) and a dword over the
     * header: dropped, nothing reaches the device. */
    assert_int_equal(store(dh, DEV_MSI, MSI_ADDR, 4, 0xfee00000), 0);
    assert_int_equal(store(dh, DEV_MSI, MSI_DATA, 2, 0x40f0), 0);
    assert_int_equal(store(dh, DEV_MSI, 0x50, 4, 0x01810005), 0);
    assert_int_equal(fake_mmcfg_writes, 0);
    assert_int_equal(get(DEV_MSI, MSI_ADDR, 4), 0);
    assert_int_equal(get(DEV_MSI, MSI_DATA, 2), 0);
    /* The control word alone passes, its enable bit forced clear. */
    assert_int_equal(store(dh, DEV_MSI, MSI_CTRL, 2, 0x0181), 0);
    assert_int_equal(fake_mmcfg_writes, 1);
    assert_int_equal(fake_mmcfg_last.maddr, ecam(0, DEV_MSI, MSI_CTRL));
    assert_int_equal(get(DEV_MSI, MSI_CTRL, 2), 0x0180);
    /* The command register, and an extended register (256-4095, ECAM
     * only), are dom0's. */
    assert_int_equal(store(dh, DEV_MSI, 0x04, 2, 0x0406), 0);
    assert_int_equal(get(DEV_MSI, 0x04, 2), 0x0406);
    assert_int_equal(store(dh, DEV_MSI, 0x104, 4, 0xdeadbeef), 0);
    assert_int_equal(fake_mmcfg_writes, 3);
    assert_int_equal(fake_mmcfg_last.maddr, ecam(0, DEV_MSI, 0x104));
    assert_int_equal(fake_mmcfg_last.size, 4);
    assert_int_equal(fake_mmcfg_last.val, 0xdeadbeef);
    /* Keel programmed it: dom0 may enable it, never rewrite it. */
    fake_cpu_info.curr = dh->vcpu[0];
    assert_true(do_physdev_op(PHYSDEVOP_map_pirq, (uint64_t)&m) == 0);
    addr = get(DEV_MSI, MSI_ADDR, 4);
    data = get(DEV_MSI, MSI_DATA, 2);
    assert_int_equal(addr, 0xfee02000);
    assert_int_equal(store(dh, DEV_MSI, MSI_DATA, 2, (data & ~0xffu) | 0xf0), 0);
    assert_int_equal(store(dh, DEV_MSI, MSI_ADDR, 4, 0xfee01000), 0);
    assert_int_equal(get(DEV_MSI, MSI_DATA, 2), data);
    assert_int_equal(get(DEV_MSI, MSI_ADDR, 4), addr);
    assert_int_equal(store(dh, DEV_MSI, MSI_CTRL, 2, 0x0181), 0);
    assert_int_equal(get(DEV_MSI, MSI_CTRL, 2), 0x0181);
    /* A byte store to the control word's low byte: the enable passes too. */
    assert_int_equal(store(dh, DEV_MSI, MSI_CTRL, 1, 0x80), 0);
    assert_int_equal(get(DEV_MSI, MSI_CTRL, 2), 0x0180);
}

/* The MSI-X control word: enable forced clear and the function mask set
 * until Keel has an entry mapped; the capability's other registers are
 * never dom0's. */
static void test_msix_filter(void **state)
{
    (void)state;
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 0, 0xff), 0);
    assert_int_equal(store(dh, DEV_MSIX, MSIX_CTRL, 2, 0x8007), 0);
    assert_int_equal(get(DEV_MSIX, MSIX_CTRL, 2), 0x4007);
    assert_int_equal(store(dh, DEV_MSIX, 0x44, 4, 0x1000), 0);   /* the table offset */
    assert_int_equal(get(DEV_MSIX, 0x44, 4), 0x2000);
}

/* Xen's "naturally-aligned stores no wider than 4 bytes"; only the
 * hardware domain; a segment Keel cannot filter is dropped. */
static void test_refused(void **state)
{
    (void)state;
    assert_int_equal(mmcfg_register(MCFG_BASE, 0, 0, 0xff), 0);
    assert_int_equal(mmcfg_register(MCFG_BASE + (1UL << 28), 1, 0, 0xff), 0);
    assert_int_equal(store(dh, DEV_MSI, 0x05, 2, 0), -XEN_EINVAL);
    assert_int_equal(store(dh, DEV_MSI, 0x06, 4, 0), -XEN_EINVAL);
    assert_int_equal(store(dh, DEV_MSI, 0x08, 8, 0), -XEN_EINVAL);
    assert_int_equal(store(dh, DEV_MSI, 0x08, 3, 0), -XEN_EINVAL);
    assert_int_equal(store(dh, DEV_MSI, 0x08, 0, 0), -XEN_EINVAL);
    assert_int_equal(store(du, DEV_MSI, 0x04, 2, 0), -XEN_EINVAL);
    assert_int_equal(mmio_ro_write(dh, MCFG_BASE + (1UL << 28) + 0x8004, 2, 6), 0);
    assert_int_equal(fake_mmcfg_writes, 0);
    /* Another read-only frame (an MSI-X table): Xen drops aligned stores
     * of any width and refuses the others. */
    assert_int_equal(iomem_ro_add(TABLE_MFN, TABLE_MFN), 0);
    assert_int_equal(mmio_ro_write(dh, (TABLE_MFN << PAGE_SHIFT) | 8, 8, 0), 0);
    assert_int_equal(mmio_ro_write(dh, (TABLE_MFN << PAGE_SHIFT) | 4, 8, 0), -XEN_EINVAL);
    assert_int_equal(fake_mmcfg_writes, 0);
    assert_int_equal(fake_bar_mem[2 * 1024 + 2], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msi_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msix_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests_name("mmcfg", tests, NULL, NULL);
}
