/*
 * Unit tests for hypervisor/common/pv_layout.c: Xen's start-of-day layout
 * rules (keel/pv_layout.h).  Each row gives an input and the expected
 * layout, worked out by hand from Xen's dom0 builder rules; every row is
 * also checked against the invariants the rules imply (order, alignment,
 * padding, and page-table counts recomputed here independently).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <keel/pv_layout.h>
#include <public/errno.h>

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)
#define NOEXP 0, 0, 0, 0, 0, 0, 0, 0, 0

struct row {
    const char *what;
    struct pv_layout_in in;
    int rc;
    /* expected when rc == 0 (0 = not checked, except the counts) */
    uint64_t p2m_start, start_info, pt_start, nr_pt_frames, stack_start, v_end;
    uint64_t nr_l3, nr_l2, nr_l1;
};

static const struct row rows[] = {
    { "Linux-like dom0: 256 MiB",
      { 0xffffffff80000000UL, 0xffffffff81000000UL, 0xffffffff84a00000UL, 65536, 0, false, false }, 0,
      0xffffffff84a00000UL, 0xffffffff84a80000UL, 0xffffffff84a81000UL, 41,
      0xffffffff84aaa000UL, 0xffffffff84c00000UL, 1, 1, 38 },
    { "tiny guest at 0, 8 MiB",
      { 0, 0, 0x40000, 2048, 0, false, false }, 0,
      0x40000, 0x44000, 0x45000, 5, 0x4a000, 0x400000, 1, 1, 2 },
    { "tiny domU with initrd (not page sized) and rings",
      { 0, 0, 0x40000, 2048, 5000, true, false }, 0,
      0x42000, 0x46000, 0x49000, 5, 0x4e000, 0x400000, 1, 1, 2 },
    { "region crossing 1 GiB",
      { 0x3fe00000, 0x3fe00000, 0x40200000, 65536, 0, false, false }, 0,
      0x40200000, 0x40280000, 0x40281000, 7, 0x40288000, 0x40400000, 1, 2, 3 },
    { "region crossing 512 GiB",
      { 0x7fffe00000UL, 0x7fffe00000UL, 0x8000100000UL, 65536, 0, false, false }, 0,
      0x8000100000UL, 0x8000180000UL, 0x8000181000UL, 8, 0x8000189000UL, 0x8000400000UL,
      2, 2, 3 },
    { "kernel crossing 2 MiB, unaligned start",
      { 0x200000, 0x3ff000, 0x401000, 4096, 0, false, false }, 0,
      0x401000, 0x409000, 0x40a000, 6, 0x410000, 0x800000, 1, 1, 3 },
    { "padding exactly 512 KiB: no extra 4 MiB",
      { 0, 0, 0x371000, 4096, 0, false, false }, 0,
      0x371000, 0x379000, 0x37a000, 5, 0x37f000, 0x400000, 1, 1, 2 },
    { "padding 508 KiB: one more 4 MiB, more tables",
      { 0, 0, 0x372000, 4096, 0, false, false }, 0,
      0x372000, 0x37a000, 0x37b000, 7, 0x382000, 0x800000, 1, 1, 4 },
    { "nr_pages exactly the bootstrap region", { 0, 0, 0x40000, 1024, 0, false, false }, 0,
      0x40000, 0x42000, 0x43000, 5, 0x48000, 0x400000, 1, 1, 2 },
    { "nr_pages one short of the bootstrap region", { 0, 0, 0x40000, 1023, 0, false, false },
      -XEN_ENOMEM, NOEXP },
    { "256 MiB kernel with 16 MiB of memory",
      { 0xffffffff80000000UL, 0xffffffff81000000UL, 0xffffffff91000000UL, 4096, 0, false, false },
      -XEN_ENOMEM, NOEXP },
    { "kend == kstart", { 0, 0x1000, 0x1000, 4096, 0, false, false }, -XEN_EINVAL, NOEXP },
    { "kend < kstart", { 0, 0x2000, 0x1000, 4096, 0, false, false }, -XEN_EINVAL, NOEXP },
    { "kstart below virt_base", { 0x100000, 0x80000, 0x200000, 4096, 0, false, false }, -XEN_EINVAL, NOEXP },
    { "nr_pages 0", { 0, 0, 0x1000, 0, 0, false, false }, -XEN_EINVAL, NOEXP },
    { "nr_pages huge (p2m overflow)", { 0, 0, 0x1000, 1UL << 62, 0, false, false }, -XEN_EINVAL, NOEXP },
    { "initrd huge", { 0, 0, 0x1000, 4096, ~0UL - 10, false, false }, -XEN_EINVAL, NOEXP },
    { "kend at the top of the address space", { 0xfffffffffff00000UL, 0xfffffffffff00000UL,
      ~0UL, 4096, 0, false, false }, -XEN_EINVAL, NOEXP },
    { "region would wrap past 2^64", { 0xffffffffffc00000UL, 0xffffffffffc00000UL,
      0xffffffffffe00000UL, 4096, 0, false, false }, -XEN_EINVAL, NOEXP },
    { "large initrd pushes v_end past the top", { 0xffffffff80000000UL,
      0xffffffff81000000UL, 0xffffffff82000000UL, 1UL << 20, 1UL << 40, false, false }, -XEN_EINVAL, NOEXP },
};

