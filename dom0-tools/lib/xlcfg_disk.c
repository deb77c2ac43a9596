/*
 * xl.cfg disk= entries (include/xlcfg_disk.h), after Xen 4.17's
 * tools/libs/util/libxlu_disklex.l and libxl_device.c.  Pure: no system
 * calls; unit-tested and fuzzed.
 */
#include "../include/xlcfg_disk.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MAX 1024

struct parse {
    struct xlcfg_disk *d;
    const char *where;
    char *err;
    size_t errlen;
    bool have_target, have_format, have_vdev, have_access, depr_prefix;
};

static int fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (p->err == NULL || p->errlen == 0)
        return -1;
    n = snprintf(p->err, p->errlen, "%s: ", p->where);
    if (n < 0 || (size_t)n >= p->errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    /* One line: the user's text may hold control characters. */
    for (char *c = p->err; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return -1;
}

/* libxl's device_virtdisk_matches: PREFIX letters [partition]. */
static bool virtdisk_matches(const char *v, const char *prefix, long disk_max,
                             long part_max, long *disk, long *part)
{
    size_t n = strlen(prefix);
    const char *p;
    long drive = 0;
    char *end;
    unsigned long pl;

    if (strncmp(v, prefix, n))
        return false;
    for (p = v + n; *p >= 'a' && *p <= 'z'; p++) {
        if (drive > INT_MAX / 26 - 26)
            return false;
        drive = drive * 26 + (*p - 'a' + 1);
    }
    if (p == v + n)
        return false;
    drive--;
    if (drive > disk_max)
        return false;
    *disk = drive;
    *part = 0;
    if (!*p)
        return true;
    if (*p < '1' || *p > '9')       /* no sign, no leading zero */
        return false;
    pl = strtoul(p, &end, 10);
    if (*end || pl > (unsigned long)part_max)
        return false;
    *part = (long)pl;
    return true;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int64_t xlcfg_disk_devid(const char *v)
{
    long disk, part;
    char *end;

    if (v == NULL || strlen(v) > XLCFG_DISK_VDEV_MAX)
        return -1;
    if (virtdisk_matches(v, "xvd", (1L << 20) - 1, 255, &disk, &part))
        return disk <= 15 && part <= 15 ? (202 << 8) | (disk << 4) | part
                                        : (1L << 28) | (disk << 8) | part;
    if (virtdisk_matches(v, "hd", 3, 63, &disk, &part))
        return ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
    if (virtdisk_matches(v, "sd", 15, 15, &disk, &part))
        return (8 << 8) | (disk << 4) | part;
    if (v[0] == 'd' && v[1] >= '0' && v[1] <= '9') {
        /* dNpM: Xen's generic form, encoded as xvd. */
        unsigned long dk = strtoul(v + 1, &end, 10), pt = 0;

        if (*end == 'p' && all_digits(end + 1))
            pt = strtoul(end + 1, &end, 10);
        if (*end || dk > (1UL << 20) - 1 || pt > 255)
            return -1;
        return dk <= 15 && pt <= 15 ? (202 << 8) | (long)(dk << 4) | (long)pt
                                    : (1L << 28) | (long)(dk << 8) | (long)pt;
    }
    if (all_digits(v)) {
        unsigned long n = strtoul(v, &end, 10);

        return n > INT_MAX ? -1 : (int64_t)n;
    }
    return -1;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

static int set_target(struct parse *p, const char *v)
{
    if (p->have_target)
        return fail(p, "target: given twice");
    if (!*v)
        return fail(p, "target: empty (an empty drive is not supported)");
    if (strlen(v) > XLCFG_DISK_TARGET_MAX)
        return fail(p, "target: longer than %d bytes", XLCFG_DISK_TARGET_MAX);
    if (v[0] != '/')
        return fail(p, "target: '%s' is not an absolute path", v);
    snprintf(p->d->target, sizeof(p->d->target), "%s", v);
    p->have_target = true;
    return 0;
}

static int set_format(struct parse *p, const char *v)
{
    if (p->have_format)
        return fail(p, "format: given twice");
    p->have_format = true;
    if (!strcmp(v, "raw") || !*v)
        return 0;
    if (!strcmp(v, "qcow") || !strcmp(v, "qcow2") || !strcmp(v, "vhd") ||
        !strcmp(v, "qed"))
        return fail(p, "format: '%s' is not supported by keel (raw only)", v);
    return fail(p, "format: unknown format '%s'", v);
}

static int set_vdev(struct parse *p, const char *v)
{
    int64_t id;

    if (p->have_vdev)
        return fail(p, "vdev: given twice");
    if (strchr(v, ':'))         /* xl's "xvdc:cdrom" */
        return fail(p, "vdev: '%s': cdrom devices are not supported by keel", v);
    id = xlcfg_disk_devid(v);
    if (id < 0)
        return fail(p, "vdev: '%s' is not a virtual disk name (xvda, hdb, sdc, d0p1)", v);
    snprintf(p->d->vdev, sizeof(p->d->vdev), "%s", v);
    p->d->devid = (uint32_t)id;
    p->have_vdev = true;
    return 0;
}

static int set_access(struct parse *p, const char *v)
{
    if (p->have_access)
        return fail(p, "access: given twice");
    p->have_access = true;
    if (!strcmp(v, "w") || !strcmp(v, "rw"))
        p->d->readwrite = true;
    else if (!strcmp(v, "r") || !strcmp(v, "ro"))
        p->d->readwrite = false;
    else
        return fail(p, "access: '%s' is not r, ro, w or rw", v);
    return 0;
}

/* One key=value parameter (not target=, handled by the caller). */
static int keyval(struct parse *p, const char *k, const char *v)
{
    if (!strcmp(k, "format"))
        return set_format(p, v);
    if (!strcmp(k, "vdev"))
        return set_vdev(p, v);
    if (!strcmp(k, "access"))
        return set_access(p, v);
    if (!strcmp(k, "devtype"))
        return !strcmp(v, "disk") ? 0
               : fail(p, "devtype: '%s' is not supported by keel (disk only)", v);
    if (!strcmp(k, "backendtype"))
        return !strcmp(v, "phy") ? 0
               : fail(p, "backendtype: '%s' is not supported by keel (phy only)", v);
    if (!strcmp(k, "backend"))
        return !strcmp(v, "0") || !strcmp(v, "Domain-0") ? 0
               : fail(p, "backend: '%s': only dom0 serves disks on keel", v);
    if (!strcmp(k, "script") || !strcmp(k, "colo-host") || !strcmp(k, "colo-port") ||
        !strcmp(k, "colo-export") || !strcmp(k, "active-disk") ||
        !strcmp(k, "hidden-disk") || !strcmp(k, "specification"))
        return fail(p, "%s: not supported by keel", k);
    return fail(p, "'%s': unknown parameter", k);
}

/* Flags without '=' that xl knows. */
static int flag(struct parse *p, const char *t, bool *done)
{
    *done = true;
    if (!strcmp(t, "discard"))
        p->d->discard = true;
    else if (!strcmp(t, "no-discard"))
        p->d->discard = false;
    else if (!strcmp(t, "direct-io-safe") || !strcmp(t, "trusted") ||
             !strcmp(t, "untrusted"))
        return 0;
    else if (!strcmp(t, "cdrom"))
        return fail(p, "cdrom: not supported by keel (disk only)");
    else if (!strcmp(t, "colo"))
        return fail(p, "colo: not supported by keel");
    else
        *done = false;
    return 0;
}

/* A positional parameter, possibly with a deprecated prefix. */
static int positional(struct parse *p, char *t)
{
    static const char *const ok[] = { "file:", "phy:", "raw:", "aio:", NULL };
    static const char *const bad[] = { "qcow:", "qcow2:", "vhd:", "tap:", "tap2:",
                                       "tapdisk:", "ioemu:", "iscsi:", "nbd:",
                                       "enbd:", "drbd:", NULL };

    if (!p->have_target) {
        for (int i = 0; bad[i]; i++)
            if (!strncmp(t, bad[i], strlen(bad[i])))
                return fail(p, "target: prefix '%s' is not supported by keel "
                            "(file:, phy:, raw:)", bad[i]);
        for (int i = 0; ok[i]; i++)
            if (!strncmp(t, ok[i], strlen(ok[i]))) {
                t += strlen(ok[i]);
                p->depr_prefix = true;
                p->have_format = true;
                break;
            }
        return set_target(p, t);
    }
    if (!p->have_format)
        return set_format(p, t);
    if (!p->have_vdev)
        return set_vdev(p, t);
    if (!p->have_access)
        return set_access(p, t);
    return fail(p, "'%s': too many positional parameters", t);
}

static int parse_spec(struct parse *p, char *s)
{
    char *tok = s;

    while (tok != NULL) {
        char *t, *comma, *eq;
        bool done;
        int rc;

        t = tok;
        while (*t == ' ' || *t == '\t' || *t == '\n')
            t++;
        if (!strncmp(t, "target=", 7)) {  /* eats the rest, as xl */
            if (p->have_target)
                return fail(p, "target: given twice");
            return set_target(p, trim(t + 7));
        }
        comma = strchr(t, ',');
        if (comma)
            *comma = '\0';
        tok = comma ? comma + 1 : NULL;
        t = trim(t);
        if (!*t) {
            if (tok == NULL)    /* a trailing comma */
                break;
            if (!p->have_target)
                return fail(p, "target: empty (an empty drive is not supported)");
            rc = positional(p, t);
        } else if ((eq = strchr(t, '=')) != NULL) {
            *eq = '\0';
            rc = keyval(p, trim(t), trim(eq + 1));
        } else if ((rc = flag(p, t, &done)) == 0 && !done) {
            rc = positional(p, t);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int xlcfg_disk_parse(const char *spec, struct xlcfg_disk *d, const char *where,
                     char *err, size_t errlen)
{
    struct parse p = { .d = d, .where = where, .err = err, .errlen = errlen };
    char buf[SPEC_MAX + 1];
    size_t n = strlen(spec);

    memset(d, 0, sizeof(*d));
    d->readwrite = true;
    d->discard = true;
    if (n > SPEC_MAX)
        return fail(&p, "longer than %d bytes", SPEC_MAX);
    memcpy(buf, spec, n + 1);
    if (parse_spec(&p, buf) < 0)
        return -1;
    if (!p.have_target)
        return fail(&p, "target: missing (target=PATH or a path first)");
    if (!p.have_vdev)
        return fail(&p, "vdev: missing (e.g. vdev=xvda)");
    return 0;
}

int xlcfg_disk_parse_words(char *const *words, int n, struct xlcfg_disk *d,
                           char *err, size_t errlen)
{
    char buf[SPEC_MAX + 1];
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t w = strlen(words[i]);

        if (len + w + 1 > SPEC_MAX) {
            snprintf(err, errlen, "disk: spec longer than %d bytes", SPEC_MAX);
            return -1;
        }
        if (i)
            buf[len++] = ',';
        memcpy(buf + len, words[i], w + 1);
        len += w;
    }
    return xlcfg_disk_parse(buf, d, "disk", err, errlen);
}
