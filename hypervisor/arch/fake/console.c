/* Fake console: printk to stderr (unless quiet); panic fails the test. */
#include <fake/fake.h>
#include <keel/console.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

jmp_buf *fake_panic_jmp;
unsigned int fake_panics;
bool fake_console_quiet = true;

void printk(const char *fmt, ...)
{
    va_list ap;

    if (fake_console_quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void printk_lvl(int lvl, const char *fmt, ...)
{
    va_list ap;

    (void)lvl;
    if (fake_console_quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;

    fake_panics++;
    va_start(ap, fmt);
    fprintf(stderr, "panic: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (fake_panic_jmp)
        longjmp(*fake_panic_jmp, 1);
    _fail(__FILE__, __LINE__);
    abort();
}

uint64_t fake_console_guest_bytes;
unsigned int fake_console_guest_writes;

char fake_console_last[2048];
size_t fake_console_last_len;

void console_line_write(const char *s, size_t n)
{
    console_guest_write(s, n);
}

void console_guest_write(const char *s, size_t n)
{
    fake_console_guest_bytes += n;
    fake_console_guest_writes++;
    fake_console_last_len = n < sizeof(fake_console_last) ? n : sizeof(fake_console_last);
    memcpy(fake_console_last, s, fake_console_last_len);
    if (!fake_console_quiet)
        fwrite(s, 1, n, stderr);
}

/* The transmit buffer of common/console.c: nothing ever waits here. */
bool console_tx_poll(void)
{
    return false;
}

bool console_guest_room(size_t n)
{
    (void)n;
    return true;
}
