/*
 * Bounds-checked flattened device tree reader (see keel/fdt.h).
 *
 * Layout reminder (devicetree specification, v17): a 40-byte big-endian
 * header, a memory reservation map, a structure block of 4-byte aligned
 * tokens (BEGIN_NODE name, END_NODE, PROP len nameoff data, NOP, END) and
 * a strings block holding property names.
 *
 * Every offset below is relative to the structure block and is checked
 * against size_struct before use; every property name offset is checked
 * against size_strings.  Arithmetic is done in 64 bits so that no sum of
 * two 32-bit fields can wrap.
 */
#include <keel/types.h>
#include <keel/lib.h>
#include <keel/fdt.h>

#define KFDT_MAX_TOTAL 0x7fffffffU   /* offsets must fit an int */

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t align4(uint64_t x)
{
    return (x + 3) & ~(uint64_t)3;
}

/* The 32-bit word at structure offset off, if it lies inside the block. */
static bool sb_word(const struct kfdt *f, int off, uint32_t *v)
{
    if (off < 0 || (off & 3) || (uint64_t)off + 4 > f->size_struct)
        return false;
    *v = be32(f->base + f->off_struct + off);
    return true;
}

/* Property name at strings offset nameoff, NUL-terminated in the block. */
static const char *string_at(const struct kfdt *f, uint32_t nameoff)
{
    const char *s;

    if (nameoff >= f->size_strings)
        return NULL;
    s = (const char *)f->base + f->off_strings + nameoff;
    if (strnlen(s, f->size_strings - nameoff) == f->size_strings - nameoff)
        return NULL;                /* runs off the end of the block */
    return s;
}

/*
 * Decode the token at off: its tag in *tag and the offset of the token
 * after it (returned), or -1 if the token does not fit in the block or is
 * malformed.  *why says what is wrong.
 */
static int next_token(const struct kfdt *f, int off, uint32_t *tag,
                      const char **why)
{
    uint32_t len, nameoff;
    uint64_t next;
    size_t n;
    const char *name;

    *why = "token outside the structure block";
    if (!sb_word(f, off, tag))
        return -1;
    switch (*tag) {
    case KFDT_BEGIN_NODE:
        name = (const char *)f->base + f->off_struct + off + 4;
        n = strnlen(name, f->size_struct - (off + 4));
        if (n == f->size_struct - (uint32_t)(off + 4)) {
            *why = "node name not terminated";
            return -1;
        }
        if (n > KFDT_MAX_NAME) {
            *why = "node name too long";
            return -1;
        }
        next = (uint64_t)off + 4 + align4(n + 1);
        break;
    case KFDT_PROP:
        if (!sb_word(f, off + 4, &len) || !sb_word(f, off + 8, &nameoff)) {
            *why = "property header truncated";
            return -1;
        }
        if ((uint64_t)off + 12 + len > f->size_struct) {
            *why = "property value runs off the structure block";
            return -1;
        }
        if (!string_at(f, nameoff)) {
            *why = "property name outside the strings block";
            return -1;
        }
        next = (uint64_t)off + 12 + align4(len);
        break;
    case KFDT_END_NODE:
    case KFDT_NOP:
    case KFDT_END:
        next = (uint64_t)off + 4;
        break;
    default:
        *why = "unknown token";
        return -1;
    }
    if (next > f->size_struct) {
        *why = "token runs off the structure block";
        return -1;
    }
    return (int)next;
}

/* Check the structure block: token by token, nesting, ordering. */
static int check_struct(const struct kfdt *f, const char **why,
                        uint32_t *where)
{
    uint32_t tag, children_seen = 0;   /* bit d: node at depth d has a child */
    unsigned int depth = 0;
    bool root_done = false;
    int off = 0, next;

    for (;;) {
        *where = f->off_struct + (uint32_t)off;
        next = next_token(f, off, &tag, why);
        if (next < 0)
            return -1;
        switch (tag) {
        case KFDT_BEGIN_NODE:
            if (root_done) {
                *why = "more than one root node";
                return -1;
            }
            if (depth == 0 && *((const char *)f->base + f->off_struct + off + 4)) {
                *why = "root node has a name";
                return -1;
            }
            if (depth >= KFDT_MAX_DEPTH) {
                *why = "nodes nested too deeply";
                return -1;
            }
            children_seen |= 1U << depth;
            depth++;
            children_seen &= ~(1U << depth);
            break;
        case KFDT_END_NODE:
            if (depth == 0) {
                *why = "END_NODE outside any node";
                return -1;
            }
            depth--;
            if (depth == 0)
                root_done = true;
            break;
        case KFDT_PROP:
            if (depth == 0) {
                *why = "property outside any node";
                return -1;
            }
            if (children_seen & (1U << depth)) {
                *why = "property after a subnode";
                return -1;
            }
            break;
        case KFDT_NOP:
            break;
        case KFDT_END:
            if (!root_done || depth) {
                *why = depth ? "END inside a node" : "no root node";
                return -1;
            }
            return 0;
        }
        off = next;
    }
}

