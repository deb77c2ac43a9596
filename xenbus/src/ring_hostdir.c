/*
 * Test-only ring backend for the daemon binary (--host-rings DIR): a
 * domain's ring page is the file DIR/ring-<domid>, and its event channel
 * the FIFO DIR/evtchn-<port> in which the guest writes to notify us.  We
 * do not signal the guest (it polls).  This lets a test process play a
 * guest against the real daemon (and, with tests/xenshim, against
 * Debian's xenstored) on a host without Xen.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ring.h"

#define PAGE 4096

static const char *hostdir;

struct hd_ev {
	int fd;
};

static int ev_fd(void *ev)
{
	return ((struct hd_ev *)ev)->fd;
}

static void ev_notify(void *ev)
{
	(void)ev; /* the guest polls its ring */
}

static void ev_ack(void *ev)
{
	char buf[64];

	while (read(((struct hd_ev *)ev)->fd, buf, sizeof(buf)) > 0)
		;
}

static void ev_close(void *ev)
{
	close(((struct hd_ev *)ev)->fd);
	free(ev);
}

static const struct evtchn_ops hd_ev_ops = { ev_fd, ev_notify, ev_ack,
					     ev_close };

static void unmap_page(struct xenstore_domain_interface *intf)
{
	munmap(intf, PAGE);
}

static int hd_connect(uint32_t domid, uint64_t mfn, uint32_t port,
		      struct xenstore_domain_interface **intf, void **tp)
{
	char path[4096];
	struct ring_tp *r = calloc(1, sizeof(*r));
	struct hd_ev *e = calloc(1, sizeof(*e));
	void *page = MAP_FAILED;
	int fd;

	(void)mfn;
	if (!r || !e)
		goto fail;
	snprintf(path, sizeof(path), "%s/ring-%u", hostdir, domid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			    fd, 0);
		close(fd);
	}
	if (page == MAP_FAILED)
		goto fail;
	snprintf(path, sizeof(path), "%s/evtchn-%u", hostdir, port);
	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		goto fail;
	e->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (e->fd < 0)
		goto fail;
	r->intf = page;
	r->ev_ops = &hd_ev_ops;
	r->ev = e;
	r->unmap = unmap_page;
	*intf = page;
	*tp = r;
	return 0;
fail:
	if (page != MAP_FAILED)
		munmap(page, PAGE);
	free(r);
	free(e);
	return -EINVAL;
}

static const struct ring_backend hostdir_backend = {
	.name = "hostdir", .connect = hd_connect,
};

const struct ring_backend *ring_hostdir_backend(const char *dir)
{
	hostdir = dir;
	return &hostdir_backend;
}
