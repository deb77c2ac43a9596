/*
 * Fake asm/regs.h: the real register frame and cpu_info layout, but the
 * per-CPU block is one host variable (fake_cpu_info) instead of the top
 * of the stack, so `current` is whatever a test puts in fake_cpu_info.curr.
 */
#ifndef FAKE_ASM_REGS_H
#define FAKE_ASM_REGS_H
#include "../../../x86_64/include/asm/regs.h"

#ifndef __ASSEMBLY__
extern struct cpu_info fake_cpu_info;
#define get_cpu_info() (&fake_cpu_info)
#undef current
#define current (fake_cpu_info.curr)
#undef guest_regs_of_cpu
#define guest_regs_of_cpu() (&fake_cpu_info.guest_regs)
#endif
#endif
