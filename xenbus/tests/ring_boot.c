/*
 * Ring-transport test: replays what Linux's xenbus frontend does at boot
 * (LINUX-PV-ABI.md E.1-E.3) against the daemon's shared-ring transport.
 *
 *  - the daemon runs in a thread (its real event loop, Unix socket and
 *    ring code); the ring page is a memfd mapped twice (the daemon's and
 *    the guest's view) and the event channel is a pair of eventfds;
 *  - the toolstack and the backends (blkback, netback) are dom0 clients
 *    using libkeelxs over the socket;
 *  - the frontend (domain 3) is a minimal xenbus client on the ring:
 *    its own req_ids, watches, and state switches done as Linux's
 *    xenbus_switch_state (TRANSACTION_START, READ, WRITE, END, retry on
 *    EAGAIN).
 * Prints "ring_boot: PASS" or the first failed check, and exits 0/1.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"
#include "xsd.h"
#include "keelxs.h"

#define D 3
#define FE "/local/domain/3"
#define VBD FE "/device/vbd/51712"
#define VIF FE "/device/vif/0"
#define BE_VBD "/local/domain/0/backend/vbd/3/51712"
#define BE_VIF "/local/domain/0/backend/vif/3/0"

static struct xsd x;
static volatile int stop_daemon;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ring_boot: FAIL: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
	_exit(1);
}

#define CHECK(c, ...) do { if (!(c)) die(__VA_ARGS__); } while (0)

static void *daemon_thread(void *arg)
{
	(void)arg;
	while (!stop_daemon)
		if (xsd_poll(&x, 50) < 0)
			die("xsd_poll failed");
	return NULL;
}

/* ---- the frontend: a guest's xenbus driver on the ring ---- */

struct fe_msg {
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

struct fe {
	struct xenstore_domain_interface *intf;
	int to_daemon, to_guest;
	uint32_t req_id;
	struct fe_msg events[64];
	int nr_events;
};

static void fe_notify(struct fe *f)
{
	uint64_t one = 1;

	CHECK(write(f->to_daemon, &one, 8) == 8, "eventfd write");
}

static void fe_wait(struct fe *f)
{
	struct pollfd p = { f->to_guest, POLLIN, 0 };
	uint64_t v;

	CHECK(poll(&p, 1, 10000) == 1, "no event from the daemon in 10 s");
	CHECK(read(f->to_guest, &v, 8) == 8, "eventfd read");
}

static void fe_put(struct fe *f, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = ring_write_req(f->intf, buf, len);

		CHECK(n >= 0, "request ring indexes broken");
		if (n) {
			fe_notify(f);
			buf = (const char *)buf + n;
			len -= (size_t)n;
		} else {
			fe_wait(f);
		}
	}
}

static void fe_get(struct fe *f, void *buf, size_t len)
{
	while (len) {
		ssize_t n = ring_read_rsp(f->intf, buf, len);

		CHECK(n >= 0, "response ring indexes broken");
		if (n) {
			fe_notify(f); /* Linux signals after consuming, too */
			buf = (char *)buf + n;
			len -= (size_t)n;
		} else {
			fe_wait(f);
		}
	}
}

static void fe_recv(struct fe *f, struct fe_msg *m)
{
	fe_get(f, &m->h, sizeof(m->h));
	CHECK(m->h.len <= XENSTORE_PAYLOAD_MAX, "reply too long");
	fe_get(f, m->body, m->h.len);
	m->body[m->h.len] = '\0';
}

/* One request; watch events seen meanwhile are queued.  Returns the
 * reply type (XS_ERROR with the name in m->body). */
