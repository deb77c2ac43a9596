/*
 * xl.cfg-style configuration parser (see include/xlcfg.h).
 *
 * A hand-written lexer and a recursive-descent parser for the grammar of
 * Xen's libxlu (libxlu_cfg_y.y):
 *   file       := { stmt }
 *   stmt       := NEWLINE | ';' | IDENT ('=' | '+=') value (NEWLINE | ';' | EOF)
 *   value      := atom | '[' nl* [ atom nl* { ',' nl* atom nl* } [ ',' nl* ] ] ']'
 *   atom       := STRING | NUMBER
 * Differences from xl, all stricter: an unknown escape or a NUL produced
 * by an escape is an error (xl drops the former and truncates at the
 * latter); octal escapes are read in base 8 (xl reads their digits in
 * base 10).  A "\r\n" line end is accepted as a newline.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../include/xlcfg.h"

enum tok { T_EOF, T_NEWLINE, T_SEMI, T_EQ, T_PLUSEQ, T_COMMA, T_LBRACK,
           T_RBRACK, T_IDENT, T_NUMBER, T_STRING, T_ERROR };

struct lexer {
    const char *p, *end;
    const char *file;
    int line;
    bool nl_pending;            /* a NEWLINE was returned: line++ next */
    const char *key;            /* key of the setting being parsed */
    char *text;                 /* IDENT/NUMBER/STRING text (malloc'd) */
    char *err;
    size_t errlen;
};

static void seterr(char *err, size_t errlen, const char *file, int line,
                   const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void seterr(char *err, size_t errlen, const char *file, int line,
                   const char *field, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!errlen)
        return;
    n = snprintf(err, errlen, "%s:%d: %s: ", file, line, field);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - n, fmt, ap);
    va_end(ap);
}

#define LEXERR(lx, ...) \
    seterr((lx)->err, (lx)->errlen, (lx)->file, (lx)->line, \
           (lx)->key ? (lx)->key : "syntax", __VA_ARGS__)

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one escape after a backslash at *pp; -1 on error. */
static int lex_escape(struct lexer *lx, const char **pp, char *out)
{
    static const char simple[] = "\"\"''\\\\a\ab\bf\fn\nr\rt\tv\v";
    const char *p = *pp;
    unsigned int v = 0;
    int i;

    for (i = 0; simple[i]; i += 2) {
        if (*p == simple[i]) {
            *out = simple[i + 1];
            *pp = p + 1;
            return 0;
        }
    }
    if (*p == 'x') {
        if (p + 2 >= lx->end || hexval(p[1]) < 0 || hexval(p[2]) < 0) {
            LEXERR(lx, "\\x escape needs two hexadecimal digits");
            return -1;
        }
        v = (unsigned int)(hexval(p[1]) * 16 + hexval(p[2]));
        p += 3;
    } else if (*p >= '0' && *p <= '7') {
        for (i = 0; i < 3 && p < lx->end && *p >= '0' && *p <= '7'; i++)
            v = v * 8 + (unsigned int)(*p++ - '0');
        if (v > 255) {
            LEXERR(lx, "octal escape out of range");
            return -1;
        }
    } else {
        if (isprint((unsigned char)*p))
            LEXERR(lx, "unknown escape '\\%c' in string", *p);
        else
            LEXERR(lx, "unknown escape in string");
        return -1;
    }
    if (v == 0) {
        LEXERR(lx, "NUL character in string");
        return -1;
    }
    *out = (char)v;
    *pp = p;
    return 0;
}

static enum tok lex_string(struct lexer *lx)
{
    char quote = *lx->p++;
    const char *p = lx->p;
    size_t n = 0;
    char *buf;

    /* Output is never longer than the input. */
    buf = malloc((size_t)(lx->end - p) + 1);
    if (!buf) {
        LEXERR(lx, "out of memory");
        return T_ERROR;
    }
    for (;;) {
        if (p >= lx->end || *p == '\n' || *p == '\0') {
            LEXERR(lx, p < lx->end && *p == '\0' ? "NUL character in string"
                                                  : "unterminated string");
            free(buf);
            return T_ERROR;
        }
        if (*p == quote)
            break;
        if (*p == '\\') {
            p++;
            if (p >= lx->end || *p == '\n') {
                LEXERR(lx, "unterminated string");
                free(buf);
                return T_ERROR;
            }
            if (lex_escape(lx, &p, &buf[n++]) < 0) {
                free(buf);
                return T_ERROR;
            }
            continue;
        }
        buf[n++] = *p++;
    }
    buf[n] = '\0';
    lx->p = p + 1;
    lx->text = buf;
    return T_STRING;
}

