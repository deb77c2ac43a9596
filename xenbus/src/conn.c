/*
 * Connections: framing of requests from any transport, the output
 * queue, and back-pressure (quota "outstanding").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "txn.h"
#include "watch.h"
#include "xsd.h"

/* A socket client (dom0) may have this many replies/events queued
 * before we stop reading its requests; a domain has quota.outstanding. */
#define SOCKET_MAX_QUEUED 1024
/* Beyond this many queued messages, watch events are dropped. */
#define MAX_QUEUED_EVENTS 4096

struct conn *conn_new(struct xsd *x, const struct transport_ops *ops,
		      void *tp, const struct caller *who)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->xsd = x;
	c->ops = ops;
	c->tp = tp;
	c->who = *who;
	c->next_txid = 1;
	c->next = x->conns;
	x->conns = c;
	return c;
}

void conn_free(struct conn *c)
{
	struct conn **pp;

	for (pp = &c->xsd->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	while (c->out_head) {
		struct outmsg *m = c->out_head;

		c->out_head = m->next;
		free(m);
	}
	if (c->events_dropped)
		xsd_log("conn %u: %llu watch events dropped", c->who.id,
			(unsigned long long)c->events_dropped);
	watch_remove_all(c);
	txn_abort_all(c);
	if (c->dom)
		c->dom->conn = NULL;
	if (c->xsd->kernel == c)
		c->xsd->kernel = NULL;
	if (c->ops->close)
		c->ops->close(c);
	free(c);
}

int conn_send(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	      const void *p1, size_t l1, const void *p2, size_t l2,
	      bool is_event)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)(l1 + l2) };
	struct outmsg *m;

	if (l1 + l2 > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (is_event && c->nr_out >= MAX_QUEUED_EVENTS) {
		/* Caused by the client (it does not read): one line, and the
		 * count when it goes, never a line per event. */
		if (!c->events_dropped++)
			xsd_log("conn %u: output queue full, dropping its watch "
				"events (the count is logged when it closes)",
				c->who.id);
		return -ENOSPC;
	}
	m = malloc(sizeof(*m) + sizeof(h) + l1 + l2);
	if (!m)
		return -ENOMEM;
	m->next = NULL;
	m->len = sizeof(h) + l1 + l2;
	m->done = 0;
	/* It may reveal every change made so far: it waits for them. */
	m->seq = journal_need(c->xsd->journal);
	m->is_event = is_event;
	memcpy(m->data, &h, sizeof(h));
	if (l1)
		memcpy(m->data + sizeof(h), p1, l1);
	if (l2)
		memcpy(m->data + sizeof(h) + l1, p2, l2);
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->nr_out++;
	return 0;
}

int conn_reply(struct conn *c, const struct xsd_sockmsg *req,
	       const void *data, size_t len)
{
	return conn_send(c, req->type, req->req_id, req->tx_id, data, len,
			 NULL, 0, false);
}

int conn_reply_str(struct conn *c, const struct xsd_sockmsg *req,
		   const char *s)
{
	return conn_reply(c, req, s, strlen(s) + 1);
}

void conn_error(struct conn *c, const struct xsd_sockmsg *req, int err)
{
	const char *name = wire_errno_name(err);

	conn_send(c, XS_ERROR, req->req_id, req->tx_id, name,
		  strlen(name) + 1, NULL, 0, false);
}

/* Whether it has output that may leave now. */
bool conn_want_out(const struct conn *c)
{
	return c->out_head &&
	       journal_durable(c->xsd->journal, c->out_head->seq);
}

void conn_flush(struct conn *c)
{
	bool wrote = false;

	/* Nothing leaves before the changes it may reveal are durable;
	 * messages leave in order, so one waiting holds those after it. */
	while (c->out_head && !c->dead &&
	       journal_durable(c->xsd->journal, c->out_head->seq)) {
		struct outmsg *m = c->out_head;
		ssize_t n = c->ops->write(c, m->data + m->done,
					  m->len - m->done);

		if (n < 0) {
			c->dead = true;
			break;
		}
		if (n == 0)
			break;
		if (!wrote && c->xsd->group_commit)
			c->xsd->early_replies++;
		wrote = true;
		m->done += (size_t)n;
		if (m->done < m->len)
			continue;
		c->out_head = m->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->nr_out--;
		if (!m->is_event)
			c->owed = true;
		free(m);
	}
	if (wrote && c->ops->kick)
		c->ops->kick(c);
}

static uint32_t max_queued(const struct conn *c)
{
	if (c->who.privileged)
		return SOCKET_MAX_QUEUED;
	return c->xsd->quota.outstanding;
}

/*
 * Read and dispatch up to `budget' requests, stopping early when the
 * transport is empty or the queue of unsent replies is full; c->more
 * tells that the budget ran out (there may be more to read).  In the
 * loop's first pass (xsd->reads_first) a request that may change the
 * store is read but held (c->held) for the second pass.  A header
 * announcing more than XENSTORE_PAYLOAD_MAX closes this connection only.
 */
void conn_read(struct conn *c, unsigned int budget)
{
	const size_t hsz = sizeof(struct xsd_sockmsg);
	bool consumed = false;

	c->more = false;
	c->held = false;
	while (!c->dead && c->nr_out < max_queued(c)) {
		size_t want;
		char *dst;
		ssize_t n;

		if (c->in_used < hsz) {
			want = hsz - c->in_used;
			dst = c->in.hdr_bytes + c->in_used;
		} else {
			want = hsz + c->in.hdr.len - c->in_used;
			dst = c->payload + (c->in_used - hsz);
		}
		if (want) {
			n = c->ops->read(c, dst, want);
			if (n < 0) {
				c->dead = true;
				break;
			}
			if (n == 0)
				break;
			consumed = true;
			c->in_used += (size_t)n;
			if (c->in_used == hsz && !wire_header_ok(&c->in.hdr)) {
				xsd_log("conn %u: message of %u bytes exceeds %d, closing",
					c->who.id, c->in.hdr.len,
					XENSTORE_PAYLOAD_MAX);
				c->dead = true;
				break;
			}
			if (c->in_used < hsz + (c->in_used >= hsz ? c->in.hdr.len : 0) ||
			    c->in_used < hsz)
				continue;
		}
		c->payload[c->in.hdr.len] = '\0';
		c->owed = false;
		if (c->xsd->reads_first && !xsd_req_reads_only(&c->in.hdr)) {
			c->held = true;
			break;
		}
		c->in_used = 0;
		c->xsd->nr_requests++;
		c->turn_used++;
		xsd_dispatch(c, &c->in.hdr, c->payload);
		if (--budget == 0) {
			c->more = true; /* its turn is over: others first */
			break;
		}
	}
	if (consumed && c->ops->kick)
		c->ops->kick(c);
}

void conn_service(struct conn *c)
{
	conn_flush(c);
	conn_read(c, CONN_TURN_BUDGET);
	conn_flush(c);
}
