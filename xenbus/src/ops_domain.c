/* Handlers for domain messages: INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED,
 * GET_DOMAIN_PATH, RESUME, SET_TARGET. */
#include <errno.h>
#include <string.h>

#include "domain.h"
#include "ops.h"
#include "path.h"

/*
 * Numbers as Xen's xenstored reads them (atoi/strtoul): leading digits,
 * none meaning 0 ("abc" is dom0, "7x" is 7).  Bounded: a domain id must
 * be below DOMID_FIRST_RESERVED (0x7ff0).
 */
static bool lenient_uint(const char *s, unsigned long long max,
			 unsigned long long *out)
{
	unsigned long long v = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool parse_domid(const char *s, uint32_t *id)
{
	unsigned long long v;

	if (!lenient_uint(s, 0x7fefull, &v))
		return false;
	*id = (uint32_t)v;
	return true;
}

static int one_domid(const struct req *r, uint32_t *id)
{
	const char *arg = wire_onearg(r->payload, r->len);

	return arg && parse_domid(arg, id) ? 0 : -EINVAL;
}

int op_introduce(struct req *r)
{
	const char *argv[3];
	unsigned long long mfn, port;
	uint32_t id;
	int rc;

	if (wire_split(r->payload, r->len, argv, 3, NULL) != 3 ||
	    !parse_domid(argv[0], &id) ||
	    !lenient_uint(argv[1], UINT64_MAX / 10, &mfn) ||
	    !lenient_uint(argv[2], UINT32_MAX, &port) || id == 0)
		return -EINVAL;
	rc = domain_introduce(r->c->xsd, id, mfn, (uint32_t)port);
	return rc < 0 ? rc : req_ack(r);
}

int op_release(struct req *r)
{
	uint32_t id;
	int rc = one_domid(r, &id);

	if (rc < 0)
		return rc;
	if (id == 0)
		return -EINVAL;
	rc = domain_release(r->c->xsd, id);
	if (rc < 0)
		return rc;
	rc = req_ack(r);
	/* After the reply, as Xen: the domain's nodes go. */
	domain_remove_orphans(r->c->xsd, id);
	return rc;
}

int op_is_domain_introduced(struct req *r)
{
	uint32_t id;
	int rc = one_domid(r, &id);

	if (rc < 0)
		return rc;
	return conn_reply_str(r->c, r->hdr,
			      id == 0 || domain_find(r->c->xsd, id) ? "T" : "F");
}

int op_get_domain_path(struct req *r)
{
	char path[32];
	uint32_t id;
	int rc = one_domid(r, &id);

	if (rc < 0)
		return rc;
	path_domain(id, path, sizeof(path));
	return conn_reply_str(r->c, r->hdr, path);
}

int op_resume(struct req *r)
{
	struct domain *d;
	uint32_t id;
	int rc = one_domid(r, &id);

	if (rc < 0)
		return rc;
	d = domain_find(r->c->xsd, id);
	if (!d)
		return -ENOENT;
	d->shutdown = false;
	return req_ack(r);
}

int op_set_target(struct req *r)
{
	const char *argv[2];
	uint32_t id, target;
	int rc;

	if (wire_split(r->payload, r->len, argv, 2, NULL) != 2 ||
	    !parse_domid(argv[0], &id) || !parse_domid(argv[1], &target))
		return -EINVAL;
	rc = domain_set_target(r->c->xsd, id, target);
	return rc < 0 ? rc : req_ack(r);
}
