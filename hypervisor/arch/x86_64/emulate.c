/*
 * Emulation of the privileged instructions a PV kernel executes at CPL3
 * (LINUX-PV-ABI.md C.1-C.6): rdmsr/wrmsr of the segment bases, CR
 * reads and writes, port I/O (also ins/outs, pv_strio.c), wbinvd, clts,
 * and the forced-emulation
 * prefix `ud2; .ascii "xen"; cpuid`.  The instruction bytes are fetched
 * from guest memory with fault recovery and fully bounds-checked; any
 * form not understood here is left to the caller, which injects #GP/#UD.
 * Runs for the current vCPU only.
 * Locking: rtc_lock keeps the CMOS RTC's index/data port pair together
 * for dom0's emulated accesses; a leaf lock.
 */
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/cpuid_policy.h>
#include <keel/pv_strio.h>
#include <keel/debugreg.h>
#include <keel/pv_mm.h>
#include <keel/iomem.h>
#include <keel/irq.h>
#include <keel/pci.h>
#include <keel/spinlock.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/page.h>

int pv_set_segment_base(struct vcpu *v, unsigned int which, uint64_t base);
void pv_fpu_taskswitch(struct vcpu *v, bool set);

struct insn {
    uint8_t bytes[16];
    unsigned int len, pos;
    bool opsize16, rep, rex_w, rex_r, rex_b, addr32;
    int seg;                /* segment override (enum pv_seg), -1 if none */
};

static uint64_t *gpr(struct guest_regs *r, unsigned int n)
{
    switch (n & 15) {
    case 0: return &r->rax;
    case 1: return &r->rcx;
    case 2: return &r->rdx;
    case 3: return &r->rbx;
    case 4: return &r->rsp;
    case 5: return &r->rbp;
    case 6: return &r->rsi;
    case 7: return &r->rdi;
    case 8: return &r->r8;
    case 9: return &r->r9;
    case 10: return &r->r10;
    case 11: return &r->r11;
    case 12: return &r->r12;
    case 13: return &r->r13;
    case 14: return &r->r14;
    default: return &r->r15;
    }
}

/* Fetch up to 15 bytes at rip; fewer if the next page is not mapped. */
static bool fetch_insn(struct guest_regs *regs, struct insn *in)
{
    unsigned int n;

    memset(in, 0, sizeof(*in));
    for (n = 15; n; n--)
        if (!copy_from_guest(in->bytes, regs->rip, n))
            break;
    in->len = n;
    return n > 0;
}

static int next_byte(struct insn *in)
{
    return in->pos < in->len ? in->bytes[in->pos++] : -1;
}

/* 64-bit code: the ES/CS/SS/DS overrides are prefixes without effect
 * (hardware; Xen's x86_emulate ignores them too), only FS and GS count. */
static int seg_prefix(int b)
{
    switch (b) {
    case 0x64: return PV_SEG_FS;
    case 0x65: return PV_SEG_GS;
    case 0x26: case 0x2e: case 0x36: case 0x3e: return -2;
    default: return -1;
    }
}

static void decode_prefixes(struct insn *in)
{
    in->seg = -1;
    for (;;) {
        int b = in->pos < in->len ? in->bytes[in->pos] : -1;
        if (b == 0x66)
            in->opsize16 = true;
        else if (b == 0x67)
            in->addr32 = true;
        else if (b == 0xf3 || b == 0xf2)
            in->rep = true;
        else if (seg_prefix(b) >= 0)
            in->seg = seg_prefix(b);        /* the last one counts */
        else if (seg_prefix(b) == -2)
            ;
        else if (b == 0xf0)
            ;
        else if (b >= 0x40 && b <= 0x4f) {
            in->rex_w = b & 8;
            in->rex_r = b & 4;
            in->rex_b = b & 1;
            in->pos++;
            return;          /* REX must be last */
        } else
            return;
        in->pos++;
    }
}

static bool emulate_rdmsr(struct vcpu *v, struct guest_regs *regs)
{
    uint64_t val;

    switch ((uint32_t)regs->rcx) {
    case MSR_FS_BASE: val = v->fs_base; break;
    case MSR_GS_BASE: val = v->gs_base_kernel; break;
    case MSR_SHADOW_GS_BASE: val = v->gs_base_user; break;
    case MSR_EFER: val = rdmsr(MSR_EFER); break;
    default:
        gdprintk("d%u: rdmsr %lx refused\n", v->domain->domain_id, regs->rcx & 0xffffffff);
        return false;
    }
    regs->rax = (uint32_t)val;
    regs->rdx = val >> 32;
    return true;
}

