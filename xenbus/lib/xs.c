/*
 * libkeelxs: see include/keelxs.h.  One request at a time per handle:
 * send header + payload, then read messages until the reply; watch
 * events met on the way are queued for xs_read_watch().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire.h"
#define KEELXS_WIRE_TYPES
#include "keelxs.h"

struct event {
	struct event *next;
	uint32_t len;
	char body[];
};

struct xs_handle {
	int fd;
	uint32_t req_id;
	struct event *ev_head, *ev_tail;
};

/* The kernel's proxy to its own store connection (libxenstore's
 * xs_domain_dev()). */
#define XENBUS_DEV "/dev/xen/xenbus"

/* A path naming a character device (the kernel's xenbus) is opened,
 * anything else connected to as a Unix socket.  fd or -1 with errno. */
static int open_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, e;

	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		return open(path, O_RDWR | O_CLOEXEC);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * As libxenstore's xs_open: $XENSTORED_PATH (socket or device), else the
 * daemon's socket, else (unless XS_OPEN_SOCKETONLY) /dev/xen/xenbus.
 */
struct xs_handle *xs_open(unsigned long flags)
{
	const char *env = getenv("XENSTORED_PATH");
	struct xs_handle *h = calloc(1, sizeof(*h));
	int e;

	if (!h)
		return NULL;
	if (env && *env) {
		h->fd = open_path(env);
	} else {
		h->fd = open_path("/run/xenstored/socket");
		if (h->fd < 0 && !(flags & XS_OPEN_SOCKETONLY)) {
			e = errno;
			h->fd = open_path(XENBUS_DEV);
			if (h->fd < 0)
				errno = e; /* the socket's error says more */
		}
	}
	if (h->fd < 0) {
		e = errno;
		free(h);
		errno = e;
		return NULL;
	}
	return h;
}

struct xs_handle *xs_daemon_open(void)
{
	return xs_open(0);
}

void xs_close(struct xs_handle *h)
{
	if (!h)
		return;
	while (h->ev_head) {
		struct event *e = h->ev_head;

		h->ev_head = e->next;
		free(e);
	}
	close(h->fd);
	free(h);
}

void xs_daemon_close(struct xs_handle *h)
{
	xs_close(h);
}

int xs_fileno(struct xs_handle *h)
{
	return h->fd;
}

static int read_all(int fd, void *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one message; the body is malloc'd and NUL-terminated. */
static char *read_msg(struct xs_handle *h, struct xsd_sockmsg *hdr)
{
	char *body;

	if (read_all(h->fd, hdr, sizeof(*hdr)) < 0)
		return NULL;
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		errno = EPROTO;
		return NULL;
	}
	body = malloc(hdr->len + 1);
	if (!body)
		return NULL;
	if (read_all(h->fd, body, hdr->len) < 0) {
		free(body);
		return NULL;
	}
	body[hdr->len] = '\0';
	return body;
}

static int queue_event(struct xs_handle *h, const char *body, uint32_t len)
{
	struct event *e = malloc(sizeof(*e) + len + 1);

	if (!e)
		return -1;
	e->next = NULL;
	e->len = len;
	memcpy(e->body, body, len + 1);
	if (h->ev_tail)
		h->ev_tail->next = e;
	else
		h->ev_head = e;
	h->ev_tail = e;
	return 0;
}

/* Send a request made of iov pieces; return the reply body or NULL. */
static char *talkv(struct xs_handle *h, xs_transaction_t t, uint32_t type,
		   const struct iovec *iov, unsigned int n, unsigned int *len)
{
	struct xsd_sockmsg req = { type, ++h->req_id, t, 0 }, rep;
	struct iovec v[8];
	size_t total = sizeof(req);

	if (n > 7) {
		errno = EINVAL;
		return NULL;
	}
	v[0] = (struct iovec){ &req, sizeof(req) };
	for (unsigned int i = 0; i < n; i++) {
		v[i + 1] = iov[i];
		req.len += (uint32_t)iov[i].iov_len;
	}
	if (req.len > XENSTORE_PAYLOAD_MAX) {
		errno = E2BIG;
		return NULL;
	}
	total += req.len;
	for (size_t done = 0; done < total;) {
		struct iovec w[8];
		unsigned int wn = 0;
		size_t skip = done;
		ssize_t r;

		for (unsigned int i = 0; i <= n; i++) {
			if (skip >= v[i].iov_len) {
				skip -= v[i].iov_len;
				continue;
			}
			w[wn].iov_base = (char *)v[i].iov_base + skip;
			w[wn++].iov_len = v[i].iov_len - skip;
			skip = 0;
		}
		r = writev(h->fd, w, (int)wn);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		done += (size_t)r;
	}
	for (;;) {
		char *body = read_msg(h, &rep);

		if (!body)
			return NULL;
		if (rep.type == XS_WATCH_EVENT) {
			queue_event(h, body, rep.len);
			free(body);
			continue;
		}
		if (rep.type == XS_ERROR) {
			int e = wire_errno_from_name(body, strnlen(body, rep.len));

			free(body);
			errno = e ? e : EIO;
			return NULL;
		}
		if (rep.req_id != req.req_id || rep.type != type) {
			free(body);
			errno = EPROTO;
			return NULL;
		}
		if (len)
			*len = rep.len;
		return body;
	}
}

