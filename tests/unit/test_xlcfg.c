/*
 * Unit tests: the xl.cfg parser (dom0-tools/lib/xlcfg.c) and the domain
 * keys (dom0-tools/lib/xlcfg_domain.c).  Table-driven: accepted syntax,
 * every syntax error, every domain-key error, defaults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../dom0-tools/include/xlcfg.h"

static struct xlcfg *parse(const char *text, char *err)
{
    return xlcfg_parse(text, strlen(text), "t.cfg", err, XLCFG_ERRLEN);
}

/* ---- syntax: accepted ---------------------------------------------- */

struct atom_case {
    const char *text, *key, *value;
    bool quoted;
};

static const struct atom_case atom_cases[] = {
    { "name = \"web\"\n", "name", "web", true },
    { "name='web'", "name", "web", true },                 /* no newline */
    { "name = 'web';", "name", "web", true },
    { "  name\t=\t'web'  # comment\n", "name", "web", true },
    { "a = 1; name = 'x'; b = 2\n", "name", "x", true },
    { "memory = 512\n", "memory", "512", false },
    { "memory = 0x200\n", "memory", "0x200", false },
    { "# only\n\n;\nname = 'a'\n# end", "name", "a", true },
    { "name = 'a'\nname = 'b'\n", "name", "b", true },     /* last wins */
    { "name = 'a'\nname += 'b'\n", "name", "ab", true },
    { "name += 'b'\n", "name", "b", true },
    { "x = 'it\\'s'\n", "x", "it's", true },
    { "x = \"say \\\"hi\\\"\"\n", "x", "say \"hi\"", true },
    { "x = 'a\\\\b'\n", "x", "a\\b", true },
    { "x = '\\t\\n\\r\\a\\b\\f\\v'\n", "x", "\t\n\r\a\b\f\v", true },
    { "x = '\\x41\\101\\60'\n", "x", "AA0", true },
    { "x = '#not a comment'\n", "x", "#not a comment", true },
    { "x = \"'\"\n", "x", "'", true },
    { "x = ''\n", "x", "", true },
    { "x = 'crlf'\r\n", "x", "crlf", true },
    { "key_2 = 3\n", "key_2", "3", false },
};

static void test_atoms(void **state)
{
    char err[XLCFG_ERRLEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(atom_cases) / sizeof(atom_cases[0]); i++) {
        const struct atom_case *c = &atom_cases[i];
        struct xlcfg *cfg = parse(c->text, err);
        const struct xlcfg_setting *s;

        if (!cfg)
            fail_msg("case %zu: %s", i, err);
        s = xlcfg_get(cfg, c->key);
        assert_non_null(s);
        assert_int_equal(s->type, XLCFG_ATOM);
        assert_string_equal(s->atom, c->value);
        assert_int_equal(s->quoted, c->quoted);
        xlcfg_free(cfg);
    }
}

struct list_case {
    const char *text;
    size_t n;
    const char *items[4];
};

static const struct list_case list_cases[] = {
    { "l = []\n", 0, { NULL } },
    { "l = [ ]\n", 0, { NULL } },
    { "l = [\n]\n", 0, { NULL } },
    { "l = ['a']\n", 1, { "a" } },
    { "l = ['a',]\n", 1, { "a" } },
    { "l = [ 'a', \"b\", 3 ]\n", 3, { "a", "b", "3" } },
    { "l = [\n  'a', # one\n\n  'b'\n  ,\n  'c',\n]\n", 3, { "a", "b", "c" } },
    { "l = ['a']\nl += ['b', 'c']\n", 3, { "a", "b", "c" } },
    { "l = ['a'];l=['z']", 1, { "z" } },
};

static void test_lists(void **state)
{
    char err[XLCFG_ERRLEN];
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
        const struct list_case *c = &list_cases[i];
        struct xlcfg *cfg = parse(c->text, err);
        const struct xlcfg_setting *s;

        if (!cfg)
            fail_msg("case %zu: %s", i, err);
        s = xlcfg_get(cfg, "l");
        assert_non_null(s);
        assert_int_equal(s->type, XLCFG_LIST);
        assert_int_equal(s->nr_items, c->n);
        for (j = 0; j < c->n; j++)
            assert_string_equal(s->items[j], c->items[j]);
        xlcfg_free(cfg);
    }
}

