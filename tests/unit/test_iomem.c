/*
 * Unit tests for hypervisor/common/iomem.c: which machine frames and I/O
 * ports the hardware domain may reach, and the memory map it is given
 * (XENMEM_machine_memory_map, built as Xen does: the host E820 plus a
 * reserved entry for each denied part of a gap).  Hostile inputs: an
 * unsorted or overlapping host map, ranges that wrap, a buffer one entry
 * short, frames past the address width, a domU asking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <keel/iomem.h>
#include <keel/domain.h>

static struct domain hwdom = { .domain_id = 0, .is_privileged = true };
static struct domain domu = { .domain_id = 1, .is_privileged = false };

/* QEMU pc, 1 GiB: what its multiboot map says. */
static const struct mem_range qemu_pc[] = {
    { 0x0, 0x9fc00, 1 },
    { 0x9fc00, 0xa0000, 2 },
    { 0xf0000, 0x100000, 2 },
    { 0x100000, 0x3ffe0000, 1 },
    { 0x3ffe0000, 0x40000000, 2 },
    { 0xfffc0000, 0x100000000, 2 },
    { 0xfd00000000, 0x10000000000, 2 },
};

static int setup(void **state)
{
    (void)state;
    iomem_reset();
    iomem_set_paddr_bits(40);
    assert_int_equal(iomem_deny(0xfec00, 0xfec00), 0);     /* IO-APIC */
    assert_int_equal(iomem_deny(0xfee00, 0xfeeff), 0);     /* MSI window, LAPIC */
    assert_int_equal(ioport_deny(0x20, 0x21), 0);
    assert_int_equal(ioport_deny(0x3f8, 0x3ff), 0);
    return 0;
}

static void test_frames(void **state)
{
    (void)state;
    assert_true(iomem_frame_permitted(&hwdom, 0xa0));          /* VGA */
    assert_true(iomem_frame_permitted(&hwdom, 0x3ffe0));       /* ACPI tables */
    assert_true(iomem_frame_permitted(&hwdom, 0xfebff));
    assert_false(iomem_frame_permitted(&hwdom, 0xfec00));      /* IO-APIC */
    assert_true(iomem_frame_permitted(&hwdom, 0xfec01));
    assert_false(iomem_frame_permitted(&hwdom, 0xfee00));      /* LAPIC */
    assert_false(iomem_frame_permitted(&hwdom, 0xfeeff));
    assert_true(iomem_frame_permitted(&hwdom, 0xfef00));
    assert_true(iomem_frame_permitted(&hwdom, 0x100000));      /* above RAM: a 64-bit BAR */
    assert_true(iomem_frame_permitted(&hwdom, (1UL << 28) - 1));
    assert_false(iomem_frame_permitted(&hwdom, 1UL << 28));    /* past 40 address bits */
    assert_false(iomem_frame_permitted(&hwdom, ~0UL));
    assert_false(iomem_frame_permitted(&domu, 0xa0));          /* a domU: nothing */
    assert_int_equal(iomem_deny(5, 4), -XEN_EINVAL);
}

static void test_deny_table_full(void **state)
{
    unsigned int i;

    (void)state;
    iomem_reset();
    for (i = 0; i < IOMEM_MAX_DENY; i++)
        assert_int_equal(iomem_deny(i * 2, i * 2), 0);
    assert_int_equal(iomem_deny(1000, 1000), -XEN_ENOSPC);
    assert_false(iomem_frame_permitted(&hwdom, 2 * (IOMEM_MAX_DENY - 1)));
    assert_true(iomem_frame_permitted(&hwdom, 1000));   /* not recorded: not denied */
    assert_true(iomem_frame_permitted(&hwdom, 1));
}

static void test_ports(void **state)
{
    (void)state;
    assert_true(ioport_permitted(&hwdom, 0x604, 2));           /* ACPI PM1a */
    assert_true(ioport_permitted(&hwdom, 0x1f, 1));
    assert_false(ioport_permitted(&hwdom, 0x1f, 2));           /* reaches the PIC */
    assert_false(ioport_permitted(&hwdom, 0x20, 1));
    assert_false(ioport_permitted(&hwdom, 0x21, 1));
    assert_true(ioport_permitted(&hwdom, 0x22, 4));
    assert_false(ioport_permitted(&hwdom, 0x3f6, 4));          /* ends in the UART */
    assert_false(ioport_permitted(&hwdom, 0x3fc, 4));
    assert_true(ioport_permitted(&hwdom, 0x400, 4));
    assert_true(ioport_permitted(&hwdom, 0xfffc, 4));
    assert_false(ioport_permitted(&hwdom, 0xfffe, 4));         /* wraps past 0xffff */
    assert_false(ioport_permitted(&hwdom, 0x10000, 1));
    assert_false(ioport_permitted(&hwdom, 0x604, 0));
    assert_false(ioport_permitted(&domu, 0x604, 2));           /* a domU: nothing */
    assert_int_equal(ioport_deny(0xfff0, 0x10000), -XEN_EINVAL);
}

