/* The hypervisor console: printk to COM1 with log levels (loglvl=). */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H
#include <keel/types.h>

enum loglevel { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void console_init(void);
void console_set_loglevel(int lvl);
void console_putc(char c);
void console_write(const char *s, size_t n);
/*
 * CONSOLEIO_write from an unprivileged domain (common/console_io.c): a
 * byte budget of CONSOLE_DOMU_BURST that refills at CONSOLE_DOMU_RATE
 * bytes a second; output over it is dropped and counted
 * (docs/security.md, class 4).
 */
#define CONSOLE_DOMU_BURST (64u << 10)
#define CONSOLE_DOMU_RATE (8u << 10)
/* Raw bytes from a guest (console_io write): written as is. */
void console_guest_write(const char *s, size_t n);
/*
 * Write output that begins a tagged line ("(dN) ..." or "[name] ..."):
 * if the console is in the middle of another writer's line (dom0 writes
 * a line in several pieces), end that line first, so that a tagged line
 * always starts at the beginning of a line of the serial log.
 */
void console_line_write(const char *s, size_t n);
/*
 * Output is buffered (common/console.c): writers never wait for the UART
 * once the boot is over.  The timer path calls console_tx_poll() (which
 * returns true while bytes still wait; then again CONSOLE_TX_POLL_NS
 * later); console_tx_wanted() is the console asking for that (timer.c).
 */
#define CONSOLE_TX_POLL_NS 1000000UL
/* Bytes handed to the UART in one hold of the hypervisor lock at most (a
 * real 16550 takes 16 at a time; an emulated one takes any number, each
 * byte an exit to the emulator): bounds the time a hold spends on the
 * UART.  hv_lock() refills the budget with console_tx_budget_reset(). */
#define CONSOLE_TX_PUSH_MAX 512u
extern unsigned int console_tx_budget;
static inline void console_tx_budget_reset(void)
{
    __atomic_store_n(&console_tx_budget, CONSOLE_TX_PUSH_MAX, __ATOMIC_RELAXED);
}
bool console_tx_poll(void);
void console_tx_wanted(void);
/* Room for n more bytes of guest output, leaving half of the buffer to
 * the hypervisor and dom0 (the console backend waits otherwise). */
bool console_guest_room(size_t n);
/* Boot done: buffered output from now on, unless sync_console. */
void console_endboot(bool sync_console);
/* Synchronous output from now on (panic, power-off): what waits in the
 * buffer is written first, waiting for the UART. */
void console_start_sync(void);
/*
 * The history ring of hypervisor messages (XEN_SYSCTL_readconsole, `keel
 * dmesg`), Xen's conring: CONRING_SIZE bytes, free-running indices.
 * console_ring_span(): where a reader starts (its index if incremental
 * and still kept, else the oldest byte) and the end now.
 * console_ring_copy(): up to n bytes from *from towards end into buf;
 * *from advances (and skips bytes overwritten meanwhile); returns how many.
 * console_ring_clear(): drop the bytes before upto (`dmesg -c`).
 */
#define CONRING_SIZE 16384u
void console_ring_span(bool incremental, uint32_t index, uint32_t *start, uint32_t *end);
size_t console_ring_copy(uint32_t *from, uint32_t end, char *buf, size_t n);
void console_ring_clear(uint32_t upto);
/* Read one byte of serial input, or -1 if none is waiting. */
int console_getc(void);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void printk_lvl(int lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Guest-caused events, at debug level: the level is tested inline, so a
 * bounce or a refused hypercall pays no call and no argument set-up when
 * debug output is off (issue 16, the hot path). */
extern int console_loglevel;
#define gdprintk(...)                                                   \
    do {                                                                \
        if (__builtin_expect(console_loglevel >= LOG_DEBUG, 0))         \
            printk_lvl(LOG_DEBUG, __VA_ARGS__);                         \
    } while (0)

__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define BUG_ON(c) do { if (unlikely(c)) panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); } while (0)
#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
/* ASSERT: a debug check of the hypervisor's own invariant (never of
 * guest input).  ASSERT_UNREACHABLE: an arm the code cannot reach (as
 * Xen's); after it, the code still does something safe for NDEBUG. */
#ifdef NDEBUG
#define ASSERT(c) do { if (0 && (c)) {} } while (0)
#define ASSERT_UNREACHABLE() do { } while (0)
#else
#define ASSERT(c) BUG_ON(!(c))
#define ASSERT_UNREACHABLE() panic("unreachable code at %s:%d", __FILE__, __LINE__)
#endif
#endif
