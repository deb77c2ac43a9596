/*
 * xs_raw: replay a scripted session of raw xenstore messages on the
 * socket at $XENSTORED_PATH and print each reply, so that two daemons
 * can be compared byte for byte.  Script lines (stdin):
 *   TYPE[@T] PAYLOAD     TYPE a name (READ, WRITE...) or a number;
 *                        @T sends in the last started transaction,
 *                        @T1, @T2... in the first, second... one;
 *                        PAYLOAD with \0 for NUL, \xNN escapes and
 *                        \{N}c for N copies of the character c.
 *   # comment
 *   !introduce D PORT    (with $XS_RAW_DIR) make DIR/ring-D a zeroed ring
 *                        page and send INTRODUCE D D PORT on the socket
 *   !introduce-other D PORT  the same, keeping the current guest
 *   !sleep MS            let a daemon finish deferred work (Xen deletes a
 *                        released domain's nodes after replying)
 *   guest TYPE[@T] ...   send on the last introduced domain's ring; it is
 *                        notified through DIR/evtchn-PORT (keel-xenstored
 *                        --host-rings) or DIR/evtchn (tests/xenshim), and
 *                        its replies are polled for
 * Output: "> line" then "TYPE payload" per reply ("EVENT ..." for watch
 * events met before it).  TRANSACTION_START replies print as <id>;
 * DIRECTORY_PART replies print without the generation count.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "wire.h"

static int fd;
static uint32_t req_id;

/* A channel: the dom0 socket or a guest's ring. */
struct chan {
	int (*put)(const void *buf, size_t len);
	int (*get)(void *buf, size_t len);
	uint32_t tx;
	uint32_t started[16];
	unsigned int nr_started;
};

