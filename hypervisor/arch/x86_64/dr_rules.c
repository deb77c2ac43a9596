/*
 * Pure rules for guest debug registers (keel/debugreg.h), after Xen 4.17's
 * set_debugreg (pv/misc-hypercalls.c) and do_debug (traps.c).  No state,
 * no locks.
 */
#include <keel/debugreg.h>
#include <public/errno.h>

/* Xen's breakpoint_addr_ok (__addr_ok): below 2^47 or above its slots. */
static bool breakpoint_addr_ok(uint64_t a)
{
    return a < 0x0000800000000000UL || a >= 0xffff880000000000UL;
}

int dr_canonical_index(unsigned int reg)
{
    switch (reg) {
    case 0: case 1: case 2: case 3:
        return (int)reg;
    case 4: case 6:
        return 6;
    case 5: case 7:
        return 7;
    default:
        return -1;
    }
}

static int check_dr7(uint64_t value, uint64_t *out)
{
    unsigned int i;

    if (value != (uint32_t)value)
        return -XEN_EINVAL;                  /* upper half strictly reserved */
    value &= ~DR7_RESERVED_ZERO;
    value |= X86_DR7_DEFAULT;
    if (value & DR7_GENERAL_DETECT)
        return -XEN_EPERM;                   /* GD is the hypervisor's */
    if (value & DR7_ACTIVE_MASK)
        for (i = 16; i < 32; i += 4)
            if (((value >> i) & 3) == DR7_RW_IO)
                return -XEN_EPERM;           /* I/O breakpoints need CR4.DE */
    *out = value;
    return 0;
}

int dr_check_write(unsigned int reg, uint64_t value, uint64_t *out)
{
    switch (dr_canonical_index(reg)) {
    case 0: case 1: case 2: case 3:
        /* A breakpoint on a hypervisor address would fire in the hypervisor. */
        if (!breakpoint_addr_ok(value))
            return -XEN_EPERM;
        *out = value;
        return 0;
    case 6:
        if (value != (uint32_t)value)
            return -XEN_EINVAL;
        *out = (value & ~DR6_RESERVED_ZERO) | X86_DR6_DEFAULT;
        return 0;
    case 7:
        return check_dr7(value, out);
    default:
        return -XEN_ENODEV;
    }
}

uint64_t dr6_merge(uint64_t guest_dr6, uint64_t hw_dr6)
{
    /* Bits the #DB set (default 0) are added, bits it cleared (default 1)
     * are removed; the rest stay as the guest last left them. */
    guest_dr6 |= hw_dr6 & ~X86_DR6_DEFAULT;
    guest_dr6 &= hw_dr6 | ~X86_DR6_DEFAULT;
    return guest_dr6;
}

bool dr_insn_breakpoint_hit(uint64_t dr6, uint64_t dr7)
{
    unsigned int bp;

    for (bp = 0; bp < 4; bp++)
        if ((dr6 & (1u << bp)) && (dr7 & (3u << (bp * 2))) &&
            ((dr7 >> (16 + bp * 4)) & 3) == 0)
            return true;
    return false;
}
