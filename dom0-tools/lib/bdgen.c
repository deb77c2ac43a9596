/*
 * Boot description writer: xl.cfg domains -> flattened device tree, using
 * libfdt's sequential-write interface.  The schema is documented in
 * docs/boot-description.md and read by hypervisor/common/bootdesc.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "../include/bdgen.h"

uint32_t bdgen_assign(const struct xlcfg_domain *doms, size_t n,
                      uint32_t dtb_module, struct bdgen_modules *mods)
{
    uint32_t next = dtb_module + 1;
    size_t i;

    for (i = 0; i < n; i++) {
        mods[i].kernel = next++;
        mods[i].ramdisk = doms[i].ramdisk ? next++ : 0;
    }
    return next;
}

static int put_domain(void *fdt, size_t i, const struct xlcfg_domain *d,
                      const struct bdgen_modules *m)
{
    char node[32];
    int r;

    snprintf(node, sizeof(node), "domU%zu", i + 1);
    if ((r = fdt_begin_node(fdt, node)) ||
        (r = fdt_property_string(fdt, "compatible", "keel,domain")) ||
        (r = fdt_property_string(fdt, "name", d->name)) ||
        (r = fdt_property_u64(fdt, "memory-kib", d->memory_mib * 1024)) ||
        (r = fdt_property_u64(fdt, "max-memory-kib", d->maxmem_mib * 1024)) ||
        (r = fdt_property_u32(fdt, "vcpus", d->vcpus)) ||
        (r = fdt_property_u32(fdt, "kernel-module", m->kernel)))
        return r;
    if (d->ramdisk && (r = fdt_property_u32(fdt, "ramdisk-module", m->ramdisk)))
        return r;
    if ((r = fdt_property_string(fdt, "cmdline", d->cmdline)) ||
        (r = fdt_property_u32(fdt, "weight", d->weight)) ||
        (r = fdt_property_u32(fdt, "cap", d->cap)))
        return r;
    return fdt_end_node(fdt);
}

static int build(void *fdt, size_t size, const struct xlcfg_domain *doms,
                 const struct bdgen_modules *mods, size_t n)
{
    size_t i;
    int r;

    if ((r = fdt_create(fdt, (int)size)) ||
        (r = fdt_finish_reservemap(fdt)) ||
        (r = fdt_begin_node(fdt, "")) ||
        (r = fdt_property_string(fdt, "compatible",
                                 "keel,boot-description-v1")) ||
        (r = fdt_begin_node(fdt, "domains")))
        return r;
    for (i = 0; i < n; i++) {
        if ((r = put_domain(fdt, i, &doms[i], &mods[i])))
            return r;
    }
    if ((r = fdt_end_node(fdt)) || (r = fdt_end_node(fdt)) ||
        (r = fdt_finish(fdt)))
        return r;
    return 0;
}

int bdgen_build(const struct xlcfg_domain *doms,
                const struct bdgen_modules *mods, size_t n, void **out,
                size_t *outlen, char *err, size_t errlen)
{
    size_t size = 4096;
    void *fdt = NULL;
    int r;

    for (;;) {
        void *p = realloc(fdt, size);

        if (!p) {
            snprintf(err, errlen, "boot description: out of memory");
            free(fdt);
            return -1;
        }
        fdt = p;
        r = build(fdt, size, doms, mods, n);
        if (r != -FDT_ERR_NOSPACE || size >= (64u << 20))
            break;
        size *= 2;
    }
    if (r) {
        snprintf(err, errlen, "boot description: libfdt: %s", fdt_strerror(r));
        free(fdt);
        return -1;
    }
    *out = fdt;
    *outlen = fdt_totalsize(fdt);
    return 0;
}
