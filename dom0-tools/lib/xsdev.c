/*
 * keel_xsdev: a split device's store directories (include/keel_xsdev.h),
 * libxl 4.17's libxl_device.c without hotplug scripts.
 */
#include "keel_xsdev.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keelxs.h"
#include "keel_store.h"

#define PATH_MAX_XS 256

static bool valid_type(const char *t)
{
    size_t n = t ? strlen(t) : 0;

    if (n == 0 || n > 15)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') ||
              t[i] == '_' || t[i] == '-'))
            return false;
    return true;
}

static bool valid_id(const struct keel_xsdev_id *id, char *err, size_t errlen)
{
    if (!valid_type(id->type)) {
        keel_store_set_err(err, errlen, "device: type '%s' is not [a-z0-9_-]{1,15}",
                id->type ? id->type : "(null)");
        return false;
    }
    if (id->domid == 0 || id->domid >= 0x7ff0 || id->backend_domid >= 0x7ff0 ||
        id->domid == id->backend_domid) {
        keel_store_set_err(err, errlen, "device: %s: domid %u (backend %u) is not a guest's",
                id->type, id->domid, id->backend_domid);
        return false;
    }
    return true;
}

static bool fmt_path(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n > 0 && (size_t)n < len;
}

bool keel_xsdev_fe_path(const struct keel_xsdev_id *id, char *buf, size_t len)
{
    return valid_id(id, NULL, 0) &&
           fmt_path(buf, len, "/local/domain/%u/device/%s/%u", id->domid,
                    id->type, id->devid);
}

bool keel_xsdev_be_path(const struct keel_xsdev_id *id, char *buf, size_t len)
{
    return valid_id(id, NULL, 0) &&
           fmt_path(buf, len, "/local/domain/%u/backend/%s/%u/%u",
                    id->backend_domid, id->type, id->domid, id->devid);
}

static bool libxl_path(const struct keel_xsdev_id *id, char *buf, size_t len)
{
    return fmt_path(buf, len, "/libxl/%u/device/%s/%u", id->domid, id->type,
                    id->devid);
}

/* Write one node with its permissions (owner first, then one reader). */
static int put(struct xs_handle *h, xs_transaction_t t, const char *path,
               const char *value, uint32_t owner, int reader,
               char *err, size_t errlen)
{
    struct xs_permissions p[2] = {
        { owner, XS_PERM_NONE }, { (unsigned int)reader, XS_PERM_READ },
    };

    if (!xs_write(h, t, path, value, (unsigned int)strlen(value))) {
        keel_store_set_err(err, errlen, "store: write %s: %s", path, strerror(errno));
        return -errno;
    }
    if (!xs_set_permissions(h, t, path, p, reader < 0 ? 1 : 2)) {
        keel_store_set_err(err, errlen, "store: set permissions of %s: %s", path,
                strerror(errno));
        return -errno;
    }
    return 0;
}


static bool overridden(const struct keel_xsdev_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key))
            return true;
    return false;
}

/* dir itself, the standard keys not in kv[], then kv[]. */
static int put_dir(struct xs_handle *h, xs_transaction_t t, const char *dir,
                   const struct keel_xsdev_kv *std, size_t nstd,
                   const struct keel_xsdev_kv *kv, size_t n, uint32_t owner,
                   int reader, char *err, size_t errlen)
{
    char path[PATH_MAX_XS];
    int rc = put(h, t, dir, "", owner, reader, err, errlen);

    for (size_t i = 0; rc == 0 && i < nstd + n; i++) {
        const struct keel_xsdev_kv *e = i < nstd ? &std[i] : &kv[i - nstd];

        if (i < nstd && overridden(kv, n, e->key))
            continue;
        if (e->key == NULL || !*e->key || strchr(e->key, '/') || e->value == NULL ||
            !fmt_path(path, sizeof(path), "%s/%s", dir, e->key)) {
            keel_store_set_err(err, errlen, "device: %s: bad key '%s'", dir,
                    e->key ? e->key : "(null)");
            return -EINVAL;
        }
        rc = put(h, t, path, e->value, owner, reader, err, errlen);
    }
    return rc;
}

struct add_args {
    const struct keel_xsdev_id *id;
    const struct keel_xsdev_kv *fe, *be;
    size_t nfe, nbe;
};