static char *talk1(struct xs_handle *h, xs_transaction_t t, uint32_t type,
		   const char *arg, unsigned int *len)
{
	struct iovec v = { (void *)arg, strlen(arg) + 1 };

	return talkv(h, t, type, &v, 1, len);
}

static bool talk_ok(char *reply)
{
	free(reply);
	return reply != NULL;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
	      unsigned int *len)
{
	return talk1(h, t, XS_READ, path, len);
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const void *data, unsigned int len)
{
	struct iovec v[2] = { { (void *)path, strlen(path) + 1 },
			      { (void *)data, len } };

	return talk_ok(talkv(h, t, XS_WRITE, v, 2, NULL));
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return talk_ok(talk1(h, t, XS_MKDIR, path, NULL));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return talk_ok(talk1(h, t, XS_RM, path, NULL));
}

/* Turn n NUL-terminated strings into one block: pointers then text. */
static char **split_strings(const char *buf, unsigned int len,
			    unsigned int *num)
{
	unsigned int n = 0;
	char **v, *text;

	for (unsigned int i = 0; i < len; i++)
		n += buf[i] == '\0';
	v = malloc((n + 1) * sizeof(char *) + len + 1);
	if (!v)
		return NULL;
	text = (char *)(v + n + 1);
	memcpy(text, buf, len);
	text[len] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		v[i] = text;
		text += strlen(text) + 1;
	}
	v[n] = NULL;
	*num = n;
	return v;
}

/* The whole child list through DIRECTORY_PART (for > 4096 bytes). */
static char *directory_part(struct xs_handle *h, xs_transaction_t t,
			    const char *path, unsigned int *total)
{
	char *all = NULL, off[16];
	unsigned int used = 0;

	for (;;) {
		struct iovec v[2] = { { (void *)path, strlen(path) + 1 },
				      { off, 0 } };
		unsigned int len, gl;
		char *rep, *n;

		snprintf(off, sizeof(off), "%u", used);
		v[1].iov_len = strlen(off) + 1;
		rep = talkv(h, t, XS_DIRECTORY_PART, v, 2, &len);
		if (!rep) {
			free(all);
			return NULL;
		}
		gl = (unsigned int)strnlen(rep, len) + 1;
		n = gl <= len ? realloc(all, used + (len - gl) + 1) : NULL;
		if (!n) {
			free(rep);
			free(all);
			errno = gl <= len ? ENOMEM : EPROTO;
			return NULL;
		}
		all = n;
		memcpy(all + used, rep + gl, len - gl);
		used += len - gl;
		free(rep);
		/* An empty string (two NULs, or a lone one) ends the list. */
		if (used == 0 || (used >= 2 && !all[used - 1] && !all[used - 2]) ||
		    len - gl == 1) {
			*total = used ? used - 1 : 0;
			return all;
		}
	}
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t,
		    const char *path, unsigned int *num)
{
	unsigned int len;
	char *rep = talk1(h, t, XS_DIRECTORY, path, &len);
	char **v;

	if (!rep && errno == E2BIG)
		rep = directory_part(h, t, path, &len);
	if (!rep)
		return NULL;
	v = split_strings(rep, len, num);
	free(rep);
	return v;
}

bool xs_perm_to_string(const struct xs_permissions *perm, char *buf,
		       unsigned int len)
{
	static const char letter[4] = { 'n', 'r', 'w', 'b' };

	if (perm->perms & ~(XS_PERM_READ | XS_PERM_WRITE)) {
		errno = EINVAL;
		return false;
	}
	return snprintf(buf, len, "%c%u", letter[perm->perms & 3], perm->id) <
	       (int)len;
}

bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num,
			 const char *strings)
{
	const char *s = strings;

	for (unsigned int i = 0; i < num; i++, s += strlen(s) + 1) {
		char *end;
		unsigned long id;

		switch (*s) {
		case 'n': perms[i].perms = XS_PERM_NONE; break;
		case 'r': perms[i].perms = XS_PERM_READ; break;
		case 'w': perms[i].perms = XS_PERM_WRITE; break;
		case 'b': perms[i].perms = XS_PERM_READ | XS_PERM_WRITE; break;
		default: errno = EINVAL; return false;
		}
		id = strtoul(s + 1, &end, 10);
		if (end == s + 1 || *end || id > 0xffffffffUL) {
			errno = EINVAL;
			return false;
		}
		perms[i].id = (unsigned int)id;
	}
	return true;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h,
					  xs_transaction_t t, const char *path,
					  unsigned int *num)
{
	unsigned int len, n = 0;
	char *rep = talk1(h, t, XS_GET_PERMS, path, &len);
	struct xs_permissions *p;

	if (!rep)
		return NULL;
	for (unsigned int i = 0; i < len; i++)
		n += rep[i] == '\0';
	p = malloc((n ? n : 1) * sizeof(*p));
	if (p && !xs_strings_to_perms(p, n, rep)) {
		free(p);
		p = NULL;
	}
	free(rep);
	if (p)
		*num = n;
	return p;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t,
			const char *path, struct xs_permissions *perms,
			unsigned int num)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t used = 0;
	struct iovec v[2];

	for (unsigned int i = 0; i < num; i++) {
		if (sizeof(buf) - used < 16 ||
		    !xs_perm_to_string(&perms[i], buf + used, 16))
			return false;
		used += strlen(buf + used) + 1;
	}
	v[0] = (struct iovec){ (void *)path, strlen(path) + 1 };
	v[1] = (struct iovec){ buf, used };
	return talk_ok(talkv(h, t, XS_SET_PERMS, v, 2, NULL));
}