static uint32_t hdr(const uint8_t *b, unsigned int i)
{
    return be32(b + 4 * i);
}

int kfdt_init(struct kfdt *f, const void *buf, size_t len,
              const char **why, uint32_t *where)
{
    const uint8_t *b = buf;
    uint32_t total, rsv;

    *where = 0;
    memset(f, 0, sizeof(*f));
    if (!buf || len < KFDT_HEADER_SIZE) {
        *why = "truncated header";
        return -1;
    }
    *why = "bad header";
    total = hdr(b, 1);
    if (hdr(b, 0) != KFDT_MAGIC) {
        *why = "bad magic (not a flattened device tree)";
        return -1;
    }
    if (total < KFDT_HEADER_SIZE || total > len || total > KFDT_MAX_TOTAL) {
        *where = 4;
        *why = total > len ? "totalsize larger than the buffer"
                           : "totalsize out of range";
        return -1;
    }
    if (hdr(b, 5) < 17 || hdr(b, 6) > 17) {
        *where = 20;
        *why = "unsupported version (need 17)";
        return -1;
    }
    rsv = hdr(b, 4);
    if (rsv < KFDT_HEADER_SIZE || (rsv & 7) || (uint64_t)rsv + 16 > total) {
        *where = 16;
        *why = "memory reservation map outside the blob";
        return -1;
    }
    f->off_struct = hdr(b, 2);
    f->size_struct = hdr(b, 9);
    if (f->off_struct < KFDT_HEADER_SIZE || (f->off_struct & 3) ||
        (f->size_struct & 3) ||
        (uint64_t)f->off_struct + f->size_struct > total) {
        *where = 8;
        *why = "structure block outside the blob or misaligned";
        return -1;
    }
    f->off_strings = hdr(b, 3);
    f->size_strings = hdr(b, 8);
    if (f->off_strings < KFDT_HEADER_SIZE ||
        (uint64_t)f->off_strings + f->size_strings > total) {
        *where = 12;
        *why = "strings block outside the blob";
        return -1;
    }
    f->base = b;
    f->totalsize = total;
    if (check_struct(f, why, where) < 0) {
        f->base = NULL;
        return -1;
    }
    return 0;
}

/* Offset of the first token at or after off that is not a NOP. */
static int skip_nops(const struct kfdt *f, int off, uint32_t *tag)
{
    const char *why;
    int next;

    while (off >= 0) {
        next = next_token(f, off, tag, &why);
        if (next < 0)
            return -1;
        if (*tag != KFDT_NOP)
            return off;
        off = next;
    }
    return -1;
}

int kfdt_root(const struct kfdt *f)
{
    uint32_t tag;
    int off;

    if (!f->base)
        return KFDT_ERR_NOTFOUND;
    off = skip_nops(f, 0, &tag);
    return (off >= 0 && tag == KFDT_BEGIN_NODE) ? off : KFDT_ERR_NOTFOUND;
}

const char *kfdt_node_name(const struct kfdt *f, int node)
{
    const char *why;
    uint32_t tag;

    if (!f->base || next_token(f, node, &tag, &why) < 0 ||
        tag != KFDT_BEGIN_NODE)
        return NULL;
    return (const char *)f->base + f->off_struct + node + 4;
}

/* Offset after the END_NODE closing the node at node, or -1. */
static int skip_node(const struct kfdt *f, int node)
{
    unsigned int depth = 0;
    const char *why;
    uint32_t tag;
    int off = node;

    do {
        int next = next_token(f, off, &tag, &why);

        if (next < 0 || tag == KFDT_END)
            return -1;
        if (tag == KFDT_BEGIN_NODE)
            depth++;
        else if (tag == KFDT_END_NODE) {
            if (depth == 0)
                return -1;
            depth--;
        }
        off = next;
    } while (depth);
    return off;
}

/* Offset of the first token inside node after its properties. */
static int after_props(const struct kfdt *f, int node, uint32_t *tag)
{
    const char *why;
    int off;

    if (!kfdt_node_name(f, node))
        return -1;
    off = next_token(f, node, tag, &why);
    for (;;) {
        off = skip_nops(f, off, tag);
        if (off < 0 || *tag != KFDT_PROP)
            return off;
        off = next_token(f, off, tag, &why);
    }
}

