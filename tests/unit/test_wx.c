/*
 * Unit tests for the W^X walker (hypervisor/arch/x86_64/wx_check.c) that
 * hardening.c runs over the hypervisor's own page tables at boot: tables
 * built in host memory, "machine addresses" are indices into a pool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <keel/wx_check.h>

#define P   0x001UL
#define RW  0x002UL
#define PSE 0x080UL
#define NX  (1UL << 63)

static uint64_t pool[8][512] __attribute__((aligned(4096)));
static uint64_t found_va[16], found_size[16];
static unsigned int found_level[16], nfound;

static const uint64_t *table(uint64_t pa, void *ctx)
{
    (void)ctx;
    assert_true(pa / 4096 < 8);
    return pool[pa / 4096];
}

static void report(uint64_t va, uint64_t size, unsigned int level, void *ctx)
{
    (void)ctx;
    assert_true(nfound < 16);
    found_va[nfound] = va;
    found_size[nfound] = size;
    found_level[nfound++] = level;
}

static uint64_t link(unsigned int t, uint64_t flags)
{
    return ((uint64_t)t << 12) | flags;
}

/* pool[0] = L4, [1] = L3, [2] = L2, [3] = L1, for slot 261 (the image). */
static int reset(void **state)
{
    (void)state;
    memset(pool, 0, sizeof(pool));
    nfound = 0;
    pool[0][261] = link(1, P | RW);
    pool[1][0] = link(2, P | RW);
    pool[2][0] = link(3, P | RW);
    return 0;
}

static unsigned int run(bool nx)
{
    struct wx_walk w = { .table = table, .report = report, .nx = nx };
    return wx_check_tables(pool[0], 256, 271, &w);
}

static void test_clean_layout(void **state)
{
    (void)state;
    pool[3][0] = link(100, P);                 /* text: RX */
    pool[3][1] = link(101, P | NX);            /* rodata: R */
    pool[3][2] = link(102, P | RW | NX);       /* data: RW */
    pool[2][1] = link(0, P | RW | PSE | NX);   /* a 2 MiB RW NX page */
    assert_int_equal(run(true), 0);
    assert_int_equal(nfound, 0);
}

static void test_wx_4k_leaf(void **state)
{
    (void)state;
    pool[3][0] = link(100, P);
    pool[3][5] = link(105, P | RW);            /* writable and executable */
    assert_int_equal(run(true), 1);
    assert_int_equal(found_va[0], 0xffff828000000000UL + 5 * 4096);
    assert_int_equal(found_size[0], 4096);
    assert_int_equal(found_level[0], 1);
}

static void test_wx_superpages(void **state)
{
    (void)state;
    pool[2][3] = link(0, P | RW | PSE);        /* 2 MiB */
    pool[1][2] = link(0, P | RW | PSE);        /* 1 GiB */
    assert_int_equal(run(true), 2);            /* reported in address order */
    assert_int_equal(found_size[0], 2UL << 20);
    assert_int_equal(found_level[0], 2);
    assert_int_equal(found_va[0], 0xffff828000000000UL + (3UL << 21));
    assert_int_equal(found_size[1], 1UL << 30);
    assert_int_equal(found_level[1], 3);
    assert_int_equal(found_va[1], 0xffff828000000000UL + (2UL << 30));
}

/* Rights are the intersection along the path. */
static void test_upper_levels_restrict(void **state)
{
    (void)state;
    pool[3][0] = link(100, P | RW);
    pool[2][0] = link(3, P);                   /* read-only above: not writable */
    assert_int_equal(run(true), 0);
    pool[2][0] = link(3, P | RW | NX);         /* NX above: not executable */
    assert_int_equal(run(true), 0);
    pool[2][0] = link(3, P | RW);
    pool[0][261] = link(1, P | RW | NX);       /* NX in the L4 entry */
    assert_int_equal(run(true), 0);
    pool[0][261] = link(1, P | RW);
    assert_int_equal(run(true), 1);
}

static void test_not_present_and_slots(void **state)
{
    (void)state;
    pool[3][7] = 100UL << 12 | RW;             /* not present */
    assert_int_equal(run(true), 0);
    pool[0][300] = link(4, P | RW);            /* a guest slot: not walked */
    pool[4][0] = link(0, P | RW | PSE);
    assert_int_equal(run(true), 0);
    pool[0][256] = link(4, P | RW);            /* the first hypervisor slot */
    assert_int_equal(run(true), 1);
    assert_int_equal(found_va[0], 0xffff800000000000UL);
}

/* Without NX (EFER.NXE off) every writable page is executable. */
static void test_no_nx(void **state)
{
    (void)state;
    pool[3][0] = link(100, P | NX);
    pool[3][2] = link(102, P | RW | NX);
    assert_int_equal(run(false), 1);
    assert_int_equal(run(true), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_clean_layout, reset),
        cmocka_unit_test_setup(test_wx_4k_leaf, reset),
        cmocka_unit_test_setup(test_wx_superpages, reset),
        cmocka_unit_test_setup(test_upper_levels_restrict, reset),
        cmocka_unit_test_setup(test_not_present_and_slots, reset),
        cmocka_unit_test_setup(test_no_nx, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
