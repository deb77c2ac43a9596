/*
 * Guest segment descriptor checks, after Xen's check_descriptor
 * (xen/arch/x86/x86_64/mm.c in Xen <= 4.13, then
 * xen/arch/x86/pv/descriptor-tables.c).  The 32-bit-guest rule that
 * widens flat segments up to HYPERVISOR_COMPAT_VIRT_START is not
 * reproduced: Keel runs 64-bit PV guests only.
 */
#include <keel/desc.h>

/* Bits of the high dword ("b" in Xen). */
#define SEG_TYPE 0x00000f00u
#define SEG_S 0x00001000u
#define SEG_DPL 0x00006000u
#define SEG_P 0x00008000u
#define SEG_L 0x00200000u
#define TYPE_CALL_GATE64 0x00000c00u

static unsigned int guest_kernel_rpl(bool is_64bit_guest)
{
    return is_64bit_guest ? 3 : 1;
}

/* Xen's guest_gate_selector_okay. */
static bool gate_selector_ok(uint16_t sel, bool is_64bit_guest)
{
    if ((sel >> 3) < DESC_FIRST_RESERVED_GDT_ENTRY)
        return true;                    /* the guest's own GDT entries */
    if (sel & 4)
        return true;                    /* LDT */
    return sel == (is_64bit_guest ? DESC_FLAT_KERNEL_CS64 : DESC_FLAT_KERNEL_CS32);
}

bool desc_check(uint64_t *desc, bool is_64bit_guest)
{
    uint32_t a = (uint32_t)*desc, b = (uint32_t)(*desc >> 32);
    unsigned int dpl, rpl = guest_kernel_rpl(is_64bit_guest);
    uint16_t cs;

    /* A not-present descriptor always faults, so it is safe. */
    if (!(b & SEG_P))
        return true;

    /* A guest never gets a DPL below its kernel's ring. */
    dpl = (b >> 13) & 3;
    if (dpl < rpl)
        dpl = rpl;
    b = (b & ~SEG_DPL) | (dpl << 13);

    if (b & SEG_S) {
        /* Code and data: no base/limit checks needed in long mode. */
        if (!is_64bit_guest && (b & SEG_L))
            return false;
        goto good;
    }

    /* Type 0 is invalid, hence harmless: the upper half of a 64-bit gate. */
    if ((b & SEG_TYPE) == 0)
        return true;

    /* Of the system types only the 64-bit call gate is allowed. */
    if ((b & SEG_TYPE) != TYPE_CALL_GATE64)
        return false;
    cs = a >> 16;
    if (!gate_selector_ok(cs, is_64bit_guest))
        return false;
    /*
     * DPL 0 makes every use #GP with the gate's selector as error code, so
     * the hypervisor can emulate (or refuse) it; the guest's DPL is kept in
     * the target selector's RPL.
     */
    b &= ~SEG_DPL;
    cs = (cs & ~3) | dpl;
    a = (a & 0xffffu) | ((uint32_t)cs << 16);
    /* Reserved bits (the legacy parameter count) must be zero. */
    if (b & (is_64bit_guest ? 0xffu : 0xe0u))
        return false;

good:
    *desc = ((uint64_t)b << 32) | a;
    return true;
}
