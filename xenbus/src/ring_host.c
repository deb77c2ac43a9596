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

const struct ring_backend ring_host_backend = { "host", host_connect };
