/*
 * dom0-tools' keel_store (lib/store_domain.c) against the real daemon:
 * its event loop in a thread on a Unix socket, domain 4's ring a page of
 * memory with eventfds (ring_host.c).  keel_store_introduce must leave
 * the TOOLSTACK-ABI.md 2.5 paths with their permissions and the domain
 * introduced, so that the guest, on its ring, reads its name and may
 * write only its own nodes; keel_store_release must remove them all and
 * release the domain.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "ring.h"
#include "xsd.h"
#include "keelxs.h"
#include "keel_store.h"

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

static void test_introduce_release(void **state)
{
	struct keel_store_domain d = {
		.domid = 4, .name = "guest4",
		.uuid = "01234567-89ab-cdef-0123-456789abcdef",
		.memory_kib = 131072, .vcpus = 2,
		.store_mfn = 0x1234, .store_port = 5,
		.console_mfn = 0x1235, .console_port = 6,
	};
	char err[256] = "", body[4200];
	struct xs_handle *h = xs_open(0);

	(void)state;
	assert_non_null(h);
	assert_int_equal(keel_store_introduce(h, &d, err, sizeof(err)), 0);
	assert_true(xs_is_domain_introduced(h, 4));
	assert_string_equal(rd(h, "/local/domain/4/name"), "guest4");
	assert_string_equal(rd(h, "/local/domain/4/domid"), "4");
	assert_string_equal(rd(h, "/local/domain/4/memory/target"), "131072");
	assert_string_equal(rd(h, "/local/domain/4/memory/static-max"), "131072");
	assert_string_equal(rd(h, "/local/domain/4/cpu/1/availability"), "online");
	assert_string_equal(rd(h, "/local/domain/4/store/ring-ref"), "4660");
	assert_string_equal(rd(h, "/local/domain/4/store/port"), "5");
	assert_string_equal(rd(h, "/local/domain/4/console/ring-ref"), "4661");
	assert_string_equal(rd(h, "/local/domain/4/console/port"), "6");
	assert_string_equal(rd(h, "/local/domain/4/console/type"), "xenconsoled");
	assert_string_equal(rd(h, "/local/domain/4/vm"),
			    "/vm/01234567-89ab-cdef-0123-456789abcdef");
	assert_string_equal(rd(h, "/vm/01234567-89ab-cdef-0123-456789abcdef/name"),
			    "guest4");
	assert_string_equal(rd(h, "/local/domain/0/backend/console/4/0/frontend"),
			    "/local/domain/4/console");
	assert_string_equal(rd(h, "/libxl/4/type"), "pv");
	/* Permissions: roperm, guest-owned, dom0-only (2.5). */
	assert_string_equal(perms_of(h, "/local/domain/4"), "n0,r4");
	assert_string_equal(perms_of(h, "/local/domain/4/name"), "n0,r4");
	assert_string_equal(perms_of(h, "/local/domain/4/control"), "n0,r4");
	assert_string_equal(perms_of(h, "/local/domain/4/control/shutdown"), "n4");
	assert_string_equal(perms_of(h, "/local/domain/4/data"), "n4");
	assert_string_equal(perms_of(h, "/local/domain/4/device/suspend/event-channel"),
			    "n4");
	assert_string_equal(perms_of(h, "/local/domain/0/backend/console/4/0"),
			    "n0,r4");
	assert_string_equal(perms_of(h, "/libxl/4"), "n0");

	/* The guest on its ring: reads its name (relative path), writes
	 * what it owns, not what is read-only to it, and sees no /libxl. */
	assert_int_equal(guest_talk(XS_READ, "name", 5, body, sizeof(body)),
			 XS_READ);
	assert_string_equal(body, "guest4");
	assert_int_equal(guest_talk(XS_WRITE, "control/feature-poweroff\0" "1",
				    26, body, sizeof(body)), XS_WRITE);
	assert_int_equal(guest_talk(XS_WRITE, "name\0" "evil", 9, body,
				    sizeof(body)), XS_ERROR);
	assert_string_equal(body, "EACCES");
	assert_int_equal(guest_talk(XS_READ, "/libxl/4/type", 14, body,
				    sizeof(body)), XS_ERROR);
	assert_string_equal(body, "EACCES");

	assert_int_equal(keel_store_release(h, 4, err, sizeof(err)), 0);
	assert_false(xs_is_domain_introduced(h, 4));
	assert_string_equal(rd(h, "/local/domain/4"), "(none)");
	assert_string_equal(rd(h, "/vm/01234567-89ab-cdef-0123-456789abcdef"),
			    "(none)");
	assert_string_equal(rd(h, "/local/domain/0/backend/console/4"), "(none)");
	assert_string_equal(rd(h, "/libxl/4"), "(none)");
	/* Again: nothing left to remove, the domain unknown: still 0. */
	assert_int_equal(keel_store_release(h, 4, err, sizeof(err)), 0);
	/* Bad arguments: one line naming the problem, no request sent. */
	d.domid = 0;
	assert_int_equal(keel_store_introduce(h, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "domid 0"));
	d.domid = 4;
	d.name = "";
	assert_int_equal(keel_store_introduce(h, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "name"));
	/* A ring the daemon cannot map: the store says EINVAL. */
	d.name = "guest4";
	d.store_mfn = 0x9999;
	assert_int_equal(keel_store_introduce(h, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "introduce domain 4"));
	xs_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_introduce_release),
	};
	char dir[] = "/tmp/xsd-store-XXXXXX", sock[64];
	pthread_t t;
	int rc;

	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	setenv("XENSTORED_PATH", sock, 1);
	xsd_log_stderr = true;
	to_daemon = eventfd(0, EFD_NONBLOCK);
	to_guest = eventfd(0, EFD_NONBLOCK);
	if (xsd_init(&x, NULL, false) < 0 || xsd_listen(&x, sock) < 0 ||
	    to_daemon < 0 || to_guest < 0 ||
	    ring_host_register(0x1234, 5, &page, to_daemon, to_guest) < 0)
		return 1;
	x.rings = &ring_host_backend;
	if (pthread_create(&t, NULL, daemon_thread, NULL))
		return 1;
	rc = cmocka_run_group_tests_name("keel_store", tests, NULL, NULL);
	stop_daemon = 1;
	pthread_join(t, NULL);
	xsd_fini(&x);
	unlink(sock);
	rmdir(dir);
	return rc;
}
