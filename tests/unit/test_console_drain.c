/*
 * The hypervisor console (common/console.c) and the domU console backend
 * (common/console_backend.c) on a simulated 16550 at 115200 baud: each
 * byte takes BYTE_NS to leave; its 16-byte FIFO takes bytes only once
 * empty (THRE).  serial_putc() waits for it; the simulation counts that
 * wait as time the CPU spent under the lock (`waited`).
 *
 * Issue 11, defect 4: the backend wrote a domU's ring to the UART under
 * the hypervisor lock, waiting for every byte: a ring of 2048 newlines
 * became about 26 KB of "[name] " lines, 2.3 s of UART time in one drain.
 * Now output goes through a transmit buffer that is handed to the UART
 * only as fast as it takes it (never waiting), and each domU's drain is
 * paced by a byte budget; panic and power-off still write synchronously.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/console_backend.h>
#include <keel/pv_mm.h>
#include <public/io/console.h>

#define BYTE_NS 86806UL                  /* 10 bits at 115200 baud */
#define MS 1000000UL
#define RING_MFN 5

/* ---- the simulated UART ---- */
static uint64_t uart_free_at;            /* when the last byte written has left */
static uint64_t waited;                  /* ns spent waiting in serial_putc */
static uint64_t uart_bytes, overruns, lsr_reads;
static bool uart_stalled;                /* the far end holds the line (no drain) */
static bool uart_instant;                /* takes every byte at once (QEMU's 16550) */
static char log_buf[1 << 20];
static size_t log_len;

static uint64_t cpu_now(void)
{
    return fake_now + waited;
}

static bool thre(void)
{
    if (uart_instant)
        return true;
    return !uart_stalled && uart_free_at <= cpu_now();
}

static void uart_write(char c)
{
    uint64_t t = cpu_now();

    if (uart_instant) {
        uart_bytes++;
        if (log_len < sizeof(log_buf) - 1)
            log_buf[log_len++] = c;
        log_buf[log_len] = 0;
        return;
    }
    if (uart_stalled || (uart_free_at > t && (uart_free_at - t) / BYTE_NS >= 16))
        overruns++;
    uart_free_at = (uart_free_at > t ? uart_free_at : t) + BYTE_NS;
    uart_bytes++;
    if (log_len < sizeof(log_buf) - 1)
        log_buf[log_len++] = c;
    log_buf[log_len] = 0;
}

void serial_init(void) {}
int serial_getc(void) { return -1; }
unsigned int serial_tx_room(void)
{
    lsr_reads++;
    return thre() ? 16 : 0;
}
void serial_tx_byte(char c) { uart_write(c); }
void serial_putc(char c)
{
    if (uart_stalled)
        fail_msg("serial_putc waits forever on a stalled UART");
    if (!thre())
        waited += uart_free_at - cpu_now();
    uart_write(c);
}
void machine_halt(void) { abort(); }

/* ---- around the backend ---- */
static unsigned int tx_wanted;
void console_tx_wanted(void) { tx_wanted++; }
void evtchn_notify_port(struct domain *d, uint32_t port) { (void)d; (void)port; }
void send_guest_global_virq(struct domain *d, unsigned int virq) { (void)d; (void)virq; }
int get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type)
{
    (void)mfn; (void)d; (void)type;
    return 0;
}
void put_page_and_type(mfn_t mfn, struct domain *d) { (void)mfn; (void)d; }
void mm_lock_acquire(void) {}
void mm_lock_release(void) {}

static struct fake_domain fd;
static struct xencons_interface *ring;

static int setup(void **state)
{
    (void)state;
    fake_mm_reset();
    fake_domains_reset();
    fake_domain_init(&fd, 1, 1, false);
    snprintf(fd.d.name, sizeof(fd.d.name), "flood");
    fake_now = 1000 * MS;
    uart_free_at = waited = uart_bytes = overruns = lsr_reads = 0;
    uart_stalled = uart_instant = false;
    log_len = 0;
    log_buf[0] = 0;
    tx_wanted = 0;
    ring = mfn_to_virt(_mfn(RING_MFN));
    memset(ring, 0, sizeof(*ring));
    assert_int_equal(cons_backend_attach(&fd.d, _mfn(RING_MFN), 3), 0);
    console_endboot(false);             /* buffered, as after boot */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cons_backend_detach(&fd.d);
    console_start_sync();               /* leave the buffer empty */
    fake_domain_fini(&fd);
    return 0;
}

