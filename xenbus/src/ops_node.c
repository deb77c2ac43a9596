/* Handlers for node messages: READ, WRITE, MKDIR, RM, DIRECTORY,
 * DIRECTORY_PART, GET_PERMS, SET_PERMS. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "watch.h"
#include "path.h"

/* One NUL-terminated path argument, resolved. */
static int one_path(const struct req *r, char *path)
{
	const char *arg = wire_onearg(r->payload, r->len);

	if (!arg)
		return -EINVAL;
	return req_node_path(r, arg, path);
}

int op_read(struct req *r)
{
	char path[PATH_BUF];
	struct tree_node *n;
	int rc = one_path(r, path);

	if (rc < 0)
		return rc;
	n = req_node(r, path, PERM_READ, &rc);
	if (!n)
		return rc;
	return conn_reply(r->c, r->hdr, n->value, n->len);
}

/*
 * Xen's entry-size quota counts a node's database record: a 24-byte
 * header, 8 bytes per permission, the value and the children's names
 * (each with its NUL).  A domain may not write a record of quota bytes
 * or more.  add_child: bytes of a child name about to be added.
 */
static bool entry_ok(const struct req *r, struct tree_node *n,
		     uint32_t nperms, uint64_t value_len, uint64_t add_child)
{
	uint64_t size = 24 + 8ull * nperms + value_len + add_child;

	if (r->c->who.privileged)
		return true;
	tree_load(r->tree, n);
	for (uint32_t i = 0; i < n->nr_child; i++)
		size += strlen(n->child[i]->name) + 1;
	return size < r->c->xsd->quota.entry_size;
}

/* Creating path adds a child name to its closest existing ancestor. */
static bool create_entries_ok(const struct req *r, const char *path,
			      uint32_t vlen)
{
	struct tree_node *a = tree_closest_ancestor(r->tree, path);
	char apath[PATH_BUF];
	const char *name;
	size_t alen;

	tree_path(a, apath);
	alen = strcmp(apath, "/") ? strlen(apath) : 0;
	name = path + alen + 1;
	if (!entry_ok(r, a, a->nr_perms, a->len, strcspn(name, "/") + 1))
		return false;
	/* The new leaf (intermediate ones hold one short name). */
	return 24 + 8ull * a->nr_perms + vlen < r->c->xsd->quota.entry_size ||
	       r->c->who.privileged;
}

/* The owner of nodes a caller creates: a domain owns what it creates. */
static uint32_t creator(const struct req *r)
{
	return r->c->who.privileged ? DOMID_NONE : r->c->who.id;
}

/* Create path (and parents) after the quota checks; ENOSPC over quota. */
static struct tree_node *create(const struct req *r, const char *path,
				const char *value, uint32_t len, int *err)
{
	const struct quota *q = &r->c->xsd->quota;
	uint32_t missing = tree_missing(r->tree, path);
	struct tree_node *n;

	if (!quota_ok(&r->c->who, tree_owned(r->tree, r->c->who.id) + missing,
		      q->nodes) || !create_entries_ok(r, path, len)) {
		*err = -ENOSPC;
		return NULL;
	}
	n = tree_create(r->tree, path, value, len, creator(r));
	if (!n)
		*err = -ENOMEM;
	return n;
}

int op_write(struct req *r)
{
	char path[PATH_BUF];
	const char *nul = memchr(r->payload, '\0', r->len);
	const char *value;
	uint32_t vlen;
	struct tree_node *n;
	int rc;

	if (!nul)
		return -EINVAL;
	value = nul + 1;
	vlen = r->len - (uint32_t)(value - r->payload);
	rc = req_node_path(r, r->payload, path);
	if (rc < 0)
		return rc;
	n = req_node(r, path, PERM_WRITE, &rc);
	if (n && !entry_ok(r, n, n->nr_perms, vlen, 0))
		return -ENOSPC;
	if (n)
		rc = tree_set_value(r->tree, n, value, vlen);
	else if (rc == -ENOENT)
		n = create(r, path, value, vlen, &rc), rc = n ? 0 : rc;
	if (rc < 0)
		return rc;
	req_changed(r, path, n, false);
	return req_ack(r);
}

int op_mkdir(struct req *r)
{
	char path[PATH_BUF];
	struct tree_node *n;
	int rc = one_path(r, path);

	if (rc < 0)
		return rc;
	n = req_node(r, path, PERM_WRITE, &rc);
	if (n)
		return req_ack(r);
	if (rc != -ENOENT)
		return rc;
	n = create(r, path, "", 0, &rc);
	if (!n)
		return rc;
	req_changed(r, path, n, false);
	return req_ack(r);
}

int op_rm(struct req *r)
{
	char path[PATH_BUF];
	struct tree_node *n;
	int rc = one_path(r, path);

	if (rc < 0)
		return rc;
	if (strcmp(path, "/") == 0)
		return -EINVAL;
	n = req_node(r, path, PERM_WRITE, &rc);
	if (!n) {
		/* Xen: removing a missing node whose parent exists is fine. */
		char parent[PATH_BUF];

		if (rc != -ENOENT)
			return rc;
		strcpy(parent, path);
		*strrchr(parent, '/') = '\0';
		if (!parent[0])
			strcpy(parent, "/");
		return tree_get(r->tree, parent) ? req_ack(r) : -ENOENT;
	}
	req_changed(r, path, n, true);
	tree_delete(r->tree, n);
	return req_ack(r);
}

