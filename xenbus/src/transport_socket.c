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

/*
 * Input is read in blocks: one read() usually brings a whole request
 * (header and payload), where reading them apart took three calls (the
 * header, the payload, and one finding nothing).  A read that filled
 * less than the block emptied the socket: until the next round of the
 * loop (whose poll() reports new data) the socket is not read again.
 */
struct sk {
	int fd;
	uint32_t start, end;
	uint64_t drained_round; /* the round whose read emptied it, + 1 */
	char buf[4096];
};

static ssize_t sk_read(struct conn *c, void *buf, size_t len)
{
	struct sk *s = c->tp;
	size_t n;

	if (s->start == s->end) {
		ssize_t r;

		if (s->drained_round == c->xsd->rounds + 1)
			return 0;
		r = read(s->fd, s->buf, sizeof(s->buf));
		if (r <= 0) {
			if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
				s->drained_round = c->xsd->rounds + 1;
				return 0;
			}
			return -1; /* EOF or error */
		}
		if ((size_t)r < sizeof(s->buf))
			s->drained_round = c->xsd->rounds + 1;
		s->start = 0;
		s->end = (uint32_t)r;
	}
	n = s->end - s->start < len ? s->end - s->start : len;
	memcpy(buf, s->buf + s->start, n);
	s->start += (uint32_t)n;
	return (ssize_t)n;
}

static ssize_t sk_write(struct conn *c, const void *buf, size_t len)
{
	struct sk *s = c->tp;
	ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return -1;
}

static int sk_fd(const struct conn *c)
{
	const struct sk *s = c->tp;

	return s->fd;
}

static void sk_close(struct conn *c)
{
	struct sk *s = c->tp;

	close(s->fd);
	free(s);
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
	struct sk *s;

	if (fd < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	c = s ? conn_new(x, &socket_transport_ops, s, &dom0) : NULL;
	if (!c) {
		close(fd);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->fd = fd;
	return c;
}
