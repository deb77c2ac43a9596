/*
 * dom0-tools' keel_xsdev (lib/xsdev.c) against the real daemon, as
 * test_store_domain: the device directories with libxl's permissions in
 * one transaction, the guest (domain 4, on its ring) writing its own
 * frontend keys but not the backend's, the wait for a backend state
 * (with a fake backend thread playing blkback's part), removal with and
 * without a backend that closes, and the listing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#include "daemon_fixture.h"
#include "keel_xsdev.h"

/* A fake blkback: InitWait on state 1, Closed on state 5 (if answer). */
static volatile int backend_stop, backend_answers = 1;
static const char *backend_state_path;

static void *backend_thread(void *arg)
{
	struct xs_handle *h = xs_open(0);

	(void)arg;
	while (!backend_stop) {
		unsigned int len;
		char *v = xs_read(h, XBT_NULL, backend_state_path, &len);

		if (v && !strcmp(v, "1"))
			xs_write(h, XBT_NULL, backend_state_path, "2", 1);
		else if (v && !strcmp(v, "5") && backend_answers)
			xs_write(h, XBT_NULL, backend_state_path, "6", 1);
		free(v);
		usleep(5000);
	}
	xs_close(h);
	return NULL;
}

static const struct keel_xsdev_id vbd = { "vbd", 4, 0, 51712 };
#define FE "/local/domain/4/device/vbd/51712"
#define BE "/local/domain/0/backend/vbd/4/51712"

static void add_vbd(struct xs_handle *h, const struct keel_xsdev_id *id)
{
	const struct keel_xsdev_kv fe[] = {
		{ "virtual-device", "51712" }, { "device-type", "disk" },
	};
	const struct keel_xsdev_kv be[] = {
		{ "params", "/img" }, { "type", "phy" }, { "mode", "w" },
		{ "dev", "xvda" },
	};
	char err[256] = "";

	assert_int_equal(keel_xsdev_add(h, id, fe, 2, be, 4, err, sizeof(err)), 0);
}

