/*
 * The store tree: nodes with a value, permissions and ordered children.
 *
 * A tree is used by one thread (the daemon's event loop).  The main tree
 * reports every change through hooks (journal, watches); a transaction
 * works on a private clone whose hooks record what it read and wrote.
 * Generations: tree->gen counts changes; node->gen is the generation of
 * the last change to the node itself (value, perms, child list) and
 * node->tgen of the last change anywhere in its subtree.
 *
 * A lazy tree (tree_lazy) is a transaction's view of a base tree: a
 * walk copies from the base only the nodes on its path (a copy shares
 * the base's value bytes, reference-counted), and a node's other
 * children are copied when it is listed or gains or loses a child
 * (tree_load).  So reads cost a few node headers, and memory grows with
 * what the transaction changes.  A copy keeps the base's generations in
 * base_gen/base_tgen for the commit-time check.
 */
#ifndef XENBUS_TREE_H
#define XENBUS_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include "perms.h"

struct tree_node {
	char *name; /* component; "" for the root */
	struct tree_node *parent;
	struct tree_node **child; /* creation order, as Xen lists them */
	uint32_t nr_child, cap_child;
	char *value;
	uint32_t len;
	struct xs_perm *perms; /* nr_perms >= 1: perms[0] is the owner */
	uint32_t nr_perms;
	uint64_t gen, tgen;
	uint64_t base_gen, base_tgen; /* lazy copies: the base's, at copy */
	bool loaded; /* all children present (always, outside lazy trees);
		      * else only those copied one by one */
};

struct tree_hooks {
	/* A path was looked at: n is its node, or NULL when absent. */
	void (*accessed)(void *ctx, const char *path,
			 const struct tree_node *n);
	/* A node was created or changed (n), or deleted with its subtree
	 * (n is the node about to be freed); kind is TREE_*. */
	void (*changed)(void *ctx, const char *path, const struct tree_node *n,
			int kind);
	void *ctx;
};

enum { TREE_CREATED, TREE_MODIFIED, TREE_DELETED };

struct owner_count {
	uint32_t id, nodes;
};

struct tree {
	struct tree_node *root;
	uint64_t gen;
	struct owner_count *owners; /* nodes owned per domain */
	uint32_t nr_owners, cap_owners;
	uint64_t nr_nodes;
	struct tree_hooks hooks;
	const struct tree *base; /* lazy trees: where children come from */
	bool oom; /* a lazy copy failed: the view is incomplete */
	uint64_t copies; /* lazy trees: nodes copied from the base */
};

/* Bytes of node values allocated, all trees together (for the tests:
 * what transactions cost). */
extern uint64_t tree_value_bytes;

/* A tree holding "/", "/tool" and "/tool/xenstored", owned by dom0. */
int tree_init(struct tree *t);
void tree_destroy(struct tree *t);

/* Deep copy of src (hooks cleared).  -ENOMEM on failure. */
int tree_clone(struct tree *dst, const struct tree *src);

/* A lazy view of base (which must outlive it).  -ENOMEM on failure. */
int tree_lazy(struct tree *dst, const struct tree *base);

/* Make all of n's children present (lazy trees; a no-op otherwise). */
void tree_load(struct tree *t, struct tree_node *n);

/* The node at an absolute valid path, or NULL.  Reports the access. */
struct tree_node *tree_get(struct tree *t, const char *path);

/* Same, without reporting (internal bookkeeping). */
struct tree_node *tree_find(struct tree *t, const char *path);

/* Lookup in a tree that is not lazy, without changing it. */
const struct tree_node *tree_find_const(const struct tree *t,
					const char *path);

/* The deepest existing strict ancestor of path (the root at worst). */
struct tree_node *tree_closest_ancestor(struct tree *t, const char *path);

/* How many nodes tree_create(path) would add. */
unsigned int tree_missing(struct tree *t, const char *path);

/*
 * Create path and any missing parents, each inheriting its parent's
 * perms; when owner != DOMID_NONE the new nodes are owned by it (Xen:
 * "domains own what they create").  The leaf gets value/len, parents an
 * empty value.  Returns the leaf, or NULL (errno ENOMEM).
 */
struct tree_node *tree_create(struct tree *t, const char *path,
			      const char *value, uint32_t len, uint32_t owner);

/* Replace a node's value.  -ENOMEM on failure (node unchanged). */
int tree_set_value(struct tree *t, struct tree_node *n, const char *value,
		   uint32_t len);

/* Replace a node's permissions (n >= 1).  -ENOMEM on failure. */
int tree_set_perms(struct tree *t, struct tree_node *node,
		   const struct xs_perm *p, uint32_t n);

/* Delete a node and its subtree (not the root). */
void tree_delete(struct tree *t, struct tree_node *n);

/* Absolute path of a node into buf (PATH_BUF bytes). */
void tree_path(const struct tree_node *n, char *buf);

/* Nodes owned by a domain. */
uint32_t tree_owned(const struct tree *t, uint32_t id);

#endif
