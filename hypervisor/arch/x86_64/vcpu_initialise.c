/*
 * VCPUOP_initialise: load a secondary vCPU's whole state from a
 * vcpu_guest_context (Xen's arch_set_info_guest for 64-bit PV), so a
 * guest can bring up its other vCPUs with VCPUOP_up.  Every field is
 * validated before anything changes; a failure leaves the vCPU as it was.
 * Called for a vCPU that is down, from another vCPU of the same domain.
 * Locking: under the hypervisor lock; mm_lock while the new GDT frames and
 * page-table base take their type references.
 */
#include <keel/domain.h>
#include <keel/debugreg.h>
#include <keel/pv_mm.h>
#include <keel/hypercall.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/desc.h>
#include <asm/processor.h>
#include <asm/traps.h>
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
                           mfn_t *gdt, unsigned int nr_gdt, mfn_t l4, bool pinned_l4)
{
    unsigned int i;
    int rc;

    /* A pinned L4 (setvcpucontext from the control domain) is validated
     * already: one more reference, as d's; else the calling vCPU's own
     * reference, whose validation may continue (-XEN_ERESTART: re-issued). */
    rc = pinned_l4 ? get_page_and_type(l4, d, PGT_l4) : pv_get_l4_for_context(current, l4);
    if (rc)
        return rc;
    for (i = 0; i < nr_gdt; i++) {
        gdt[i] = _mfn(c->gdt_frames[i]);
        rc = get_page_and_type(gdt[i], d, PGT_seg_desc);
        if (rc) {
            while (i--)
                put_page_and_type(gdt[i], d);
            if (pinned_l4) {
                put_page_and_type(l4, d);    /* still pinned: only a count */
                return rc;
            }
            /* A whole tree: preemptibly, the error reported once it is
             * released (-XEN_ERESTART until then: re-issued). */
            return pv_put_table_ref(current, l4, rc);
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

/*
 * Load v from c, every field checked first (check_context), nothing
 * changed on failure.  Shared by VCPUOP_initialise (the guest's own
 * secondary vCPUs) and XEN_DOMCTL_setvcpucontext (the toolstack's vCPU 0
 * of a new domain): the same structure, the same rules.  With
 * `pinned_l4` the CR3 frame must already be a pinned L4 of v's domain
 * (the toolstack pinned it with MMUEXT_PIN_L4_TABLE and a foreign
 * domid), so that no page-table tree is validated here.
 */
long arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c, bool pinned_l4)
{
    struct domain *d = v->domain;
    mfn_t gdt[GUEST_GDT_FRAMES], l4;
    unsigned int nr_gdt, i;
    long rc;

    if (v->online || v->initialised)
        return -XEN_EEXIST;
    rc = check_context(c);
    if (rc)
        return rc;
    nr_gdt = (unsigned int)((c->gdt_ents + 511) / 512);
    pv_pt_begin();
    l4 = _mfn(xen_cr3_to_pfn(c->ctrlreg[3]));
    mm_lock_acquire();
    if (pinned_l4 && (!mfn_valid(l4) || mfn_to_page(l4)->owner != d->domain_id ||
                      !(mfn_to_page(l4)->flags & PGC_pinned) || mfn_to_page(l4)->type != PGT_l4))
        rc = -XEN_EINVAL;
    else
        rc = take_references(d, c, gdt, nr_gdt, l4, pinned_l4);
    mm_lock_release();
    if (rc)
        return rc == -XEN_ERESTART ? rc : -XEN_EINVAL;   /* validation continues */
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
    if (v == current)
        guest_gs_sync(v);
    v->guest_table = l4;
    v->guest_table_user = INVALID_MFN;
    v->fpu_ts = c->ctrlreg[0] & X86_CR0_TS;
    load_debugregs(v, c);
    if (c->flags & VGCF_i387_valid) {
        /* Reserved MXCSR bits would make FXRSTOR fault at CPL0 (context_switch.c):
         * cleared here, as Xen's xrstor path does with mxcsr_mask. */
        memcpy(v->fpu_state, c->fpu_ctxt.x, 512);
        arch_fpu_sanitise(v->fpu_state);
    }
    v->initialised = true;
    return 0;
}

long arch_initialise_vcpu(struct vcpu *v, uint64_t arg)
{
    struct vcpu_guest_context *c;
    long rc;

    if (v->online || v->initialised)
        return -XEN_EEXIST;
    c = xzalloc_bytes(sizeof(*c));
    if (!c)
        return -XEN_ENOMEM;
    rc = copy_from_guest(c, arg, sizeof(*c));
    if (!rc)
        rc = arch_set_vcpu_context(v, c, false);
    xfree(c);
    return rc;
}

/*
 * XEN_DOMCTL_getvcpucontext (Xen's arch_get_info_guest for 64-bit PV):
 * v's saved state (v is not loaded on any CPU).  The LDT, debug
 * registers and user L4 Keel does not keep are 0.
 */
void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
    const struct guest_regs *r = &v->regs;
    struct cpu_user_regs *u = &c->user_regs;
    unsigned int i;

    memset(c, 0, sizeof(*c));
    memcpy(c->fpu_ctxt.x, v->fpu_state, 512);
    c->flags = VGCF_i387_valid | (v->kernel_mode ? VGCF_in_kernel : 0) |
               (v->online ? VGCF_online : 0) |
               (v->failsafe_mask_events ? VGCF_failsafe_disables_events : 0) |
               (v->syscall_mask_events ? VGCF_syscall_disables_events : 0);
    u->r15 = r->r15; u->r14 = r->r14; u->r13 = r->r13; u->r12 = r->r12;
    u->rbp = r->rbp; u->rbx = r->rbx; u->r11 = r->r11; u->r10 = r->r10;
    u->r9 = r->r9; u->r8 = r->r8; u->rax = r->rax; u->rcx = r->rcx;
    u->rdx = r->rdx; u->rsi = r->rsi; u->rdi = r->rdi;
    u->rip = r->rip;
    u->rsp = r->rsp;
    u->cs = (uint16_t)r->cs;
    u->ss = (uint16_t)r->ss;
    u->rflags = (r->rflags & ~(uint64_t)X86_EFLAGS_IOPL) | ((uint64_t)v->iopl << 12);
    u->ds = v->ds;
    u->es = v->es;
    u->fs = v->fs;
    u->gs = v->gs;
    memcpy(c->trap_ctxt, v->trap_ctxt, sizeof(c->trap_ctxt));
    for (i = 0; i < GUEST_GDT_FRAMES; i++)
        c->gdt_frames[i] = mfn_eq(v->gdt_frames[i], INVALID_MFN) ? 0 : mfn_x(v->gdt_frames[i]);
    c->gdt_ents = v->gdt_ents;
    c->kernel_ss = v->kernel_ss;
    c->kernel_sp = v->kernel_sp;
    c->ctrlreg[0] = v->fpu_ts ? X86_CR0_TS : 0;
    if (!mfn_eq(v->guest_table, INVALID_MFN))
        c->ctrlreg[3] = xen_pfn_to_cr3(mfn_x(v->guest_table));
    if (!mfn_eq(v->guest_table_user, INVALID_MFN))
        c->ctrlreg[1] = xen_pfn_to_cr3(mfn_x(v->guest_table_user));
    c->ctrlreg[4] = v->cr4_shadow;
    c->event_callback_eip = v->event_callback;
    c->failsafe_callback_eip = v->failsafe_callback;
    c->syscall_callback_eip = v->syscall_callback;
    c->vm_assist = v->domain->vm_assist;
    c->fs_base = v->fs_base;
    c->gs_base_kernel = v->gs_base_kernel;
    c->gs_base_user = v->gs_base_user;
}
