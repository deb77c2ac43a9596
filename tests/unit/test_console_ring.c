/*
 * The backend side of the PV console ring (dom0-tools/lib/console_ring.c,
 * used by keel-consoled) against a ring the "guest" writes: output in
 * order across the wrap, at most max bytes per turn (the daemon's
 * fairness budget), input limited to the free room, and a guest that
 * writes impossible indices gets nothing copied from or into its ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "console_ring.h"

static struct xencons_interface ring;

static void guest_put(const char *s)
{
    while (*s)
        ring.out[ring.out_prod++ % sizeof(ring.out)] = *s++;
}

static int reset(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof(ring));
    return 0;
}

static void test_output_in_order_and_budget(void **state)
{
    char buf[4096];
    bool bad;
    size_t n;

    (void)state;
    ring.out_prod = ring.out_cons = 0xfffffff0u;    /* indices wrap during the test */
    guest_put("hello, ");
    guest_put("world\n");
    assert_int_equal(cons_ring_out_pending(&ring), 13);
    n = cons_ring_take_out(&ring, buf, 5, &bad);    /* a turn of 5 bytes */
    assert_false(bad);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(cons_ring_out_pending(&ring), 8);
    n = cons_ring_take_out(&ring, buf, sizeof(buf), &bad);
    assert_int_equal(n, 8);
    assert_memory_equal(buf, ", world\n", 8);
    assert_int_equal(ring.out_cons, ring.out_prod);

    /* A full ring (2048 bytes) across the array's end. */
    memset(buf, 0, sizeof(buf));
    while (ring.out_prod - ring.out_cons < sizeof(ring.out)) {
        ring.out[ring.out_prod % sizeof(ring.out)] = (char)('a' + ring.out_prod % 26);
        ring.out_prod++;
    }
    n = cons_ring_take_out(&ring, buf, sizeof(buf), &bad);
    assert_false(bad);
    assert_int_equal(n, sizeof(ring.out));
    assert_int_equal(buf[0], (char)('a' + (ring.out_prod - 2048) % 26));
    assert_int_equal(buf[2047], (char)('a' + (ring.out_prod - 1) % 26));
}

static void test_bad_output_indices(void **state)
{
    char buf[64];
    bool bad;

    (void)state;
    ring.out_cons = 100;
    ring.out_prod = 100 + sizeof(ring.out) + 1;     /* more than a ring ahead */
    assert_int_equal(cons_ring_out_pending(&ring), 0);
    assert_int_equal(cons_ring_take_out(&ring, buf, sizeof(buf), &bad), 0);
    assert_true(bad);
    assert_int_equal(ring.out_cons, ring.out_prod);  /* reset: the next output is read */
    ring.out_prod = ring.out_cons - 1;              /* producer behind the consumer */
    assert_int_equal(cons_ring_take_out(&ring, buf, sizeof(buf), &bad), 0);
    assert_true(bad);
}

static void test_input_room(void **state)
{
    char big[2000];

    (void)state;
    assert_int_equal(cons_ring_put_in(&ring, "ls\n", 3), 3);
    assert_int_equal(ring.in_prod, 3);
    assert_memory_equal(ring.in, "ls\n", 3);
    memset(big, 'x', sizeof(big));
    assert_int_equal(cons_ring_put_in(&ring, big, sizeof(big)), sizeof(ring.in) - 3);
    assert_int_equal(cons_ring_put_in(&ring, "y", 1), 0);    /* full until the guest reads */
    ring.in_cons += 10;
    assert_int_equal(cons_ring_put_in(&ring, big, sizeof(big)), 10);
    /* The guest moves in_cons past our producer: nothing is written. */
    ring.in_cons = ring.in_prod + 5;
    assert_int_equal(cons_ring_put_in(&ring, "z", 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_output_in_order_and_budget, reset),
        cmocka_unit_test_setup(test_bad_output_indices, reset),
        cmocka_unit_test_setup(test_input_room, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
