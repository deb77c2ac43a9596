/* The store tree: see tree.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "tree.h"

/*
 * Values are immutable, reference-counted buffers: a node's value
 * pointer is the data of one, so that copies of a node (a
 * transaction's view, a clone) share it instead of copying the bytes.
 * The loop is single-threaded: plain counts.
 */
struct value_buf {
	uint32_t ref, len;
	char data[];
};

uint64_t tree_value_bytes;

static struct value_buf *vbuf(const char *v)
{
	return (struct value_buf *)(void *)(v - offsetof(struct value_buf,
							 data));
}

static char *value_new(const char *v, uint32_t len)
{
	struct value_buf *b = malloc(sizeof(*b) + len + 1);

	if (!b)
		return NULL;
	b->ref = 1;
	b->len = len;
	memcpy(b->data, v, len);
	b->data[len] = '\0';
	tree_value_bytes += len + 1;
	return b->data;
}

static char *value_get(char *v)
{
	vbuf(v)->ref++;
	return v;
}

static void value_put(char *v)
{
	struct value_buf *b;

	if (!v)
		return;
	b = vbuf(v);
	if (--b->ref == 0) {
		tree_value_bytes -= b->len + 1;
		free(b);
	}
}

static void owner_add(struct tree *t, uint32_t id, int delta)
{
	struct owner_count *o;

	for (uint32_t i = 0; i < t->nr_owners; i++) {
		if (t->owners[i].id == id) {
			t->owners[i].nodes += (uint32_t)delta;
			return;
		}
	}
	if (delta <= 0)
		return;
	if (t->nr_owners == t->cap_owners) {
		uint32_t cap = t->cap_owners ? t->cap_owners * 2 : 8;

		o = realloc(t->owners, cap * sizeof(*o));
		if (!o)
			return; /* accounting only: worst case a lower count */
		t->owners = o;
		t->cap_owners = cap;
	}
	t->owners[t->nr_owners++] = (struct owner_count){ id, (uint32_t)delta };
}

uint32_t tree_owned(const struct tree *t, uint32_t id)
{
	for (uint32_t i = 0; i < t->nr_owners; i++)
		if (t->owners[i].id == id)
			return t->owners[i].nodes;
	return 0;
}

static struct tree_node *node_new(const char *name, size_t nlen,
				  const struct xs_perm *p, uint32_t np)
{
	struct tree_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = malloc(nlen + 1);
	n->value = value_new("", 0);
	n->perms = malloc(np * sizeof(*p));
	if (!n->name || !n->value || !n->perms) {
		free(n->name);
		value_put(n->value);
		free(n->perms);
		free(n);
		return NULL;
	}
	memcpy(n->name, name, nlen);
	n->name[nlen] = '\0';
	memcpy(n->perms, p, np * sizeof(*p));
	n->nr_perms = np;
	n->loaded = true;
	return n;
}

static void node_free(struct tree *t, struct tree_node *n)
{
	for (uint32_t i = 0; i < n->nr_child; i++)
		node_free(t, n->child[i]);
	owner_add(t, n->perms[0].id, -1);
	t->nr_nodes--;
	free(n->child);
	free(n->name);
	value_put(n->value);
	free(n->perms);
	free(n);
}

static void bump(struct tree *t, struct tree_node *n)
{
	t->gen++;
	n->gen = t->gen;
	for (; n; n = n->parent)
		n->tgen = t->gen;
}

static void report(struct tree *t, struct tree_node *n, int kind)
{
	char path[PATH_BUF];

	if (!t->hooks.changed)
		return;
	tree_path(n, path);
	t->hooks.changed(t->hooks.ctx, path, n, kind);
}