static void test_map_qemu_pc(void **state)
{
    struct e820entry out[16];
    int n;

    (void)state;
    n = iomem_dom0_memory_map(qemu_pc, 7, out, 16);
    assert_int_equal(n, 9);
    /* The host entries unchanged, in order ... */
    assert_int_equal(out[0].addr, 0);
    assert_int_equal(out[0].size, 0x9fc00);
    assert_int_equal(out[0].type, 1);
    assert_int_equal(out[3].addr, 0x100000);
    assert_int_equal(out[4].addr, 0x3ffe0000);
    /* ... and in the PCI hole the IO-APIC page and the MSI window. */
    assert_int_equal(out[5].addr, 0xfec00000);
    assert_int_equal(out[5].size, 0x1000);
    assert_int_equal(out[5].type, E820_RESERVED);
    assert_int_equal(out[6].addr, 0xfee00000);
    assert_int_equal(out[6].size, 0x100000);
    assert_int_equal(out[6].type, E820_RESERVED);
    assert_int_equal(out[7].addr, 0xfffc0000);
    assert_int_equal(out[8].addr, 0xfd00000000);
    assert_int_equal(out[8].size, 0x300000000);
}

static void test_map_too_small(void **state)
{
    struct e820entry out[16];

    (void)state;
    /* Xen: fewer than nr_map + 1 entries is -EINVAL, and so is a buffer
     * too small for the added reserved entries. */
    assert_int_equal(iomem_dom0_memory_map(qemu_pc, 7, out, 7), -XEN_EINVAL);
    assert_int_equal(iomem_dom0_memory_map(qemu_pc, 7, out, 8), -XEN_EINVAL);
    assert_int_equal(iomem_dom0_memory_map(qemu_pc, 7, out, 9), 9);
    assert_int_equal(iomem_dom0_memory_map(qemu_pc, MAX_MEM_RANGES + 1, out, 16), -XEN_EINVAL);
}

static void test_map_hostile_host(void **state)
{
    /* Unsorted, overlapping, one empty and one inverted entry. */
    static const struct mem_range bad[] = {
        { 0xfffc0000, 0x100000000, 2 },
        { 0x100000, 0x3ffe0000, 1 },
        { 0x200000, 0x300000, 2 },          /* inside the RAM entry */
        { 0x5000, 0x5000, 1 },              /* empty */
        { 0x9000, 0x8000, 1 },              /* inverted */
        { 0x0, 0x9fc00, 1 },
    };
    struct e820entry out[16];
    int n, i;

    (void)state;
    n = iomem_dom0_memory_map(bad, 6, out, 16);
    assert_int_equal(n, 6);                  /* 4 real entries + 2 reserved in the hole */
    for (i = 1; i < n; i++)
        assert_true(out[i].addr >= out[i - 1].addr);
    assert_int_equal(out[0].addr, 0);
    assert_int_equal(out[1].addr, 0x100000);
    assert_int_equal(out[2].addr, 0x200000);
    assert_int_equal(out[3].addr, 0xfec00000);
    assert_int_equal(out[4].addr, 0xfee00000);
    assert_int_equal(out[5].addr, 0xfffc0000);
}

static void test_map_clipped_to_width(void **state)
{
    /* A denied range past 2^paddr_bits gets no entry; one across it is cut. */
    static const struct mem_range m[] = {
        { 0x0, 0x1000, 1 },
        { 0x20000000000, 0x20000001000, 2 },     /* 2 TiB, past 40 bits */
    };
    struct e820entry out[8];
    int n;

    (void)state;
    assert_int_equal(iomem_deny(0xfffff00, 0x10000100), 0);
    n = iomem_dom0_memory_map(m, 2, out, 8);
    assert_int_equal(n, 5);
    assert_int_equal(out[3].addr, 0xfffff00UL << 12);
    assert_int_equal(out[3].size, 0x100UL << 12);
    assert_int_equal(out[4].addr, 0x20000000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_frames, setup),
        cmocka_unit_test_setup(test_deny_table_full, setup),
        cmocka_unit_test_setup(test_ports, setup),
        cmocka_unit_test_setup(test_map_qemu_pc, setup),
        cmocka_unit_test_setup(test_map_too_small, setup),
        cmocka_unit_test_setup(test_map_hostile_host, setup),
        cmocka_unit_test_setup(test_map_clipped_to_width, setup),
    };
    return cmocka_run_group_tests_name("iomem", tests, NULL, NULL);
}