static bool emulate_wrmsr(struct vcpu *v, struct guest_regs *regs)
{
    uint64_t val = (regs->rdx << 32) | (uint32_t)regs->rax;

    switch ((uint32_t)regs->rcx) {
    case MSR_FS_BASE: return pv_set_segment_base(v, SEGBASE_FS, val) == 0;
    case MSR_GS_BASE: return pv_set_segment_base(v, SEGBASE_GS_KERNEL, val) == 0;
    case MSR_SHADOW_GS_BASE: return pv_set_segment_base(v, SEGBASE_GS_USER, val) == 0;
    case MSR_EFER: return val == rdmsr(MSR_EFER);
    default:
        gdprintk("d%u: wrmsr %lx refused\n", v->domain->domain_id, regs->rcx & 0xffffffff);
        return false;
    }
}

#define GUEST_CR4_MASK (X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

static bool read_cr(struct vcpu *v, unsigned int cr, uint64_t *val)
{
    switch (cr) {
    case 0: *val = (read_cr0() & ~X86_CR0_TS) | (v->fpu_ts ? X86_CR0_TS : 0); return true;
    case 2: *val = v->vcpu_info->arch.cr2; return true;
    case 3: *val = mfn_x(v->kernel_mode ? v->guest_table : v->guest_table_user) << PAGE_SHIFT;
            return true;
    case 4: *val = v->cr4_shadow; return true;
    default: return false;
    }
}

static bool write_cr(struct vcpu *v, unsigned int cr, uint64_t val)
{
    switch (cr) {
    case 0:
        /* Only TS may change (Xen: "Attempt to change unmodifiable CR0 flags"). */
        if ((val ^ read_cr0()) & ~X86_CR0_TS)
            return false;
        pv_fpu_taskswitch(v, val & X86_CR0_TS);
        return true;
    case 2:
        v->vcpu_info->arch.cr2 = val;
        return true;
    case 3:     /* (emulate_mov_to_cr3) */
        return false;
    case 4:
        /* Accept and filter, as a PV kernel toggles bits it cannot own. */
        v->cr4_shadow = (val & GUEST_CR4_MASK) | X86_CR4_PAE;
        return true;
    default:
        return false;
    }
}

/*
 * mov to CR3 is NEW_BASEPTR: validating the new L4 may stop half-way
 * (pv_mm.c); then the instruction is left to run again (rip unchanged),
 * which continues it, as Xen's emulation retries.  false: refused.
 */
static bool emulate_mov_to_cr3(struct vcpu *v, struct guest_regs *regs, uint64_t val,
                               unsigned int len)
{
    int rc;

    pv_pt_begin();
    rc = pv_new_guest_cr3(v, _mfn((val & PADDR_MASK) >> PAGE_SHIFT));
    if (rc == -XEN_ERESTART)
        return true;
    if (rc)
        return false;
    regs->rip += len;
    return true;
}

/*
 * Xen's iopl_ok: the guest kernel acts as ring 1, or as ring 0 with
 * VMASST_TYPE_architectural_iopl (so any virtual IOPL lets it do I/O);
 * user mode as ring 3.
 */
static bool iopl_ok(const struct vcpu *v)
{
    unsigned int cpl = v->kernel_mode ? (vm_assist_architectural_iopl(v->domain) ? 0 : 1) : 3;

    return v->iopl >= cpl;
}

/*
 * Port I/O.  A port the domain may use (keel/iomem.h: the hardware
 * domain, minus the hypervisor's ports) is accessed on the hardware; any
 * other reads as all ones and ignores writes, as Xen's guest_io_read/
 * guest_io_write do.  The CMOS RTC is never passed through (Xen's
 * admin_io_okay): the index written to 0x70 is latched per domain, and
 * 0x71 accesses that register under rtc_lock.
 */
#define RTC_INDEX 0x70
#define RTC_DATA 0x71
static spinlock_t rtc_lock = SPIN_LOCK_UNLOCKED;

