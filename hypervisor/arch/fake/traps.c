/* Fake trap/context hooks: record what the code under test asked for. */
#include <fake/fake.h>
#include <asm/traps.h>

unsigned int fake_cr3_loads;
unsigned int fake_injected_vector, fake_injections;

void vcpu_load_cr3(struct vcpu *v)
{
    (void)v;
    fake_cr3_loads++;
}

/* The guest's active GS base written (asm/traps.h): counted. */
unsigned int fake_gs_syncs;
void guest_gs_sync(const struct vcpu *v)
{
    (void)v;
    fake_gs_syncs++;
}

void toggle_guest_mode(struct vcpu *v)
{
    v->kernel_mode = !v->kernel_mode;
}

void pv_inject_exception(struct vcpu *v, struct guest_regs *regs, unsigned int vector,
                         bool has_error, uint64_t error_code)
{
    (void)v; (void)regs; (void)has_error; (void)error_code;
    fake_injections++;
    fake_injected_vector = vector;
}

int pv_create_bounce_frame(struct vcpu *v, struct guest_regs *regs, uint64_t handler,
                           bool has_error, uint64_t error_code, bool mask_events,
                           bool failsafe)
{
    (void)v; (void)has_error; (void)error_code; (void)mask_events; (void)failsafe;
    regs->rip = handler;
    return 0;
}

/* The lock-free bounce of a user system call (arch/x86_64/traps.c): as
 * the real one, false without a callback or kernel stack. */
bool pv_syscall_bounce_lockless(struct vcpu *v, struct guest_regs *regs)
{
    if (!v->syscall_callback || !v->kernel_sp)
        return false;
    toggle_guest_mode(v);
    regs->rip = v->syscall_callback;
    regs->rsp = v->kernel_sp;
    return true;
}

unsigned int fake_lockless_exits;
int return_to_guest_lockless(struct vcpu *v, struct guest_regs *regs)
{
    (void)v; (void)regs;
    fake_lockless_exits++;
    return 1;
}

/* LDT loading (arch/x86_64/ldt_window.c): counted, nothing to load. */
unsigned int fake_ldt_loads;
void ldt_load(struct vcpu *v)
{
    (void)v;
    fake_ldt_loads++;
}
