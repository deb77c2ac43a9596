/*
 * Message dispatch: one table entry per xs_wire.h type, with whether it
 * ignores the header's tx_id and whether it is for privileged callers
 * (dom0) only.  After each request the journal frame of its changes is
 * written; it is durable before any reply can leave (conn_flush holds
 * output while the journal has unsynced frames).
 */
#include <errno.h>
#include <stdlib.h>

#include "journal.h"
#include "ops.h"
#include "path.h"
#include "persist.h"
#include "txn.h"
#include "watch.h"

#define F_NOTXN 0x1 /* tx_id ignored */
#define F_PRIV 0x2  /* dom0 only: others get EACCES */

static const struct {
	int (*fn)(struct req *r);
	unsigned int flags;
} table[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { op_control, F_NOTXN | F_PRIV },
	[XS_DIRECTORY] = { op_directory, 0 },
	[XS_READ] = { op_read, 0 },
	[XS_GET_PERMS] = { op_get_perms, 0 },
	[XS_WATCH] = { op_watch, F_NOTXN },
	[XS_UNWATCH] = { op_unwatch, F_NOTXN },
	[XS_TRANSACTION_START] = { op_transaction_start, 0 },
	[XS_TRANSACTION_END] = { op_transaction_end, 0 },
	[XS_INTRODUCE] = { op_introduce, F_NOTXN | F_PRIV },
	[XS_RELEASE] = { op_release, F_NOTXN | F_PRIV },
	[XS_GET_DOMAIN_PATH] = { op_get_domain_path, F_NOTXN },
	[XS_WRITE] = { op_write, 0 },
	[XS_MKDIR] = { op_mkdir, 0 },
	[XS_RM] = { op_rm, 0 },
	[XS_SET_PERMS] = { op_set_perms, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { op_is_domain_introduced, F_NOTXN },
	[XS_RESUME] = { op_resume, F_NOTXN | F_PRIV },
	[XS_SET_TARGET] = { op_set_target, F_NOTXN | F_PRIV },
	[XS_RESET_WATCHES] = { op_reset_watches, F_NOTXN },
	[XS_DIRECTORY_PART] = { op_directory_part, 0 },
	/* XS_WATCH_EVENT and XS_ERROR are daemon-to-client only. */
};

static int decode(struct req *r)
{
	uint32_t type = r->hdr->type;

	/* WATCH_EVENT and ERROR from a client: ENOSYS, as Xen. */
	if (type >= XS_TYPE_COUNT || !table[type].fn)
		return -ENOSYS;
	if ((table[type].flags & F_PRIV) && !r->c->who.privileged)
		return -EACCES;
	r->tree = &r->c->xsd->tree;
	if (!(table[type].flags & F_NOTXN) && r->hdr->tx_id) {
		r->txn = txn_find(r->c, r->hdr->tx_id);
		if (!r->txn && r->c->restored &&
		    r->hdr->tx_id < RESTORED_TXID_BASE)
			r->txn = txn_adopt(r->c, r->hdr->tx_id);
		if (!r->txn)
			return -ENOENT;
		/* Bound what a domain's transaction records (Xen's
		 * transaction-nodes quota; Xen 4.17 lets a transaction
		 * touch quota - 1 nodes, measured); ending is allowed. */
		if (type != XS_TRANSACTION_END &&
		    !quota_ok(&r->c->who, r->txn->nr_acc + 2,
			      r->c->xsd->quota.txn_nodes))
			return -ENOSPC;
		r->tree = &r->txn->tree;
	}
	return 0;
}

/*
 * Requests that never change the store: reads, and every change inside
 * a transaction (made to its private copy) but its end.  A wrong "true"
 * would cost speed only: conn_flush sends nothing while the journal
 * holds unsynced changes.
 */
bool xsd_req_reads_only(const struct xsd_sockmsg *hdr)
{
	switch (hdr->type) {
	case XS_READ:
	case XS_DIRECTORY:
	case XS_DIRECTORY_PART:
	case XS_GET_PERMS:
	case XS_TRANSACTION_START:
	case XS_GET_DOMAIN_PATH:
	case XS_IS_DOMAIN_INTRODUCED:
		return true;
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
		return hdr->tx_id != 0;
	default:
		return false;
	}
}

void xsd_dispatch(struct conn *c, const struct xsd_sockmsg *hdr,
		  char *payload)
{
	struct req r = { .c = c, .hdr = hdr, .payload = payload,
			 .len = hdr->len };
	int rc = decode(&r);
	int jrc;

	if (xsd_verbose)
		xsd_log("conn %u: %s len %u tx %u", c->who.id,
			wire_type_name(hdr->type), hdr->len, hdr->tx_id);
	if (rc == 0)
		rc = table[hdr->type].fn(&r);
	/* In the event loop the round's frames are synced together before
	 * any reply leaves (xsd_poll); called directly, sync now. */
	jrc = c->xsd->group_commit
		      ? journal_write(c->xsd->journal, &c->xsd->tree)
		      : journal_commit(c->xsd->journal, &c->xsd->tree);
	if (jrc < 0) {
		/* The change is in memory but not on disk: never acknowledge
		 * it.  Stopping loses nothing that was acknowledged. */
		xsd_log("journal write failed (%d): exiting", jrc);
		exit(1);
	}
	if (rc < 0)
		conn_error(c, hdr, -rc);
}

int req_ack(const struct req *r)
{
	return conn_reply_str(r->c, r->hdr, "OK");
}

int req_path(const struct req *r, const char *in, char *out)
{
	return path_resolve(r->c->who.id, in,
			    quota_path_max(&r->c->xsd->quota), out);
}

int req_node_path(const struct req *r, const char *in, char *out)
{
	int rc = req_path(r, in, out);

	/* "@..." names are watch paths, not nodes (Xen: EINVAL). */
	return rc < 0 ? rc : out[0] == '@' ? -EINVAL : 0;
}

struct tree_node *req_node(const struct req *r, const char *path,
			   unsigned int perm, int *err)
{
	struct tree_node *n = tree_get(r->tree, path);
	const struct tree_node *a;

	if (n) {
		if ((perms_for(&r->c->who, n->perms, n->nr_perms) & perm) ==
		    perm)
			return n;
		*err = -EACCES;
		return NULL;
	}
	/* Hide whether it exists unless the closest ancestor allows perm. */
	a = tree_closest_ancestor(r->tree, path);
	*err = (perms_for(&r->c->who, a->perms, a->nr_perms) & perm) ? -ENOENT
								     : -EACCES;
	return NULL;
}

void req_changed(const struct req *r, const char *path,
		 const struct tree_node *n, bool deleted)
{
	if (r->txn)
		txn_note_target(r->txn, path);
	else
		watch_fire(r->c->xsd, path, n->perms, n->nr_perms, deleted);
}
