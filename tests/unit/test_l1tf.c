/*
 * Unit tests for the L1TF rule of hypervisor/arch/x86_64/pv_mm.c
 * (pv_l1tf_init, l1tf_safe_nonpresent): a not-present entry at any level
 * must hold address 0 or an address at or above the L1TF-safe boundary,
 * and no PSE at L2-L4; on every path that installs entries (validation of
 * a new table, mmu_update, the ptwr cmpxchg).  Run on the real pv_mm.c
 * against the fake frame table (test_pvmm_world.h).
 */
#include "test_pvmm_world.h"
#include <public/xen.h>

#define L1F 5
#define L2F 4
#define L3F 3
#define L4F 2
#define T1 6          /* a frame of A that becomes a table in a test */
#define D0 10
#define SAFE36 (3UL << 34)             /* 36 address bits: top quarter */

static long mmu1(uint64_t ptr, uint64_t val)
{
    struct mmu_update req = { ptr | MMU_NORMAL_PT_UPDATE, val };
    return do_mmu_update((uint64_t)&req, 1, 0, DOMID_SELF);
}

static uint64_t maddr(unsigned int mfn, unsigned int idx)
{
    return ((uint64_t)mfn << 12) + idx * 8;
}

/* Linux's not-present entry for a frame: its bits inverted (pte_mknotpresent). */
#define inverted(mfn) (~pte(mfn, 0) & 0x000ffffffffff000UL)
/* ptwr.c's entry point into pv_mm.c (declared there, not in a header). */
int pv_mod_entry_cmpxchg(uint64_t *pe, uint64_t old, uint64_t nv, unsigned int level,
                         struct domain *d);

static void pin_tree(void)
{
    build_tables(L4F, L3F, L2F, L1F);
    assert_int_equal(pv_pin_table(da, _mfn(L4F), PGT_l4), 0);
}

static void unpin_tree(void)
{
    struct mmuext_op u = { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = L4F };

    assert_int_equal(do_mmuext_op((uint64_t)&u, 1, 0, DOMID_SELF), 0);
    check_baseline();
}

struct row {
    const char *what;
    uint64_t entry;
    int rc;
};

/* L1 entries through mmu_update with 36 address bits, RAM below 48 GiB. */
static const struct row l1_rows[] = {
    { "zero", 0, 0 },
    { "flags only (address 0)", 0x062, 0 },
    { "a RAM address", pte(D0, 0), -XEN_EINVAL },
    { "a RAM address with flags", pte(D0, RW | US | _PAGE_ACCESSED), -XEN_EINVAL },
    { "a foreign RAM address", pte(B_FIRST, 0), -XEN_EINVAL },
    { "just below the boundary", SAFE36 - 4096, -XEN_EINVAL },
    { "at the boundary", SAFE36, 0 },
    { "Linux's inverted entry", inverted(D0), 0 },
    { "bits above the address width are ignored: RAM", (1UL << 40) | pte(D0, 0), -XEN_EINVAL },
    { "bits above the address width are ignored: 0", 1UL << 40, 0 },
    { "NX and software bits, address 0", (1UL << 63) | (1UL << 52) | 0x600, 0 },
    { "PAT bit (bit 7) is not PSE in an L1", 0x080, 0 },
};

static void test_l1_mmu_update(void **state)
{
    unsigned int i;

    (void)state;
    pv_l1tf_init(36, 64UL << 20);
    pin_tree();
    for (i = 0; i < ARRAY_SIZE(l1_rows); i++) {
        const struct row *r = &l1_rows[i];
        print_message("  L1: %s\n", r->what);
        tab(L1F)[3] = 0;
        assert_int_equal(mmu1(maddr(L1F, 3), r->entry), r->rc);
        assert_int_equal(tab(L1F)[3], r->rc ? 0 : r->entry);
        check_consistency();
    }
    assert_int_equal(mmu1(maddr(L1F, 3), 0), 0);
    unpin_tree();
}

