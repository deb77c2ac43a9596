/*
 * Unit tests: the hypervisor's bounds-checked FDT reader
 * (hypervisor/common/fdt.c).  Good trees are built with the host's libfdt;
 * malformed ones by patching those or by assembling tokens by hand.  Every
 * blob is copied into a buffer of exactly its length so that AddressSanitizer
 * catches any read past the end.
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

#include <keel/fdt.h>

/* ---- helpers --------------------------------------------------------- */

static void *exact_copy(const void *src, size_t len)
{
    void *p = malloc(len ? len : 1);

    assert_non_null(p);
    memcpy(p, src, len);
    return p;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Walk everything reachable; returns the number of nodes + properties. */
static unsigned int walk(const struct kfdt *f, int node, unsigned int depth)
{
    unsigned int n = 1;
    const char *name;
    const void *data;
    uint32_t len;
    int p, c;

    assert_true(depth <= KFDT_MAX_DEPTH);
    assert_non_null(kfdt_node_name(f, node));
    for (p = kfdt_first_prop(f, node); p >= 0; p = kfdt_next_prop(f, p)) {
        assert_true(kfdt_prop_at(f, p, &name, &data, &len));
        assert_true((const uint8_t *)data + len <= f->base + f->totalsize);
        n++;
    }
    for (c = kfdt_first_child(f, node); c >= 0; c = kfdt_next_sibling(f, c))
        n += walk(f, c, depth + 1);
    return n;
}

/* A good tree: root with properties and nested nodes. */
static size_t make_good(void *buf, size_t size)
{
    static const char list[] = "vendor,thing\0keel,boot-description-v1";
    int i;

    assert_int_equal(fdt_create(buf, (int)size), 0);
    assert_int_equal(fdt_add_reservemap_entry(buf, 0x1000, 0x2000), 0);
    assert_int_equal(fdt_finish_reservemap(buf), 0);
    assert_int_equal(fdt_begin_node(buf, ""), 0);
    assert_int_equal(fdt_property(buf, "compatible", list, sizeof(list)), 0);
    assert_int_equal(fdt_property_u32(buf, "u32", 0xdeadbeef), 0);
    assert_int_equal(fdt_property_u64(buf, "u64", 0x0123456789abcdefULL), 0);
    assert_int_equal(fdt_property_string(buf, "str", "hello"), 0);
    assert_int_equal(fdt_property(buf, "empty", NULL, 0), 0);
    assert_int_equal(fdt_property(buf, "three", "abc", 3), 0);
    assert_int_equal(fdt_property(buf, "inner", "a\0b", 4), 0);
    assert_int_equal(fdt_begin_node(buf, "a"), 0);
    assert_int_equal(fdt_property_u32(buf, "x", 1), 0);
    assert_int_equal(fdt_begin_node(buf, "a1"), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_end_node(buf), 0);
    for (i = 0; i < 3; i++) {
        char name[16];

        snprintf(name, sizeof(name), "b%d", i);
        assert_int_equal(fdt_begin_node(buf, name), 0);
        assert_int_equal(fdt_property_u32(buf, "i", (uint32_t)i), 0);
        assert_int_equal(fdt_end_node(buf), 0);
    }
    assert_int_equal(fdt_end_node(buf), 0);
    assert_int_equal(fdt_finish(buf), 0);
    return fdt_totalsize(buf);
}

/*
 * Hand-assembled blobs: header, an empty reservation map, the structure
 * words given, and a strings block.
 */
struct raw {
    uint8_t s[512];
    size_t n;
};

static void w(struct raw *r, uint32_t v)
{
    put_be32(r->s + r->n, v);
    r->n += 4;
}

static void wname(struct raw *r, const char *name)
{
    size_t len = strlen(name) + 1;

    memset(r->s + r->n, 0, (len + 3) & ~3u);
    memcpy(r->s + r->n, name, len);
    r->n += (len + 3) & ~3u;
}

static void wprop(struct raw *r, uint32_t nameoff, const void *data,
                  uint32_t len)
{
    w(r, KFDT_PROP);
    w(r, len);
    w(r, nameoff);
    memset(r->s + r->n, 0, (len + 3) & ~3u);
    memcpy(r->s + r->n, data, len);
    r->n += (len + 3) & ~3u;
}

/* strings: "compatible\0name\0" -> offsets 0 and 11 */
static const char raw_strings[] = "compatible\0name";

static uint8_t *raw_blob(const struct raw *r, const char *strings,
                         size_t strings_len, size_t *len)
{
    size_t off_struct = 40 + 16, off_strings = off_struct + r->n;
    size_t total = off_strings + strings_len;
    uint8_t *b = calloc(1, total);

    assert_non_null(b);
    put_be32(b, KFDT_MAGIC);
    put_be32(b + 4, (uint32_t)total);
    put_be32(b + 8, (uint32_t)off_struct);
    put_be32(b + 12, (uint32_t)off_strings);
    put_be32(b + 16, 40);
    put_be32(b + 20, 17);
    put_be32(b + 24, 16);
    put_be32(b + 32, (uint32_t)strings_len);
    put_be32(b + 36, (uint32_t)r->n);
    memcpy(b + off_struct, r->s, r->n);
    memcpy(b + off_strings, strings, strings_len);
    *len = total;
    return b;
}

static int init_raw(const struct raw *r, const char **why)
{
    struct kfdt f;
    size_t len;
    uint32_t where;
    uint8_t *b = raw_blob(r, raw_strings, sizeof(raw_strings), &len);
    int ret = kfdt_init(&f, b, len, why, &where);

    if (ret == 0)
        walk(&f, kfdt_root(&f), 1);
    free(b);
    return ret;
}

/* ---- good trees ------------------------------------------------------ */

static void test_good_tree(void **state)
{
    static uint8_t buf[4096];
    size_t len = make_good(buf, sizeof(buf));
    uint8_t *b = exact_copy(buf, len);
    struct kfdt f;
    const char *why, *s, *name;
    const void *data;
    uint32_t where, u32, plen;
    uint64_t u64;
    int root, a, c, p;

    (void)state;
    assert_int_equal(kfdt_init(&f, b, len, &why, &where), 0);
    root = kfdt_root(&f);
    assert_true(root >= 0);
    assert_string_equal(kfdt_node_name(&f, root), "");
    assert_int_equal(kfdt_get_u32(&f, root, "u32", &u32), 0);
    assert_true(u32 == 0xdeadbeef);
    assert_int_equal(kfdt_get_u64(&f, root, "u64", &u64), 0);
    assert_true(u64 == 0x0123456789abcdefULL);
    assert_int_equal(kfdt_get_string(&f, root, "str", &s), 0);
    assert_string_equal(s, "hello");
    assert_true(kfdt_stringlist_contains(&f, root, "compatible", "vendor,thing"));
    assert_true(kfdt_stringlist_contains(&f, root, "compatible",
                                         "keel,boot-description-v1"));
    assert_false(kfdt_stringlist_contains(&f, root, "compatible", "keel"));
    assert_false(kfdt_stringlist_contains(&f, root, "nope", "x"));
    assert_non_null(kfdt_getprop(&f, root, "empty", &plen));
    assert_int_equal(plen, 0);
    assert_null(kfdt_getprop(&f, root, "nope", &plen));
    /* wrong sizes and forms */
    assert_int_equal(kfdt_get_u32(&f, root, "u64", &u32), KFDT_ERR_BADVALUE);
    assert_int_equal(kfdt_get_u64(&f, root, "u32", &u64), KFDT_ERR_BADVALUE);
    assert_int_equal(kfdt_get_u32(&f, root, "empty", &u32), KFDT_ERR_BADVALUE);
    assert_int_equal(kfdt_get_u32(&f, root, "nope", &u32), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_get_string(&f, root, "empty", &s), KFDT_ERR_BADVALUE);
    assert_int_equal(kfdt_get_string(&f, root, "three", &s), KFDT_ERR_BADVALUE);
    assert_int_equal(kfdt_get_string(&f, root, "inner", &s), KFDT_ERR_BADVALUE);
    assert_int_equal(kfdt_get_string(&f, root, "u32", &s), KFDT_ERR_BADVALUE);
    assert_false(kfdt_stringlist_contains(&f, root, "three", "abc"));
    assert_int_equal(kfdt_get_string(&f, root, "nope", &s), KFDT_ERR_NOTFOUND);
    /* properties in order */
    p = kfdt_first_prop(&f, root);
    assert_true(kfdt_prop_at(&f, p, &name, &data, &plen));
    assert_string_equal(name, "compatible");
    p = kfdt_next_prop(&f, p);
    assert_true(kfdt_prop_at(&f, p, &name, &data, &plen));
    assert_string_equal(name, "u32");
    assert_false(kfdt_prop_at(&f, root, &name, &data, &plen));
    /* children in order */
    a = kfdt_first_child(&f, root);
    assert_string_equal(kfdt_node_name(&f, a), "a");
    c = kfdt_first_child(&f, a);
    assert_string_equal(kfdt_node_name(&f, c), "a1");
    assert_int_equal(kfdt_first_child(&f, c), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_first_prop(&f, c), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_next_sibling(&f, c), KFDT_ERR_NOTFOUND);
    c = kfdt_next_sibling(&f, a);
    assert_string_equal(kfdt_node_name(&f, c), "b0");
    c = kfdt_next_sibling(&f, c);
    assert_string_equal(kfdt_node_name(&f, c), "b1");
    c = kfdt_subnode(&f, root, "b2");
    assert_int_equal(kfdt_get_u32(&f, c, "i", &u32), 0);
    assert_int_equal(u32, 2);
    assert_int_equal(kfdt_next_sibling(&f, c), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_subnode(&f, root, "b3"), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_subnode(&f, root, "a1"), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_next_sibling(&f, root), KFDT_ERR_NOTFOUND);
    assert_int_equal(walk(&f, root, 1), 1 + 7 + 1 + 1 + 1 + 3 * 2);
    /* bogus offsets given to the accessors */
    assert_null(kfdt_node_name(&f, -4));
    assert_null(kfdt_node_name(&f, 0x7ffffffc));
    assert_null(kfdt_node_name(&f, p));
    assert_null(kfdt_node_name(&f, root + 1));
    assert_int_equal(kfdt_first_child(&f, -1), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_next_prop(&f, 0x7fffffff), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_first_prop(&f, p), KFDT_ERR_NOTFOUND);
    free(b);
}

static void test_nops_are_skipped(void **state)
{
    static uint8_t buf[4096];
    size_t len;
    struct kfdt f;
    const char *why;
    uint32_t where, u32;
    uint8_t *b;
    int root, c;

    (void)state;
    make_good(buf, sizeof(buf));
    assert_int_equal(fdt_open_into(buf, buf, sizeof(buf)), 0);
    /* NOP out a property and a whole node with libfdt */
    assert_int_equal(fdt_nop_property(buf, 0, "u32"), 0);
    assert_int_equal(fdt_nop_node(buf, fdt_path_offset(buf, "/a")), 0);
    assert_int_equal(fdt_pack(buf), 0);
    len = fdt_totalsize(buf);
    b = exact_copy(buf, len);
    assert_int_equal(kfdt_init(&f, b, len, &why, &where), 0);
    root = kfdt_root(&f);
    assert_int_equal(kfdt_get_u32(&f, root, "u32", &u32), KFDT_ERR_NOTFOUND);
    assert_int_equal(kfdt_subnode(&f, root, "a"), KFDT_ERR_NOTFOUND);
    c = kfdt_first_child(&f, root);
    assert_string_equal(kfdt_node_name(&f, c), "b0");
    assert_int_equal(walk(&f, root, 1), 1 + 6 + 3 * 2);
    free(b);
}

static void test_depth_limit(void **state)
{
    static uint8_t buf[4096];
    unsigned int depth;

    (void)state;
    for (depth = KFDT_MAX_DEPTH; depth <= KFDT_MAX_DEPTH + 1; depth++) {
        struct kfdt f;
        const char *why;
        uint32_t where;
        unsigned int i;
        uint8_t *b;
        int r;

        assert_int_equal(fdt_create(buf, sizeof(buf)), 0);
        assert_int_equal(fdt_finish_reservemap(buf), 0);
        assert_int_equal(fdt_begin_node(buf, ""), 0);
        for (i = 1; i < depth; i++)
            assert_int_equal(fdt_begin_node(buf, "n"), 0);
        for (i = 0; i < depth; i++)
            assert_int_equal(fdt_end_node(buf), 0);
        assert_int_equal(fdt_finish(buf), 0);
        b = exact_copy(buf, fdt_totalsize(buf));
        r = kfdt_init(&f, b, fdt_totalsize(buf), &why, &where);
        if (depth <= KFDT_MAX_DEPTH) {
            assert_int_equal(r, 0);
            assert_int_equal(walk(&f, kfdt_root(&f), 1), depth);
        } else {
            assert_int_equal(r, -1);
            assert_string_equal(why, "nodes nested too deeply");
        }
        free(b);
    }
}

/* ---- malformed: truncation ------------------------------------------- */

static void test_truncated_everywhere(void **state)
{
    static uint8_t buf[4096];
    size_t len = make_good(buf, sizeof(buf)), cut;

    (void)state;
    for (cut = 0; cut < len; cut++) {
        struct kfdt f;
        const char *why;
        uint32_t where;
        uint8_t *b = exact_copy(buf, cut);

        /* the header still claims the full size */
        if (kfdt_init(&f, b, cut, &why, &where) == 0)
            fail_msg("accepted a blob cut at %zu of %zu", cut, len);
        if (cut >= KFDT_HEADER_SIZE)
            assert_string_equal(why, "totalsize larger than the buffer");
        else
            assert_string_equal(why, "truncated header");
        /* and with totalsize/size_dt_struct lying consistently */
        if (cut >= KFDT_HEADER_SIZE) {
            put_be32(b + 4, (uint32_t)cut);
            if (kfdt_init(&f, b, cut, &why, &where) == 0)
                walk(&f, kfdt_root(&f), 1);
        }
        free(b);
    }
}

/* ---- malformed: header fields ---------------------------------------- */

struct hdr_case {
    unsigned int word;          /* header word index */
    uint32_t value;
    const char *why;
};

static const struct hdr_case hdr_cases[] = {
    { 0, 0xedfe0dd0, "bad magic (not a flattened device tree)" },
    { 0, 0, "bad magic (not a flattened device tree)" },
    { 1, 0xffffffff, "totalsize larger than the buffer" },
    { 1, 39, "totalsize out of range" },
    { 1, 0, "totalsize out of range" },
    { 2, 0xfffffffc, "structure block outside the blob or misaligned" },
    { 2, 58, "structure block outside the blob or misaligned" },
    { 2, 0, "structure block outside the blob or misaligned" },
    { 2, 36, "structure block outside the blob or misaligned" },
    { 3, 0xffffffff, "strings block outside the blob" },
    { 3, 0, "strings block outside the blob" },
    { 4, 0, "memory reservation map outside the blob" },
    { 4, 44, "memory reservation map outside the blob" },
    { 4, 0xfffffff8, "memory reservation map outside the blob" },
    { 5, 16, "unsupported version (need 17)" },
    { 6, 18, "unsupported version (need 17)" },
    { 8, 0xffffffff, "strings block outside the blob" },
    { 8, 0x7fffffff, "strings block outside the blob" },
    { 9, 0xfffffffc, "structure block outside the blob or misaligned" },
    { 9, 2, "structure block outside the blob or misaligned" },
    { 9, 0, "token outside the structure block" },
    { 9, 4, "node name not terminated" },
    { 8, 0, "property name outside the strings block" },
    { 8, 3, "property name outside the strings block" },
};

static void test_bad_header(void **state)
{
    static uint8_t buf[4096];
    size_t len = make_good(buf, sizeof(buf)), i;

    (void)state;
    for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
        struct kfdt f;
        const char *why = NULL;
        uint32_t where;
        uint8_t *b = exact_copy(buf, len);

        put_be32(b + 4 * hdr_cases[i].word, hdr_cases[i].value);
        if (kfdt_init(&f, b, len, &why, &where) == 0)
            fail_msg("case %zu accepted", i);
        if (strcmp(why, hdr_cases[i].why) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, why,
                     hdr_cases[i].why);
        assert_null(f.base);
        free(b);
    }
}

