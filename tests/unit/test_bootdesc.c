/*
 * Unit tests: the boot description parser (hypervisor/common/bootdesc.c)
 * on descriptions built with libfdt, every refusal, truncation at every
 * length, and a round trip through dom0-tools' writer (xl.cfg text ->
 * bdgen -> bootdesc_parse).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <keel/bootdesc.h>

#include "../../dom0-tools/include/bdgen.h"
#include "../../dom0-tools/include/xlcfg.h"

#define NR_MODULES 8
#define BUFSZ 16384

/* A property replacing (or deleting, len < 0) a baseline one. */
struct override {
    const char *prop;
    const void *val;
    int len;
};

static uint8_t be[8];

static const void *u32v(uint32_t v)
{
    static uint8_t b[4];

    b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v;
    return b;
}

/* Write prop unless an override replaces or deletes it. */
static void prop(void *fdt, const struct override *o, const char *name,
                 const void *val, int len)
{
    if (o && o->prop && strcmp(o->prop, name) == 0) {
        if (o->len >= 0)
            assert_int_equal(fdt_property(fdt, name, o->val, o->len), 0);
        return;
    }
    assert_int_equal(fdt_property(fdt, name, val, len), 0);
}

static void u64prop(void *fdt, const struct override *o, const char *name,
                    uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++)
        be[i] = (uint8_t)(v >> (56 - 8 * i));
    prop(fdt, o, name, be, 8);
}

/* Domain i: name "d<i>", 64 MiB, 2 vcpus, kernel 2+2i, ramdisk 3+2i. */
static void domain_node(void *fdt, unsigned int i, const struct override *o)
{
    char node[16], name[16];

    snprintf(node, sizeof(node), "domU%u", i + 1);
    snprintf(name, sizeof(name), "d%u", i);
    assert_int_equal(fdt_begin_node(fdt, node), 0);
    prop(fdt, o, "compatible", "keel,domain", 12);
    prop(fdt, o, "name", name, (int)strlen(name) + 1);
    u64prop(fdt, o, "memory-kib", 65536);
    prop(fdt, o, "vcpus", u32v(2), 4);
    prop(fdt, o, "kernel-module", u32v(2 + 2 * i), 4);
    prop(fdt, o, "ramdisk-module", u32v(3 + 2 * i), 4);
    prop(fdt, o, "cmdline", "console=hvc0", 13);
    if (o && o->prop && o->len >= 0 &&
        (!strcmp(o->prop, "weight") || !strcmp(o->prop, "cap") ||
         !strcmp(o->prop, "max-memory-kib") || !strcmp(o->prop, "extra")))
        prop(fdt, NULL, o->prop, o->val, o->len);
    assert_int_equal(fdt_end_node(fdt), 0);
}

/* ndoms domains; override o applies to domain number which. */
static size_t build(void *buf, unsigned int ndoms, unsigned int which,
                    const struct override *o)
{
    unsigned int i;

    assert_int_equal(fdt_create(buf, BUFSZ), 0);
    assert_int_equal(fdt_finish_reservemap(buf), 0);
    assert_int_equal(fdt_begin_node(buf, ""), 0);
    assert_int_equal(fdt_property_string(buf, "compatible",
                                         "keel,boot-description-v1"), 0);
    assert_int_equal(fdt_begin_node(buf, "domains"), 0);
    for (i = 0; i < ndoms; i++)
        domain_node(buf, i, i == which ? o : NULL);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_finish(buf), 0);
    return fdt_totalsize(buf);
}

static int parse(const void *buf, size_t len, struct bootdesc_domain *out,
                 unsigned int max, unsigned int *nr, char *err)
{
    /* exact-size copy: AddressSanitizer sees any overread */
    void *b = malloc(len ? len : 1);
    int r;

    assert_non_null(b);
    memcpy(b, buf, len);
    r = bootdesc_parse(b, len, NR_MODULES, out, max, nr, err, 256);
    free(b);
    return r;
}

static struct bootdesc_domain doms[8];

