/*
 * What keel knows about the domains it created, until the store runs in
 * dom0: one small file per domain, /run/keel/domains/DOMID (KEEL_RUN_DIR
 * overrides /run/keel), "key=value" lines.  Everything goes through
 * keel_rec_get/put/remove and keel_dom_resolve, so that they can later
 * read /local/domain/DOMID in the store instead.
 *
 * A record whose domain is no longer listed is stale (the monitor removes
 * records when their domain goes; a dom0 crash may leave some): readers
 * ignore and remove it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keel_cli.h"

/* mkdir -p of dir (a path of at most 511 characters). */
void keel_mkdirs(const char *dir)
{
    char buf[512];
    size_t i;

    snprintf(buf, sizeof(buf), "%s", dir);
    for (i = 1; buf[i]; i++)
        if (buf[i] == '/') {
            buf[i] = 0;
            mkdir(buf, 0755);
            buf[i] = '/';
        }
    mkdir(buf, 0755);
}

const char *keel_run_dir(void)
{
    const char *d = getenv("KEEL_RUN_DIR");

    return d && *d ? d : "/run/keel";
}

static void rec_path(char *buf, size_t len, domid_t dom)
{
    snprintf(buf, len, "%s/domains/%u", keel_run_dir(), dom);
}

int keel_rec_put(domid_t dom, const struct keel_rec *r)
{
    char path[512], tmp[520], dir[512];
    FILE *f;

    snprintf(dir, sizeof(dir), "%s/domains", keel_run_dir());
    keel_mkdirs(dir);
    rec_path(path, sizeof(path), dom);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        return -errno;
    fprintf(f, "name=%s\nconfig=%s\non_poweroff=%s\non_reboot=%s\non_crash=%s\n"
               "console_mfn=%lu\nconsole_port=%u\nstore_mfn=%lu\nstore_port=%u\n",
            r->name, r->config, r->on_poweroff, r->on_reboot, r->on_crash,
            (unsigned long)r->console_mfn, r->console_port, (unsigned long)r->store_mfn,
            r->store_port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
}

static void set_field(struct keel_rec *r, const char *k, const char *v)
{
    if (!strcmp(k, "name"))
        snprintf(r->name, sizeof(r->name), "%s", v);
    else if (!strcmp(k, "config"))
        snprintf(r->config, sizeof(r->config), "%s", v);
    else if (!strcmp(k, "on_poweroff"))
        snprintf(r->on_poweroff, sizeof(r->on_poweroff), "%s", v);
    else if (!strcmp(k, "on_reboot"))
        snprintf(r->on_reboot, sizeof(r->on_reboot), "%s", v);
    else if (!strcmp(k, "on_crash"))
        snprintf(r->on_crash, sizeof(r->on_crash), "%s", v);
    else if (!strcmp(k, "console_mfn"))
        r->console_mfn = strtoull(v, NULL, 10);
    else if (!strcmp(k, "console_port"))
        r->console_port = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(k, "store_mfn"))
        r->store_mfn = strtoull(v, NULL, 10);
    else if (!strcmp(k, "store_port"))
        r->store_port = (uint32_t)strtoul(v, NULL, 10);
}

/* The file only (no check that the domain exists): 0 or -errno. */
static int rec_read(domid_t dom, struct keel_rec *r)
{
    char path[512], line[1200];
    FILE *f;

    memset(r, 0, sizeof(*r));
    rec_path(path, sizeof(path), dom);
    f = fopen(path, "r");
    if (!f)
        return -errno;
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '=');
        line[strcspn(line, "\n")] = 0;
        if (!eq)
            continue;
        *eq = 0;
        set_field(r, line, eq + 1);
    }
    fclose(f);
    return r->name[0] ? 0 : -EINVAL;
}

void keel_rec_remove(domid_t dom)
{
    char path[512];

    rec_path(path, sizeof(path), dom);
    unlink(path);
}

int keel_rec_get(struct keelctl *h, domid_t dom, struct keel_rec *r)
{
    struct xen_domctl_getdomaininfo gi;
    int rc = rec_read(dom, r);

    if (rc)
        return rc;
    if (keelctl_domain_info(h, dom, &gi) == -ESRCH) {
        keel_rec_remove(dom);       /* stale */
        return -ENOENT;
    }
    return 0;
}

int keel_rec_list(domid_t *out, int max)
{
    char dir[512];
    struct dirent *e;
    DIR *d;
    int n = 0;

    snprintf(dir, sizeof(dir), "%s/domains", keel_run_dir());
    d = opendir(dir);
    if (!d)
        return 0;
    while ((e = readdir(d)) && n < max) {
        char *end;
        unsigned long v = strtoul(e->d_name, &end, 10);
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && !*end && v > 0 && v < DOMID_FIRST_RESERVED)
            out[n++] = (domid_t)v;
    }
    closedir(d);
    return n;
}

/* The name `keel list` shows: Domain-0, a recorded name, or xl's "(null)". */
void keel_domain_name(domid_t dom, char *buf, size_t len)
{
    struct keel_rec r;

    if (dom == 0)
        snprintf(buf, len, "Domain-0");
    else if (rec_read(dom, &r) == 0)
        snprintf(buf, len, "%s", r.name);
    else
        snprintf(buf, len, "(null)");   /* xl prints the same for a nameless domain */
}

int keel_dom_by_name(struct keelctl *h, const char *name, domid_t *dom)
{
    domid_t ids[1024];
    struct keel_rec r;
    int n = keel_rec_list(ids, 1024), i;

    if (!strcmp(name, "Domain-0")) {
        *dom = 0;
        return 0;
    }
    for (i = 0; i < n; i++)
        if (keel_rec_get(h, ids[i], &r) == 0 && !strcmp(r.name, name)) {
            *dom = ids[i];
            return 0;
        }
    return -ENOENT;
}

int keel_dom_resolve(struct keelctl *h, const char *verb, const char *arg, domid_t *dom)
{
    int rc = keel_find_domain(h, arg, dom);

    if (rc < 0)
        fprintf(stderr, "keel %s: %s: %s\n", verb, arg,
                rc == -ESRCH ? "no such domain" : strerror(-rc));
    return rc;
}