static void test_null_and_tiny(void **state)
{
    struct kfdt f;
    const char *why;
    uint32_t where;
    static const uint8_t magic[40] = { 0xd0, 0x0d, 0xfe, 0xed };

    (void)state;
    assert_int_equal(kfdt_init(&f, NULL, 100, &why, &where), -1);
    assert_int_equal(kfdt_init(&f, magic, 39, &why, &where), -1);
    assert_string_equal(why, "truncated header");
    assert_int_equal(kfdt_init(&f, magic, 40, &why, &where), -1);
    assert_string_equal(why, "totalsize out of range");
    assert_int_equal(kfdt_root(&f), KFDT_ERR_NOTFOUND);
}

/* ---- malformed: structure block -------------------------------------- */

static void test_struct_good_raw(void **state)
{
    struct raw r = { .n = 0 };
    const char *why;

    (void)state;
    w(&r, KFDT_NOP);
    w(&r, KFDT_BEGIN_NODE); wname(&r, "");
    wprop(&r, 0, "x\0", 2);
    w(&r, KFDT_BEGIN_NODE); wname(&r, "child");
    w(&r, KFDT_NOP);
    w(&r, KFDT_END_NODE);
    w(&r, KFDT_END_NODE);
    w(&r, KFDT_NOP);
    w(&r, KFDT_END);
    assert_int_equal(init_raw(&r, &why), 0);
}

