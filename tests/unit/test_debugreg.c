/*
 * Unit tests for hypervisor/arch/x86_64/dr_rules.c: the debug-register
 * rules of Xen 4.17 (pv/misc-hypercalls.c set_debugreg with CR4.DE clear,
 * traps.c do_debug's %dr6 merge).  One row per case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <keel/debugreg.h>
#include <public/errno.h>

#define KEEP 0x5a5a5a5a5a5a5a5aULL      /* *out untouched */

struct row {
    const char *what;
    unsigned int reg;
    uint64_t value;
    int rc;
    uint64_t out;
};

static const struct row rows[] = {
    { "dr0 user address", 0, 0x00007fffffff0000ULL, 0, 0x00007fffffff0000ULL },
    { "dr1 guest kernel address", 1, 0xffffffff81000000ULL, 0, 0xffffffff81000000ULL },
    { "dr2 top of the low half", 2, 0x00007fffffffffffULL, 0, 0x00007fffffffffffULL },
    { "dr3 first address above the hypervisor", 3, 0xffff880000000000ULL, 0,
      0xffff880000000000ULL },
    { "dr0 non-canonical", 0, 0x0000800000000000ULL, -XEN_EPERM, KEEP },
    { "dr1 hypervisor slot", 1, 0xffff82d040000000ULL, -XEN_EPERM, KEEP },
    { "dr3 just below the guest's upper half", 3, 0xffff87ffffffffffULL, -XEN_EPERM, KEEP },
    { "dr6 0 => reserved ones", 6, 0, 0, 0xffff0ff0ULL },
    { "dr6 B0..B3 and BS kept", 6, 0x400fULL, 0, 0xffff4fffULL },
    { "dr6 bit 12 forced clear", 6, 0x1000ULL, 0, 0xffff0ff0ULL },
    { "dr6 upper half => -EINVAL", 6, 1ULL << 32, -XEN_EINVAL, KEEP },
    { "dr4 aliases dr6 (CR4.DE clear)", 4, 0x1ULL, 0, 0xffff0ff1ULL },
    { "dr7 0 => bit 10", 7, 0, 0, 0x400ULL },
    { "dr7 bits 11,12,14,15 forced clear", 7, 0xd800ULL, 0, 0x400ULL },
    { "dr7 L0, write, 8 bytes", 7, 0xd0001ULL, 0, 0xd0401ULL },
    { "dr7 G3 execute", 7, 0x80ULL, 0, 0x480ULL },
    { "dr7 LE/GE kept", 7, 0x300ULL, 0, 0x700ULL },
    { "dr7 GD => -EPERM", 7, 0x2000ULL, -XEN_EPERM, KEEP },
    { "dr7 I/O breakpoint enabled => -EPERM", 7, 0x20001ULL, -XEN_EPERM, KEEP },
    { "dr7 I/O type in a disabled slot, none enabled: accepted", 7, 0x20000ULL, 0, 0x20400ULL },
    { "dr7 I/O type in slot 3 while slot 0 enabled => -EPERM", 7, 0x20000001ULL, -XEN_EPERM,
      KEEP },
    { "dr7 upper half => -EINVAL", 7, 1ULL << 32, -XEN_EINVAL, KEEP },
    { "dr5 aliases dr7", 5, 0x1ULL, 0, 0x401ULL },
    { "dr8 => -ENODEV", 8, 0, -XEN_ENODEV, KEEP },
    { "dr15 => -ENODEV", 15, 0, -XEN_ENODEV, KEEP },
    { "huge register number => -ENODEV", 0x80000000u, 0, -XEN_ENODEV, KEEP },
};

static void test_write_rules(void **state)
{
    (void)state;
    for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t out = KEEP;
        int rc = dr_check_write(rows[i].reg, rows[i].value, &out);

        print_message("%s\n", rows[i].what);
        assert_int_equal(rc, rows[i].rc);
        assert_true(out == rows[i].out);
    }
}

static void test_canonical_index(void **state)
{
    static const int want[16] = { 0, 1, 2, 3, 6, 7, 6, 7, -1, -1, -1, -1, -1, -1, -1, -1 };

    (void)state;
    for (unsigned int r = 0; r < 16; r++)
        assert_int_equal(dr_canonical_index(r), want[r]);
}

/* Xen's do_debug: bits the #DB moved off their default are merged. */
static void test_dr6_merge(void **state)
{
    (void)state;
    /* B0 from a data breakpoint. */
    assert_true(dr6_merge(X86_DR6_DEFAULT, 0xffff0ff1ULL) == 0xffff0ff1ULL);
    /* Sticky: an earlier B0, then a single step: both. */
    assert_true(dr6_merge(0xffff0ff1ULL, 0xffff4ff0ULL) == 0xffff4ff1ULL);
    /* Bit 16 (RTM) cleared by the #DB is cleared in the guest's view. */
    assert_true(dr6_merge(X86_DR6_DEFAULT, 0xfffe0ff0ULL) == 0xfffe0ff0ULL);
    /* A default %dr6 changes nothing. */
    assert_true(dr6_merge(0xffff0ff3ULL, X86_DR6_DEFAULT) == 0xffff0ff3ULL);
}

static void test_insn_breakpoint(void **state)
{
    (void)state;
    /* B1 with L1 and R/W1 = execute. */
    assert_true(dr_insn_breakpoint_hit(0x2, 0x404));
    /* B1 but slot 1 disabled. */
    assert_false(dr_insn_breakpoint_hit(0x2, 0x401));
    /* B0 on a data (write) breakpoint. */
    assert_false(dr_insn_breakpoint_hit(0x1, 0x10401));
    /* Single step only. */
    assert_false(dr_insn_breakpoint_hit(0x4000, 0x4ff));
    /* B3, G3, execute. */
    assert_true(dr_insn_breakpoint_hit(0x8, 0x480));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_rules),
        cmocka_unit_test(test_canonical_index),
        cmocka_unit_test(test_dr6_merge),
        cmocka_unit_test(test_insn_breakpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
