/*
 * Unit tests for SCHEDOP_remote_shutdown (hypervisor/common/sched_op.c, vcpu_op.c):
 * Xen's order (copy in, domain lookup by id only, then the caller's
 * privilege), the 8-bit reason, and that the target, not the caller, is
 * shut down; VCPUOP_up racing a remote VCPUOP_down; the last vCPU going
 * down powering the domain off; register_vcpu_info for a running sibling.  Domains: dom0 (privileged), d2 and d5.  What sched_op.c and vcpu_op.c
 * calls besides and no test here reaches is stubbed below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/hypercall.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <keel/event.h>
#include <keel/pv_mm.h>
#include <keel/console_backend.h>
#include <public/sched.h>
#include <public/vcpu.h>

/* ---- not reached by these tests ---- */
bool need_resched;
long arch_initialise_vcpu(struct vcpu *v, uint64_t arg) { (void)v; (void)arg; return -XEN_ENOSYS; }
long vcpu_timer_op(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
    (void)v; (void)cmd; (void)arg;
    return -XEN_ENOSYS;
}
long cons_dom0_read(char *buf, size_t n) { (void)buf; (void)n; return 0; }
bool evtchn_port_pending(struct domain *d, evtchn_port_t port) { (void)d; (void)port; return false; }
static unsigned int page_gets;
int get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type)
{
    (void)mfn; (void)d; (void)type;
    page_gets++;
    return -1;
}
void mm_lock_acquire(void) {}
void mm_lock_release(void) {}
static unsigned int runstate_sets, places;
void runstate_set(struct vcpu *v, int state, uint64_t now)
{
    (void)now;
    v->runstate.state = state;
    runstate_sets++;
}
void runstate_area_update(struct vcpu *v) { (void)v; }
void sched_note_runnable(void) {}
void vcpu_place(struct vcpu *v) { (void)v; places++; }
void sched_vcpu_up(struct vcpu *v)
{
    runstate_set(v, RUNSTATE_runnable, 0);
    vcpu_place(v);
}
void sched_vcpu_yield(struct vcpu *v) { (void)v; }
void timers_run(void) {}
void vcpu_set_poll_timeout(struct vcpu *v, uint64_t deadline) { (void)v; (void)deadline; }
void update_vcpu_system_time(struct vcpu *v) { (void)v; }

static struct fake_domain f0, f2, f5;

static int setup(void **state)
{
    (void)state;
    fake_domains_reset();
    runstate_sets = places = page_gets = 0;
    fake_domain_init(&f0, 0, 2, true);
    fake_domain_init(&f2, 2, 1, false);
    fake_domain_init(&f5, 5, 1, false);
    fake_cpu_info.curr = &f0.v[0];
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&f0);
    fake_domain_fini(&f2);
    fake_domain_fini(&f5);
    return 0;
}

static long remote(domid_t dom, uint32_t reason)
{
    struct sched_remote_shutdown rs = { .domain_id = dom, .reason = reason };

    return do_sched_op(SCHEDOP_remote_shutdown, (uint64_t)(uintptr_t)&rs);
}

static void test_dom0_shuts_down_a_domu(void **state)
{
    (void)state;
    assert_int_equal(remote(2, SHUTDOWN_reboot), 0);
    assert_int_equal(f2.d.state, DOM_SHUTDOWN);
    assert_int_equal(f2.d.shutdown_reason, SHUTDOWN_reboot);
    assert_int_equal(f0.d.state, DOM_RUNNING);
    assert_int_equal(f5.d.state, DOM_RUNNING);
    /* Xen keeps 8 bits of the reason. */
    assert_int_equal(remote(5, 0x1203), 0);
    assert_int_equal(f5.d.shutdown_reason, 3);
}

static void test_bad_domain(void **state)
{
    static const domid_t ids[] = { 1, 3, 6, 0x7fef, DOMID_SELF, DOMID_IO, DOMID_IDLE, 0xffff };
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(ids); i++)
        assert_int_equal(remote(ids[i], SHUTDOWN_poweroff), -XEN_ESRCH);
    assert_int_equal(f0.d.state, DOM_RUNNING);      /* DOMID_SELF is not dom0 here */
    assert_int_equal(do_sched_op(SCHEDOP_remote_shutdown, 0x1000), -XEN_EFAULT);
}

