/*
 * vCPU timers on several physical CPUs: a host simulation of the real
 * scheduler (hypervisor/common/sched.c) and the real timers
 * (hypervisor/common/timer.c) on NR_SIM_CPUS CPUs.
 *
 * Issue 11, defect 5: vCPU timers were global.  Every CPU scanned every
 * vCPU and programmed its APIC for the earliest deadline anywhere, and a
 * periodic timer ticked whether or not its vCPU ran, so an attacker with
 * 32 vCPUs and staggered 1 ms periodic timers gave every CPU about 32,000
 * timer interrupts a second, paid by whoever ran there.  As in Xen, a
 * vCPU's timers now live in the queue of the CPU it runs on (moved with
 * it), and its periodic timer runs only while it runs (stopped when it is
 * switched out; a missed tick is delivered once at the next switch-in).
 *
 * The simulation: time advances in steps of STEP_NS.  Each CPU has an
 * APIC deadline (whatever arch_timer_program() last set on that CPU); when
 * it passes, the CPU takes an interrupt (counted) and runs timers_run()
 * with its own identity, then, as prepare_return_to_guest() does, runs
 * schedule() if asked to.  A CPU whose state another CPU changed
 * (need_resched, timers_dirty: cpu_kick's IPI) does the same.  Every vCPU
 * is CPU-bound.  VIRQ_TIMER deliveries are checked as they are sent: the
 * vCPU must be the one running on the sending CPU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/time.h>
#include <keel/event.h>
#include <keel/hypercall.h>
#include <keel/console_backend.h>
#include <public/vcpu.h>

#define STEP_NS 10000UL             /* 10 us */
#define MS 1000000UL
#define NR_SIM_CPUS 2
#define NR_ATTACK 32

/* ---- the architecture under sched.c and timer.c ---- */
static uint64_t armed[NR_SIM_CPUS];          /* APIC deadline per CPU, 0 = none */
static unsigned int irqs[NR_SIM_CPUS];       /* timer interrupts taken per CPU */
static unsigned int virqs_ok, virqs_elsewhere;
#include "sched_sim.h"

void arch_timer_program(uint64_t deadline)
{
    armed[smp_processor_id()] = deadline;
}

/* A timer VIRQ must go to the vCPU running on the CPU that sends it: a
 * CPU takes interrupts only for its own vCPUs' timers. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    if (virq != VIRQ_TIMER)
        return;
    if (v == current && v->processor == smp_processor_id())
        virqs_ok++;
    else
        virqs_elsewhere++;
}

bool cons_backend_active(void) { return false; }
void cons_backend_poll(void) {}
void update_vcpu_system_time(struct vcpu *v) { (void)v; }
void hv_lock(void) {}
void hv_unlock(void) {}
void flush_tlb_serve(void) {}
bool domain_destroy_step(struct domain *d) { (void)d; fail_msg("no domain dies here"); return true; }
void evtchn_notify_port(struct domain *d, uint32_t port) { (void)d; (void)port; fail_msg("no device interrupt here"); }
__noreturn void machine_power_off(unsigned int reason)
{
    (void)reason;
    fail_msg("the scheduler found no domain alive");
    abort();
}

/* ---- the simulation ---- */
static struct fake_domain f0;                /* dom0, one CPU-bound vCPU */
static struct domain att;                    /* the attacker */
static struct vcpu att_v[NR_ATTACK];
static struct shared_info att_si;

/* What a CPU does on its way back to a guest (prepare_return_to_guest). */
static void way_out(void)
{
    struct pcpu *pc = this_pcpu();
    unsigned int rounds;

    for (rounds = 0; rounds < 8; rounds++) {
        if (pc->timers_dirty)
            timers_run();
        if (vcpu_runnable(current) && !pc->need_resched)
            return;
        schedule();
    }
    fail_msg("CPU %u does not settle", smp_processor_id());
}

/* Every CPU whose state was changed from elsewhere looks at it (IPIs). */
static void settle(void)
{
    unsigned int c, rounds;
    bool again = true;

    for (rounds = 0; again; rounds++) {
        assert_true(rounds < 16);
        again = false;
        for (c = 0; c < NR_SIM_CPUS; c++)
            if (pcpus[c].need_resched || pcpus[c].timers_dirty) {
                on_cpu(c, way_out);
                again = true;
            }
    }
}

