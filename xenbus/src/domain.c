/* Domains: see domain.h. */
#include <errno.h>
#include <stdlib.h>

#include "domain.h"
#include "path.h"
#include "persist.h"
#include "ring.h"
#include "watch.h"

struct domain *domain_find(struct xsd *x, uint32_t id)
{
	for (struct domain *d = x->domains; d; d = d->next)
		if (d->id == id)
			return d;
	return NULL;
}

/* Map the ring, bind the port, make the domain and its connection. */
static int domain_connect(struct xsd *x, uint32_t id, uint64_t mfn,
			  uint32_t port, struct domain **out)
{
	struct caller who = { id, false, DOMID_NONE };
	struct xenstore_domain_interface *intf;
	struct domain *d;
	void *tp;
	int rc;

	if (!x->rings)
		return -ENOSYS;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	rc = x->rings->connect(id, mfn, port, &intf, &tp);
	if (rc < 0) {
		free(d);
		return rc;
	}
	d->conn = conn_new(x, &ring_transport_ops, tp, &who);
	if (!d->conn) {
		ring_transport_ops.close(&(struct conn){ .tp = tp });
		free(d);
		return -ENOMEM;
	}
	d->conn->dom = d;
	d->id = id;
	d->mfn = mfn;
	d->port = port;
	d->target = DOMID_NONE;
	d->next = x->domains;
	x->domains = d;
	*out = d;
	return 0;
}

int domain_introduce(struct xsd *x, uint32_t id, uint64_t mfn, uint32_t port)
{
	struct domain *d = domain_find(x, id);
	int rc;

	if (d)
		return d->mfn == mfn ? 0 : -EINVAL; /* Xen: re-introduce ok */
	rc = domain_connect(x, id, mfn, port, &d);
	if (rc < 0)
		return rc;
	persist_introduced(x, id, mfn, port);
	watch_fire_special(x, "@introduceDomain");
	/* Requests may already sit in the ring. */
	d->conn->ops->kick(d->conn);
	return 0;
}

/*
 * The ring is used from its current indexes, which the guest may have
 * moved while the daemon was down: read them as for any ring (a producer
 * more than a ring ahead closes the connection).  Requests already
 * there are read at the first turn (conn->more), and the kick tells the
 * guest we are back (the new port also starts pending on our side, as
 * Xen's bind_interdomain).
 */
int domain_reconnect(struct xsd *x, uint32_t id, uint64_t mfn, uint32_t port,
		     struct domain **out)
{
	int rc;

	if (domain_find(x, id))
		return -EEXIST;
	rc = domain_connect(x, id, mfn, port, out);
	if (rc < 0)
		return rc;
	(*out)->conn->restored = true;
	(*out)->conn->next_txid = RESTORED_TXID_BASE;
	(*out)->conn->more = true;
	(*out)->conn->ops->kick((*out)->conn);
	return 0;
}

/* Unlink *pp, forget it, close its connection (by the event loop). */
static void domain_drop(struct xsd *x, struct domain **pp)
{
	struct domain *d = *pp;

	*pp = d->next;
	persist_dropped(x, d->id);
	if (d->conn) {
		d->conn->dom = NULL;
		d->conn->dead = true; /* closed by the event loop */
	}
	free(d);
}

int domain_release(struct xsd *x, uint32_t id)
{
	for (struct domain **pp = &x->domains; *pp; pp = &(*pp)->next) {
		if ((*pp)->id != id)
			continue;
		domain_drop(x, pp);
		watch_fire_special(x, "@releaseDomain");
		return 0;
	}
	return -ENOENT;
}

void domain_check_all(struct xsd *x)
{
	struct domain **pp = &x->domains;
	bool fire = false;

	if (!x->rings || !x->rings->state)
		return;
	while (*pp) {
		struct domain *d = *pp;
		uint32_t id = d->id;
		int st = x->rings->state(id);

		if (st == DOM_GONE) {
			domain_drop(x, pp);
			domain_remove_orphans(x, id);
			fire = true;
			continue;
		}
		if (st == DOM_SHUTDOWN && !d->shutdown) {
			d->shutdown = true;
			fire = true;
		}
		pp = &d->next;
	}
	if (fire)
		watch_fire_special(x, "@releaseDomain");
}

/* The first node (pre-order) below n owned by id, or NULL. */
static struct tree_node *find_owned(struct tree_node *n, uint32_t id)
{
	for (uint32_t i = 0; i < n->nr_child; i++) {
		struct tree_node *c = n->child[i], *f;

		if (c->perms[0].id == id)
			return c;
		f = find_owned(c, id);
		if (f)
			return f;
	}
	return NULL;
}

void domain_remove_orphans(struct xsd *x, uint32_t id)
{
	struct tree_node *n;
	char path[PATH_BUF];

	while ((n = find_owned(x->tree.root, id)) != NULL) {
		tree_path(n, path);
		watch_fire(x, path, n->perms, n->nr_perms, true);
		tree_delete(&x->tree, n);
	}
}

int domain_set_target(struct xsd *x, uint32_t id, uint32_t target)
{
	struct domain *d = domain_find(x, id);

	if (!d || !d->conn || !domain_find(x, target))
		return -ENOENT;
	d->target = target;
	d->conn->who.target = target;
	return 0;
}
