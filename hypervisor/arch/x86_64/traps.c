/*
 * Exceptions and interrupts: from the guest they are emulated (privileged
 * instructions a PV kernel executes at CPL3) or bounced to the guest's
 * trap table with Xen's frame; from the hypervisor they are fixed up
 * (guest memory access) or fatal.  Runs on the faulting CPU with
 * interrupts off; touches only the current vCPU.  Locking: entered with
 * the hypervisor lock held, except a fault on the final iret to the
 * guest (taken after the lock was released), which takes it again
 * before crashing the domain.
 */
#include <keel/tlbflush.h>
#include <keel/smp.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/sched.h>
#include <keel/stats.h>
#include <keel/hypercall.h>
#include <keel/debugreg.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/page.h>
#include <asm/config.h>
#include <asm/cpu.h>

struct ex_entry { uint64_t insn, fixup; };
extern const struct ex_entry __start_ex_table[], __stop_ex_table[];
extern char iret_to_guest[];

static const char *const trap_names[32] = {
    "divide error", "debug", "nmi", "int3", "overflow", "bounds", "invalid opcode",
    "device not available", "double fault", "coprocessor segment", "invalid tss",
    "segment not present", "stack fault", "general protection", "page fault",
    "reserved", "x87 error", "alignment check", "machine check", "simd error",
    "virtualisation", "control protection",
};