static void test_line_numbers(void **state)
{
    char err[XLCFG_ERRLEN];
    struct xlcfg *cfg = parse("\n# c\na = 1\nl = [\n'x',\n'y']\nb = 2", err);

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(xlcfg_get(cfg, "a")->line, 3);
    assert_int_equal(xlcfg_get(cfg, "l")->line, 4);
    assert_int_equal(xlcfg_get(cfg, "b")->line, 7);
    assert_null(xlcfg_get(cfg, "c"));
    xlcfg_free(cfg);
}

/* ---- syntax: errors -------------------------------------------------- */

struct err_case {
    const char *text, *err;
};

static const struct err_case syntax_errors[] = {
    { "name 'x'\n", "t.cfg:1: name: expected '=' after the key" },
    { "name =\n", "t.cfg:1: name: expected a value (string, number or list)" },
    { "name = 'x' 'y'\n", "t.cfg:1: name: expected end of line after the value" },
    { "a = 1\nname = 'x\n", "t.cfg:2: name: unterminated string" },
    { "name = 'x", "t.cfg:1: name: unterminated string" },
    { "name = 'x\\", "t.cfg:1: name: unterminated string" },
    { "name = \"x'\n", "t.cfg:1: name: unterminated string" },
    { "name = 'a\\qb'\n", "t.cfg:1: name: unknown escape '\\q' in string" },
    { "name = 'a\\x4'\n", "t.cfg:1: name: \\x escape needs two hexadecimal digits" },
    { "name = 'a\\x'", "t.cfg:1: name: \\x escape needs two hexadecimal digits" },
    { "name = 'a\\400'\n", "t.cfg:1: name: octal escape out of range" },
    { "name = 'a\\0b'\n", "t.cfg:1: name: NUL character in string" },
    { "name = 'a\\x00'\n", "t.cfg:1: name: NUL character in string" },
    { "Name = 'x'\n", "t.cfg:1: syntax: unexpected character 'N'" },
    { "name = -1\n", "t.cfg:1: name: unexpected character '-'" },
    { "name = foo\n", "t.cfg:1: name: unquoted word \"foo\" (strings need quotes)" },
    { "= 1\n", "t.cfg:1: syntax: expected a key ([a-z][a-z0-9_]*)" },
    { "5 = 1\n", "t.cfg:1: syntax: expected a key ([a-z][a-z0-9_]*)" },
    { "a = 1 +\n", "t.cfg:1: a: unexpected character '+'" },
    { "a = \x01\n", "t.cfg:1: a: unexpected byte 0x01" },
    { "a = 1\r\n\rb = 2", "t.cfg:2: syntax: unexpected byte 0x0d" },
    { "l = [ 'a'\n", "t.cfg:2: l: unterminated list" },
    { "l = [ 'a', \n", "t.cfg:2: l: unterminated list" },
    { "l = [ 'a' 'b' ]\n", "t.cfg:1: l: expected ',' or ']' in list" },
    { "l = [ , ]\n", "t.cfg:1: l: expected a string or number in list" },
    { "l = [ [ 'a' ] ]\n", "t.cfg:1: l: expected a string or number in list" },
    { "l = [ 'a' ] x\n", "t.cfg:1: l: expected end of line after the value" },
    { "l = [ 'a\n' ]\n", "t.cfg:1: l: unterminated string" },
    { "l = ['a']\nl += 'b'\n", "t.cfg:2: l: '+=' mixes a string and a list" },
    { "a = 1 = 2\n", "t.cfg:1: a: expected end of line after the value" },
};

static void test_syntax_errors(void **state)
{
    char err[XLCFG_ERRLEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(syntax_errors) / sizeof(syntax_errors[0]); i++) {
        struct xlcfg *cfg = parse(syntax_errors[i].text, err);

        if (cfg)
            fail_msg("case %zu accepted: %s", i, syntax_errors[i].text);
        if (strcmp(err, syntax_errors[i].err) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
                     syntax_errors[i].err);
    }
}