static uint64_t span(uint64_t s, uint64_t e, uint64_t size)
{
    return (e - 1) / size - s / size + 1;
}

static void check_invariants(const struct row *r, const struct pv_layout *l)
{
    const struct pv_layout_in *in = &r->in;
    uint64_t after_si = l->start_info + 4096;

    /* Order and alignment of the regions. */
    assert_int_equal(l->v_start, in->virt_base);
    assert_int_equal(l->kern_start, in->virt_kstart);
    assert_int_equal(l->kern_end, in->virt_kend);
    assert_int_equal(l->initrd_start % 4096, 0);
    assert_true(l->initrd_start >= l->kern_end && l->initrd_start - l->kern_end < 4096);
    assert_int_equal(l->initrd_end - l->initrd_start, in->initrd_len);
    assert_int_equal(l->p2m_start % 4096, 0);
    assert_true(l->p2m_start >= l->initrd_end && l->p2m_start - l->initrd_end < 4096);
    assert_int_equal(l->p2m_end - l->p2m_start, in->nr_pages * 8);
    assert_int_equal(l->start_info % 4096, 0);
    assert_true(l->start_info >= l->p2m_end && l->start_info - l->p2m_end < 4096);
    if (in->domu_rings) {
        assert_int_equal(l->store_page, after_si);
        assert_int_equal(l->console_page, after_si + 4096);
        assert_int_equal(l->pt_start, after_si + 8192);
    } else {
        assert_int_equal(l->store_page, 0);
        assert_int_equal(l->console_page, 0);
        assert_int_equal(l->pt_start, after_si);
    }
    assert_int_equal(l->pt_end, l->pt_start + l->nr_pt_frames * 4096);
    assert_int_equal(l->stack_start, l->pt_end);
    assert_int_equal(l->stack_end, l->stack_start + 4096);
    /* v_end: 4 MiB aligned, at least 512 KiB past the stack, and the
     * smallest such boundary. */
    assert_int_equal(l->v_end % MiB(4), 0);
    assert_true(l->v_end - l->stack_end >= KiB(512));
    assert_true(l->v_end - l->stack_end < KiB(512) + MiB(4));
    /* Tables: one L4 and enough L3/L2/L1 to map [v_start, v_end), and no more. */
    assert_int_equal(l->nr_l3, span(l->v_start, l->v_end, GiB(512)));
    assert_int_equal(l->nr_l2, span(l->v_start, l->v_end, GiB(1)));
    assert_int_equal(l->nr_l1, span(l->v_start, l->v_end, MiB(2)));
    assert_int_equal(l->nr_pt_frames, 1 + l->nr_l3 + l->nr_l2 + l->nr_l1);
    assert_true((l->v_end - l->v_start) / 4096 <= in->nr_pages);
    assert_int_equal(pv_layout_pfn(l, l->start_info), (l->start_info - l->v_start) / 4096);
}

static void test_table(void **state)
{
    unsigned int i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct pv_layout l;
        int rc;

        print_message("  %s\n", r->what);
        rc = pv_layout_compute(&r->in, &l);
        assert_int_equal(rc, r->rc);
        if (rc)
            continue;
        check_invariants(r, &l);
        assert_int_equal(l.p2m_start, r->p2m_start);
        assert_int_equal(l.start_info, r->start_info);
        assert_int_equal(l.pt_start, r->pt_start);
        assert_int_equal(l.nr_pt_frames, r->nr_pt_frames);
        assert_int_equal(l.stack_start, r->stack_start);
        assert_int_equal(l.v_end, r->v_end);
        assert_int_equal(l.nr_l3, r->nr_l3);
        assert_int_equal(l.nr_l2, r->nr_l2);
        assert_int_equal(l.nr_l1, r->nr_l1);
    }
}

/* Invariants over a sweep of kernel sizes and memory sizes. */
static void test_sweep(void **state)
{
    static const uint64_t bases[] = { 0, 0x3fe00000UL, 0x7fffc00000UL, 0xffffffff80000000UL };
    unsigned int b, k, m;

    (void)state;
    for (b = 0; b < 4; b++)
        for (k = 1; k < 40; k += 3)
            for (m = 0; m < 4; m++) {
                struct row r = { "sweep", { bases[b], bases[b] + MiB(1),
                                 bases[b] + MiB(1) + (uint64_t)k * MiB(k) + 0x123,
                                 (uint64_t)65536 << m, (uint64_t)m * 777777, m & 1, false }, 0, NOEXP };
                struct pv_layout l;
                int rc = pv_layout_compute(&r.in, &l);
                if (rc == -XEN_ENOMEM)
                    continue;
                assert_int_equal(rc, 0);
                check_invariants(&r, &l);
            }
}

/*
 * Regression (a fixed bug): pv_layout_compute refuses a bootstrap region
 * inside the hypervisor's area (L4 slots 256-271) or the non-canonical
 * hole with -XEN_EINVAL, as Xen's builder does ("image overlaps with Xen
 * private area"): the bootstrap tables cannot map there.  It once
 * accepted both.
 */
