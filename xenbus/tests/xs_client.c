/*
 * libkeelxs against a running daemon ($XENSTORED_PATH): each call of the
 * library checked for its result and errno, as code written for
 * libxenstore would use it.  Prints "xs_client: PASS" or the failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keelxs.h"

static int failures;

#define CHECK(c, what) do { \
	if (!(c)) { \
		printf("xs_client: FAIL: %s (errno %d %s)\n", what, errno, \
		       strerror(errno)); \
		failures++; \
	} \
} while (0)

static bool str_is(char *got, const char *want)
{
	bool ok = got && !strcmp(got, want);

	free(got);
	return ok;
}

int main(void)
{
	struct xs_handle *h = xs_open(0), *h2 = xs_open(0);
	struct xs_permissions p[3] = { { 0, XS_PERM_NONE }, { 5, XS_PERM_READ },
				       { 7, XS_PERM_READ | XS_PERM_WRITE } };
	struct xs_permissions *got;
	unsigned int len, n;
	xs_transaction_t t;
	char **v, buf[64];

	if (!h || !h2) {
		printf("xs_client: FAIL: xs_open: %s\n", strerror(errno));
		return 1;
	}
	CHECK(xs_write(h, XBT_NULL, "/xsc/a", "1", 1), "write");
	CHECK(str_is(xs_read(h, XBT_NULL, "/xsc/a", &len), "1") && len == 1,
	      "read");
	CHECK(!xs_read(h, XBT_NULL, "/xsc/none", &len) && errno == ENOENT,
	      "read missing: ENOENT");
	CHECK(!xs_write(h, XBT_NULL, "/xsc//bad", "1", 1) && errno == EINVAL,
	      "bad path: EINVAL");
	CHECK(xs_mkdir(h, XBT_NULL, "/xsc/dir"), "mkdir");
	v = xs_directory(h, XBT_NULL, "/xsc", &n);
	CHECK(v && n == 2 && !strcmp(v[0], "a") && !strcmp(v[1], "dir"),
	      "directory");
	free(v);
	CHECK(xs_set_permissions(h, XBT_NULL, "/xsc/a", p, 3), "set perms");
	got = xs_get_permissions(h, XBT_NULL, "/xsc/a", &n);
	CHECK(got && n == 3 && got[1].id == 5 && got[1].perms == XS_PERM_READ &&
	      got[2].perms == (XS_PERM_READ | XS_PERM_WRITE), "get perms");
	free(got);
	CHECK(xs_perm_to_string(&p[2], buf, sizeof(buf)) && !strcmp(buf, "b7"),
	      "perm to string");
	CHECK(xs_rm(h, XBT_NULL, "/xsc/dir"), "rm");
	CHECK(!xs_rm(h, XBT_NULL, "/xsc/x/y") && errno == ENOENT, "rm ENOENT");

	/* Watches: immediate event, then changes; token verbatim. */
	CHECK(xs_watch(h2, "/xsc", "my token"), "watch");
	v = xs_read_watch(h2, &n);
	CHECK(v && n == 2 && !strcmp(v[XS_WATCH_PATH], "/xsc") &&
	      !strcmp(v[XS_WATCH_TOKEN], "my token"), "first event");
	free(v);
	CHECK(xs_write(h, XBT_NULL, "/xsc/a", "2", 1), "write");
	v = xs_read_watch(h2, &n);
	CHECK(v && !strcmp(v[XS_WATCH_PATH], "/xsc/a"), "change event");
	free(v);
	CHECK(!xs_check_watch(h2) && errno == EAGAIN, "no more events");
	CHECK(xs_unwatch(h2, "/xsc", "my token"), "unwatch");
	CHECK(!xs_unwatch(h2, "/xsc", "my token") && errno == ENOENT,
	      "unwatch twice");

	/* Transactions: conflict gives EAGAIN and no partial commit. */
	t = xs_transaction_start(h);
	CHECK(t != XBT_NULL, "transaction start");
	CHECK(str_is(xs_read(h, t, "/xsc/a", &len), "2"), "read in txn");
	CHECK(xs_write(h, t, "/xsc/a", "3", 1), "write in txn");
	CHECK(xs_write(h, t, "/xsc/b", "3", 1), "write in txn");
	CHECK(xs_write(h2, XBT_NULL, "/xsc/a", "other", 5), "conflicting write");
	CHECK(!xs_transaction_end(h, t, false) && errno == EAGAIN,
	      "conflict: EAGAIN");
	CHECK(!xs_read(h, XBT_NULL, "/xsc/b", &len) && errno == ENOENT,
	      "no partial commit");
	t = xs_transaction_start(h);
	CHECK(xs_write(h, t, "/xsc/a", "4", 1), "write in txn");
	CHECK(xs_transaction_end(h, t, false), "commit");
	CHECK(str_is(xs_read(h2, XBT_NULL, "/xsc/a", &len), "4"), "committed");

	/* Domain calls; domain 99 has no ring page to map. */
	CHECK(str_is(xs_get_domain_path(h, 5), "/local/domain/5"),
	      "get_domain_path");
	CHECK(xs_is_domain_introduced(h, 0), "dom0 introduced");
	CHECK(!xs_is_domain_introduced(h, 99), "dom99 not introduced");
	CHECK(!xs_introduce_domain(h, 99, 1234, 5) &&
	      (errno == EINVAL || errno == ENOSYS), "introduce unmappable");
	CHECK(!xs_release_domain(h, 99) && errno == ENOENT, "release ENOENT");
	CHECK(!xs_resume_domain(h, 99) && errno == ENOENT, "resume ENOENT");
	CHECK(!xs_set_target(h, 99, 98) && errno == ENOENT, "set_target ENOENT");
	CHECK(xs_reset_watches(h), "reset watches");
	CHECK(str_is(xs_control_command(h, "check", NULL, 0), "OK"), "control");
	xs_close(h);
	xs_close(h2);
	if (!failures)
		printf("xs_client: PASS\n");
	return failures ? 1 : 0;
}
