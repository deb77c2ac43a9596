/*
 * printk and the hypervisor console.
 *
 * Output goes through a transmit ring (TX_RING_SIZE bytes, Xen's default
 * serial transmit buffer): writers put their bytes in the ring and push
 * to the UART only what it takes at once (its FIFO once empty), never
 * waiting for it, so no path holds a lock for the UART's time (issue 11,
 * defect 4: a domU's console ring of newlines used to cost about 2.3 s of
 * UART time under the hypervisor lock at 115200 baud).  The rest leaves
 * as the UART drains: at the next write, or from the timer path
 * (console_tx_poll, every CONSOLE_TX_POLL_NS while bytes wait, the time
 * the UART's FIFO takes at 115200 baud, as Xen's polled ns16550).  When
 * the ring is full, bytes are dropped and counted, and a "[N bytes
 * dropped]" line marks the gap once there is room again.
 *
 * Until console_endboot() (and always with `sync_console` on Keel's
 * command line, Xen's option), and again from console_start_sync() on
 * (panic, power-off), output is synchronous: each byte waits for the UART,
 * so boot messages and last words are never lost.
 *
 * Locking: console_lock protects the ring, the line state and the drop
 * count, so that lines from different CPUs do not interleave.
 */
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/spinlock.h>

void serial_init(void);
void serial_putc(char c);
unsigned int serial_tx_room(void);
void serial_tx_byte(char c);
int serial_getc(void);
__noreturn void machine_halt(void);

#define TX_RING_SIZE 16384u           /* a power of two */
#define TX_MARKER_ROOM 48u            /* kept free for the drop marker */

int console_loglevel = LOG_INFO;
static spinlock_t console_lock = SPIN_LOCK_UNLOCKED;
static bool at_line_start = true;
static bool sync_mode = true;         /* every byte waits for the UART */
static char tx_ring[TX_RING_SIZE];
static uint32_t tx_prod, tx_cons;     /* free-running; console_lock */
static uint64_t tx_dropped;           /* since the last marker */
/*
 * The history ring of hypervisor messages (Xen's conring, read by
 * XEN_SYSCTL_readconsole for `keel dmesg` / `xl dmesg`): every "(KEEL)"
 * line as printed, without the CRs.  As Xen without console_to_ring,
 * guest console output is not kept.  Free-running indices; once it is
 * full the oldest bytes go (conring_cons follows conring_prod).
 */
static char conring[CONRING_SIZE];
static uint32_t conring_prod, conring_cons;   /* console_lock */

void console_init(void)
{
    serial_init();
}

void console_set_loglevel(int lvl)
{
    console_loglevel = lvl;
}

static uint32_t tx_used(void)
{
    return tx_prod - tx_cons;
}

/* Bytes this hold may still hand the UART (see tx_push); a plain store
 * from hv_lock() refills it (console_tx_budget_reset, keel/console.h). */
unsigned int console_tx_budget = CONSOLE_TX_PUSH_MAX;

/* Hand the UART what it takes now, without waiting: a FIFO's worth
 * each time it reports empty, and at most CONSOLE_TX_PUSH_MAX bytes in
 * one hold of the hypervisor lock.  A real 16550 takes 16 bytes and is
 * busy for 1.4 ms; an emulated one reports empty again at once, so
 * without the bound the bytes written in one hold all went out in it,
 * each an exit to the emulator: the 7-10 ms holds of boot-dos's
 * console-ring attack under TCG (issue 11, defect 6).  What is left goes
 * at the next hold's write or poll.  console_lock held. */
static void tx_push(void)
{
    unsigned int room, budget = __atomic_load_n(&console_tx_budget, __ATOMIC_RELAXED);

    while (budget && tx_cons != tx_prod && (room = serial_tx_room()))
        for (; room && budget && tx_cons != tx_prod; room--, budget--)
            serial_tx_byte(tx_ring[tx_cons++ % TX_RING_SIZE]);
    __atomic_store_n(&console_tx_budget, budget, __ATOMIC_RELAXED);
}

static void tx_store(const char *s, size_t n)
{
    while (n--)
        tx_ring[tx_prod++ % TX_RING_SIZE] = *s++;
}

/* One byte of output (console_lock held). */
static void tx_put(char c)
{
    char mark[TX_MARKER_ROOM];

    if (sync_mode) {
        serial_putc(c);
        return;
    }
    if (tx_used() >= TX_RING_SIZE - TX_MARKER_ROOM) {
        tx_dropped++;
        return;
    }
    if (tx_dropped) {
        int m = snprintf(mark, sizeof(mark), "\r\n[%lu bytes dropped]\r\n", tx_dropped);
        tx_store(mark, (size_t)MIN(m, (int)sizeof(mark) - 1));
        tx_dropped = 0;
    }
    tx_store(&c, 1);
}

/* After a write: push what the UART takes; if bytes are left, make sure
 * the timer path comes back for them (console_lock held). */
static void tx_kick(void)
{
    if (sync_mode)
        return;
    tx_push();
    if (tx_prod != tx_cons)
        console_tx_wanted();
}