/* Upper levels: the same address rule, and PSE refused even when not present. */
static void test_upper_mmu_update(void **state)
{
    static const unsigned int tables[] = { L2F, L3F, L4F };
    unsigned int i;

    (void)state;
    pv_l1tf_init(36, 64UL << 20);
    pin_tree();
    for (i = 0; i < ARRAY_SIZE(tables); i++) {
        unsigned int t = tables[i];
        print_message("  L%u\n", i + 2);
        assert_int_equal(mmu1(maddr(t, 300), pte(D0, 0)), -XEN_EINVAL);
        assert_int_equal(mmu1(maddr(t, 300), _PAGE_PSE), -XEN_EINVAL);
        assert_int_equal(mmu1(maddr(t, 300), inverted(D0) | _PAGE_PSE), -XEN_EINVAL);
        assert_int_equal(tab(t)[300], 0);
        assert_int_equal(mmu1(maddr(t, 300), inverted(D0)), 0);
        assert_int_equal(mmu1(maddr(t, 300), 0x062), 0);
        assert_int_equal(mmu1(maddr(t, 300), 0), 0);
        check_consistency();
    }
    unpin_tree();
}

/* A table with an unsafe not-present entry cannot take its type (pin,
 * link, or new base pointer all validate through get_page_type). */
static void test_validation(void **state)
{
    unsigned int level;

    (void)state;
    pv_l1tf_init(36, 64UL << 20);
    for (level = 1; level <= 4; level++) {
        unsigned int type = PGT_l1 + level - 1;
        print_message("  L%u\n", level);
        memset(tab(T1), 0, 4096);
        tab(T1)[7] = pte(D0, RW);
        assert_int_equal(get_page_and_type(_mfn(T1), da, type), -XEN_EINVAL);
        assert_int_equal(pg(T1)->type_count, 0);
        if (level > 1) {
            tab(T1)[7] = _PAGE_PSE;
            assert_int_equal(get_page_and_type(_mfn(T1), da, type), -XEN_EINVAL);
        }
        tab(T1)[7] = inverted(D0);
        assert_int_equal(get_page_and_type(_mfn(T1), da, type), 0);
        put_page_and_type(_mfn(T1), da);
        check_baseline();
    }
    memset(tab(T1), 0, 4096);
}

/* The writable-pagetable emulator's path (ptwr.c). */
static void test_ptwr_cmpxchg(void **state)
{
    uint64_t *pe = &tab(L1F)[9];

    (void)state;
    pv_l1tf_init(36, 64UL << 20);
    pin_tree();
    assert_int_equal(pv_mod_entry_cmpxchg(pe, 0, pte(D0, 0), 1, da), -XEN_EINVAL);
    assert_int_equal(*pe, 0);
    assert_int_equal(pv_mod_entry_cmpxchg(pe, 0, inverted(D0), 1, da), 0);
    assert_int_equal(pv_mod_entry_cmpxchg(pe, inverted(D0), 0, 1, da), 0);
    check_consistency();
    unpin_tree();
}

/* The boundary: the top quarter of the address space, or above the
 * highest RAM address if that is higher; 0 bits of width are clamped. */
static void test_boundary(void **state)
{
    (void)state;
    pv_l1tf_init(36, 60UL << 30);              /* RAM up to 60 GiB > 48 GiB */
    pin_tree();
    assert_int_equal(mmu1(maddr(L1F, 3), SAFE36), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(L1F, 3), 60UL << 30), 0);
    assert_int_equal(mmu1(maddr(L1F, 3), 0), 0);
    pv_l1tf_init(40, 64UL << 20);              /* 40 bits: 768 GiB */
    assert_int_equal(mmu1(maddr(L1F, 3), SAFE36), -XEN_EINVAL);
    assert_int_equal(mmu1(maddr(L1F, 3), 3UL << 38), 0);
    assert_int_equal(mmu1(maddr(L1F, 3), 0), 0);
    unpin_tree();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_l1_mmu_update, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_upper_mmu_update, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_validation, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_ptwr_cmpxchg, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_boundary, world_setup, world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
