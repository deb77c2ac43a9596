/*
 * keel_store: what the toolstack writes to the store for a new PV domain
 * and removes when it goes (TOOLSTACK-ABI.md 2.3 step 3 and 2.5, as
 * libxl's libxl__domain_make, libxl__build_post and
 * libxl__device_console_add write them), over a libkeelxs handle
 * (xenbus/include/keelxs.h; keel-xenstored's socket in dom0).
 *
 * Errors: functions return 0 or a negative errno value (the store's
 * answer, e.g. -EACCES, -ENOSYS when the daemon has no ring backend) and
 * never print; err (when not NULL) gets a one-line description naming
 * the path that failed.
 */
#ifndef KEEL_KEEL_STORE_H
#define KEEL_KEEL_STORE_H
#include <stddef.h>
#include <stdint.h>

struct xs_handle;

struct keel_store_domain {
    uint32_t domid;
    const char *name;
    const char *uuid;           /* "xxxxxxxx-xxxx-..." or NULL: no /vm entry */
    uint64_t memory_kib;        /* memory/{static-max,target} */
    unsigned int vcpus;         /* cpu/<n>/availability = online */
    uint64_t store_mfn;         /* start_info.store_mfn */
    uint32_t store_port;        /* the guest's port (start_info.store_evtchn) */
    uint64_t console_mfn;       /* start_info.console.domU.mfn */
    uint32_t console_port;      /* the guest's console port */
};

/*
 * Write the standard paths of d with their permissions in one transaction
 * (retried on EAGAIN), then XS_INTRODUCE(domid, store_mfn, store_port):
 * the daemon maps the ring and binds the port, so call it before the
 * domain is unpaused.
 */
int keel_store_introduce(struct xs_handle *h, const struct keel_store_domain *d,
                         char *err, size_t errlen);

/*
 * The reverse, on destroy: remove /local/domain/<domid>, its /vm entry,
 * /libxl/<domid> and dom0's console backend directory in one transaction,
 * then XS_RELEASE (a domain the daemon no longer knows, e.g. dropped on
 * VIRQ_DOM_EXC, is not an error).
 */
int keel_store_release(struct xs_handle *h, uint32_t domid, char *err,
                       size_t errlen);

/*
 * Run fn(h, t, arg, err, errlen) in a transaction t, again while the
 * commit conflicts (EAGAIN, up to 16 times); a negative return from fn
 * aborts the transaction and is returned.  0 or -errno, err filled.
 */
typedef int (*keel_store_txn_fn)(struct xs_handle *h, uint32_t t, const void *arg,
                                 char *err, size_t errlen);
int keel_store_txn(struct xs_handle *h, keel_store_txn_fn fn, const void *arg, char *err,
                   size_t errlen);

/* vsnprintf into err (if err and errlen): the error text of these calls. */
void keel_store_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * xs_rm(path) in transaction t, a path already gone counting as removed:
 * 0 or -errno with err naming the path.
 */
int keel_store_rm(struct xs_handle *h, uint32_t t, const char *path, char *err,
                  size_t errlen);

#endif