static int child_add(struct tree_node *parent, struct tree_node *c)
{
	if (parent->nr_child == parent->cap_child) {
		uint32_t cap = parent->cap_child ? parent->cap_child * 2 : 4;
		struct tree_node **a = realloc(parent->child, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		parent->child = a;
		parent->cap_child = cap;
	}
	parent->child[parent->nr_child++] = c;
	c->parent = parent;
	return 0;
}

int tree_init(struct tree *t)
{
	static const struct xs_perm dom0 = { 0, PERM_NONE };

	memset(t, 0, sizeof(*t));
	t->root = node_new("", 0, &dom0, 1);
	if (!t->root)
		return -ENOMEM;
	t->nr_nodes = 1;
	owner_add(t, 0, 1);
	if (!tree_create(t, "/tool/xenstored", "", 0, DOMID_NONE)) {
		tree_destroy(t);
		return -ENOMEM;
	}
	return 0;
}

void tree_destroy(struct tree *t)
{
	if (t->root)
		node_free(t, t->root);
	free(t->owners);
	memset(t, 0, sizeof(*t));
}

static struct tree_node *node_clone(const struct tree_node *s)
{
	struct tree_node *n = node_new(s->name, strlen(s->name), s->perms,
				       s->nr_perms);

	if (!n)
		return NULL;
	value_put(n->value);
	n->value = value_get(s->value);
	n->child = s->nr_child ? malloc(s->nr_child * sizeof(*n->child)) : NULL;
	if (s->nr_child && !n->child)
		goto fail;
	n->len = s->len;
	n->gen = s->gen;
	n->tgen = s->tgen;
	n->cap_child = s->nr_child;
	for (uint32_t i = 0; i < s->nr_child; i++) {
		struct tree_node *c = node_clone(s->child[i]);

		if (!c)
			goto fail;
		c->parent = n;
		n->child[n->nr_child++] = c;
	}
	return n;
fail: {
	struct tree scratch = { .nr_nodes = 1u << 31 };

	node_free(&scratch, n);
	free(scratch.owners);
	return NULL;
}
}

/* A lazy copy of base node s: value (shared), perms and generations, no
 * children. */
static struct tree_node *node_shallow(const struct tree_node *s)
{
	struct tree_node *n = node_new(s->name, strlen(s->name), s->perms,
				       s->nr_perms);

	if (!n)
		return NULL;
	/* The value is shared with the base, not copied: a write replaces
	 * the copy's value, never the shared bytes. */
	value_put(n->value);
	n->value = value_get(s->value);
	n->len = s->len;
	n->gen = n->base_gen = s->gen;
	n->tgen = n->base_tgen = s->tgen;
	n->loaded = false;
	return n;
}

int tree_lazy(struct tree *dst, const struct tree *base)
{
	memset(dst, 0, sizeof(*dst));
	dst->root = node_shallow(base->root);
	dst->owners = malloc((base->cap_owners ? base->cap_owners : 1) *
			     sizeof(*dst->owners));
	if (!dst->root || !dst->owners) {
		tree_destroy(dst);
		return -ENOMEM;
	}
	/* Counts and size are the base's: copies are not counted again. */
	memcpy(dst->owners, base->owners,
	       base->nr_owners * sizeof(*base->owners));
	dst->nr_owners = base->nr_owners;
	dst->cap_owners = base->cap_owners ? base->cap_owners : 1;
	dst->gen = base->gen;
	dst->nr_nodes = base->nr_nodes;
	dst->base = base;
	return 0;
}

/* The base tree's node for lazy node n, or NULL. */
static const struct tree_node *base_of(const struct tree *t,
				       const struct tree_node *n)
{
	char path[PATH_BUF];

	tree_path(n, path);
	return tree_find_const(t->base, path);
}

static struct tree_node *child_find(const struct tree_node *n,
				    const char *name, size_t len);

/*
 * Make all of n's children present, in the base's order: the children
 * already copied one by one (materialize) keep their place in that
 * order; any the base no longer has stay, after the others.
 */
void tree_load(struct tree *t, struct tree_node *n)
{
	const struct tree_node *b;
	struct tree_node **all;
	uint32_t nr = 0, cap;

	if (n->loaded || !t->base)
		return;
	b = base_of(t, n);
	cap = n->nr_child + (b ? b->nr_child : 0);
	all = malloc((cap ? cap : 1) * sizeof(*all));
	if (!all) {
		t->oom = true;
		return;
	}
	for (uint32_t i = 0; b && i < b->nr_child; i++) {
		const char *name = b->child[i]->name;
		struct tree_node *c = child_find(n, name, strlen(name));

		if (!c) {
			c = node_shallow(b->child[i]);
			if (!c) {
				free(all);
				t->oom = true;
				return;
			}
			c->parent = n;
			t->copies++;
		}
		all[nr++] = c;
	}
	for (uint32_t i = 0; i < n->nr_child; i++) {
		const char *name = n->child[i]->name;

		if (!b || !child_find(b, name, strlen(name)))
			all[nr++] = n->child[i];
	}
	free(n->child);
	n->child = all;
	n->nr_child = nr;
	n->cap_child = cap ? cap : 1;
	n->loaded = true;
}

/* Copy the one child `name' of a lazy node from the base, if it has it
 * (a read copies the nodes on its path, not their siblings). */
static struct tree_node *materialize(struct tree *t, struct tree_node *n,
				     const char *name, size_t len)
{
	const struct tree_node *b = base_of(t, n);
	struct tree_node *bc = b ? child_find(b, name, len) : NULL;
	struct tree_node *c;

	if (!bc)
		return NULL;
	c = node_shallow(bc);
	if (!c || child_add(n, c) < 0) {
		if (c)
			node_free(&(struct tree){ .nr_nodes = 1 }, c);
		t->oom = true;
		return NULL;
	}
	t->copies++;
	return c;
}

int tree_clone(struct tree *dst, const struct tree *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->root = node_clone(src->root);
	dst->owners = malloc((src->cap_owners ? src->cap_owners : 1) *
			     sizeof(*dst->owners));
	if (!dst->root || !dst->owners) {
		tree_destroy(dst);
		return -ENOMEM;
	}
	memcpy(dst->owners, src->owners, src->nr_owners * sizeof(*src->owners));
	dst->nr_owners = src->nr_owners;
	dst->cap_owners = src->cap_owners ? src->cap_owners : 1;
	dst->gen = src->gen;
	dst->nr_nodes = src->nr_nodes;
	return 0;
}

static struct tree_node *child_find(const struct tree_node *n,
				    const char *name, size_t len)
{
	for (uint32_t i = 0; i < n->nr_child; i++) {
		struct tree_node *c = n->child[i];

		if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
			return c;
	}
	return NULL;
}

/* Walk as far as path exists; *rest points at the first missing part.
 * In a lazy tree, the nodes walked through get their children. */
static struct tree_node *walk(struct tree *t, const char *path,
			      const char **rest)
{
	struct tree_node *n = t->root;
	const char *p = path + 1;

	while (*p) {
		const char *end = strchrnul(p, '/');
		struct tree_node *c;

		c = child_find(n, p, (size_t)(end - p));
		if (!c && !n->loaded && t->base)
			c = materialize(t, n, p, (size_t)(end - p));
		if (!c)
			break;
		n = c;
		p = *end ? end + 1 : end;
	}
	*rest = p;
	return n;
}

const struct tree_node *tree_find_const(const struct tree *t,
					const char *path)
{
	const struct tree_node *n = t->root;
	const char *p = path + 1;

	while (*p && n) {
		const char *end = strchrnul(p, '/');

		n = child_find(n, p, (size_t)(end - p));
		p = *end ? end + 1 : end;
	}
	return n;
}

struct tree_node *tree_find(struct tree *t, const char *path)
{
	const char *rest;
	struct tree_node *n = walk(t, path, &rest);

	return *rest ? NULL : n;
}

struct tree_node *tree_get(struct tree *t, const char *path)
{
	struct tree_node *n = tree_find(t, path);

	if (t->hooks.accessed)
		t->hooks.accessed(t->hooks.ctx, path, n);
	return n;
}

struct tree_node *tree_closest_ancestor(struct tree *t, const char *path)
{
	const char *rest;
	struct tree_node *n = walk(t, path, &rest);

	if (!*rest && n->parent)
		return n->parent;
	return n;
}

unsigned int tree_missing(struct tree *t, const char *path)
{
	const char *rest;
	unsigned int count = 0;

	walk(t, path, &rest);
	if (!*rest)
		return 0;
	for (count = 1; *rest; rest++)
		count += *rest == '/';
	return count;
}

struct tree_node *tree_create(struct tree *t, const char *path,
			      const char *value, uint32_t len, uint32_t owner)
{
	const char *p;
	struct tree_node *n = walk(t, path, &p);
	char *v = value_new(value, len);

	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	if (t->hooks.accessed) {
		char parent[PATH_BUF];

		tree_path(n, parent);
		t->hooks.accessed(t->hooks.ctx, parent, n);
	}
	if (*p)
		tree_load(t, n); /* a new child goes after all the others */
	while (*p) {
		const char *end = strchrnul(p, '/');
		struct tree_node *c = node_new(p, (size_t)(end - p), n->perms,
					       n->nr_perms);

		if (!c || child_add(n, c) < 0) {
			if (c) {
				c->parent = NULL;
				node_free(&(struct tree){ .nr_nodes = 1 }, c);
			}
			value_put(v);
			errno = ENOMEM;
			return NULL;
		}
		if (owner != DOMID_NONE)
			c->perms[0].id = owner;
		t->nr_nodes++;
		owner_add(t, c->perms[0].id, 1);
		if (!*end) {
			value_put(c->value);
			c->value = v;
			c->len = len;
		}
		bump(t, n);
		bump(t, c);
		report(t, c, TREE_CREATED);
		n = c;
		p = *end ? end + 1 : end;
	}
	if (v != n->value)
		value_put(v); /* path existed: nothing created */
	return n;
}

int tree_set_value(struct tree *t, struct tree_node *n, const char *value,
		   uint32_t len)
{
	char *v = value_new(value, len);

	if (!v)
		return -ENOMEM;
	value_put(n->value);
	n->value = v;
	n->len = len;
	bump(t, n);
	report(t, n, TREE_MODIFIED);
	return 0;
}

int tree_set_perms(struct tree *t, struct tree_node *node,
		   const struct xs_perm *p, uint32_t n)
{
	struct xs_perm *np = malloc(n * sizeof(*np));

	if (!np)
		return -ENOMEM;
	memcpy(np, p, n * sizeof(*np));
	owner_add(t, node->perms[0].id, -1);
	owner_add(t, np[0].id, 1);
	free(node->perms);
	node->perms = np;
	node->nr_perms = n;
	bump(t, node);
	report(t, node, TREE_MODIFIED);
	return 0;
}

/* Base nodes below node b, by owner: removed from a lazy tree's counts. */
static void uncount_base(struct tree *t, const struct tree_node *b)
{
	for (uint32_t i = 0; i < b->nr_child; i++) {
		owner_add(t, b->child[i]->perms[0].id, -1);
		t->nr_nodes--;
		uncount_base(t, b->child[i]);
	}
}

/*
 * A lazy tree deleting n: node_free counts the copies it frees; the
 * nodes below a copy whose children were never loaded go too, so count
 * them from the base (exact owner counts for the quota at commit).
 */
static void uncount_unloaded(struct tree *t, const struct tree_node *n)
{
	const struct tree_node *b;

	if (!t->base)
		return;
	if (n->loaded) {
		for (uint32_t i = 0; i < n->nr_child; i++)
			uncount_unloaded(t, n->child[i]);
		return;
	}
	/* Base children without a copy here go uncounted by node_free. */
	b = base_of(t, n);
	for (uint32_t i = 0; b && i < b->nr_child; i++) {
		const char *name = b->child[i]->name;
		const struct tree_node *c = child_find(n, name, strlen(name));

		if (c) {
			uncount_unloaded(t, c);
		} else {
			owner_add(t, b->child[i]->perms[0].id, -1);
			t->nr_nodes--;
			uncount_base(t, b->child[i]);
		}
	}
}

void tree_delete(struct tree *t, struct tree_node *n)
{
	struct tree_node *parent = n->parent;

	if (!parent)
		return;
	tree_load(t, parent); /* else a later load would bring n back */
	report(t, n, TREE_DELETED);
	uncount_unloaded(t, n);
	for (uint32_t i = 0; i < parent->nr_child; i++) {
		if (parent->child[i] == n) {
			memmove(&parent->child[i], &parent->child[i + 1],
				(parent->nr_child - i - 1) * sizeof(n));
			parent->nr_child--;
			break;
		}
	}
	bump(t, parent);
	node_free(t, n);
}

void tree_path(const struct tree_node *n, char *buf)
{
	size_t len = 0;
	const struct tree_node *m;

	if (!n->parent) {
		strcpy(buf, "/");
		return;
	}
	for (m = n; m->parent; m = m->parent)
		len += strlen(m->name) + 1;
	buf[len] = '\0';
	for (m = n; m->parent; m = m->parent) {
		size_t l = strlen(m->name);

		len -= l;
		memcpy(buf + len, m->name, l);
		buf[--len] = '/';
	}
}