/*
 * PCI configuration mechanism #1 for the hardware domain, as Xen
 * (emul-priv-op.c, pci_cfg_ok): a dword access to 0xcf8 never reaches the
 * hardware, it reads or writes a per-domain latch; an access to
 * 0xcfc-0xcff (within the dword) performs the configuration cycle the
 * latch selects, with the real 0xcf8 written under pci_cfg_lock; with the
 * latch's enable bit clear it reads all ones and writes nothing.  Byte
 * and word accesses to 0xcf8-0xcfb go to the hardware (0xcf9 is the
 * chipset's reset control on PCs), as in Xen.  A write into an MSI or
 * MSI-X capability is filtered by msi_conf_write_ok (common/msi.c): the
 * message and mask are the hypervisor's (Xen's pci_conf_write_intercept).
 */

static bool is_conf1(const struct domain *d, unsigned int port, unsigned int size)
{
    if (!d->is_privileged)
        return false;
    if (port == PCI_CF8 && size == 4)
        return true;
    return port >= PCI_CFC && port + size <= PCI_CFC + 4;
}

/* One access of `size` bytes (1, 2 or 4) to a real port. */
static uint32_t hw_in(unsigned int port, unsigned int size)
{
    return size == 1 ? inb((uint16_t)port) : size == 2 ? inw((uint16_t)port) : inl((uint16_t)port);
}

static void hw_out(unsigned int port, unsigned int size, uint32_t v)
{
    if (size == 1)
        outb((uint16_t)port, (uint8_t)v);
    else if (size == 2)
        outw((uint16_t)port, (uint16_t)v);
    else
        outl((uint16_t)port, v);
}

static uint32_t conf1_read(struct domain *d, unsigned int port, unsigned int size)
{
    if (port == PCI_CF8)
        return d->pci_cf8;
    if (!(d->pci_cf8 & PCI_CF8_ENABLE))
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return pci_conf1_read(d->pci_cf8, port - PCI_CFC, size);
}

/* The register is taken from bits 2-7 of the latch alone, whatever bits
 * 24-30 say (AMD's extended registers): the filter errs on the safe side. */
static void conf1_write(struct domain *d, unsigned int port, unsigned int size, uint32_t v)
{
    uint32_t cf8 = d->pci_cf8;

    if (port == PCI_CF8) {
        d->pci_cf8 = v;
        return;
    }
    if (!(cf8 & PCI_CF8_ENABLE))
        return;
    if (!msi_conf_write_ok((cf8 >> 16) & 0xff, (cf8 >> 8) & 0xff, (cf8 & 0xfc) + (port - PCI_CFC),
                           size, &v))
        return;
    pci_conf1_write(cf8, port - PCI_CFC, size, v);
}

static uint32_t io_read(struct domain *d, unsigned int port, unsigned int size)
{
    uint32_t v;

    if (size == 1 && d->is_privileged && (port == RTC_INDEX || port == RTC_DATA)) {
        if (port == RTC_INDEX)
            return d->rtc_index;
        spin_lock(&rtc_lock);
        outb(RTC_INDEX, d->rtc_index & 0x7f);
        v = inb(RTC_DATA);
        spin_unlock(&rtc_lock);
        return v;
    }
    if (is_conf1(d, port, size))
        return conf1_read(d, port, size);
    if (!ioport_permitted(d, port, size))
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return hw_in(port, size);
}

static void io_write(struct domain *d, unsigned int port, unsigned int size, uint32_t v)
{
    if (size == 1 && d->is_privileged && (port == RTC_INDEX || port == RTC_DATA)) {
        if (port == RTC_INDEX) {
            d->rtc_index = (uint8_t)v;
            return;
        }
        spin_lock(&rtc_lock);
        outb(RTC_INDEX, d->rtc_index & 0x7f);
        outb(RTC_DATA, (uint8_t)v);
        spin_unlock(&rtc_lock);
        return;
    }
    if (is_conf1(d, port, size)) {
        conf1_write(d, port, size, v);
        return;
    }
    if (!ioport_permitted(d, port, size))
        return;
    hw_out(port, size, v);
}

enum io_result { IO_FAULT, IO_DONE, IO_AGAIN };