void show_guest_regs(const struct guest_regs *r)
{
    printk("  rip %016lx cs %04lx rflags %016lx rsp %016lx ss %04lx\n",
           r->rip, r->cs, r->rflags, r->rsp, r->ss);
    printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
    printk("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
    printk("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
    printk("  r13 %016lx r14 %016lx r15 %016lx vec %lx err %lx\n",
           r->r13, r->r14, r->r15, r->vector, r->error_code);
}

void vcpu_load_cr3(struct vcpu *v)
{
    mfn_t l4 = v->kernel_mode ? v->guest_table : v->guest_table_user;
    uint64_t t0 = stats_clock();

    write_cr3_flush(mfn_x(l4) << PAGE_SHIFT);
    stats_timed(STATS_CR3_LOAD, t0);
}

void guest_gs_sync(const struct vcpu *v)
{
    wrmsr(MSR_SHADOW_GS_BASE, v->kernel_mode ? v->gs_base_kernel : v->gs_base_user);
}

void toggle_guest_mode(struct vcpu *v)
{
    v->kernel_mode = !v->kernel_mode;
    guest_gs_sync(v);
    vcpu_load_cr3(v);
}

/*
 * The frame of LINUX-PV-ABI.md C.7, lowest address first:
 *   [rcx][r11]([ds][es][fs][gs] if failsafe)([error])[rip][cs][rflags][rsp][ss]
 * on the current guest stack (kernel mode) or the stack_switch stack
 * (from user mode), 16-byte aligned as Xen does.  bounce_frame_fill
 * writes its words (cs as the frame shows it) and returns how many.
 */
static unsigned int bounce_frame_fill(const struct vcpu *v, const struct guest_regs *regs,
                                      uint64_t *frame, uint64_t cs, bool has_error,
                                      uint64_t error_code, bool failsafe)
{
    unsigned int n = 0, saved_mask = v->vcpu_info->evtchn_upcall_mask;

    frame[n++] = regs->rcx;
    frame[n++] = regs->r11;
    if (failsafe) {
        frame[n++] = v->ds;
        frame[n++] = v->es;
        frame[n++] = v->fs;
        frame[n++] = v->gs;
    }
    if (has_error)
        frame[n++] = error_code;
    frame[n++] = regs->rip;
    frame[n++] = cs | ((uint64_t)saved_mask << 32);
    /* IF from the event mask; IOPL (never set in the real rflags) is the
     * virtual one under VMASST_TYPE_architectural_iopl, else 0 (Xen). */
    frame[n++] = (regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
                 (saved_mask ? 0 : X86_EFLAGS_IF) |
                 (vm_assist_architectural_iopl(v->domain) ? (uint64_t)v->iopl << 12 : 0);
    frame[n++] = regs->rsp;
    frame[n++] = regs->ss;
    return n;
}

/* The frame is at sp: enter the guest kernel's handler (mode and page
 * tables already the kernel's). */
static void bounce_frame_enter(struct vcpu *v, struct guest_regs *regs, uint64_t handler,
                               uint64_t sp, bool mask_events)
{
    if (mask_events)
        v->vcpu_info->evtchn_upcall_mask = 1;
    regs->rsp = sp;
    regs->rip = handler;
    regs->cs = FLAT_RING3_CS64;
    regs->ss = FLAT_RING3_DS;
    regs->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_VM | X86_EFLAGS_RF | X86_EFLAGS_NT |
                      X86_EFLAGS_AC);
    regs->rflags |= X86_EFLAGS_IF;
    if (regs->vector == VEC_SYSCALL) {
        /* Entered by `syscall`: the guest's rcx and r11 are in the frame
         * just written, and Xen leaves for such a frame by sysretq, which
         * loads them with rip and rflags.  Do the same, so that
         * return_to_guest can take the sysret exit too (asm/regs.h). */
        regs->rcx = regs->rip;
        regs->r11 = regs->rflags;
    }
}

/*
 * Write the frame on the guest kernel's stack, switching to kernel mode
 * first if v is in user mode; *sp is where it went.  -XEN_EINVAL (nothing
 * changed) without a kernel stack to bounce to from user mode;
 * -XEN_EFAULT if the frame could not be written (v already in kernel
 * mode).  The caller then enters the handler (bounce_frame_enter).
 * Inlined: as a call it cost the lock-free bounce about 20 instructions.
 */
static inline __attribute__((always_inline)) int
bounce_frame_write(struct vcpu *v, const struct guest_regs *regs, bool has_error,
                   uint64_t error_code, bool failsafe, uint64_t *sp)
{
    uint64_t frame[13], cs = regs->cs;
    unsigned int n;

    if (!v->kernel_mode) {
        if (!v->kernel_sp)
            return -XEN_EINVAL;
        toggle_guest_mode(v);
        *sp = v->kernel_sp;
    } else {
        *sp = regs->rsp;
        cs &= ~3UL;          /* RPL 0: the guest kernel interrupted itself */
    }
    n = bounce_frame_fill(v, regs, frame, cs, has_error, error_code, failsafe);
    *sp = (*sp & ~0xfUL) - n * 8;
    return copy_to_guest(*sp, frame, n * 8) ? -XEN_EFAULT : 0;
}

int pv_create_bounce_frame(struct vcpu *v, struct guest_regs *regs, uint64_t handler,
                           bool has_error, uint64_t error_code, bool mask_events,
                           bool failsafe)
{
    uint64_t sp;
    bool was_kernel = v->kernel_mode;
    int rc;

    stats_event(STATS_BOUNCE);
    rc = bounce_frame_write(v, regs, has_error, error_code, failsafe, &sp);
    if (rc == -XEN_EINVAL) {
        domain_crash(v->domain, "bounce from user mode without a kernel stack");
        return -XEN_EFAULT;
    }
    if (rc) {
        gdprintk("d%u: bounce frame write to %lx faulted (from %s, kernel_sp %lx, rip %lx)\n",
                 v->domain->domain_id, sp, was_kernel ? "kernel" : "user", v->kernel_sp,
                 regs->rip);
        domain_crash(v->domain, "cannot write a bounce frame to the guest stack");
        return -XEN_EFAULT;
    }
    gdprintk("d%u: bounce to %lx from %s rip %lx rsp %lx -> frame %lx\n", v->domain->domain_id,
             handler, was_kernel ? "kernel" : "user", regs->rip, regs->rsp, sp);
    bounce_frame_enter(v, regs, handler, sp, mask_events);
    return 0;
}

/*
 * A bounce frame written without the hypervisor lock (do_syscall_entry,
 * do_trap_entry; issue 16): it changes only v's mode, page tables and
 * registers and writes v's own stack through v's page tables, none of
 * which another CPU changes while v runs here (a frame unmapped and
 * freed meanwhile is flushed from this CPU's TLB, by IPI, before it is
 * reused: the IPI waits for this CPU's interrupts to be on again, i.e.
 * for the guest).  False, with nothing changed, where the caller must act
 * under the lock: no handler (#UD or a crash), no kernel stack or a frame
 * that cannot be written (a crash), or debug logging on.  No error code,
 * no failsafe frame.
 */
static bool bounce_lockless(struct vcpu *v, struct guest_regs *regs, uint64_t handler,
                            bool mask_events)
{
    uint64_t sp;
    bool was_kernel = v->kernel_mode;
    int rc;

    if (!handler || __builtin_expect(console_loglevel >= LOG_DEBUG, 0))
        return false;
    rc = bounce_frame_write(v, regs, false, 0, false, &sp);
    if (rc) {
        if (rc == -XEN_EFAULT && !was_kernel)
            toggle_guest_mode(v);   /* back: the caller refuses it under the lock */
        return false;
    }
    bounce_frame_enter(v, regs, handler, sp, mask_events);
    return true;
}

/* A system call of guest user space bounced to the kernel's syscall
 * callback without the lock. */
bool pv_syscall_bounce_lockless(struct vcpu *v, struct guest_regs *regs)
{
    return bounce_lockless(v, regs, v->syscall_callback, v->syscall_mask_events);
}

/*
 * Exceptions that are nothing but a bounce to the guest's trap-table
 * handler (do_trap's default arm, no error code): #DE, #BP (int3), #OF,
 * #BR.  The others need the lock: #PF and #GP are emulated or decoded
 * first, #UD may be a forced emulation, #NM switches the FPU, #DB reads
 * debug state, interrupts are the hypervisor's.
 */
static bool pure_bounce_vector(unsigned int vec)
{
    return vec == TRAP_divide_error || vec == TRAP_int3 || vec == TRAP_overflow ||
           vec == TRAP_bounds;
}

void do_trap(struct guest_regs *regs);

/* common_trap's first call from guest context, before the hypervisor
 * lock: returns -1 with the lock held (leave through return_to_guest) or,
 * done lock-free, 0 (the exit is by iretq). */
int do_trap_entry(struct guest_regs *regs)
{
    struct vcpu *v = current;
    unsigned int vec = (unsigned int)regs->vector;
    bool done = false;

    if (pure_bounce_vector(vec) && !stats_active()) {
        const struct trap_info *ti = &v->trap_ctxt[vec];

        done = bounce_lockless(v, regs, ti->address, (ti->flags & 4) != 0);
    }
    if (done && return_lockless_ok(v))
        return return_to_guest_lockless(v, regs);
    hv_lock();
    if (!done)
        do_trap(regs);
    return -1;
}

void pv_inject_exception(struct vcpu *v, struct guest_regs *regs, unsigned int vector,
                         bool has_error, uint64_t error_code)
{
    const struct trap_info *ti = &v->trap_ctxt[vector & 0xff];

    if (!ti->address) {
        printk("d%u v%u: unhandled %s (vector %u, error %lx) at %lx, cr2 %lx\n",
               v->domain->domain_id, v->vcpu_id,
               vector < 32 && trap_names[vector] ? trap_names[vector] : "trap",
               vector, error_code, regs->rip, v->vcpu_info->arch.cr2);
        show_guest_regs(regs);
        domain_crash(v->domain, "exception with no guest handler");
        return;
    }
    /* The guest sees its own privilege in the #PF error code's U bit
     * (Xen's pv_inject_event): clear for its kernel, set for user mode. */
    if (vector == TRAP_page_fault)
        error_code = (error_code & ~4UL) | (v->kernel_mode ? 0 : 4UL);
    pv_create_bounce_frame(v, regs, ti->address, has_error, error_code,
                           (ti->flags & 4) != 0, false);
}

static bool vector_has_error(unsigned int vec)
{
    return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 ||
           vec == 29 || vec == 30;
}

/* Xen's permit_softint: int $N from the guest kernel needs DPL >= 1, from user DPL 3. */
static bool permit_softint(const struct vcpu *v, unsigned int vec)
{
    unsigned int dpl = v->trap_ctxt[vec].flags & 3;
    return dpl >= (v->kernel_mode ? 1u : 3u);
}

/*
 * A #GP with the IDT bit (error code bit 1) comes from `int $N` through one
 * of our DPL0 gates.  Hardware reports (N << 3) | 2; QEMU's TCG reports
 * (N << 4) | 2 in long mode.  When the instruction is `int imm8` (cd NN),
 * N is taken from it and the error code rebuilt as hardware's, so the guest
 * sees what Xen on hardware gives it (issue 16).  Returns the vector.
 */
static unsigned int softint_vector(struct guest_regs *regs)
{
    uint8_t insn[2];

    if (!copy_from_guest(insn, regs->rip, 2) && insn[0] == 0xcd)
        regs->error_code = ((uint64_t)insn[1] << 3) | 2;
    return (unsigned int)(regs->error_code >> 3) & 0xff;
}

static void do_guest_gp(struct vcpu *v, struct guest_regs *regs)
{
    if ((regs->error_code & 3) == 2) {
        unsigned int vec = softint_vector(regs);

        /* Xen's do_general_protection: delivered if the trap-table entry
         * allows the caller's privilege, else #GP with the IDT error code
         * (an absent entry has DPL 0). */
        if (permit_softint(v, vec)) {
            regs->rip += 2;       /* int $N is two bytes (Xen assumes so too) */
            pv_inject_exception(v, regs, vec, false, 0);
            return;
        }
    } else if (regs->error_code == 0 && pv_emulate_privileged_op(v, regs)) {
        return;
    }
    pv_inject_exception(v, regs, TRAP_gp_fault, true, regs->error_code);
}

static void do_guest_page_fault(struct vcpu *v, struct guest_regs *regs)
{
    uint64_t cr2 = read_cr2();
    bool pv_ptwr_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr);
    bool pv_mmio_ro_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr);

    if (pv_ptwr_emulate(v, regs, cr2)) {
        stats_event(STATS_PTWR);
        return;
    }
    if (pv_mmio_ro_emulate(v, regs, cr2))
        return;
    v->vcpu_info->arch.cr2 = cr2;
    gdprintk("d%u: #PF at %lx addr %lx err %lx (%s mode, cr3 %lx)\n", v->domain->domain_id,
             regs->rip, cr2, regs->error_code, v->kernel_mode ? "kernel" : "user", read_cr3());
    pv_inject_exception(v, regs, TRAP_page_fault, true, regs->error_code);
}

