/*
 * The keys `keel create` reads from an xl.cfg file (include/xlcfg.h):
 * the domain keys of xlcfg_domain.c plus maxvcpus and the on_* actions,
 * and xl's KEY=VALUE words appended as extra lines.  No hypercalls:
 * unit-tested on the host (tests/unit/test_xlcfg_create.c).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../include/xlcfg.h"
#include "../include/cpulist.h"

/* Keys keel create reads; any other is reported once and ignored. */
static const char *const known_keys[] = {
    "name", "memory", "maxmem", "vcpus", "maxvcpus", "kernel", "ramdisk", "cmdline",
    "extra", "root", "on_poweroff", "on_reboot", "on_crash", "type", "disk", "vif", "cpus", NULL,
};

char *xlcfg_with_extra(const char *text, size_t tlen, char *const *extra, int nextra,
                       size_t *len)
{
    size_t n = tlen + 2;
    char *t;
    int i;

    for (i = 0; i < nextra; i++)
        n += strlen(extra[i]) + 1;
    t = malloc(n);
    if (!t)
        return NULL;
    memcpy(t, text, tlen);
    *len = tlen;
    t[(*len)++] = '\n';
    for (i = 0; i < nextra; i++) {
        memcpy(t + *len, extra[i], strlen(extra[i]));
        *len += strlen(extra[i]);
        t[(*len)++] = '\n';
    }
    t[*len] = 0;
    return t;
}

/* xl's actions (xl.cfg(5)); keel does destroy, restart and preserve. */
static int get_action(const struct xlcfg *cfg, const char *key, const char *def, char *out,
                      size_t len, char *err, size_t errlen)
{
    const char *v = def;
    int r = xlcfg_get_string(cfg, key, &v, err, errlen);

    if (r < 0)
        return -1;
    if (!strcmp(v, "destroy") || !strcmp(v, "restart") || !strcmp(v, "preserve")) {
        snprintf(out, len, "%s", v);
        return 0;
    }
    if (!strcmp(v, "rename-restart") || !strcmp(v, "coredump-destroy") ||
        !strcmp(v, "coredump-restart") || !strcmp(v, "soft-reset"))
        snprintf(err, errlen, "%s:%d: %s: '%s' is not supported by keel (destroy, restart, "
                 "preserve)", cfg->filename, xlcfg_get(cfg, key)->line, key, v);
    else
        snprintf(err, errlen, "%s:%d: %s: unknown action '%s'", cfg->filename,
                 xlcfg_get(cfg, key)->line, key, v);
    return -1;
}

/* The disk list: each entry parsed, no devid or target twice. */
static int get_disks(const struct xlcfg *cfg, struct xlcfg_create *c, char *err,
                     size_t errlen)
{
    const struct xlcfg_setting *s = xlcfg_get(cfg, "disk");
    char where[300];

    if (s == NULL)
        return 0;
    if (s->type != XLCFG_LIST) {
        snprintf(err, errlen, "%s:%d: disk: must be a list [ 'spec', ... ]", cfg->filename,
                 s->line);
        return -1;
    }
    if (s->nr_items > XLCFG_DISK_MAX) {
        snprintf(err, errlen, "%s:%d: disk: %zu disks, at most %d", cfg->filename, s->line,
                 s->nr_items, XLCFG_DISK_MAX);
        return -1;
    }
    for (size_t i = 0; i < s->nr_items; i++) {
        struct xlcfg_disk *d = &c->disks[i];

        snprintf(where, sizeof(where), "%s:%d: disk[%zu]", cfg->filename, s->line, i);
        if (xlcfg_disk_parse(s->items[i], d, where, err, errlen) < 0)
            return -1;
        for (size_t j = 0; j < i; j++) {
            if (c->disks[j].devid == d->devid) {
                snprintf(err, errlen, "%s: vdev: %s is the same device as disk[%zu]'s %s",
                         where, d->vdev, j, c->disks[j].vdev);
                return -1;
            }
            if (!strcmp(c->disks[j].target, d->target) &&
                (d->readwrite || c->disks[j].readwrite)) {
                snprintf(err, errlen, "%s: target: %s is disk[%zu] too (shared only "
                         "read-only)", where, d->target, j);
                return -1;
            }
        }
        c->nr_disks = (unsigned int)i + 1;
    }
    return 0;
}

