/*
 * The hypervisor's small C library: string functions and a vsnprintf
 * that understands the formats printk needs (%d %i %u %x %X %p %s %c %%,
 * with 0/-/width/precision and l/ll/z/h modifiers).  No locking: pure.
 */
#include <keel/lib.h>

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c ? NULL : (char *)s;
}

struct outbuf {
    char *buf;
    size_t size, len;
};

static void out_c(struct outbuf *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_num(struct outbuf *o, uint64_t v, unsigned base, bool upper,
                    bool neg, int width, bool zero, bool left)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, pad;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    pad = width - n - (neg ? 1 : 0);
    if (!left && !zero)
        for (; pad > 0; pad--)
            out_c(o, ' ');
    if (neg)
        out_c(o, '-');
    if (!left && zero)
        for (; pad > 0; pad--)
            out_c(o, '0');
    while (n)
        out_c(o, tmp[--n]);
    for (; left && pad > 0; pad--)
        out_c(o, ' ');
}

static void out_str(struct outbuf *o, const char *s, int width, int prec, bool left)
{
    size_t n;
    int pad;

    if (!s)
        s = "(null)";
    n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
    pad = width - (int)n;
    for (; !left && pad > 0; pad--)
        out_c(o, ' ');
    while (n--)
        out_c(o, *s++);
    for (; left && pad > 0; pad--)
        out_c(o, ' ');
}

/* One conversion's flags, width, precision and length (l/ll/z count). */
struct fmt_spec {
    bool zero, left, alt;
    int width, prec, lng;
};

/*
 * vsnprintf in phases: parse_spec reads a conversion's flags, width,
 * precision and length modifiers (taking `*` arguments from ap) and
 * returns the conversion character's position; format_conv prints it.
 * ap travels by pointer (a va_copy, as C requires for passing it on).
 */
static const char *parse_spec(const char *fmt, va_list *ap, struct fmt_spec *sp)
{
    for (;; fmt++) {
        if (*fmt == '0')
            sp->zero = true;
        else if (*fmt == '-')
            sp->left = true;
        else if (*fmt == '#')
            sp->alt = true;
        else
            break;
    }
    if (*fmt == '*') {
        sp->width = va_arg(*ap, int);
        fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9')
        sp->width = sp->width * 10 + (*fmt++ - '0');
    if (*fmt == '.') {
        fmt++;
        sp->prec = 0;
        if (*fmt == '*') {
            sp->prec = va_arg(*ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            sp->prec = sp->prec * 10 + (*fmt++ - '0');
    }
    while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
        if (*fmt != 'h')
            sp->lng++;
        fmt++;
    }
    return fmt;
}

/* Print conversion conv (not '\0') with its spec. */
static void format_conv(struct outbuf *o, char conv, const struct fmt_spec *sp, va_list *ap)
{
    uint64_t v;

    switch (conv) {
    case 'd':
    case 'i': {
        int64_t s = sp->lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
        out_num(o, s < 0 ? -(uint64_t)s : (uint64_t)s, 10, false, s < 0,
                sp->width, sp->zero, sp->left);
        break;
    }
    case 'u':
    case 'x':
    case 'X':
        v = sp->lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);
        if (sp->alt && conv != 'u' && v)
            out_str(o, "0x", 0, -1, false);
        out_num(o, v, conv == 'u' ? 10 : 16, conv == 'X', false, sp->width, sp->zero,
                sp->left);
        break;
    case 'p':
        out_str(o, "0x", 0, -1, false);
        out_num(o, (uint64_t)(uintptr_t)va_arg(*ap, void *), 16, false, false, 16, true,
                false);
        break;
    case 's':
        out_str(o, va_arg(*ap, const char *), sp->width, sp->prec, sp->left);
        break;
    case 'c':
        out_c(o, (char)va_arg(*ap, int));
        break;
    case '%':
        out_c(o, '%');
        break;
    default:
        out_c(o, '%');
        out_c(o, conv);
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct outbuf o = { buf, size, 0 };
    va_list aq;

    va_copy(aq, ap);
    for (; *fmt; fmt++) {
        struct fmt_spec sp = { .prec = -1 };

        if (*fmt != '%') {
            out_c(&o, *fmt);
            continue;
        }
        fmt = parse_spec(fmt + 1, &aq, &sp);
        if (!*fmt)
            break;              /* a '%' ending the format prints nothing */
        format_conv(&o, *fmt, &sp, &aq);
    }
    va_end(aq);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