static void do_guest_no_device(struct vcpu *v, struct guest_regs *regs)
{
    clts();
    if (v->fpu_ts) {
        v->fpu_ts = false;
        pv_inject_exception(v, regs, TRAP_no_device, false, 0);
    }
}

void do_irq(struct guest_regs *regs);

/* Called from entry.S for every exception or interrupt taken in the guest. */
void do_trap(struct guest_regs *regs)
{
    struct vcpu *v = current;
    unsigned int vec = (unsigned int)regs->vector;

    stats_enter_trap(vec);
    if (vec >= 32) {
        do_irq(regs);
        return;
    }
    switch (vec) {
    case TRAP_gp_fault:
        do_guest_gp(v, regs);
        break;
    case TRAP_page_fault:
        do_guest_page_fault(v, regs);
        break;
    case TRAP_invalid_op:
        if (!pv_emulate_forced_invalid_op(v, regs))
            pv_inject_exception(v, regs, vec, false, 0);
        break;
    case TRAP_no_device:
        do_guest_no_device(v, regs);
        break;
    case TRAP_debug:
        pv_do_debug(v, regs);
        break;
    default:
        pv_inject_exception(v, regs, vec, vector_has_error(vec), regs->error_code);
    }
}

static uint64_t search_extable(uint64_t rip)
{
    const struct ex_entry *e;

    for (e = __start_ex_table; e < __stop_ex_table; e++)
        if (e->insn == rip)
            return e->fixup;
    return 0;
}