/* cpus= as xl's parse_vcpu_affinity: a string for every vCPU, or a list
 * with one entry per vCPU (no more entries than maxvcpus). */
static int get_cpus(const struct xlcfg *cfg, struct xlcfg_create *c, char *err, size_t errlen)
{
    const struct xlcfg_setting *s = xlcfg_get(cfg, "cpus");
    char why[160];
    uint64_t m;
    size_t i;

    if (!s)
        return 0;
    c->cpus_line = s->line;
    if (s->type == XLCFG_ATOM) {
        if (cpulist_parse(s->atom, 0, &m, why, sizeof(why)) < 0)
            goto bad;
        c->cpus[0] = s->atom;
        c->nr_cpus = 1;
        c->cpus_all_vcpus = true;
        return 0;
    }
    if (s->nr_items == 0) {
        snprintf(err, errlen, "%s:%d: cpus: an empty list (give a CPU list per vCPU)",
                 cfg->filename, s->line);
        return -1;
    }
    if (s->nr_items > c->maxvcpus) {
        snprintf(err, errlen, "%s:%d: cpus: %zu entries but the domain has %u vCPUs (maxvcpus)",
                 cfg->filename, s->line, s->nr_items, c->maxvcpus);
        return -1;
    }
    for (i = 0; i < s->nr_items; i++) {
        if (cpulist_parse(s->items[i], 0, &m, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s:%d: cpus: entry %zu (vCPU %zu): %s", cfg->filename,
                     s->line, i + 1, i, why);
            return -1;
        }
        c->cpus[i] = s->items[i];
    }
    c->nr_cpus = (unsigned int)s->nr_items;
    return 0;
bad:
    snprintf(err, errlen, "%s:%d: cpus: %s", cfg->filename, s->line, why);
    return -1;
}

int xlcfg_create_get(const struct xlcfg *cfg, struct xlcfg_create *c, unsigned int flags,
                     FILE *warn, char *err, size_t errlen)
{
    uint64_t maxvcpus;
    int r;

    memset(c, 0, sizeof(*c));
    if (xlcfg_domain_get(cfg, &c->d, flags, NULL, err, errlen))
        return -1;
    xlcfg_warn_unknown(cfg, known_keys, warn);
    r = xlcfg_get_uint(cfg, "maxvcpus", &maxvcpus, err, errlen);
    if (r > 0)
        maxvcpus = c->d.vcpus;
    if (r < 0)
        goto fail;
    if (maxvcpus < c->d.vcpus || maxvcpus > XLCFG_CREATE_MAX_VCPUS) {
        const struct xlcfg_setting *s = xlcfg_get(cfg, "maxvcpus");
        const char *key = s ? "maxvcpus" : "vcpus";
        if (!s)
            s = xlcfg_get(cfg, "vcpus");    /* present: the default 1 is in range */
        snprintf(err, errlen, "%s:%d: %s: %lu is not in vcpus..%u (vcpus %u)", cfg->filename,
                 s ? s->line : cfg->nr_lines, key,
                 (unsigned long)maxvcpus, XLCFG_CREATE_MAX_VCPUS, c->d.vcpus);
        goto fail;
    }
    c->maxvcpus = (uint32_t)maxvcpus;
    if (get_action(cfg, "on_poweroff", "destroy", c->on_poweroff, sizeof(c->on_poweroff), err,
                   errlen) ||
        get_action(cfg, "on_reboot", "restart", c->on_reboot, sizeof(c->on_reboot), err,
                   errlen) ||
        get_action(cfg, "on_crash", "destroy", c->on_crash, sizeof(c->on_crash), err, errlen) ||
        get_disks(cfg, c, err, errlen))
        goto fail;
    if (get_cpus(cfg, c, err, errlen))
        goto fail;
    if (xlcfg_vifs_get(cfg, NULL, &c->vifs, &c->nr_vifs, warn, err, errlen))
        goto fail;
    return 0;
fail:
    xlcfg_domain_free(&c->d);
    return -1;
}

void xlcfg_create_free(struct xlcfg_create *c)
{
    xlcfg_domain_free(&c->d);
    free(c->vifs);
    c->vifs = NULL;
    c->nr_vifs = 0;
}