struct struct_case {
    uint32_t words[16];         /* up to WEND; NAME(n) = name of n chars */
    const char *why;
};

#define WEND 0xeeeeeeeeu
#define NAME(n) (0x4e410000u | (n))
#define P(nameoff, len) KFDT_PROP, (len), (nameoff)

static const struct struct_case struct_cases[] = {
    { { KFDT_END, WEND }, "no root node" },
    { { KFDT_NOP, WEND }, "token outside the structure block" },
    { { KFDT_BEGIN_NODE, NAME(0), WEND }, "token outside the structure block" },
    { { KFDT_BEGIN_NODE, NAME(0), KFDT_END, WEND }, "END inside a node" },
    { { KFDT_BEGIN_NODE, NAME(0), KFDT_END_NODE, KFDT_END_NODE, KFDT_END, WEND },
      "END_NODE outside any node" },
    { { KFDT_END_NODE, KFDT_END, WEND }, "END_NODE outside any node" },
    { { P(0, 0), KFDT_END, WEND }, "property outside any node" },
    { { KFDT_BEGIN_NODE, NAME(1), KFDT_END_NODE, KFDT_END, WEND }, "root node has a name" },
    { { KFDT_BEGIN_NODE, NAME(0), KFDT_END_NODE, KFDT_BEGIN_NODE, NAME(0),
        KFDT_END_NODE, KFDT_END, WEND }, "more than one root node" },
    { { KFDT_BEGIN_NODE, NAME(0), 5, KFDT_END_NODE, KFDT_END, WEND }, "unknown token" },
    { { KFDT_BEGIN_NODE, NAME(0), 0x01000000, KFDT_END_NODE, KFDT_END, WEND }, "unknown token" },
    { { KFDT_BEGIN_NODE, NAME(0), KFDT_BEGIN_NODE, NAME(1), KFDT_END_NODE,
        P(0, 0), KFDT_END_NODE, KFDT_END, WEND }, "property after a subnode" },
    { { KFDT_BEGIN_NODE, NAME(0), P(0, 0xffffffff), KFDT_END_NODE, KFDT_END, WEND },
      "property value runs off the structure block" },
    { { KFDT_BEGIN_NODE, NAME(0), P(0, 0x7ffffff0), KFDT_END_NODE, KFDT_END, WEND },
      "property value runs off the structure block" },
    { { KFDT_BEGIN_NODE, NAME(0), P(0, 13), KFDT_END_NODE, KFDT_END, WEND },
      "property value runs off the structure block" },
    /* the value swallows END_NODE and END */
    { { KFDT_BEGIN_NODE, NAME(0), P(0, 8), KFDT_END_NODE, KFDT_END, WEND },
      "token outside the structure block" },
    { { KFDT_BEGIN_NODE, NAME(0), P(0xffffffff, 0), KFDT_END_NODE, KFDT_END, WEND },
      "property name outside the strings block" },
    { { KFDT_BEGIN_NODE, NAME(0), P(16, 0), KFDT_END_NODE, KFDT_END, WEND },
      "property name outside the strings block" },
    { { KFDT_BEGIN_NODE, NAME(0), KFDT_PROP, 0, WEND }, "property header truncated" },
    { { KFDT_BEGIN_NODE, NAME(0), KFDT_END_NODE, WEND }, "token outside the structure block" },
};