static int add_txn(struct xs_handle *h, xs_transaction_t t, const void *arg,
                   char *err, size_t errlen)
{
    const struct add_args *a = arg;
    const struct keel_xsdev_id *id = a->id;
    char fe[PATH_MAX_XS], be[PATH_MAX_XS], lx[PATH_MAX_XS], p[PATH_MAX_XS];
    char D[16], B[16];
    unsigned int len;
    char *old;
    int rc;

    keel_xsdev_fe_path(id, fe, sizeof(fe));
    keel_xsdev_be_path(id, be, sizeof(be));
    libxl_path(id, lx, sizeof(lx));
    snprintf(D, sizeof(D), "%u", id->domid);
    snprintf(B, sizeof(B), "%u", id->backend_domid);
    old = xs_read(h, t, be, &len);
    if (old != NULL) {
        free(old);
        keel_store_set_err(err, errlen, "device: %s exists already", be);
        return -EEXIST;
    }
    const struct keel_xsdev_kv fe_std[] = {
        { "backend", be }, { "backend-id", B }, { "state", "1" },
    };
    const struct keel_xsdev_kv be_std[] = {
        { "frontend", fe }, { "frontend-id", D }, { "online", "1" },
        { "state", "1" },
    };
    const struct keel_xsdev_kv lx_std[] = { { "frontend", fe }, { "backend", be } };

    /* libxl__device_generic_add: a stale frontend dir goes first. */
    if ((rc = keel_store_rm(h, t, fe, err, errlen)) < 0 ||
        (rc = put_dir(h, t, fe, fe_std, 3, a->fe, a->nfe, id->domid,
                      (int)id->backend_domid, err, errlen)) < 0 ||
        (rc = put_dir(h, t, be, be_std, 4, a->be, a->nbe, id->backend_domid,
                      (int)id->domid, err, errlen)) < 0)
        return rc;
    /* The libxl dir's parents are dom0's (/libxl/<D> is created by the
     * domain's store setup; create it here too for a bare store). */
    snprintf(p, sizeof(p), "/libxl/%u/device", id->domid);
    old = xs_read(h, t, p, &len);
    free(old);
    if (old == NULL && (rc = put(h, t, p, "", 0, -1, err, errlen)) < 0)
        return rc;
    return put_dir(h, t, lx, lx_std, 2, NULL, 0, 0, -1, err, errlen);
}

int keel_xsdev_add(struct xs_handle *h, const struct keel_xsdev_id *id,
                   const struct keel_xsdev_kv *fe, size_t nfe,
                   const struct keel_xsdev_kv *be, size_t nbe,
                   char *err, size_t errlen)
{
    struct add_args a = { id, fe, be, nfe, nbe };
    char p[PATH_MAX_XS];

    if (!valid_id(id, err, errlen))
        return -EINVAL;
    if (!keel_xsdev_be_path(id, p, sizeof(p))) {
        keel_store_set_err(err, errlen, "device: %s %u: path too long", id->type, id->devid);
        return -ENAMETOOLONG;
    }
    return keel_store_txn(h, add_txn, &a, err, errlen);
}

char *keel_xsdev_backend_read(struct xs_handle *h, const struct keel_xsdev_id *id,
                              const char *key)
{
    char p[PATH_MAX_XS], be[PATH_MAX_XS];
    unsigned int len;

    if (!keel_xsdev_be_path(id, be, sizeof(be)) ||
        !fmt_path(p, sizeof(p), "%s%s%s", be, *key ? "/" : "", key)) {
        errno = EINVAL;
        return NULL;
    }
    return xs_read(h, XBT_NULL, p, &len);
}

int keel_xsdev_backend_write(struct xs_handle *h, const struct keel_xsdev_id *id,
                             const char *key, const char *value,
                             char *err, size_t errlen)
{
    char p[PATH_MAX_XS], be[PATH_MAX_XS];

    if (!valid_id(id, err, errlen))
        return -EINVAL;
    if (!keel_xsdev_be_path(id, be, sizeof(be)) ||
        !fmt_path(p, sizeof(p), "%s/%s", be, key)) {
        keel_store_set_err(err, errlen, "device: %s/%s: path too long", be, key);
        return -ENAMETOOLONG;
    }
    if (!xs_write(h, XBT_NULL, p, value, (unsigned int)strlen(value))) {
        keel_store_set_err(err, errlen, "store: write %s: %s", p, strerror(errno));
        return -errno;
    }
    return 0;
}

