/*
 * Xenstore wire protocol: message header and types, error names, and the
 * shared ring page used by a guest (start_info.store_mfn).
 *
 * A message is a struct xsd_sockmsg followed by `len` bytes of payload
 * (at most XENSTORE_PAYLOAD_MAX): NUL-separated strings.  An error reply
 * has type XS_ERROR and an errno name from xsd_errors as payload.
 */
#ifndef __XEN_PUBLIC_IO_XS_WIRE_H__
#define __XEN_PUBLIC_IO_XS_WIRE_H__

#include "../errno.h"

#define XS_DEBUG XS_CONTROL

/* Old write-mode strings. */
#define XS_WRITE_NONE        "NONE"
#define XS_WRITE_CREATE      "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

#define XENSTORE_RING_SIZE 1024
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

#define XENSTORE_PAYLOAD_MAX  4096
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XENSTORE_SERVER_FEATURE_ERROR        2

#define XENSTORE_CONNECTED 0    /* normal operation */
#define XENSTORE_RECONNECT 1    /* guest asked to reset the ring */

#define XENSTORE_ERROR_NONE    0
#define XENSTORE_ERROR_COMM    1   /* communication problem */
#define XENSTORE_ERROR_RINGIDX 2   /* bad ring index */
#define XENSTORE_ERROR_PROTO   3   /* protocol violation (e.g. payload too long) */

#ifndef __ASSEMBLY__
#include <stdint.h>
#include "../abi-check.h"

enum xsd_sockmsg_type {
    XS_CONTROL              = 0,
    XS_DIRECTORY            = 1,
    XS_READ                 = 2,
    XS_GET_PERMS            = 3,
    XS_WATCH                = 4,
    XS_UNWATCH              = 5,
    XS_TRANSACTION_START    = 6,
    XS_TRANSACTION_END      = 7,
    XS_INTRODUCE            = 8,
    XS_RELEASE              = 9,
    XS_GET_DOMAIN_PATH      = 10,
    XS_WRITE                = 11,
    XS_MKDIR                = 12,
    XS_RM                   = 13,
    XS_SET_PERMS            = 14,
    XS_WATCH_EVENT          = 15,
    XS_ERROR                = 16,
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME               = 18,
    XS_SET_TARGET           = 19,
    /* 20 is unused (was XS_RESTRICT) */
    XS_RESET_WATCHES        = 21,
    XS_DIRECTORY_PART       = 22,
    XS_TYPE_COUNT,                  /* number of valid types */
    XS_INVALID              = 0xffff
};

/*
 * Error name <-> number, for XS_ERROR payloads.  A local lookup table,
 * never shared memory, so its implicit padding is harmless.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpadded"
struct xsd_errors {
    int errnum;
    const char *errstring;
};
#pragma GCC diagnostic pop

#define XSD_ERROR(x) { XEN_##x, #x }
static const struct xsd_errors xsd_errors[] __attribute__((unused)) = {
    XSD_ERROR(EINVAL),      /* first entry: the default for unknown errors */
    XSD_ERROR(EACCES),
    XSD_ERROR(EEXIST),
    XSD_ERROR(EISDIR),
    XSD_ERROR(ENOENT),
    XSD_ERROR(ENOMEM),
    XSD_ERROR(ENOSPC),
    XSD_ERROR(EIO),
    XSD_ERROR(ENOTEMPTY),
    XSD_ERROR(ENOSYS),
    XSD_ERROR(EROFS),
    XSD_ERROR(EBUSY),
    XSD_ERROR(EAGAIN),
    XSD_ERROR(EISCONN),
    XSD_ERROR(E2BIG),
    XSD_ERROR(EPERM),
};

/* Message header (native byte order). */
struct xsd_sockmsg {
    uint32_t type;      /* XS_* */
    uint32_t req_id;    /* echoed in the reply */
    uint32_t tx_id;     /* transaction, 0 = none */
    uint32_t len;       /* payload bytes after the header */
};

/* Fields of an XS_WATCH_EVENT payload. */
enum xs_watch_type {
    XS_WATCH_PATH = 0,
    XS_WATCH_TOKEN
};

typedef uint32_t XENSTORE_RING_IDX;

/*
 * The ring page.  req: guest -> store; rsp: store -> guest (replies and
 * watch events).  Indexes run freely like the console's.
 */
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];
    char rsp[XENSTORE_RING_SIZE];
    XENSTORE_RING_IDX req_cons, req_prod;
    XENSTORE_RING_IDX rsp_cons, rsp_prod;
    uint32_t server_features;   /* XENSTORE_SERVER_FEATURE_* (set by the store) */
    uint32_t connection;        /* XENSTORE_CONNECTED / _RECONNECT */
    uint32_t error;             /* XENSTORE_ERROR_* */
};

XEN_ABI_SIZE(struct xsd_sockmsg, 16);
XEN_ABI_OFFSET(struct xsd_sockmsg, req_id, 4);
XEN_ABI_OFFSET(struct xsd_sockmsg, tx_id, 8);
XEN_ABI_OFFSET(struct xsd_sockmsg, len, 12);
XEN_ABI_SIZE(struct xenstore_domain_interface, 2076);
XEN_ABI_OFFSET(struct xenstore_domain_interface, rsp, 1024);
XEN_ABI_OFFSET(struct xenstore_domain_interface, req_cons, 2048);
XEN_ABI_OFFSET(struct xenstore_domain_interface, req_prod, 2052);
XEN_ABI_OFFSET(struct xenstore_domain_interface, rsp_cons, 2056);
XEN_ABI_OFFSET(struct xenstore_domain_interface, rsp_prod, 2060);
XEN_ABI_OFFSET(struct xenstore_domain_interface, server_features, 2064);
XEN_ABI_OFFSET(struct xenstore_domain_interface, connection, 2068);
XEN_ABI_OFFSET(struct xenstore_domain_interface, error, 2072);

#endif /* !__ASSEMBLY__ */

#endif /* __XEN_PUBLIC_IO_XS_WIRE_H__ */
