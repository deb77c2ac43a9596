/*
 * Introduced domains across a restart: see persist.h.
 *
 * Records (journal extra records, native byte order as the rest of the
 * journal):
 *   'I' u32 domid, u64 mfn, u32 port     introduced
 *   'R' u32 domid                        released, dead or not served
 *   'W' u32 domid, u16 len, path, u16 len, token   watch added (path as
 *                                        given, relative or absolute)
 *   'U' u32 domid, u16 len, path, u16 len, token   watch removed (path
 *                                        resolved)
 *   'Z' u32 domid                        every watch removed
 * A snapshot holds one 'I' per domain followed by its 'W's.  Loading
 * rebuilds x->saved; nothing is connected until persist_restore.
 *
 * What is not kept: SET_TARGET (device-model stub domains, not used by
 * Keel's toolstack), the shutdown flag (read again from the hypervisor),
 * open transactions (persist_adopt_txn fails them), output not yet sent
 * and a request the old daemon had read but not answered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "path.h"
#include "persist.h"
#include "ring.h"
#include "watch.h"

#define MAX_STR 4096 /* a watch path or token fits in one message */

static struct saved_dom *find(struct xsd *x, uint32_t id)
{
	for (struct saved_dom *d = x->saved; d; d = d->next)
		if (d->id == id)
			return d;
	return NULL;
}

static void watch_free_saved(struct saved_watch *w)
{
	free(w->given);
	free(w->abs);
	free(w->token);
	free(w);
}

static void dom_free(struct saved_dom *d)
{
	while (d->watches) {
		struct saved_watch *w = d->watches;

		d->watches = w->next;
		watch_free_saved(w);
	}
	free(d);
}

/* ---- the model ---- */

static int model_introduce(struct xsd *x, uint32_t id, uint64_t mfn,
			   uint32_t port)
{
	struct saved_dom *d = find(x, id);

	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return -ENOMEM;
		d->id = id;
		d->next = x->saved;
		x->saved = d;
	}
	d->mfn = mfn;
	d->port = port;
	return 0;
}

static void model_drop(struct xsd *x, uint32_t id)
{
	for (struct saved_dom **pp = &x->saved; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct saved_dom *d = *pp;

			*pp = d->next;
			dom_free(d);
			return;
		}
	}
}

