/*
 * libkeelxs: a xenstore client library named and behaving like Xen's
 * libxenstore (xenstore.h / xs.h), so code written for libxenstore reads
 * the same against it.  It talks to $XENSTORED_PATH (the daemon's Unix
 * socket, or a character device such as /dev/xen/xenbus), else
 * /run/xenstored/socket, else (unless XS_OPEN_SOCKETONLY) the dom0
 * kernel's /dev/xen/xenbus, as libxenstore's xs_open.
 *
 * Conventions (as libxenstore): calls return NULL/false on failure with
 * errno set from the daemon's error name (ENOENT, EACCES, EAGAIN...);
 * returned memory is one malloc'd block the caller frees.  A handle is
 * used by one thread at a time.
 */
#ifndef KEELXS_H
#define KEELXS_H

#include <stdbool.h>
#include <stdint.h>

#define XBT_NULL 0
#define XS_OPEN_READONLY (1UL << 0)
#define XS_OPEN_SOCKETONLY (1UL << 1)

typedef uint32_t xs_transaction_t;
struct xs_handle;

enum xs_perm_type {
	XS_PERM_NONE = 0,
	XS_PERM_READ = 1,
	XS_PERM_WRITE = 2,
	XS_PERM_ENOENT_OK = 4,
	XS_PERM_OWNER = 8,
	XS_PERM_IGNORE = 16,
};

struct xs_permissions {
	unsigned int id;
	enum xs_perm_type perms;
};

/* Index into the vector xs_read_watch() returns (also defined by Xen's
 * xs_wire.h: include that first, or define KEELXS_WIRE_TYPES). */
#if !defined(_XS_WIRE_H) && !defined(__XEN_PUBLIC_IO_XS_WIRE_H__) && \
    !defined(KEELXS_WIRE_TYPES)
enum xs_watch_type { XS_WATCH_PATH = 0, XS_WATCH_TOKEN };
#endif

struct xs_handle *xs_open(unsigned long flags);
void xs_close(struct xs_handle *h);
struct xs_handle *xs_daemon_open(void);
void xs_daemon_close(struct xs_handle *h);
/* Descriptor that becomes readable when a watch event may be pending. */
int xs_fileno(struct xs_handle *h);

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
	      unsigned int *len);
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const void *data, unsigned int len);
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
/* Children names; *num gets their count.  Uses DIRECTORY_PART when the
 * list does not fit one message. */
char **xs_directory(struct xs_handle *h, xs_transaction_t t,
		    const char *path, unsigned int *num);

struct xs_permissions *xs_get_permissions(struct xs_handle *h,
					  xs_transaction_t t, const char *path,
					  unsigned int *num);
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t,
			const char *path, struct xs_permissions *perms,
			unsigned int num);
/* "r5" etc. into buf (at least 16 bytes); false for a bad perm. */
bool xs_perm_to_string(const struct xs_permissions *perm, char *buf,
		       unsigned int len);
bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num,
			 const char *strings);

bool xs_watch(struct xs_handle *h, const char *path, const char *token);
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);
/* Block for the next watch event: vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN]. */
char **xs_read_watch(struct xs_handle *h, unsigned int *num);
/* Non-blocking: an event, or NULL with errno EAGAIN when none is queued. */
char **xs_check_watch(struct xs_handle *h);

xs_transaction_t xs_transaction_start(struct xs_handle *h);
/* false with errno EAGAIN when the transaction conflicted: retry it. */
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid,
			 unsigned long mfn, unsigned int eventchn);
bool xs_release_domain(struct xs_handle *h, unsigned int domid);
bool xs_resume_domain(struct xs_handle *h, unsigned int domid);
bool xs_set_target(struct xs_handle *h, unsigned int domid,
		   unsigned int target);
bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid);
char *xs_get_domain_path(struct xs_handle *h, unsigned int domid);
bool xs_reset_watches(struct xs_handle *h);
char *xs_control_command(struct xs_handle *h, const char *cmd, void *data,
			 unsigned int len);

#endif
