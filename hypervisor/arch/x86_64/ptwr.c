/*
 * Writable-pagetable emulation (Xen's ptwr, LINUX-PV-ABI.md C.3).  A PV
 * kernel writes its page tables directly; they are mapped read-only, so
 * the write faults.  If the target is a validated page table of the
 * faulting domain, the instruction is decoded, the new entry computed,
 * validated exactly as mmu_update would, and swapped in atomically.
 * Supported: mov (reg/imm), xchg, cmpxchg, and/or/xor (reg/imm), bt[src]
 * (reg/imm), operand sizes 1/2/4/8, with lock/operand-size/REX prefixes.
 * Anything else returns false and the caller bounces the #PF.
 * Locking: mm_lock around validation and the swap.
 * Retries: an L1 write is done in one fault (-XEN_EAGAIN, the CPU
 * setting A/D bits between the read and the swap, only recomputes it);
 * an upper entry's write leaves the instruction to fault again while
 * the table it names is validated, or the vCPU's pending release is
 * finished, each fault doing at least PT_PREEMPT_MIN entries of it.
 */
#include <keel/domain.h>
#include <keel/pv_mm.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/iomem.h>
#include <keel/mmcfg.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/traps.h>

int pv_mod_entry_cmpxchg(uint64_t *pe, uint64_t old, uint64_t nv, unsigned int level,
                         struct domain *d);
uint64_t *pv_guest_l1e(struct vcpu *v, uint64_t va);

enum ptwr_op { OP_MOV, OP_XCHG, OP_CMPXCHG, OP_AND, OP_OR, OP_XOR, OP_BTS, OP_BTR, OP_BTC };

struct ptwr_insn {
    enum ptwr_op op;
    unsigned int size;      /* operand bytes */
    bool src_is_imm;
    uint64_t imm;
    unsigned int reg;       /* ModRM.reg (+REX.R) when the source is a register */
    bool rex;               /* a REX prefix was present (byte regs 4-7: spl..dil) */
    unsigned int len;       /* instruction length */
};

static uint64_t *reg_ptr(struct guest_regs *r, unsigned int n)
{
    uint64_t *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi,
                          &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
                          &r->r14, &r->r15 };
    return map[n & 15];
}

/* Length of the ModRM/SIB/displacement bytes starting at b[0] (ModRM). */
static int modrm_len(const uint8_t *b, unsigned int avail)
{
    unsigned int mod, rm, n = 1;

    if (!avail)
        return -1;
    mod = b[0] >> 6;
    rm = b[0] & 7;
    if (mod == 3)
        return -1;                      /* must be a memory operand */
    if (rm == 4) {
        if (avail < 2)
            return -1;
        n++;
        if (mod == 0 && (b[1] & 7) == 5)
            n += 4;
    } else if (mod == 0 && rm == 5) {
        n += 4;                         /* rip-relative disp32 */
    }
    if (mod == 1)
        n += 1;
    else if (mod == 2)
        n += 4;
    return n <= avail ? (int)n : -1;
}

/* Without REX, byte registers 4-7 are AH, CH, DH, BH (bits 8-15 of 0-3). */
static bool high_byte_reg(const struct ptwr_insn *in)
{
    return in->size == 1 && !in->rex && (in->reg & 7) >= 4 && in->reg < 8;
}

static uint64_t read_src_reg(struct guest_regs *regs, const struct ptwr_insn *in)
{
    if (high_byte_reg(in))
        return (*reg_ptr(regs, in->reg - 4) >> 8) & 0xff;
    return *reg_ptr(regs, in->reg);
}

static void write_dst_reg(struct guest_regs *regs, const struct ptwr_insn *in, uint64_t v)
{
    uint64_t *r;

    if (high_byte_reg(in)) {
        r = reg_ptr(regs, in->reg - 4);
        *r = (*r & ~0xff00UL) | ((v & 0xff) << 8);
        return;
    }
    r = reg_ptr(regs, in->reg);
    /* 32-bit writes zero-extend; 8/16-bit writes merge. */
    if (in->size == 4 || in->size == 8)
        *r = v;
    else
        *r = (*r & ~((1UL << (in->size * 8)) - 1)) | v;
}

static uint64_t sext(uint64_t v, unsigned int bytes)
{
    unsigned int sh = 64 - bytes * 8;
    return (uint64_t)((int64_t)(v << sh) >> sh);
}

