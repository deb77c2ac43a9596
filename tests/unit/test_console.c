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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tagged_line_starts_a_line, reset),
        cmocka_unit_test_setup(test_no_extra_newline_at_line_start, reset),
        cmocka_unit_test_setup(test_printk_after_guest_line, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
