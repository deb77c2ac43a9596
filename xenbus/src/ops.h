/*
 * Message handlers.  Each decodes its payload (all validation first),
 * then acts.  A handler returns 0 after queueing its reply, or a
 * negative errno that dispatch.c sends as an XS_ERROR reply.
 */
#ifndef XENBUS_OPS_H
#define XENBUS_OPS_H

#include "xsd.h"

struct req {
	struct conn *c;
	const struct xsd_sockmsg *hdr;
	char *payload; /* NUL-terminated copy of len bytes */
	uint32_t len;
	struct txn *txn;   /* NULL outside a transaction */
	struct tree *tree; /* the transaction's tree or the main one */
};

/* Resolve a path argument for the caller into out (PATH_BUF). */
int req_path(const struct req *r, const char *in, char *out);

/* Same, for node operations: "@..." names are EINVAL. */
int req_node_path(const struct req *r, const char *in, char *out);

/*
 * Xen's get_node(): the node at path if the caller has `perm' on it.
 * Otherwise NULL with *err = -ENOENT, or -EACCES when the caller may not
 * even learn whether it exists (closest ancestor lacks `perm').
 */
struct tree_node *req_node(const struct req *r, const char *path,
			   unsigned int perm, int *err);

/* A request changed path: fire watches now, or at commit in a txn. */
void req_changed(const struct req *r, const char *path,
		 const struct tree_node *n, bool deleted);

int req_ack(const struct req *r);

int op_read(struct req *r);
int op_write(struct req *r);
int op_mkdir(struct req *r);
int op_rm(struct req *r);
int op_directory(struct req *r);
int op_directory_part(struct req *r);
int op_get_perms(struct req *r);
int op_set_perms(struct req *r);
int op_watch(struct req *r);
int op_unwatch(struct req *r);
int op_reset_watches(struct req *r);
int op_transaction_start(struct req *r);
int op_transaction_end(struct req *r);
int op_introduce(struct req *r);
int op_release(struct req *r);
int op_is_domain_introduced(struct req *r);
int op_get_domain_path(struct req *r);
int op_resume(struct req *r);
int op_set_target(struct req *r);
int op_control(struct req *r);

#endif
