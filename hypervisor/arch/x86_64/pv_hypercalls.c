/*
 * x86-specific PV hypercalls: trap table, GDT and descriptors, kernel
 * stack, callbacks, segment bases, FPU switch, iret (physdev_op: physdev.c).
 * Each copies its arguments in, validates them, then changes the
 * current vCPU.  Locking: runs under the hypervisor lock on the vCPU's
 * own CPU; takes mm_lock only for the type references of the GDT frames
 * (set_gdt) and of a descriptor's frame (update_descriptor).
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/pv_mm.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/desc.h>
#include <public/callback.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/cpu.h>
#include <asm/page.h>

long do_set_trap_table(uint64_t traps)
{
    struct vcpu *v = current;
    struct trap_info ti[256];   /* 4 KiB of the 16 KiB stack, at a shallow depth */
    unsigned int i, n;

    if (!traps) {
        memset(v->trap_ctxt, 0, sizeof(v->trap_ctxt));
        return 0;
    }
    /* Entries until one with address 0, as Xen; at most 256 of them.
     * All are copied in and checked before any is installed, so a
     * refused table changes nothing (Xen installs the entries before a
     * bad one; issue 16 asks for validation before effects). */
    for (i = 0; i < 256; i++) {
        if (copy_from_guest(&ti[i], traps + i * sizeof(ti[i]), sizeof(ti[i])))
            return -XEN_EFAULT;
        if (!ti[i].address)
            break;
        if (!is_canonical(ti[i].address))
            return -XEN_EINVAL;
    }
    for (n = i, i = 0; i < n; i++)
        v->trap_ctxt[ti[i].vector] = ti[i];
    return 0;
}

static void release_gdt(struct vcpu *v)
{
    unsigned int i;

    for (i = 0; i < GUEST_GDT_FRAMES; i++) {
        if (!mfn_eq(v->gdt_frames[i], INVALID_MFN))
            put_page_and_type(v->gdt_frames[i], v->domain);
        v->gdt_frames[i] = INVALID_MFN;
    }
    v->gdt_ents = 0;
}

long do_set_gdt(uint64_t frame_list, uint64_t entries)
{
    struct vcpu *v = current;
    uint64_t frames[GUEST_GDT_FRAMES];
    mfn_t mfns[GUEST_GDT_FRAMES];
    unsigned int nr, i;
    int rc = 0;

    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return -XEN_EINVAL;
    nr = (unsigned int)((entries + 511) / 512);
    if (nr && copy_from_guest(frames, frame_list, nr * sizeof(frames[0])))
        return -XEN_EFAULT;
    mm_lock_acquire();
    for (i = 0; i < nr; i++) {
        rc = get_page_and_type(_mfn(frames[i]), v->domain, PGT_seg_desc);
        if (rc)
            break;
        mfns[i] = _mfn(frames[i]);
    }
    if (rc) {
        while (i--)
            put_page_and_type(mfns[i], v->domain);
        mm_lock_release();
        return -XEN_EINVAL;
    }
    release_gdt(v);
    for (i = 0; i < nr; i++)
        v->gdt_frames[i] = mfns[i];
    v->gdt_ents = (unsigned int)entries;
    mm_lock_release();
    gdt_window_load_guest(get_cpu_info()->cpu_id, v->gdt_frames, nr);
    return 0;
}

/* Validate every descriptor of a frame about to become a GDT/LDT page. */
int validate_seg_desc_page(mfn_t mfn)
{
    uint64_t *d = mfn_to_virt(mfn);
    unsigned int i;

    for (i = 0; i < 512; i++) {
        uint64_t desc = d[i];
        if (!desc_check(&desc, true))
            return -XEN_EINVAL;
        d[i] = desc;
    }
    return 0;
}