static uint32_t fe_call(struct fe *f, uint32_t type, uint32_t tx,
			const void *payload, size_t len, struct fe_msg *m)
{
	struct xsd_sockmsg h = { type, ++f->req_id, tx, (uint32_t)len };

	fe_put(f, &h, sizeof(h));
	fe_put(f, payload, len);
	for (;;) {
		fe_recv(f, m);
		if (m->h.type != XS_WATCH_EVENT)
			break;
		CHECK(f->nr_events < 64, "too many queued events");
		f->events[f->nr_events++] = *m;
	}
	CHECK(m->h.req_id == h.req_id, "reply req_id %u, sent %u",
	      m->h.req_id, h.req_id);
	return m->h.type;
}

static uint32_t fe_s(struct fe *f, uint32_t type, uint32_t tx, const char *s,
		     struct fe_msg *m)
{
	return fe_call(f, type, tx, s, strlen(s) + 1, m);
}

static char *fe_read(struct fe *f, uint32_t tx, const char *path)
{
	static struct fe_msg m;

	return fe_s(f, XS_READ, tx, path, &m) == XS_READ ? m.body : NULL;
}

static uint32_t fe_write(struct fe *f, uint32_t tx, const char *path,
			 const char *value)
{
	char buf[512];
	struct fe_msg m;
	size_t pl = strlen(path) + 1;

	memcpy(buf, path, pl);
	memcpy(buf + pl, value, strlen(value));
	return fe_call(f, XS_WRITE, tx, buf, pl + strlen(value), &m);
}

static void fe_watch(struct fe *f, const char *path, const char *token)
{
	char buf[256];
	struct fe_msg m;
	size_t pl = strlen(path) + 1;

	memcpy(buf, path, pl);
	strcpy(buf + pl, token);
	CHECK(fe_call(f, XS_WATCH, 0, buf, pl + strlen(token) + 1, &m) ==
	      XS_WATCH, "WATCH %s: %s", path, m.body);
}

/* Wait for an event with this token; returns its path. */
static const char *fe_event(struct fe *f, const char *token)
{
	static struct fe_msg m;

	for (;;) {
		for (int i = 0; i < f->nr_events; i++) {
			const char *p = f->events[i].body;

			if (strcmp(p + strlen(p) + 1, token))
				continue;
			m = f->events[i];
			memmove(&f->events[i], &f->events[i + 1],
				(size_t)(f->nr_events - i - 1) * sizeof(m));
			f->nr_events--;
			return m.body;
		}
		fe_recv(f, &m);
		CHECK(m.h.type == XS_WATCH_EVENT, "unexpected message %u",
		      m.h.type);
		f->events[f->nr_events++] = m;
	}
}

/* xenbus_switch_state(): read then write state inside a transaction. */
static int fe_switch(struct fe *f, const char *dev, const char *state)
{
	char path[128];
	struct fe_msg m;
	int retries = 0;

	snprintf(path, sizeof(path), "%s/state", dev);
	for (;;) {
		uint32_t t;

		CHECK(fe_s(f, XS_TRANSACTION_START, 0, "", &m) ==
		      XS_TRANSACTION_START, "TRANSACTION_START: %s", m.body);
		t = (uint32_t)atoi(m.body);
		CHECK(fe_read(f, t, path), "read %s in txn", path);
		CHECK(fe_write(f, t, path, state) == XS_WRITE, "write %s", path);
		if (fe_s(f, XS_TRANSACTION_END, t, "T", &m) ==
		    XS_TRANSACTION_END)
			return retries;
		CHECK(!strcmp(m.body, "EAGAIN"), "TRANSACTION_END: %s", m.body);
		retries++;
	}
}

/* Wait until <be>/state reads `want' (events on token). */
static void fe_wait_state(struct fe *f, const char *token, const char *be,
			  const char *want)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state", be);
	for (;;) {
		const char *s = fe_read(f, 0, path);

		if (s && !strcmp(s, want))
			return;
		fe_event(f, token);
	}
}

static struct fe fe;

