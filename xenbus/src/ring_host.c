/*
 * Host test rig for the ring transport: a test registers a page of
 * shared memory and two eventfds under an (mfn, port) pair, then sends
 * INTRODUCE with that pair as dom0's toolstack would.  The daemon's ring
 * code then runs exactly as it does on a foreign-mapped page.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ring.h"

struct host_ring {
	struct host_ring *next;
	uint64_t mfn;
	uint32_t port;
	struct xenstore_domain_interface *intf;
	int to_daemon, to_guest;
};

static struct host_ring *registry;

int ring_host_register(uint64_t mfn, uint32_t port,
		       struct xenstore_domain_interface *intf, int to_daemon,
		       int to_guest)
{
	struct host_ring *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	*h = (struct host_ring){ registry, mfn, port, intf, to_daemon,
				 to_guest };
	registry = h;
	return 0;
}

static int ev_fd(void *ev)
{
	return ((struct host_ring *)ev)->to_daemon;
}

static void ev_notify(void *ev)
{
	uint64_t one = 1;

	if (write(((struct host_ring *)ev)->to_guest, &one, sizeof(one)) < 0)
		return; /* counter saturated: the guest has a wakeup anyway */
}

static void ev_ack(void *ev)
{
	uint64_t v;

	if (read(((struct host_ring *)ev)->to_daemon, &v, sizeof(v)) < 0)
		return; /* EAGAIN: nothing pending */
}

static void ev_close(void *ev)
{
	(void)ev; /* the test owns the fds and the page */
}

static const struct evtchn_ops host_ev_ops = { ev_fd, ev_notify, ev_ack,
					       ev_close };

static int host_connect(uint32_t domid, uint64_t mfn, uint32_t port,
			struct xenstore_domain_interface **intf, void **tp)
{
	struct ring_tp *r;

	(void)domid;
	for (struct host_ring *h = registry; h; h = h->next) {
		if (h->mfn != mfn || h->port != port)
			continue;
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->intf = h->intf;
		r->ev_ops = &host_ev_ops;
		r->ev = h;
		*intf = h->intf;
		*tp = r;
		return 0;
	}
	return -EINVAL;
}

/* The host rig's VIRQ_DOM_EXC and domain states (set by the tests). */
static int host_exc = -1;
static struct host_state {
	struct host_state *next;
	uint32_t domid;
	enum dom_state st;
} *states;

void ring_host_set_exc_fd(int fd)
{
	host_exc = fd;
}

int ring_host_set_state(uint32_t domid, enum dom_state st)
{
	struct host_state *s;

	for (s = states; s; s = s->next)
		if (s->domid == domid)
			break;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->domid = domid;
		s->next = states;
		states = s;
	}
	s->st = st;
	return 0;
}

static int host_exc_fd(void)
{
	return host_exc;
}

static void host_exc_ack(void)
{
	uint64_t v;

	if (read(host_exc, &v, sizeof(v)) < 0)
		return; /* EAGAIN: nothing pending */
}

static int host_state(uint32_t domid)
{
	for (struct host_state *s = states; s; s = s->next)
		if (s->domid == domid)
			return s->st;
	return DOM_RUNNING;
}

const struct ring_backend ring_host_backend = {
	.name = "host",
	.connect = host_connect,
	.exc_fd = host_exc_fd,
	.exc_ack = host_exc_ack,
	.state = host_state,
};