static void test_nul_in_file(void **state)
{
    static const char text[] = "a = 1\nb = 'x\0y'\n";
    char err[XLCFG_ERRLEN];

    (void)state;
    assert_null(xlcfg_parse(text, sizeof(text) - 1, "t.cfg", err, sizeof(err)));
    assert_string_equal(err, "t.cfg:2: b: NUL character in string");
    assert_null(xlcfg_parse(text, 3, "t.cfg", err, sizeof(err)));
    assert_string_equal(err, "t.cfg:1: a: expected a value (string, number or list)");
}

/* ---- typed getters --------------------------------------------------- */

static void test_get_uint(void **state)
{
    static const struct { const char *text; int r; uint64_t v; const char *err; } c[] = {
        { "n = 42", 0, 42, NULL },
        { "n = 0x2a", 0, 42, NULL },
        { "n = 052", 0, 42, NULL },              /* octal, as xl (strtol base 0) */
        { "n = '42'", 0, 42, NULL },             /* strings holding numbers, as xl */
        { "n = 18446744073709551615", 0, UINT64_MAX, NULL },
        { "m = 1", 1, 0, NULL },
        { "n = 18446744073709551616", -1, 0, "t.cfg:1: n: number too large: 18446744073709551616" },
        { "n = 08", -1, 0, "t.cfg:1: n: not a number: 08" },
        { "n = 1abc", -1, 0, "t.cfg:1: n: not a number: 1abc" },
        { "n = 'x'", -1, 0, "t.cfg:1: n: expected a number, got \"x\"" },
        { "n = '-1'", -1, 0, "t.cfg:1: n: expected a number, got \"-1\"" },
        { "n = ' 1'", -1, 0, "t.cfg:1: n: expected a number, got \" 1\"" },
        { "n = ''", -1, 0, "t.cfg:1: n: expected a number, got \"\"" },
        { "n = [1]", -1, 0, "t.cfg:1: n: expected a number, got a list" },
    };
    char err[XLCFG_ERRLEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct xlcfg *cfg = parse(c[i].text, err);
        uint64_t v = 7;

        assert_non_null(cfg);
        if (xlcfg_get_uint(cfg, "n", &v, err, sizeof(err)) != c[i].r)
            fail_msg("case %zu: wrong result", i);
        if (c[i].r == 0)
            assert_true(v == c[i].v);
        if (c[i].r == 1)
            assert_true(v == 7);
        if (c[i].err)
            assert_string_equal(err, c[i].err);
        xlcfg_free(cfg);
    }
}

static void test_get_string(void **state)
{
    char err[XLCFG_ERRLEN];
    struct xlcfg *cfg = parse("s = 'x'\nn = 12\nl = ['a']\n", err);
    const char *s = NULL;

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(xlcfg_get_string(cfg, "s", &s, err, sizeof(err)), 0);
    assert_string_equal(s, "x");
    assert_int_equal(xlcfg_get_string(cfg, "n", &s, err, sizeof(err)), 0);
    assert_string_equal(s, "12");
    assert_int_equal(xlcfg_get_string(cfg, "zz", &s, err, sizeof(err)), 1);
    assert_int_equal(xlcfg_get_string(cfg, "l", &s, err, sizeof(err)), -1);
    assert_string_equal(err, "t.cfg:3: l: expected a string, got a list");
    xlcfg_free(cfg);
}

/* ---- domain keys ----------------------------------------------------- */

static int domain(const char *text, struct xlcfg_domain *d, unsigned int flags,
                  FILE *warn, char *err)
{
    struct xlcfg *cfg = parse(text, err);
    int r;

    if (!cfg)
        return -2;
    r = xlcfg_domain_get(cfg, d, flags, warn, err, XLCFG_ERRLEN);
    xlcfg_free(cfg);
    return r;
}