/* The guest puts as many newlines as fit in its ring. */
static unsigned int guest_fill_newlines(void)
{
    unsigned int n = 0;

    while (ring->out_prod - ring->out_cons < sizeof(ring->out)) {
        ring->out[ring->out_prod % sizeof(ring->out)] = '\n';
        ring->out_prod++;
        n++;
    }
    return n;
}

static void guest_say(const char *s)
{
    while (*s) {
        assert_true(ring->out_prod - ring->out_cons < sizeof(ring->out));
        ring->out[ring->out_prod++ % sizeof(ring->out)] = *s++;
    }
}

/* Advance time to `until`, as the timer path would: the console's
 * transmit poll every ms while bytes wait, the backend poll every 20 ms. */
static void run_until(uint64_t until, bool flood)
{
    uint64_t next_poll = fake_now;

    while (fake_now < until) {
        fake_now += MS;
        console_tx_budget_reset();          /* each timer interrupt: a new hold */
        console_tx_poll();
        if (fake_now >= next_poll) {
            console_tx_budget_reset();
            cons_backend_poll();
            next_poll = fake_now + 20 * MS;
            if (flood)
                guest_fill_newlines();
        }
    }
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    const char *p = hay;

    while ((p = strstr(p, needle))) {
        n++;
        p += l;
    }
    return n;
}

/*
 * One drain of a ring full of newlines: no waiting for the UART, at most
 * its FIFO handed over, at most the budget's worth of lines taken from
 * the ring (the rest stays there for later).  Before the fix: 2048 lines,
 * 26 KB and about 2.3 s waited in this one call.
 */
static void test_newline_flood_one_drain_bounded(void **state)
{
    uint64_t bytes0;

    (void)state;
    assert_int_equal(guest_fill_newlines(), sizeof(ring->out));
    bytes0 = uart_bytes;
    cons_backend_poll();
    print_message("one drain: %lu bytes to the UART, %lu us waited, %u of %zu ring bytes taken\n",
                  (unsigned long)(uart_bytes - bytes0), (unsigned long)(waited / 1000),
                  ring->out_cons, sizeof(ring->out));
    assert_int_equal(waited, 0);
    assert_in_range(uart_bytes - bytes0, 1, 16);
    assert_int_equal(overruns, 0);
    assert_true(ring->out_cons < sizeof(ring->out));
    assert_true(ring->out_cons * 9 <= (4u << 10));   /* "[flood] \n" a line */
    assert_true(tx_wanted > 0);          /* the timer path will come back */
}

/*
 * A guest that keeps its ring full of newlines for 10 s: its lines reach
 * the log at the backend's rate (16 KiB/s after a 4 KiB burst), the UART
 * is never waited for nor overrun, and the hypervisor's own lines written
 * meanwhile all arrive, in order.
 */
static void test_flood_paced_and_others_intact(void **state)
{
    char line[64];
    size_t lines;
    unsigned int i;

    (void)state;
    for (i = 0; i < 100; i++) {
        guest_fill_newlines();
        run_until(fake_now + 100 * MS, true);
        printk("tick %u\n", i);
    }
    run_until(fake_now + 2000 * MS, false);     /* the buffer empties */
    lines = count(log_buf, "[flood] \r\n");
    print_message("10 s of flood: %zu lines (%zu bytes), %lu us waited\n", lines,
                  lines * 10, (unsigned long)(waited / 1000));
    assert_int_equal(waited, 0);
    assert_int_equal(overruns, 0);
    assert_true(lines * 10 <= 12 * (16u << 10) + (4u << 10));
    /* Paced by the UART itself (11,520 bytes a second, half the buffer
     * kept for the hypervisor) more than by the budget. */
    assert_true(lines * 10 >= 5 * (16u << 10));
    for (i = 0; i < 100; i++) {
        snprintf(line, sizeof(line), "(KEEL) tick %u\r\n", i);
        assert_non_null(strstr(log_buf, line));
    }
    assert_null(strstr(log_buf, "dropped"));
}

/*
 * An emulated UART that takes every byte at once (QEMU's 16550 reports
 * its FIFO empty after every byte; under TCG each of those port accesses
 * is an exit to QEMU): one hold of the hypervisor lock (each call here
 * is one) still hands it at most CONSOLE_TX_PUSH_MAX bytes, and the rest
 * leaves on later polls, none lost.  Before: a drain (EVTCHNOP_send on
 * the console port) pushed the whole transmit buffer, about 4 KiB of "[flood] " lines and their CRs,
 * in one hold (boot-dos: the 7-10 ms hold after an event_channel_op).
 */
