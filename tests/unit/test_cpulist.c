/* xl's CPU-list syntax (dom0-tools/lib/cpulist.c): parse and print. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "cpulist.h"

static uint64_t parse_ok(const char *s, unsigned int nr)
{
    char err[160] = "";
    uint64_t m = 0;

    if (cpulist_parse(s, nr, &m, err, sizeof(err)) < 0)
        fail_msg("'%s': %s", s, err);
    return m;
}

static void parse_err(const char *s, unsigned int nr, const char *want)
{
    char err[160] = "";
    uint64_t m = 0;

    assert_int_equal(cpulist_parse(s, nr, &m, err, sizeof(err)), -1);
    assert_string_equal(err, want);
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("0", 4), 0x1);
    assert_int_equal(parse_ok("1", 2), 0x2);
    assert_int_equal(parse_ok("0-3,^2", 4), 0xb);
    assert_int_equal(parse_ok("all", 2), 0x3);
    assert_int_equal(parse_ok("all,^1", 4), 0xd);
    assert_int_equal(parse_ok("3,0-1", 4), 0xb);
    assert_int_equal(parse_ok("^0,1", 4), 0x2);         /* left to right, from empty */
    assert_int_equal(parse_ok("nodes:0", 2), 0x3);
    assert_int_equal(parse_ok("node:all", 2), 0x3);
    assert_true(parse_ok("all", 0) == ~0ULL);
    assert_true(parse_ok("0-63", 0) == ~0ULL);
    assert_int_equal(parse_ok("63", 0) >> 63, 1);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_err("", 2, "empty CPU list");
    parse_err("2", 2, "'2': no such CPU (the host has 2)");
    parse_err("0-5", 4, "'0-5': no such CPU (the host has 4)");
    parse_err("64", 0, "'64': CPUs are 0..63");
    parse_err("3-1", 4, "'3-1': invalid CPU range (N, N-M, all, ^N)");
    parse_err("-1", 4, "'-1': invalid CPU range (N, N-M, all, ^N)");
    parse_err("1-", 4, "'1-': invalid CPU range (N, N-M, all, ^N)");
    parse_err("a", 4, "'a': invalid CPU range (N, N-M, all, ^N)");
    parse_err(" 1", 4, "' 1': invalid CPU range (N, N-M, all, ^N)");
    parse_err("^all", 4, "'^all': \"^\" and \"all\" cannot be combined");
    parse_err("0,^0", 4, "'0,^0': no CPU left");
    parse_err("^1", 4, "'^1': no CPU left");
    parse_err("0,", 4, "'0,': empty entry in the CPU list");
    parse_err("node:1", 4, "'node:1': no such NUMA node (the host has node 0)");
    parse_err("99999999999999999999999", 0, "'99999999999999999999999': invalid CPU range (N, N-M, all, ^N)");
}

static void test_format(void **state)
{
    char b[64];

    (void)state;
    cpulist_format(0x3, 2, b, sizeof(b));
    assert_string_equal(b, "all");
    cpulist_format(~0ULL, 2, b, sizeof(b));
    assert_string_equal(b, "all");
    cpulist_format(0x2, 2, b, sizeof(b));
    assert_string_equal(b, "1");
    cpulist_format(0xb, 8, b, sizeof(b));
    assert_string_equal(b, "0-1,3");
    cpulist_format(0xe4, 8, b, sizeof(b));
    assert_string_equal(b, "2,5-7");
    cpulist_format(0, 4, b, sizeof(b));
    assert_string_equal(b, "none");
    cpulist_format(0x10, 4, b, sizeof(b));              /* past the host: not shown */
    assert_string_equal(b, "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
