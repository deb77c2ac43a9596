/*
 * Unix socket transport: each accepted client is a connection acting
 * as dom0 (as with Xen's socket), non-blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "socket.h"

static ssize_t sk_read(struct conn *c, void *buf, size_t len)
{
	ssize_t n = read((int)(intptr_t)c->tp, buf, len);

	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1; /* EOF or error */
}

static ssize_t sk_write(struct conn *c, const void *buf, size_t len)
{
	ssize_t n = send((int)(intptr_t)c->tp, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return -1;
}

static int sk_fd(const struct conn *c)
{
	return (int)(intptr_t)c->tp;
}

static void sk_close(struct conn *c)
{
	close((int)(intptr_t)c->tp);
}

const struct transport_ops socket_transport_ops = {
	.name = "socket",
	.read = sk_read,
	.write = sk_write,
	.fd = sk_fd,
	.close = sk_close,
};

int socket_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct conn *socket_accept(struct xsd *x, int lfd)
{
	static const struct caller dom0 = { 0, true, DOMID_NONE };
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct conn *c;

	if (fd < 0)
		return NULL;
	c = conn_new(x, &socket_transport_ops, (void *)(intptr_t)fd, &dom0);
	if (!c) {
		close(fd);
		errno = ENOMEM;
	}
	return c;
}
