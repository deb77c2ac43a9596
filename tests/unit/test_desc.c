/* Unit tests for hypervisor/arch/x86_64/desc.c: one row per descriptor class. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <keel/desc.h>

struct row {
    const char *what;
    uint64_t in;
    bool is64;
    bool ok;
    uint64_t out;       /* expected *desc afterwards (== in when refused) */
};

/* Call gate: offset 0x12345678, selector sel, present, DPL dpl, extra low bits. */
#define GATE(sel, dpl, low) \
    (((uint64_t)(0x12340000u | 0x8000u | ((dpl) << 13) | 0x0c00u | (low)) << 32) | \
     ((uint64_t)(sel) << 16) | 0x5678u)

static const struct row rows[] = {
    { "null", 0, true, true, 0 },
    { "not present, DPL 0 code", 0x00af1b000000ffffULL, true, true, 0x00af1b000000ffffULL },
    { "not present TSS", 0x0000090000000000ULL, true, true, 0x0000090000000000ULL },
    /* Linux's GDT (arch/x86/include/asm/segment.h GDT_ENTRY_INIT values). */
    { "__KERNEL_CS 64-bit DPL0 -> 3", 0x00af9b000000ffffULL, true, true, 0x00affb000000ffffULL },
    { "__KERNEL_DS DPL0 -> 3", 0x00cf93000000ffffULL, true, true, 0x00cff3000000ffffULL },
    { "__KERNEL32_CS DPL0 -> 3", 0x00cf9b000000ffffULL, true, true, 0x00cffb000000ffffULL },
    { "__USER_CS DPL3 unchanged", 0x00affb000000ffffULL, true, true, 0x00affb000000ffffULL },
    { "__USER_DS DPL3 unchanged", 0x00cff3000000ffffULL, true, true, 0x00cff3000000ffffULL },
    { "DPL1 data -> 3", 0x00cfb3000000ffffULL, true, true, 0x00cff3000000ffffULL },
    { "DPL2 data -> 3", 0x00cfd3000000ffffULL, true, true, 0x00cff3000000ffffULL },
    { "conforming code DPL0 -> 3", 0x00af9f000000ffffULL, true, true, 0x00afff000000ffffULL },
    { "TLS data with base", 0x12cff3456789ffffULL, true, true, 0x12cff3456789ffffULL },
    { "system type 0 present", 0x0000800000000000ULL, true, true, 0x0000800000000000ULL },
    { "LDT", 0x0000820000000000ULL, true, false, 0x0000820000000000ULL },
    { "available 64-bit TSS", 0x0000890000000067ULL, true, false, 0x0000890000000067ULL },
    { "busy 64-bit TSS", 0x00008b0000000067ULL, true, false, 0x00008b0000000067ULL },
    { "task gate", 0x0000e50000100000ULL, true, false, 0x0000e50000100000ULL },
    { "16-bit call gate", 0x0000e40000100000ULL, true, false, 0x0000e40000100000ULL },
    { "interrupt gate", 0x0000ee0000100000ULL, true, false, 0x0000ee0000100000ULL },
    { "trap gate", 0x0000ef0000100000ULL, true, false, 0x0000ef0000100000ULL },
    { "call gate to guest CS", GATE(0x10, 3, 0), true, true, 0x12348c0000135678ULL },
    { "call gate DPL0 to guest CS", GATE(0x10, 0, 0), true, true, 0x12348c0000135678ULL },
    { "call gate to FLAT_KERNEL_CS", GATE(0xe033, 3, 0), true, true, 0x12348c00e0335678ULL },
    { "call gate to LDT selector", GATE(0xe00c, 3, 0), true, true, 0x12348c00e00f5678ULL },
    { "call gate to Xen's CS", GATE(0xe008, 3, 0), true, false, GATE(0xe008, 3, 0) },
    { "call gate with param count", GATE(0x10, 3, 2), true, false, GATE(0x10, 3, 2) },
    /* Xen's guest_gate_selector_okay wants exactly FLAT_KERNEL_CS (0xe033). */
    { "call gate to FLAT_KERNEL_CS with RPL 0", GATE(0xe030, 3, 0), true, false,
      GATE(0xe030, 3, 0) },
    { "call gate to FLAT_RING3_CS32", GATE(0xe023, 3, 0), true, false, GATE(0xe023, 3, 0) },
    { "not-present call gate kept as given", GATE(0xe033, 3, 0) & ~(0x8000ULL << 32), true,
      true, GATE(0xe033, 3, 0) & ~(0x8000ULL << 32) },
    /* 32-bit (compat) guests: kernel ring 1. */
    { "32-bit: DPL0 code -> 1", 0x00cf9b000000ffffULL, false, true, 0x00cfbb000000ffffULL },
    { "32-bit: DPL2 data unchanged", 0x00cfd3000000ffffULL, false, true, 0x00cfd3000000ffffULL },
    { "32-bit: L=1 code refused", 0x00af9b000000ffffULL, false, false, 0x00af9b000000ffffULL },
    { "32-bit: gate to FLAT_KERNEL_CS32", GATE(0xe019, 1, 0), false, true, 0x12348c00e0195678ULL },
    { "32-bit: gate to CS64 refused", GATE(0xe033, 3, 0), false, false, GATE(0xe033, 3, 0) },
    { "32-bit: gate, param count ok", GATE(0x10, 3, 3), false, true, 0x12348c0300135678ULL },
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t d = rows[i].in;
        bool ok = desc_check(&d, rows[i].is64);

        if (ok != rows[i].ok || d != rows[i].out) {
            print_error("%s: ok %d (want %d) desc %#llx (want %#llx)\n", rows[i].what, ok,
                        rows[i].ok, (unsigned long long)d, (unsigned long long)rows[i].out);
            fail();
        }
    }
}

/* Over many descriptors: whatever is accepted and present can't reach ring 0-2. */
static void test_invariants(void **state)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;

    (void)state;
    for (unsigned int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t d = x;
        bool ok = desc_check(&d, true);
        uint32_t b = d >> 32;

        if (!ok) {
            assert_true(d == x);
            continue;
        }
        if (!(b & 0x8000))
            continue;
        if (b & 0x1000)
            assert_int_equal((b >> 13) & 3, 3);                 /* code/data: DPL 3 */
        else if ((b & 0xf00) == 0xc00)
            assert_int_equal((b >> 13) & 3, 0);                 /* gates always trap */
        else
            assert_int_equal(b & 0xf00, 0);                     /* nothing else */
        uint64_t again = d;
        assert_true(desc_check(&again, true));                  /* idempotent */
        if ((b & 0x1000) || (b & 0xf00) == 0)
            assert_true(again == d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_invariants),
    };
    return cmocka_run_group_tests_name("desc", tests, NULL, NULL);
}
