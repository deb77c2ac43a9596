/*
 * Watches: a watch on a path fires for changes to the path and its
 * descendants (and, for a removal, for watches below the removed node),
 * with the token returned verbatim.  "@introduceDomain" and
 * "@releaseDomain" fire when domains come and go.
 */
#ifndef XENBUS_WATCH_H
#define XENBUS_WATCH_H

#include "xsd.h"

/*
 * Add a watch for c.  `given' is the path as the client wrote it (the
 * immediate event reports it), `abs' the resolved path.  Returns 0,
 * -EEXIST (same path and token), -E2BIG (quota), -ENOMEM.
 */
int watch_add(struct conn *c, const char *given, const char *abs,
	      const char *token);

/* Remove a watch; -ENOENT when there is none with that path and token. */
int watch_remove(struct conn *c, const char *abs, const char *token);

void watch_remove_all(struct conn *c);

/*
 * Fire watches for a change to `path' whose node has perms p (n): a
 * connection is told only if it may read the node.  deleted: the node
 * was removed with its subtree, so watches below it fire too.
 */
void watch_fire(struct xsd *x, const char *path, const struct xs_perm *p,
		unsigned int n, bool deleted);

/* A node removed along with an ancestor whose event was already fired:
 * only the watches at or below it fire (with their own path), as Xen. */
void watch_fire_below(struct xsd *x, const char *path, const struct xs_perm *p,
		      unsigned int n);

/* Fire "@introduceDomain" or "@releaseDomain" for connections its
 * permissions let read it (dom0 always). */
void watch_fire_special(struct xsd *x, const char *name);

/* The special node called name, or NULL. */
struct special_node *special_find(struct xsd *x, const char *name);

/* Set up / free the special nodes' permissions (n0). */
int special_init(struct xsd *x);
void special_fini(struct xsd *x);

#endif
