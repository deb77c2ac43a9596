/*
 * dom0 ring backend, through dom0-tools' keelctl (privcmd and evtchn of
 * the stock Linux dom0 kernel):
 *
 * - a guest's ring: the page at the mfn given to INTRODUCE is mapped
 *   with a privcmd foreign mapping (IOCTL_PRIVCMD_MMAPBATCH_V2), as
 *   oxenstored's Xenctrl.map_foreign_range (C xenstored 4.17 maps grant 1
 *   instead, TOOLSTACK-ABI.md 2.3), and its event channel bound with
 *   bind_interdomain(domid, port);
 * - dom0's own kernel (XS_LOCAL, store_evtchn = 0 in its start_info,
 *   TOOLSTACK-ABI.md 2.1): the page of /proc/xen/xsd_kva and the port of
 *   /proc/xen/xsd_port, bound with bind_interdomain(0, port) (dom0 binds
 *   its own unbound port), then one notify that wakes its xenbus_probe
 *   thread (Xen's xenstored_domain.c:dom0_init does the same);
 * - VIRQ_DOM_EXC bound on one more evtchn fd, and the state of a domain
 *   read with XEN_DOMCTL_getdomaininfo (xenstored_domain.c:check_domains).
 *
 * Each connection has its own /dev/xen/evtchn descriptor (the event loop
 * polls one fd per connection).  Tested in a Linux dom0 on Keel:
 * tests/linux/ctl-store.sh (run-all.sh linux-ctl).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "keelctl.h"
#include "ring.h"

#define PAGE 4096

struct dom0_ev {
	struct keelctl_evtchn e;
	evtchn_port_t local_port;
};

static struct keelctl ctl = { .privcmd_fd = -1 };
static struct dom0_ev exc = { { -1 }, 0 };

static int ev_fd(void *ev)
{
	return ((struct dom0_ev *)ev)->e.fd;
}

static void ev_notify(void *ev)
{
	struct dom0_ev *d = ev;
	int rc = keelctl_evtchn_notify(&d->e, d->local_port);

	if (rc < 0)
		xsd_log("evtchn notify port %u: %s", d->local_port,
			strerror(-rc));
}

/* Consume the pending ports, then unmask them. */
static void ev_ack(void *ev)
{
	struct dom0_ev *d = ev;
	int port;

	while ((port = keelctl_evtchn_pending(&d->e)) >= 0)
		if (keelctl_evtchn_unmask(&d->e, (evtchn_port_t)port) < 0)
			xsd_log("evtchn unmask port %d failed", port);
}

static void ev_close(void *ev)
{
	struct dom0_ev *d = ev;

	keelctl_evtchn_unbind(&d->e, d->local_port);
	keelctl_evtchn_close(&d->e);
	free(d);
}

static const struct evtchn_ops dom0_ev_ops = { ev_fd, ev_notify, ev_ack,
					       ev_close };

