/*
 * keel-bootdesc: read the domU configs, validate them together, write the
 * DTB and print the module list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootdesc_cli.h"

/* Read and validate every config; names must be unique. */
static int read_domains(const struct cli *c, struct xlcfg_domain *doms)
{
    char err[XLCFG_ERRLEN];
    int i, j;

    for (i = 0; i < c->nr_cfgs; i++) {
        struct xlcfg *cfg = xlcfg_parse_file(c->cfgs[i], err, sizeof(err));
        int r;

        if (!cfg) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        r = xlcfg_domain_get(cfg, &doms[i], XLCFG_CHECK_FILES, stderr, err,
                             sizeof(err));
        xlcfg_free(cfg);
        if (r < 0) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(doms[j].name, doms[i].name) == 0) {
                fprintf(stderr, "%s:%d: name: duplicate domain name \"%s\" "
                        "(also in %s)\n", c->cfgs[i], doms[i].name_line,
                        doms[i].name, c->cfgs[j]);
                return -1;
            }
        }
    }
    return 0;
}

static int write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok;

    if (!f) {
        fprintf(stderr, "keel-bootdesc: %s: cannot write: %m\n", path);
        return -1;
    }
    ok = fwrite(buf, 1, len, f) == len;
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "keel-bootdesc: %s: cannot write: %m\n", path);
        remove(path);
        return -1;
    }
    return 0;
}

/* The full module list: dom0 kernel, dom0 initrd, DTB, domU modules. */
static uint32_t list_modules(const struct cli *c,
                             const struct xlcfg_domain *doms,
                             struct module *m)
{
    uint32_t n = 0;
    int i;

    m[n++] = (struct module){ c->dom0_kernel ? c->dom0_kernel : "DOM0_KERNEL",
                              c->dom0_args ? c->dom0_args : "DOM0_ARGS",
                              "dom0 kernel", NULL };
    if (c->dom0_initrd)
        m[n++] = (struct module){ c->dom0_initrd, "", "dom0 initrd", NULL };
    m[n++] = (struct module){ c->out, "", "boot description", NULL };
    for (i = 0; i < c->nr_cfgs; i++) {
        m[n++] = (struct module){ doms[i].kernel, "", "kernel", doms[i].name };
        if (doms[i].ramdisk)
            m[n++] = (struct module){ doms[i].ramdisk, "", "ramdisk",
                                      doms[i].name };
    }
    return n;
}

int cli_generate(const struct cli *c)
{
    struct xlcfg_domain *doms = NULL;
    struct bdgen_modules mods[MAX_DOMUS];
    struct module modules[3 + 2 * MAX_DOMUS];
    char err[XLCFG_ERRLEN];
    uint32_t nr_modules;
    size_t len;
    void *dtb = NULL;
    int i, r = 1;

    if (c->nr_cfgs > MAX_DOMUS) {
        fprintf(stderr, "keel-bootdesc: too many domUs (%d, at most %d)\n",
                c->nr_cfgs, MAX_DOMUS);
        return 1;
    }
    doms = calloc((size_t)c->nr_cfgs, sizeof(*doms));
    if (!doms || read_domains(c, doms) < 0)
        goto out;
    nr_modules = list_modules(c, doms, modules);
    /* The DTB is module 1, or 2 after a dom0 initrd. */
    bdgen_assign(doms, (size_t)c->nr_cfgs, c->dom0_initrd ? 2 : 1, mods);
    /* Check the module list can be printed before writing anything. */
    if (cli_print(c, modules, nr_modules, false) < 0)
        goto out;
    if (bdgen_build(doms, mods, (size_t)c->nr_cfgs, &dtb, &len, err,
                    sizeof(err)) < 0) {
        fprintf(stderr, "keel-bootdesc: %s\n", err);
        goto out;
    }
    if (write_file(c->out, dtb, len) < 0)
        goto out;
    if (cli_print(c, modules, nr_modules, true) < 0)
        goto out;
    r = 0;
out:
    for (i = 0; doms && i < c->nr_cfgs; i++)
        xlcfg_domain_free(&doms[i]);
    free(doms);
    free(dtb);
    return r;
}
