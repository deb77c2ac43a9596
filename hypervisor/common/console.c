/*
 * printk and the hypervisor console.  Locking: console_lock serialises
 * output so that lines from different CPUs do not interleave.
 */
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/spinlock.h>

void serial_init(void);
void serial_putc(char c);
int serial_getc(void);
__noreturn void machine_halt(void);

static int loglevel = LOG_INFO;
static spinlock_t console_lock = SPIN_LOCK_UNLOCKED;
static bool at_line_start = true;

void console_init(void)
{
    serial_init();
}

void console_set_loglevel(int lvl)
{
    loglevel = lvl;
}

void console_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    serial_putc(c);
}

void console_write(const char *s, size_t n)
{
    while (n--)
        console_putc(*s++);
}

void console_guest_write(const char *s, size_t n)
{
    spin_lock(&console_lock);
    console_write(s, n);
    if (n)
        at_line_start = s[n - 1] == '\n';
    spin_unlock(&console_lock);
}

void console_line_write(const char *s, size_t n)
{
    spin_lock(&console_lock);
    if (!at_line_start)
        console_putc('\n');
    console_write(s, n);
    at_line_start = n ? s[n - 1] == '\n' : true;
    spin_unlock(&console_lock);
}

int console_getc(void)
{
    return serial_getc();
}

static void vprintk(int lvl, const char *fmt, va_list ap)
{
    char buf[512];
    int n;
    const char *p;

    if (lvl > loglevel)
        return;
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    spin_lock(&console_lock);
    for (p = buf; p < buf + n; p++) {
        if (at_line_start)
            console_write("(KEEL) ", 7);
        console_putc(*p);
        at_line_start = *p == '\n';
    }
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
    va_start(ap, fmt);
    printk_lvl(LOG_ERR, "PANIC: ");
    vprintk(LOG_ERR, fmt, ap);
    printk_lvl(LOG_ERR, "\n");
    va_end(ap);
    machine_halt();
    __builtin_unreachable();
}