static void test_instant_uart_push_bounded(void **state)
{
    uint64_t bytes0, most = 0;
    unsigned int i;
    size_t lines;

    (void)state;
    uart_instant = true;
    for (i = 0; i < 50; i++) {
        guest_fill_newlines();
        bytes0 = uart_bytes;
        console_tx_budget_reset();          /* each call is a hold of its own */
        cons_backend_notify(&fd.d);
        most = MAX(most, uart_bytes - bytes0);
        bytes0 = uart_bytes;
        fake_now += MS;
        console_tx_budget_reset();
        console_tx_poll();
        most = MAX(most, uart_bytes - bytes0);
        bytes0 = uart_bytes;
        console_tx_budget_reset();
        printk("tick %u\n", i);
        most = MAX(most, uart_bytes - bytes0);
    }
    print_message("instant UART: at most %lu bytes per hold (bound %u)\n",
                  (unsigned long)most, CONSOLE_TX_PUSH_MAX);
    assert_true(most <= CONSOLE_TX_PUSH_MAX);
    run_until(fake_now + 2000 * MS, false);
    lines = count(log_buf, "[flood] \r\n");
    assert_true(ring->out_cons > 0);
    assert_int_equal(lines, ring->out_cons);          /* a line per newline taken */
    for (i = 0; i < 50; i++) {
        char line[32];
        snprintf(line, sizeof(line), "(KEEL) tick %u\r\n", i);
        assert_non_null(strstr(log_buf, line));
    }
    assert_null(strstr(log_buf, "dropped"));
}

/* A guest's ordinary lines come out whole and in order. */
static void test_guest_lines_intact(void **state)
{
    (void)state;
    guest_say("hello\nVERDICT: PASS\n");
    cons_backend_notify(&fd.d);
    run_until(fake_now + 50 * MS, false);
    assert_string_equal(log_buf, "[flood] hello\r\n[flood] VERDICT: PASS\r\n");
    assert_int_equal(waited, 0);
}

/*
 * When the UART cannot keep up, the buffer fills and bytes are dropped,
 * never waited for; the gap is marked with the count once there is room.
 */
static void test_full_buffer_drops_with_marker(void **state)
{
    char big[400];
    unsigned int i;
    const char *m;
    unsigned long n;

    (void)state;
    uart_stalled = true;
    memset(big, 'x', sizeof(big) - 2);
    big[sizeof(big) - 2] = '\n';
    big[sizeof(big) - 1] = 0;
    for (i = 0; i < 100; i++)                   /* 40 KB, more than the buffer */
        console_guest_write(big, strlen(big));
    assert_int_equal(waited, 0);
    assert_false(console_guest_room(1));        /* the backend would wait */
    uart_stalled = false;
    run_until(fake_now + 3000 * MS, false);
    printk("after\n");
    run_until(fake_now + 100 * MS, false);
    m = strstr(log_buf, " bytes dropped]\r\n");
    assert_non_null(m);
    while (m > log_buf && m[-1] != '[')
        m--;
    n = strtoul(m, NULL, 10);
    print_message("dropped %lu of %u bytes\n", n, 100 * 400);
    /* Each write is 400 bytes once its newline is CR LF: what is in the
     * log before the marker plus the count is all of it. */
    assert_int_equal((size_t)(m - 3 - log_buf) + n, 100 * 400);
    assert_true(n > 0);
    assert_non_null(strstr(log_buf, "(KEEL) after\r\n"));
    assert_int_equal(overruns, 0);
}

/* Panic and power-off: what waits is written out, waiting for the UART,
 * and so is everything after. */
static void test_start_sync_flushes(void **state)
{
    (void)state;
    printk("queued line one\n");
    printk("queued line two\n");
    assert_null(strstr(log_buf, "two"));        /* still in the buffer */
    console_start_sync();
    assert_non_null(strstr(log_buf, "(KEEL) queued line two\r\n"));
    printk("last words\n");
    assert_non_null(strstr(log_buf, "(KEEL) last words\r\n"));
    assert_true(waited > 0);
    console_endboot(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_newline_flood_one_drain_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_paced_and_others_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instant_uart_push_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_lines_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_buffer_drops_with_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_sync_flushes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