static int sock_get(void *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

static int sock_put(const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

static struct xenstore_domain_interface *gpage;
static unsigned int gport;
static const char *ring_dir;

static void guest_notify(void)
{
	char path[4096];
	int f;

	snprintf(path, sizeof(path), "%s/evtchn-%u", ring_dir, gport);
	f = open(path, O_WRONLY | O_NONBLOCK);
	if (f >= 0) {
		if (write(f, "!", 1) != 1)
			perror("xs_raw: notify");
	} else {
		snprintf(path, sizeof(path), "%s/evtchn", ring_dir);
		f = open(path, O_WRONLY | O_NONBLOCK);
		if (f < 0 || write(f, &gport, 4) != 4)
			perror("xs_raw: notify");
	}
	if (f >= 0)
		close(f);
}

/* Move bytes through the ring, polling, for at most 5 s. */
static int guest_io(void *buf, size_t len, bool out)
{
	struct timespec ts = { 0, 200000 };
	long waited = 0;

	while (len) {
		ssize_t n = out ? ring_write_req(gpage, buf, len)
				: ring_read_rsp(gpage, buf, len);

		if (n < 0)
			return -1;
		if (n > 0) {
			buf = (char *)buf + n;
			len -= (size_t)n;
			guest_notify();
			continue;
		}
		if (++waited > 25000)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int guest_put(const void *buf, size_t len)
{
	return guest_io((void *)buf, len, true);
}

static int guest_get(void *buf, size_t len)
{
	return guest_io(buf, len, false);
}

static struct chan sock_chan = { .put = sock_put, .get = sock_get };
static struct chan guest_chan = { .put = guest_put, .get = guest_get };

static void print_bytes(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0)
			fputs("\\0", stdout);
		else if (c < 32 || c > 126 || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static uint32_t type_of(const char *name)
{
	char *end;
	unsigned long v = strtoul(name, &end, 10);

	if (*end == '\0')
		return (uint32_t)v;
	for (uint32_t t = 0; t < XS_TYPE_COUNT; t++)
		if (!strcmp(wire_type_name(t), name))
			return t;
	fprintf(stderr, "xs_raw: unknown type %s\n", name);
	exit(2);
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in && n < XENSTORE_PAYLOAD_MAX) {
		if (in[0] == '\\' && in[1] == '0') {
			out[n++] = '\0';
			in += 2;
		} else if (in[0] == '\\' && in[1] == '{') {
			/* \{N}c: N copies of c (long paths at the limits) */
			char *end;
			unsigned long k = strtoul(in + 2, &end, 10);

			if (*end != '}' || !end[1])
				break;
			for (; k && n < XENSTORE_PAYLOAD_MAX; k--)
				out[n++] = end[1];
			in = end + 2;
		} else if (in[0] == '\\' && in[1] == 'x' && in[2] && in[3]) {
			char hex[3] = { in[2], in[3], 0 };

			out[n++] = (char)strtoul(hex, NULL, 16);
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	return n;
}

static int transact(struct chan *ch, uint32_t type, uint32_t tx,
		    const char *p, size_t len)
{
	struct xsd_sockmsg h = { type, ++req_id, tx, (uint32_t)len }, r;
	char body[XENSTORE_PAYLOAD_MAX + 1];

	if (ch->put(&h, sizeof(h)) < 0 || (len && ch->put(p, len) < 0))
		return -1;
	for (;;) {
		if (ch->get(&r, sizeof(r)) < 0 || r.len > XENSTORE_PAYLOAD_MAX ||
		    ch->get(body, r.len) < 0) {
			printf("CLOSED\n");
			return -1;
		}
		body[r.len] = '\0';
		if (r.type == XS_WATCH_EVENT) {
			fputs("EVENT ", stdout);
			print_bytes(body, r.len);
			putchar('\n');
			continue;
		}
		printf("%s ", wire_type_name(r.type));
		if (r.type == XS_TRANSACTION_START) {
			ch->tx = (uint32_t)strtoul(body, NULL, 10);
			if (ch->nr_started < 16)
				ch->started[ch->nr_started++] = ch->tx;
			fputs("<id>", stdout);
		} else if (r.type == XS_DIRECTORY_PART) {
			size_t g = strnlen(body, r.len) + 1;

			fputs("<gen>\\0", stdout);
			print_bytes(body + g, r.len > g ? r.len - g : 0);
		} else {
			print_bytes(body, r.len);
		}
		putchar('\n');
		if (r.req_id != h.req_id)
			printf("(req_id %u, sent %u)\n", r.req_id, h.req_id);
		return 0;
	}
}

/* !introduce D PORT: a zeroed ring file, then INTRODUCE on the socket. */
static int introduce(const char *args, bool switch_guest)
{
	unsigned int domid, port;
	struct xenstore_domain_interface *page;
	char path[4096], payload[64];
	int f, n;

	if (!ring_dir || sscanf(args, "%u %u", &domid, &port) != 2)
		return -1;
	snprintf(path, sizeof(path), "%s/ring-%u", ring_dir, domid);
	f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0 || ftruncate(f, 4096) < 0)
		return -1;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	close(f);
	if (page == MAP_FAILED)
		return -1;
	if (switch_guest) {
		gpage = page;
		gport = port;
		guest_chan.tx = 0;
		guest_chan.nr_started = 0;
	}
	n = snprintf(payload, sizeof(payload), "%u%c%u%c%u", domid, 0, domid,
		     0, port) + 1;
	return transact(&sock_chan, XS_INTRODUCE, 0, payload, (size_t)n);
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("XENSTORED_PATH");
	char line[8192], payload[XENSTORE_PAYLOAD_MAX + 1];

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("xs_raw: connect");
		return 2;
	}
	ring_dir = getenv("XS_RAW_DIR");
	while (fgets(line, sizeof(line), stdin)) {
		struct chan *ch = &sock_chan;
		char *sp, *at, *cmd = line;
		uint32_t tx = 0;
		size_t len = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		printf("> %s\n", line);
		if (!strncmp(line, "!sleep ", 7)) {
			long ms = atol(line + 7);
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (!strncmp(line, "!introduce-other ", 17)) {
			if (introduce(line + 17, false) < 0) {
				printf("xs_raw: introduce failed\n");
				break;
			}
			continue;
		}
		if (!strncmp(line, "!introduce ", 11)) {
			if (introduce(line + 11, true) < 0) {
				printf("xs_raw: introduce failed\n");
				break;
			}
			continue;
		}
		if (!strncmp(line, "guest ", 6)) {
			if (!gpage) {
				printf("xs_raw: no guest introduced\n");
				break;
			}
			ch = &guest_chan;
			cmd = line + 6;
		}
		sp = strchr(cmd, ' ');
		if (sp) {
			*sp = '\0';
			len = unescape(sp + 1, payload);
		}
		at = strchr(cmd, '@');
		if (at) {
			unsigned int n = (unsigned int)atoi(at + 2);

			*at = '\0';
			tx = ch->tx;
			if (n >= 1 && n <= ch->nr_started)
				tx = ch->started[n - 1];
		}
		if (transact(ch, type_of(cmd), tx, payload, len) < 0)
			break;
	}
	fflush(stdout);
	return 0;
}
