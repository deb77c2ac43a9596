/*
 * vCPU timers (hypervisor/common/timer.c) on the host: timer interrupts
 * are counted by simulating each CPU's APIC timer (armed by
 * arch_timer_program on that CPU, fired when the simulated time reaches
 * it, which runs timers_run() there as the interrupt path does) in
 * 0.1 ms steps.  The scheduler is not linked: the test switches vCPUs in
 * and out with the hooks schedule() calls.
 *
 * Issue 11, defect 5: a periodic timer kept firing (VIRQ_TIMER, and an
 * interrupt on the CPU) while its vCPU was down; as in Xen, the periodic
 * timer runs only while its vCPU runs (stopped at switch-out, one tick for
 * those missed at switch-in).  A vCPU's timers are on the queue of its
 * CPU; deadlines within TIMER_SLOP_NS share one interrupt.  The
 * several-CPU simulation on the real scheduler is test_timer_cpus.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/time.h>
#include <keel/sched.h>
#include <keel/event.h>
#include <keel/console_backend.h>
#include <keel/smp.h>

#define STEP_NS 100000UL
#define MS 1000000UL

/* ---- what timer.c calls ---- */
static uint64_t armed[2];              /* the APIC deadline per CPU, 0 = none */
static unsigned int virqs[2];          /* VIRQ_TIMER sent, per vCPU */
static struct fake_domain fd;

void arch_timer_program(uint64_t deadline) { armed[smp_processor_id()] = deadline; }
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    if (virq == VIRQ_TIMER && v->vcpu_id < 2)
        virqs[v->vcpu_id]++;
}
bool cons_backend_active(void) { return false; }
void cons_backend_poll(void) {}
/* timers_run() also delivers device interrupts (common/pirq.c); none are
 * raised in these tests. */
void evtchn_notify_port(struct domain *d, uint32_t port) { (void)d; (void)port; fail(); }
uint64_t sched_cap_tick(uint64_t now) { (void)now; return 0; }

/* Run CPU 0 for `ns` of simulated time (steps of `step`); returns its
 * timer interrupts.  CPU 1's APIC is only watched (irqs1). */
static unsigned int irqs1;
static unsigned int run_steps(uint64_t ns, uint64_t step)
{
    uint64_t end = fake_now + ns;
    unsigned int irqs = 0;

    while (fake_now < end) {
        fake_now += step;
        if (armed[1] && armed[1] <= fake_now) {
            armed[1] = 0;
            irqs1++;
        }
        if (armed[0] && armed[0] <= fake_now) {
            armed[0] = 0;
            irqs++;
            timers_run();
        }
        if (pcpus[0].timers_dirty)      /* the way out of the hypervisor */
            timers_run();
    }
    return irqs;
}

static unsigned int run_for(uint64_t ns)
{
    return run_steps(ns, STEP_NS);
}

/* v is switched in on this CPU / out, as schedule() does. */
static void switch_in(struct vcpu *v)
{
    v->is_running = true;
    v->processor = smp_processor_id();
    vcpu_timers_switch_in(v);
    timers_run();
}

static void switch_out(struct vcpu *v)
{
    v->is_running = false;
    vcpu_timers_switch_out(v);
    timers_run();
}

static int setup(void **state)
{
    (void)state;
    fake_domains_reset();
    fake_domain_init(&fd, 1, 2, false);
    fd.v[1].online = fd.v[1].initialised = true;
    fake_cpu_info.curr = &fd.v[0];
    fake_now = 1000 * MS;
    armed[0] = armed[1] = 0;
    irqs1 = 0;
    virqs[0] = virqs[1] = 0;
    memset(pcpus, 0, sizeof(pcpus));
    pcpus[0].online = pcpus[1].online = true;
    fake_cpu_info.cpu_id = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vcpu_timers_kill(&fd.v[0]);
    vcpu_timers_kill(&fd.v[1]);
    fake_domain_fini(&fd);
    fake_cpu_info.curr = NULL;
    return 0;
}

