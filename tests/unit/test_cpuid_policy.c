/*
 * Unit tests for hypervisor/arch/x86_64/cpuid_policy.c.  The expectations
 * are written out independently from the policy's own masks: a synthetic
 * host with every bit set must lose each hidden bit and keep each kept one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <keel/cpuid_policy.h>
#include <keel/lib.h>

enum reg { A, B, C, D };

struct bit {
    uint32_t leaf, subleaf;
    enum reg reg;
    unsigned int bit;
    const char *name;
};

/* LINUX-PV-ABI.md C.1 and the task's hide list. */
static const struct bit hidden[] = {
    { 1, 0, D, 1, "VME" }, { 1, 0, D, 3, "PSE" }, { 1, 0, D, 7, "MCE" },
    { 1, 0, D, 12, "MTRR" }, { 1, 0, D, 13, "PGE" }, { 1, 0, D, 14, "MCA" },
    { 1, 0, D, 17, "PSE36" }, { 1, 0, D, 18, "PSN" }, { 1, 0, D, 21, "DS" },
    { 1, 0, D, 22, "ACPI" }, { 1, 0, D, 29, "TM1" }, { 1, 0, D, 31, "PBE" },
    { 1, 0, C, 2, "DTES64" }, { 1, 0, C, 3, "MONITOR" }, { 1, 0, C, 4, "DSCPL" },
    { 1, 0, C, 5, "VMX" }, { 1, 0, C, 6, "SMX" }, { 1, 0, C, 7, "EIST" },
    { 1, 0, C, 8, "TM2" }, { 1, 0, C, 12, "FMA" }, { 1, 0, C, 15, "PDCM" },
    { 1, 0, C, 17, "PCID" }, { 1, 0, C, 18, "DCA" }, { 1, 0, C, 21, "X2APIC" },
    { 1, 0, C, 24, "TSC_DEADLINE" }, { 1, 0, C, 26, "XSAVE" }, { 1, 0, C, 27, "OSXSAVE" },
    { 1, 0, C, 28, "AVX" }, { 1, 0, C, 29, "F16C" },
    { 7, 0, B, 0, "FSGSBASE" }, { 7, 0, B, 1, "TSC_ADJUST" }, { 7, 0, B, 2, "SGX" },
    { 7, 0, B, 4, "HLE" }, { 7, 0, B, 5, "AVX2" }, { 7, 0, B, 7, "SMEP" },
    { 7, 0, B, 10, "INVPCID" }, { 7, 0, B, 11, "RTM" }, { 7, 0, B, 14, "MPX" },
    { 7, 0, B, 16, "AVX512F" }, { 7, 0, B, 20, "SMAP" }, { 7, 0, B, 25, "PT" },
    { 7, 0, C, 2, "UMIP" }, { 7, 0, C, 3, "PKU" }, { 7, 0, C, 4, "OSPKE" },
    { 7, 0, C, 7, "CET_SS" }, { 7, 0, C, 9, "VAES" }, { 7, 0, C, 10, "VPCLMULQDQ" },
    { 7, 0, C, 16, "LA57" }, { 7, 0, C, 22, "RDPID" },
    { 7, 0, D, 20, "CET_IBT" }, { 7, 0, D, 26, "IBRSB" }, { 7, 0, D, 27, "STIBP" },
    { 7, 0, D, 28, "L1D_FLUSH" }, { 7, 0, D, 29, "ARCH_CAPS" }, { 7, 0, D, 31, "SSBD" },
    { 0x80000001, 0, D, 26, "PAGE1GB" }, { 0x80000001, 0, D, 27, "RDTSCP" },
    { 0x80000001, 0, D, 3, "PSE (AMD mirror)" }, { 0x80000001, 0, D, 13, "PGE (AMD mirror)" },
    { 0x80000001, 0, C, 2, "SVM" }, { 0x80000001, 0, C, 3, "EXTAPIC" },
    { 0x80000001, 0, C, 11, "XOP" }, { 0x80000001, 0, C, 16, "FMA4" },
    { 0x80000001, 0, C, 29, "MONITORX" },
    { 0x80000008, 0, B, 12, "IBPB" }, { 0x80000008, 0, B, 14, "IBRS" },
    { 0x80000008, 0, B, 24, "AMD_SSBD" },
};

