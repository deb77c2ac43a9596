/*
 * Shared-ring transport: requests come on req[] (the guest produces,
 * we consume), replies go on rsp[].  Indexes are free-running; a
 * producer further than XENSTORE_RING_SIZE ahead is a broken peer and
 * ends this connection only.  Barriers: read the producer index before
 * the data, publish the consumer/producer index after it.
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

static uint32_t load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static ssize_t ring_get(char *ring, uint32_t *consp, uint32_t *prodp,
			void *buf, size_t len)
{
	uint32_t cons = load(consp), prod = load(prodp);
	uint32_t avail = prod - cons, n = 0;

	if (avail > XENSTORE_RING_SIZE)
		return -1;
	while (n < len && n < avail) {
		uint32_t off = MASK_XENSTORE_IDX(cons + n);
		uint32_t chunk = XENSTORE_RING_SIZE - off;

		if (chunk > avail - n)
			chunk = avail - n;
		if (chunk > len - n)
			chunk = (uint32_t)(len - n);
		memcpy((char *)buf + n, ring + off, chunk);
		n += chunk;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	store(consp, cons + n);
	return n;
}

static ssize_t ring_put(char *ring, uint32_t *consp, uint32_t *prodp,
			const void *buf, size_t len)
{
	uint32_t cons = load(consp), prod = load(prodp);
	uint32_t used = prod - cons, space, n = 0;

	if (used > XENSTORE_RING_SIZE)
		return -1;
	space = XENSTORE_RING_SIZE - used;
	while (n < len && n < space) {
		uint32_t off = MASK_XENSTORE_IDX(prod + n);
		uint32_t chunk = XENSTORE_RING_SIZE - off;

		if (chunk > space - n)
			chunk = space - n;
		if (chunk > len - n)
			chunk = (uint32_t)(len - n);
		memcpy(ring + off, (const char *)buf + n, chunk);
		n += chunk;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	store(prodp, prod + n);
	return n;
}

ssize_t ring_read_req(struct xenstore_domain_interface *i, void *buf,
		      size_t len)
{
	return ring_get(i->req, &i->req_cons, &i->req_prod, buf, len);
}

ssize_t ring_write_rsp(struct xenstore_domain_interface *i, const void *buf,
		       size_t len)
{
	return ring_put(i->rsp, &i->rsp_cons, &i->rsp_prod, buf, len);
}

ssize_t ring_write_req(struct xenstore_domain_interface *i, const void *buf,
		       size_t len)
{
	return ring_put(i->req, &i->req_cons, &i->req_prod, buf, len);
}

ssize_t ring_read_rsp(struct xenstore_domain_interface *i, void *buf,
		      size_t len)
{
	return ring_get(i->rsp, &i->rsp_cons, &i->rsp_prod, buf, len);
}

static ssize_t tr_read(struct conn *c, void *buf, size_t len)
{
	struct ring_tp *r = c->tp;

	return ring_read_req(r->intf, buf, len);
}

static ssize_t tr_write(struct conn *c, const void *buf, size_t len)
{
	struct ring_tp *r = c->tp;

	return ring_write_rsp(r->intf, buf, len);
}

static int tr_fd(const struct conn *c)
{
	const struct ring_tp *r = c->tp;

	return r->ev_ops->fd(r->ev);
}

static void tr_kick(struct conn *c)
{
	struct ring_tp *r = c->tp;

	r->ev_ops->notify(r->ev);
}

static void tr_ack(struct conn *c)
{
	struct ring_tp *r = c->tp;

	r->ev_ops->ack(r->ev);
}

static void tr_close(struct conn *c)
{
	struct ring_tp *r = c->tp;

	r->ev_ops->close(r->ev);
	if (r->unmap)
		r->unmap(r->intf);
	free(r);
}

const struct transport_ops ring_transport_ops = {
	.name = "ring",
	.read = tr_read,
	.write = tr_write,
	.fd = tr_fd,
	.kick = tr_kick,
	.ack = tr_ack,
	.close = tr_close,
};