/* Xen's guest_io_okay: enough virtual IOPL, or the vCPU's own I/O
 * bitmap (PHYSDEVOP_set_iobitmap) clears these ports.  Then the port is
 * the domain's or not (io_read/io_write). */
static bool io_okay(struct vcpu *v, unsigned int port, unsigned int size)
{
    return iopl_ok(v) || pv_iobmp_allows(v, port, size);
}

/* in/out with the port in an immediate or in dx. */
static enum io_result emulate_io(struct vcpu *v, struct guest_regs *regs, int op, struct insn *in)
{
    unsigned int size = (op & 1) ? (in->opsize16 ? 2 : 4) : 1;
    bool is_in = op == 0xe4 || op == 0xe5 || op == 0xec || op == 0xed;
    uint64_t mask = size == 4 ? 0xffffffffUL : (1UL << (8 * size)) - 1;
    int port;

    if (op <= 0xe7) {
        if ((port = next_byte(in)) < 0)
            return IO_FAULT;
    } else {
        port = (uint16_t)regs->rdx;
    }
    if (!io_okay(v, (unsigned int)port, size))
        return IO_FAULT;
    if (is_in) {
        uint32_t val = io_read(v->domain, (unsigned int)port, size);
        /* A 32-bit destination zero-extends, as in hardware. */
        regs->rax = size == 4 ? val : (regs->rax & ~mask) | val;
    } else {
        io_write(v->domain, (unsigned int)port, size, (uint32_t)(regs->rax & mask));
    }
    return IO_DONE;
}

/* pv_strio's port hooks: the domain's ports, as for in/out. */
static uint32_t strio_port_in(void *ctx, unsigned int port, unsigned int size)
{
    return io_read(ctx, port, size);
}

static void strio_port_out(void *ctx, unsigned int port, unsigned int size, uint32_t val)
{
    io_write(ctx, port, size, val);
}

/*
 * ins/outs with enough virtual IOPL (keel/pv_strio.h).  outs reads DS:rsi
 * or FS/GS:rsi with an override; ins always writes ES:rdi.  In 64-bit code
 * only FS and GS have a base: the guest's live ones (its GS base is in the
 * shadow MSR while the hypervisor runs, after swapgs).  Only 64-bit code
 * (Xen's flat CS 0xe033) is emulated: from 32-bit user code (0xe023 or a
 * guest selector) the instruction stays #GP(0), where Xen would emulate it
 * with that segment's address size and limits.
 */
static bool emulate_string_io(struct vcpu *v, struct guest_regs *regs, int op, struct insn *in)
{
    struct pv_strio s = {
        .is_in = op == 0x6c || op == 0x6d, .rep = in->rep, .addr32 = in->addr32,
        .size = (op & 1) ? (in->opsize16 ? 2 : 4) : 1, .len = in->pos,
        .port_in = strio_port_in, .port_out = strio_port_out, .ctx = v->domain,
        .port = (uint16_t)regs->rdx,
    };
    struct pv_fault f;

    if (!io_okay(v, s.port, s.size) || (regs->cs | 3) != FLAT_RING3_CS64)
        return false;
    s.seg = s.is_in ? PV_SEG_ES : (in->seg >= 0 ? (enum pv_seg)in->seg : PV_SEG_DS);
    if (s.seg == PV_SEG_FS)
        s.seg_base = rdmsr(MSR_FS_BASE);
    else if (s.seg == PV_SEG_GS)
        s.seg_base = rdmsr(MSR_SHADOW_GS_BASE);
    if (pv_strio_run(regs, &s, PV_STRIO_MAX_REPS, &f) == PV_STRIO_FAULT) {
        if (f.vector == TRAP_page_fault)
            v->vcpu_info->arch.cr2 = f.cr2;
        pv_inject_exception(v, regs, f.vector, true, f.error_code);
    }
    return true;
}

/*
 * mov to/from %dr0-%dr7 by the guest kernel (Xen: x86emul_read_dr and
 * x86emul_write_dr).  The ModRM mod field is ignored, as by the CPU: the
 * operand is always a register.  %dr8-15 and a write the rules call
 * -ENODEV give #UD; any other refused write #GP(0) (returned false).
 */