static void step(void)
{
    unsigned int c;

    fake_now += STEP_NS;
    for (c = 0; c < NR_SIM_CPUS; c++)
        if (armed[c] && armed[c] <= fake_now) {
            armed[c] = 0;
            irqs[c]++;
            pcpus[c].timers_dirty = true;   /* do_irq(TIMER_VECTOR) */
            on_cpu(c, way_out);
        }
    settle();
}

static void run_for(uint64_t ns)
{
    uint64_t end = fake_now + ns;

    while (fake_now < end)
        step();
}

static void attacker_init(void)
{
    unsigned int i;

    memset(&att, 0, sizeof(att));
    memset(att_v, 0, sizeof(att_v));
    att.domain_id = 1;
    att.state = DOM_RUNNING;
    att.shared_info = &att_si;
    att.shared_info_mfn = INVALID_MFN;
    att.max_vcpus = NR_ATTACK;
    snprintf(att.name, sizeof(att.name), "attacker");
    for (i = 0; i < NR_ATTACK; i++) {
        struct vcpu *v = &att_v[i];
        v->domain = &att;
        v->vcpu_id = i;
        v->online = v->initialised = true;
        v->kernel_mode = true;
        v->guest_table = v->guest_table_user = INVALID_MFN;
        v->vcpu_info = &att_si.vcpu_info[i];
        v->vcpu_info_mfn = INVALID_MFN;
        att.vcpu[i] = v;
    }
    att.next = domain_list;
    domain_list = &att;
}

static bool cap_world;      /* test_cap_holds: set by setup_cap */

static int setup(void **state)
{
    unsigned int c, i;

    (void)state;
    fake_domains_reset();
    fake_domain_init(&f0, 0, 2, true);      /* vCPU 1 down unless a test ups it */
    f0.v[0].initialised = true;
    attacker_init();
    if (cap_world) {
        /* One attacker vCPU, the capped domain; dom0 keeps both CPUs
         * busy.  Set before the run queue is built from them. */
        for (i = 1; i < NR_ATTACK; i++)
            att_v[i].online = false;
        f0.v[1].online = f0.v[1].initialised = true;
        att.cap = 25;
    }
    memset(sim_curr, 0, sizeof(sim_curr));
    memset(armed, 0, sizeof(armed));
    memset(irqs, 0, sizeof(irqs));
    memset(pcpus, 0, sizeof(pcpus));
    virqs_ok = virqs_elsewhere = 0;
    fake_now = 1000 * MS;
    for (c = 0; c < NR_SIM_CPUS; c++) {
        pcpus[c].online = true;
        pcpus[c].need_resched = true;
    }
    nr_cpus_online = NR_SIM_CPUS;
    sched_init_queue();             /* the run queue from domain_list (sched.c) */
    settle();                       /* every CPU takes a vCPU */
    return 0;
}

static int teardown(void **state)
{
    unsigned int i, c;

    (void)state;
    for (c = 0; c < NR_SIM_CPUS; c++) {
        fake_cpu_info.cpu_id = c;
        fake_cpu_info.curr = sim_curr[c];
        context_switch_out();
    }
    for (i = 0; i < NR_ATTACK; i++)
        vcpu_timers_kill(&att_v[i]);
    vcpu_timers_kill(&f0.v[0]);
    vcpu_timers_kill(&f0.v[1]);
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
        if (*pp == &att) {
            *pp = att.next;
            break;
        }
    fake_domain_fini(&f0);
    memset(pcpus, 0, sizeof(pcpus));
    pcpus[0].online = true;
    nr_cpus_online = 1;
    fake_cpu_info.cpu_id = 0;
    fake_cpu_info.curr = NULL;
    return 0;
}

/* The attacker gives each of its vCPUs a 1 ms periodic timer, the vCPUs'
 * phases spread over the millisecond (VCPUOP_set_periodic_timer on its
 * sibling, from whichever of its vCPUs runs on CPU 0). */
