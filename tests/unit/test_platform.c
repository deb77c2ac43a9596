/*
 * Unit tests of the hardware domain's platform_op and physdev_op entry
 * points (arch/x86_64/platform_op.c, physdev.c) through their hypercall
 * functions, with guest pointers as host pointers: who may call them,
 * the interface version, hostile arguments (bad pointers, unknown
 * commands, out-of-range CPUs and GSIs), and the values returned, as
 * Xen 4.17 answers them.  H (id 0) is the hardware domain, U (id 1) a domU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/acpi.h>
#include <keel/irq.h>
#include <keel/hypercall.h>
#include <keel/smp.h>
#include <keel/mmcfg.h>
#include <keel/iomem.h>
#include <public/platform.h>
#include <public/physdev.h>
#include <public/event_channel.h>

struct acpi_platform acpi_platform;

/* time_sources.c's part of XENPF_settime, recorded. */
static uint64_t set_secs, set_sys;
static uint32_t set_nsecs;
static unsigned int set_calls;
void time_set_wallclock(uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
    set_secs = secs;
    set_nsecs = nsecs;
    set_sys = system_time;
    set_calls++;
}

static struct fake_domain fh, fu;

static int setup(void **state)
{
    (void)state;
    fake_domains_reset();
    fake_domain_init(&fh, 0, 1, true);
    fake_domain_init(&fu, 1, 1, false);
    assert_int_equal(evtchn_init(&fh.d, 64), 0);
    assert_int_equal(evtchn_init(&fu.d, 64), 0);
    fake_cpu_info.curr = &fh.v[0];
    memset(&acpi_platform, 0, sizeof(acpi_platform));
    acpi_platform.pm1a_cnt = 0x604;
    acpi_platform.nr_cpus = 1;
    acpi_platform.cpu[0] = (struct acpi_cpu){ .apic_id = 0, .acpi_id = 7 };
    pcpus[0].apic_id = 0;
    nr_cpus_online = 1;
    set_calls = 0;
    fake_pins_reset();
    irq_reset();
    irq_gsi_init(24, 9);
    irq_gsi_reserve(0);
    irq_gsi_reserve(2);
    irq_gsi_boot_program(9, true, false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&fh);
    fake_domain_fini(&fu);
    return 0;
}

static void as(struct fake_domain *f)
{
    fake_cpu_info.curr = &f->v[0];
}

static struct xen_platform_op pop(uint32_t cmd)
{
    struct xen_platform_op op;

    memset(&op, 0xa5, sizeof(op));     /* garbage where the caller sets nothing */
    op.cmd = cmd;
    op.interface_version = XENPF_INTERFACE_VERSION;
    return op;
}

static long pf(struct xen_platform_op *op)
{
    return do_platform_op((uint64_t)op);
}

static void test_platform_who_and_version(void **state)
{
    struct xen_platform_op op = pop(XENPF_get_cpuinfo);

    (void)state;
    op.u.pcpu_info.xen_cpuid = 0;
    as(&fu);
    assert_int_equal(pf(&op), -XEN_EPERM);           /* a domU */
    as(&fh);
    op.interface_version = 0x03000000;
    assert_int_equal(pf(&op), -XEN_EACCES);          /* another version */
    op.interface_version = XENPF_INTERFACE_VERSION;
    assert_int_equal(do_platform_op(0x10), -XEN_EFAULT);
    assert_int_equal(do_platform_op(0xffff800000001000UL), -XEN_EFAULT);
    op.cmd = 9999;
    assert_int_equal(pf(&op), -XEN_ENOSYS);
    op.cmd = XENPF_microcode_update;
    assert_int_equal(pf(&op), -XEN_ENOSYS);
}