static bool emulate_mov_dr(struct vcpu *v, struct guest_regs *regs, bool to_dr, int modrm,
                           struct insn *in)
{
    unsigned int dr = ((modrm >> 3) & 7) | (in->rex_r ? 8 : 0);
    uint64_t *gp = gpr(regs, (modrm & 7) | (in->rex_b ? 8 : 0));
    uint64_t val;
    long rc;

    if (to_dr)
        rc = pv_set_debugreg(v, dr, *gp);
    else
        rc = pv_get_debugreg(v, dr, &val);
    if (rc == -XEN_ENODEV) {
        pv_inject_exception(v, regs, TRAP_invalid_op, false, 0);
        return true;                    /* rip stays: #UD is a fault */
    }
    if (rc)
        return false;
    if (!to_dr)
        *gp = val;
    regs->rip += in->pos;
    return true;
}

bool pv_emulate_privileged_op(struct vcpu *v, struct guest_regs *regs)
{
    struct insn in;
    int op, modrm;
    uint64_t val;

    if (!fetch_insn(regs, &in))
        return false;
    decode_prefixes(&in);
    op = next_byte(&in);
    switch (op) {
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
        /* rip is advanced (or not) by the string emulation itself. */
        return emulate_string_io(v, regs, op, &in);
    case 0xfa: case 0xfb:
        /* cli/sti with enough virtual IOPL are no-ops, as in Xen (its
         * emul-priv-op leaves the event mask alone: popf cannot be trapped,
         * so a guest could never undo a cli). */
        if (!iopl_ok(v))
            return false;
        break;
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:
    case 0xec: case 0xed: case 0xee: case 0xef:
        if (in.rep || emulate_io(v, regs, op, &in) != IO_DONE)
            return false;
        break;
    case 0x0f:
        if (!v->kernel_mode)
            return false;
        op = next_byte(&in);
        switch (op) {
        case 0x06:                        /* clts */
            pv_fpu_taskswitch(v, false);
            break;
        case 0x08: case 0x09:             /* invd, wbinvd: nothing to do */
            break;
        case 0x30:
            if (!emulate_wrmsr(v, regs))
                return false;
            break;
        case 0x32:
            if (!emulate_rdmsr(v, regs))
                return false;
            break;
        case 0x21: case 0x23:             /* mov dr, reg / mov reg, dr */
            if ((modrm = next_byte(&in)) < 0)
                return false;
            /* rip is advanced (or not, for #UD) by the emulation itself. */
            return emulate_mov_dr(v, regs, op == 0x23, modrm, &in);
        case 0x20: case 0x22:             /* mov cr, reg / mov reg, cr */
            if ((modrm = next_byte(&in)) < 0 || (modrm & 0xc0) != 0xc0)
                return false;
            if (op == 0x20) {
                if (!read_cr(v, ((modrm >> 3) & 7) | (in.rex_r ? 8 : 0), &val))
                    return false;
                *gpr(regs, (modrm & 7) | (in.rex_b ? 8 : 0)) = val;
            } else {
                unsigned int cr = ((modrm >> 3) & 7) | (in.rex_r ? 8 : 0);
                val = *gpr(regs, (modrm & 7) | (in.rex_b ? 8 : 0));
                if (cr == 3)
                    return emulate_mov_to_cr3(v, regs, val, in.pos);
                if (!write_cr(v, cr, val))
                    return false;
            }
            break;
        default:
            return false;
        }
        break;
    default:
        return false;
    }
    regs->rip += in.pos;
    return true;
}

/* `ud2; .ascii "xen"; cpuid`: CPUID through the PV policy (C.1). */
bool pv_emulate_forced_invalid_op(struct vcpu *v, struct guest_regs *regs)
{
    static const uint8_t sig[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
    uint8_t b[7];
    struct cpuid_regs r;

    if (copy_from_guest(b, regs->rip, sizeof(b)) || memcmp(b, sig, sizeof(sig)))
        return false;
    cpuid_count((uint32_t)regs->rax, (uint32_t)regs->rcx, &r.a, &r.b, &r.c, &r.d);
    cpuid_policy_apply((uint32_t)regs->rax, (uint32_t)regs->rcx, &r, v->domain->is_privileged);
    regs->rax = r.a;
    regs->rbx = r.b;
    regs->rcx = r.c;
    regs->rdx = r.d;
    regs->rip += sizeof(sig);
    return true;
}