long do_update_descriptor(uint64_t ma, uint64_t desc)
{
    struct domain *d = current->domain;
    mfn_t mfn = _mfn(ma >> PAGE_SHIFT);
    struct page_info *pg;
    int rc = 0;

    if ((ma & 7) || !mfn_valid(mfn) || !desc_check(&desc, true))
        return -XEN_EINVAL;
    mm_lock_acquire();
    pg = mfn_to_page(mfn);
    if (!get_page(pg, d)) {
        rc = -XEN_EINVAL;
        goto out;
    }
    if (pg->type == PGT_seg_desc && pg->type_count) {
        ((uint64_t *)mfn_to_virt(mfn))[(ma & (PAGE_SIZE - 1)) / 8] = desc;
    } else if (!get_page_type(pg, PGT_writable, d)) {
        ((uint64_t *)mfn_to_virt(mfn))[(ma & (PAGE_SIZE - 1)) / 8] = desc;
        put_page_type(pg, d);
    } else {
        rc = -XEN_EINVAL;
    }
    put_page(pg);
out:
    mm_lock_release();
    return rc;
}

long do_stack_switch(uint64_t ss, uint64_t esp)
{
    struct vcpu *v = current;

    v->kernel_ss = ss;
    v->kernel_sp = esp;
    return 0;
}

/*
 * A callback address becomes the rip of an iret frame to the guest, so
 * it must be canonical (Xen's register_guest_callback: -EINVAL).
 */
