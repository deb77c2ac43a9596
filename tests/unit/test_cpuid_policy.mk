test_cpuid_policy_SRCS := hypervisor/arch/x86_64/cpuid_policy.c
