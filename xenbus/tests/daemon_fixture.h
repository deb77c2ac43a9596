/*
 * The store daemon as the dom0-tools store tests use it
 * (test_store_domain, test_xsdev): its event loop in a thread on a Unix
 * socket under a fresh /tmp directory ($XENSTORED_PATH points there, so
 * libkeelxs clients find it), and domain 4's ring a page of memory with
 * eventfds (ring_host.c) for a test to play the guest with guest_talk.
 * Include once, in a test's .c file, after cmocka.h.
 */
#ifndef XENBUS_TESTS_DAEMON_FIXTURE_H
#define XENBUS_TESTS_DAEMON_FIXTURE_H
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ring.h"
#include "xsd.h"
#include "keelxs.h"

static struct xsd x;
static volatile int stop_daemon;
static struct xenstore_domain_interface page;
static int to_daemon, to_guest;

static void *daemon_thread(void *arg)
{
	(void)arg;
	while (!stop_daemon)
		if (xsd_poll(&x, 20) < 0)
			return NULL;
	return NULL;
}

/* The guest: one request on its ring, its reply's type and body. */
static uint32_t guest_talk(uint32_t type, const char *payload, size_t len,
			   char *body, size_t max)
{
	struct xsd_sockmsg h = { type, 1, 0, (uint32_t)len }, r;
	char buf[sizeof(h) + 256];
	size_t got = 0, need = sizeof(r);
	uint64_t one = 1;
	char in[sizeof(r) + 4096];

	assert_true(len <= 256);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	assert_int_equal(ring_write_req(&page, buf, sizeof(h) + len),
			 (ssize_t)(sizeof(h) + len));
	assert_int_equal(write(to_daemon, &one, sizeof(one)), sizeof(one));
	for (int tries = 0; got < need && tries < 500; tries++) {
		struct pollfd p = { to_guest, POLLIN, 0 };
		ssize_t n;

		poll(&p, 1, 10);
		if (p.revents && read(to_guest, &one, sizeof(one)) < 0)
			break;
		n = ring_read_rsp(&page, in + got, sizeof(in) - got);
		assert_true(n >= 0);
		got += (size_t)n;
		if (got >= sizeof(r)) {
			memcpy(&r, in, sizeof(r));
			need = sizeof(r) + r.len;
		}
	}
	assert_true(got >= need);
	assert_true(r.len < max);
	memcpy(body, in + sizeof(r), r.len);
	body[r.len] = '\0';
	return r.type;
}

static char *perms_of(struct xs_handle *h, const char *path)
{
	static char out[128];
	unsigned int n;
	struct xs_permissions *p = xs_get_permissions(h, XBT_NULL, path, &n);
	size_t off = 0;

	if (!p)
		return strcpy(out, "?");
	out[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		char s[16];

		assert_true(xs_perm_to_string(&p[i], s, sizeof(s)));
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
					i ? "," : "", s);
	}
	free(p);
	return out;
}

static char *rd(struct xs_handle *h, const char *path)
{
	static char out[256];
	unsigned int len;
	char *v = xs_read(h, XBT_NULL, path, &len);

	if (!v)
		return strcpy(out, "(none)");
	snprintf(out, sizeof(out), "%s", v);
	free(v);
	return out;
}

static char fixture_dir[64], fixture_sock[96];
static pthread_t fixture_thread;

/* Start the daemon (tmpl: a mkdtemp template such as
 * "/tmp/xsd-store-XXXXXX"), with the guest's ring page for mfn 0x1234,
 * port 5: 0, or -1 if any of it failed. */
static int fixture_start(const char *tmpl)
{
	snprintf(fixture_dir, sizeof(fixture_dir), "%s", tmpl);
	if (!mkdtemp(fixture_dir))
		return -1;
	snprintf(fixture_sock, sizeof(fixture_sock), "%s/sock", fixture_dir);
	setenv("XENSTORED_PATH", fixture_sock, 1);
	xsd_log_stderr = true;
	to_daemon = eventfd(0, EFD_NONBLOCK);
	to_guest = eventfd(0, EFD_NONBLOCK);
	if (xsd_init(&x, NULL, false) < 0 || xsd_listen(&x, fixture_sock) < 0 ||
	    to_daemon < 0 || to_guest < 0 ||
	    ring_host_register(0x1234, 5, &page, to_daemon, to_guest) < 0)
		return -1;
	x.rings = &ring_host_backend;
	return pthread_create(&fixture_thread, NULL, daemon_thread, NULL) ? -1 : 0;
}

static void fixture_stop(void)
{
	stop_daemon = 1;
	pthread_join(fixture_thread, NULL);
	xsd_fini(&x);
	unlink(fixture_sock);
	rmdir(fixture_dir);
}
#endif
