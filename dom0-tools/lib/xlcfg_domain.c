/*
 * The domain keys of an xl.cfg file, with xl's defaults and Keel's limits
 * (see include/xlcfg.h and docs/boot-description.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../include/xlcfg.h"

/* Keys this tool reads.  Any other key is reported once and ignored. */
static const char *const known_keys[] = {
    "name", "memory", "maxmem", "vcpus", "kernel", "ramdisk", "cmdline",
    "extra", "root", "weight", "cap", "type", NULL,
};

static void seterr(char *err, size_t errlen, const struct xlcfg *cfg,
                   int line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void seterr(char *err, size_t errlen, const struct xlcfg *cfg,
                   int line, const char *field, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!errlen)
        return;
    n = snprintf(err, errlen, "%s:%d: %s: ", cfg->filename, line, field);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - n, fmt, ap);
    va_end(ap);
}

static int line_of(const struct xlcfg *cfg, const char *key)
{
    const struct xlcfg_setting *s = xlcfg_get(cfg, key);

    return s ? s->line : cfg->nr_lines;
}

/* A number key in [min, max], default def when absent. */
static int get_num(const struct xlcfg *cfg, const char *key, uint64_t def,
                   uint64_t min, uint64_t max, uint64_t *out, char *err,
                   size_t errlen)
{
    int r = xlcfg_get_uint(cfg, key, out, err, errlen);

    if (r < 0)
        return -1;
    if (r > 0) {
        *out = def;
        return 0;
    }
    if (*out < min || *out > max) {
        seterr(err, errlen, cfg, line_of(cfg, key), key,
               "out of range %llu..%llu (got %llu)", (unsigned long long)min,
               (unsigned long long)max, (unsigned long long)*out);
        return -1;
    }
    return 0;
}

static bool printable(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    }
    return true;
}

/* A string key: 0 found, 1 absent, -1 error.  Checks printability/length. */
static int get_str(const struct xlcfg *cfg, const char *key, size_t max,
                   const char **out, char *err, size_t errlen)
{
    int r = xlcfg_get_string(cfg, key, out, err, errlen);

    if (r != 0)
        return r;
    if (!printable(*out)) {
        seterr(err, errlen, cfg, line_of(cfg, key), key,
               "contains a control or non-ASCII character");
        return -1;
    }
    if (strlen(*out) > max) {
        seterr(err, errlen, cfg, line_of(cfg, key), key,
               "too long (%zu characters, at most %zu)", strlen(*out), max);
        return -1;
    }
    return 0;
}

static int get_name(const struct xlcfg *cfg, struct xlcfg_domain *d,
                    char *err, size_t errlen)
{
    const char *s;
    size_t i;
    int r = get_str(cfg, "name", XLCFG_NAME_MAX, &s, err, errlen);

    d->name_line = line_of(cfg, "name");
    if (r > 0)
        seterr(err, errlen, cfg, d->name_line, "name", "missing (required)");
    if (r)
        return -1;
    if (!s[0]) {
        seterr(err, errlen, cfg, d->name_line, "name", "empty");
        return -1;
    }
    for (i = 0; s[i]; i++) {
        if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i])) {
            seterr(err, errlen, cfg, d->name_line, "name",
                   "'%c' not allowed (letters, digits, '_', '-', '.')", s[i]);
            return -1;
        }
    }
    d->name = strdup(s);
    return d->name ? 0 : -1;
}

/* A kernel/ramdisk path: must be a readable regular file if checked. */
static int check_file(const struct xlcfg *cfg, const char *key,
                      const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
        seterr(err, errlen, cfg, line_of(cfg, key), key, "%s: %s", path,
               strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        seterr(err, errlen, cfg, line_of(cfg, key), key,
               "%s: not a regular file", path);
        return -1;
    }
    return 0;
}

/* A path key: 0 found (*out), 1 absent, -1 error. */
static int get_path(const struct xlcfg *cfg, const char *key,
                    unsigned int flags, char **out, char *err, size_t errlen)
{
    const char *s;
    int r = get_str(cfg, key, 4095, &s, err, errlen);

    if (r)
        return r;
    if (!s[0]) {
        seterr(err, errlen, cfg, line_of(cfg, key), key, "empty path");
        return -1;
    }
    if ((flags & XLCFG_CHECK_FILES) && check_file(cfg, key, s, err, errlen))
        return -1;
    *out = strdup(s);
    return *out ? 0 : -1;
}

static int get_files(const struct xlcfg *cfg, struct xlcfg_domain *d,
                     unsigned int flags, char *err, size_t errlen)
{
    int r = get_path(cfg, "kernel", flags, &d->kernel, err, errlen);

    d->kernel_line = line_of(cfg, "kernel");
    d->ramdisk_line = line_of(cfg, "ramdisk");
    if (r > 0)
        seterr(err, errlen, cfg, d->kernel_line, "kernel",
               "missing (required)");
    if (r)
        return -1;
    return get_path(cfg, "ramdisk", flags, &d->ramdisk, err, errlen) < 0 ? -1 : 0;
}

