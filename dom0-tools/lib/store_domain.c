/*
 * keel_store: the store contents of a PV domain (include/keel_store.h).
 * Paths and permissions are libxl 4.17's for a PV guest
 * (TOOLSTACK-ABI.md 2.5): "roperm" is {owner 0: none, D: read}, what the
 * guest writes is owned by D ({D: none}).
 */
#include "keel_store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keelxs.h"

#define TXN_RETRIES 16

enum perm_kind { RO, GUEST, DOM0 };

struct entry {
    const char *rel;            /* under /local/domain/D (leading '/': absolute) */
    const char *value;
    enum perm_kind perm;
};

void keel_store_set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

static int perms_of(enum perm_kind k, uint32_t domid, struct xs_permissions p[2])
{
    switch (k) {
    case RO:
        p[0] = (struct xs_permissions){ 0, XS_PERM_NONE };
        p[1] = (struct xs_permissions){ domid, XS_PERM_READ };
        return 2;
    case GUEST:
        p[0] = (struct xs_permissions){ domid, XS_PERM_NONE };
        return 1;
    default:
        p[0] = (struct xs_permissions){ 0, XS_PERM_NONE };
        return 1;
    }
}

/* Write one node and set its permissions; -errno naming the path. */
static int put(struct xs_handle *h, xs_transaction_t t, const char *path,
               const char *value, enum perm_kind k, uint32_t domid,
               char *err, size_t errlen)
{
    struct xs_permissions p[2];
    unsigned int n = (unsigned int)perms_of(k, domid, p);

    if (!xs_write(h, t, path, value, (unsigned int)strlen(value))) {
        keel_store_set_err(err, errlen, "store: write %s: %s", path, strerror(errno));
        return -errno;
    }
    if (!xs_set_permissions(h, t, path, p, n)) {
        keel_store_set_err(err, errlen, "store: set permissions of %s: %s", path,
                strerror(errno));
        return -errno;
    }
    return 0;
}

/* The guest-visible tree below /local/domain/D, in creation order. */
static const struct entry dom_entries[] = {
    { "", "", RO },
    { "name", NULL, RO },                /* d->name */
    { "domid", NULL, RO },
    { "cpu", "", RO },
    { "memory", "", RO },
    { "memory/static-max", NULL, RO },
    { "memory/target", NULL, RO },
    { "memory/videoram", "0", RO },
    { "device", "", RO },
    { "device/suspend", "", RO },
    { "device/suspend/event-channel", "", GUEST },
    { "control", "", RO },
    { "control/shutdown", "", GUEST },
    { "control/feature-poweroff", "", GUEST },
    { "control/feature-reboot", "", GUEST },
    { "control/feature-suspend", "", GUEST },
    { "control/sysrq", "", GUEST },
    { "control/platform-feature-multiprocessor-suspend", "1", RO },
    { "control/platform-feature-xs_reset_watches", "1", RO },
    { "data", "", GUEST },
    { "drivers", "", GUEST },
    { "feature", "", GUEST },
    { "attr", "", GUEST },
    { "error", "", GUEST },
    { "store", "", RO },
    { "store/port", NULL, RO },
    { "store/ring-ref", NULL, RO },
    { "console", "", RO },
    { "console/ring-ref", NULL, RO },
    { "console/port", NULL, RO },
    { "console/type", "xenconsoled", RO },
    { "console/output", "pty", RO },
    { "console/limit", "1048576", RO },
    { "console/tty", "", RO },
    { "console/backend", NULL, RO },
    { "console/backend-id", "0", RO },
};

