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
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "daemon_fixture.h"
#include "keel_store.h"

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
	int rc;

	if (fixture_start("/tmp/xsd-store-XXXXXX") < 0)
		return 1;
	rc = cmocka_run_group_tests_name("keel_store", tests, NULL, NULL);
	fixture_stop();
	return rc;
}