static void *frontend(void *arg)
{
	struct fe *f = &fe;
	struct fe_msg m;
	const char *be;
	uint32_t t;

	(void)arg;
	/* E.2: directory of device, per type, watch device. */
	CHECK(fe_s(f, XS_DIRECTORY, 0, "device", &m) == XS_DIRECTORY &&
	      m.h.len == 8 && !memcmp(m.body, "vbd\0vif\0", 8),
	      "DIRECTORY device: %s", m.body);
	CHECK(fe_s(f, XS_DIRECTORY, 0, "device/vbd", &m) == XS_DIRECTORY &&
	      !strcmp(m.body, "51712"), "DIRECTORY device/vbd");
	fe_watch(f, "device", "dev");
	CHECK(!strcmp(fe_event(f, "dev"), "device"), "immediate event");
	/* Probe: state must be 1, gather backend details. */
	CHECK(!strcmp(fe_read(f, 0, "device/vbd/51712/state"), "1"), "state");
	CHECK(!strcmp(fe_read(f, 0, "device/vbd/51712/backend-id"), "0"),
	      "backend-id");
	be = fe_read(f, 0, "device/vbd/51712/backend");
	CHECK(be && !strcmp(be, BE_VBD), "backend path");
	CHECK(fe_s(f, XS_DIRECTORY, 0, BE_VBD, &m) == XS_DIRECTORY,
	      "frontend cannot list its backend: %s", m.body);
	fe_watch(f, BE_VBD "/state", "vbd-be");
	CHECK(!strcmp(fe_event(f, "vbd-be"), BE_VBD "/state"), "be event");
	fe_watch(f, BE_VIF "/state", "vif-be");
	fe_event(f, "vif-be");
	/* manage.c and the balloon driver. */
	fe_watch(f, "control/shutdown", "shutdown");
	fe_event(f, "shutdown");
	CHECK(fe_write(f, 0, "control/feature-poweroff", "1") == XS_WRITE,
	      "feature-poweroff");
	fe_watch(f, "memory/target", "balloon");
	fe_event(f, "balloon");

	/* blkfront: on backend InitWait, write the ring details in one
	 * transaction and switch to Initialised. */
	fe_wait_state(f, "vbd-be", BE_VBD, "2");
	CHECK(!fe_read(f, 0, "device/vbd/51712/trusted"), "trusted absent");
	CHECK(!strcmp(fe_read(f, 0, BE_VBD "/max-ring-page-order"), "4"),
	      "max-ring-page-order");
	for (;;) {
		CHECK(fe_s(f, XS_TRANSACTION_START, 0, "", &m) ==
		      XS_TRANSACTION_START, "txn");
		t = (uint32_t)atoi(m.body);
		fe_write(f, t, "device/vbd/51712/ring-ref", "8");
		fe_write(f, t, "device/vbd/51712/event-channel", "9");
		fe_write(f, t, "device/vbd/51712/protocol", "x86_64-abi");
		fe_write(f, t, "device/vbd/51712/feature-persistent", "1");
		if (fe_s(f, XS_TRANSACTION_END, t, "T", &m) ==
		    XS_TRANSACTION_END)
			break;
		CHECK(!strcmp(m.body, "EAGAIN"), "txn end: %s", m.body);
	}
	fe_switch(f, "device/vbd/51712", "3");
	fe_wait_state(f, "vbd-be", BE_VBD, "4");
	CHECK(!strcmp(fe_read(f, 0, BE_VBD "/sectors"), "2097152"), "sectors");
	CHECK(!strcmp(fe_read(f, 0, BE_VBD "/sector-size"), "512"), "sector");
	fe_switch(f, "device/vbd/51712", "4");

	/* netfront: requires feature-rx-copy, goes straight to Connected. */
	fe_wait_state(f, "vif-be", BE_VIF, "2");
	CHECK(!strcmp(fe_read(f, 0, BE_VIF "/feature-rx-copy"), "1"),
	      "feature-rx-copy");
	CHECK(!strcmp(fe_read(f, 0, "device/vif/0/mac"), "00:16:3e:00:00:03"),
	      "mac");
	CHECK(fe_s(f, XS_TRANSACTION_START, 0, "", &m) == XS_TRANSACTION_START,
	      "txn");
	t = (uint32_t)atoi(m.body);
	fe_write(f, t, "device/vif/0/tx-ring-ref", "10");
	fe_write(f, t, "device/vif/0/rx-ring-ref", "11");
	fe_write(f, t, "device/vif/0/event-channel", "12");
	fe_write(f, t, "device/vif/0/request-rx-copy", "1");
	fe_write(f, t, "device/vif/0/feature-rx-notify", "1");
	fe_write(f, t, "device/vif/0/feature-sg", "1");
	CHECK(fe_s(f, XS_TRANSACTION_END, t, "T", &m) == XS_TRANSACTION_END,
	      "vif txn: %s", m.body);
	fe_switch(f, "device/vif/0", "4");
	fe_wait_state(f, "vif-be", BE_VIF, "4");

	/* A conflicting transaction over the ring fails with EAGAIN. */
	CHECK(fe_s(f, XS_TRANSACTION_START, 0, "", &m) == XS_TRANSACTION_START,
	      "txn");
	t = (uint32_t)atoi(m.body);
	fe_read(f, t, "device/vbd/51712/state");
	fe_write(f, t, "device/vbd/51712/state", "5");
	fe_write(f, 0, "device/vbd/51712/state", "4");
	CHECK(fe_s(f, XS_TRANSACTION_END, t, "T", &m) == XS_ERROR &&
	      !strcmp(m.body, "EAGAIN"), "conflict not detected: %s", m.body);
	/* The guest may not touch dom0's nodes. */
	CHECK(fe_write(f, 0, BE_VBD "/state", "6") == XS_ERROR, "be writable");
	CHECK(fe_write(f, 0, "/local/domain/0/x", "6") == XS_ERROR,
	      "dom0 writable");
	/* The toolstack asks for shutdown. */
	CHECK(!strcmp(fe_event(f, "shutdown"), "control/shutdown"), "shutdown");
	CHECK(!strcmp(fe_read(f, 0, "control/shutdown"), "poweroff"), "reason");
	return NULL;
}

