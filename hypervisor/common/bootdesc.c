/*
 * Boot description parser (see keel/bootdesc.h, docs/boot-description.md).
 *
 * decode only: reads the untrusted blob through the bounds-checked FDT
 * reader and fills the caller's array; building the domains is someone
 * else's job, done only after the whole description has been accepted.
 *
 * Error messages name the node and the property:
 *   "boot description: domains/web: vcpus: out of range 1..128 (got 0)"
 * and use only %s and %u so that the hypervisor's small vsnprintf does.
 */
#include <keel/types.h>
#include <keel/lib.h>
#include <keel/fdt.h>
#include <keel/bootdesc.h>

struct ctx {
    const struct kfdt *f;
    uint32_t nr_modules;
    char *err;
    size_t errlen;
    char node[33];                  /* domain node being read, sanitised */
};

/* Keep the untrusted node name printable (and short) for messages. */
static void set_node(struct ctx *c, const char *name)
{
    size_t i;

    for (i = 0; name[i] && i < sizeof(c->node) - 1; i++)
        c->node[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
    c->node[i] = '\0';
}

static int fail(struct ctx *c, const char *prop, const char *problem)
{
    if (c->errlen)
        snprintf(c->err, c->errlen, "boot description: domains/%s: %s: %s",
                 c->node, prop, problem);
    return -BOOTDESC_EINVAL;
}

static int fail_u32(struct ctx *c, const char *prop, const char *problem,
                    uint32_t got)
{
    if (c->errlen)
        snprintf(c->err, c->errlen,
                 "boot description: domains/%s: %s: %s (got %u)",
                 c->node, prop, problem, (unsigned int)got);
    return -BOOTDESC_EINVAL;
}

static int fail_top(struct ctx *c, const char *problem)
{
    if (c->errlen)
        snprintf(c->err, c->errlen, "boot description: %s", problem);
    return -BOOTDESC_EINVAL;
}

/* Read a u32 property; absent -> def (or error if required). */
static int get_u32(struct ctx *c, int node, const char *prop, bool required,
                   uint32_t def, uint32_t *out)
{
    int r = kfdt_get_u32(c->f, node, prop, out);

    if (r == KFDT_ERR_NOTFOUND) {
        if (required)
            return fail(c, prop, "missing (required)");
        *out = def;
        return 0;
    }
    if (r < 0)
        return fail(c, prop, "not a 32-bit cell (must be 4 bytes)");
    return 0;
}

static int get_u64(struct ctx *c, int node, const char *prop, bool required,
                   uint64_t def, uint64_t *out)
{
    int r = kfdt_get_u64(c->f, node, prop, out);

    if (r == KFDT_ERR_NOTFOUND) {
        if (required)
            return fail(c, prop, "missing (required)");
        *out = def;
        return 0;
    }
    if (r < 0)
        return fail(c, prop, "not a 64-bit value (must be 8 bytes)");
    return 0;
}

/* Copy a string property into buf (size bytes, NUL included). */
static int get_string(struct ctx *c, int node, const char *prop,
                      bool required, char *buf, size_t size)
{
    const char *s;
    size_t i, n;
    int r = kfdt_get_string(c->f, node, prop, &s);

    if (r == KFDT_ERR_NOTFOUND) {
        if (required)
            return fail(c, prop, "missing (required)");
        buf[0] = '\0';
        return 0;
    }
    if (r < 0)
        return fail(c, prop, "not a single NUL-terminated string");
    n = strlen(s);
    if (n >= size)
        return fail_u32(c, prop, "too long", (uint32_t)n);
    for (i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return fail(c, prop, "contains a non-printable character");
    }
    memcpy(buf, s, n + 1);
    return 0;
}

static bool name_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
}

static int check_name(struct ctx *c, const char *name)
{
    size_t i;

    if (!name[0])
        return fail(c, "name", "empty");
    for (i = 0; name[i]; i++) {
        if (!name_char_ok(name[i]))
            return fail(c, "name", "only letters, digits, '_', '-' and '.' allowed");
    }
    return 0;
}

static int check_module(struct ctx *c, const char *prop, uint32_t m)
{
    if (m == 0)
        return fail(c, prop, "module 0 is dom0's kernel");
    if (m >= c->nr_modules)
        return fail_u32(c, prop, "no such multiboot module", m);
    return 0;
}