/* A non-blocking evtchn fd (ev_ack reads until EAGAIN). */
static int ev_open(struct keelctl_evtchn *e)
{
	int rc = keelctl_evtchn_open(e, NULL);

	if (rc < 0)
		return rc;
	if (fcntl(e->fd, F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		keelctl_evtchn_close(e);
	}
	return rc;
}

static int bind_evtchn(uint32_t domid, uint32_t port, struct dom0_ev **out)
{
	struct dom0_ev *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	rc = ev_open(&d->e);
	if (rc < 0) {
		free(d);
		return rc;
	}
	rc = keelctl_evtchn_bind_interdomain(&d->e, (domid_t)domid, port);
	if (rc < 0) {
		keelctl_evtchn_close(&d->e);
		free(d);
		return rc;
	}
	d->local_port = (evtchn_port_t)rc;
	*out = d;
	return 0;
}

static void unmap_page(struct xenstore_domain_interface *intf)
{
	keelctl_unmap(intf, 1);
}

static void unmap_local(struct xenstore_domain_interface *intf)
{
	munmap(intf, PAGE);
}

static int dom0_connect(uint32_t domid, uint64_t mfn, uint32_t port,
			struct xenstore_domain_interface **intf, void **tp)
{
	struct ring_tp *r = calloc(1, sizeof(*r));
	xen_pfn_t gfn = mfn;
	struct dom0_ev *ev;
	void *page;
	int err, rc;

	if (!r)
		return -ENOMEM;
	page = keelctl_map_foreign(&ctl, (domid_t)domid,
				   PROT_READ | PROT_WRITE, &gfn, &err, 1, &rc);
	if (!page) {
		xsd_log("domain %u: cannot map its ring at mfn %#llx: %s",
			domid, (unsigned long long)mfn, strerror(-rc));
		free(r);
		return -EINVAL; /* Xen: EINVAL when the ring cannot be mapped */
	}
	rc = bind_evtchn(domid, port, &ev);
	if (rc < 0) {
		xsd_log("domain %u: cannot bind its port %u: %s", domid, port,
			strerror(-rc));
		keelctl_unmap(page, 1);
		free(r);
		return -EINVAL;
	}
	r->intf = page;
	r->ev_ops = &dom0_ev_ops;
	r->ev = ev;
	r->unmap = unmap_page;
	*intf = page;
	*tp = r;
	return 0;
}

static int dom0_exc_fd(void)
{
	return exc.e.fd;
}

static void dom0_exc_ack(void)
{
	ev_ack(&exc);
}

/* xenstored_domain.c:check_domains reads each known domain's info. */
static int dom0_state(uint32_t domid)
{
	struct xen_domctl_getdomaininfo info;
	int rc = keelctl_domain_info(&ctl, (domid_t)domid, &info);

	if (rc == -ESRCH)
		return DOM_GONE; /* no longer listed */
	if (rc < 0)
		return rc;
	if (info.flags & XEN_DOMINF_dying)
		return DOM_GONE;
	if (info.flags & XEN_DOMINF_shutdown)
		return DOM_SHUTDOWN;
	return DOM_RUNNING;
}

const struct ring_backend ring_dom0_backend = {
	.name = "dom0",
	.connect = dom0_connect,
	.exc_fd = dom0_exc_fd,
	.exc_ack = dom0_exc_ack,
	.state = dom0_state,
};

int ring_dom0_init(void)
{
	int rc = keelctl_open(&ctl, NULL);

	if (rc < 0) {
		xsd_log("--dom0: %s: %s", KEELCTL_PRIVCMD, strerror(-rc));
		return rc;
	}
	rc = ev_open(&exc.e);
	if (rc >= 0)
		rc = keelctl_evtchn_bind_virq(&exc.e, VIRQ_DOM_EXC);
	if (rc < 0) {
		xsd_log("--dom0: cannot bind VIRQ_DOM_EXC on %s: %s",
			KEELCTL_EVTCHN, strerror(-rc));
		keelctl_evtchn_close(&exc.e);
		keelctl_close(&ctl);
		return rc;
	}
	exc.local_port = (evtchn_port_t)rc;
	return 0;
}

static int read_port(const char *file, unsigned int *port)
{
	FILE *f = fopen(file, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%u", port) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

struct conn *ring_dom0_kernel_connect(struct xsd *x)
{
	static const struct caller dom0 = { 0, true, DOMID_NONE };
	const char *kva = "/proc/xen/xsd_kva", *portf = "/proc/xen/xsd_port";
	struct ring_tp *r = calloc(1, sizeof(*r));
	struct dom0_ev *ev = NULL;
	void *page = MAP_FAILED;
	unsigned int port;
	struct conn *c;
	int fd = -1, rc;

	if (!r)
		return NULL;
	rc = read_port(portf, &port);
	if (rc < 0) {
		xsd_log("%s: %s", portf, rc == -EINVAL ? "not a number"
						      : strerror(-rc));
		goto fail;
	}
	fd = open(kva, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    0);
	if (page == MAP_FAILED) {
		xsd_log("%s: cannot map: %s", kva, strerror(errno));
		goto fail;
	}
	rc = bind_evtchn(0, port, &ev);
	if (rc < 0) {
		xsd_log("%s: cannot bind dom0's port %u: %s", portf, port,
			strerror(-rc));
		goto fail;
	}
	r->intf = page;
	r->ev_ops = &dom0_ev_ops;
	r->ev = ev;
	r->unmap = unmap_local;
	c = conn_new(x, &ring_transport_ops, r, &dom0);
	if (!c)
		goto fail;
	close(fd);
	/* Wakes the kernel's xenbus_probe thread; requests it wrote
	 * before we came are read at the first turn (conn->more). */
	c->more = true;
	r->ev_ops->notify(r->ev);
	return c;
fail:
	if (ev)
		ev_close(ev);
	if (page != MAP_FAILED)
		munmap(page, PAGE);
	if (fd >= 0)
		close(fd);
	free(r);
	return NULL;
}
