/*
 * The CPUID view of a PV guest: the host's values filtered to what a PV
 * guest may use, plus Xen's hypervisor leaves.  Pure logic; the policy
 * table is in docs/elf-loading.md ("CPUID policy").
 */
#ifndef KEEL_CPUID_POLICY_H
#define KEEL_CPUID_POLICY_H
#include <keel/types.h>

struct cpuid_regs {
    uint32_t a, b, c, d;
};

/* What leaf 0x40000001 reports: Xen 4.17. */
#define CPUID_POLICY_XEN_MAJOR 4
#define CPUID_POLICY_XEN_MINOR 17
/* Highest leaves a guest is shown. */
#define CPUID_POLICY_MAX_BASIC 0xdu
#define CPUID_POLICY_MAX_HV 0x40000002u
#define CPUID_POLICY_MAX_EXT 0x80000008u

/*
 * Rewrites *r, which holds the host's CPUID output for (leaf, subleaf),
 * into what the PV guest sees.  For a leaf above the host's maximum the
 * caller passes zeroes (Intel CPUs would return another leaf's data).  Leaves the guest is not shown come back as
 * all zeroes.  is_dom0 selects the hardware domain's view (currently the
 * same as a domU's: see the docs for the Xen dom0 leaks not reproduced).
 * Does not read the host CPUID itself; callable from any context.
 */
void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r, bool is_dom0);

#endif
