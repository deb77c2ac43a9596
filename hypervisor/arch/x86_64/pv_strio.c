/*
 * String port I/O for PV guests (keel/pv_strio.h).  Behaviour after Xen
 * 4.17's x86_emulate ins/outs with emul-priv-op.c's rep_ins/rep_outs and
 * pv_emul_virt_to_linear: each iteration checks that its address lies in
 * guest space (#SS(0) for an SS-relative operand, #GP(0) otherwise),
 * copies, then advances rsi/rdi by DF and counts rcx down.
 * No locks; only the current vCPU's registers and address space.
 */
#include <keel/pv_strio.h>
#include <keel/guest_access.h>
#include <keel/lib.h>
#include <asm/processor.h>
#include <asm/traps.h>

#define PFEC_WRITE 2u

unsigned int pv_seg_fault_vector(enum pv_seg seg)
{
    return seg == PV_SEG_SS ? TRAP_stack_error : TRAP_gp_fault;
}

/* Xen's __addr_ok: below 2^47, or at/above the end of the hypervisor's slots. */
static bool guest_addr_ok(uint64_t va)
{
    return va < 0x0000800000000000UL || va >= 0xffff880000000000UL;
}

static uint64_t addr_reg(const struct pv_strio *s, uint64_t r)
{
    return s->addr32 ? (uint32_t)r : r;
}

/* rsi/rdi/rcx updates write the 32-bit register under 0x67 (zero-extends). */
static void set_addr_reg(const struct pv_strio *s, uint64_t *r, uint64_t v)
{
    *r = s->addr32 ? (uint32_t)v : v;
}

static void fault(struct pv_fault *f, unsigned int vector, uint64_t err, uint64_t cr2)
{
    f->vector = vector;
    f->error_code = err;
    f->cr2 = cr2;
}

/* One iteration at offset off of s->seg; false with *f filled on a fault. */
static bool strio_one(const struct pv_strio *s, uint64_t off, struct pv_fault *f)
{
    uint64_t va = s->seg_base + off;
    uint32_t data = 0xffffffffu;        /* an unowned port reads all ones */

    if (!guest_addr_ok(va)) {
        fault(f, pv_seg_fault_vector(s->seg), 0, 0);
        return false;
    }
    if (s->is_in && s->port_in)
        data = s->port_in(s->ctx, s->port, s->size);
    if (s->is_in ? copy_to_guest(va, &data, s->size) : copy_from_guest(&data, va, s->size)) {
        /* Xen reports the first byte it could not copy; Keel's copy is
         * all or nothing, so the start of the access.  (An ins whose
         * store faults has read the port, as on the CPU.) */
        fault(f, TRAP_page_fault, s->is_in ? PFEC_WRITE : 0, va);
        return false;
    }
    if (!s->is_in && s->port_out)
        s->port_out(s->ctx, s->port, s->size, data);
    return true;
}

enum pv_strio_result pv_strio_run(struct guest_regs *regs, const struct pv_strio *s,
                                  unsigned int max_reps, struct pv_fault *f)
{
    uint64_t *idx = s->is_in ? &regs->rdi : &regs->rsi;
    uint64_t count = s->rep ? addr_reg(s, regs->rcx) : 1;
    int64_t step = (regs->rflags & X86_EFLAGS_DF) ? -(int64_t)s->size : (int64_t)s->size;
    unsigned int done = 0;

    while (count) {
        if (done == max_reps)
            return PV_STRIO_PARTIAL;
        if (!strio_one(s, addr_reg(s, *idx), f))
            return PV_STRIO_FAULT;
        set_addr_reg(s, idx, *idx + (uint64_t)step);
        count--;
        done++;
        if (s->rep)
            set_addr_reg(s, &regs->rcx, count);
    }
    regs->rip += s->len;
    return PV_STRIO_DONE;
}
