/*
 * Unit tests for the locks of hypervisor/include/keel/spinlock.h: the
 * ticket spinlock (every spinlock_t) and the starvation-free test-and-set
 * lock (sflock_t, the hypervisor lock of arch/x86_64/smp.c).  Host threads
 * stand for CPUs.  Issue 11, defect 6: the test-and-set locks they
 * replace were unfair.
 *
 * The assertions are about order, never about time: a host under load
 * only makes the tests slower.
 *  - tickets are served in the order they were taken;
 *  - FIFO between threads: with the lock held, B queues, then C queues;
 *    on release B gets the lock before C (20 rounds);
 *  - no starvation: a hog thread that takes and releases the lock in a
 *    tight loop gets it at most once while a victim waits for it (the
 *    hold that may be under way when the victim takes its ticket); a
 *    test-and-set lock lets the hog take it any number of times (80 and
 *    more seen on a loaded 2-core host);
 *  - sflock: a declared starving CPU is the only one that may take the
 *    lock, even when it is free, while it renews its declaration; taking
 *    it clears the declaration; one CPU starves at a time; a declaration
 *    older than the grace is ignored (its CPU is not running);
 *  - sflock with threads: once the victim has declared itself starving,
 *    a hog re-taking the lock in a loop gets it at most twice more (the
 *    hold under way, and an attempt already past its look at the
 *    declaration; 2 was seen) before the victim has it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <cmocka.h>
#include <keel/spinlock.h>

static spinlock_t lock;

static void wait_queued(uint32_t n)
{
    while (spin_queue_length(&lock) < n)
        sched_yield();
}

static void test_tickets_in_order(void **state)
{
    uint32_t t0, t1, t2;

    (void)state;
    spin_lock_init(&lock);
    t0 = spin_take_ticket(&lock);
    t1 = spin_take_ticket(&lock);
    t2 = spin_take_ticket(&lock);
    assert_true(spin_ticket_served(&lock, t0));
    assert_false(spin_ticket_served(&lock, t1));
    assert_int_equal(spin_queue_length(&lock), 3);
    spin_unlock(&lock);
    assert_true(spin_ticket_served(&lock, t1));
    assert_false(spin_ticket_served(&lock, t2));
    spin_unlock(&lock);
    assert_true(spin_ticket_served(&lock, t2));
    spin_unlock(&lock);
    assert_int_equal(spin_queue_length(&lock), 0);
    spin_lock(&lock);                  /* free again: no wait */
    spin_unlock(&lock);
}

/* ---- FIFO between threads ---- */

static char order[3];
static volatile unsigned int nr_in;

static void *take_and_note(void *arg)
{
    spin_lock(&lock);
    order[nr_in++] = *(const char *)arg;
    spin_unlock(&lock);
    return NULL;
}

static void test_fifo(void **state)
{
    static const char b = 'B', c = 'C';
    unsigned int round;

    (void)state;
    spin_lock_init(&lock);
    for (round = 0; round < 20; round++) {
        pthread_t tb, tc;

        nr_in = 0;
        memset(order, 0, sizeof(order));
        spin_lock(&lock);
        assert_int_equal(pthread_create(&tb, NULL, take_and_note, (void *)&b), 0);
        wait_queued(2);                         /* B has its ticket */
        assert_int_equal(pthread_create(&tc, NULL, take_and_note, (void *)&c), 0);
        wait_queued(3);                         /* C has its ticket */
        spin_unlock(&lock);
        pthread_join(tb, NULL);
        pthread_join(tc, NULL);
        assert_int_equal(nr_in, 2);
        assert_memory_equal(order, "BC", 2);
    }
}

/* ---- no starvation ---- */

#define VICTIM_ROUNDS 500
static volatile bool victim_done;
static volatile uint64_t hog_takes;

static void *hog(void *arg)
{
    (void)arg;
    while (!victim_done) {
        spin_lock(&lock);
        hog_takes = hog_takes + 1;
        spin_unlock(&lock);
    }
    return NULL;
}

static void test_no_starvation(void **state)
{
    pthread_t th;
    uint64_t worst = 0;
    unsigned int i;

    (void)state;
    spin_lock_init(&lock);
    victim_done = false;
    hog_takes = 0;
    assert_int_equal(pthread_create(&th, NULL, hog, NULL), 0);
    while (!hog_takes)
        sched_yield();
    for (i = 0; i < VICTIM_ROUNDS; i++) {
        uint32_t t = spin_take_ticket(&lock);  /* spin_lock(), with a look inside */
        uint64_t before = hog_takes, got;
        while (!spin_ticket_served(&lock, t))
            __builtin_ia32_pause();
        got = hog_takes - before;
        spin_unlock(&lock);
        if (got > worst)
            worst = got;
    }
    victim_done = true;
    pthread_join(th, NULL);
    printf("  hog took the lock at most %lu times while the victim waited (%lu in all)\n",
           (unsigned long)worst, (unsigned long)hog_takes);
    assert_true(worst <= 1);
}