static void test_add_perms(void **state)
{
	struct xs_handle *h = xs_open(0);
	char err[256] = "", body[4200];
	uint32_t ids[4];

	(void)state;
	assert_non_null(h);
	/* The domain's own dir, as keel_store_introduce leaves it. */
	assert_true(xs_write(h, XBT_NULL, "/local/domain/4", "", 0));
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { 4, XS_PERM_READ } };
	assert_true(xs_set_permissions(h, XBT_NULL, "/local/domain/4", ro, 2));
	assert_true(xs_write(h, XBT_NULL, "/local/domain/4/device", "", 0));
	assert_true(xs_set_permissions(h, XBT_NULL, "/local/domain/4/device", ro, 2));
	/* A stale frontend dir from an earlier life is replaced. */
	assert_true(xs_write(h, XBT_NULL, FE "/ring-ref", "99", 2));

	add_vbd(h, &vbd);
	assert_string_equal(rd(h, FE "/backend"), BE);
	assert_string_equal(rd(h, FE "/backend-id"), "0");
	assert_string_equal(rd(h, FE "/state"), "1");
	assert_string_equal(rd(h, FE "/virtual-device"), "51712");
	assert_string_equal(rd(h, FE "/ring-ref"), "(none)");
	assert_string_equal(rd(h, BE "/frontend"), FE);
	assert_string_equal(rd(h, BE "/frontend-id"), "4");
	assert_string_equal(rd(h, BE "/online"), "1");
	assert_string_equal(rd(h, BE "/state"), "1");
	assert_string_equal(rd(h, BE "/dev"), "xvda");
	assert_string_equal(rd(h, "/libxl/4/device/vbd/51712/backend"), BE);
	assert_string_equal(perms_of(h, FE), "n4,r0");
	assert_string_equal(perms_of(h, FE "/state"), "n4,r0");
	assert_string_equal(perms_of(h, BE), "n0,r4");
	assert_string_equal(perms_of(h, BE "/mode"), "n0,r4");
	assert_string_equal(perms_of(h, "/libxl/4/device/vbd/51712"), "n0");

	/* The guest writes its ring keys and state, reads the backend,
	 * cannot write the backend nor see /libxl. */
	assert_int_equal(guest_talk(XS_WRITE, "device/vbd/51712/ring-ref\0" "8",
				    28, body, sizeof(body)), XS_WRITE);
	assert_int_equal(guest_talk(XS_READ, BE "/mode", sizeof(BE "/mode"),
				    body, sizeof(body)), XS_READ);
	assert_string_equal(body, "w");
	assert_int_equal(guest_talk(XS_WRITE, BE "/mode\0" "w",
				    sizeof(BE "/mode") + 1, body, sizeof(body)),
			 XS_ERROR);
	assert_string_equal(body, "EACCES");
	assert_int_equal(guest_talk(XS_READ, "/libxl/4/device/vbd/51712/backend",
				    34, body, sizeof(body)), XS_ERROR);

	/* The same device twice: EEXIST, nothing changed. */
	assert_int_equal(keel_xsdev_add(h, &vbd, NULL, 0, NULL, 0, err,
					sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, BE));
	assert_string_equal(rd(h, FE "/ring-ref"), "8");
	/* Bad ids: one line, nothing sent. */
	struct keel_xsdev_id bad = { "vbd/x", 4, 0, 1 };
	assert_int_equal(keel_xsdev_add(h, &bad, NULL, 0, NULL, 0, err,
					sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "type"));
	bad = (struct keel_xsdev_id){ "vbd", 0, 0, 1 };
	assert_int_equal(keel_xsdev_add(h, &bad, NULL, 0, NULL, 0, err,
					sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "domid 0"));
	const struct keel_xsdev_kv badkv[] = { { "a/b", "1" } };
	bad = (struct keel_xsdev_id){ "vbd", 4, 0, 7 };
	assert_int_equal(keel_xsdev_add(h, &bad, badkv, 1, NULL, 0, err,
					sizeof(err)), -EINVAL);
	assert_string_equal(rd(h, "/local/domain/4/device/vbd/7"), "(none)");

	/* A second device; the list is numeric and sorted. */
	struct keel_xsdev_id b2 = { "vbd", 4, 0, 51728 };
	add_vbd(h, &b2);
	assert_true(xs_write(h, XBT_NULL, "/local/domain/0/backend/vbd/4/junk", "", 0));
	assert_int_equal(keel_xsdev_list(h, "vbd", 4, 0, ids, 4, err, sizeof(err)), 2);
	assert_int_equal(ids[0], 51712);
	assert_int_equal(ids[1], 51728);
	assert_int_equal(keel_xsdev_list(h, "vbd", 4, 0, ids, 1, err, sizeof(err)), 2);
	assert_int_equal(keel_xsdev_list(h, "vif", 4, 0, ids, 4, err, sizeof(err)), 0);
	assert_true(xs_rm(h, XBT_NULL, "/local/domain/0/backend/vbd/4/junk"));
	/* Forced removal of the second with no backend answering: the
	 * frontend goes first, no error, all three dirs gone. */
	backend_answers = 0;
	assert_int_equal(keel_xsdev_remove(h, &b2, true, 100, err, sizeof(err)), 0);
	assert_string_equal(rd(h, "/local/domain/4/device/vbd/51728"), "(none)");
	assert_string_equal(rd(h, "/local/domain/0/backend/vbd/4/51728"), "(none)");
	assert_string_equal(rd(h, "/libxl/4/device/vbd/51728"), "(none)");
	xs_close(h);
}

static void test_wait_remove(void **state)
{
	struct xs_handle *h = xs_open(0);
	char err[300] = "";
	pthread_t t;

	(void)state;
	/* No backend driver: the wait times out naming state and path, and
	 * quotes the driver's error node. */
	assert_true(xs_write(h, XBT_NULL, "/local/domain/0/error/backend/vbd/4/51712/error",
			     "2 reading mode", 14));
	assert_int_equal(keel_xsdev_wait_state(h, &vbd, 2, 150, err, sizeof(err)),
			 -ETIMEDOUT);
	assert_non_null(strstr(err, BE));
	assert_non_null(strstr(err, "state 1, not 2"));
	assert_non_null(strstr(err, "reading mode"));
	/* With one: InitWait seen. */
	backend_state_path = BE "/state";
	backend_answers = 1;
	assert_int_equal(pthread_create(&t, NULL, backend_thread, NULL), 0);
	assert_int_equal(keel_xsdev_wait_state(h, &vbd, 2, 5000, err, sizeof(err)), 0);
	assert_int_equal(keel_xsdev_backend_state(h, &vbd), 2);
	assert_int_equal(keel_xsdev_backend_write(h, &vbd, "physical-device", "7:0",
						  err, sizeof(err)), 0);
	char *v = keel_xsdev_backend_read(h, &vbd, "physical-device");
	assert_string_equal(v, "7:0");
	free(v);
	/* Orderly removal: online=0 and state=5 written, the backend
	 * closes (6), everything goes, the per-domain dir too. */
	assert_int_equal(keel_xsdev_remove(h, &vbd, false, 5000, err, sizeof(err)), 0);
	assert_string_equal(rd(h, FE), "(none)");
	assert_string_equal(rd(h, BE), "(none)");
	assert_string_equal(rd(h, "/local/domain/0/backend/vbd/4"), "(none)");
	assert_string_equal(rd(h, "/libxl/4/device/vbd/51712"), "(none)");
	assert_int_equal(keel_xsdev_backend_state(h, &vbd), -ENOENT);
	/* Gone already: 0.  A backend that never closes: -ETIMEDOUT,
	 * removed anyway. */
	assert_int_equal(keel_xsdev_remove(h, &vbd, false, 100, err, sizeof(err)), 0);
	backend_answers = 0;
	add_vbd(h, &vbd);
	assert_int_equal(keel_xsdev_wait_state(h, &vbd, 2, 5000, err, sizeof(err)), 0);
	assert_int_equal(keel_xsdev_remove(h, &vbd, false, 150, err, sizeof(err)),
			 -ETIMEDOUT);
	assert_non_null(strstr(err, "removed anyway"));
	assert_string_equal(rd(h, BE), "(none)");
	backend_stop = 1;
	pthread_join(t, NULL);
	xs_close(h);
}