/* ---- dom0 side: toolstack and backends over the socket ---- */

static void w(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const char *v)
{
	CHECK(xs_write(h, t, path, v, (unsigned int)strlen(v)),
	      "dom0 write %s: %s", path, strerror(errno));
}

static void perms(struct xs_handle *h, const char *path, unsigned int owner,
		  unsigned int reader)
{
	struct xs_permissions p[2] = { { owner, XS_PERM_NONE },
				       { reader, XS_PERM_READ } };

	CHECK(xs_set_permissions(h, XBT_NULL, path, p, reader ? 2 : 1),
	      "set perms %s", path);
}

/* libxl's part: the frontend and backend directories of E.3. */
static void toolstack(struct xs_handle *h)
{
	w(h, 0, FE, "");
	perms(h, FE, 0, D);
	w(h, 0, FE "/device", "");
	perms(h, FE "/device", D, 0);
	/* Directories get their perms first: children inherit them. */
	w(h, 0, VBD, "");
	perms(h, VBD, D, 0);
	w(h, 0, VIF, "");
	perms(h, VIF, D, 0);
	w(h, 0, BE_VBD, "");
	perms(h, BE_VBD, 0, D);
	w(h, 0, BE_VIF, "");
	perms(h, BE_VIF, 0, D);
	w(h, 0, VBD "/backend", BE_VBD);
	w(h, 0, VBD "/backend-id", "0");
	w(h, 0, VBD "/state", "1");
	w(h, 0, VBD "/virtual-device", "51712");
	w(h, 0, VBD "/device-type", "disk");
	w(h, 0, VIF "/backend", BE_VIF);
	w(h, 0, VIF "/backend-id", "0");
	w(h, 0, VIF "/state", "1");
	w(h, 0, VIF "/handle", "0");
	w(h, 0, VIF "/mac", "00:16:3e:00:00:03");
	w(h, 0, FE "/control", "");
	perms(h, FE "/control", D, 0);
	w(h, 0, FE "/memory/target", "524288");
	w(h, 0, BE_VBD "/frontend", VBD);
	w(h, 0, BE_VBD "/frontend-id", "3");
	w(h, 0, BE_VBD "/online", "1");
	w(h, 0, BE_VBD "/state", "1");
	w(h, 0, BE_VBD "/params", "/dev/loop0");
	w(h, 0, BE_VBD "/mode", "w");
	w(h, 0, BE_VIF "/frontend", VIF);
	w(h, 0, BE_VIF "/frontend-id", "3");
	w(h, 0, BE_VIF "/online", "1");
	w(h, 0, BE_VIF "/state", "1");
}