/* ---- the starvation-free test-and-set lock ---- */

static sflock_t sf = SFLOCK_UNLOCKED;

#define GRACE 100

static void test_sflock_rules(void **state)
{
    (void)state;
    assert_true(sflock_try(&sf, 1, 1000, GRACE));
    assert_false(sflock_try(&sf, 2, 1000, GRACE));     /* held */
    sflock_starve(&sf, 2, 1000);
    sflock_starve(&sf, 3, 1010);                /* 2 goes first: ignored */
    assert_int_equal(sf.starving, 2);
    assert_int_equal(sf.renewed, 1000);         /* 3 does not renew 2's */
    sflock_unlock(&sf);
    assert_false(sflock_try(&sf, 1, 1050, GRACE));     /* free, but 2 starves */
    assert_false(sflock_try(&sf, 3, 1050, GRACE));
    sflock_starve(&sf, 2, 1080);                /* 2 still spins: renewed */
    assert_false(sflock_try(&sf, 1, 1150, GRACE));
    assert_true(sflock_try(&sf, 2, 1160, GRACE));
    assert_int_equal(sf.starving, SFLOCK_NONE);
    sflock_unlock(&sf);
    assert_true(sflock_try(&sf, 3, 1170, GRACE));      /* anyone again */
    sflock_unlock(&sf);
    /* A declaration not renewed for the grace (its CPU is not running)
     * no longer keeps the lock free for it. */
    sflock_starve(&sf, 2, 2000);
    assert_false(sflock_try(&sf, 1, 2099, GRACE));
    assert_true(sflock_try(&sf, 1, 2100, GRACE));
    assert_int_equal(sf.starving, 2);           /* still first when it runs */
    sflock_unlock(&sf);
    assert_true(sflock_try(&sf, 2, 2200, GRACE));
    assert_int_equal(sf.starving, SFLOCK_NONE);
    sflock_unlock(&sf);
}

/* hv_lock's first attempt: the lock only when it is free and nobody
 * starves (a declaration, even an expired one, sends it to the slow path,
 * where sflock_try judges its age). */
static void test_sflock_try_free(void **state)
{
    (void)state;
    assert_true(sflock_try_free(&sf));
    assert_false(sflock_try_free(&sf));                 /* held */
    assert_false(sflock_try(&sf, 2, 1000, GRACE));
    sflock_starve(&sf, 2, 1000);
    sflock_unlock(&sf);
    assert_false(sflock_try_free(&sf));                 /* free, but 2 starves */
    assert_int_equal(sf.taken, 0);                      /* and not taken by the attempt */
    assert_true(sflock_try(&sf, 2, 1010, GRACE));
    sflock_unlock(&sf);
    assert_true(sflock_try_free(&sf));                  /* nobody starves again */
    sflock_unlock(&sf);
}

static volatile uint64_t sf_hog_takes;
static volatile bool sf_done;

static void *sf_hog(void *arg)
{
    (void)arg;
    while (!sf_done) {
        while (!sflock_try(&sf, 1, 0, ~0UL))    /* declarations never expire */
            __builtin_ia32_pause();
        sf_hog_takes = sf_hog_takes + 1;
        sflock_unlock(&sf);
    }
    return NULL;
}

static void test_sflock_no_starvation(void **state)
{
    pthread_t th;
    uint64_t worst = 0;
    unsigned int i;

    (void)state;
    sf_done = false;
    sf_hog_takes = 0;
    assert_int_equal(pthread_create(&th, NULL, sf_hog, NULL), 0);
    while (!sf_hog_takes)
        sched_yield();
    for (i = 0; i < VICTIM_ROUNDS; i++) {
        uint64_t before, got;
        sflock_starve(&sf, 2, 0);               /* as after HV_STARVE_NS */
        before = sf_hog_takes;
        while (!sflock_try(&sf, 2, 0, ~0UL))
            __builtin_ia32_pause();
        got = sf_hog_takes - before;
        sflock_unlock(&sf);
        if (got > worst)
            worst = got;
    }
    sf_done = true;
    pthread_join(th, NULL);
    printf("  sflock: hog took it at most %lu times after the victim declared (%lu in all)\n",
           (unsigned long)worst, (unsigned long)sf_hog_takes);
    assert_true(worst <= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tickets_in_order),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_no_starvation),
        cmocka_unit_test(test_sflock_rules),
        cmocka_unit_test(test_sflock_try_free),
        cmocka_unit_test(test_sflock_no_starvation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
