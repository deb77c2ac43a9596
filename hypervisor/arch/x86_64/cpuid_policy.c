/*
 * CPUID policy for PV guests.
 *
 * An allow-list: a feature bit reaches the guest only if it is listed here,
 * so bits that future CPUs define stay hidden.  The list is what Xen marks
 * 'A' (all guests, default on) in xen/include/public/arch-x86/cpufeatureset.h,
 * minus what Keel does not (yet) virtualise:
 *  - XSAVE and everything that needs it (OSXSAVE, AVX and its dependants
 *    FMA, F16C, AVX2, AVX-512, VAES, VPCLMULQDQ, XOP, FMA4; leaf 0xd): the
 *    kernel then uses FXSAVE (LINUX-PV-ABI.md C.1);
 *  - FSGSBASE ('A' in Xen): Keel does not let a PV kernel set CR4.FSGSBASE,
 *    so rdfsbase would #UD in __switch_to;
 *  - MCE/MCA ('A'): Linux's MCE code uses raw rdmsr, which would #GP;
 *  - RDTSCP/RDPID ('A'): Keel does not context-switch MSR_TSC_AUX;
 *  - SPEC_CTRL-family bits and IBPB: Keel does not emulate those MSRs;
 *  - RTM/HLE ('!A'/'!a'), ACPI ('A'; Linux clears it in a domU anyway).
 * Everything Xen marks 'S'/'H'/lower-case/unmarked stays hidden: VME, PSE,
 * PSE36, PGE, MTRR, DS, MONITOR, VMX, SVM, SMX, EIST, TM1/2, PCID, DCA,
 * TSC_DEADLINE, X2APIC (hidden from PV since Xen commit "x86/cpu-policy:
 * Hide x2APIC from PV guests"), SMEP, SMAP, INVPCID, MPX, UMIP, PKU, OSPKE,
 * PAGE1GB, LA57, CET, TSC_ADJUST, SGX.
 * APIC ('!A') stays visible, as in Xen; HYPERVISOR is forced on.
 *
 * Xen's dom0-only leaks (xen/arch/x86/cpuid.c:guest_cpuid: MTRR and EIST
 * into the hardware domain's kernel, MONITOR on faulted CPUID) are not
 * reproduced, so is_dom0 does not change the view yet.
 */
#include <keel/cpuid_policy.h>
#include <keel/lib.h>

#define BIT(n) (1u << (n))

/* Leaf 1 EDX. */
#define L1D_KEEP (BIT(0) /* FPU */ | BIT(2) /* DE */ | BIT(4) /* TSC */ | BIT(5) /* MSR */ | \
                  BIT(6) /* PAE */ | BIT(8) /* CX8 */ | BIT(9) /* APIC */ |                  \
                  BIT(11) /* SEP */ | BIT(15) /* CMOV */ | BIT(16) /* PAT */ |               \
                  BIT(19) /* CLFLUSH */ | BIT(23) /* MMX */ | BIT(24) /* FXSR */ |           \
                  BIT(25) /* SSE */ | BIT(26) /* SSE2 */ | BIT(27) /* SS */ |                \
                  BIT(28) /* HTT */)
/* Leaf 1 ECX. */
#define L1C_HYPERVISOR BIT(31)
#define L1C_KEEP (BIT(0) /* SSE3 */ | BIT(1) /* PCLMULQDQ */ | BIT(9) /* SSSE3 */ |          \
                  BIT(13) /* CX16 */ | BIT(19) /* SSE4_1 */ | BIT(20) /* SSE4_2 */ |        \
                  BIT(22) /* MOVBE */ | BIT(23) /* POPCNT */ | BIT(25) /* AESNI */ |        \
                  BIT(30) /* RDRAND */ | L1C_HYPERVISOR)
/* Leaf 7 subleaf 0. */
#define L7B_KEEP (BIT(3) /* BMI1 */ | BIT(6) /* FDP_EXCP_ONLY */ | BIT(8) /* BMI2 */ |       \
                  BIT(9) /* ERMS */ | BIT(13) /* NO_FPU_SEL */ | BIT(18) /* RDSEED */ |     \
                  BIT(19) /* ADX */ | BIT(23) /* CLFLUSHOPT */ | BIT(24) /* CLWB */ |       \
                  BIT(29) /* SHA */)
#define L7C_KEEP (BIT(0) /* PREFETCHWT1 */ | BIT(8) /* GFNI */ | BIT(25) /* CLDEMOTE */)
#define L7D_KEEP (BIT(4) /* FSRM */ | BIT(10) /* MD_CLEAR */ | BIT(14) /* SERIALIZE */)
/* Leaf 0x80000001.  AMD mirrors leaf 1 EDX bits 0-17, 23, 24 here. */
#define E1D_MIRROR (0x0003ffffu | BIT(23) | BIT(24))
#define E1D_KEEP (BIT(11) /* SYSCALL */ | BIT(20) /* NX */ | BIT(22) /* MMXEXT */ |          \
                  BIT(25) /* FFXSR */ | BIT(29) /* LM */ | BIT(30) /* 3DNOWEXT */ |          \
                  BIT(31) /* 3DNOW */ | (L1D_KEEP & E1D_MIRROR))
