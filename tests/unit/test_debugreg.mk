test_debugreg_SRCS := hypervisor/arch/x86_64/dr_rules.c