static enum tok lex_word(struct lexer *lx, enum tok t)
{
    const char *s = lx->p;

    while (lx->p < lx->end &&
           (t == T_IDENT ? (islower((unsigned char)*lx->p) ||
                            isdigit((unsigned char)*lx->p) || *lx->p == '_')
                         : (isdigit((unsigned char)*lx->p) ||
                            (*lx->p >= 'a' && *lx->p <= 'f') || *lx->p == 'x')))
        lx->p++;
    lx->text = strndup(s, (size_t)(lx->p - s));
    if (!lx->text) {
        LEXERR(lx, "out of memory");
        return T_ERROR;
    }
    return t;
}

/* Next token.  A NEWLINE belongs to the line it ends (as in xl). */
static enum tok lex(struct lexer *lx)
{
    char c;

    free(lx->text);
    lx->text = NULL;
    if (lx->nl_pending) {
        lx->line++;
        lx->nl_pending = false;
    }
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
                               (*lx->p == '\r' && lx->p + 1 < lx->end &&
                                lx->p[1] == '\n')))
        lx->p++;
    if (lx->p >= lx->end)
        return T_EOF;
    c = *lx->p;
    if (c == '#') {
        while (lx->p < lx->end && *lx->p != '\n')
            lx->p++;
        if (lx->p >= lx->end)
            return T_EOF;
        c = '\n';
    }
    switch (c) {
    case '\n': lx->p++; lx->nl_pending = true; return T_NEWLINE;
    case ';': lx->p++; return T_SEMI;
    case '=': lx->p++; return T_EQ;
    case ',': lx->p++; return T_COMMA;
    case '[': lx->p++; return T_LBRACK;
    case ']': lx->p++; return T_RBRACK;
    case '\'': case '"': return lex_string(lx);
    case '+':
        if (lx->p + 1 < lx->end && lx->p[1] == '=') {
            lx->p += 2;
            return T_PLUSEQ;
        }
        break;
    default:
        if (islower((unsigned char)c))
            return lex_word(lx, T_IDENT);
        if (isdigit((unsigned char)c))
            return lex_word(lx, T_NUMBER);
    }
    if (isprint((unsigned char)c))
        LEXERR(lx, "unexpected character '%c'", c);
    else
        LEXERR(lx, "unexpected byte 0x%02x", (unsigned char)c);
    return T_ERROR;
}

static void setting_free(struct xlcfg_setting *s)
{
    size_t i;

    if (!s)
        return;
    free(s->key);
    free(s->atom);
    for (i = 0; i < s->nr_items; i++)
        free(s->items[i]);
    free(s->items);
    free(s);
}

void xlcfg_free(struct xlcfg *cfg)
{
    struct xlcfg_setting *s, *next;

    if (!cfg)
        return;
    for (s = cfg->settings; s; s = next) {
        next = s->next;
        setting_free(s);
    }
    free(cfg->filename);
    free(cfg);
}

static int list_append(struct lexer *lx, struct xlcfg_setting *s, char *item)
{
    char **items = realloc(s->items, (s->nr_items + 1) * sizeof(*items));

    if (!items) {
        free(item);
        LEXERR(lx, "out of memory");
        return -1;
    }
    s->items = items;
    s->items[s->nr_items++] = item;
    return 0;
}

/* Skip newlines; return the first other token. */
static enum tok lex_nl(struct lexer *lx)
{
    enum tok t;

    while ((t = lex(lx)) == T_NEWLINE)
        ;
    return t;
}

static bool is_atom(enum tok t)
{
    return t == T_STRING || t == T_NUMBER;
}

