/*
 * LD_PRELOAD shim that lets Debian's xenstored (Xen 4.17, C version) run
 * on a host without Xen, for side-by-side comparisons only: its -D
 * (--no-domain-init) mode crashes on the first request in 4.17, so it is
 * started normally and the few hypervisor interfaces it opens are faked:
 *   - xc_interface_open/xc_domain_getinfo: a dummy handle; every domain
 *     "exists" and is running;
 *   - xenevtchn_*: the FIFO $XENSHIM_DIR/evtchn, where a test writes the
 *     port it notifies (4 bytes); binding to a remote port gives that same
 *     number as local port; the VIRQ is port 9999, never signalled;
 *   - xengnttab_map_grant_ref: $XENSHIM_DIR/ring-<domid> mapped shared (a
 *     test plays the guest on it), or an anonymous page;
 *   - /proc/xen/xsd_kva and /proc/xen/xsd_port: files in $XENSHIM_DIR (a
 *     zeroed page and "1"), so dom0's kernel ring exists but stays idle.
 * Socket clients are then dom0, as with a real dom0.  Never used by
 * keel-xenstored itself.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

static int dummy;

xc_interface *xc_interface_open(xentoollog_logger *l, xentoollog_logger *d,
				unsigned int flags)
{
	(void)l; (void)d; (void)flags;
	return (xc_interface *)&dummy;
}

int xc_interface_close(xc_interface *xch)
{
	(void)xch;
	return 0;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first, unsigned int max,
		      xc_dominfo_t *info)
{
	(void)xch;
	if (max < 1)
		return 0;
	memset(info, 0, sizeof(*info));
	info->domid = first;
	info->running = 1;
	return 1;
}

struct xenevtchn_handle {
	int fd;
};
static int shim_path(char *buf, size_t len, const char *fmt, unsigned int n)
{
	const char *dir = getenv("XENSHIM_DIR");
	char name[64];

	if (!dir)
		return -1;
	snprintf(name, sizeof(name), fmt, n);
	snprintf(buf, len, "%s/%s", dir, name);
	return 0;
}

xenevtchn_handle *xenevtchn_open(xentoollog_logger *l, unsigned int flags)
{
	xenevtchn_handle *h = calloc(1, sizeof(*h));
	char path[4096];

	(void)l; (void)flags;
	if (!h)
		return NULL;
	h->fd = -1;
	if (shim_path(path, sizeof(path), "evtchn", 0) == 0)
		h->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (h->fd < 0)
		h->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return h;
}

xenevtchn_handle *xenevtchn_fdopen(xentoollog_logger *l, int fd,
				   unsigned int flags)
{
	(void)fd;
	return xenevtchn_open(l, flags);
}

int xenevtchn_fd(xenevtchn_handle *h)
{
	return h->fd;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *h,
					      unsigned int virq)
{
	(void)h; (void)virq;
	return 9999;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h,
						     uint32_t domid,
						     evtchn_port_t port)
{
	(void)h; (void)domid;
	return (xenevtchn_port_or_error_t)port;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
	uint32_t port;

	if (read(h->fd, &port, sizeof(port)) == sizeof(port))
		return (xenevtchn_port_or_error_t)port;
	errno = EAGAIN;
	return -1;
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t p)
{
	(void)h; (void)p;
	return 0;
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t p)
{
	(void)h; (void)p;
	return 0;
}

int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t p)
{
	(void)h; (void)p;
	return 0;
}

xengnttab_handle *xengnttab_open(xentoollog_logger *l, unsigned int flags)
{
	(void)l; (void)flags;
	return (xengnttab_handle *)&dummy;
}

int xengnttab_close(xengnttab_handle *h)
{
	(void)h;
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *h, uint32_t n)
{
	(void)h; (void)n;
	return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid,
			      uint32_t ref, int prot)
{
	char path[4096];
	int fd = -1;
	void *p;

	(void)h; (void)ref;
	if (shim_path(path, sizeof(path), "ring-%u", domid) == 0)
		fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		p = mmap(NULL, 4096, prot, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(xengnttab_handle *h, void *addr, uint32_t count)
{
	(void)h;
	return munmap(addr, count * 4096);
}

static const char *redirect(const char *path, char *buf, size_t len)
{
	const char *dir = getenv("XENSHIM_DIR");

	if (!dir || strncmp(path, "/proc/xen/", 10))
		return path;
	snprintf(buf, len, "%s/%s", dir, path + 10);
	return buf;
}

static int do_open(const char *name, const char *path, int flags,
		   va_list ap)
{
	int (*real)(const char *, int, ...) =
		(int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	char buf[4096];
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;

	return real(redirect(path, buf, sizeof(buf)), flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = do_open("open", path, flags, ap);
	va_end(ap);
	return r;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = do_open("open64", path, flags, ap);
	va_end(ap);
	return r;
}
