/*
 * Unit tests for hypervisor/common/domain_life.c: the lifetime of a
 * domain created at run time (docs/hypervisor.md, "Domain lifetime"),
 * as Xen 4.17's domain_kill / domain_destroy: destroyed (dying) only by
 * the control domain, torn down once, its frames given up preemptibly,
 * still listed while any frame of it is referenced from elsewhere, freed
 * at a safe point once the last one goes, VIRQ_DOM_EXC to dom0 at each
 * step.  The teardown, the frame table and the scheduler are fakes here
 * (counted); the real ones are exercised by tests/boot/run-domctl.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/pv_mm.h>
#include <keel/sched.h>

static struct fake_domain f0, f3;
static struct domain *d0, *d3;

/* Fakes of what domain_life.c drives. */
static unsigned int teardowns, relinquish_calls, relinquish_rounds_left, frees;
static uint64_t frames_referenced;
static bool loaded;
static struct domain *freed;

void domain_teardown(struct domain *d)
{
    (void)d;
    teardowns++;
}

bool pv_relinquish_some(struct domain *d, uint64_t *pos)
{
    (void)d;
    relinquish_calls++;
    (*pos)++;
    if (relinquish_rounds_left) {
        relinquish_rounds_left--;
        return false;
    }
    return true;
}

uint64_t pv_count_frames(const struct domain *d)
{
    (void)d;
    return frames_referenced;
}

bool sched_domain_loaded(const struct domain *d)
{
    (void)d;
    return loaded;
}

void resched_domain(struct domain *d)
{
    (void)d;
}

void domain_free(struct domain *d)
{
    frees++;
    freed = d;
    fake_domain_fini(&f3);    /* unlinks it, as the real one does */
}

static int setup(void **state)
{
    (void)state;
    fake_domains_reset();
    fake_domain_init(&f0, 0, 1, true);
    fake_domain_init(&f3, 3, 2, false);
    d0 = &f0.d;
    d3 = &f3.d;
    d3->runtime = true;
    d3->gt = NULL;
    fake_cpu_info.curr = &f0.v[0];
    teardowns = relinquish_calls = relinquish_rounds_left = frees = 0;
    frames_referenced = 0;
    loaded = false;
    freed = NULL;
    fake_global_virqs = 0;
    f3.v[1].online = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&f0);
    fake_domain_fini(&f3);
    return 0;
}

static void test_kill_running_waits_until_unloaded(void **state)
{
    (void)state;
    loaded = true;                         /* a CPU still runs one of its vCPUs */
    assert_int_equal(domain_kill(d3), -XEN_ERESTART);
    assert_int_equal(d3->state, DOM_DYING);
    assert_false(f3.v[0].online);
    assert_false(f3.v[1].online);
    assert_int_equal(teardowns, 0);       /* not while it may still run */
    assert_int_equal(domain_kill(d3), -XEN_ERESTART);
    loaded = false;
    assert_int_equal(domain_kill(d3), 0);
    assert_int_equal(teardowns, 1);
    assert_true(d3->dead);                 /* nothing referenced: gone next */
    assert_int_equal(fake_global_virqs, 1);
    domain_reap_pending();
    assert_int_equal(frees, 1);
    assert_ptr_equal(freed, d3);
    assert_int_equal(fake_global_virqs, 2);
    assert_null(domain_lookup(3));
}

static void test_teardown_preemptible_and_once(void **state)
{
    (void)state;
    relinquish_rounds_left = 3;
    assert_int_equal(domain_kill(d3), -XEN_ERESTART);
    assert_int_equal(domain_kill(d3), -XEN_ERESTART);
    assert_int_equal(domain_kill(d3), -XEN_ERESTART);
    assert_int_equal(fake_global_virqs, 0);
    frames_referenced = 2;
    assert_int_equal(domain_kill(d3), 0);
    assert_int_equal(teardowns, 1);        /* once, however often continued */
    assert_int_equal(relinquish_calls, 4);
    assert_int_equal(d3->kill_pos, 4);
    assert_int_equal(d3->frames_left, 2);
    assert_int_equal(d3->tot_pages, 2);
    assert_false(d3->dead);
    assert_int_equal(fake_global_virqs, 1);
    /* Destroying a dying domain again: 0, nothing done again (Xen). */
    assert_int_equal(domain_kill(d3), 0);
    assert_int_equal(teardowns, 1);
    assert_int_equal(relinquish_calls, 4);
}

static void test_dying_until_last_frame(void **state)
{
    (void)state;
    d3->state = DOM_SHUTDOWN;              /* shut down, kept until destroyed */
    d3->shut_down = true;
    frames_referenced = 3;                 /* e.g. still mapped by dom0 */
    assert_int_equal(domain_kill(d3), 0);
    domain_reap_pending();
    assert_int_equal(frees, 0);            /* not freed */
    assert_non_null(domain_lookup(3));
    /* Frames of other owners, or freed before counting, do not count. */
    domain_frame_released(0);
    domain_frame_released(7);
    assert_int_equal(d3->frames_left, 3);
    domain_frame_released(3);
    domain_frame_released(3);
    assert_int_equal(d3->frames_left, 1);
    assert_false(d3->dead);
    domain_reap_pending();
    assert_int_equal(frees, 0);
    domain_frame_released(3);              /* the last one: dom0 unmapped it */
    assert_true(d3->dead);
    assert_int_equal(frees, 0);            /* not under mm_lock: at a safe point */
    domain_frame_released(3);              /* a stray extra count changes nothing */
    domain_reap_pending();
    assert_int_equal(frees, 1);
    assert_int_equal(fake_global_virqs, 2);   /* dying, gone */
}

static void test_grant_table_pins_keep_it(void **state)
{
    static struct grant_table *busy = (struct grant_table *)&busy;

    (void)state;
    d3->gt = busy;                         /* another domain still pins a grant */
    assert_int_equal(domain_kill(d3), 0);
    assert_false(d3->dead);
    d3->gt = NULL;                         /* the last pin went: table freed */
    domain_gnttab_released(d3);
    assert_true(d3->dead);
    domain_reap_pending();
    assert_int_equal(frees, 1);
}

static void test_boot_domains_not_counted(void **state)
{
    (void)state;
    d3->runtime = false;                   /* built at boot: reaped the old way */
    d3->state = DOM_DYING;
    d3->frames_left = 2;
    domain_frame_released(3);
    assert_int_equal(d3->frames_left, 2);
    domain_gnttab_released(d3);
    assert_false(d3->dead);
}

static void test_not_freed_while_loaded(void **state)
{
    (void)state;
    assert_int_equal(domain_kill(d3), 0);
    assert_true(d3->dead);
    loaded = true;                         /* (cannot happen after teardown; kept safe) */
    domain_reap_pending();
    assert_int_equal(frees, 0);
    loaded = false;
    domain_reap_pending();
    assert_int_equal(frees, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kill_running_waits_until_unloaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_teardown_preemptible_and_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dying_until_last_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grant_table_pins_keep_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boot_domains_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_freed_while_loaded, setup, teardown),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
