/*
 * Switching the physical CPU between vCPUs, and the last steps before
 * returning to a guest: event-upcall delivery and the GS base.  The
 * running vCPU's registers live in this CPU's cpu_info frame; a vCPU that
 * is not running keeps them in v->regs.
 */
#include <keel/tlbflush.h>
#include <keel/domain.h>
#include <keel/sched.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/time.h>
#include <keel/pv_mm.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/cpu.h>
#include <keel/smp.h>
#include <keel/stats.h>
#include <keel/debugreg.h>

static void save_segments(struct vcpu *v)
{
    asm volatile("movw %%ds, %0; movw %%es, %1; movw %%fs, %2; movw %%gs, %3"
                 : "=m"(v->ds), "=m"(v->es), "=m"(v->fs), "=m"(v->gs));
}

/*
 * Load one guest selector.  It was valid when the guest loaded it, but
 * its descriptor may have changed since (update_descriptor, set_gdt, a
 * new LDT): a selector the CPU refuses is replaced by null, which never
 * faults (docs/security.md, class 3).
 */
#define LOAD_SEG_OR_NULL(seg, sel)                                       \
    asm volatile("1: movw %w0, %%" seg "\n"                              \
                 "2:\n"                                                   \
                 ".section .text.fixup, \"ax\"\n"                        \
                 "3: xorl %k0, %k0\n"                                     \
                 "   movw %w0, %%" seg "\n"                              \
                 "   jmp 2b\n"                                            \
                 ".previous\n"                                            \
                 ".section __ex_table, \"a\"\n"                          \
                 ".quad 1b, 3b\n"                                         \
                 ".previous"                                              \
                 : "+r"(sel))

static void load_segments(struct vcpu *v)
{
    uint64_t hv_gs = rdmsr(MSR_GS_BASE);
    uint32_t ds = v->ds, es = v->es, fs = v->fs, gs = v->gs;

    LOAD_SEG_OR_NULL("ds", ds);
    LOAD_SEG_OR_NULL("es", es);
    LOAD_SEG_OR_NULL("fs", fs);
    LOAD_SEG_OR_NULL("gs", gs);
    /* Loading %gs clobbered the hypervisor's GS base; the FS base is
     * canonical because every path that sets it checks (set_segment_base,
     * wrmsr emulation, VCPUOP_initialise), so the wrmsr cannot fault. */
    wrmsr(MSR_GS_BASE, hv_gs);
    wrmsr(MSR_FS_BASE, v->fs_base);
}

/*
 * FPU/SSE state is switched eagerly with FXSAVE/FXRSTOR (XSAVE is hidden
 * from guests, so x87+SSE is all of it).  CR0.TS is cleared around the
 * save and restore, then set again from the next vCPU's virtual TS.
 *
 * A guest supplies a whole image through VCPUOP_initialise.  FXRSTOR
 * raises #GP at CPL0 for an MXCSR with a bit outside the CPU's
 * MXCSR_MASK, so the image is sanitised when it comes in
 * (arch_fpu_sanitise, Xen's mxcsr_mask) and the restore has an
 * exception-table fixup besides: should an image still fault, the vCPU
 * gets the clean state and its domain is crashed, never the host
 * (docs/security.md, class 3).
 */
static uint8_t clean_fpu[512] __aligned(16);
static uint32_t mxcsr_mask = 0xffbf;    /* the architectural default, as Xen */

#define FXSAVE_MXCSR 24
#define FXSAVE_MXCSR_MASK 28

void arch_fpu_init_state(uint8_t *state)
{
    memcpy(state, clean_fpu, sizeof(clean_fpu));
}