static void test_domain_defaults(void **state)
{
    char err[XLCFG_ERRLEN];
    struct xlcfg_domain d;

    (void)state;
    assert_int_equal(domain("name='a'\nkernel='/k'\n", &d, 0, NULL, err), 0);
    assert_string_equal(d.name, "a");
    assert_string_equal(d.kernel, "/k");
    assert_null(d.ramdisk);
    assert_string_equal(d.cmdline, "");
    assert_true(d.memory_mib == 128);
    assert_true(d.maxmem_mib == 128);
    assert_int_equal(d.vcpus, 1);
    assert_int_equal(d.weight, 256);
    assert_int_equal(d.cap, 0);
    assert_int_equal(d.kernel_line, 2);
    assert_int_equal(d.name_line, 1);
    xlcfg_domain_free(&d);
}

static void test_domain_full(void **state)
{
    char err[XLCFG_ERRLEN];
    struct xlcfg_domain d;

    (void)state;
    assert_int_equal(domain("type = 'pv'\nname = 'web-1.a_b'\nmemory = 1024\n"
                            "maxmem = 2048\nvcpus = 128\nkernel = '/k'\n"
                            "ramdisk = '/r'\ncmdline = 'console=hvc0'\n"
                            "root = '/dev/xvda'\nweight = 65535\ncap = 65535\n",
                            &d, 0, NULL, err), 0);
    assert_string_equal(d.name, "web-1.a_b");
    assert_true(d.memory_mib == 1024 && d.maxmem_mib == 2048);
    assert_int_equal(d.vcpus, 128);
    assert_string_equal(d.ramdisk, "/r");
    assert_string_equal(d.cmdline, "console=hvc0");     /* cmdline wins */
    assert_int_equal(d.weight, 65535);
    assert_int_equal(d.cap, 65535);
    xlcfg_domain_free(&d);
}

static void test_domain_cmdline(void **state)
{
    static const struct { const char *keys, *cmdline; } c[] = {
        { "", "" },
        { "root = '/dev/xvda1'\n", "root=/dev/xvda1" },
        { "extra = 'console=hvc0 quiet'\n", "console=hvc0 quiet" },
        { "root = '/dev/xvda1'\nextra = 'ro'\n", "root=/dev/xvda1 ro" },
        { "extra = 'x'\ncmdline = 'y'\n", "y" },
    };
    char text[512], err[XLCFG_ERRLEN];
    struct xlcfg_domain d;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        snprintf(text, sizeof(text), "name='a'\nkernel='/k'\n%s", c[i].keys);
        assert_int_equal(domain(text, &d, 0, NULL, err), 0);
        assert_string_equal(d.cmdline, c[i].cmdline);
        xlcfg_domain_free(&d);
    }
}

