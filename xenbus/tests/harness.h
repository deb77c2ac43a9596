/*
 * Test harness: an in-process daemon (struct xsd) with connections whose
 * transport is a memory buffer, so every message type can be driven
 * through the real dispatch table and its replies decoded.
 */
#ifndef XENBUS_TESTS_HARNESS_H
#define XENBUS_TESTS_HARNESS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain.h"
#include "ring.h"
#include "txn.h"
#include "xsd.h"

#define OUTBUF (1 << 20)

struct membuf {
	char out[OUTBUF];
	size_t out_len;
	size_t room; /* bytes the peer accepts; SIZE_MAX: unlimited */
	char in[OUTBUF]; /* bytes for conn_service() to read */
	size_t in_len, in_off;
};

static ssize_t mem_read(struct conn *c, void *buf, size_t len)
{
	struct membuf *m = c->tp;

	if (len > m->in_len - m->in_off)
		len = m->in_len - m->in_off;
	memcpy(buf, m->in + m->in_off, len);
	m->in_off += len;
	return (ssize_t)len;
}

/* Queue raw request bytes for conn_service(). */
static inline void feed(struct conn *c, uint32_t type, uint32_t len,
			const void *payload, size_t plen)
{
	struct membuf *m = c->tp;
	struct xsd_sockmsg h = { type, 7, 0, len };

	memcpy(m->in + m->in_len, &h, sizeof(h));
	memcpy(m->in + m->in_len + sizeof(h), payload, plen);
	m->in_len += sizeof(h) + plen;
}

static ssize_t mem_write(struct conn *c, const void *buf, size_t len)
{
	struct membuf *m = c->tp;

	if (len > m->room)
		len = m->room;
	if (len > OUTBUF - m->out_len)
		len = OUTBUF - m->out_len;
	memcpy(m->out + m->out_len, buf, len);
	m->out_len += len;
	if (m->room != (size_t)-1)
		m->room -= len;
	return (ssize_t)len;
}

static int mem_fd(const struct conn *c)
{
	(void)c;
	return -1;
}

static void mem_close(struct conn *c)
{
	free(c->tp);
}

static const struct transport_ops mem_ops = {
	.name = "mem", .read = mem_read, .write = mem_write, .fd = mem_fd,
	.close = mem_close,
};

static inline struct conn *mkconn(struct xsd *x, uint32_t domid, bool priv)
{
	struct caller who = { domid, priv, DOMID_NONE };
	struct membuf *m = calloc(1, sizeof(*m));
	struct conn *c;

	assert_non_null(m);
	m->room = (size_t)-1;
	c = conn_new(x, &mem_ops, m, &who);
	assert_non_null(c);
	return c;
}

struct msg {
	uint32_t type, req_id, tx_id, len;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

/* Pop the next message c was sent; false when none is left. */
static inline bool next_msg(struct conn *c, struct msg *m)
{
	struct membuf *b = c->tp;
	struct xsd_sockmsg h;

	conn_flush(c);
	if (b->out_len < sizeof(h))
		return false;
	memcpy(&h, b->out, sizeof(h));
	assert_true(h.len <= XENSTORE_PAYLOAD_MAX);
	assert_true(b->out_len >= sizeof(h) + h.len);
	m->type = h.type;
	m->req_id = h.req_id;
	m->tx_id = h.tx_id;
	m->len = h.len;
	memcpy(m->body, b->out + sizeof(h), h.len);
	m->body[h.len] = '\0';
	memmove(b->out, b->out + sizeof(h) + h.len,
		b->out_len - sizeof(h) - h.len);
	b->out_len -= sizeof(h) + h.len;
	return true;
}

/* Drop everything queued for c. */
static inline void drain(struct conn *c)
{
	struct msg m;

	while (next_msg(c, &m))
		;
}

/*
 * Send one request (payload of len bytes, may hold NULs) and return its
 * reply in *m (watch events before it are skipped and counted).
 */
static inline unsigned int request(struct conn *c, uint32_t type,
				   uint32_t tx, const char *payload,
				   size_t len, struct msg *m)
{
	static uint32_t req_id = 100;
	struct xsd_sockmsg h = { type, ++req_id, tx, (uint32_t)len };
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	unsigned int events = 0;

	assert_true(len <= XENSTORE_PAYLOAD_MAX);
	memcpy(buf, payload, len);
	buf[len] = '\0';
	xsd_dispatch(c, &h, buf);
	for (;;) {
		assert_true(next_msg(c, m));
		if (m->type == XS_WATCH_EVENT && m->req_id == 0) {
			events++;
			continue;
		}
		break;
	}
	assert_int_equal(m->req_id, h.req_id);
	return events;
}

/* Request with a C-string payload including its terminating NUL. */
static inline void req_s(struct conn *c, uint32_t type, uint32_t tx,
			 const char *s, struct msg *m)
{
	request(c, type, tx, s, strlen(s) + 1, m);
}

/* WRITE path=value (value without NUL). */
static inline void write_ok(struct conn *c, uint32_t tx, const char *path,
			    const char *value)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(value);
	struct msg m;

	memcpy(buf, path, pl);
	memcpy(buf + pl, value, vl);
	request(c, XS_WRITE, tx, buf, pl + vl, &m);
	assert_int_equal(m.type, XS_WRITE);
	assert_string_equal(m.body, "OK");
}

/* Expect an XS_ERROR reply naming err. */
static inline void assert_err(const struct msg *m, const char *err)
{
	assert_int_equal(m->type, XS_ERROR);
	assert_string_equal(m->body, err);
}

static inline void xsd_setup(struct xsd *x)
{
	xsd_log_stderr = true;
	assert_int_equal(xsd_init(x, NULL, false), 0);
	x->rings = &ring_host_backend;
}

#endif