int keel_xsdev_backend_state(struct xs_handle *h, const struct keel_xsdev_id *id)
{
    char *v = keel_xsdev_backend_read(h, id, "state");
    char *end;
    long s;

    if (v == NULL)
        return errno == ENOENT ? -ENOENT : -(errno ? errno : EIO);
    s = strtol(v, &end, 10);
    if (end == v || *end || s < 0 || s > 8)
        s = KEEL_XSDEV_UNKNOWN;
    free(v);
    return (int)s;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The driver's xenbus_dev_error text for the backend, if any. */
static void backend_error(struct xs_handle *h, const struct keel_xsdev_id *id,
                          char *buf, size_t len)
{
    char p[PATH_MAX_XS];
    unsigned int n;
    char *v;

    buf[0] = '\0';
    if (!fmt_path(p, sizeof(p), "/local/domain/%u/error/backend/%s/%u/%u/error",
                  id->backend_domid, id->type, id->domid, id->devid))
        return;
    v = xs_read(h, XBT_NULL, p, &n);
    if (v != NULL) {
        snprintf(buf, len, " (backend error: %s)", v);
        free(v);
    }
}

int keel_xsdev_wait_state(struct xs_handle *h, const struct keel_xsdev_id *id,
                          int want, int timeout_ms, char *err, size_t errlen)
{
    char be[PATH_MAX_XS], sp[PATH_MAX_XS], tok[64], why[160];
    long long end = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
    bool watched;
    int s;

    if (!valid_id(id, err, errlen))
        return -EINVAL;
    keel_xsdev_be_path(id, be, sizeof(be));
    fmt_path(sp, sizeof(sp), "%s/state", be);
    snprintf(tok, sizeof(tok), "keel-xsdev-%d-%u-%u", (int)getpid(), id->domid,
             id->devid);
    watched = xs_watch(h, sp, tok);
    for (;;) {
        long long left;
        char **ev;

        s = keel_xsdev_backend_state(h, id);
        if (s == want || s == -ENOENT)
            break;
        left = end - now_ms();
        if (left <= 0)
            break;
        /* The watch wakes us; the re-read every 100 ms covers a lost
         * event (or a store without watches). */
        struct pollfd pfd = { watched ? xs_fileno(h) : -1, POLLIN, 0 };
        poll(&pfd, 1, (int)(left < 100 ? left : 100));
        while (watched && (ev = xs_check_watch(h)) != NULL)
            free(ev);
    }
    if (watched)
        xs_unwatch(h, sp, tok);
    if (s == want)
        return 0;
    if (s == -ENOENT) {
        keel_store_set_err(err, errlen, "device: %s vanished waiting for state %d", be, want);
        return -ENOENT;
    }
    backend_error(h, id, why, sizeof(why));
    keel_store_set_err(err, errlen, "device: %s: state %d, not %d after %d ms%s", be, s,
            want, timeout_ms, why);
    return -ETIMEDOUT;
}

static int rm_txn(struct xs_handle *h, xs_transaction_t t, const void *arg,
                  char *err, size_t errlen)
{
    const struct keel_xsdev_id *id = arg;
    char p[PATH_MAX_XS];
    int rc;

    keel_xsdev_fe_path(id, p, sizeof(p));
    if ((rc = keel_store_rm(h, t, p, err, errlen)) < 0)
        return rc;
    keel_xsdev_be_path(id, p, sizeof(p));
    if ((rc = keel_store_rm(h, t, p, err, errlen)) < 0)
        return rc;
    /* The per-domain backend dir goes with its last device (libxl). */
    fmt_path(p, sizeof(p), "/local/domain/%u/backend/%s/%u", id->backend_domid,
             id->type, id->domid);
    unsigned int n = 1;
    char **left = xs_directory(h, t, p, &n);
    free(left);
    if (left != NULL && n == 0 && (rc = keel_store_rm(h, t, p, err, errlen)) < 0)
        return rc;
    libxl_path(id, p, sizeof(p));
    return keel_store_rm(h, t, p, err, errlen);
}

/* What close_txn found, for keel_xsdev_remove. */
struct close_args {
    const struct keel_xsdev_id *id;
    bool force;
    bool fe_was_there;          /* out: the frontend dir existed */
    int state;                  /* out: the backend's state, -ENOENT if none */
};

/*
 * libxl__initiate_device_generic_remove (4.17), one transaction: forced,
 * the frontend dir goes; the backend gone: nothing to do; else online=0
 * and state=5 unless it reads 6 already ("already in closed state, in
 * which case it should not be changed": netback, seeing its frontend
 * vanish, writes 6 and unregisters, and would never answer a 5).
 */
static int close_txn(struct xs_handle *h, xs_transaction_t t, const void *arg,
                     char *err, size_t errlen)
{
    struct close_args *a = (struct close_args *)arg;
    char be[PATH_MAX_XS], p[PATH_MAX_XS];
    unsigned int len;
    char *s;
    int rc;

    a->fe_was_there = false;
    a->state = -ENOENT;
    if (a->force) {
        keel_xsdev_fe_path(a->id, p, sizeof(p));
        s = xs_read(h, t, p, &len);
        a->fe_was_there = s != NULL;
        free(s);
        if ((rc = keel_store_rm(h, t, p, err, errlen)) < 0)
            return rc;
    }
    keel_xsdev_be_path(a->id, be, sizeof(be));
    fmt_path(p, sizeof(p), "%s/state", be);
    s = xs_read(h, t, p, &len);
    if (s == NULL)
        return 0;
    a->state = atoi(s) == KEEL_XSDEV_CLOSED ? KEEL_XSDEV_CLOSED : KEEL_XSDEV_UNKNOWN;
    free(s);
    if (a->state != KEEL_XSDEV_CLOSED && !xs_write(h, t, p, "5", 1)) {
        keel_store_set_err(err, errlen, "store: write %s: %s", p, strerror(errno));
        return -errno;
    }
    fmt_path(p, sizeof(p), "%s/online", be);
    if (!xs_write(h, t, p, "0", 1)) {
        keel_store_set_err(err, errlen, "store: write %s: %s", p, strerror(errno));
        return -errno;
    }
    return 0;
}

int keel_xsdev_remove(struct xs_handle *h, const struct keel_xsdev_id *id,
                      bool force, int timeout_ms, char *err, size_t errlen)
{
    struct close_args a = { id, force, false, -ENOENT };
    char why[300] = "";
    int rc, wait_rc = 0;

    if (!valid_id(id, err, errlen))
        return -EINVAL;
    rc = keel_store_txn(h, close_txn, &a, err, errlen);
    if (rc < 0)
        return rc;
    /* Wait for Closed unless the backend is gone or closed already, or
     * (forced) its frontend was gone before we came: the driver has
     * seen it vanish, closes and unregisters on its own, and deleting
     * its directory below unregisters it anyway. */
    if (a.state != -ENOENT && a.state != KEEL_XSDEV_CLOSED && (!force || a.fe_was_there))
        wait_rc = keel_xsdev_wait_state(h, id, KEEL_XSDEV_CLOSED, timeout_ms,
                                        why, sizeof(why));
    rc = keel_store_txn(h, rm_txn, id, err, errlen);
    if (rc < 0)
        return rc;
    if (wait_rc == -ETIMEDOUT && !force) {
        keel_store_set_err(err, errlen, "%s; removed anyway", why);
        return -ETIMEDOUT;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

int keel_xsdev_list(struct xs_handle *h, const char *type, uint32_t domid,
                    uint32_t backend_domid, uint32_t *out, size_t max,
                    char *err, size_t errlen)
{
    struct keel_xsdev_id id = { type, domid, backend_domid, 0 };
    char p[PATH_MAX_XS];
    unsigned int n = 0;
    size_t found = 0;
    char **ents;

    if (!valid_id(&id, err, errlen))
        return -EINVAL;
    fmt_path(p, sizeof(p), "/local/domain/%u/backend/%s/%u", backend_domid,
             type, domid);
    ents = xs_directory(h, XBT_NULL, p, &n);
    if (ents == NULL) {
        if (errno == ENOENT)
            return 0;
        keel_store_set_err(err, errlen, "store: directory %s: %s", p, strerror(errno));
        return -errno;
    }
    for (unsigned int i = 0; i < n; i++) {
        char *end;
        unsigned long v = strtoul(ents[i], &end, 10);

        if (end == ents[i] || *end || v > UINT32_MAX ||
            (ents[i][0] == '0' && ents[i][1]))
            continue;
        if (found < max)
            out[found] = (uint32_t)v;
        found++;
    }
    free(ents);
    qsort(out, found < max ? found : max, sizeof(*out), cmp_u32);
    return (int)found;
}
