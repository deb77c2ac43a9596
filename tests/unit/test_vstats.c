/*
 * The interference counters' arithmetic (hypervisor/common/vstats.c):
 * runstate times add up to the time since the first entry exactly, also
 * when a vCPU moves between CPUs whose clocks disagree a little; a
 * wake-up's latency is recorded once, only for blocked -> runnable ->
 * running; the log2 histogram's buckets and percentiles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <keel/vstats.h>

static uint64_t sum4(const uint64_t t[4])
{
    return t[0] + t[1] + t[2] + t[3];
}

static void hist_total(const uint64_t *h, uint64_t *n)
{
    unsigned int i;

    *n = 0;
    for (i = 0; i < KEEL_VSTATS_HIST; i++)
        *n += h[i];
}

/* A vCPU that runs on CPU 0, is preempted, migrates to CPU 1 whose clock
 * reads 30 ns behind, blocks, wakes, runs on CPU 0 again. */
static void test_runstate_across_migrations(void **state)
{
    struct vcpu_runstate_info r = { .state = RUNSTATE_offline, .state_entry_time = 0 };
    struct vstat s = { 0 };
    uint64_t t[4], n;

    (void)state;
    vstat_runstate(&r, &s, RUNSTATE_runnable, 100);      /* VCPUOP_up */
    vstat_runstate(&r, &s, RUNSTATE_running, 200);       /* CPU 0 */
    vstat_runstate(&r, &s, RUNSTATE_runnable, 1000);     /* preempted on CPU 0 */
    vstat_runstate(&r, &s, RUNSTATE_running, 970);       /* CPU 1, 30 ns behind */
    vstat_runstate(&r, &s, RUNSTATE_blocked, 2000);      /* CPU 1 */
    vstat_runstate(&r, &s, RUNSTATE_runnable, 3000);     /* woken */
    vstat_runstate(&r, &s, RUNSTATE_running, 3500);      /* CPU 0 */
    assert_int_equal(r.time[RUNSTATE_offline], 100);
    assert_int_equal(r.time[RUNSTATE_runnable], 100 + 0 + 500);
    assert_int_equal(r.time[RUNSTATE_running], 800 + 1000);
    assert_int_equal(r.time[RUNSTATE_blocked], 1000);
    assert_int_equal(sum4(r.time), 3500);
    /* Read while running: the current spell counts, the sum is wall time. */
    vstat_runstate_now(&r, 4200, t);
    assert_int_equal(t[RUNSTATE_running], 1800 + 700);
    assert_int_equal(sum4(t), 4200);
    /* A read from a CPU whose clock is behind adds nothing, loses nothing. */
    vstat_runstate_now(&r, 3400, t);
    assert_int_equal(sum4(t), 3500);
    /* One wake-up (blocked -> running: 500 ns, bucket 8); the first run
     * (offline -> runnable -> running) and the preemption are not wake-ups. */
    hist_total(s.wake_hist, &n);
    assert_int_equal(n, 1);
    assert_int_equal(s.wake_hist[8], 1);
}

/* Many short spells on alternating CPUs with jittered clocks: the sum is
 * always the last entry time minus the first. */
static void test_runstate_sum_exact(void **state)
{
    struct vcpu_runstate_info r = { .state = RUNSTATE_offline, .state_entry_time = 1000 };
    struct vstat s = { 0 };
    uint64_t now = 1000, last = 1000;
    unsigned int i;

    (void)state;
    for (i = 0; i < 10000; i++) {
        int st = (int)(i % 3);                  /* running, runnable, blocked */
        uint64_t skew = (i % 7) * 13;           /* this CPU's clock is behind */
        now += 50 + (i % 11) * 17;
        vstat_runstate(&r, &s, st, now - skew);
        if (now - skew > last)
            last = now - skew;
        assert_int_equal(sum4(r.time), r.state_entry_time - 1000);
    }
    assert_int_equal(r.state_entry_time, last);
}

/* Paused or downed while waiting for a CPU after a wake-up: no sample. */
static void test_wake_interrupted(void **state)
{
    struct vcpu_runstate_info r = { .state = RUNSTATE_blocked };
    struct vstat s = { 0 };
    uint64_t n;

    (void)state;
    vstat_runstate(&r, &s, RUNSTATE_runnable, 10);
    vstat_runstate(&r, &s, RUNSTATE_offline, 20);       /* paused */
    vstat_runstate(&r, &s, RUNSTATE_runnable, 30);      /* unpaused */
    vstat_runstate(&r, &s, RUNSTATE_running, 40);
    hist_total(s.wake_hist, &n);
    assert_int_equal(n, 0);
    /* Woken, waits 1 ms, runs: one sample in bucket 19 (524288..1048575). */
    vstat_runstate(&r, &s, RUNSTATE_blocked, 50);
    vstat_runstate(&r, &s, RUNSTATE_runnable, 60);
    vstat_runstate(&r, &s, RUNSTATE_running, 60 + 1000000);
    hist_total(s.wake_hist, &n);
    assert_int_equal(n, 1);
    assert_int_equal(s.wake_hist[19], 1);
    assert_int_equal(s.woke_at, 0);
}