static int model_watch_add(struct saved_dom *d, const char *given,
			   const char *token)
{
	struct saved_watch *w = calloc(1, sizeof(*w)), **pp;
	char abs[PATH_BUF];

	if (!w)
		return -ENOMEM;
	/* The path-max quota can only lower Xen's limit: any watch
	 * accepted resolves under it. */
	if (path_resolve(d->id, given, XENSTORE_REL_PATH_MAX, abs) < 0) {
		free(w);
		return -EINVAL;
	}
	w->given = strdup(given);
	w->abs = strdup(abs);
	w->token = strdup(token);
	if (!w->given || !w->abs || !w->token) {
		watch_free_saved(w);
		return -ENOMEM;
	}
	for (pp = &d->watches; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	return 0;
}

static void model_watch_remove(struct saved_dom *d, const char *abs,
			       const char *token)
{
	for (struct saved_watch **pp = &d->watches; *pp; pp = &(*pp)->next) {
		struct saved_watch *w = *pp;

		if (!strcmp(w->abs, abs) && !strcmp(w->token, token)) {
			*pp = w->next;
			watch_free_saved(w);
			return;
		}
	}
}

static void model_watch_reset(struct saved_dom *d)
{
	while (d->watches) {
		struct saved_watch *w = d->watches;

		d->watches = w->next;
		watch_free_saved(w);
	}
}

/* ---- records ---- */

struct rec {
	unsigned char b[1 + 4 + 2 + MAX_STR + 2 + MAX_STR];
	size_t len;
};

static void add(struct rec *r, const void *p, size_t len)
{
	memcpy(r->b + r->len, p, len);
	r->len += len;
}

static void add_str(struct rec *r, const char *s)
{
	uint16_t l = (uint16_t)strlen(s);

	add(r, &l, sizeof(l));
	add(r, s, l);
}

static void rec_id(struct rec *r, char op, uint32_t id)
{
	r->len = 0;
	add(r, &op, 1);
	add(r, &id, sizeof(id));
}

static void put_intro(struct journal *j, const struct saved_dom *d)
{
	struct rec r;

	rec_id(&r, 'I', d->id);
	add(&r, &d->mfn, sizeof(d->mfn));
	add(&r, &d->port, sizeof(d->port));
	journal_put_extra(j, r.b, r.len);
}

static void put_watch(struct journal *j, char op, uint32_t id,
		      const char *path, const char *token)
{
	struct rec r;

	if (strlen(path) >= MAX_STR || strlen(token) >= MAX_STR)
		return; /* cannot happen: both came in one message */
	rec_id(&r, op, id);
	add_str(&r, path);
	add_str(&r, token);
	journal_put_extra(j, r.b, r.len);
}

/* Bounded reader. */
struct in {
	const unsigned char *p;
	size_t len, off;
};

static bool get(struct in *in, void *out, size_t len)
{
	if (in->len - in->off < len)
		return false;
	memcpy(out, in->p + in->off, len);
	in->off += len;
	return true;
}

/* A string of 1..MAX_STR-1 bytes without NUL, into out[MAX_STR]. */
static bool get_str(struct in *in, char *out)
{
	uint16_t l;

	if (!get(in, &l, sizeof(l)) || l == 0 || l >= MAX_STR ||
	    !get(in, out, l) || memchr(out, '\0', l))
		return false;
	out[l] = '\0';
	return true;
}

static int load(void *ctx, const unsigned char *p, size_t len)
{
	static char path[MAX_STR], token[MAX_STR];
	struct xsd *x = ctx;
	struct in in = { p, len, 0 };
	struct saved_dom *d;
	uint32_t id, port;
	uint64_t mfn;
	char op;

	if (!get(&in, &op, 1) || !get(&in, &id, sizeof(id)) || id == 0 ||
	    id >= 0x7ff0)
		return -EINVAL;
	switch (op) {
	case 'I':
		if (!get(&in, &mfn, sizeof(mfn)) || !get(&in, &port, 4) ||
		    in.off != len)
			return -EINVAL;
		return model_introduce(x, id, mfn, port);
	case 'R':
	case 'Z':
		if (in.off != len)
			return -EINVAL;
		d = find(x, id);
		if (op == 'R')
			model_drop(x, id);
		else if (d)
			model_watch_reset(d);
		return 0;
	case 'W':
	case 'U':
		if (!get_str(&in, path) || !get_str(&in, token) ||
		    in.off != len)
			return -EINVAL;
		d = find(x, id);
		if (!d)
			return 0; /* not recorded: nothing to restore */
		if (op == 'U') {
			model_watch_remove(d, path, token);
			return 0;
		}
		return model_watch_add(d, path, token);
	default:
		return -EINVAL;
	}
}

static void save(void *ctx, struct journal *j)
{
	struct xsd *x = ctx;

	for (const struct saved_dom *d = x->saved; d; d = d->next) {
		put_intro(j, d);
		for (const struct saved_watch *w = d->watches; w; w = w->next)
			put_watch(j, 'W', d->id, w->given, w->token);
	}
}

const struct journal_extra persist_journal_extra = {
	.load = load,
	.save = save,
};

/*
 * Each change updates the model and goes into this round's journal
 * frame, synced before the request's reply leaves (group commit).  The
 * model can only fail to grow for lack of memory: then the record is
 * not written either, and a restart would not restore that watch (the
 * watch itself works).
 */
void persist_introduced(struct xsd *x, uint32_t id, uint64_t mfn,
			uint32_t port)
{
	if (model_introduce(x, id, mfn, port) == 0)
		put_intro(x->journal, find(x, id));
}

void persist_dropped(struct xsd *x, uint32_t id)
{
	struct rec r;

	if (!find(x, id))
		return;
	model_drop(x, id);
	rec_id(&r, 'R', id);
	journal_put_extra(x->journal, r.b, r.len);
}

void persist_watch(struct conn *c, const char *given, const char *abs,
		   const char *token, bool added)
{
	struct saved_dom *d = c->dom ? find(c->xsd, c->dom->id) : NULL;

	if (!d)
		return;
	if (!added) {
		model_watch_remove(d, abs, token);
		put_watch(c->xsd->journal, 'U', d->id, abs, token);
	} else if (model_watch_add(d, given, token) == 0) {
		put_watch(c->xsd->journal, 'W', d->id, given, token);
	}
}

void persist_reset_watches(struct conn *c)
{
	struct saved_dom *d = c->dom ? find(c->xsd, c->dom->id) : NULL;
	struct rec r;

	if (!d)
		return;
	model_watch_reset(d);
	rec_id(&r, 'Z', d->id);
	journal_put_extra(c->xsd->journal, r.b, r.len);
}

/* Register d's watches on c again, each with its first event. */
static unsigned int restore_watches(struct conn *c, const struct saved_dom *d)
{
	unsigned int n = 0;

	for (const struct saved_watch *w = d->watches; w; w = w->next) {
		if (watch_add(c, w->given, w->abs, w->token) < 0)
			continue;
		conn_send(c, XS_WATCH_EVENT, 0, 0, w->given,
			  strlen(w->given) + 1, w->token, strlen(w->token) + 1,
			  true);
		n++;
	}
	return n;
}

unsigned int persist_restore(struct xsd *x)
{
	struct saved_dom *d = x->saved, *next;
	unsigned int n = 0;
	bool fire = false;

	if (!x->rings)
		return 0; /* kept for a daemon that has rings */
	for (; d; d = next) {
		uint32_t id = d->id;
		int st = x->rings->state ? x->rings->state(id) : DOM_RUNNING;
		struct domain *dom;
		int rc;

		next = d->next;
		if (domain_find(x, id))
			continue; /* already served */
		if (st == DOM_GONE) {
			xsd_log("domain %u: gone while the daemon was down, "
				"released", id);
			persist_dropped(x, id);
			domain_remove_orphans(x, id);
			fire = true;
			continue;
		}
		rc = domain_reconnect(x, id, d->mfn, d->port, &dom);
		if (rc < 0) {
			xsd_log("domain %u: cannot reconnect its ring (gfn %#llx, "
				"port %u): %s; it must be introduced again",
				id, (unsigned long long)d->mfn, d->port,
				strerror(-rc));
			persist_dropped(x, id);
			continue;
		}
		if (st == DOM_SHUTDOWN) {
			dom->shutdown = true;
			fire = true;
		}
		xsd_log("domain %u: reconnected (ring gfn %#llx, port %u), "
			"%u watches restored", id, (unsigned long long)d->mfn,
			d->port, restore_watches(dom->conn, d));
		n++;
	}
	if (fire)
		watch_fire_special(x, "@releaseDomain");
	return n;
}

void persist_fini(struct xsd *x)
{
	while (x->saved) {
		struct saved_dom *d = x->saved;

		x->saved = d->next;
		dom_free(d);
	}
}