/* Children names, each NUL-terminated, into buf; -E2BIG if too long. */
static int child_list(const struct tree_node *n, char *buf, size_t size)
{
	size_t used = 0;

	for (uint32_t i = 0; i < n->nr_child; i++) {
		size_t l = strlen(n->child[i]->name) + 1;

		if (used + l > size)
			return -E2BIG;
		memcpy(buf + used, n->child[i]->name, l);
		used += l;
	}
	return (int)used;
}

int op_directory(struct req *r)
{
	char path[PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
	struct tree_node *n;
	int rc = one_path(r, path);

	if (rc < 0)
		return rc;
	n = req_node(r, path, PERM_READ, &rc);
	if (!n)
		return rc;
	tree_load(r->tree, n);
	rc = child_list(n, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	return conn_reply(r->c, r->hdr, buf, (size_t)rc);
}

/* Number of NULs in a payload (Xen's xs_count_strings). */
static unsigned int count_strings(const char *p, size_t len)
{
	unsigned int n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\0';
	return n;
}

/*
 * DIRECTORY_PART "path\0offset\0", as Xen 4.17's send_directory_part:
 * exactly two strings; the offset is a byte offset into the node's
 * list of children names, read with atoi; the reply is the node's
 * generation as a string, then the names from that offset that fit
 * (4096 bytes in all), and an extra empty string when the list ends
 * there.  At or past the end: the generation and the empty string.
 * Any size of directory can be listed this way.
 */
int op_directory_part(struct req *r)
{
	char path[PATH_BUF], out[XENSTORE_PAYLOAD_MAX];
	size_t total = 0, len = 0, gl, maxlen, off;
	struct tree_node *n;
	char *all;
	int rc;

	if (count_strings(r->payload, r->len) != 2)
		return -EINVAL;
	rc = req_node_path(r, r->payload, path);
	if (rc < 0)
		return rc;
	n = req_node(r, path, PERM_READ, &rc);
	if (!n)
		return rc;
	off = (unsigned int)atoi(r->payload + strlen(r->payload) + 1);
	tree_load(r->tree, n);
	gl = (size_t)snprintf(out, sizeof(out), "%" PRIu64, n->gen) + 1;
	for (uint32_t i = 0; i < n->nr_child; i++)
		total += strlen(n->child[i]->name) + 1;
	if (off >= total) {
		out[gl] = '\0';
		return conn_reply(r->c, r->hdr, out, gl + 1);
	}
	all = malloc(total);
	if (!all)
		return -ENOMEM;
	total = 0;
	for (uint32_t i = 0; i < n->nr_child; i++) {
		size_t l = strlen(n->child[i]->name) + 1;

		memcpy(all + total, n->child[i]->name, l);
		total += l;
	}
	/* Whole names while they fit, leaving room for the end marker. */
	maxlen = sizeof(out) - gl - 1;
	while (off + len < total) {
		size_t l = strlen(all + off + len);

		if (len + l >= maxlen)
			break;
		len += l + 1;
	}
	memcpy(out + gl, all + off, len);
	free(all);
	if (off + len == total)
		out[gl + len++] = '\0';
	return conn_reply(r->c, r->hdr, out, gl + len);
}

int op_get_perms(struct req *r)
{
	char path[PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
	struct tree_node *n;
	int rc = one_path(r, path);

	if (rc < 0)
		return rc;
	n = req_node(r, path, PERM_READ, &rc);
	if (!n)
		return rc;
	rc = perms_format(n->perms, n->nr_perms, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	return conn_reply(r->c, r->hdr, buf, (size_t)rc);
}

/* SET_PERMS on "@introduceDomain"/"@releaseDomain": who gets their events. */
static int special_set_perms(const struct req *r, const char *name,
			     const struct xs_perm *p, uint32_t n)
{
	struct special_node *s = special_find(r->c->xsd, name);
	struct xs_perm *np;

	if (!s)
		return -EINVAL;
	if (!(perms_for(&r->c->who, s->perms, s->nr_perms) & PERM_OWNER))
		return -EACCES;
	np = malloc(n * sizeof(*np));
	if (!np)
		return -ENOMEM;
	memcpy(np, p, n * sizeof(*np));
	free(s->perms);
	s->perms = np;
	s->nr_perms = n;
	return req_ack(r);
}

int op_set_perms(struct req *r)
{
	const char *argv[WIRE_MAX_ARGS + 1];
	struct xs_perm perms[WIRE_MAX_ARGS];
	char path[PATH_BUF];
	size_t rest;
	unsigned int argc = wire_split(r->payload, r->len, argv,
				       WIRE_MAX_ARGS + 1, &rest);
	struct tree_node *n;
	int rc;

	if (argc < 2 || rest != r->len)
		return -EINVAL;
	if (!quota_ok(&r->c->who, argc - 1, r->c->xsd->quota.perms))
		return -ENOSPC;
	if (argc - 1 > WIRE_MAX_ARGS || perms_parse(argv + 1, argc - 1, perms))
		return -EINVAL;
	rc = req_path(r, argv[0], path);
	if (rc < 0)
		return rc;
	if (path[0] == '@')
		return special_set_perms(r, path, perms, argc - 1);
	n = req_node(r, path, PERM_OWNER, &rc);
	if (!n)
		return rc;
	/* Only dom0 may give a node away. */
	if (!r->c->who.privileged && perms[0].id != n->perms[0].id)
		return -EPERM;
	if (!entry_ok(r, n, argc - 1, n->len, 0))
		return -ENOSPC;
	rc = tree_set_perms(r->tree, n, perms, argc - 1);
	if (rc < 0)
		return rc;
	req_changed(r, path, n, false);
	return req_ack(r);
}