/* After '[': parse the list into s. */
static int parse_list(struct lexer *lx, struct xlcfg_setting *s)
{
    enum tok t = lex_nl(lx);
    char *item;

    s->type = XLCFG_LIST;
    for (;;) {
        if (t == T_RBRACK)
            return 0;
        if (!is_atom(t)) {
            if (t != T_ERROR)
                LEXERR(lx, t == T_EOF ? "unterminated list"
                                      : "expected a string or number in list");
            return -1;
        }
        item = lx->text;
        lx->text = NULL;            /* list_append owns it, even on failure */
        if (list_append(lx, s, item) < 0)
            return -1;
        t = lex_nl(lx);
        if (t == T_RBRACK)
            return 0;
        if (t != T_COMMA) {
            if (t != T_ERROR)
                LEXERR(lx, t == T_EOF ? "unterminated list"
                                      : "expected ',' or ']' in list");
            return -1;
        }
        t = lex_nl(lx);
    }
}

static struct xlcfg_setting *find_setting(struct xlcfg_setting *head,
                                          const char *key)
{
    for (; head; head = head->next) {
        if (strcmp(head->key, key) == 0)
            return head;
    }
    return NULL;
}

/* Apply "key += value": append s's value to the previous setting prev. */
static int concat(struct lexer *lx, struct xlcfg_setting *prev,
                  struct xlcfg_setting *s)
{
    size_t i;

    if (prev->type != s->type) {
        LEXERR(lx, "'+=' mixes a string and a list");
        return -1;
    }
    if (s->type == XLCFG_ATOM) {
        size_t a = strlen(prev->atom), b = strlen(s->atom);
        char *c = malloc(a + b + 1);

        if (!c) {
            LEXERR(lx, "out of memory");
            return -1;
        }
        memcpy(c, prev->atom, a);
        memcpy(c + a, s->atom, b + 1);
        free(s->atom);
        s->atom = c;
        s->quoted = true;
        return 0;
    }
    /* New list = previous items followed by these ones. */
    for (i = 0; i < s->nr_items; i++) {
        char *dup = strdup(s->items[i]);

        if (!dup || list_append(lx, prev, dup) < 0) {
            free(dup);
            return -1;
        }
    }
    for (i = 0; i < s->nr_items; i++)
        free(s->items[i]);
    free(s->items);
    s->items = prev->items;
    s->nr_items = prev->nr_items;
    prev->items = NULL;
    prev->nr_items = 0;
    return 0;
}

/* Store s in cfg (replacing any earlier setting of the same key). */
static int store(struct lexer *lx, struct xlcfg *cfg, struct xlcfg_setting *s,
                 bool append)
{
    struct xlcfg_setting **pp, *prev = find_setting(cfg->settings, s->key);

    if (prev && append && concat(lx, prev, s) < 0)
        return -1;
    if (prev) {
        for (pp = &cfg->settings; *pp != prev; pp = &(*pp)->next)
            ;
        *pp = prev->next;
        setting_free(prev);
    }
    /* Keep file order (for warnings): append at the tail. */
    for (pp = &cfg->settings; *pp; pp = &(*pp)->next)
        ;
    s->next = NULL;
    *pp = s;
    return 0;
}

/* Parse one "key = value" whose IDENT has just been read. */
static int parse_setting(struct lexer *lx, struct xlcfg *cfg)
{
    struct xlcfg_setting *s = calloc(1, sizeof(*s));
    enum tok t;
    bool append;

    if (!s) {
        LEXERR(lx, "out of memory");
        return -1;
    }
    s->key = lx->text;
    s->line = lx->line;
    lx->text = NULL;
    lx->key = s->key;
    t = lex(lx);
    if (t != T_EQ && t != T_PLUSEQ) {
        if (t != T_ERROR)
            LEXERR(lx, "expected '=' after the key");
        goto fail;
    }
    append = t == T_PLUSEQ;
    t = lex(lx);
    if (is_atom(t)) {
        s->type = XLCFG_ATOM;
        s->atom = lx->text;
        s->quoted = t == T_STRING;
        lx->text = NULL;
    } else if (t == T_LBRACK) {
        if (parse_list(lx, s) < 0)
            goto fail;
    } else {
        if (t == T_IDENT)
            LEXERR(lx, "unquoted word \"%s\" (strings need quotes)", lx->text);
        else if (t != T_ERROR)
            LEXERR(lx, "expected a value (string, number or list)");
        goto fail;
    }
    t = lex(lx);
    if (t != T_NEWLINE && t != T_SEMI && t != T_EOF) {
        if (t != T_ERROR)
            LEXERR(lx, "expected end of line after the value");
        goto fail;
    }
    if (store(lx, cfg, s, append) < 0)
        goto fail;
    lx->key = NULL;
    return t == T_EOF ? 1 : 0;
fail:
    lx->key = NULL;
    setting_free(s);
    return -1;
}

