/*
 * Keel's public ABI headers against Xen's: every size, offset and constant
 * named in abi_layout_list.h must have the same value in both, plus the
 * string tables.  The two sides are built in separate translation units
 * (abi_layout_xen.c, abi_layout_keel.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "abi_layout.h"

static const struct abi_entry *find_entry(const struct abi_table *t,
                                          const char *name)
{
    for (size_t i = 0; i < t->nr_entries; i++)
        if (strcmp(t->entries[i].name, name) == 0)
            return &t->entries[i];
    return NULL;
}

/*
 * Compare every entry of `a` with the entry of the same name in `b`;
 * print one line per problem and return the number of problems.
 */
static unsigned int compare_entries(const struct abi_table *a, const char *a_name,
                                    const struct abi_table *b, const char *b_name)
{
    unsigned int bad = 0;

    for (size_t i = 0; i < a->nr_entries; i++) {
        const struct abi_entry *ea = &a->entries[i];
        const struct abi_entry *eb = find_entry(b, ea->name);

        if (!eb) {
            printf("abi: %s: in %s but missing from %s\n", ea->name, a_name, b_name);
            bad++;
        } else if (ea->value != eb->value) {
            printf("abi: %s: %s has %#llx (%lld), %s has %#llx (%lld)\n", ea->name,
                   a_name, (unsigned long long)ea->value, (long long)ea->value,
                   b_name, (unsigned long long)eb->value, (long long)eb->value);
            bad++;
        }
    }
    return bad;
}

static unsigned int count_duplicates(const struct abi_table *t, const char *t_name)
{
    unsigned int bad = 0;

    for (size_t i = 0; i < t->nr_entries; i++)
        if (find_entry(t, t->entries[i].name) != &t->entries[i]) {
            printf("abi: %s: listed twice in %s\n", t->entries[i].name, t_name);
            bad++;
        }
    return bad;
}

static void test_tables_are_long(void **state)
{
    (void)state;
    assert_int_equal(abi_keel_table.nr_entries, abi_xen_table.nr_entries);
    assert_true(abi_keel_table.nr_entries > 900);
}

static void test_no_duplicate_names(void **state)
{
    (void)state;
    assert_int_equal(count_duplicates(&abi_keel_table, "keel"), 0);
}

static void test_keel_matches_xen(void **state)
{
    (void)state;
    assert_int_equal(compare_entries(&abi_keel_table, "keel", &abi_xen_table, "xen"), 0);
}

static void test_xen_matches_keel(void **state)
{
    (void)state;
    assert_int_equal(compare_entries(&abi_xen_table, "xen", &abi_keel_table, "keel"), 0);
}

/* The comparison itself must catch a wrong value and a missing name. */
static void test_compare_detects_mismatch(void **state)
{
    static const struct abi_entry good[] = {
        { "sizeof(struct x)", 8 }, { "X_ONE", 1 },
    };
    static const struct abi_entry wrong_value[] = {
        { "sizeof(struct x)", 16 }, { "X_ONE", 1 },
    };
    static const struct abi_entry missing[] = {
        { "sizeof(struct x)", 8 },
    };
    const struct abi_table tg = { .entries = good, .nr_entries = 2 };
    const struct abi_table tw = { .entries = wrong_value, .nr_entries = 2 };
    const struct abi_table tm = { .entries = missing, .nr_entries = 1 };

    (void)state;
    printf("abi: self-check, the next two complaints are expected:\n");
    assert_int_equal(compare_entries(&tg, "good", &tg, "good"), 0);
    assert_int_equal(compare_entries(&tg, "good", &tw, "wrong"), 1);
    assert_int_equal(compare_entries(&tg, "good", &tm, "missing"), 1);
    assert_int_equal(compare_entries(&tm, "missing", &tg, "good"), 0);
}

static void test_strings_match(void **state)
{
    (void)state;
    assert_int_equal(abi_keel_table.nr_strings, abi_xen_table.nr_strings);
    for (size_t i = 0; i < abi_keel_table.nr_strings; i++) {
        assert_string_equal(abi_keel_table.strings[i].name, abi_xen_table.strings[i].name);
        assert_string_equal(abi_keel_table.strings[i].value, abi_xen_table.strings[i].value);
    }
}

static void test_gnttab_error_msgs_match(void **state)
{
    (void)state;
    assert_int_equal(abi_keel_table.nr_gnttab_msgs, abi_xen_table.nr_gnttab_msgs);
    /* One message per GNTST_* code, 0 .. -13. */
    assert_int_equal(abi_keel_table.nr_gnttab_msgs, 14);
    for (size_t i = 0; i < abi_keel_table.nr_gnttab_msgs; i++)
        assert_string_equal(abi_keel_table.gnttab_msgs[i], abi_xen_table.gnttab_msgs[i]);
}

static void test_xsd_errors_match(void **state)
{
    size_t i;

    (void)state;
    for (i = 0;; i++) {
        int kn = 0, xn = 0;
        const char *ks = NULL, *xs = NULL;
        int kr = abi_keel_table.xsd_error(i, &kn, &ks);
        int xr = abi_xen_table.xsd_error(i, &xn, &xs);

        assert_int_equal(kr, xr);
        if (kr < 0)
            break;
        assert_int_equal(kn, xn);   /* ours: XEN_E*; Xen's: libc E* */
        assert_string_equal(ks, xs);
    }
    assert_int_equal(i, 16);
    /* The first entry is the default for unknown errors. */
    {
        int n;
        const char *s;
        assert_int_equal(abi_keel_table.xsd_error(0, &n, &s), 0);
        assert_string_equal(s, "EINVAL");
        assert_int_equal(n, 22);
    }
}

static void test_ring_macros_behave_like_xens(void **state)
{
    uint64_t k[4096], x[4096];
    size_t nk, nx;

    (void)state;
    nk = abi_keel_table.ring_trace(k, 4096);
    nx = abi_xen_table.ring_trace(x, 4096);
    assert_true(nk <= 4096);
    assert_int_equal(nk, nx);
    assert_true(nk > 300);          /* the scenario really ran */
    assert_int_equal(k[2], 128);    /* RING_SIZE: 252 entries fit, rounded down */
    for (size_t i = 0; i < nk; i++) {
        if (k[i] != x[i])
            printf("abi: ring trace differs at %zu: keel %#llx, xen %#llx\n", i,
                   (unsigned long long)k[i], (unsigned long long)x[i]);
        assert_int_equal(k[i], x[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_are_long),
        cmocka_unit_test(test_no_duplicate_names),
        cmocka_unit_test(test_compare_detects_mismatch),
        cmocka_unit_test(test_keel_matches_xen),
        cmocka_unit_test(test_xen_matches_keel),
        cmocka_unit_test(test_strings_match),
        cmocka_unit_test(test_gnttab_error_msgs_match),
        cmocka_unit_test(test_xsd_errors_match),
        cmocka_unit_test(test_ring_macros_behave_like_xens),
    };
    return cmocka_run_group_tests_name("abi_layout", tests, NULL, NULL);
}