static void test_refuses_hypervisor_area(void **state)
{
    static const struct pv_layout_in bad[] = {
        { 0xffff800000000000UL, 0xffff800000000000UL, 0xffff800000100000UL, 4096, 0, false, false },
        { 0xffff7fffffc00000UL, 0xffff7fffffc00000UL, 0xffff7fffffd00000UL, 4096, 0, false, false },
        /* ends past 0x0000800000000000: the padding would cross into the hole */
        { 0x00007fffffe00000UL, 0x00007fffffe00000UL, 0x00007ffffff80000UL, 4096, 0, false, false },
    };
    unsigned int i;

    (void)state;

    for (i = 0; i < 3; i++) {
        struct pv_layout l;
        assert_int_equal(pv_layout_compute(&bad[i], &l), -XEN_EINVAL);
    }
}

/*
 * Regression (a fixed bug): an initrd that makes initrd_end wrap past
 * 2^64 is refused.  With virt_base 0, a kernel at 0xffffff0000000000 and a
 * 1 TiB initrd, initrd_end wraps to 0x100000; pv_layout_compute once
 * returned 0 (initrd_end < initrd_start, v_end 0x400000) because only
 * v_end < v_start was checked, which such a wrap passes.
 */
static void test_initrd_wrap(void **state)
{
    const struct pv_layout_in in = { 0, 0xffffff0000000000UL, 0xffffff0000100000UL, 4096,
                                     1UL << 40, false, false };
    struct pv_layout l;

    (void)state;

    assert_int_equal(pv_layout_compute(&in, &l), -XEN_EINVAL);
}

/*
 * The INIT_P2M area (shared by the boot-time and dom0's run-time builder):
 * Debian's 6.1 domU of 128 MiB, p2m at 0x8000000000 (L4 slot 1): 64 data
 * frames (32768 * 8 bytes), then 1 L3 + 1 L2 + 1 L1, right after v_end.
 */
static void test_init_p2m(void **state)
{
    const struct pv_layout_in in = { 0xffffffff80000000UL, 0xffffffff81000000UL,
                                     0xffffffff84a00000UL, 32768, 0, true, true };
    struct pv_layout l;
    struct pv_p2m_area a;

    (void)state;
    assert_int_equal(pv_layout_compute(&in, &l), 0);
    assert_int_equal(pv_layout_init_p2m(&l, 32768, 0x8000000000UL, &a), 0);
    assert_true(a.va == 0x8000000000UL);
    assert_int_equal(a.first_pfn, pv_layout_pfn(&l, l.v_end));
    assert_int_equal(a.nr_data, 64);
    assert_int_equal(a.nr_tables, 3);
    assert_int_equal(a.nr_frames, 67);
    /* 2 GiB: 1024 data frames, still one L2, two L1s. */
    assert_int_equal(pv_layout_init_p2m(&l, 524288, 0x8000000000UL, &a), 0);
    assert_int_equal(a.nr_data, 1024);
    assert_int_equal(a.nr_tables, 1 + 1 + 2);
    /* Refusals: unaligned, upper half, the bootstrap region's own slot,
     * crossing an L4 slot, no room after v_end. */
    assert_int_equal(pv_layout_init_p2m(&l, 32768, 0x8000000800UL, &a), -XEN_EINVAL);
    assert_int_equal(pv_layout_init_p2m(&l, 32768, 0xffff900000000000UL, &a), -XEN_EINVAL);
    assert_int_equal(pv_layout_init_p2m(&l, 32768, 0xffffff8000000000UL, &a), -XEN_EINVAL);
    assert_int_equal(pv_layout_init_p2m(&l, 32768, 0xfffffff000UL, &a), -XEN_EINVAL);
    assert_int_equal(pv_layout_init_p2m(&l, pv_layout_pfn(&l, l.v_end) + 10, 0x8000000000UL, &a),
                     -XEN_ENOMEM);
    assert_int_equal(pv_layout_init_p2m(&l, 0, 0x8000000000UL, &a), -XEN_EINVAL);
}

/* Xen's hypercall page: `mov $nr,%eax; syscall` stubs 32 bytes apart. */
static void test_hypercall_page(void **state)
{
    static uint8_t p[4096];
    const uint8_t stub5[] = { 0x51, 0x41, 0x53, 0xb8, 5, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59,
                              0xc3 };
    const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };

    (void)state;
    pv_hypercall_page_fill(p);
    assert_memory_equal(p + 5 * 32, stub5, sizeof(stub5));
    assert_memory_equal(p + 23 * 32, iret, sizeof(iret));
    assert_int_equal(p[5 * 32 + sizeof(stub5)], 0xcc);
    assert_int_equal(p[4095], 0xcc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_refuses_hypervisor_area),
        cmocka_unit_test(test_initrd_wrap),
        cmocka_unit_test(test_init_p2m),
        cmocka_unit_test(test_hypercall_page),
    };
    return cmocka_run_group_tests_name("pv_layout", tests, NULL, NULL);
}