/* cmdline, or else "root=ROOT EXTRA" as xl builds it. */
static int get_cmdline(const struct xlcfg *cfg, struct xlcfg_domain *d,
                       FILE *warn, char *err, size_t errlen)
{
    const char *cmdline = NULL, *root = NULL, *extra = NULL;
    size_t n;

    if (get_str(cfg, "cmdline", XLCFG_CMDLINE_MAX, &cmdline, err, errlen) < 0 ||
        get_str(cfg, "root", XLCFG_CMDLINE_MAX, &root, err, errlen) < 0 ||
        get_str(cfg, "extra", XLCFG_CMDLINE_MAX, &extra, err, errlen) < 0)
        return -1;
    if (cmdline) {
        if ((root || extra) && warn)
            fprintf(warn, "%s:%d: cmdline: warning: root and extra ignored "
                    "in favour of cmdline\n", cfg->filename,
                    line_of(cfg, "cmdline"));
        d->cmdline = strdup(cmdline);
        return d->cmdline ? 0 : -1;
    }
    n = (root ? strlen(root) + 6 : 0) + (extra ? strlen(extra) : 0) + 1;
    if (n - 1 > XLCFG_CMDLINE_MAX) {
        seterr(err, errlen, cfg, line_of(cfg, extra ? "extra" : "root"),
               extra ? "extra" : "root",
               "\"root=ROOT EXTRA\" too long (%zu characters, at most %d)",
               n - 1, XLCFG_CMDLINE_MAX);
        return -1;
    }
    d->cmdline = malloc(n);
    if (!d->cmdline)
        return -1;
    if (root && extra)
        snprintf(d->cmdline, n, "root=%s %s", root, extra);
    else if (root)
        snprintf(d->cmdline, n, "root=%s", root);
    else
        snprintf(d->cmdline, n, "%s", extra ? extra : "");
    return 0;
}

static int get_numbers(const struct xlcfg *cfg, struct xlcfg_domain *d,
                       char *err, size_t errlen)
{
    uint64_t v;

    if (get_num(cfg, "memory", 128, XLCFG_MIN_MEMORY_MIB,
                XLCFG_MAX_MEMORY_MIB, &d->memory_mib, err, errlen) ||
        get_num(cfg, "maxmem", d->memory_mib, XLCFG_MIN_MEMORY_MIB,
                XLCFG_MAX_MEMORY_MIB, &d->maxmem_mib, err, errlen))
        return -1;
    if (d->maxmem_mib < d->memory_mib) {
        seterr(err, errlen, cfg, line_of(cfg, "maxmem"), "maxmem",
               "below memory (%llu < %llu)",
               (unsigned long long)d->maxmem_mib,
               (unsigned long long)d->memory_mib);
        return -1;
    }
    if (get_num(cfg, "vcpus", 1, 1, XLCFG_MAX_VCPUS, &v, err, errlen))
        return -1;
    d->vcpus = (uint32_t)v;
    if (get_num(cfg, "weight", 256, 1, 65535, &v, err, errlen))
        return -1;
    d->weight = (uint32_t)v;
    if (get_num(cfg, "cap", 0, 0, 65535, &v, err, errlen))
        return -1;
    d->cap = (uint32_t)v;
    return 0;
}

int xlcfg_domain_get(const struct xlcfg *cfg, struct xlcfg_domain *d,
                     unsigned int flags, FILE *warn, char *err, size_t errlen)
{
    const char *type;
    int r;

    memset(d, 0, sizeof(*d));
    if (errlen)
        err[0] = '\0';
    xlcfg_warn_unknown(cfg, known_keys, warn);
    r = xlcfg_get_string(cfg, "type", &type, err, errlen);
    if (r < 0)
        return -1;
    if (r == 0 && strcmp(type, "pv") != 0) {
        seterr(err, errlen, cfg, line_of(cfg, "type"), "type",
               "\"%s\" not supported (only \"pv\")", type);
        return -1;
    }
    if (get_name(cfg, d, err, errlen) || get_numbers(cfg, d, err, errlen) ||
        get_files(cfg, d, flags, err, errlen) ||
        get_cmdline(cfg, d, warn, err, errlen)) {
        if (errlen && !err[0])      /* only strdup/malloc fail silently */
            seterr(err, errlen, cfg, 0, "file", "out of memory");
        xlcfg_domain_free(d);
        return -1;
    }
    return 0;
}

void xlcfg_domain_free(struct xlcfg_domain *d)
{
    free(d->name);
    free(d->kernel);
    free(d->ramdisk);
    free(d->cmdline);
    memset(d, 0, sizeof(*d));
}