static void test_get_cpuinfo(void **state)
{
    struct xen_platform_op op = pop(XENPF_get_cpuinfo);

    (void)state;
    op.u.pcpu_info.xen_cpuid = 0;
    assert_int_equal(pf(&op), 0);
    assert_int_equal(op.u.pcpu_info.flags, XEN_PCPU_FLAGS_ONLINE);
    assert_int_equal(op.u.pcpu_info.apic_id, 0);
    assert_int_equal(op.u.pcpu_info.acpi_id, 7);     /* from the MADT */
    assert_int_equal(op.u.pcpu_info.max_present, 0);
    op = pop(XENPF_get_cpuinfo);
    op.u.pcpu_info.xen_cpuid = 1;                    /* not present: INVALID, still 0 */
    assert_int_equal(pf(&op), 0);
    assert_int_equal(op.u.pcpu_info.flags, XEN_PCPU_FLAGS_INVALID);
    assert_int_equal(op.u.pcpu_info.max_present, 0);
    op.u.pcpu_info.xen_cpuid = 0xffffffffu;
    assert_int_equal(pf(&op), 0);
    assert_int_equal(op.u.pcpu_info.flags, XEN_PCPU_FLAGS_INVALID);
}

static void test_settime(void **state)
{
    struct xen_platform_op op = pop(XENPF_settime64);

    (void)state;
    op.u.settime64.secs = 1796600000;
    op.u.settime64.nsecs = 5;
    op.u.settime64.mbz = 0;
    op.u.settime64.system_time = 123;
    assert_int_equal(pf(&op), 0);
    assert_int_equal(set_calls, 1);
    assert_int_equal(set_secs, 1796600000);
    assert_int_equal(set_nsecs, 5);
    assert_int_equal(set_sys, 123);
    op.u.settime64.mbz = 1;                          /* must be zero */
    assert_int_equal(pf(&op), -XEN_EINVAL);
    op.u.settime64.mbz = 0;
    op.u.settime64.nsecs = 1000000000u;
    assert_int_equal(pf(&op), -XEN_EINVAL);
    assert_int_equal(set_calls, 1);                  /* refused ones set nothing */
}

static void test_firmware_info(void **state)
{
    struct xen_platform_op op = pop(XENPF_firmware_info);

    (void)state;
    op.u.firmware_info.index = 0;
    op.u.firmware_info.type = XEN_FW_DISK_INFO;
    assert_int_equal(pf(&op), -XEN_ESRCH);           /* no EDD data: end of list */
    op.u.firmware_info.type = XEN_FW_DISK_MBR_SIGNATURE;
    assert_int_equal(pf(&op), -XEN_ESRCH);
    op.u.firmware_info.type = XEN_FW_VBEDDC_INFO;
    assert_int_equal(pf(&op), -XEN_ESRCH);
    op.u.firmware_info.type = XEN_FW_EFI_INFO;
    assert_int_equal(pf(&op), -XEN_ENOSYS);
    op.u.firmware_info.type = XEN_FW_KBD_SHIFT_FLAGS;
    assert_int_equal(pf(&op), 0);
    op.u.firmware_info.index = 1;
    assert_int_equal(pf(&op), -XEN_EINVAL);
    op.u.firmware_info.type = 77;
    assert_int_equal(pf(&op), -XEN_EINVAL);
}

static void test_enter_acpi_sleep(void **state)
{
    struct xen_platform_op op = pop(XENPF_enter_acpi_sleep);

    (void)state;
    op.u.enter_acpi_sleep = (struct xenpf_enter_acpi_sleep){ 0x2001, 0, 3, 0 };
    assert_int_equal(pf(&op), -XEN_EOPNOTSUPP);      /* S3: not supported */
    op.u.enter_acpi_sleep.sleep_state = 5;
    op.u.enter_acpi_sleep.flags = 2;
    assert_int_equal(pf(&op), -XEN_EINVAL);          /* unknown flag */
    op.u.enter_acpi_sleep.flags = XENPF_ACPI_SLEEP_EXTENDED;
    assert_int_equal(pf(&op), -XEN_EOPNOTSUPP);
    op.u.enter_acpi_sleep.flags = 0;
    acpi_platform.pm1a_cnt = 0;
    assert_int_equal(pf(&op), -XEN_EPERM);           /* no PM1a control block */
    acpi_platform.pm1a_cnt = 0x604;
    assert_int_equal(pf(&op), 0);                    /* written; still running: 0 */
}

/* ---- physdev_op ---- */

static long pd(unsigned int cmd, void *arg)
{
    return do_physdev_op(cmd, (uint64_t)arg);
}

