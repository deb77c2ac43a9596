/* Handlers for per-connection state: WATCH, UNWATCH, RESET_WATCHES,
 * TRANSACTION_START, TRANSACTION_END, CONTROL. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"
#include "path.h"
#include "persist.h"
#include "txn.h"
#include "watch.h"

/* "path\0token\0" with the path resolved. */
static int path_token(const struct req *r, char *path, const char **given,
		      const char **token)
{
	const char *argv[2];
	size_t rest;

	if (wire_split(r->payload, r->len, argv, 2, &rest) != 2 ||
	    rest != r->len)
		return -EINVAL;
	*given = argv[0];
	*token = argv[1];
	return req_path(r, argv[0], path);
}

int op_watch(struct req *r)
{
	char path[PATH_BUF];
	const char *given, *token;
	int rc = path_token(r, path, &given, &token);

	if (rc < 0)
		return rc;
	rc = watch_add(r->c, given, path, token);
	if (rc < 0)
		return rc;
	kernel_watches_save(r->c);
	persist_watch(r->c, given, path, token, true);
	rc = req_ack(r);
	/* Linux relies on one event right away, naming the path as given. */
	conn_send(r->c, XS_WATCH_EVENT, 0, 0, given, strlen(given) + 1, token,
		  strlen(token) + 1, true);
	return rc;
}

int op_unwatch(struct req *r)
{
	char path[PATH_BUF];
	const char *given, *token;
	int rc = path_token(r, path, &given, &token);

	if (rc < 0)
		return rc;
	rc = watch_remove(r->c, path, token);
	if (rc < 0)
		return rc;
	kernel_watches_save(r->c);
	persist_watch(r->c, given, path, token, false);
	return req_ack(r);
}

int op_reset_watches(struct req *r)
{
	watch_remove_all(r->c);
	txn_abort_all(r->c);
	kernel_watches_save(r->c);
	persist_reset_watches(r->c);
	return req_ack(r);
}

int op_transaction_start(struct req *r)
{
	char id[16];
	struct txn *t;
	int rc;

	if (r->txn)
		return -EBUSY;
	rc = txn_start(r->c, &t);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "%u", t->id);
	return conn_reply_str(r->c, r->hdr, id);
}

int op_transaction_end(struct req *r)
{
	const char *arg = wire_onearg(r->payload, r->len);
	bool commit;
	int rc;

	if (!r->txn)
		return -ENOENT;
	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return -EINVAL;
	commit = arg[0] == 'T';
	rc = txn_end(r->txn, !commit);
	r->txn = NULL;
	return rc < 0 ? rc : req_ack(r);
}

static const char control_help[] =
	"check\nprint <string>\nquota\nhelp\n";

/* CONTROL "cmd\0args...": a few of Xen's debug commands. */
int op_control(struct req *r)
{
	const char *argv[2];
	unsigned int argc = wire_split(r->payload, r->len, argv, 2, NULL);
	const struct quota *q = &r->c->xsd->quota;
	char buf[512];

	if (argc < 1)
		return -EINVAL;
	if (!strcmp(argv[0], "check"))
		return req_ack(r);
	if (!strcmp(argv[0], "help"))
		return conn_reply_str(r->c, r->hdr, control_help);
	if (!strcmp(argv[0], "print") && argc == 2) {
		xsd_log("control: %s", argv[1]);
		return req_ack(r);
	}
	if (!strcmp(argv[0], "quota")) {
		snprintf(buf, sizeof(buf),
			 "nodes %u\nentry-size %u\nwatches %u\n"
			 "transactions %u\noutstanding %u\nperms %u\n"
			 "path-max %u\ntransaction-nodes %u\n",
			 q->nodes, q->entry_size, q->watches, q->transactions,
			 q->outstanding, q->perms, q->path_max, q->txn_nodes);
		return conn_reply_str(r->c, r->hdr, buf);
	}
	return -EINVAL;
}