static void be_switch(struct xs_handle *h, const char *be, const char *state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/state", be);
	for (;;) {
		xs_transaction_t t = xs_transaction_start(h);
		unsigned int len;

		CHECK(t != XBT_NULL, "backend txn start");
		free(xs_read(h, t, path, &len));
		w(h, t, path, state);
		if (xs_transaction_end(h, t, false))
			return;
		CHECK(errno == EAGAIN, "backend txn end: %s", strerror(errno));
	}
}

/* Wait until path reads want, using watch events on h. */
static void be_wait(struct xs_handle *h, const char *path, const char *want)
{
	for (;;) {
		unsigned int len, n;
		char *v = xs_read(h, XBT_NULL, path, &len), **ev;
		bool done = v && !strcmp(v, want);

		free(v);
		if (done)
			return;
		ev = xs_read_watch(h, &n);
		CHECK(ev, "backend read_watch: %s", strerror(errno));
		free(ev);
	}
}

static void backends(struct xs_handle *h)
{
	unsigned int len;
	char *v;

	CHECK(xs_watch(h, VBD "/state", "fe-vbd"), "watch fe vbd");
	CHECK(xs_watch(h, VIF "/state", "fe-vif"), "watch fe vif");
	/* blkback probe: features, then InitWait. */
	w(h, 0, BE_VBD "/physical-device", "7:0");
	w(h, 0, BE_VBD "/feature-flush-cache", "1");
	w(h, 0, BE_VBD "/max-ring-page-order", "4");
	w(h, 0, BE_VBD "/multi-queue-max-queues", "1");
	be_switch(h, BE_VBD, "2");
	/* netback probe. */
	w(h, 0, BE_VIF "/feature-sg", "1");
	w(h, 0, BE_VIF "/feature-rx-copy", "1");
	w(h, 0, BE_VIF "/feature-rx-flip", "0");
	w(h, 0, BE_VIF "/multi-queue-max-queues", "1");
	be_switch(h, BE_VIF, "2");
	/* blkback: frontend Initialised -> read rings, Connected. */
	be_wait(h, VBD "/state", "3");
	v = xs_read(h, XBT_NULL, VBD "/ring-ref", &len);
	CHECK(v && !strcmp(v, "8"), "ring-ref");
	free(v);
	v = xs_read(h, XBT_NULL, VBD "/protocol", &len);
	CHECK(v && !strcmp(v, "x86_64-abi"), "protocol");
	free(v);
	w(h, 0, BE_VBD "/sectors", "2097152");
	w(h, 0, BE_VBD "/info", "0");
	w(h, 0, BE_VBD "/sector-size", "512");
	be_switch(h, BE_VBD, "4");
	be_wait(h, VBD "/state", "4");
	/* netback: frontend Connected + hotplug-status -> Connected. */
	be_wait(h, VIF "/state", "4");
	v = xs_read(h, XBT_NULL, VIF "/request-rx-copy", &len);
	CHECK(v && !strcmp(v, "1"), "request-rx-copy");
	free(v);
	w(h, 0, BE_VIF "/hotplug-status", "connected");
	be_switch(h, BE_VIF, "4");
}

