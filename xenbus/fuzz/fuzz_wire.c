/*
 * libFuzzer harness over the wire parser and everything behind it: the
 * input is a byte stream read by a connection of an in-process daemon
 * (framing, header checks, argument splitting, every handler), then
 * replayed as a journal frame payload, and laid over a shared ring page
 * whose indexes a guest controls.  The first byte picks the caller: dom0
 * or an unprivileged domain (quotas and permissions apply).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "ring.h"
#include "xsd.h"

struct stream {
	const uint8_t *p;
	size_t len, off;
};

static ssize_t f_read(struct conn *c, void *buf, size_t len)
{
	struct stream *s = c->tp;

	if (len > s->len - s->off)
		len = s->len - s->off;
	/* Short reads exercise partial headers and payloads. */
	if (len > 1 && (s->off & 7) == 3)
		len /= 2;
	memcpy(buf, s->p + s->off, len);
	s->off += len;
	return (ssize_t)len;
}

static ssize_t f_write(struct conn *c, const void *buf, size_t len)
{
	(void)c;
	(void)buf;
	return (ssize_t)len;
}

static int f_fd(const struct conn *c)
{
	(void)c;
	return -1;
}

static const struct transport_ops f_ops = {
	.name = "fuzz", .read = f_read, .write = f_write, .fd = f_fd,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct caller who = { 0, true, DOMID_NONE };
	struct stream s = { data, size, 1 };
	struct xsd x;
	struct conn *c, *other;
	const char *argv[WIRE_MAX_ARGS];
	unsigned long long v;

	if (size < 1)
		return 0;
	xsd_log_stderr = false;
	if (xsd_init(&x, NULL, false) < 0)
		return 0;
	x.rings = &ring_host_backend;
	if (data[0] & 1) {
		who = (struct caller){ data[0] >> 1, false, DOMID_NONE };
		x.quota.nodes = 50;
	}
	other = conn_new(&x, &f_ops, &(struct stream){ data, 0, 0 },
			 &(struct caller){ 3, false, DOMID_NONE });
	c = conn_new(&x, &f_ops, &s, &who);
	if (c && other) {
		for (int i = 0; i < 64 && !c->dead && s.off < s.len; i++)
			conn_service(c);
	}
	xsd_fini(&x);

	/* The same bytes as helpers and as a journal payload. */
	wire_split((const char *)data, size, argv, WIRE_MAX_ARGS, NULL);
	if (size < 64) {
		char buf[64];

		memcpy(buf, data, size);
		buf[size] = '\0';
		wire_parse_uint(buf, UINT32_MAX, &v);
	}
	{
		struct tree t;

		if (tree_init(&t) == 0) {
			journal_apply(&t, data, size);
			tree_destroy(&t);
		}
	}
	/* A guest-written ring page: copies must stay inside the rings. */
	{
		static struct xenstore_domain_interface page;
		char buf[XENSTORE_RING_SIZE * 2];
		size_t n = size < sizeof(page) ? size : sizeof(page);

		memset(&page, 0, sizeof(page));
		memcpy(&page, data, n);
		if (ring_read_req(&page, buf, sizeof(buf)) > XENSTORE_RING_SIZE ||
		    ring_write_rsp(&page, buf, sizeof(buf)) > XENSTORE_RING_SIZE)
			__builtin_trap();
	}
	return 0;
}