static void test_physdev_domu_refused(void **state)
{
    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = 9, .pirq = 9 };
    struct physdev_apic a = { .apic_physbase = 0xfec00000, .reg = 1 };
    struct physdev_irq iv = { .irq = 9 };
    struct physdev_setup_gsi g = { .gsi = 16, .triggering = 1, .polarity = 1 };
    struct physdev_eoi e = { .irq = 9 };
    struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = 9 };

    (void)state;
    as(&fu);
    assert_int_equal(pd(PHYSDEVOP_map_pirq, &m), -XEN_EPERM);
    assert_int_equal(m.pirq, 9);
    assert_int_equal(pd(PHYSDEVOP_apic_read, &a), -XEN_EPERM);
    assert_int_equal(pd(PHYSDEVOP_alloc_irq_vector, &iv), -XEN_EPERM);
    assert_int_equal(pd(PHYSDEVOP_setup_gsi, &g), -XEN_EPERM);
    assert_false(fake_pins[16].programmed);
    assert_int_equal(pd(PHYSDEVOP_eoi, &e), -XEN_EINVAL);
    assert_int_equal(pd(PHYSDEVOP_unmap_pirq, &u), -XEN_EPERM);
    /* The hardware domain may not map for another domain either. */
    as(&fh);
    m.domid = 1;
    assert_int_equal(pd(PHYSDEVOP_map_pirq, &m), -XEN_EPERM);
}