static void test_good(void **state)
{
    static uint8_t buf[BUFSZ];
    size_t len = build(buf, 3, 99, NULL);
    unsigned int nr = 99;
    char err[256];

    (void)state;
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    assert_string_equal(err, "");
    assert_int_equal(nr, 3);
    assert_string_equal(doms[0].name, "d0");
    assert_true(doms[0].memory_kib == 65536);
    assert_true(doms[0].max_memory_kib == 65536);
    assert_int_equal(doms[0].vcpus, 2);
    assert_int_equal(doms[0].kernel_module, 2);
    assert_true(doms[0].has_ramdisk);
    assert_int_equal(doms[0].ramdisk_module, 3);
    assert_string_equal(doms[0].cmdline, "console=hvc0");
    assert_int_equal(doms[0].weight, 256);
    assert_int_equal(doms[0].cap, 0);
    assert_string_equal(doms[2].name, "d2");
    assert_int_equal(doms[2].kernel_module, 6);
    assert_int_equal(doms[2].ramdisk_module, 7);
    /* exactly as many as allowed */
    assert_int_equal(parse(buf, len, doms, 3, &nr, err), 0);
    assert_int_equal(nr, 3);
}

static void test_optional(void **state)
{
    static uint8_t buf[BUFSZ];
    static const struct { struct override o; } c[] = {
        { { "ramdisk-module", NULL, -1 } },
        { { "cmdline", NULL, -1 } },
        { { "weight", "\0\0\0\x01", 4 } },
        { { "cap", "\0\0\xff\xff", 4 } },
        { { "max-memory-kib", "\0\0\0\0\0\x01\0\0", 8 } },
        { { "extra", "ignored", 8 } },          /* unknown properties ignored */
        { { "compatible", "x\0keel,domain", 14 } },
        { { "cmdline", "", 1 } },
    };
    unsigned int nr;
    char err[256];
    size_t len;

    (void)state;
    len = build(buf, 1, 0, &c[0].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    assert_false(doms[0].has_ramdisk);
    len = build(buf, 1, 0, &c[1].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    assert_string_equal(doms[0].cmdline, "");
    len = build(buf, 1, 0, &c[2].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    assert_int_equal(doms[0].weight, 1);
    len = build(buf, 1, 0, &c[3].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    assert_int_equal(doms[0].cap, 65535);
    len = build(buf, 1, 0, &c[4].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    assert_true(doms[0].max_memory_kib == 65536);
    len = build(buf, 1, 0, &c[5].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    len = build(buf, 1, 0, &c[6].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
    len = build(buf, 1, 0, &c[7].o);
    assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
}

struct err_case {
    struct override o;
    const char *err;
};

#define E "boot description: domains/domU2: "
static char long_name[70], long_cmdline[1100];

static const struct err_case err_cases[] = {
    { { "compatible", NULL, -1 }, E "compatible: not \"keel,domain\"" },
    { { "compatible", "keel,domainx", 13 }, E "compatible: not \"keel,domain\"" },
    { { "compatible", "keel,domain", 11 }, E "compatible: not \"keel,domain\"" },
    { { "name", NULL, -1 }, E "name: missing (required)" },
    { { "name", "", 1 }, E "name: empty" },
    { { "name", "", 0 }, E "name: not a single NUL-terminated string" },
    { { "name", "abc", 3 }, E "name: not a single NUL-terminated string" },
    { { "name", "a\0b", 4 }, E "name: not a single NUL-terminated string" },
    { { "name", "a b", 4 }, E "name: only letters, digits, '_', '-' and '.' allowed" },
    { { "name", "a/b", 4 }, E "name: only letters, digits, '_', '-' and '.' allowed" },
    { { "name", "d0", 3 }, E "name: duplicate domain name" },
    { { "name", long_name, 65 }, E "name: too long (got 64)" },
    { { "memory-kib", NULL, -1 }, E "memory-kib: missing (required)" },
    { { "memory-kib", "\0\0\x40\0", 4 }, E "memory-kib: not a 64-bit value (must be 8 bytes)" },
    { { "memory-kib", "\0\0\0\0\0\0\x3f\xff", 8 }, E "memory-kib: below 16 MiB" },
    { { "memory-kib", "\0\0\0\0\x40\0\0\x01", 8 }, E "memory-kib: above 1 TiB" },
    { { "memory-kib", "\xff\xff\xff\xff\xff\xff\xff\xff", 8 }, E "memory-kib: above 1 TiB" },
    { { "max-memory-kib", "\0\0\0\0\0\0\x40\0", 8 }, E "max-memory-kib: below memory-kib" },
    { { "max-memory-kib", "\0\0\0\0\x40\0\0\x01", 8 }, E "max-memory-kib: above 1 TiB" },
    { { "max-memory-kib", "\0\0\0\0", 4 }, E "max-memory-kib: not a 64-bit value (must be 8 bytes)" },
    { { "vcpus", NULL, -1 }, E "vcpus: missing (required)" },
    { { "vcpus", "\0\0\0\0", 4 }, E "vcpus: out of range 1..128 (got 0)" },
    { { "vcpus", "\0\0\0\x81", 4 }, E "vcpus: out of range 1..128 (got 129)" },
    { { "vcpus", "\0\0\0\0\0\0\0\x01", 8 }, E "vcpus: not a 32-bit cell (must be 4 bytes)" },
    { { "vcpus", "", 0 }, E "vcpus: not a 32-bit cell (must be 4 bytes)" },
    { { "kernel-module", NULL, -1 }, E "kernel-module: missing (required)" },
    { { "kernel-module", "\0\0\0\0", 4 }, E "kernel-module: module 0 is dom0's kernel" },
    { { "kernel-module", "\0\0\0\x08", 4 }, E "kernel-module: no such multiboot module (got 8)" },
    { { "kernel-module", "\xff\xff\xff\xff", 4 }, E "kernel-module: no such multiboot module (got 4294967295)" },
    { { "kernel-module", "\0\0\x01", 3 }, E "kernel-module: not a 32-bit cell (must be 4 bytes)" },
    { { "ramdisk-module", "\0\0\0\0", 4 }, E "ramdisk-module: module 0 is dom0's kernel" },
    { { "ramdisk-module", "\0\0\0\x09", 4 }, E "ramdisk-module: no such multiboot module (got 9)" },
    { { "ramdisk-module", "\0\0\0\x04", 4 }, E "ramdisk-module: same module as the kernel" },
    { { "ramdisk-module", "\0\0\0\x04\0", 5 }, E "ramdisk-module: not a 32-bit cell (must be 4 bytes)" },
    { { "cmdline", "abc", 3 }, E "cmdline: not a single NUL-terminated string" },
    { { "cmdline", "a\nb", 4 }, E "cmdline: contains a non-printable character" },
    { { "cmdline", "a\xc3\xa9", 4 }, E "cmdline: contains a non-printable character" },
    { { "cmdline", long_cmdline, 1025 }, E "cmdline: too long (got 1024)" },
    { { "weight", "\0\0\0\0", 4 }, E "weight: out of range 1..65535 (got 0)" },
    { { "weight", "\0\x01\0\0", 4 }, E "weight: out of range 1..65535 (got 65536)" },
    { { "weight", "\x01", 1 }, E "weight: not a 32-bit cell (must be 4 bytes)" },
    { { "cap", "\0\x01\0\0", 4 }, E "cap: out of range 0..65535 (got 65536)" },
    { { "cap", "\0\0\0\0\0\0\0\0", 8 }, E "cap: not a 32-bit cell (must be 4 bytes)" },
};

static void test_refused(void **state)
{
    static uint8_t buf[BUFSZ];
    unsigned int nr;
    char err[256];
    size_t i;

    (void)state;
    memset(long_name, 'n', 64);
    memset(long_cmdline, 'c', 1024);
    for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
        size_t len = build(buf, 3, 1, &err_cases[i].o);

        nr = 99;
        if (parse(buf, len, doms, 8, &nr, err) != -BOOTDESC_EINVAL)
            fail_msg("case %zu (%s) accepted", i, err_cases[i].o.prop);
        assert_int_equal(nr, 0);
        if (strcmp(err, err_cases[i].err) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
                     err_cases[i].err);
    }
    /* the longest accepted name and cmdline */
    {
        struct override o1 = { "name", long_name, 64 };
        struct override o2 = { "cmdline", long_cmdline, 1024 };
        size_t len;

        long_name[63] = '\0';
        long_cmdline[1023] = '\0';
        len = build(buf, 1, 0, &o1);
        assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
        assert_int_equal(strlen(doms[0].name), 63);
        len = build(buf, 1, 0, &o2);
        assert_int_equal(parse(buf, len, doms, 8, &nr, err), 0);
        assert_int_equal(strlen(doms[0].cmdline), 1023);
    }
}

static void test_top_level(void **state)
{
    static uint8_t buf[BUFSZ];
    unsigned int nr;
    char err[256];
    size_t len;

    (void)state;
    /* too many domains */
    len = build(buf, 3, 99, NULL);
    assert_int_equal(parse(buf, len, doms, 2, &nr, err), -BOOTDESC_EINVAL);
    assert_string_equal(err, "boot description: too many domains (at most 2)");
    assert_int_equal(parse(buf, len, NULL, 0, &nr, err), -BOOTDESC_EINVAL);
    /* empty /domains: no domains, fine */
    len = build(buf, 0, 99, NULL);
    assert_int_equal(parse(buf, len, NULL, 0, &nr, err), 0);
    assert_int_equal(nr, 0);
    /* wrong root compatible */
    build(buf, 1, 99, NULL);
    assert_int_equal(fdt_open_into(buf, buf, BUFSZ), 0);
    assert_int_equal(fdt_setprop_string(buf, 0, "compatible", "keel,boot-description-v2"), 0);
    assert_int_equal(parse(buf, fdt_totalsize(buf), doms, 8, &nr, err), -BOOTDESC_EINVAL);
    assert_string_equal(err, "boot description: root compatible is not \"keel,boot-description-v1\"");
    /* no /domains */
    build(buf, 1, 99, NULL);
    assert_int_equal(fdt_open_into(buf, buf, BUFSZ), 0);
    assert_int_equal(fdt_del_node(buf, fdt_path_offset(buf, "/domains")), 0);
    assert_int_equal(parse(buf, fdt_totalsize(buf), doms, 8, &nr, err), -BOOTDESC_EINVAL);
    assert_string_equal(err, "boot description: no /domains node");
    /* a node name with control characters is not echoed raw */
    build(buf, 1, 99, NULL);
    assert_int_equal(fdt_open_into(buf, buf, BUFSZ), 0);
    assert_int_equal(fdt_set_name(buf, fdt_path_offset(buf, "/domains/domU1"),
                                  "\x1b[2Jevil-and-a-very-long-node-name-indeed"), 0);
    assert_int_equal(fdt_delprop(buf, fdt_path_offset(buf, "/domains/\x1b[2Jevil-and-a-very-long-node-name-indeed"),
                                 "vcpus"), 0);
    assert_int_equal(parse(buf, fdt_totalsize(buf), doms, 8, &nr, err), -BOOTDESC_EINVAL);
    assert_string_equal(err, "boot description: domains/?[2Jevil-and-a-very-long-node-na: "
                             "vcpus: missing (required)");
    /* not a DTB */
    assert_int_equal(parse("hello, world, this is not a device tree....", 44,
                           doms, 8, &nr, err), -BOOTDESC_EINVAL);
    assert_string_equal(err, "boot description: malformed device tree at byte 0: "
                             "bad magic (not a flattened device tree)");
    assert_false(bootdesc_is_fdt("hello", 5));
    assert_false(bootdesc_is_fdt(buf, 3));
    assert_true(bootdesc_is_fdt(buf, 4));
}

static void test_small_err_buffer(void **state)
{
    static uint8_t buf[BUFSZ];
    struct override o = { "vcpus", "\0\0\0\0", 4 };
    size_t len = build(buf, 1, 0, &o);
    unsigned int nr;
    char err[8];

    (void)state;
    memset(err, 'x', sizeof(err));
    assert_int_equal(bootdesc_parse(buf, len, NR_MODULES, doms, 8, &nr, err,
                                    sizeof(err)), -BOOTDESC_EINVAL);
    assert_string_equal(err, "boot de");
    assert_int_equal(bootdesc_parse(buf, len, NR_MODULES, doms, 8, &nr, NULL, 0),
                     -BOOTDESC_EINVAL);
}

static void test_truncated(void **state)
{
    static uint8_t buf[BUFSZ];
    size_t len = build(buf, 2, 99, NULL), cut;
    unsigned int nr;
    char err[256];

    (void)state;
    for (cut = 0; cut < len; cut++) {
        nr = 99;
        assert_int_equal(parse(buf, cut, doms, 8, &nr, err), -BOOTDESC_EINVAL);
        assert_int_equal(nr, 0);
        assert_true(strncmp(err, "boot description: malformed device tree", 39) == 0);
    }
}

/* xl.cfg text -> dom0-tools writer -> hypervisor parser. */
static void test_round_trip(void **state)
{
    static const char *cfgs[] = {
        "name = 'web'\nmemory = 512\nmaxmem = 1024\nvcpus = 4\nkernel = '/k1'\n"
        "ramdisk = '/r1'\nroot = '/dev/xvda1'\nextra = 'console=hvc0 quiet'\n"
        "weight = 512\ncap = 150\n",
        "name = \"db\"\nkernel = '/k2'\ncmdline = 'a=\"b c\" d'\n",
        "name = 'x.y_z-1'; kernel = '/k3'; ramdisk = '/r3'; vcpus = 128\n",
    };
    struct xlcfg_domain d[3];
    struct bdgen_modules mods[3];
    char err[XLCFG_ERRLEN];
    unsigned int nr, i;
    uint32_t nr_modules;
    size_t len;
    void *dtb;

    (void)state;
    for (i = 0; i < 3; i++) {
        struct xlcfg *cfg = xlcfg_parse(cfgs[i], strlen(cfgs[i]), "rt.cfg",
                                        err, sizeof(err));

        assert_non_null(cfg);
        assert_int_equal(xlcfg_domain_get(cfg, &d[i], 0, NULL, err, sizeof(err)), 0);
        xlcfg_free(cfg);
    }
    /* dom0 kernel, dom0 initrd, DTB (2), then domU modules from 3 */
    nr_modules = bdgen_assign(d, 3, 2, mods);
    assert_int_equal(nr_modules, 3 + 2 + 1 + 2);
    assert_int_equal(bdgen_build(d, mods, 3, &dtb, &len, err, sizeof(err)), 0);
    assert_int_equal(bootdesc_parse(dtb, len, nr_modules, doms, 8, &nr, err, 256), 0);
    assert_int_equal(nr, 3);
    assert_string_equal(doms[0].name, "web");
    assert_true(doms[0].memory_kib == 512 * 1024);
    assert_true(doms[0].max_memory_kib == 1024 * 1024);
    assert_int_equal(doms[0].vcpus, 4);
    assert_int_equal(doms[0].kernel_module, 3);
    assert_true(doms[0].has_ramdisk);
    assert_int_equal(doms[0].ramdisk_module, 4);
    assert_string_equal(doms[0].cmdline, "root=/dev/xvda1 console=hvc0 quiet");
    assert_int_equal(doms[0].weight, 512);
    assert_int_equal(doms[0].cap, 150);
    assert_string_equal(doms[1].name, "db");
    assert_true(doms[1].memory_kib == 128 * 1024);
    assert_int_equal(doms[1].vcpus, 1);
    assert_int_equal(doms[1].kernel_module, 5);
    assert_false(doms[1].has_ramdisk);
    assert_string_equal(doms[1].cmdline, "a=\"b c\" d");
    assert_int_equal(doms[1].weight, 256);
    assert_int_equal(doms[1].cap, 0);
    assert_string_equal(doms[2].name, "x.y_z-1");
    assert_int_equal(doms[2].kernel_module, 6);
    assert_int_equal(doms[2].ramdisk_module, 7);
    assert_int_equal(doms[2].vcpus, 128);
    /* one module fewer than written: the last ramdisk index is refused */
    assert_int_equal(bootdesc_parse(dtb, len, nr_modules - 1, doms, 8, &nr, err, 256),
                     -BOOTDESC_EINVAL);
    assert_string_equal(err, "boot description: domains/domU3: ramdisk-module: "
                             "no such multiboot module (got 7)");
    free(dtb);
    for (i = 0; i < 3; i++)
        xlcfg_domain_free(&d[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_optional),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_top_level),
        cmocka_unit_test(test_small_err_buffer),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests_name("bootdesc", tests, NULL, NULL);
}