/* An exception in the hypervisor itself. */
void do_trap_hypervisor(struct guest_regs *regs)
{
    uint64_t fixup;

    if (regs->vector >= 32) {
        do_irq(regs);
        return;
    }
    if (regs->rip == (uint64_t)iret_to_guest) {
        /* The guest's iret frame was refused by the CPU (bad selector),
         * after the hypervisor lock was released: take it again. */
        struct vcpu *v = current;
        hv_lock();
        printk("d%u v%u: the CPU refused the guest's return frame (vector %lu)\n",
               v->domain->domain_id, v->vcpu_id, regs->vector);
        show_guest_regs(guest_regs_of_cpu());
        domain_crash(v->domain, "bad iret frame");
        reset_stack_and_return(guest_regs_of_cpu());
    }
    fixup = search_extable(regs->rip);
    if (fixup) {
        regs->rip = fixup;
        return;
    }
    printk_lvl(LOG_ERR, "hypervisor %s (vector %lu) at %lx, cr2 %lx\n",
               regs->vector < 32 && trap_names[regs->vector] ? trap_names[regs->vector] : "trap",
               regs->vector, regs->rip, read_cr2());
    show_guest_regs(regs);
    panic("fatal exception in the hypervisor");
}

void do_fatal_trap(struct guest_regs *regs)
{
    if (regs->vector == 2 && machine_stopping)
        for (;;)                /* another CPU stopped the machine */
            asm volatile("cli; hlt");
    printk_lvl(LOG_ERR, "fatal trap %lu at %lx\n", regs->vector, regs->rip);
    show_guest_regs(regs);
    panic("fatal trap");
}