static const struct err_case domain_errors[] = {
    { "kernel='/k'\n", "t.cfg:2: name: missing (required)" },
    { "name='a'\n", "t.cfg:2: kernel: missing (required)" },
    { "name=''\nkernel='/k'\n", "t.cfg:1: name: empty" },
    { "name='a b'\nkernel='/k'\n", "t.cfg:1: name: ' ' not allowed (letters, digits, '_', '-', '.')" },
    { "name='a/b'\nkernel='/k'\n", "t.cfg:1: name: '/' not allowed (letters, digits, '_', '-', '.')" },
    { "name='a\\tb'\nkernel='/k'\n", "t.cfg:1: name: contains a control or non-ASCII character" },
    { "name='0123456789012345678901234567890123456789012345678901234567890123'\nkernel='/k'\n",
      "t.cfg:1: name: too long (64 characters, at most 63)" },
    { "name=['a']\nkernel='/k'\n", "t.cfg:1: name: expected a string, got a list" },
    { "name='a'\nkernel=''\n", "t.cfg:2: kernel: empty path" },
    { "name='a'\nkernel=['/k']\n", "t.cfg:2: kernel: expected a string, got a list" },
    { "name='a'\nkernel='/k'\nramdisk=''\n", "t.cfg:3: ramdisk: empty path" },
    { "name='a'\nkernel='/k'\nmemory=15\n", "t.cfg:3: memory: out of range 16..1048576 (got 15)" },
    { "name='a'\nkernel='/k'\nmemory=1048577\n", "t.cfg:3: memory: out of range 16..1048576 (got 1048577)" },
    { "name='a'\nkernel='/k'\nmemory='lots'\n", "t.cfg:3: memory: expected a number, got \"lots\"" },
    { "name='a'\nkernel='/k'\nmemory=512\nmaxmem=256\n", "t.cfg:4: maxmem: below memory (256 < 512)" },
    { "name='a'\nkernel='/k'\nmaxmem=8\n", "t.cfg:3: maxmem: out of range 16..1048576 (got 8)" },
    { "name='a'\nkernel='/k'\nvcpus=0\n", "t.cfg:3: vcpus: out of range 1..128 (got 0)" },
    { "name='a'\nkernel='/k'\nvcpus=129\n", "t.cfg:3: vcpus: out of range 1..128 (got 129)" },
    { "name='a'\nkernel='/k'\nweight=0\n", "t.cfg:3: weight: out of range 1..65535 (got 0)" },
    { "name='a'\nkernel='/k'\nweight=65536\n", "t.cfg:3: weight: out of range 1..65535 (got 65536)" },
    { "name='a'\nkernel='/k'\ncap=65536\n", "t.cfg:3: cap: out of range 0..65535 (got 65536)" },
    { "name='a'\nkernel='/k'\ntype='hvm'\n", "t.cfg:3: type: \"hvm\" not supported (only \"pv\")" },
    { "name='a'\nkernel='/k'\ntype=['pv']\n", "t.cfg:3: type: expected a string, got a list" },
    { "name='a'\nkernel='/k'\ncmdline='a\\nb'\n", "t.cfg:3: cmdline: contains a control or non-ASCII character" },
    { "name='a'\nkernel='/k'\nextra=['x']\n", "t.cfg:3: extra: expected a string, got a list" },
    { "name='a'\nkernel='/k'\nroot=1\nextra='\\xff'\n", "t.cfg:4: extra: contains a control or non-ASCII character" },
};

static void test_domain_errors(void **state)
{
    char err[XLCFG_ERRLEN];
    struct xlcfg_domain d;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(domain_errors) / sizeof(domain_errors[0]); i++) {
        int r = domain(domain_errors[i].text, &d, 0, NULL, err);

        if (r != -1)
            fail_msg("case %zu: result %d", i, r);
        if (strcmp(err, domain_errors[i].err) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
                     domain_errors[i].err);
        assert_null(d.name);
        assert_null(d.kernel);
    }
}

static void test_cmdline_length(void **state)
{
    char text[3000], err[XLCFG_ERRLEN], big[1100];
    struct xlcfg_domain d;

    (void)state;
    memset(big, 'x', sizeof(big));
    big[1023] = '\0';                           /* 1023: the limit */
    snprintf(text, sizeof(text), "name='a'\nkernel='/k'\ncmdline='%s'\n", big);
    assert_int_equal(domain(text, &d, 0, NULL, err), 0);
    assert_int_equal(strlen(d.cmdline), 1023);
    xlcfg_domain_free(&d);
    big[1023] = 'x';
    big[1024] = '\0';
    snprintf(text, sizeof(text), "name='a'\nkernel='/k'\ncmdline='%s'\n", big);
    assert_int_equal(domain(text, &d, 0, NULL, err), -1);
    assert_string_equal(err, "t.cfg:3: cmdline: too long (1024 characters, at most 1023)");
    /* root=... extra=... combined beyond the limit */
    big[1010] = '\0';
    snprintf(text, sizeof(text), "name='a'\nkernel='/k'\nroot='/dev/xvda'\nextra='%s'\n", big);
    assert_int_equal(domain(text, &d, 0, NULL, err), -1);
    assert_string_equal(err, "t.cfg:4: extra: \"root=ROOT EXTRA\" too long (1025 characters, at most 1023)");
}

