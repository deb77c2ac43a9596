/*
 * vCPU timers (hypervisor/common/timer.c) on the host: timer interrupts
 * are counted by simulating one CPU's APIC timer (armed by
 * arch_timer_program, fired when the simulated time reaches it, which
 * runs timers_run() as the interrupt path does) over 100 ms in 0.1 ms
 * steps.
 *
 * Issue 11, defect 5: a periodic timer kept firing (VIRQ_TIMER, and an
 * interrupt on the CPU) while its vCPU was down; as in Xen, whose
 * periodic timer runs only for a vCPU that can run, a vCPU that is down
 * costs no timer interrupts, and comes back with its period running.
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
static uint64_t armed;                 /* the APIC deadline, 0 = none */
static unsigned int virqs[2];          /* VIRQ_TIMER sent, per vCPU */
static struct fake_domain fd;

void arch_timer_program(uint64_t deadline) { armed = deadline; }
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

/* Run for `ns` of simulated time; returns the timer interrupts taken. */
static unsigned int run_for(uint64_t ns)
{
    uint64_t end = fake_now + ns;
    unsigned int irqs = 0;

    while (fake_now < end) {
        fake_now += STEP_NS;
        if (armed && armed <= fake_now) {
            armed = 0;
            irqs++;
            timers_run();
        }
    }
    return irqs;
}

static int setup(void **state)
{
    (void)state;
    fake_domains_reset();
    fake_domain_init(&fd, 1, 2, false);
    fd.v[1].online = fd.v[1].initialised = true;
    fake_cpu_info.curr = &fd.v[0];
    fake_now = 1000 * MS;
    armed = 0;
    virqs[0] = virqs[1] = 0;
    memset(pcpus, 0, sizeof(pcpus));
    pcpus[0].online = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&fd);
    fake_cpu_info.curr = NULL;
    return 0;
}

/* Baseline: a 1 ms periodic timer of an up vCPU fires every ms. */
static void test_periodic_fires(void **state)
{
    (void)state;
    vcpu_set_periodic(&fd.v[1], MS);
    assert_in_range(run_for(100 * MS), 99, 101);
    assert_in_range(virqs[1], 99, 101);
}

/* A vCPU that is down: no VIRQ_TIMER, no interrupt; up again, its period
 * runs again (one catch-up tick, not the 100 it missed). */
static void test_periodic_stops_while_down(void **state)
{
    unsigned int irqs;

    (void)state;
    vcpu_set_periodic(&fd.v[1], MS);
    fd.v[1].online = false;                     /* VCPUOP_down */
    timers_run();
    irqs = run_for(100 * MS);
    assert_int_equal(virqs[1], 0);
    assert_int_equal(irqs, 0);
    fd.v[1].online = true;                      /* VCPUOP_up */
    timers_run();
    assert_in_range(virqs[1], 0, 1);
    irqs = run_for(10 * MS);
    assert_in_range(irqs, 9, 11);
    assert_in_range(virqs[1], 9, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_periodic_fires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_periodic_stops_while_down, setup, teardown),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
