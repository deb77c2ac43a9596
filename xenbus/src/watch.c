/* Watches: see watch.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "watch.h"

static struct watch *find(struct conn *c, const char *abs, const char *token)
{
	for (struct watch *w = c->watches; w; w = w->next)
		if (!strcmp(w->path, abs) && !strcmp(w->token, token))
			return w;
	return NULL;
}

/* Send one event; a relative watch sees paths relative to its domain. */
static void send_event(struct conn *c, const struct watch *w,
		       const char *path)
{
	char dom[32];
	size_t dl;

	if (w->relative) {
		path_domain(c->who.id, dom, sizeof(dom));
		dl = strlen(dom);
		if (!strncmp(path, dom, dl) && path[dl] == '/')
			path += dl + 1;
	}
	conn_send(c, XS_WATCH_EVENT, 0, 0, path, strlen(path) + 1, w->token,
		  strlen(w->token) + 1, true);
}

/*
 * Whether every event of the watch fits one message: its longest path
 * (relative watches see paths below the domain's home) + the token + 2
 * NULs.  Xen 4.17 accepts any such watch and silently drops the events
 * that do not fit; here the watch is refused up front (E2BIG).
 */
static bool event_fits(const struct conn *c, const char *given,
		       const char *abs, const char *token)
{
	size_t longest = path_longest_below(abs, quota_path_max(&c->xsd->quota));
	char dom[32];

	if (given[0] != '/' && given[0] != '@') {
		path_domain(c->who.id, dom, sizeof(dom));
		longest -= strlen(dom) + 1;
	}
	if (longest < strlen(given))
		longest = strlen(given);
	return longest + strlen(token) + 2 <= XENSTORE_PAYLOAD_MAX;
}

int watch_add(struct conn *c, const char *given, const char *abs,
	      const char *token)
{
	struct watch *w;

	if (find(c, abs, token))
		return -EEXIST;
	if (!event_fits(c, given, abs, token))
		return -E2BIG;
	/* Xen 4.17 refuses only when the count already exceeds the quota,
	 * so a domain holds quota + 1 watches (measured). */
	if (!quota_ok(&c->who, c->nr_watches, c->xsd->quota.watches))
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(abs);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return -ENOMEM;
	}
	w->relative = given[0] != '/' && given[0] != '@';
	w->next = c->watches;
	c->watches = w;
	c->nr_watches++;
	return 0;
}

static void watch_free(struct watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

int watch_remove(struct conn *c, const char *abs, const char *token)
{
	for (struct watch **pp = &c->watches; *pp; pp = &(*pp)->next) {
		struct watch *w = *pp;

		if (!strcmp(w->path, abs) && !strcmp(w->token, token)) {
			*pp = w->next;
			c->nr_watches--;
			watch_free(w);
			return 0;
		}
	}
	return -ENOENT;
}

void watch_remove_all(struct conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;

		c->watches = w->next;
		watch_free(w);
	}
	c->nr_watches = 0;
}

void watch_fire(struct xsd *x, const char *path, const struct xs_perm *p,
		unsigned int n, bool deleted)
{
	for (struct conn *c = x->conns; c; c = c->next) {
		if (c->dead || !(perms_for(&c->who, p, n) & PERM_READ))
			continue;
		for (struct watch *w = c->watches; w; w = w->next) {
			if (w->path[0] == '@')
				continue;
			if (path_is_child(path, w->path))
				send_event(c, w, path);
			else if (deleted && path_is_child(w->path, path))
				send_event(c, w, w->path);
		}
	}
}

void watch_fire_below(struct xsd *x, const char *path, const struct xs_perm *p,
		      unsigned int n)
{
	for (struct conn *c = x->conns; c; c = c->next) {
		if (c->dead || !(perms_for(&c->who, p, n) & PERM_READ))
			continue;
		for (struct watch *w = c->watches; w; w = w->next)
			if (w->path[0] != '@' && path_is_child(w->path, path))
				send_event(c, w, w->path);
	}
}

struct special_node *special_find(struct xsd *x, const char *name)
{
	for (size_t i = 0; i < 2; i++)
		if (x->special[i].name && !strcmp(x->special[i].name, name))
			return &x->special[i];
	return NULL;
}

int special_init(struct xsd *x)
{
	static const char *const names[2] = { "@introduceDomain",
					      "@releaseDomain" };

	for (size_t i = 0; i < 2; i++) {
		x->special[i].name = names[i];
		x->special[i].perms = calloc(1, sizeof(struct xs_perm));
		if (!x->special[i].perms)
			return -ENOMEM;
		x->special[i].nr_perms = 1; /* n0 */
	}
	return 0;
}

void special_fini(struct xsd *x)
{
	for (size_t i = 0; i < 2; i++) {
		free(x->special[i].perms);
		x->special[i].perms = NULL;
	}
}

void watch_fire_special(struct xsd *x, const char *name)
{
	struct special_node *s = special_find(x, name);

	for (struct conn *c = x->conns; c; c = c->next) {
		if (c->dead || !s ||
		    !(perms_for(&c->who, s->perms, s->nr_perms) & PERM_READ))
			continue;
		for (struct watch *w = c->watches; w; w = w->next)
			if (!strcmp(w->path, name))
				send_event(c, w, name);
	}
}