static uint64_t read_imm(const uint8_t *p, unsigned int n)
{
    uint64_t v = 0;
    unsigned int i;
    for (i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/*
 * The decoder in phases: prefixes and REX, the opcode (one or two bytes),
 * the ModRM operand, the operation (one-byte or 0x0f map), the immediate.
 * Each phase returns false for anything ptwr does not emulate.
 */
struct ptwr_decode {
    unsigned int i;             /* bytes consumed */
    unsigned int opsize;        /* operand size from prefixes and REX.W */
    unsigned int immsz;         /* immediate bytes still to read */
    bool rex_r;
    bool twobyte;
    uint8_t op;
};

/* Prefixes (lock, ds/cs branch hints, operand size) and REX. */
static void decode_prefixes(const uint8_t *b, unsigned int avail, struct ptwr_decode *dc,
                            struct ptwr_insn *in)
{
    bool rex_w = false;

    for (; dc->i < avail; dc->i++) {
        if (b[dc->i] == 0xf0 || b[dc->i] == 0x3e || b[dc->i] == 0x2e)
            continue;                   /* lock, ds/cs (branch hints) */
        if (b[dc->i] == 0x66) {
            dc->opsize = 2;
            continue;
        }
        break;
    }
    if (dc->i < avail && (b[dc->i] & 0xf0) == 0x40) {
        in->rex = true;
        rex_w = b[dc->i] & 8;
        dc->rex_r = b[dc->i] & 4;
        dc->i++;
    }
    if (rex_w)
        dc->opsize = 8;
}

/* The opcode, one byte or 0x0f and one. */
static bool decode_opcode(const uint8_t *b, unsigned int avail, struct ptwr_decode *dc)
{
    if (dc->i >= avail)
        return false;
    dc->op = b[dc->i++];
    if (dc->op == 0x0f) {
        if (dc->i >= avail)
            return false;
        dc->twobyte = true;
        dc->op = b[dc->i++];
    }
    return true;
}

/* One-byte map: mov, xchg, and/or/xor (reg), mov/group-1 (imm). */
static bool decode_onebyte(struct ptwr_decode *dc, struct ptwr_insn *in)
{
    switch (dc->op) {
    case 0x88: case 0x89: in->op = OP_MOV; break;
    case 0x86: case 0x87: in->op = OP_XCHG; break;
    case 0x20: case 0x21: in->op = OP_AND; break;
    case 0x08: case 0x09: in->op = OP_OR; break;
    case 0x30: case 0x31: in->op = OP_XOR; break;
    case 0xc6: case 0xc7:
        if ((in->reg & 7) != 0)
            return false;
        in->op = OP_MOV;
        dc->immsz = in->size == 8 ? 4 : in->size;
        break;
    case 0x80: case 0x81: case 0x83:
        switch (in->reg & 7) {
        case 1: in->op = OP_OR; break;
        case 4: in->op = OP_AND; break;
        case 6: in->op = OP_XOR; break;
        default: return false;
        }
        dc->immsz = dc->op == 0x81 ? (in->size == 8 ? 4 : in->size) : 1;
        break;
    default:
        return false;
    }
    return true;
}

/* 0x0f map: cmpxchg, bts/btr/btc (reg), group 8 (imm). */
static bool decode_twobyte(struct ptwr_decode *dc, struct ptwr_insn *in)
{
    in->size = dc->opsize;
    switch (dc->op) {
    case 0xb0: in->op = OP_CMPXCHG; in->size = 1; break;
    case 0xb1: in->op = OP_CMPXCHG; break;
    case 0xab: in->op = OP_BTS; break;
    case 0xb3: in->op = OP_BTR; break;
    case 0xbb: in->op = OP_BTC; break;
    case 0xba:
        switch (in->reg & 7) {
        case 5: in->op = OP_BTS; break;
        case 6: in->op = OP_BTR; break;
        case 7: in->op = OP_BTC; break;
        default: return false;
        }
        dc->immsz = 1;
        break;
    default:
        return false;
    }
    return true;
}

/* The immediate, sign-extended except group 8's bit offset. */
static bool decode_imm(const uint8_t *b, unsigned int avail, struct ptwr_decode *dc,
                       struct ptwr_insn *in)
{
    if (!dc->immsz)
        return true;
    if (dc->i + dc->immsz > avail)
        return false;
    in->src_is_imm = true;
    in->imm = read_imm(&b[dc->i], dc->immsz);
    if (!(dc->twobyte && dc->op == 0xba))
        in->imm = sext(in->imm, dc->immsz);
    dc->i += dc->immsz;
    return true;
}

static bool decode(const uint8_t *b, unsigned int avail, struct ptwr_insn *in)
{
    struct ptwr_decode dc = { .opsize = 4 };
    bool byte_op;
    int ml;

    memset(in, 0, sizeof(*in));
    decode_prefixes(b, avail, &dc, in);
    if (!decode_opcode(b, avail, &dc))
        return false;
    if (dc.i >= avail)
        return false;
    in->reg = ((b[dc.i] >> 3) & 7) | (dc.rex_r ? 8 : 0);
    ml = modrm_len(&b[dc.i], avail - dc.i);
    if (ml < 0)
        return false;
    byte_op = !dc.twobyte && !(dc.op & 1) && dc.op != 0x83;
    in->size = byte_op ? 1 : dc.opsize;
    if (!(dc.twobyte ? decode_twobyte(&dc, in) : decode_onebyte(&dc, in)))
        return false;
    dc.i += (unsigned int)ml;
    if (!decode_imm(b, avail, &dc, in))
        return false;
    in->len = dc.i;
    return true;
}

static uint64_t size_mask(unsigned int size)
{
    return size == 8 ? ~0UL : (1UL << (size * 8)) - 1;
}

static void set_flags_logic(struct guest_regs *regs, uint64_t res, unsigned int size)
{
    uint64_t f = regs->rflags & ~(0x8d5UL);   /* CF PF AF ZF SF OF */
    res &= size_mask(size);
    if (!res)
        f |= 0x40;
    if (res >> (size * 8 - 1))
        f |= 0x80;
    if (!(__builtin_popcount((unsigned int)(res & 0xff)) & 1))
        f |= 0x4;
    regs->rflags = f;
}

/*
 * pv_ptwr_emulate in phases: find the page table written (ptwr_target),
 * fetch and decode the instruction (ptwr_fetch_decode), take its source
 * operand (ptwr_source), swap the new entry in (ptwr_swap, computing it
 * with ptwr_result), then the instruction's register and flag results
 * (ptwr_writeback).
 */
struct ptwr_ctx {
    struct ptwr_insn in;
    mfn_t mfn;              /* the page table written */
    unsigned int level;     /* its level, 1-4 */
    uint64_t *pe;           /* the aligned 8-byte entry written */
    unsigned int shift;     /* bit offset of the access in *pe */
    uint64_t mask;          /* the access's bits in *pe */
    uint64_t src;           /* source operand (register or immediate) */
    unsigned int bit;       /* bt[src]'s bit offset */
    uint64_t opnd;          /* destination operand before the write */
    uint64_t res;           /* destination operand after the write */
};

/* The faulting address is in a validated page table of v's domain,
 * mapped read-only, written by its kernel. */
static bool ptwr_target(struct vcpu *v, struct guest_regs *regs, uint64_t addr,
                        struct ptwr_ctx *c)
{
    struct domain *d = v->domain;
    struct page_info *pg;
    uint64_t *pl1e;

    if (!v->kernel_mode || (regs->error_code & 3) != 3)
        return false;
    pl1e = pv_guest_l1e(v, addr);
    if (!pl1e || !(*pl1e & _PAGE_PRESENT) || (*pl1e & _PAGE_RW))
        return false;
    c->mfn = pte_mfn(*pl1e);
    if (!mfn_valid(c->mfn))
        return false;
    pg = mfn_to_page(c->mfn);
    if (pg->owner != d->domain_id || pg->type < PGT_l1 || pg->type > PGT_l4 || !pg->type_count ||
        !(pg->flags & PGC_validated))
        return false;
    c->level = pg->type - PGT_l1 + 1;
    return true;
}

/* Fetch up to 15 instruction bytes at rip (fewer near an unmapped page),
 * decode them, and place the access within one aligned 8-byte entry. */
static bool ptwr_fetch_decode(struct guest_regs *regs, uint64_t addr, struct ptwr_ctx *c)
{
    uint8_t bytes[16];
    unsigned int n;

    for (n = 15; n && copy_from_guest(bytes, regs->rip, n); n--)
        ;
    if (!n || !decode(bytes, n, &c->in))
        return false;
    /* The access must stay within one aligned 8-byte entry. */
    c->shift = (unsigned int)(addr & 7) * 8;
    if ((addr & 7) + c->in.size > 8)
        return false;
    c->pe = (uint64_t *)((char *)mfn_to_virt(c->mfn) + (addr & (PAGE_SIZE - 8)));
    c->mask = size_mask(c->in.size) << c->shift;
    return true;
}

static bool ptwr_source(struct guest_regs *regs, struct ptwr_ctx *c)
{
    c->src = c->in.src_is_imm ? c->in.imm : read_src_reg(regs, &c->in);
    if (c->in.op >= OP_BTS) {
        /* An immediate bit offset is taken modulo the operand width; a
         * register one is a signed offset into a bit string, which we
         * emulate only when it stays inside this operand. */
        if (c->in.src_is_imm) {
            c->bit = (unsigned int)(c->src & (c->in.size * 8 - 1));
        } else {
            int64_t off = (int64_t)sext(c->src & size_mask(c->in.size), c->in.size);
            if (off < 0 || off >= (int64_t)(c->in.size * 8))
                return false;
            c->bit = (unsigned int)off;
        }
    }
    return true;
}

/* The new destination operand from c->opnd; false for a cmpxchg whose
 * comparison fails (no write). */
static bool ptwr_result(const struct guest_regs *regs, struct ptwr_ctx *c)
{
    switch (c->in.op) {
    case OP_MOV: case OP_XCHG: c->res = c->src; break;
    case OP_AND: c->res = c->opnd & c->src; break;
    case OP_OR: c->res = c->opnd | c->src; break;
    case OP_XOR: c->res = c->opnd ^ c->src; break;
    case OP_BTS: c->res = c->opnd | (1UL << c->bit); break;
    case OP_BTR: c->res = c->opnd & ~(1UL << c->bit); break;
    case OP_BTC: c->res = c->opnd ^ (1UL << c->bit); break;
    case OP_CMPXCHG:
        if (c->opnd != (regs->rax & size_mask(c->in.size)))
            return false;
        c->res = c->src;
        break;
    }
    return true;
}

/* A cmpxchg that compared unequal: rax gets the current value, ZF clear. */
static void ptwr_cmpxchg_failed(struct guest_regs *regs, const struct ptwr_ctx *c)
{
    *reg_ptr(regs, 0) = c->in.size == 4 ? c->opnd
                                        : (regs->rax & ~size_mask(c->in.size)) | c->opnd;
    regs->rflags &= ~0x40UL;
    regs->rip += c->in.len;
}

enum ptwr_swap_rc { PTWR_WRITTEN, PTWR_NO_WRITE, PTWR_RETRY, PTWR_REFUSED };

/* Compute the new entry and swap it in under mm_lock, as mmu_update
 * would validate it.  PTWR_NO_WRITE: a failed cmpxchg, already
 * completed; PTWR_RETRY: leave rip for the instruction to fault again. */
static enum ptwr_swap_rc ptwr_swap(struct vcpu *v, struct guest_regs *regs, struct ptwr_ctx *c)
{
    struct domain *d = v->domain;
    uint64_t old, nv;
    int rc;

    for (;;) {
        old = __atomic_load_n(c->pe, __ATOMIC_SEQ_CST);
        c->opnd = (old & c->mask) >> c->shift;
        if (!ptwr_result(regs, c)) {
            ptwr_cmpxchg_failed(regs, c);
            return PTWR_NO_WRITE;
        }
        nv = (old & ~c->mask) | ((c->res & size_mask(c->in.size)) << c->shift);
        pv_pt_begin();
        mm_lock_acquire();
        /* An upper entry's write first finishes what this vCPU left
         * to undo (pv_mm.c): it may leave a table there itself.  An
         * error reported then is that of the write being retried here,
         * whose new entry failed validation: the write is refused now.
         * An L1 write never leaves a table to undo and does not wait
         * for one: as Xen's ptwr_emulated_update, which never looks at
         * old_guest_table (only hypercalls finish it), a PTE write is
         * one fault however much the vCPU still has to release. */
        rc = c->level > 1 ? pv_pt_finish_undo(v) : 0;
        if (!rc)
            rc = pv_mod_entry_cmpxchg(c->pe, old, nv, c->level, d);
        mm_lock_release();
        if (rc == -XEN_EAGAIN)
            continue;               /* the CPU set A/D meanwhile: recompute */
        if (rc == -XEN_ERESTART)
            return PTWR_RETRY;      /* page-table work stopped half-way: the
                                       instruction faults again and goes on */
        if (rc) {
            gdprintk("d%u: ptwr write of %lx to L%u %lx refused (%d)\n", d->domain_id, nv,
                     c->level, mfn_x(c->mfn), rc);
            return PTWR_REFUSED;
        }
        return PTWR_WRITTEN;
    }
}

/* The instruction's effects besides the write: registers, flags, rip. */
static void ptwr_writeback(struct guest_regs *regs, const struct ptwr_ctx *c)
{
    switch (c->in.op) {
    case OP_XCHG:
        write_dst_reg(regs, &c->in, c->opnd);
        break;
    case OP_CMPXCHG:
        regs->rflags |= 0x40UL;
        break;
    case OP_AND: case OP_OR: case OP_XOR:
        set_flags_logic(regs, c->res, c->in.size);
        break;
    case OP_BTS: case OP_BTR: case OP_BTC:
        regs->rflags = (regs->rflags & ~1UL) | ((c->opnd >> c->bit) & 1);
        break;
    default:
        break;
    }
    regs->rip += c->in.len;
}

/*
 * Try to emulate a write fault by the guest kernel on one of its page
 * tables.  true: done (rip advanced), or to be retried (rip unchanged:
 * validation of a new entry's table stopped half-way, pv_mm.c); false:
 * not a ptwr case.
 */
bool pv_ptwr_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr)
{
    struct ptwr_ctx c = { 0 };

    if (!ptwr_target(v, regs, addr, &c) || !ptwr_fetch_decode(regs, addr, &c) ||
        !ptwr_source(regs, &c))
        return false;
    switch (ptwr_swap(v, regs, &c)) {
    case PTWR_WRITTEN:
        ptwr_writeback(regs, &c);
        return true;
    case PTWR_NO_WRITE:
    case PTWR_RETRY:
        return true;
    case PTWR_REFUSED:
        return false;
    }
    ASSERT_UNREACHABLE();           /* ptwr_swap returns one of the above */
    return false;
}

/*
 * Xen's pv_ro_page_fault for a read-only MMIO frame (pv/ro-page-fault.c
 * mmio_ro_do_page_fault): the hardware domain's kernel wrote a frame of
 * the read-only set (keel/iomem.h: an ECAM window, an MSI-X table) that
 * it maps read-only.  The store (a mov: Xen's emulator runs these with
 * no read hook, so only plain stores) is handed to mmio_ro_write, which
 * filters and performs an ECAM write (Xen's mmcfg_intercept_write) or
 * drops any other (mmio_ro_emulated_write).  true: done, rip advanced;
 * false: not such a write, or one Xen does not emulate (the #PF is the
 * guest's).
 */
bool pv_mmio_ro_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr)
{
    struct ptwr_insn in;
    uint8_t bytes[16];
    uint64_t *pl1e, e, val;
    unsigned int n;

    if (!v->domain->is_privileged || !v->kernel_mode || (regs->error_code & 3) != 3)
        return false;
    pl1e = pv_guest_l1e(v, addr);
    if (!pl1e)
        return false;
    e = *pl1e;
    if ((e & (_PAGE_PRESENT | _PAGE_RW)) != _PAGE_PRESENT || !frame_is_io(pte_mfn(e)) ||
        !iomem_frame_ro(mfn_x(pte_mfn(e))))
        return false;
    for (n = 15; n && copy_from_guest(bytes, regs->rip, n); n--)
        ;
    if (!n || !decode(bytes, n, &in) || in.op != OP_MOV)
        return false;
    val = (in.src_is_imm ? in.imm : read_src_reg(regs, &in)) & size_mask(in.size);
    if (mmio_ro_write(v->domain, (mfn_x(pte_mfn(e)) << PAGE_SHIFT) | (addr & (PAGE_SIZE - 1)),
                      in.size, val))
        return false;
    regs->rip += in.len;
    return true;
}
