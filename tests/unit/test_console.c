/*
 * The hypervisor console (common/console.c) on a fake serial port: a
 * tagged line from a guest ("(dN) ..." from console_io, "[name] ..." from
 * the console backend) always starts a line of the serial log, even when
 * dom0 left its own line unfinished (it writes a line in pieces), so that
 * the log can be read line by line (the boot tests grep "^(dN) VERDICT").
 * Seen on -smp 2 before the fix: "waiting 4000 ms(d1) VERDICT: PASS".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <keel/console.h>

static char out[256];
static size_t out_len;

void serial_init(void) {}
void serial_putc(char c)
{
    if (out_len < sizeof(out) - 1)
        out[out_len++] = c;
    out[out_len] = 0;
}
int serial_getc(void) { return -1; }
/* Output is synchronous here (before console_endboot, as at boot). */
unsigned int serial_tx_room(void) { return 16; }
void serial_tx_byte(char c) { serial_putc(c); }
void console_tx_wanted(void) {}
void machine_halt(void) { abort(); }

static int reset(void **state)
{
    (void)state;
    out_len = 0;
    out[0] = 0;
    return 0;
}

static void test_tagged_line_starts_a_line(void **state)
{
    (void)state;
    console_guest_write("waiting 4000 ms", 15);            /* dom0, line not finished */
    console_line_write("(d1) VERDICT: PASS\n", 19);
    console_guest_write("\n", 1);
    assert_string_equal(out, "waiting 4000 ms\r\n(d1) VERDICT: PASS\r\n\r\n");
}

static void test_no_extra_newline_at_line_start(void **state)
{
    (void)state;
    console_guest_write("dom0 line\n", 10);
    console_line_write("[linux1] up\n", 12);
    console_line_write("(d2) a\n", 7);
    assert_string_equal(out, "dom0 line\r\n[linux1] up\r\n(d2) a\r\n");
}

static void test_printk_after_guest_line(void **state)
{
    (void)state;
    console_line_write("(d1) part", 9);                      /* a chunk without its newline */
    printk("x\n");
    assert_string_equal(out, "(d1) partx\r\n");              /* printk continues the line, as before */
    out_len = 0;
    printk("y\n");
    assert_string_equal(out, "(KEEL) y\r\n");
}

/*
 * The message history ring (XEN_SYSCTL_readconsole): printk lines as
 * printed with their "(KEEL) " tag and without CRs; guest output is not
 * kept (Xen without console_to_ring); once more than CONRING_SIZE bytes
 * were printed the oldest go, and a reader whose index was overwritten
 * goes on from the oldest byte kept.
 */
static void test_history_ring(void **state)
{
    char line[200];
    char buf[64];
    uint32_t c, p, first;
    size_t n;
    int i;

    (void)state;
    console_ring_span(false, 0, &c, &p);
    console_ring_clear(p);                  /* what earlier tests printed */
    console_ring_span(false, 0, &first, &p);
    assert_int_equal(first, p);
    printk("hello %d\n", 7);
    console_guest_write("guest bytes\n", 12);
    console_ring_span(false, 0, &c, &p);
    assert_int_equal(p - c, 15);
    n = console_ring_copy(&c, p, buf, sizeof(buf));
    assert_int_equal(n, 15);
    assert_memory_equal(buf, "(KEEL) hello 7\n", 15);
    assert_int_equal(c, p);

    /* Overflow: a reader still at first is moved on to the oldest kept. */
    memset(line, 'x', sizeof(line) - 2);
    line[sizeof(line) - 2] = '\n';
    line[sizeof(line) - 1] = 0;
    for (i = 0; i < 100; i++)               /* 100 * 206 bytes > CONRING_SIZE */
        printk("%s", line);
    console_ring_span(true, first + 1, &c, &p);
    assert_int_equal(p - c, CONRING_SIZE);  /* first + 1 is gone: the oldest kept */
    c = first + 1;
    n = console_ring_copy(&c, p, buf, 8);
    assert_int_equal(n, 8);
    assert_int_equal(c, p - CONRING_SIZE + 8);
    console_ring_clear(c);
    console_ring_span(false, 0, &c, &p);
    assert_int_equal(p - c, CONRING_SIZE - 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_history_ring, reset),
        cmocka_unit_test_setup(test_tagged_line_starts_a_line, reset),
        cmocka_unit_test_setup(test_no_extra_newline_at_line_start, reset),
        cmocka_unit_test_setup(test_printk_after_guest_line, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
