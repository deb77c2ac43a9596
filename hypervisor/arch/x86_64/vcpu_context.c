/*
 * VCPUOP_initialise: load a secondary vCPU's whole state from a
 * vcpu_guest_context (Xen's arch_set_info_guest for 64-bit PV), so a
 * guest can bring up its other vCPUs with VCPUOP_up.  Every field is
 * validated before anything changes; a failure leaves the vCPU as it was.
 * Called for a vCPU that is down, from another vCPU of the same domain.
 */
#include <keel/domain.h>
#include <keel/debugreg.h>
#include <keel/pv_mm.h>
#include <keel/hypercall.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/desc.h>
#include <asm/processor.h>
#include <asm/page.h>

void arch_fpu_sanitise(uint8_t *state);

static bool canonical_or_zero(uint64_t a)
{
    return !a || is_canonical(a);
}

static int check_context(const struct vcpu_guest_context *c)
{
    unsigned int i;

    if (!is_canonical(c->user_regs.rip) || !is_canonical(c->user_regs.rsp) ||
        !canonical_or_zero(c->kernel_sp) || !canonical_or_zero(c->event_callback_eip) ||
        !canonical_or_zero(c->failsafe_callback_eip) ||
        !canonical_or_zero(c->syscall_callback_eip) || !is_canonical(c->fs_base) ||
        !is_canonical(c->gs_base_kernel) || !is_canonical(c->gs_base_user))
        return -XEN_EINVAL;
    if (c->gdt_ents > FIRST_RESERVED_GDT_ENTRY || c->ldt_ents)
        return -XEN_EINVAL;      /* LDTs are not supported yet */
    for (i = 0; i < 256; i++)
        if (!canonical_or_zero(c->trap_ctxt[i].address))
            return -XEN_EINVAL;
    return 0;
}

/* Take the GDT frames and the kernel L4; undo everything on failure. */
static int take_references(struct domain *d, const struct vcpu_guest_context *c,
                           mfn_t *gdt, unsigned int nr_gdt, mfn_t l4)
{
    unsigned int i;
    int rc;

    rc = pv_get_l4_for_context(current, l4);
    if (rc)
        return rc;      /* (-XEN_ERESTART: still validating; re-issued) */
    for (i = 0; i < nr_gdt; i++) {
        gdt[i] = _mfn(c->gdt_frames[i]);
        rc = get_page_and_type(gdt[i], d, PGT_seg_desc);
        if (rc) {
            while (i--)
                put_page_and_type(gdt[i], d);
            pv_put_table_ref(current, l4);   /* a whole tree: preemptibly */
            return rc;
        }
    }
    return 0;
}

static void load_regs(struct vcpu *v, const struct cpu_user_regs *u)
{
    struct guest_regs *r = &v->regs;

    memset(r, 0, sizeof(*r));
    r->r15 = u->r15; r->r14 = u->r14; r->r13 = u->r13; r->r12 = u->r12;
    r->rbp = u->rbp; r->rbx = u->rbx; r->r11 = u->r11; r->r10 = u->r10;
    r->r9 = u->r9; r->r8 = u->r8; r->rax = u->rax; r->rcx = u->rcx;
    r->rdx = u->rdx; r->rsi = u->rsi; r->rdi = u->rdi;
    r->rip = u->rip;
    r->rsp = u->rsp;
    r->cs = (u->cs ? u->cs : FLAT_RING3_CS64) | 3;
    r->ss = (u->ss ? u->ss : FLAT_RING3_DS) | 3;
    /* The frame's IOPL is the vCPU's virtual IOPL (Xen: Linux passes
     * IOPL 1 here for its secondary CPUs); the real one stays 0. */
    v->iopl = (unsigned int)((u->rflags & X86_EFLAGS_IOPL) >> 12);
    r->rflags = (u->rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF |
                X86_EFLAGS_MBS;
    v->ds = u->ds;
    v->es = u->es;
    v->fs = u->fs;
    v->gs = u->gs;
}

/*
 * The context's debug registers, through the same rules as set_debugreg;
 * a value the rules refuse leaves that register at its reset value, as in
 * Xen's arch_set_info_guest (which ignores set_debugreg's result).  v is
 * not running, so only its saved state changes.
 */
static void load_debugregs(struct vcpu *v, const struct vcpu_guest_context *c)
{
    unsigned int i;

    for (i = 0; i < 4; i++)
        v->dr[i] = 0;
    v->dr6 = X86_DR6_DEFAULT;
    v->dr7 = X86_DR7_DEFAULT;
    for (i = 0; i < 4; i++)
        pv_set_debugreg(v, i, c->debugreg[i]);
    pv_set_debugreg(v, 6, c->debugreg[6]);
    pv_set_debugreg(v, 7, c->debugreg[7]);
}

long arch_initialise_vcpu(struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct vcpu_guest_context *c;
    mfn_t gdt[GUEST_GDT_FRAMES], l4;
    unsigned int nr_gdt, i;
    long rc;

    if (v->online || v->initialised)
        return -XEN_EEXIST;
    c = xzalloc_bytes(sizeof(*c));
    if (!c)
        return -XEN_ENOMEM;
    rc = copy_from_guest(c, arg, sizeof(*c));
    if (!rc)
        rc = check_context(c);
    if (rc)
        goto out;
    nr_gdt = (unsigned int)((c->gdt_ents + 511) / 512);
    pv_pt_begin();
    l4 = _mfn(xen_cr3_to_pfn(c->ctrlreg[3]));
    mm_lock_acquire();
    rc = take_references(d, c, gdt, nr_gdt, l4);
    mm_lock_release();
    if (rc) {
        if (rc != -XEN_ERESTART)
            rc = -XEN_EINVAL;
        goto out;
    }
    load_regs(v, &c->user_regs);
    memcpy(v->trap_ctxt, c->trap_ctxt, sizeof(v->trap_ctxt));
    for (i = 0; i < GUEST_GDT_FRAMES; i++)
        v->gdt_frames[i] = i < nr_gdt ? gdt[i] : INVALID_MFN;
    v->gdt_ents = (unsigned int)c->gdt_ents;
    v->kernel_ss = c->kernel_ss;
    v->kernel_sp = c->kernel_sp;
    v->event_callback = c->event_callback_eip;
    v->failsafe_callback = c->failsafe_callback_eip;
    v->syscall_callback = c->syscall_callback_eip;
    v->failsafe_mask_events = c->flags & VGCF_failsafe_disables_events;
    v->syscall_mask_events = c->flags & VGCF_syscall_disables_events;
    v->fs_base = c->fs_base;
    v->gs_base_kernel = c->gs_base_kernel;
    v->gs_base_user = c->gs_base_user;
    v->kernel_mode = true;        /* VGCF_in_kernel: a PV vCPU starts in its kernel */
    v->guest_table = l4;
    v->guest_table_user = INVALID_MFN;
    v->fpu_ts = c->ctrlreg[0] & X86_CR0_TS;
    load_debugregs(v, c);
    if (c->flags & VGCF_i387_valid) {
        /* Reserved MXCSR bits would make FXRSTOR fault at CPL0 (context.c):
         * cleared here, as Xen's xrstor path does with mxcsr_mask. */
        memcpy(v->fpu_state, c->fpu_ctxt.x, 512);
        arch_fpu_sanitise(v->fpu_state);
    }
    v->initialised = true;
out:
    xfree(c);
    return rc;
}
