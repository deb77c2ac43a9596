/*
 * keel-bootdesc --dump: parse a boot description with the hypervisor's own
 * parser (hypervisor/common/bootdesc.c, compiled for the host) and print
 * what the hypervisor would start.  Used by the round-trip tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/bootdesc.h>

#include "bootdesc_cli.h"

#define MAX_DTB (16u << 20)

static void *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;

    if (!f)
        return NULL;
    buf = malloc(MAX_DTB);
    if (buf)
        *len = fread(buf, 1, MAX_DTB, f);
    if (buf && (ferror(f) || *len == MAX_DTB)) {
        free(buf);
        buf = NULL;
        errno = EFBIG;
    }
    fclose(f);
    return buf;
}

int cli_dump(const struct cli *c, const char *nr_modules)
{
    struct bootdesc_domain *doms;
    unsigned long nr = 0xffffffffUL;
    unsigned int n, i;
    char err[256], *end;
    size_t len = 0;
    void *dtb;
    int r;

    if (nr_modules) {
        errno = 0;
        nr = strtoul(nr_modules, &end, 0);
        if (*end || errno || nr > 0xffffffffUL || !nr_modules[0]) {
            fprintf(stderr, "keel-bootdesc: NR_MODULES: not a number: %s\n",
                    nr_modules);
            return 2;
        }
    }
    dtb = read_all(c->dump, &len);
    if (!dtb) {
        fprintf(stderr, "keel-bootdesc: %s: %s\n", c->dump, strerror(errno));
        return 1;
    }
    doms = calloc(MAX_DOMUS, sizeof(*doms));
    if (!doms) {
        free(dtb);
        return 1;
    }
    r = bootdesc_parse(dtb, len, (uint32_t)nr, doms, MAX_DOMUS, &n, err,
                       sizeof(err));
    if (r < 0) {
        fprintf(stderr, "%s: %s\n", c->dump, err);
    } else {
        for (i = 0; i < n; i++) {
            printf("domain %s: memory-kib=%llu max-memory-kib=%llu vcpus=%u "
                   "kernel-module=%u", doms[i].name,
                   (unsigned long long)doms[i].memory_kib,
                   (unsigned long long)doms[i].max_memory_kib, doms[i].vcpus,
                   doms[i].kernel_module);
            if (doms[i].has_ramdisk)
                printf(" ramdisk-module=%u", doms[i].ramdisk_module);
            printf(" weight=%u cap=%u cmdline=\"%s\"\n", doms[i].weight,
                   doms[i].cap, doms[i].cmdline);
        }
    }
    free(doms);
    free(dtb);
    return r < 0 ? 1 : 0;
}