static void arm_staggered_periodic(void)
{
    struct vcpu_set_periodic_timer pt = { .period_ns = MS };
    unsigned int i;

    for (i = 0; i < NR_ATTACK; i++) {
        fake_cpu_info.cpu_id = 0;
        fake_cpu_info.curr = sim_curr[0];
        assert_int_equal(vcpu_timer_op(&att_v[i], VCPUOP_set_periodic_timer,
                                       (uint64_t)(uintptr_t)&pt), 0);
        sim_curr[0] = fake_cpu_info.curr;
        settle();
        run_for(MS / NR_ATTACK);
    }
}

/*
 * 33 CPU-bound vCPUs on 2 CPUs, 32 of them with staggered 1 ms periodic
 * timers: each CPU takes the ticks of the vCPU it runs (1000 a second),
 * its slice ends (100 a second) and little else; a tick never goes to a
 * vCPU that is not running there.  Before the fix: about 32,000
 * interrupts a second on each CPU, and ticks to descheduled vCPUs.
 */
static void test_periodic_ticks_stay_on_their_cpu(void **state)
{
    unsigned int c;

    (void)state;
    arm_staggered_periodic();
    memset(irqs, 0, sizeof(irqs));
    virqs_ok = virqs_elsewhere = 0;
    run_for(1000 * MS);
    for (c = 0; c < NR_SIM_CPUS; c++) {
        print_message("CPU%u: %u timer interrupts in 1 s\n", c, irqs[c]);
        assert_in_range(irqs[c], 100, 1500);
    }
    print_message("timer VIRQs: %u to the running vCPU, %u elsewhere\n", virqs_ok,
                  virqs_elsewhere);
    assert_int_equal(virqs_elsewhere, 0);
    /* The vCPUs that run get their ticks: one CPU's worth each second,
     * less the time dom0's vCPU has, plus a catch-up tick per switch-in
     * (at most 100 a second per CPU). */
    assert_in_range(virqs_ok, 1500, 2 * (1000 + 100 + 100));
}

/* A vCPU that is switched out gets no ticks while it waits, and one tick
 * for all it missed when it runs again. */
static void test_descheduled_vcpu_gets_no_ticks(void **state)
{
    struct vcpu_set_periodic_timer pt = { .period_ns = MS };
    struct vcpu *v = &att_v[5];
    unsigned int before;

    (void)state;
    fake_cpu_info.cpu_id = 0;
    fake_cpu_info.curr = sim_curr[0];
    assert_int_equal(vcpu_timer_op(v, VCPUOP_set_periodic_timer, (uint64_t)(uintptr_t)&pt), 0);
    sim_curr[0] = fake_cpu_info.curr;
    settle();
    /* Run until v has been switched in and out again. */
    while (!v->is_running)
        step();
    while (v->is_running)
        step();
    before = irqs[0] + irqs[1];
    virqs_ok = virqs_elsewhere = 0;
    while (!v->is_running)
        step();
    assert_int_equal(virqs_elsewhere, 0);
    assert_in_range(virqs_ok, 0, 1);            /* the catch-up tick at switch-in */
    print_message("interrupts while v waited: %u\n", irqs[0] + irqs[1] - before);
}

/* A domain capped at 25 % next to CPU-bound neighbours keeps its cap
 * with the per-CPU timers and their slop (the cap period runs on every
 * CPU): its CPU time over 4 s is 25 % of one CPU within 2 points. */
static int setup_cap(void **state)
{
    cap_world = true;
    setup(state);
    cap_world = false;
    return 0;
}

static void test_cap_holds(void **state)
{
    uint64_t before, used;

    (void)state;
    run_for(100 * MS);
    before = att_v[0].runstate.time[RUNSTATE_running] + att.cpu_time;
    run_for(4000 * MS);
    used = att_v[0].runstate.time[RUNSTATE_running] + att.cpu_time - before;
    print_message("capped domain: %lu us of 4 s (cap 25 %% of one CPU = 1000000 us)\n",
                  (unsigned long)(used / 2 / 1000));
    assert_in_range(used / 2 / 1000, 920000, 1010000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_periodic_ticks_stay_on_their_cpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_descheduled_vcpu_gets_no_ticks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_holds, setup_cap, teardown),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