int main(void)
{
	char dir[] = "/tmp/ring_boot-XXXXXX", sock[64];
	struct xenstore_domain_interface *dview, *gview;
	struct xs_handle *h;
	pthread_t dt, ft;
	int mfd, to_daemon, to_guest;
	unsigned int n;
	char **ev;

	alarm(60);
	xsd_verbose = getenv("RING_BOOT_VERBOSE") != NULL;
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(sock, sizeof(sock), "%s/socket", dir);
	setenv("XENSTORED_PATH", sock, 1);
	CHECK(xsd_init(&x, NULL, false) == 0, "xsd_init");
	x.rings = &ring_host_backend;
	CHECK(xsd_listen(&x, sock) == 0, "listen");
	/* The shared page: one memfd, a daemon view and a guest view. */
	mfd = memfd_create("xenstore-ring", 0);
	CHECK(mfd >= 0 && ftruncate(mfd, 4096) == 0, "memfd");
	dview = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	gview = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CHECK(dview != MAP_FAILED && gview != MAP_FAILED, "mmap");
	to_daemon = eventfd(0, EFD_NONBLOCK);
	to_guest = eventfd(0, 0);
	CHECK(to_daemon >= 0 && to_guest >= 0, "eventfd");
	CHECK(ring_host_register(0xabcde, 7, dview, to_daemon, to_guest) == 0,
	      "register");
	fe = (struct fe){ .intf = gview, .to_daemon = to_daemon,
			  .to_guest = to_guest };
	CHECK(pthread_create(&dt, NULL, daemon_thread, NULL) == 0, "thread");

	h = xs_open(0);
	CHECK(h, "xs_open: %s", strerror(errno));
	CHECK(xs_watch(h, "@introduceDomain", "intro"), "watch intro");
	CHECK(xs_watch(h, "@releaseDomain", "release"), "watch release");
	free(xs_read_watch(h, &n));
	free(xs_read_watch(h, &n));
	toolstack(h);
	CHECK(xs_introduce_domain(h, D, 0xabcde, 7), "introduce: %s",
	      strerror(errno));
	ev = xs_read_watch(h, &n);
	CHECK(ev && !strcmp(ev[XS_WATCH_TOKEN], "intro"), "@introduceDomain");
	free(ev);
	CHECK(xs_is_domain_introduced(h, D), "introduced");
	CHECK(pthread_create(&ft, NULL, frontend, NULL) == 0, "thread");
	backends(h);
	w(h, 0, FE "/control/shutdown", "poweroff");
	pthread_join(ft, NULL);
	CHECK(xs_release_domain(h, D), "release");
	for (;;) {
		ev = xs_read_watch(h, &n);
		CHECK(ev, "read_watch");
		if (!strcmp(ev[XS_WATCH_TOKEN], "release"))
			break;
		free(ev);
	}
	free(ev);
	CHECK(!xs_is_domain_introduced(h, D), "still introduced");
	/* A guest sending an oversized header loses its connection only. */
	memset(gview, 0, sizeof(*gview));
	CHECK(xs_introduce_domain(h, D, 0xabcde, 7), "re-introduce");
	{
		struct xsd_sockmsg bad = { XS_READ, 1, 0, 5000 };

		CHECK(ring_write_req(gview, &bad, sizeof(bad)) == sizeof(bad),
		      "ring write");
		fe_notify(&fe);
	}
	usleep(200 * 1000);
	CHECK(gview->rsp_prod == 0, "daemon answered a malformed message");
	CHECK(xs_write(h, XBT_NULL, "/still", "alive", 5), "daemon died");
	xs_close(h);
	stop_daemon = 1;
	pthread_join(dt, NULL);
	xsd_fini(&x);
	unlink(sock);
	rmdir(dir);
	printf("ring_boot: PASS\n");
	return 0;
}