static const struct bit kept[] = {
    { 1, 0, D, 0, "FPU" }, { 1, 0, D, 4, "TSC" }, { 1, 0, D, 5, "MSR" },
    { 1, 0, D, 6, "PAE" }, { 1, 0, D, 8, "CX8" }, { 1, 0, D, 9, "APIC" },
    { 1, 0, D, 15, "CMOV" }, { 1, 0, D, 16, "PAT" }, { 1, 0, D, 19, "CLFLUSH" },
    { 1, 0, D, 24, "FXSR" }, { 1, 0, D, 25, "SSE" }, { 1, 0, D, 26, "SSE2" },
    { 1, 0, C, 0, "SSE3" }, { 1, 0, C, 9, "SSSE3" }, { 1, 0, C, 13, "CX16" },
    { 1, 0, C, 19, "SSE4_1" }, { 1, 0, C, 20, "SSE4_2" }, { 1, 0, C, 23, "POPCNT" },
    { 1, 0, C, 31, "HYPERVISOR" },
    { 7, 0, B, 3, "BMI1" }, { 7, 0, B, 8, "BMI2" }, { 7, 0, B, 9, "ERMS" },
    { 7, 0, D, 10, "MD_CLEAR" },
    { 0x80000001, 0, D, 11, "SYSCALL" }, { 0x80000001, 0, D, 20, "NX" },
    { 0x80000001, 0, D, 29, "LM" }, { 0x80000001, 0, D, 0, "FPU (AMD mirror)" },
    { 0x80000001, 0, C, 0, "LAHF_LM" },
};

static uint32_t *reg_of(struct cpuid_regs *r, enum reg g)
{
    return g == A ? &r->a : g == B ? &r->b : g == C ? &r->c : &r->d;
}

static struct cpuid_regs host_all(void)
{
    return (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u };
}

static void check_bits(bool dom0)
{
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
        struct cpuid_regs r = host_all();

        cpuid_policy_apply(hidden[i].leaf, hidden[i].subleaf, &r, dom0);
        if (*reg_of(&r, hidden[i].reg) & (1u << hidden[i].bit)) {
            print_error("%s (leaf %#x bit %u) visible\n", hidden[i].name, hidden[i].leaf,
                        hidden[i].bit);
            fail();
        }
    }
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        struct cpuid_regs r = host_all();

        cpuid_policy_apply(kept[i].leaf, kept[i].subleaf, &r, dom0);
        if (!(*reg_of(&r, kept[i].reg) & (1u << kept[i].bit))) {
            print_error("%s (leaf %#x bit %u) hidden\n", kept[i].name, kept[i].leaf,
                        kept[i].bit);
            fail();
        }
    }
}

static void test_feature_bits_domu(void **state)
{
    (void)state;
    check_bits(false);
}

static void test_feature_bits_dom0(void **state)
{
    (void)state;
    check_bits(true);
}

static void test_kept_bits_not_invented(void **state)
{
    /* A host without the features: nothing appears but HYPERVISOR. */
    struct cpuid_regs r = { 0, 0, 0, 0 };

    (void)state;
    cpuid_policy_apply(1, 0, &r, false);
    assert_int_equal(r.c, 1u << 31);
    assert_int_equal(r.d, 0);
    r = (struct cpuid_regs){ 0, 0, 0, 0 };
    cpuid_policy_apply(7, 0, &r, false);
    assert_true(r.a == 0 && r.b == 0 && r.c == 0 && r.d == 0);
}