/* Baseline: a 1 ms periodic timer of a running vCPU fires every ms. */
static void test_periodic_fires(void **state)
{
    (void)state;
    switch_in(&fd.v[1]);
    vcpu_set_periodic(&fd.v[1], MS);
    assert_in_range(run_for(100 * MS), 99, 101);
    assert_in_range(virqs[1], 99, 101);
}

/* A vCPU that is switched out (down, blocked or waiting): no VIRQ_TIMER,
 * no interrupt; switched in again, one catch-up tick for the 100 it
 * missed, then its period runs again.  Before per-CPU timers: 100 VIRQs
 * while down. */
static void test_periodic_stops_while_switched_out(void **state)
{
    unsigned int irqs;

    (void)state;
    switch_in(&fd.v[1]);
    vcpu_set_periodic(&fd.v[1], MS);
    fd.v[1].online = false;                     /* VCPUOP_down: schedule() switches it out */
    switch_out(&fd.v[1]);
    irqs = run_for(100 * MS);
    assert_int_equal(virqs[1], 0);
    assert_int_equal(irqs, 0);
    fd.v[1].online = true;                      /* VCPUOP_up, then switched in */
    switch_in(&fd.v[1]);
    assert_int_equal(virqs[1], 1);
    irqs = run_for(10 * MS);
    assert_in_range(irqs, 9, 11);
    assert_in_range(virqs[1], 10, 12);
}

/* Deadlines closer together than the slop are served by one interrupt;
 * none fires before its deadline. */
static void test_slop_batches_deadlines(void **state)
{
    unsigned int irqs;

    (void)state;
    vcpu_set_singleshot(&fd.v[0], fake_now + 2 * MS);
    vcpu_set_singleshot(&fd.v[1], fake_now + 2 * MS + TIMER_SLOP_NS / 2);
    timers_run();
    irqs = run_steps(1 * MS, 1000);
    assert_int_equal(irqs, 0);
    assert_int_equal(virqs[0] + virqs[1], 0);
    irqs = run_steps(2 * MS, 1000);
    assert_int_equal(irqs, 1);
    assert_int_equal(virqs[0], 1);
    assert_int_equal(virqs[1], 1);
}

/* A vCPU's timers are on its own CPU's queue: a timer of a vCPU on CPU 1
 * does not arm CPU 0; set from CPU 0 it makes CPU 1 reprogram (a kick);
 * when the vCPU is switched in on CPU 0 its timer moves there. */
static void test_timers_on_their_cpu(void **state)
{
    unsigned int kicks = fake_kicks;

    (void)state;
    fd.v[1].processor = 1;                      /* last ran on CPU 1 */
    vcpu_set_singleshot(&fd.v[1], fake_now + 5 * MS);
    assert_int_equal(fake_kicks, kicks + 1);
    assert_true(pcpus[1].timers_dirty);
    timers_run();
    assert_int_equal(armed[0], 0);              /* CPU 0 has nothing to do */
    fake_cpu_info.cpu_id = 1;                   /* CPU 1 takes the kick */
    timers_run();
    assert_int_equal(armed[1], fake_now + 5 * MS + TIMER_SLOP_NS);
    fake_cpu_info.cpu_id = 0;
    switch_in(&fd.v[1]);                        /* now runs on CPU 0 */
    assert_int_equal(armed[0], fake_now + 5 * MS + TIMER_SLOP_NS);
    assert_int_equal(run_for(10 * MS), 1);
    assert_int_equal(virqs[1], 1);
    assert_int_equal(irqs1, 1);                 /* CPU 1's stale deadline, once */
}

/* A destroyed vCPU's timers are gone from the queues. */
static void test_kill(void **state)
{
    (void)state;
    switch_in(&fd.v[1]);
    vcpu_set_periodic(&fd.v[1], MS);
    vcpu_set_singleshot(&fd.v[1], fake_now + MS / 2);
    vcpu_timers_kill(&fd.v[1]);
    timers_run();
    assert_int_equal(armed[0], 0);
    assert_int_equal(run_for(10 * MS), 0);
    assert_int_equal(virqs[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_periodic_fires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_stops_while_switched_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slop_batches_deadlines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timers_on_their_cpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