static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connected vif whose backend, as netback does when its frontend
 * vanishes, may already have written Closed and unregistered. */
static const struct keel_xsdev_id vif = { "vif", 4, 0, 0 };
#define VFE "/local/domain/4/device/vif/0"
#define VBE "/local/domain/0/backend/vif/4/0"

static void add_vif_state(const char *s)
{
	struct xs_handle *h = xs_open(0);
	char err[256] = "";

	assert_int_equal(keel_xsdev_add(h, &vif, NULL, 0, NULL, 0, err, sizeof(err)), 0);
	assert_true(xs_write(h, XBT_NULL, VBE "/state", s, 1));
	xs_close(h);
}

/* Forced removal with the real timeout (KEEL_XSDEV_TIMEOUT_MS, 10 s):
 * nothing answers, so any wait would last the whole timeout. */
static long long forced_remove_ms(void)
{
	struct xs_handle *h = xs_open(0);
	char err[300] = "";
	long long t0 = ms_now();

	assert_int_equal(keel_xsdev_remove(h, &vif, true, KEEL_XSDEV_TIMEOUT_MS,
					   err, sizeof(err)), 0);
	t0 = ms_now() - t0;
	assert_string_equal(rd(h, VFE), "(none)");
	assert_string_equal(rd(h, VBE), "(none)");
	assert_string_equal(rd(h, "/libxl/4/device/vif/0"), "(none)");
	xs_close(h);
	return t0;
}

static void test_forced_no_wait(void **state)
{
	struct xs_handle *h;
	char err[300] = "";
	long long t0;

	(void)state;
	/* Closed already (netback saw its frontend go, wrote 6 and
	 * unregistered): 6 stays, no wait (libxl: "already in closed
	 * state, it should not be changed"). */
	add_vif_state("6");
	assert_true(forced_remove_ms() < 2000);
	/* The frontend gone before the removal (the guest died and the
	 * store daemon dropped its nodes; its backend has seen it): no
	 * wait for a Closed the unregistered driver will never write. */
	add_vif_state("4");
	h = xs_open(0);
	assert_true(xs_rm(h, XBT_NULL, VFE));
	xs_close(h);
	assert_true(forced_remove_ms() < 2000);
	/* Not forced, backend Closed: online=0, the state left at 6, no
	 * wait, removed. */
	add_vif_state("6");
	h = xs_open(0);
	t0 = ms_now();
	assert_int_equal(keel_xsdev_remove(h, &vif, false, KEEL_XSDEV_TIMEOUT_MS,
					   err, sizeof(err)), 0);
	assert_true(ms_now() - t0 < 2000);
	assert_string_equal(rd(h, VBE), "(none)");
	xs_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_perms),
		cmocka_unit_test(test_wait_remove),
		cmocka_unit_test(test_forced_no_wait),
	};
	int rc;

	if (fixture_start("/tmp/xsd-xsdev-XXXXXX") < 0)
		return 1;
	/* Domain 4 on its ring, as keel create leaves it. */
	struct xs_handle *h = xs_open(0);
	if (!h || !xs_introduce_domain(h, 4, 0x1234, 5))
		return 1;
	xs_close(h);
	rc = cmocka_run_group_tests_name("keel_xsdev", tests, NULL, NULL);
	fixture_stop();
	return rc;
}