/* A byte of output, newline as CR LF (console_lock held). */
static void out_char(char c)
{
    if (c == '\n')
        tx_put('\r');
    tx_put(c);
}

static void out_bytes(const char *s, size_t n)
{
    while (n--)
        out_char(*s++);
}

void console_putc(char c)
{
    spin_lock(&console_lock);
    out_char(c);
    tx_kick();
    spin_unlock(&console_lock);
}

void console_write(const char *s, size_t n)
{
    spin_lock(&console_lock);
    out_bytes(s, n);
    tx_kick();
    spin_unlock(&console_lock);
}

void console_guest_write(const char *s, size_t n)
{
    spin_lock(&console_lock);
    out_bytes(s, n);
    if (n)
        at_line_start = s[n - 1] == '\n';
    tx_kick();
    spin_unlock(&console_lock);
}

void console_line_write(const char *s, size_t n)
{
    spin_lock(&console_lock);
    if (!at_line_start)
        out_char('\n');
    out_bytes(s, n);
    at_line_start = n ? s[n - 1] == '\n' : true;
    tx_kick();
    spin_unlock(&console_lock);
}

bool console_guest_room(size_t n)
{
    /* Unlocked read: a hint; tx_put() still drops what does not fit.
     * (A drop marker may fill the ring past TX_RING_SIZE - TX_MARKER_ROOM.) */
    return sync_mode || (uint64_t)tx_used() + n + TX_MARKER_ROOM + TX_RING_SIZE / 2 <= TX_RING_SIZE;
}

bool console_tx_poll(void)
{
    bool left;

    spin_lock(&console_lock);
    tx_push();
    left = tx_prod != tx_cons;
    spin_unlock(&console_lock);
    return left;
}

/* Write out the ring, waiting for the UART (console_lock held). */
static void tx_flush_sync(void)
{
    while (tx_cons != tx_prod)
        serial_putc(tx_ring[tx_cons++ % TX_RING_SIZE]);
}

void console_endboot(bool sync_console)
{
    spin_lock(&console_lock);
    sync_mode = sync_console;
    spin_unlock(&console_lock);
}

void console_start_sync(void)
{
    spin_lock(&console_lock);
    sync_mode = true;
    tx_flush_sync();
    spin_unlock(&console_lock);
}

int console_getc(void)
{
    return serial_getc();
}

static void conring_put(char c)
{
    conring[conring_prod++ % CONRING_SIZE] = c;
    if (conring_prod - conring_cons > CONRING_SIZE)
        conring_cons = conring_prod - CONRING_SIZE;
}

static void conring_puts(const char *s, size_t n)
{
    while (n--)
        conring_put(*s++);
}

void console_ring_span(bool incremental, uint32_t index, uint32_t *start, uint32_t *end)
{
    uint32_t c, p;

    spin_lock(&console_lock);
    c = conring_cons;
    p = conring_prod;
    spin_unlock(&console_lock);
    /* Xen's read_console_ring: a reader's index counts if it is still in (c, p]. */
    if (incremental && index - c - 1 < p - c)
        c = index;
    *start = c;
    *end = p;
}

size_t console_ring_copy(uint32_t *from, uint32_t end, char *buf, size_t n)
{
    size_t done = 0;
    uint32_t c;

    spin_lock(&console_lock);
    c = *from;
    /* Bytes overwritten since the span was taken: go on from the oldest kept. */
    if (conring_prod - c > CONRING_SIZE)
        c = conring_cons;
    while (c != end && done < n && conring_prod - c <= CONRING_SIZE)
        buf[done++] = conring[c++ % CONRING_SIZE];
    spin_unlock(&console_lock);
    *from = c;
    return done;
}

void console_ring_clear(uint32_t upto)
{
    spin_lock(&console_lock);
    /* As Xen: what was read goes; never past what is still kept. */
    if (conring_prod - upto <= CONRING_SIZE && upto - conring_cons <= CONRING_SIZE)
        conring_cons = upto;
    spin_unlock(&console_lock);
}

static void vprintk(int lvl, const char *fmt, va_list ap)
{
    char buf[512];
    int n;
    const char *p;

    if (lvl > console_loglevel)
        return;
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    spin_lock(&console_lock);
    for (p = buf; p < buf + n; p++) {
        if (at_line_start) {
            out_bytes("(KEEL) ", 7);
            conring_puts("(KEEL) ", 7);
        }
        out_char(*p);
        conring_put(*p);
        at_line_start = *p == '\n';
    }
    tx_kick();
    spin_unlock(&console_lock);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(LOG_INFO, fmt, ap);
    va_end(ap);
}

void printk_lvl(int lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(lvl, fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;

    console_start_sync();       /* what waits in the ring, then the panic itself */
    va_start(ap, fmt);
    printk_lvl(LOG_ERR, "PANIC: ");
    vprintk(LOG_ERR, fmt, ap);
    printk_lvl(LOG_ERR, "\n");
    va_end(ap);
    machine_halt();
    __builtin_unreachable();
}