static void build_struct_case(struct raw *r, const uint32_t *words)
{
    size_t i;

    r->n = 0;
    for (i = 0; words[i] != WEND; i++) {
        if ((words[i] & 0xffff0000u) == 0x4e410000u) {
            char name[64];
            uint32_t n = words[i] & 0xffff;

            memset(name, 'n', n);
            name[n] = '\0';
            wname(r, name);
        } else {
            w(r, words[i]);
        }
    }
}

static void test_struct_errors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(struct_cases) / sizeof(struct_cases[0]); i++) {
        struct raw r;
        const char *why = NULL;

        build_struct_case(&r, struct_cases[i].words);
        if (init_raw(&r, &why) == 0)
            fail_msg("case %zu accepted", i);
        if (strcmp(why, struct_cases[i].why) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, why,
                     struct_cases[i].why);
    }
}

static void test_unterminated_names(void **state)
{
    struct raw r = { .n = 0 };
    const char *why;
    size_t len;
    struct kfdt f;
    uint32_t where;
    uint8_t *b;
    static const char strings[] = { 'a', 'b', 'c' };   /* no NUL */

    (void)state;
    /* node name running to the end of the structure block */
    w(&r, KFDT_BEGIN_NODE);
    memcpy(r.s + r.n, "abcd", 4);
    r.n += 4;
    assert_int_equal(init_raw(&r, &why), -1);
    assert_string_equal(why, "node name not terminated");
    /* node name too long */
    r.n = 0;
    w(&r, KFDT_BEGIN_NODE); wname(&r, "");
    w(&r, KFDT_BEGIN_NODE);
    memset(r.s + r.n, 'x', 256);
    r.n += 256;
    memset(r.s + r.n, 0, 4);
    r.n += 4;
    w(&r, KFDT_END_NODE); w(&r, KFDT_END_NODE); w(&r, KFDT_END);
    assert_int_equal(init_raw(&r, &why), -1);
    assert_string_equal(why, "node name too long");
    /* property name not NUL-terminated inside the strings block */
    r.n = 0;
    w(&r, KFDT_BEGIN_NODE); wname(&r, "");
    wprop(&r, 0, "", 0);
    w(&r, KFDT_END_NODE); w(&r, KFDT_END);
    b = raw_blob(&r, strings, sizeof(strings), &len);
    assert_int_equal(kfdt_init(&f, b, len, &why, &where), -1);
    assert_string_equal(why, "property name outside the strings block");
    assert_int_equal(where, 40 + 16 + 8);
    free(b);
}

/* Every bit of a good blob flipped, and every byte set to 0xff: no crash,
 * and whatever is accepted can be walked inside the buffer. */
static void test_bit_flips(void **state)
{
    static uint8_t buf[4096];
    size_t len = make_good(buf, sizeof(buf)), i;
    unsigned int bit, accepted = 0;

    (void)state;
    for (i = 0; i < len; i++) {
        for (bit = 0; bit <= 8; bit++) {
            struct kfdt f;
            const char *why;
            uint32_t where;
            uint8_t *b = exact_copy(buf, len);

            b[i] = bit == 8 ? 0xff : (uint8_t)(b[i] ^ (1u << bit));
            if (kfdt_init(&f, b, len, &why, &where) == 0) {
                walk(&f, kfdt_root(&f), 1);
                accepted++;
            } else {
                assert_true(where < len);
            }
            free(b);
        }
    }
    /* flips in property values and names are still valid trees */
    assert_true(accepted > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_tree),
        cmocka_unit_test(test_nops_are_skipped),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_null_and_tiny),
        cmocka_unit_test(test_struct_good_raw),
        cmocka_unit_test(test_struct_errors),
        cmocka_unit_test(test_unterminated_names),
        cmocka_unit_test(test_bit_flips),
    };

    return cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
}