/* The value of an entry whose table value is NULL. */
static void computed(const struct keel_store_domain *d, const char *rel,
                     char *buf, size_t len)
{
    if (!strcmp(rel, "name"))
        snprintf(buf, len, "%s", d->name);
    else if (!strcmp(rel, "domid"))
        snprintf(buf, len, "%u", d->domid);
    else if (!strncmp(rel, "memory/", 7))
        snprintf(buf, len, "%llu", (unsigned long long)d->memory_kib);
    else if (!strcmp(rel, "store/port"))
        snprintf(buf, len, "%u", d->store_port);
    else if (!strcmp(rel, "store/ring-ref"))
        snprintf(buf, len, "%llu", (unsigned long long)d->store_mfn);
    else if (!strcmp(rel, "console/ring-ref"))
        snprintf(buf, len, "%llu", (unsigned long long)d->console_mfn);
    else if (!strcmp(rel, "console/port"))
        snprintf(buf, len, "%u", d->console_port);
    else if (!strcmp(rel, "console/backend"))
        snprintf(buf, len, "/local/domain/0/backend/console/%u/0", d->domid);
    else
        buf[0] = '\0';
}

static int write_domain(struct xs_handle *h, xs_transaction_t t,
                        const struct keel_store_domain *d, char *err,
                        size_t errlen)
{
    char path[256], val[128];
    uint32_t D = d->domid;
    int rc;

    for (size_t i = 0; i < sizeof(dom_entries) / sizeof(dom_entries[0]); i++) {
        const struct entry *e = &dom_entries[i];

        snprintf(path, sizeof(path), "/local/domain/%u%s%s", D,
                 *e->rel ? "/" : "", e->rel);
        if (e->value == NULL)
            computed(d, e->rel, val, sizeof(val));
        rc = put(h, t, path, e->value ? e->value : val, e->perm, D, err, errlen);
        if (rc < 0)
            return rc;
    }
    for (unsigned int c = 0; c < d->vcpus; c++) {
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u", D, c);
        if ((rc = put(h, t, path, "", RO, D, err, errlen)) < 0)
            return rc;
        snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", D, c);
        if ((rc = put(h, t, path, "online", RO, D, err, errlen)) < 0)
            return rc;
    }
    if (d->uuid != NULL) {
        snprintf(val, sizeof(val), "/vm/%s", d->uuid);
        snprintf(path, sizeof(path), "/local/domain/%u/vm", D);
        if ((rc = put(h, t, path, val, RO, D, err, errlen)) < 0 ||
            (rc = put(h, t, val, "", RO, D, err, errlen)) < 0)
            return rc;
        snprintf(path, sizeof(path), "/vm/%s/uuid", d->uuid);
        if ((rc = put(h, t, path, d->uuid, RO, D, err, errlen)) < 0)
            return rc;
        snprintf(path, sizeof(path), "/vm/%s/name", d->uuid);
        if ((rc = put(h, t, path, d->name, RO, D, err, errlen)) < 0)
            return rc;
    }
    /* dom0's console backend directory (libxl__device_console_add). */
    static const char *const be[][2] = {
        { "", "" }, { "/frontend", NULL }, { "/frontend-id", NULL },
        { "/online", "1" }, { "/state", "1" }, { "/protocol", "vt100" },
    };
    for (size_t i = 0; i < sizeof(be) / sizeof(be[0]); i++) {
        snprintf(path, sizeof(path), "/local/domain/0/backend/console/%u/0%s",
                 D, be[i][0]);
        if (!strcmp(be[i][0], "/frontend"))
            snprintf(val, sizeof(val), "/local/domain/%u/console", D);
        else if (!strcmp(be[i][0], "/frontend-id"))
            snprintf(val, sizeof(val), "%u", D);
        rc = put(h, t, path, be[i][1] ? be[i][1] : val, RO, D, err, errlen);
        if (rc < 0)
            return rc;
    }
    snprintf(path, sizeof(path), "/libxl/%u/type", D);
    return put(h, t, path, "pv", DOM0, D, err, errlen);
}

static bool valid(const struct keel_store_domain *d, char *err, size_t errlen)
{
    if (d->domid == 0 || d->domid >= 0x7ff0) {
        keel_store_set_err(err, errlen, "store: domid %u is not a guest's", d->domid);
        return false;
    }
    if (d->name == NULL || !*d->name || strlen(d->name) > 64) {
        keel_store_set_err(err, errlen, "store: domain %u: name must have 1-64 bytes",
                d->domid);
        return false;
    }
    if (d->uuid != NULL && strlen(d->uuid) != 36) {
        keel_store_set_err(err, errlen, "store: domain %u: uuid '%s' is not 36 characters",
                d->domid, d->uuid);
        return false;
    }
    return true;
}