void arch_fpu_sanitise(uint8_t *state)
{
    uint32_t mxcsr;

    memcpy(&mxcsr, state + FXSAVE_MXCSR, sizeof(mxcsr));
    mxcsr &= mxcsr_mask;
    memcpy(state + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
}

/* FXRSTOR that cannot take the host down: false if the CPU refused it. */
static bool fxrstor_checked(const uint8_t *state)
{
    int faulted = 0;

    asm volatile("1: fxrstor64 %1\n"
                 "2:\n"
                 ".section .text.fixup, \"ax\"\n"
                 "3: movl $1, %0\n"
                 "   jmp 2b\n"
                 ".previous\n"
                 ".section __ex_table, \"a\"\n"
                 ".quad 1b, 3b\n"
                 ".previous"
                 : "+r"(faulted) : "m"(*(const uint8_t (*)[512])state));
    return !faulted;
}

static void fxrstor_clean(void)
{
    asm volatile("fxrstor64 %0" :: "m"(*(uint8_t (*)[512])clean_fpu));
}

/*
 * The fixup is exercised once at boot on an image with every MXCSR bit
 * set: on hardware that faults and must come back here; under QEMU's
 * TCG, which does not check MXCSR in FXRSTOR, it loads.
 */
static void fxrstor_selftest(void)
{
    static uint8_t bad[512] __aligned(16);
    bool loaded;

    memcpy(bad, clean_fpu, sizeof(bad));
    memset(bad + FXSAVE_MXCSR, 0xff, 4);
    loaded = fxrstor_checked(bad);
    fxrstor_clean();
    printk("FPU: MXCSR mask %#x; FXRSTOR of a reserved MXCSR bit %s\n", mxcsr_mask,
           loaded ? "is not refused by this CPU" : "faults and is fixed up");
}

void arch_fpu_boot_init(void)
{
    uint32_t mask;

    clts();
    asm volatile("fninit; fxsave64 %0" : "=m"(*(uint8_t (*)[512])clean_fpu));
    memcpy(&mask, clean_fpu + FXSAVE_MXCSR_MASK, sizeof(mask));
    if (mask)
        mxcsr_mask = mask;
    *(uint32_t *)&clean_fpu[FXSAVE_MXCSR] = 0x1f80;       /* MXCSR: all exceptions masked */
    fxrstor_clean();
    fxrstor_selftest();
}

/* Another CPU: the same FPU set-up as the boot CPU's. */
void arch_fpu_ap_init(void)
{
    clts();
    asm volatile("fninit");
    fxrstor_clean();
}

static void fpu_save(struct vcpu *prev)
{
    clts();
    if (prev && prev->fpu_state)
        asm volatile("fxsave64 %0" : "=m"(*(uint8_t (*)[512])prev->fpu_state));
}

static void fpu_restore(struct vcpu *next)
{
    if (!next->fpu_state || fxrstor_checked(next->fpu_state))
        return;
    arch_fpu_init_state(next->fpu_state);
    fxrstor_clean();
    domain_crash(next->domain, "the CPU refused its FPU image");
}

/* Save the running vCPU's state (registers, segments, FPU) into it and
 * leave this CPU with no vCPU loaded, so that any CPU may run it next. */
void context_switch_out(void)
{
    struct cpu_info *ci = get_cpu_info();
    struct vcpu *prev = ci->curr;

    if (!prev)
        return;
    prev->regs = ci->guest_regs;
    pv_debugreg_switch_from(prev);
    save_segments(prev);
    fpu_save(prev);
    prev->is_running = false;
    ci->curr = NULL;
    write_cr3_flush(idle_l4_maddr);
}

void context_switch_to(struct vcpu *next)
{
    struct cpu_info *ci = get_cpu_info();

    context_switch_out();
    clts();
    fpu_restore(next);
    ci->guest_regs = next->regs;
    ci->curr = next;
    next->is_running = true;
    next->processor = ci->cpu_id;
    gdt_window_load_guest(ci->cpu_id, next->gdt_frames,
                          (next->gdt_ents + 511) / 512);
    ldt_load(next);
    load_segments(next);
    guest_gs_sync(next);            /* the previous vCPU's GS base is in the MSR */
    if (next->fpu_ts)
        stts();
    else
        clts();
    vcpu_load_cr3(next);
    pv_debugreg_switch_to(next);
    update_vcpu_system_time(next);
}

/* Deliver a pending, unmasked event upcall (LINUX-PV-ABI.md A.7, C.7);
 * true if a bounce frame was written (which may have crashed v). */
static bool deliver_events(struct vcpu *v, struct guest_regs *regs)
{
    if (!vcpu_upcall_due(v))
        return false;
    stats_event(STATS_UPCALL);
    pv_create_bounce_frame(v, regs, v->event_callback, false, 0, true, false);
    return true;
}

/* Called by entry.S with interrupts off, just before leaving for the
 * guest; nonzero: leave by sysretq (guest_regs_sysret_ok), else by iretq. */
int prepare_return_to_guest(struct guest_regs *regs)
{
    struct vcpu *v;
    bool sysret;

    struct pcpu *pc = this_pcpu();

    for (;;) {
        if (pc->timers_dirty)
            timers_run();
        v = current;
        if (!vcpu_runnable(v) || pc->need_resched) {
            schedule();
            continue;
        }
        /* A bounce frame the guest's stack cannot take crashes it. */
        if (!deliver_events(v, regs) || vcpu_runnable(v))
            break;
    }
    sysret = guest_regs_sysret_ok(regs);
    if (sysret)
        stats_event(STATS_SYSRET);
    stats_exit();
    hv_unlock();
    return sysret;
}

/* do_syscall_entry's exit without the lock (interrupts off): sysretq
 * where the frame allows it. */
int return_to_guest_lockless(struct vcpu *v, struct guest_regs *regs)
{
    (void)v;
    return guest_regs_sysret_ok(regs);
}

/* Start the first vCPU: build its frame on this CPU's stack and go
 * (called with the hypervisor lock held). */
void sched_start(void)
{
    struct cpu_info *ci = get_cpu_info();

    ci->curr = NULL;
    schedule();
    reset_stack_and_return(&ci->guest_regs);
}
