/*
 * keel_xsdev: the store side of a split device (vbd, vif, ...), what
 * libxl 4.17 does in libxl_device.c (libxl__device_generic_add,
 * libxl__wait_device_connection, libxl__initiate_device_generic_remove)
 * without the hotplug scripts (TOOLSTACK-ABI.md 4.1, 4.6).
 *
 *   frontend  /local/domain/<D>/device/<type>/<devid>          {D: none, B: read}
 *   backend   /local/domain/<B>/backend/<type>/<D>/<devid>     {B: none, D: read}
 *   libxl     /libxl/<D>/device/<type>/<devid>/{frontend,backend}   {0: none}
 *
 * Errors: functions return 0 or a negative errno value and never print;
 * err (when not NULL) gets a one-line description naming the path.
 */
#ifndef KEEL_KEEL_XSDEV_H
#define KEEL_KEEL_XSDEV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_handle;

/* XenbusState (xen/include/public/io/xenbus.h). */
enum keel_xsdev_state {
    KEEL_XSDEV_UNKNOWN = 0,
    KEEL_XSDEV_INITIALISING = 1,
    KEEL_XSDEV_INITWAIT = 2,
    KEEL_XSDEV_INITIALISED = 3,
    KEEL_XSDEV_CONNECTED = 4,
    KEEL_XSDEV_CLOSING = 5,
    KEEL_XSDEV_CLOSED = 6,
};

/* libxl's removal timeout (LIBXL_DESTROY_TIMEOUT) and state-2 wait. */
#define KEEL_XSDEV_TIMEOUT_MS 10000

struct keel_xsdev_kv {
    const char *key;            /* relative, no '/' */
    const char *value;
};

/* Which device: the address every call below takes. */
struct keel_xsdev_id {
    const char *type;           /* "vbd", "vif": [a-z0-9_-]{1,15} */
    uint32_t domid;             /* the frontend's domain (not 0) */
    uint32_t backend_domid;     /* the backend's domain (dom0: 0) */
    uint32_t devid;
};

/*
 * Create the device: in one transaction (retried on EAGAIN) remove any
 * stale frontend directory, then write the frontend directory with
 * backend, backend-id, state=1 and fe[], the backend directory with
 * frontend, frontend-id, online=1, state=1 and be[], and the libxl
 * directory, each node with the permissions above.  -EEXIST (nothing
 * written) when a backend directory for the device already exists.
 * Keys in fe[]/be[] override the standard ones of the same name.
 */
int keel_xsdev_add(struct xs_handle *h, const struct keel_xsdev_id *id,
                   const struct keel_xsdev_kv *fe, size_t nfe,
                   const struct keel_xsdev_kv *be, size_t nbe,
                   char *err, size_t errlen);

/*
 * Block until the backend's state reads want, for at most timeout_ms:
 * 0; -ETIMEDOUT (err names the state seen and the backend's error node,
 * if the driver wrote one); -ENOENT when the backend directory vanished.
 * Uses a store watch on the state node (plus a periodic re-read).
 */
int keel_xsdev_wait_state(struct xs_handle *h, const struct keel_xsdev_id *id,
                          int want, int timeout_ms, char *err, size_t errlen);

/* The backend's state, or a negative errno (-ENOENT: no device). */
int keel_xsdev_backend_state(struct xs_handle *h, const struct keel_xsdev_id *id);

/* Write (or read: malloc'd, NULL on error) one key of the backend dir. */
int keel_xsdev_backend_write(struct xs_handle *h, const struct keel_xsdev_id *id,
                             const char *key, const char *value,
                             char *err, size_t errlen);
char *keel_xsdev_backend_read(struct xs_handle *h, const struct keel_xsdev_id *id,
                              const char *key);

/*
 * Remove the device as libxl does: write online=0 and state=5 to the
 * backend (state left alone if it reads 6 already), wait up to
 * timeout_ms for state 6, then delete the frontend, backend and libxl
 * directories in one transaction.  force (the domain is dying or dead):
 * delete the frontend directory first, in the same transaction (libxl's
 * FORCE_ON), and a timeout is not an error.  No wait when the backend is
 * gone or Closed already, nor, forced, when the frontend directory was
 * gone before (the driver has seen it go: netback then writes 6 and
 * unregisters by itself).  Returns 0 when the
 * directories are gone; -ETIMEDOUT when not forced and the backend did
 * not close (the directories are then removed anyway, as libxl does on
 * timeout, and err says so); a device already gone is 0.
 */
int keel_xsdev_remove(struct xs_handle *h, const struct keel_xsdev_id *id,
                      bool force, int timeout_ms, char *err, size_t errlen);

/*
 * The devids of domid's devices of one type that have a backend
 * directory under backend_domid, ascending, into out[max]: the count
 * found (may exceed max; only max are stored) or a negative errno.
 * Entries that are not decimal numbers are skipped.
 */
int keel_xsdev_list(struct xs_handle *h, const char *type, uint32_t domid,
                    uint32_t backend_domid, uint32_t *out, size_t max,
                    char *err, size_t errlen);

/* Paths of the device's directories into buf (false: bad id or too long). */
bool keel_xsdev_fe_path(const struct keel_xsdev_id *id, char *buf, size_t len);
bool keel_xsdev_be_path(const struct keel_xsdev_id *id, char *buf, size_t len);

#endif