struct xlcfg *xlcfg_parse(const char *text, size_t len, const char *filename,
                          char *err, size_t errlen)
{
    struct lexer lx = { .p = text, .end = text + len, .file = filename,
                        .line = 1, .err = err, .errlen = errlen };
    struct xlcfg *cfg = calloc(1, sizeof(*cfg));
    enum tok t;
    int r = 0;

    if (!cfg || !(cfg->filename = strdup(filename))) {
        free(cfg);
        seterr(err, errlen, filename, 0, "file", "out of memory");
        return NULL;
    }
    while (r == 0) {
        t = lex(&lx);
        if (t == T_EOF)
            break;
        if (t == T_NEWLINE || t == T_SEMI)
            continue;
        if (t == T_IDENT) {
            r = parse_setting(&lx, cfg);
            continue;
        }
        if (t != T_ERROR)
            LEXERR(&lx, "expected a key ([a-z][a-z0-9_]*)");
        r = -1;
    }
    free(lx.text);
    if (r < 0) {
        xlcfg_free(cfg);
        return NULL;
    }
    cfg->nr_lines = lx.line;
    return cfg;
}

struct xlcfg *xlcfg_parse_file(const char *path, char *err, size_t errlen)
{
    struct xlcfg *cfg = NULL;
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY);

    if (fd < 0 || fstat(fd, &st) < 0) {
        seterr(err, errlen, path, 0, "file", "%s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > XLCFG_MAX_FILE) {
        seterr(err, errlen, path, 0, "file", "%s",
               S_ISREG(st.st_mode) ? "too large (over 1 MiB)"
                                   : "not a regular file");
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        seterr(err, errlen, path, 0, "file", "out of memory");
        goto out;
    }
    while (got < (size_t)st.st_size &&
           (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    if (got != (size_t)st.st_size) {
        seterr(err, errlen, path, 0, "file", "short read");
        goto out;
    }
    cfg = xlcfg_parse(buf, got, path, err, errlen);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return cfg;
}

const struct xlcfg_setting *xlcfg_get(const struct xlcfg *cfg,
                                      const char *key)
{
    return find_setting(cfg->settings, key);
}

int xlcfg_get_string(const struct xlcfg *cfg, const char *key,
                     const char **out, char *err, size_t errlen)
{
    const struct xlcfg_setting *s = xlcfg_get(cfg, key);

    if (!s)
        return 1;
    if (s->type != XLCFG_ATOM) {
        seterr(err, errlen, cfg->filename, s->line, key,
               "expected a string, got a list");
        return -1;
    }
    *out = s->atom;
    return 0;
}

int xlcfg_get_uint(const struct xlcfg *cfg, const char *key, uint64_t *out,
                   char *err, size_t errlen)
{
    const struct xlcfg_setting *s = xlcfg_get(cfg, key);
    unsigned long long v;
    char *end;

    if (!s)
        return 1;
    if (s->type != XLCFG_ATOM) {
        seterr(err, errlen, cfg->filename, s->line, key,
               "expected a number, got a list");
        return -1;
    }
    if (!isdigit((unsigned char)s->atom[0])) {
        seterr(err, errlen, cfg->filename, s->line, key,
               "expected a number, got \"%s\"", s->atom);
        return -1;
    }
    errno = 0;
    v = strtoull(s->atom, &end, 0);
    if (*end || errno) {
        seterr(err, errlen, cfg->filename, s->line, key,
               errno == ERANGE ? "number too large: %s" : "not a number: %s",
               s->atom);
        return -1;
    }
    *out = v;
    return 0;
}

void xlcfg_warn_unknown(const struct xlcfg *cfg, const char *const *known, FILE *warn)
{
    const struct xlcfg_setting *s;
    size_t i;

    if (!warn)
        return;
    /* Settings are unique per key (a later one replaces an earlier one). */
    for (s = cfg->settings; s; s = s->next) {
        for (i = 0; known[i] && strcmp(known[i], s->key); i++)
            ;
        if (!known[i])
            fprintf(warn, "%s:%d: %s: warning: unknown key, ignored\n",
                    cfg->filename, s->line, s->key);
    }
}