int keel_store_txn(struct xs_handle *h, keel_store_txn_fn fn, const void *arg, char *err,
                   size_t errlen)
{
    for (int i = 0; i < TXN_RETRIES; i++) {
        xs_transaction_t t = xs_transaction_start(h);
        int rc;

        if (t == XBT_NULL) {
            keel_store_set_err(err, errlen, "store: transaction start: %s", strerror(errno));
            return -errno;
        }
        rc = fn(h, t, arg, err, errlen);
        if (rc < 0) {
            xs_transaction_end(h, t, true);
            return rc;
        }
        if (xs_transaction_end(h, t, false))
            return 0;
        if (errno != EAGAIN) {
            keel_store_set_err(err, errlen, "store: transaction end: %s", strerror(errno));
            return -errno;
        }
    }
    keel_store_set_err(err, errlen, "store: transaction kept conflicting (%d tries)",
            TXN_RETRIES);
    return -EAGAIN;
}

static int introduce_txn(struct xs_handle *h, xs_transaction_t t,
                         const void *arg, char *err, size_t errlen)
{
    return write_domain(h, t, arg, err, errlen);
}

int keel_store_introduce(struct xs_handle *h, const struct keel_store_domain *d,
                         char *err, size_t errlen)
{
    int rc;

    if (!valid(d, err, errlen))
        return -EINVAL;
    rc = keel_store_txn(h, introduce_txn, d, err, errlen);
    if (rc < 0)
        return rc;
    if (!xs_introduce_domain(h, d->domid, (unsigned long)d->store_mfn,
                             d->store_port)) {
        keel_store_set_err(err, errlen, "store: introduce domain %u (mfn %#llx, port %u): %s",
                d->domid, (unsigned long long)d->store_mfn, d->store_port,
                strerror(errno));
        return -errno;
    }
    return 0;
}

int keel_store_rm(struct xs_handle *h, uint32_t t, const char *path, char *err,
                  size_t errlen)
{
    if (xs_rm(h, t, path) || errno == ENOENT)
        return 0;
    keel_store_set_err(err, errlen, "store: rm %s: %s", path, strerror(errno));
    return -errno;
}

static int release_txn(struct xs_handle *h, xs_transaction_t t,
                       const void *arg, char *err, size_t errlen)
{
    uint32_t D = *(const uint32_t *)arg;
    char path[128];
    unsigned int len;
    char *vm;
    int rc = 0;

    snprintf(path, sizeof(path), "/local/domain/%u/vm", D);
    vm = xs_read(h, t, path, &len);
    if (vm != NULL && !strncmp(vm, "/vm/", 4) && strlen(vm) > 4)
        rc = keel_store_rm(h, t, vm, err, errlen);
    free(vm);
    snprintf(path, sizeof(path), "/local/domain/%u", D);
    if (rc == 0)
        rc = keel_store_rm(h, t, path, err, errlen);
    snprintf(path, sizeof(path), "/local/domain/0/backend/console/%u", D);
    if (rc == 0)
        rc = keel_store_rm(h, t, path, err, errlen);
    snprintf(path, sizeof(path), "/libxl/%u", D);
    if (rc == 0)
        rc = keel_store_rm(h, t, path, err, errlen);
    return rc;
}

int keel_store_release(struct xs_handle *h, uint32_t domid, char *err,
                       size_t errlen)
{
    int rc;

    if (domid == 0 || domid >= 0x7ff0) {
        keel_store_set_err(err, errlen, "store: domid %u is not a guest's", domid);
        return -EINVAL;
    }
    rc = keel_store_txn(h, release_txn, &domid, err, errlen);
    if (rc < 0)
        return rc;
    if (!xs_release_domain(h, domid) && errno != ENOENT) {
        keel_store_set_err(err, errlen, "store: release domain %u: %s", domid,
                strerror(errno));
        return -errno;
    }
    return 0;
}