static void test_hypervisor_leaves(void **state)
{
    struct cpuid_regs r = host_all();
    char sig[13];

    (void)state;
    cpuid_policy_apply(0x40000000, 0, &r, false);
    assert_int_equal(r.a, 0x40000002);
    memcpy(sig, &r.b, 4);
    memcpy(sig + 4, &r.c, 4);
    memcpy(sig + 8, &r.d, 4);
    sig[12] = 0;
    assert_string_equal(sig, "XenVMMXenVMM");
    r = host_all();
    cpuid_policy_apply(0x40000001, 0, &r, false);
    assert_int_equal(r.a, (4 << 16) | 17);
    r = host_all();
    cpuid_policy_apply(0x40000002, 0, &r, false);
    assert_int_equal(r.a, 1);
    assert_int_equal(r.b, 0x40000000);
    assert_int_equal(r.c, 1);   /* MMU_PT_UPDATE_PRESERVE_AD */
    assert_int_equal(r.d, 0);
    for (uint32_t leaf = 0x40000003; leaf <= 0x40000105; leaf += 0x51) {
        r = host_all();
        cpuid_policy_apply(leaf, 0, &r, false);
        assert_true(r.a == 0 && r.b == 0 && r.c == 0 && r.d == 0);
    }
}

static void test_max_leaves_and_zeroed(void **state)
{
    struct cpuid_regs r = { 0x20, 0x756e6547, 0x6c65746e, 0x49656e69 };  /* GenuineIntel */

    (void)state;
    cpuid_policy_apply(0, 0, &r, false);
    assert_int_equal(r.a, 0xd);
    assert_int_equal(r.b, 0x756e6547);   /* vendor kept */
    r.a = 7;
    cpuid_policy_apply(0, 0, &r, false);
    assert_int_equal(r.a, 7);            /* never raised */
    r = host_all();
    cpuid_policy_apply(0x80000000, 0, &r, false);
    assert_int_equal(r.a, 0x80000008);

    static const uint32_t zeroed[][2] = {
        { 3, 0 }, { 5, 0 }, { 6, 0 }, { 7, 1 }, { 7, 2 }, { 0xa, 0 }, { 0xb, 0 }, { 0xb, 1 },
        { 0xd, 0 }, { 0xd, 1 }, { 0xd, 2 }, { 0xe, 0 }, { 0x14, 0 }, { 0x1f, 0 },
        { 0x80000007, 0 }, { 0x80000009, 0 }, { 0x8000001f, 0 }, { 0xc0000000, 0 },
        { 0x3fffffff, 0 }, { 0xffffffff, 0 },
    };
    for (size_t i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++) {
        r = host_all();
        cpuid_policy_apply(zeroed[i][0], zeroed[i][1], &r, false);
        if (r.a || r.b || r.c || r.d) {
            print_error("leaf %#x.%u not zeroed\n", zeroed[i][0], zeroed[i][1]);
            fail();
        }
    }
}

static void test_leaf_details(void **state)
{
    struct cpuid_regs r = host_all();

    (void)state;
    cpuid_policy_apply(1, 0, &r, false);
    assert_int_equal(r.a, ~0u);             /* family/model/stepping */
    assert_int_equal(r.b, 0x00ffffffu);     /* no initial APIC ID */
    r = host_all();
    cpuid_policy_apply(7, 0, &r, false);
    assert_int_equal(r.a, 0);               /* no subleaf beyond 0 */
    r = host_all();
    cpuid_policy_apply(4, 1, &r, false);
    assert_int_equal(r.a, 0x3fff);          /* no sharing/core-count fields */
    assert_int_equal(r.b, ~0u);
    r = host_all();
    cpuid_policy_apply(0x80000008, 0, &r, false);
    assert_int_equal(r.a, ~0u);             /* address sizes */
    assert_int_equal(r.c, 0);
    r = (struct cpuid_regs){ 1, 2, 3, 4 };
    cpuid_policy_apply(0x80000003, 0, &r, false);
    assert_true(r.a == 1 && r.b == 2 && r.c == 3 && r.d == 4);   /* brand string */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feature_bits_domu),
        cmocka_unit_test(test_feature_bits_dom0),
        cmocka_unit_test(test_kept_bits_not_invented),
        cmocka_unit_test(test_hypervisor_leaves),
        cmocka_unit_test(test_max_leaves_and_zeroed),
        cmocka_unit_test(test_leaf_details),
    };
    return cmocka_run_group_tests_name("cpuid_policy", tests, NULL, NULL);
}