static void test_buckets(void **state)
{
    (void)state;
    assert_int_equal(vstat_bucket(0), 0);
    assert_int_equal(vstat_bucket(1), 0);
    assert_int_equal(vstat_bucket(2), 1);
    assert_int_equal(vstat_bucket(3), 1);
    assert_int_equal(vstat_bucket(4), 2);
    assert_int_equal(vstat_bucket(1023), 9);
    assert_int_equal(vstat_bucket(1024), 10);
    assert_int_equal(vstat_bucket(1ULL << 31), 31);
    assert_int_equal(vstat_bucket(UINT64_MAX), 31);
}

static void test_percentiles(void **state)
{
    uint64_t h[KEEL_VSTATS_HIST] = { 0 };
    uint64_t p50, p99, p;
    unsigned int i;

    (void)state;
    assert_int_equal(vstat_percentile(h, 50), 0);      /* no samples */
    for (i = 0; i < 90; i++)
        vstat_hist_add(h, 1000);                        /* bucket 9: 512..1023 */
    for (i = 0; i < 10; i++)
        vstat_hist_add(h, 100000);                      /* bucket 16: 65536..131071 */
    p50 = vstat_percentile(h, 50);
    p99 = vstat_percentile(h, 99);
    assert_true(p50 >= 512 && p50 < 1024);
    assert_true(p99 >= 65536 && p99 < 131072);
    /* Rank 50 of 90 in bucket 9: 512 + 512 * 50 / 90. */
    assert_int_equal(p50, 512 + 512 * 50 / 90);
    /* p90 is the last sample of bucket 9, p91 the first of bucket 16. */
    assert_true(vstat_percentile(h, 90) <= 1024);
    assert_true(vstat_percentile(h, 91) >= 65536);
    /* Monotonic in pct; 0 is the first sample's bucket; 100 (and above)
     * the last bucket's top. */
    for (p = 0, i = 0; i <= 100; i++) {
        uint64_t q = vstat_percentile(h, i);
        assert_true(q >= p);
        p = q;
    }
    assert_true(vstat_percentile(h, 0) >= 512);
    assert_int_equal(vstat_percentile(h, 100), 131072);
    assert_int_equal(vstat_percentile(h, 250), 131072);
    /* One sample of 0 ns. */
    memset(h, 0, sizeof(h));
    vstat_hist_add(h, 0);
    assert_true(vstat_percentile(h, 50) <= 2);
}

static void test_family_and_sum(void **state)
{
    struct vcpu_runstate_info r = { .state = RUNSTATE_running, .state_entry_time = 100,
                                    .time = { 10, 20, 30, 40 } };
    struct vstat s = { .preemptions = 3, .migrations = 2, .wake_hist = { [5] = 4 } };
    struct keel_vstats a, t;

    (void)state;
    assert_int_equal(vstat_family(__HYPERVISOR_mmu_update), KEEL_HCF_MMU);
    assert_int_equal(vstat_family(__HYPERVISOR_sched_op), KEEL_HCF_SCHED);
    assert_int_equal(vstat_family(__HYPERVISOR_event_channel_op), KEEL_HCF_EVTCHN);
    assert_int_equal(vstat_family(__HYPERVISOR_grant_table_op), KEEL_HCF_GRANT);
    assert_int_equal(vstat_family(__HYPERVISOR_multicall), KEEL_HCF_MULTI);
    assert_int_equal(vstat_family(63), KEEL_HCF_OTHER);
    assert_int_equal(vstat_family(1000), KEEL_HCF_OTHER);
    memset(&a, 0, sizeof(a));
    memset(&t, 0, sizeof(t));
    vstat_fill(&a, &r, &s, 150);
    assert_int_equal(a.runstate[RUNSTATE_running], 60);
    assert_int_equal(a.nr_vcpus, 1);
    vstat_sum(&t, &a);
    vstat_sum(&t, &a);
    assert_int_equal(t.nr_vcpus, 2);
    assert_int_equal(t.runstate[RUNSTATE_blocked], 60);
    assert_int_equal(t.preemptions, 6);
    assert_int_equal(t.wake_hist[5], 8);
    assert_int_equal(t.version, KEEL_VSTATS_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runstate_across_migrations),
        cmocka_unit_test(test_runstate_sum_exact),
        cmocka_unit_test(test_wake_interrupted),
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_family_and_sum),
    };
    return cmocka_run_group_tests_name("vstats", tests, NULL, NULL);
}
