/* Transactions: see txn.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "path.h"
#include "txn.h"
#include "watch.h"

static struct txn_access *acc_find(struct txn *t, const char *path)
{
	for (uint32_t i = 0; i < t->nr_acc; i++)
		if (strcmp(t->acc[i].path, path) == 0)
			return &t->acc[i];
	return NULL;
}

/*
 * First sight of a path decides what the main tree must still hold at
 * commit: n is the transaction's node as first seen (NULL: absent), its
 * base generations those of the main tree when it was copied.
 */
static void acc_note(struct txn *t, const char *path,
		     const struct tree_node *n, bool recursive)
{
	struct txn_access *a = acc_find(t, path);

	if (a) {
		a->recursive |= recursive;
		return;
	}
	if (t->nr_acc == t->cap_acc) {
		uint32_t cap = t->cap_acc ? t->cap_acc * 2 : 16;
		struct txn_access *n = realloc(t->acc, cap * sizeof(*n));

		if (!n) {
			t->failed = true;
			return;
		}
		t->acc = n;
		t->cap_acc = cap;
	}
	a = &t->acc[t->nr_acc];
	a->path = strdup(path);
	if (!a->path) {
		t->failed = true;
		return;
	}
	a->exists = n != NULL;
	a->recursive = recursive;
	a->gen = n ? n->base_gen : 0;
	a->tgen = n ? n->base_tgen : 0;
	t->nr_acc++;
}

static void wr_note(struct txn *t, const char *path, bool target)
{
	for (uint32_t i = 0; i < t->nr_wr; i++) {
		if (strcmp(t->wr[i].path, path) == 0) {
			t->wr[i].target |= target;
			return;
		}
	}
	if (t->nr_wr == t->cap_wr) {
		uint32_t cap = t->cap_wr ? t->cap_wr * 2 : 16;
		struct txn_write *n = realloc(t->wr, cap * sizeof(*n));

		if (!n) {
			t->failed = true;
			return;
		}
		t->wr = n;
		t->cap_wr = cap;
	}
	t->wr[t->nr_wr].path = strdup(path);
	if (!t->wr[t->nr_wr].path) {
		t->failed = true;
		return;
	}
	t->wr[t->nr_wr++].target = target;
}

static void hook_accessed(void *ctx, const char *path,
			  const struct tree_node *n)
{
	acc_note(ctx, path, n, false);
}

static void hook_changed(void *ctx, const char *path,
			 const struct tree_node *n, int kind)
{
	struct txn *t = ctx;

	acc_note(t, path, kind == TREE_CREATED ? NULL : n,
		 kind == TREE_DELETED);
	if (kind == TREE_CREATED)
		t->created = true;
	wr_note(t, path, false);
}

int txn_start(struct conn *c, struct txn **out)
{
	struct txn *t;

	/* As Xen 4.17: refused once the count exceeds the quota, so
	 * quota + 1 may be open (measured). */
	if (!quota_ok(&c->who, c->nr_txns, c->xsd->quota.transactions))
		return -ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (tree_lazy(&t->tree, &c->xsd->tree) < 0) {
		free(t);
		return -ENOMEM;
	}
	t->tree.hooks = (struct tree_hooks){ hook_accessed, hook_changed, t };
	t->conn = c;
	t->start_owned = tree_owned(&c->xsd->tree, c->who.id);
	do
		t->id = c->next_txid++;
	while (t->id == 0 || txn_find(c, t->id));
	t->next = c->txns;
	c->txns = t;
	c->nr_txns++;
	*out = t;
	return 0;
}

struct txn *txn_adopt(struct conn *c, uint32_t id)
{
	struct txn *t;

	if (txn_start(c, &t) < 0)
		return NULL;
	t->id = id;
	t->failed = true;
	return t;
}

