/*
 * libFuzzer harness: the hypervisor's FDT reader (hypervisor/common/fdt.c).
 * Any input: kfdt_init must not read outside it; an accepted tree must be
 * walkable, every read staying inside the blob.  Build (host, clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DKEEL_HOST_TEST \
 *     -Ihypervisor/include tests/fuzz/fuzz_fdt.c hypervisor/common/fdt.c
 * Seed corpus: tests/fuzz/corpus/fdt/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <keel/fdt.h>

static const char *const names[] = {
    "compatible", "name", "memory-kib", "vcpus", "cmdline", "x", "",
};

static void check_in_blob(const struct kfdt *f, const void *p, uint32_t len)
{
    const uint8_t *b = p;

    if (b < f->base || b + len > f->base + f->totalsize)
        abort();
}

static void visit(const struct kfdt *f, int node, unsigned int depth)
{
    const char *name, *s;
    const void *data;
    uint32_t len, u32;
    uint64_t u64;
    size_t i;
    int p, c;

    if (depth > KFDT_MAX_DEPTH || !kfdt_node_name(f, node))
        abort();
    for (p = kfdt_first_prop(f, node); p >= 0; p = kfdt_next_prop(f, p)) {
        if (!kfdt_prop_at(f, p, &name, &data, &len))
            abort();
        check_in_blob(f, data, len);
        check_in_blob(f, name, (uint32_t)strlen(name) + 1);
        (void)kfdt_node_name(f, p);     /* not a node: must say so */
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        (void)kfdt_get_u32(f, node, names[i], &u32);
        (void)kfdt_get_u64(f, node, names[i], &u64);
        if (kfdt_get_string(f, node, names[i], &s) == 0)
            check_in_blob(f, s, (uint32_t)strlen(s) + 1);
        (void)kfdt_stringlist_contains(f, node, names[i], "keel,domain");
        (void)kfdt_subnode(f, node, names[i]);
    }
    for (c = kfdt_first_child(f, node); c >= 0; c = kfdt_next_sibling(f, c))
        visit(f, c, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kfdt f;
    const char *why;
    uint32_t where;
    int off;

    if (kfdt_init(&f, data, size, &why, &where) < 0) {
        if (!why || (size >= KFDT_HEADER_SIZE && where >= size))
            abort();
        return 0;
    }
    visit(&f, kfdt_root(&f), 1);
    /* accessors given arbitrary offsets must stay in bounds */
    for (off = -8; off < (int)f.size_struct + 8; off += 4) {
        const char *name;
        const void *d;
        uint32_t len;

        (void)kfdt_node_name(&f, off);
        (void)kfdt_first_child(&f, off);
        (void)kfdt_next_sibling(&f, off);
        (void)kfdt_next_prop(&f, off);
        if (kfdt_prop_at(&f, off, &name, &d, &len))
            check_in_blob(&f, d, len);
    }
    return 0;
}
