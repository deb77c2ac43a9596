/*
 * dom0 ring backend: map a guest's xenstore page with /dev/xen/privcmd
 * (IOCTL_PRIVCMD_MMAPBATCH_V2) and bind its event channel with
 * /dev/xen/evtchn; and dom0's own kernel connection through
 * /proc/xen/xsd_kva and /proc/xen/xsd_port.
 *
 * UNTESTED: this path needs a running Keel/Xen dom0.  The ioctl layouts
 * are Linux's (include/uapi/xen/privcmd.h, evtchn.h), defined here so the
 * daemon does not depend on Xen's headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"

struct privcmd_mmapbatch_v2 {
	unsigned int num;
	uint16_t dom;
	uint64_t addr;
	const uint64_t *arr;
	int *err;
};
#define IOCTL_PRIVCMD_MMAPBATCH_V2 \
	_IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))

struct ioctl_evtchn_bind_interdomain {
	unsigned int remote_domain, remote_port;
};
struct ioctl_evtchn_port {
	unsigned int port;
};
#define IOCTL_EVTCHN_BIND_INTERDOMAIN \
	_IOC(_IOC_NONE, 'E', 1, sizeof(struct ioctl_evtchn_bind_interdomain))
#define IOCTL_EVTCHN_UNBIND \
	_IOC(_IOC_NONE, 'E', 3, sizeof(struct ioctl_evtchn_port))
#define IOCTL_EVTCHN_NOTIFY \
	_IOC(_IOC_NONE, 'E', 4, sizeof(struct ioctl_evtchn_port))

#define PAGE 4096

struct dom0_ev {
	int fd;
	unsigned int local_port;
};

static int ev_fd(void *ev)
{
	return ((struct dom0_ev *)ev)->fd;
}

static void ev_notify(void *ev)
{
	struct dom0_ev *e = ev;
	struct ioctl_evtchn_port p = { e->local_port };

	if (ioctl(e->fd, IOCTL_EVTCHN_NOTIFY, &p) < 0)
		xsd_log("evtchn notify port %u: errno %d", p.port, errno);
}

/* Read the pending port, then write it back to unmask it. */
static void ev_ack(void *ev)
{
	struct dom0_ev *e = ev;
	unsigned int port;

	if (read(e->fd, &port, sizeof(port)) == sizeof(port) &&
	    write(e->fd, &port, sizeof(port)) != sizeof(port))
		xsd_log("evtchn unmask port %u: errno %d", port, errno);
}

static void ev_close(void *ev)
{
	struct dom0_ev *e = ev;
	struct ioctl_evtchn_port p = { e->local_port };

	ioctl(e->fd, IOCTL_EVTCHN_UNBIND, &p);
	close(e->fd);
	free(e);
}

static const struct evtchn_ops dom0_ev_ops = { ev_fd, ev_notify, ev_ack,
					       ev_close };

static struct dom0_ev *bind_evtchn(uint32_t domid, uint32_t port)
{
	struct ioctl_evtchn_bind_interdomain b = { domid, port };
	struct dom0_ev *e = calloc(1, sizeof(*e));
	int rc;

	if (!e)
		return NULL;
	e->fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (e->fd < 0)
		goto fail;
	rc = ioctl(e->fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
	if (rc < 0)
		goto fail;
	e->local_port = (unsigned int)rc;
	return e;
fail:
	if (e->fd >= 0)
		close(e->fd);
	free(e);
	return NULL;
}

static void unmap_page(struct xenstore_domain_interface *intf)
{
	munmap(intf, PAGE);
}

static int dom0_connect(uint32_t domid, uint64_t mfn, uint32_t port,
			struct xenstore_domain_interface **intf, void **tp)
{
	int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	struct ring_tp *r = calloc(1, sizeof(*r));
	int err = 0;
	void *page = MAP_FAILED;

	if (fd < 0 || !r)
		goto fail;
	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED)
		goto fail;
	struct privcmd_mmapbatch_v2 m = { 1, (uint16_t)domid,
					  (uint64_t)(uintptr_t)page, &mfn,
					  &err };
	if (ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m) < 0 || err)
		goto fail;
	r->ev = bind_evtchn(domid, port);
	if (!r->ev)
		goto fail;
	close(fd);
	r->intf = page;
	r->ev_ops = &dom0_ev_ops;
	r->unmap = unmap_page;
	*intf = page;
	*tp = r;
	return 0;
fail:
	if (page != MAP_FAILED)
		munmap(page, PAGE);
	if (fd >= 0)
		close(fd);
	free(r);
	return -EINVAL;
}

const struct ring_backend ring_dom0_backend = { "dom0", dom0_connect };

struct conn *ring_dom0_kernel_connect(struct xsd *x)
{
	static const struct caller dom0 = { 0, true, DOMID_NONE };
	struct ring_tp *r = calloc(1, sizeof(*r));
	unsigned int port;
	FILE *f = fopen("/proc/xen/xsd_port", "r");
	int fd = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
	void *page = MAP_FAILED;
	struct conn *c;

	if (!r || !f || fd < 0 || fscanf(f, "%u", &port) != 1)
		goto fail;
	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED)
		goto fail;
	r->ev = bind_evtchn(0, port);
	if (!r->ev)
		goto fail;
	r->intf = page;
	r->ev_ops = &dom0_ev_ops;
	r->unmap = unmap_page;
	c = conn_new(x, &ring_transport_ops, r, &dom0);
	if (!c)
		goto fail;
	fclose(f);
	close(fd);
	/* The kernel may have written requests already: look now. */
	r->ev_ops->notify(r->ev);
	return c;
fail:
	xsd_log("dom0 kernel connection via /proc/xen/xsd_kva failed");
	if (page != MAP_FAILED)
		munmap(page, PAGE);
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	free(r);
	return NULL;
}