#define E1C_KEEP (BIT(0) /* LAHF_LM */ | BIT(1) /* CMP_LEGACY */ | BIT(5) /* ABM */ |        \
                  BIT(6) /* SSE4A */ | BIT(7) /* MISALIGNSSE */ |                          \
                  BIT(8) /* 3DNOWPREFETCH */ | BIT(21) /* TBM */ | BIT(26) /* DBEXT */)
/* Leaf 0x80000008 EBX. */
#define E8B_KEEP (BIT(0) /* CLZERO */ | BIT(2) /* RSTR_FP_ERR_PTRS */ | BIT(26) /* SSB_NO */ | \
                  BIT(29) /* BTC_NO */)

/* public/arch-x86/cpuid.h */
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558u /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4du /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566eu /* "nVMM" */
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD BIT(0)

static void set(struct cpuid_regs *r, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    r->a = a;
    r->b = b;
    r->c = c;
    r->d = d;
}

static void basic_leaf(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
    switch (leaf) {
    case 0x0:
        /* Vendor string kept; the guest sees no leaf above 0xd. */
        r->a = MIN(r->a, CPUID_POLICY_MAX_BASIC);
        break;
    case 0x1:
        /* Xen (guest_cpuid) clears the initial APIC ID for PV. */
        r->b &= 0x00ffffffu;
        r->c &= L1C_KEEP;
        r->c |= L1C_HYPERVISOR;
        r->d &= L1D_KEEP;
        break;
    case 0x2:
        /* Cache/TLB descriptors: harmless, passed through. */
        break;
    case 0x4:
        /*
         * Cache parameters, passed through except the topology fields (EAX
         * 31:14, threads sharing / cores per package): Keel gives no
         * topology, so each cache is private to one thread of one core.
         */
        r->a &= 0x3fffu;
        break;
    case 0x7:
        if (subleaf != 0) {
            /* Subleaf 1+ is mostly XSAVE-dependent (AVX-VNNI, AMX...). */
            set(r, 0, 0, 0, 0);
            break;
        }
        r->a = 0;   /* max subleaf */
        r->b &= L7B_KEEP;
        r->c &= L7C_KEEP;
        r->d &= L7D_KEEP;
        break;
    default:
        /*
         * 3 (PSN), 5 (MONITOR), 6 (thermal/power), 8, 9 (DCA), 0xa (PMU),
         * 0xb (x2APIC topology; Linux then skips extended topology),
         * 0xc, 0xd (XSAVE, hidden) and everything above 0xd.
         */
        set(r, 0, 0, 0, 0);
    }
}

/* Xen's leaves (public/arch-x86/cpuid.h), as Xen reports them to PV guests. */
static void hypervisor_leaf(uint32_t leaf, struct cpuid_regs *r)
{
    switch (leaf) {
    case 0x40000000:
        /* eax < 0x40000005: Linux keeps grant tables v1 (gnttab_need_v2). */
        set(r, CPUID_POLICY_MAX_HV, XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX,
            XEN_CPUID_SIGNATURE_EDX);
        break;
    case 0x40000001:
        set(r, (CPUID_POLICY_XEN_MAJOR << 16) | CPUID_POLICY_XEN_MINOR, 0, 0, 0);
        break;
    case 0x40000002:
        /* 1 hypercall page, MSR 0x40000000 writes it, PV feature bits. */
        set(r, 1, 0x40000000u, XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD, 0);
        break;
    default:
        set(r, 0, 0, 0, 0);
    }
}

static void extended_leaf(uint32_t leaf, struct cpuid_regs *r)
{
    switch (leaf) {
    case 0x80000000:
        /* Vendor string (AMD) kept; no leaf above 0x80000008. */
        r->a = MIN(r->a, CPUID_POLICY_MAX_EXT);
        break;
    case 0x80000001:
        r->c &= E1C_KEEP;
        r->d &= E1D_KEEP;
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004:
    case 0x80000005:
    case 0x80000006:
        /* Brand string, L1/L2/L3 cache and TLB information. */
        break;
    case 0x80000008:
        /* Address sizes kept; core count (ECX) and EDX zeroed: no topology. */
        r->b &= E8B_KEEP;
        r->c = 0;
        r->d = 0;
        break;
    default:
        /* 0x80000007 (power, invariant TSC: Keel's TSC is not) and above. */
        set(r, 0, 0, 0, 0);
    }
}

void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r, bool is_dom0)
{
    (void)is_dom0;      /* see the top of the file */

    if (leaf < 0x40000000u)
        basic_leaf(leaf, subleaf, r);
    else if (leaf <= 0x400000ffu)
        hypervisor_leaf(leaf, r);
    else if (leaf >= 0x80000000u && leaf <= 0x8000ffffu)
        extended_leaf(leaf, r);
    else
        set(r, 0, 0, 0, 0);
}