static void test_unknown_keys_warn_once(void **state)
{
    char err[XLCFG_ERRLEN], *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    struct xlcfg_domain d;

    (void)state;
    assert_non_null(w);
    assert_int_equal(domain("name='a'\nvif=['x']\nkernel='/k'\non_crash='destroy'\n"
                            "vif=['y']\nextra='x'\ncmdline='y'\n", &d, 0, w, err), 0);
    fclose(w);
    assert_string_equal(buf, "t.cfg:4: on_crash: warning: unknown key, ignored\n"
                             "t.cfg:5: vif: warning: unknown key, ignored\n"
                             "t.cfg:7: cmdline: warning: root and extra ignored "
                             "in favour of cmdline\n");
    free(buf);
    xlcfg_domain_free(&d);
}

static void test_files_checked(void **state)
{
    char dir[] = "/tmp/xlcfgXXXXXX", k[64], r[64], text[512], want[600];
    char err[XLCFG_ERRLEN];
    struct xlcfg_domain d;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(k, sizeof(k), "%s/k", dir);
    snprintf(r, sizeof(r), "%s/r", dir);
    f = fopen(k, "w");
    assert_non_null(f);
    fclose(f);
    /* kernel exists, ramdisk does not */
    snprintf(text, sizeof(text), "name='a'\nkernel='%s'\nramdisk='%s'\n", k, r);
    assert_int_equal(domain(text, &d, XLCFG_CHECK_FILES, NULL, err), -1);
    snprintf(want, sizeof(want), "t.cfg:3: ramdisk: %s: No such file or directory", r);
    assert_string_equal(err, want);
    /* without the check it is accepted */
    assert_int_equal(domain(text, &d, 0, NULL, err), 0);
    xlcfg_domain_free(&d);
    /* a directory is not a file */
    snprintf(text, sizeof(text), "name='a'\nkernel='%s'\n", dir);
    assert_int_equal(domain(text, &d, XLCFG_CHECK_FILES, NULL, err), -1);
    snprintf(want, sizeof(want), "t.cfg:2: kernel: %s: not a regular file", dir);
    assert_string_equal(err, want);
    /* both exist */
    f = fopen(r, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(text, sizeof(text), "name='a'\nkernel='%s'\nramdisk='%s'\n", k, r);
    assert_int_equal(domain(text, &d, XLCFG_CHECK_FILES, NULL, err), 0);
    assert_string_equal(d.ramdisk, r);
    xlcfg_domain_free(&d);
    unlink(k);
    unlink(r);
    rmdir(dir);
}

static void test_parse_file(void **state)
{
    char path[] = "/tmp/xlcfgXXXXXX", err[XLCFG_ERRLEN], want[600];
    struct xlcfg *cfg;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "name = 'f'\nx = [\n", 17), 17);
    close(fd);
    assert_null(xlcfg_parse_file(path, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s:3: x: unterminated list", path);
    assert_string_equal(err, want);
    unlink(path);
    assert_null(xlcfg_parse_file(path, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s:0: file: No such file or directory", path);
    assert_string_equal(err, want);
    assert_null(xlcfg_parse_file("/tmp", err, sizeof(err)));
    assert_string_equal(err, "/tmp:0: file: not a regular file");
    fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "name = 'f'\n", 11), 11);
    close(fd);
    cfg = xlcfg_parse_file(path, err, sizeof(err));
    assert_non_null(cfg);
    assert_string_equal(xlcfg_get(cfg, "name")->atom, "f");
    xlcfg_free(cfg);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atoms),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_nul_in_file),
        cmocka_unit_test(test_get_uint),
        cmocka_unit_test(test_get_string),
        cmocka_unit_test(test_domain_defaults),
        cmocka_unit_test(test_domain_full),
        cmocka_unit_test(test_domain_cmdline),
        cmocka_unit_test(test_domain_errors),
        cmocka_unit_test(test_cmdline_length),
        cmocka_unit_test(test_unknown_keys_warn_once),
        cmocka_unit_test(test_files_checked),
        cmocka_unit_test(test_parse_file),
    };

    return cmocka_run_group_tests_name("xlcfg", tests, NULL, NULL);
}