static void test_physdev_hwdom(void **state)
{
    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = 9, .pirq = -1 };
    struct physdev_irq iv = { .irq = 9, .vector = 0 };
    struct physdev_irq_status_query q = { .irq = 9 };
    struct physdev_setup_gsi g = { .gsi = 9, .triggering = 1, .polarity = 1 };
    struct physdev_apic a = { .apic_physbase = 0xfec00000, .reg = 1 };
    struct physdev_eoi e = { .irq = 9 };

    (void)state;
    assert_int_equal(pd(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_equal(m.pirq, 9);                     /* pirq = GSI */
    assert_int_equal(pd(PHYSDEVOP_alloc_irq_vector, &iv), 0);
    assert_int_equal(iv.vector, 9);                  /* Xen's dummy: vector = irq */
    assert_int_equal(pd(PHYSDEVOP_irq_status_query, &q), 0);
    assert_int_equal(q.flags, XENIRQSTAT_needs_eoi);
    assert_int_equal(pd(PHYSDEVOP_setup_gsi, &g), 9);/* the SCI: Xen returns the GSI */
    assert_int_equal(pd(PHYSDEVOP_eoi, &e), 0);
    assert_int_equal(pd(PHYSDEVOP_apic_read, &a), -XEN_EINVAL);  /* no such IO-APIC here */
    m = (struct physdev_map_pirq){ .domid = 0, .type = MAP_PIRQ_TYPE_MSI, .index = -1, .pirq = -1 };
    assert_int_equal(pd(PHYSDEVOP_map_pirq, &m), -XEN_ENODEV);   /* MSI: no such device (test_msi) */
    m.type = 77;
    assert_int_equal(pd(PHYSDEVOP_map_pirq, &m), -XEN_EINVAL);
    m = (struct physdev_map_pirq){ .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI, .index = 2, .pirq = 2 };
    assert_int_equal(pd(PHYSDEVOP_map_pirq, &m), -XEN_EPERM);    /* the hypervisor's */
    q.irq = 0x7fffffff;
    assert_int_equal(pd(PHYSDEVOP_irq_status_query, &q), -XEN_EINVAL);
    assert_int_equal(pd(PHYSDEVOP_map_pirq, (void *)0x10), -XEN_EFAULT);
    assert_int_equal(pd(PHYSDEVOP_eoi, (void *)0xffff800000001000UL), -XEN_EFAULT);
    assert_int_equal(pd(PHYSDEVOP_apic_write, &a), -XEN_ENOSYS);
    assert_int_equal(pd(PHYSDEVOP_pirq_eoi_gmfn_v1, &a), -XEN_ENOSYS);  /* v2 only (test_pirq) */
    assert_int_equal(pd(PHYSDEVOP_prepare_msix, &a), -XEN_ENOSYS);  /* pciback only */
    assert_int_equal(pd(PHYSDEVOP_restore_msi_ext, &a), -XEN_ENODEV);  /* no device (test_msi) */
    assert_int_equal(pd(9999, &a), -XEN_ENOSYS);
}

/* PCI devices and MMCONFIG areas dom0 reports (stage M2): accepted after
 * the argument checks, refused to a domU (these returned -ENOSYS before);
 * an MMCONFIG area must be an MCFG window (Xen's pci_mmcfg_reserved;
 * test_mmcfg.c has the rest). */
static void test_physdev_pci(void **state)
{
    struct physdev_pci_device_add add = { .seg = 0, .bus = 0, .devfn = 8 };
    struct physdev_pci_device dev = { .seg = 0, .bus = 0, .devfn = 8 };
    struct physdev_manage_pci mp = { .bus = 0, .devfn = 8 };
    struct physdev_manage_pci_ext me = { .bus = 0, .devfn = 8 };
    struct physdev_pci_mmcfg_reserved mc = { .address = 0xb0000000, .segment = 0,
                                             .start_bus = 0, .end_bus = 255,
                                             .flags = XEN_PCI_MMCFG_RESERVED };
    struct physdev_dbgp_op db = { .op = PHYSDEVOP_DBGP_RESET_PREPARE, .bus = PHYSDEVOP_DBGP_BUS_PCI };

    (void)state;
    mmcfg_reset();
    assert_int_equal(pd(PHYSDEVOP_pci_mmcfg_reserved, &mc), -XEN_ENODEV);
    assert_int_equal(mmcfg_register(0xb0000000, 0, 0, 255), 0);
    assert_int_equal(pd(PHYSDEVOP_pci_device_add, &add), 0);
    assert_int_equal(pd(PHYSDEVOP_pci_device_remove, &dev), 0);
    assert_int_equal(pd(PHYSDEVOP_manage_pci_add, &mp), 0);
    assert_int_equal(pd(PHYSDEVOP_manage_pci_remove, &mp), 0);
    assert_int_equal(pd(PHYSDEVOP_manage_pci_add_ext, &me), 0);
    assert_int_equal(pd(PHYSDEVOP_pci_mmcfg_reserved, &mc), 0);
    assert_int_equal(pd(PHYSDEVOP_dbgp_op, &db), 0);
    add.flags = 0x80;                                   /* unknown flag */
    assert_int_equal(pd(PHYSDEVOP_pci_device_add, &add), -XEN_EINVAL);
    mc.start_bus = 9;
    mc.end_bus = 3;
    assert_int_equal(pd(PHYSDEVOP_pci_mmcfg_reserved, &mc), -XEN_ENODEV);
    mc = (struct physdev_pci_mmcfg_reserved){ .flags = 2 };
    assert_int_equal(pd(PHYSDEVOP_pci_mmcfg_reserved, &mc), -XEN_EINVAL);
    db.op = 7;
    assert_int_equal(pd(PHYSDEVOP_dbgp_op, &db), -XEN_EINVAL);
    db = (struct physdev_dbgp_op){ .op = PHYSDEVOP_DBGP_RESET_DONE, .bus = 5 };
    assert_int_equal(pd(PHYSDEVOP_dbgp_op, &db), -XEN_EINVAL);
    assert_int_equal(pd(PHYSDEVOP_pci_device_add, (void *)0x10), -XEN_EFAULT);
    as(&fu);
    add.flags = 0;
    assert_int_equal(pd(PHYSDEVOP_pci_device_add, &add), -XEN_EPERM);
    assert_int_equal(pd(PHYSDEVOP_manage_pci_add, &mp), -XEN_EPERM);
    assert_int_equal(pd(PHYSDEVOP_pci_mmcfg_reserved, &mc), -XEN_EPERM);
    db.bus = PHYSDEVOP_DBGP_BUS_PCI;
    assert_int_equal(pd(PHYSDEVOP_dbgp_op, &db), -XEN_EPERM);
    mmcfg_reset();
    iomem_reset();
}

/*
 * PHYSDEVOP_set_iobitmap (any PV vCPU, as Xen) and the check of a port
 * access against the bitmap (pv_iobmp_allows, Xen's guest_io_okay after
 * the IOPL): a set bit denies its port, ports at or past nr_ports are
 * denied, unreadable bitmap bytes count as all ones.
 */
static uint8_t iobmp[8192];

static long set_iobmp(const void *bitmap, uint32_t nr_ports)
{
    struct physdev_set_iobitmap b = { .bitmap = (uint64_t)bitmap, .nr_ports = nr_ports };

    return pd(PHYSDEVOP_set_iobitmap, &b);
}

static void test_physdev_iobitmap(void **state)
{
    struct vcpu *v = &fu.v[0];

    (void)state;
    as(&fu);
    memset(iobmp, 0xff, sizeof(iobmp));
    iobmp[0x300 >> 3] = 0xf0;                    /* 0x300-0x303 allowed */
    iobmp[0x378 >> 3] = 0xfe;                    /* 0x378 */
    iobmp[0x3c0 >> 3] = 0x7f;                    /* 0x3c7 ... */
    iobmp[0x3c8 >> 3] = 0xfe;                    /* ... and 0x3c8 */
    assert_false(pv_iobmp_allows(v, 0x300, 1));  /* no bitmap yet */
    assert_int_equal(set_iobmp(iobmp, 0x400), 0);
    assert_int_equal(v->iobmp, (uint64_t)iobmp);
    assert_int_equal(v->iobmp_limit, 0x400);
    assert_true(pv_iobmp_allows(v, 0x300, 4));
    assert_true(pv_iobmp_allows(v, 0x302, 2));
    assert_false(pv_iobmp_allows(v, 0x303, 2));  /* 0x304 is denied */
    assert_false(pv_iobmp_allows(v, 0x2ff, 1));
    assert_true(pv_iobmp_allows(v, 0x378, 1));
    assert_false(pv_iobmp_allows(v, 0x378, 2));
    assert_true(pv_iobmp_allows(v, 0x3c7, 2));   /* across two bitmap bytes */
    assert_false(pv_iobmp_allows(v, 0x3c6, 4));
    assert_false(pv_iobmp_allows(v, 0x300, 0));
    /* From user mode the bitmap is read in kernel mode, then back. */
    v->kernel_mode = false;
    assert_true(pv_iobmp_allows(v, 0x300, 4));
    assert_false(v->kernel_mode);
    v->kernel_mode = true;
    /* The limit: ports at or past nr_ports are denied. */
    assert_int_equal(set_iobmp(iobmp, 0x302), 0);
    assert_true(pv_iobmp_allows(v, 0x300, 2));
    assert_false(pv_iobmp_allows(v, 0x301, 2));
    assert_false(pv_iobmp_allows(v, 0x378, 1));
    assert_int_equal(set_iobmp(iobmp, 0), 0);    /* Linux: the task has no bitmap */
    assert_false(pv_iobmp_allows(v, 0x300, 1));
    /* Unreadable bytes are all ones: the second, then both. */
    assert_int_equal(set_iobmp(iobmp, 65536), 0);
    fake_guest_hole_start = (uintptr_t)&iobmp[(0x3c8 >> 3)];
    fake_guest_hole_end = fake_guest_hole_start + 1;
    assert_true(pv_iobmp_allows(v, 0x3c7, 1));
    assert_false(pv_iobmp_allows(v, 0x3c7, 2));
    fake_guest_hole_start = (uintptr_t)&iobmp[(0x300 >> 3)];
    fake_guest_hole_end = fake_guest_hole_start + 2;
    assert_false(pv_iobmp_allows(v, 0x300, 1));
    fake_guest_hole_start = fake_guest_hole_end = 0;
    /* Xen's argument checks: 8 KiB of guest space, at most 65536 ports. */
    assert_int_equal(set_iobmp(iobmp, 65537), -XEN_EINVAL);
    assert_int_equal(set_iobmp((void *)0xffff800000000000UL, 16), -XEN_EINVAL);
    assert_int_equal(set_iobmp((void *)(0x0000800000000000UL - 4096), 16), -XEN_EINVAL);
    assert_int_equal(pd(PHYSDEVOP_set_iobitmap, (void *)0x10), -XEN_EFAULT);
    assert_int_equal(v->iobmp, (uint64_t)iobmp);  /* unchanged by refusals */
    assert_int_equal(v->iobmp_limit, 65536);
    /* Per vCPU: the hardware domain's is untouched. */
    assert_int_equal(fh.v[0].iobmp_limit, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_platform_who_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_cpuinfo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_firmware_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enter_acpi_sleep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physdev_domu_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physdev_hwdom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physdev_pci, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physdev_iobitmap, setup, teardown),
    };
    return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}