static long register_callback(struct vcpu *v, const struct callback_register *r)
{
    bool mask = r->flags & CALLBACKF_mask_events;

    if (!is_canonical(r->address))
        return -XEN_EINVAL;
    switch (r->type) {
    case CALLBACKTYPE_event:
        v->event_callback = r->address;
        return 0;
    case CALLBACKTYPE_failsafe:
        v->failsafe_callback = r->address;
        v->failsafe_mask_events = mask;
        return 0;
    case CALLBACKTYPE_syscall:
        v->syscall_callback = r->address;
        v->syscall_mask_events = mask;
        return 0;
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter:
    case CALLBACKTYPE_nmi:
        /* Accepted as Xen does; 32-bit user mode and guest NMIs are not
         * delivered yet (docs/abi.md). */
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

/* As Xen's do_set_callbacks: each as CALLBACKOP_register with no flags;
 * one with a non-canonical address is left as it was, and the call
 * still returns 0. */
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall)
{
    const struct callback_register r[3] = {
        { .type = CALLBACKTYPE_event, .address = event },
        { .type = CALLBACKTYPE_failsafe, .address = failsafe },
        { .type = CALLBACKTYPE_syscall, .address = syscall },
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(r); i++)
        (void)register_callback(current, &r[i]);
    return 0;
}

long do_callback_op(uint64_t cmd, uint64_t arg)
{
    struct callback_register r;
    struct callback_unregister u;

    switch (cmd) {
    case CALLBACKOP_register:
        if (copy_from_guest(&r, arg, sizeof(r)))
            return -XEN_EFAULT;
        return register_callback(current, &r);
    case CALLBACKOP_unregister:
        if (copy_from_guest(&u, arg, sizeof(u)))
            return -XEN_EFAULT;
        /* Xen can only unregister the NMI callback. */
        return u.type == CALLBACKTYPE_nmi ? 0 : -XEN_EINVAL;
    default:
        return -XEN_ENOSYS;
    }
}

/* Load a user GS selector, keeping the kernel GS base (load_gs_index). */
static uint64_t load_user_gs_sel(unsigned int sel)
{
    uint64_t hv_gs = rdmsr(MSR_GS_BASE), base;

    asm volatile("1: movl %k0, %%gs\n"
                 "2:\n"
                 ".section .text.fixup, \"ax\"\n"
                 "3: xorl %k0, %k0\n"
                 "   movl %k0, %%gs\n"
                 "   jmp 2b\n"
                 ".previous\n"
                 ".section __ex_table, \"a\"\n"
                 ".quad 1b, 3b\n"
                 ".previous"
                 : "+r"(sel) :: "memory");
    base = rdmsr(MSR_GS_BASE);
    wrmsr(MSR_GS_BASE, hv_gs);
    return base;
}

int pv_set_segment_base(struct vcpu *v, unsigned int which, uint64_t base)
{
    switch (which) {
    case SEGBASE_FS:
        if (!is_canonical(base))
            return -XEN_EINVAL;
        v->fs_base = base;
        wrmsr(MSR_FS_BASE, base);
        return 0;
    case SEGBASE_GS_USER:
        if (!is_canonical(base))
            return -XEN_EINVAL;
        v->gs_base_user = base;
        if (v == current)
            guest_gs_sync(v);
        return 0;
    case SEGBASE_GS_KERNEL:
        if (!is_canonical(base))
            return -XEN_EINVAL;
        v->gs_base_kernel = base;
        if (v == current)
            guest_gs_sync(v);
        return 0;
    case SEGBASE_GS_USER_SEL:
        v->gs_base_user = load_user_gs_sel((uint16_t)base);
        if (v == current)
            guest_gs_sync(v);
        asm volatile("movw %%gs, %0" : "=r"(v->gs));
        return 0;
    default:
        return -XEN_EINVAL;
    }
}

long do_set_segment_base(uint64_t which, uint64_t base)
{
    return pv_set_segment_base(current, (unsigned int)which, base);
}

void pv_fpu_taskswitch(struct vcpu *v, bool set)
{
    v->fpu_ts = set;
    if (set)
        stts();
    else
        clts();
}

long do_fpu_taskswitch(uint64_t set)
{
    pv_fpu_taskswitch(current, set != 0);
    return 0;
}

/*
 * iret: the guest's stack holds {rax, r11, rcx, flags, rip, cs, rflags,
 * rsp, ss}.  Return to guest user mode when cs has RPL 3 (switching L4
 * and GS base), force RPL 3, keep IOPL and VM clear and IF set, and set
 * the event mask from the frame's IF (Xen's do_iret); the frame's IOPL is
 * the new virtual IOPL under VMASST_TYPE_architectural_iopl.
 */
/* Read the frame the guest's iret names; NULL if it can be acted on,
 * else why it is refused (nothing is changed). */
static const char *iret_frame_refused(const struct vcpu *v, const struct guest_regs *regs,
                                      struct iret_context *f)
{
    if (copy_from_guest(f, regs->rsp, sizeof(*f)))
        return "iret frame not readable";
    if ((f->cs & 3) == 3 && v->kernel_mode && mfn_eq(v->guest_table_user, INVALID_MFN))
        return "iret to user mode without user page tables";
    return NULL;
}

/* Act on a frame iret_frame_ok accepted: only v's own state changes. */
static void iret_apply(struct vcpu *v, struct guest_regs *regs, const struct iret_context *f)
{
    if ((f->cs & 3) == 3 && v->kernel_mode)
        toggle_guest_mode(v);
    /* With architectural IOPL the frame's IOPL becomes the virtual one
     * (Xen's do_iret); without it the frame's IOPL is ignored. */
    if (vm_assist_architectural_iopl(v->domain))
        v->iopl = (unsigned int)((f->rflags & X86_EFLAGS_IOPL) >> 12);
    regs->rip = f->rip;
    regs->cs = f->cs | 3;
    regs->rflags = (f->rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF;
    regs->rsp = f->rsp;
    regs->ss = f->ss | 3;
    if (!(f->flags & VGCF_in_syscall)) {
        regs->r11 = f->r11;
        regs->rcx = f->rcx;
    } else {
        /* Back from a system call: Xen leaves by sysret, so the guest
         * finds rcx = rip and r11 = rflags, as after a native sysret;
         * that also lets return_to_guest take the sysret exit. */
        regs->rcx = regs->rip;
        regs->r11 = regs->rflags;
    }
    v->vcpu_info->evtchn_upcall_mask = !(f->rflags & X86_EFLAGS_IF);
    regs->rax = f->rax;
}

long do_iret(struct guest_regs *regs)
{
    struct vcpu *v = current;
    struct iret_context f;
    const char *why = iret_frame_refused(v, regs, &f);

    if (why) {
        domain_crash(v->domain, why);
        return -XEN_EFAULT;
    }
    iret_apply(v, regs, &f);
    return (long)f.rax;
}

/*
 * HYPERVISOR_iret without the hypervisor lock (do_syscall_entry, issue
 * 16): it reads guest memory through v's own page tables and changes only
 * v's registers, mode, virtual IOPL and event mask, which no other CPU
 * writes while v runs here.  False, with nothing changed, when the frame
 * must be refused under the lock (do_iret then crashes the guest).
 */
bool pv_iret_lockless(struct vcpu *v, struct guest_regs *regs)
{
    struct iret_context f;

    if (iret_frame_refused(v, regs, &f))
        return false;
    iret_apply(v, regs, &f);
    return true;
}