static void test_domu_refused(void **state)
{
    (void)state;
    fake_cpu_info.curr = &f5.v[0];
    assert_int_equal(remote(0, SHUTDOWN_poweroff), -XEN_EPERM);
    assert_int_equal(remote(2, SHUTDOWN_poweroff), -XEN_EPERM);
    assert_int_equal(remote(5, SHUTDOWN_poweroff), -XEN_EPERM);   /* even itself */
    assert_int_equal(remote(3, SHUTDOWN_poweroff), -XEN_ESRCH);   /* lookup first */
    assert_int_equal(f0.d.state, DOM_RUNNING);
    assert_int_equal(f2.d.state, DOM_RUNNING);
    assert_int_equal(f5.d.state, DOM_RUNNING);
}

static void test_dom0_names_itself(void **state)
{
    (void)state;
    /* As Xen's hardware domain: allowed (the real domain_shutdown then
     * powers the machine off). */
    assert_int_equal(remote(0, SHUTDOWN_poweroff), 0);
    assert_int_equal(f0.d.state, DOM_SHUTDOWN);
}

/* dom0's vCPU 1, up and running on another CPU. */
static struct vcpu *running_v1(void)
{
    struct vcpu *v = &f0.v[1];

    v->initialised = v->online = v->is_running = true;
    v->processor = 1;
    v->runstate.state = RUNSTATE_running;
    return v;
}

/* VCPUOP_up before v's CPU took the down's kick: v just goes on, still
 * running in its runstate (it was left runnable there: getvcpuinfo said
 * "not running" while it ran). */
static void test_up_before_the_down_is_taken(void **state)
{
    struct vcpu *v = running_v1();

    (void)state;
    assert_int_equal(do_vcpu_op(VCPUOP_down, 1, 0), 0);
    assert_false(v->online);
    assert_int_equal(do_vcpu_op(VCPUOP_up, 1, 0), 0);
    assert_true(v->online);
    assert_int_equal(v->runstate.state, RUNSTATE_running);
    assert_int_equal(places, 0);
}

/* Once its CPU let it go, VCPUOP_up queues it as runnable. */
static void test_up_after_the_down_is_taken(void **state)
{
    struct vcpu *v = running_v1();

    (void)state;
    assert_int_equal(do_vcpu_op(VCPUOP_down, 1, 0), 0);
    v->is_running = false;
    v->runstate.state = RUNSTATE_offline;
    assert_int_equal(do_vcpu_op(VCPUOP_up, 1, 0), 0);
    assert_true(v->online);
    assert_int_equal(v->runstate.state, RUNSTATE_runnable);
    assert_int_equal(places, 1);
}

/* As Xen: downing a vCPU while another is up leaves the domain running;
 * the last vCPU going down powers it off (and stays online: there is
 * nothing to resume). */
static void test_last_vcpu_down_powers_off(void **state)
{
    struct vcpu *v1 = running_v1();

    (void)state;
    assert_int_equal(do_vcpu_op(VCPUOP_down, 0, 0), 0);
    assert_int_equal(f0.d.state, DOM_RUNNING);
    assert_false(f0.v[0].online);
    assert_int_equal(do_vcpu_op(VCPUOP_down, 1, 0), 0);
    assert_int_equal(f0.d.state, DOM_SHUTDOWN);
    assert_int_equal(f0.d.shutdown_reason, SHUTDOWN_poweroff);
    assert_true(v1->online);
}

/* As Xen: a vcpu_info may be moved for yourself or for a vCPU that is
 * down, not under another vCPU that is running (refused before the page
 * is even looked at). */
static void test_vcpu_info_of_a_running_sibling(void **state)
{
    struct vcpu_register_vcpu_info r = { .mfn = 42, .offset = 0 };

    (void)state;
    running_v1();
    assert_int_equal(do_vcpu_op(VCPUOP_register_vcpu_info, 1, (uint64_t)(uintptr_t)&r),
                     -XEN_EINVAL);
    assert_int_equal(page_gets, 0);
    f0.v[1].online = false;
    assert_int_equal(do_vcpu_op(VCPUOP_register_vcpu_info, 1, (uint64_t)(uintptr_t)&r),
                     -XEN_EINVAL);
    assert_int_equal(page_gets, 1);     /* down: it went on to the page */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dom0_shuts_down_a_domu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_domu_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dom0_names_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_up_before_the_down_is_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_up_after_the_down_is_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_vcpu_down_powers_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vcpu_info_of_a_running_sibling, setup, teardown),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