static bool path_token(struct xs_handle *h, uint32_t type, const char *path,
		       const char *token)
{
	struct iovec v[2] = { { (void *)path, strlen(path) + 1 },
			      { (void *)token, strlen(token) + 1 } };

	return talk_ok(talkv(h, XBT_NULL, type, v, 2, NULL));
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	return path_token(h, XS_WATCH, path, token);
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	return path_token(h, XS_UNWATCH, path, token);
}

static char **pop_event(struct xs_handle *h, unsigned int *num)
{
	struct event *e = h->ev_head;
	unsigned int n;
	char **v;

	h->ev_head = e->next;
	if (!h->ev_head)
		h->ev_tail = NULL;
	v = split_strings(e->body, e->len, &n);
	free(e);
	if (v && n < 2) {
		free(v);
		errno = EPROTO;
		return NULL;
	}
	if (v && num)
		*num = n;
	return v;
}

/* Read messages from the socket while any are ready (or block once). */
static int pump(struct xs_handle *h, bool block)
{
	struct pollfd p = { h->fd, POLLIN, 0 };
	struct xsd_sockmsg hdr;
	char *body;

	if (!block && poll(&p, 1, 0) <= 0)
		return 0;
	body = read_msg(h, &hdr);
	if (!body)
		return -1;
	if (hdr.type == XS_WATCH_EVENT)
		queue_event(h, body, hdr.len);
	free(body); /* a stray reply cannot happen: one request at a time */
	return 1;
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
	while (!h->ev_head)
		if (pump(h, true) < 0)
			return NULL;
	return pop_event(h, num);
}

char **xs_check_watch(struct xs_handle *h)
{
	while (!h->ev_head) {
		int r = pump(h, false);

		if (r < 0)
			return NULL;
		if (r == 0) {
			errno = EAGAIN;
			return NULL;
		}
	}
	return pop_event(h, NULL);
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	char *rep = talk1(h, XBT_NULL, XS_TRANSACTION_START, "", NULL);
	unsigned long id;

	if (!rep)
		return XBT_NULL;
	id = strtoul(rep, NULL, 10);
	free(rep);
	return (xs_transaction_t)id;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	return talk_ok(talk1(h, t, XS_TRANSACTION_END, abort ? "F" : "T",
			     NULL));
}

static char *talk_nums(struct xs_handle *h, uint32_t type, unsigned int n,
		       const unsigned long *nums)
{
	char buf[3][24];
	struct iovec v[3];

	for (unsigned int i = 0; i < n; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%lu", nums[i]);
		v[i] = (struct iovec){ buf[i], strlen(buf[i]) + 1 };
	}
	return talkv(h, XBT_NULL, type, v, n, NULL);
}

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid,
			 unsigned long mfn, unsigned int eventchn)
{
	unsigned long a[3] = { domid, mfn, eventchn };

	return talk_ok(talk_nums(h, XS_INTRODUCE, 3, a));
}

bool xs_release_domain(struct xs_handle *h, unsigned int domid)
{
	unsigned long a[1] = { domid };

	return talk_ok(talk_nums(h, XS_RELEASE, 1, a));
}

bool xs_resume_domain(struct xs_handle *h, unsigned int domid)
{
	unsigned long a[1] = { domid };

	return talk_ok(talk_nums(h, XS_RESUME, 1, a));
}

bool xs_set_target(struct xs_handle *h, unsigned int domid,
		   unsigned int target)
{
	unsigned long a[2] = { domid, target };

	return talk_ok(talk_nums(h, XS_SET_TARGET, 2, a));
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	unsigned long a[1] = { domid };
	char *rep = talk_nums(h, XS_IS_DOMAIN_INTRODUCED, 1, a);
	bool yes = rep && rep[0] == 'T';

	free(rep);
	return yes;
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
	unsigned long a[1] = { domid };

	return talk_nums(h, XS_GET_DOMAIN_PATH, 1, a);
}

bool xs_reset_watches(struct xs_handle *h)
{
	return talk_ok(talk1(h, XBT_NULL, XS_RESET_WATCHES, "", NULL));
}

char *xs_control_command(struct xs_handle *h, const char *cmd, void *data,
			 unsigned int len)
{
	struct iovec v[2] = { { (void *)cmd, strlen(cmd) + 1 }, { data, len } };

	return talkv(h, XBT_NULL, XS_CONTROL, v, data ? 2 : 1, NULL);
}