int kfdt_first_child(const struct kfdt *f, int node)
{
    uint32_t tag;
    int off = after_props(f, node, &tag);

    return (off >= 0 && tag == KFDT_BEGIN_NODE) ? off : KFDT_ERR_NOTFOUND;
}

int kfdt_next_sibling(const struct kfdt *f, int node)
{
    uint32_t tag;
    int off;

    if (!kfdt_node_name(f, node))
        return KFDT_ERR_NOTFOUND;
    off = skip_nops(f, skip_node(f, node), &tag);
    return (off >= 0 && tag == KFDT_BEGIN_NODE) ? off : KFDT_ERR_NOTFOUND;
}

int kfdt_subnode(const struct kfdt *f, int parent, const char *name)
{
    int child;

    for (child = kfdt_first_child(f, parent); child >= 0;
         child = kfdt_next_sibling(f, child)) {
        if (strcmp(kfdt_node_name(f, child), name) == 0)
            return child;
    }
    return KFDT_ERR_NOTFOUND;
}

int kfdt_first_prop(const struct kfdt *f, int node)
{
    const char *why;
    uint32_t tag;
    int off;

    if (!kfdt_node_name(f, node))
        return KFDT_ERR_NOTFOUND;
    off = skip_nops(f, next_token(f, node, &tag, &why), &tag);
    return (off >= 0 && tag == KFDT_PROP) ? off : KFDT_ERR_NOTFOUND;
}

int kfdt_next_prop(const struct kfdt *f, int prop)
{
    const char *why;
    uint32_t tag;
    int off;

    if (!f->base || next_token(f, prop, &tag, &why) < 0 || tag != KFDT_PROP)
        return KFDT_ERR_NOTFOUND;
    off = skip_nops(f, next_token(f, prop, &tag, &why), &tag);
    return (off >= 0 && tag == KFDT_PROP) ? off : KFDT_ERR_NOTFOUND;
}

bool kfdt_prop_at(const struct kfdt *f, int prop, const char **name,
                  const void **data, uint32_t *len)
{
    const char *why;
    uint32_t tag, nameoff;

    /* next_token checks the whole property: value and name in bounds. */
    if (!f->base || next_token(f, prop, &tag, &why) < 0 || tag != KFDT_PROP)
        return false;
    sb_word(f, prop + 4, len);
    sb_word(f, prop + 8, &nameoff);
    *name = string_at(f, nameoff);
    *data = f->base + f->off_struct + prop + 12;
    return true;
}

const void *kfdt_getprop(const struct kfdt *f, int node, const char *name,
                         uint32_t *len)
{
    const char *pname;
    const void *data;
    int prop;

    for (prop = kfdt_first_prop(f, node); prop >= 0;
         prop = kfdt_next_prop(f, prop)) {
        if (kfdt_prop_at(f, prop, &pname, &data, len) &&
            strcmp(pname, name) == 0)
            return data;
    }
    return NULL;
}

int kfdt_get_u32(const struct kfdt *f, int node, const char *name,
                 uint32_t *out)
{
    uint32_t len;
    const uint8_t *p = kfdt_getprop(f, node, name, &len);

    if (!p)
        return KFDT_ERR_NOTFOUND;
    if (len != 4)
        return KFDT_ERR_BADVALUE;
    *out = be32(p);
    return 0;
}

int kfdt_get_u64(const struct kfdt *f, int node, const char *name,
                 uint64_t *out)
{
    uint32_t len;
    const uint8_t *p = kfdt_getprop(f, node, name, &len);

    if (!p)
        return KFDT_ERR_NOTFOUND;
    if (len != 8)
        return KFDT_ERR_BADVALUE;
    *out = ((uint64_t)be32(p) << 32) | be32(p + 4);
    return 0;
}

int kfdt_get_string(const struct kfdt *f, int node, const char *name,
                    const char **out)
{
    uint32_t len;
    const char *p = kfdt_getprop(f, node, name, &len);

    if (!p)
        return KFDT_ERR_NOTFOUND;
    /* Exactly one string: the only NUL is the last byte. */
    if (len == 0 || strnlen(p, len) != len - 1)
        return KFDT_ERR_BADVALUE;
    *out = p;
    return 0;
}

bool kfdt_stringlist_contains(const struct kfdt *f, int node,
                              const char *name, const char *s)
{
    uint32_t len, pos = 0;
    const char *p = kfdt_getprop(f, node, name, &len);

    if (!p || len == 0 || p[len - 1] != '\0')
        return false;
    while (pos < len) {
        size_t n = strnlen(p + pos, len - pos);

        if (strcmp(p + pos, s) == 0)
            return true;
        pos += (uint32_t)n + 1;
    }
    return false;
}