/* Decode one domain node into *d; no side effects beyond *d. */
static int parse_domain(struct ctx *c, int node, struct bootdesc_domain *d)
{
    int r;

    memset(d, 0, sizeof(*d));
    if (!kfdt_stringlist_contains(c->f, node, "compatible",
                                  BOOTDESC_DOMAIN_COMPATIBLE))
        return fail(c, "compatible", "not \"" BOOTDESC_DOMAIN_COMPATIBLE "\"");
    if ((r = get_string(c, node, "name", true, d->name, sizeof(d->name))) ||
        (r = check_name(c, d->name)))
        return r;
    if ((r = get_u64(c, node, "memory-kib", true, 0, &d->memory_kib)))
        return r;
    if (d->memory_kib < BOOTDESC_MIN_MEMORY_KIB)
        return fail(c, "memory-kib", "below 16 MiB");
    if (d->memory_kib > BOOTDESC_MAX_MEMORY_KIB)
        return fail(c, "memory-kib", "above 1 TiB");
    if ((r = get_u64(c, node, "max-memory-kib", false, d->memory_kib,
                     &d->max_memory_kib)))
        return r;
    if (d->max_memory_kib < d->memory_kib)
        return fail(c, "max-memory-kib", "below memory-kib");
    if (d->max_memory_kib > BOOTDESC_MAX_MEMORY_KIB)
        return fail(c, "max-memory-kib", "above 1 TiB");
    if ((r = get_u32(c, node, "vcpus", true, 0, &d->vcpus)))
        return r;
    if (d->vcpus < 1 || d->vcpus > BOOTDESC_MAX_VCPUS)
        return fail_u32(c, "vcpus", "out of range 1..128", d->vcpus);
    if ((r = get_u32(c, node, "kernel-module", true, 0, &d->kernel_module)) ||
        (r = check_module(c, "kernel-module", d->kernel_module)))
        return r;
    r = kfdt_get_u32(c->f, node, "ramdisk-module", &d->ramdisk_module);
    if (r == KFDT_ERR_BADVALUE)
        return fail(c, "ramdisk-module", "not a 32-bit cell (must be 4 bytes)");
    d->has_ramdisk = r == 0;
    if (d->has_ramdisk) {
        if ((r = check_module(c, "ramdisk-module", d->ramdisk_module)))
            return r;
        if (d->ramdisk_module == d->kernel_module)
            return fail(c, "ramdisk-module", "same module as the kernel");
    }
    if ((r = get_string(c, node, "cmdline", false, d->cmdline,
                        sizeof(d->cmdline))))
        return r;
    if ((r = get_u32(c, node, "weight", false, BOOTDESC_DEFAULT_WEIGHT,
                     &d->weight)))
        return r;
    if (d->weight < 1 || d->weight > BOOTDESC_MAX_WEIGHT)
        return fail_u32(c, "weight", "out of range 1..65535", d->weight);
    if ((r = get_u32(c, node, "cap", false, 0, &d->cap)))
        return r;
    if (d->cap > BOOTDESC_MAX_CAP)
        return fail_u32(c, "cap", "out of range 0..65535", d->cap);
    return 0;
}

bool bootdesc_is_fdt(const void *buf, size_t len)
{
    const uint8_t *p = buf;

    return buf && len >= 4 && p[0] == 0xd0 && p[1] == 0x0d && p[2] == 0xfe &&
           p[3] == 0xed;
}

static int parse_domains(struct ctx *c, int domains,
                         struct bootdesc_domain *out,
                         unsigned int max_domains, unsigned int *nr)
{
    unsigned int i;
    int node, r;

    for (node = kfdt_first_child(c->f, domains); node >= 0;
         node = kfdt_next_sibling(c->f, node)) {
        set_node(c, kfdt_node_name(c->f, node));
        if (*nr >= max_domains) {
            if (c->errlen)
                snprintf(c->err, c->errlen,
                         "boot description: too many domains (at most %u)",
                         max_domains);
            return -BOOTDESC_EINVAL;
        }
        if ((r = parse_domain(c, node, &out[*nr])))
            return r;
        for (i = 0; i < *nr; i++) {
            if (strcmp(out[i].name, out[*nr].name) == 0)
                return fail(c, "name", "duplicate domain name");
        }
        (*nr)++;
    }
    return 0;
}

int bootdesc_parse(const void *dtb, size_t len, uint32_t nr_modules,
                   struct bootdesc_domain *out, unsigned int max_domains,
                   unsigned int *nr_out, char *err, size_t errlen)
{
    struct kfdt f;
    struct ctx c = { .f = &f, .nr_modules = nr_modules, .err = err,
                     .errlen = errlen };
    unsigned int nr = 0;
    const char *why;
    uint32_t where;
    int root, domains, r;

    *nr_out = 0;
    if (errlen)
        err[0] = '\0';
    if (kfdt_init(&f, dtb, len, &why, &where) < 0) {
        if (errlen)
            snprintf(err, errlen,
                     "boot description: malformed device tree at byte %u: %s",
                     (unsigned int)where, why);
        return -BOOTDESC_EINVAL;
    }
    root = kfdt_root(&f);
    if (!kfdt_stringlist_contains(&f, root, "compatible", BOOTDESC_COMPATIBLE))
        return fail_top(&c, "root compatible is not \"" BOOTDESC_COMPATIBLE "\"");
    domains = kfdt_subnode(&f, root, "domains");
    if (domains < 0)
        return fail_top(&c, "no /domains node");
    r = parse_domains(&c, domains, out, max_domains, &nr);
    if (r)
        return r;
    *nr_out = nr;
    return 0;
}
