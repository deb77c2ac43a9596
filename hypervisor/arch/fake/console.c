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
/* Debug output on, so that the tests run every gdprintk's arguments. */
__attribute__((weak)) int console_loglevel = LOG_DEBUG;

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

/*
 * The message history ring for sysctl tests: what fake_conring_add()
 * put there, CONRING_SIZE bytes at most, with the real ring's interface
 * (common/console.c has its own tests in test_console).
 */
static char fake_conring[CONRING_SIZE];
static uint32_t fake_conring_prod, fake_conring_cons;

void fake_conring_add(const char *s)
{
    while (*s) {
        fake_conring[fake_conring_prod++ % CONRING_SIZE] = *s++;
        if (fake_conring_prod - fake_conring_cons > CONRING_SIZE)
            fake_conring_cons = fake_conring_prod - CONRING_SIZE;
    }
}

void fake_conring_reset(void)
{
    fake_conring_prod = fake_conring_cons = 0;
}

void console_ring_span(bool incremental, uint32_t index, uint32_t *start, uint32_t *end)
{
    uint32_t c = fake_conring_cons, p = fake_conring_prod;

    if (incremental && index - c - 1 < p - c)
        c = index;
    *start = c;
    *end = p;
}

size_t console_ring_copy(uint32_t *from, uint32_t end, char *buf, size_t n)
{
    size_t done = 0;
    uint32_t c = *from;

    if (fake_conring_prod - c > CONRING_SIZE)
        c = fake_conring_cons;
    while (c != end && done < n)
        buf[done++] = fake_conring[c++ % CONRING_SIZE];
    *from = c;
    return done;
}

void console_ring_clear(uint32_t upto)
{
    fake_conring_cons = upto;
}