struct txn *txn_find(struct conn *c, uint32_t id)
{
	for (struct txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

void txn_note_target(struct txn *t, const char *path)
{
	wr_note(t, path, true);
}

bool txn_valid(const struct txn *t, const struct tree *main)
{
	if (t->failed || t->tree.oom)
		return false;
	for (uint32_t i = 0; i < t->nr_acc; i++) {
		const struct txn_access *a = &t->acc[i];
		const struct tree_node *m = tree_find_const(main, a->path);

		if (a->exists != (m != NULL))
			return false;
		if (m && (a->recursive ? m->tgen != a->tgen : m->gen != a->gen))
			return false;
	}
	return true;
}

static bool perms_equal(const struct tree_node *a, const struct tree_node *b)
{
	return a->nr_perms == b->nr_perms &&
	       !memcmp(a->perms, b->perms, a->nr_perms * sizeof(*a->perms));
}

/*
 * A node the transaction removed and created again: the main tree's
 * children that the transaction's node (with its full child list) no
 * longer has were removed with it, so remove them too, firing watches.
 */
static void drop_removed_children(struct xsd *x, const struct tree_node *tn,
				  struct tree_node *mn, const char *path)
{
	char cpath[PATH_BUF];

	if (!tn->loaded)
		return;
	for (uint32_t i = 0; i < mn->nr_child;) {
		struct tree_node *c = mn->child[i];
		bool kept = false;

		for (uint32_t k = 0; k < tn->nr_child && !kept; k++)
			kept = !strcmp(tn->child[k]->name, c->name);
		if (kept) {
			i++;
			continue;
		}
		snprintf(cpath, sizeof(cpath), "%s/%s",
			 strcmp(path, "/") ? path : "", c->name);
		watch_fire_below(x, cpath, c->perms, c->nr_perms);
		tree_delete(&x->tree, c);
	}
}

/* Make the main tree's node at path what the transaction left there. */
static int apply_one(struct xsd *x, struct txn *t, const struct txn_write *w)
{
	struct tree_node *tn = tree_find(&t->tree, w->path);
	struct tree_node *mn = tree_find(&x->tree, w->path);

	if (!tn) {
		if (!mn)
			return 0;
		if (w->target)
			watch_fire(x, w->path, mn->perms, mn->nr_perms, true);
		tree_delete(&x->tree, mn);
		return 0;
	}
	if (!mn) {
		mn = tree_create(&x->tree, w->path, tn->value, tn->len,
				 DOMID_NONE);
		if (!mn)
			return -ENOMEM;
	} else if (tree_set_value(&x->tree, mn, tn->value, tn->len) < 0) {
		/* Even an unchanged value is a write: it bumps the generation
		 * so that transactions which read it conflict, as in Xen. */
		return -ENOMEM;
	}
	if (!perms_equal(mn, tn) &&
	    tree_set_perms(&x->tree, mn, tn->perms, tn->nr_perms) < 0)
		return -ENOMEM;
	drop_removed_children(x, tn, mn, w->path);
	if (w->target)
		watch_fire(x, w->path, mn->perms, mn->nr_perms, false);
	return 0;
}

/*
 * The node quota against the state the commit produces, as Xen's
 * transaction end (transaction_fix_domains): inside the transaction
 * only the main tree's count was checked, so several transactions
 * could each stay below the quota and together exceed it.  The commit
 * changes the count by what the transaction changed it by (its nodes
 * are unchanged in the main tree since: txn_valid).  Xen 4.17 refuses
 * a commit reaching the quota exactly; here, as for writes outside a
 * transaction, a domain may own `nodes' nodes.
 */
static bool quota_fits(const struct txn *t)
{
	const struct conn *c = t->conn;
	int64_t now, after;

	if (!t->created || c->who.privileged)
		return true;
	now = tree_owned(&c->xsd->tree, c->who.id);
	after = now + (int64_t)tree_owned(&t->tree, c->who.id) -
		(int64_t)t->start_owned;
	return after <= (int64_t)c->xsd->quota.nodes;
}

static void txn_free(struct txn *t)
{
	struct conn *c = t->conn;
	struct txn **pp;

	for (pp = &c->txns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	c->nr_txns--;
	tree_destroy(&t->tree);
	for (uint32_t i = 0; i < t->nr_acc; i++)
		free(t->acc[i].path);
	for (uint32_t i = 0; i < t->nr_wr; i++)
		free(t->wr[i].path);
	free(t->acc);
	free(t->wr);
	free(t);
}

int txn_end(struct txn *t, bool abort)
{
	struct xsd *x = t->conn->xsd;
	int rc = 0;

	if (abort)
		goto out;
	if (!txn_valid(t, &x->tree)) {
		rc = -EAGAIN;
		goto out;
	}
	if (!quota_fits(t)) {
		rc = -ENOSPC;
		goto out;
	}
	for (uint32_t i = 0; i < t->nr_wr && rc == 0; i++)
		rc = apply_one(x, t, &t->wr[i]);
out:
	txn_free(t);
	return rc;
}

void txn_abort_all(struct conn *c)
{
	while (c->txns)
		txn_free(c->txns);
}
