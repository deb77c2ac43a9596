/* Watches: immediate event, descendants, removal, relative paths,
 * tokens, permissions, special watches. */
#include "harness.h"

struct fx {
	struct xsd x;
	struct conn *d0, *w0, *d5;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	xsd_setup(&f->x);
	f->d0 = mkconn(&f->x, 0, true);
	f->w0 = mkconn(&f->x, 0, true);
	f->d5 = mkconn(&f->x, 5, false);
	write_ok(f->d0, 0, "/local/domain/5", "");
	request(f->d0, XS_SET_PERMS, 0, "/local/domain/5\0n5", 19,
		&(struct msg){ 0 });
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	xsd_fini(&f->x);
	free(f);
	return 0;
}

static void watch(struct conn *c, const char *path, const char *token,
		  const char *err)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	struct msg m;

	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	request(c, XS_WATCH, 0, buf, pl + tl, &m);
	if (err) {
		assert_err(&m, err);
		return;
	}
	assert_int_equal(m.type, XS_WATCH);
}

/* Next event must be (path, token). */
static void event(struct conn *c, const char *path, const char *token)
{
	struct msg m;

	if (!next_msg(c, &m))
		fail_msg("no event, wanted %s", path);
	assert_int_equal(m.type, XS_WATCH_EVENT);
	assert_int_equal(m.req_id, 0);
	assert_string_equal(m.body, path);
	assert_int_equal(m.len, strlen(path) + strlen(token) + 2);
	assert_string_equal(m.body + strlen(path) + 1, token);
}

static void none(struct conn *c)
{
	struct msg m;

	if (next_msg(c, &m))
		fail_msg("unexpected message type %u \"%s\"", m.type, m.body);
}

/* A string of n copies of c (static buffer, one at a time). */
static const char *rep(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/*
 * Every event a watch can produce must fit one message (path + token +
 * 2 NULs <= 4096).  Xen drops the ones that do not without a trace;
 * here a watch whose longest possible event would not fit is refused
 * up front with E2BIG, and one that is accepted gets all its events.
 */
static void test_token_too_long(void **state)
{
	struct fx *f = *state;
	static char tok[XENSTORE_PAYLOAD_MAX], path[XENSTORE_PAYLOAD_MAX];
	struct msg m;

	/* Below /a node paths reach 2048 bytes: tokens up to 2046. */
	watch(f->w0, "/a", rep(tok, 't', 4092), "E2BIG");
	watch(f->w0, "/a", rep(tok, 't', 2047), "E2BIG");
	watch(f->w0, "/a", rep(tok, 't', 2046), NULL);
	event(f->w0, "/a", tok);
	none(f->w0);
	/* The longest node below /a: its event is exactly 4096 bytes. */
	memcpy(path, "/a/", 3);
	rep(path + 3, 'p', 2045);
	write_ok(f->d0, 0, path, "v");
	event(f->w0, path, tok);
	/* Below /local/domain/5/ paths reach 16 + 2048 bytes. */
	watch(f->w0, "/local/domain/5/x", rep(tok, 't', 2046), "E2BIG");
	watch(f->w0, "/local/domain/5", rep(tok, 't', 2030), NULL);
	drain(f->w0);
	/* Relative watches see paths relative to the home: 2048 at most. */
	watch(f->d5, "x", rep(tok, 't', 2047), "E2BIG");
	watch(f->d5, "x", rep(tok, 't', 2046), NULL);
	event(f->d5, "x", tok);
	/* Special watches: the name is the only path, so the WATCH
	 * message's own size bound suffices. */
	watch(f->w0, "@releaseDomain", rep(tok, 't', 4096 - 16), NULL);
	(void)m;
}

/*
 * A guest that watches and never reads its ring: events beyond the
 * queue limit are dropped, but the log gets one line for it and one
 * with the count when the connection goes, not a line per event.
 */
static void test_drops_logged_once(void **state)
{
	struct fx *f = *state;
	struct membuf *mb = f->d5->tp;
	unsigned long lines;

	watch(f->d5, "/local/domain/5", "t", NULL);
	mb->room = 0; /* the guest stops reading */
	lines = xsd_log_lines;
	for (int i = 0; i < 8000; i++)
		write_ok(f->d0, 0, "/local/domain/5/x", "v");
	assert_int_equal(xsd_log_lines - lines, 1);
	assert_non_null(strstr(xsd_log_last, "dropping"));
	conn_free(f->d5);
	f->d5 = NULL;
	assert_int_equal(xsd_log_lines - lines, 2);
	assert_non_null(strstr(xsd_log_last, "watch events dropped"));
}

static void test_immediate_and_children(void **state)
{
	struct fx *f = *state;

	watch(f->w0, "/a", "tok with spaces & \x01 bytes", NULL);
	event(f->w0, "/a", "tok with spaces & \x01 bytes"); /* even if absent */
	none(f->w0);
	write_ok(f->d0, 0, "/a/b/c", "1");
	event(f->w0, "/a/b/c", "tok with spaces & \x01 bytes");
	none(f->w0);
	write_ok(f->d0, 0, "/ab", "1"); /* not a child of /a */
	none(f->w0);
	write_ok(f->d0, 0, "/a", "2");
	event(f->w0, "/a", "tok with spaces & \x01 bytes");
}

static void test_rm_fires_below(void **state)
{
	struct fx *f = *state;
	struct msg m;

	write_ok(f->d0, 0, "/r/s/t", "1");
	watch(f->w0, "/r/s/t", "deep", NULL);
	watch(f->w0, "/", "root", NULL);
	drain(f->w0);
	req_s(f->d0, XS_RM, 0, "/r", &m);
	/* "/" sees the removed path; the watch below it sees its own. */
	event(f->w0, "/r", "root");
	event(f->w0, "/r/s/t", "deep");
	none(f->w0);
}

static void test_two_tokens_unwatch(void **state)
{
	struct fx *f = *state;
	struct msg m;

	watch(f->w0, "/p", "t1", NULL);
	watch(f->w0, "/p", "t2", NULL);
	watch(f->w0, "/p", "t1", "EEXIST");
	drain(f->w0);
	write_ok(f->d0, 0, "/p", "x");
	assert_true(next_msg(f->w0, &m));
	assert_true(next_msg(f->w0, &m));
	none(f->w0);
	request(f->w0, XS_UNWATCH, 0, "/p\0t1", 6, &m);
	assert_int_equal(m.type, XS_UNWATCH);
	write_ok(f->d0, 0, "/p", "y");
	event(f->w0, "/p", "t2");
	none(f->w0);
	req_s(f->w0, XS_RESET_WATCHES, 0, "", &m);
	write_ok(f->d0, 0, "/p", "z");
	none(f->w0);
}

/* A domain's relative watch reports relative paths. */
static void test_relative(void **state)
{
	struct fx *f = *state;

	watch(f->d5, "device", "dev", NULL);
	event(f->d5, "device", "dev");
	write_ok(f->d0, 0, "/local/domain/5/device/vbd/51712/state", "1");
	event(f->d5, "device/vbd/51712/state", "dev");
	watch(f->d5, "/local/domain/5/control", "abs", NULL);
	event(f->d5, "/local/domain/5/control", "abs");
	write_ok(f->d0, 0, "/local/domain/5/control/shutdown", "");
	event(f->d5, "/local/domain/5/control/shutdown", "abs");
}

/* Events only reach connections that may read the node. */
static void test_permission_filter(void **state)
{
	struct fx *f = *state;
	struct msg m;

	watch(f->d5, "/priv", "t", NULL);
	event(f->d5, "/priv", "t");
	write_ok(f->d0, 0, "/priv/x", "secret");
	none(f->d5);
	request(f->d0, XS_SET_PERMS, 0, "/priv/x\0n0\0r5", 14, &m);
	assert_int_equal(m.type, XS_SET_PERMS);
	event(f->d5, "/priv/x", "t");
	write_ok(f->d0, 0, "/priv/x", "visible");
	event(f->d5, "/priv/x", "t");
}

static void test_special(void **state)
{
	struct fx *f = *state;
	static struct xenstore_domain_interface page;
	struct msg m;

	watch(f->w0, "@introduceDomain", "in", NULL);
	event(f->w0, "@introduceDomain", "in");
	watch(f->w0, "@releaseDomain", "out", NULL);
	event(f->w0, "@releaseDomain", "out");
	watch(f->d5, "@releaseDomain", "d5", NULL);
	event(f->d5, "@releaseDomain", "d5");
	write_ok(f->d0, 0, "/x", "1"); /* ordinary writes do not fire them */
	none(f->w0);
	assert_int_equal(ring_host_register(0x1234, 3, &page, -1, -1), 0);
	request(f->d0, XS_INTRODUCE, 0, "9\0" "4660\0" "3", 9, &m);
	assert_int_equal(m.type, XS_INTRODUCE);
	event(f->w0, "@introduceDomain", "in");
	none(f->w0);
	req_s(f->d0, XS_IS_DOMAIN_INTRODUCED, 0, "9", &m);
	assert_string_equal(m.body, "T");
	req_s(f->d0, XS_RELEASE, 0, "9", &m);
	assert_int_equal(m.type, XS_RELEASE);
	event(f->w0, "@releaseDomain", "out");
	none(f->d5); /* only privileged connections see them */
	req_s(f->d0, XS_IS_DOMAIN_INTRODUCED, 0, "9", &m);
	assert_string_equal(m.body, "F");
	/* Granting read on the special node lets dom5 see its events. */
	request(f->d5, XS_SET_PERMS, 0, "@releaseDomain\0n0\0r5", 21, &m);
	assert_err(&m, "EACCES");
	request(f->d0, XS_SET_PERMS, 0, "@releaseDomain\0n0\0r5", 21, &m);
	assert_int_equal(m.type, XS_SET_PERMS);
	request(f->d0, XS_INTRODUCE, 0, "9\0" "4660\0" "3", 9, &m);
	req_s(f->d0, XS_RELEASE, 0, "9", &m);
	drain(f->w0);
	event(f->d5, "@releaseDomain", "d5");
	none(f->d5);
	req_s(f->d0, XS_GET_PERMS, 0, "@releaseDomain", &m);
	assert_err(&m, "EINVAL");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_immediate_and_children), T(test_rm_fires_below),
		T(test_two_tokens_unwatch), T(test_relative),
		T(test_permission_filter), T(test_special), T(test_token_too_long),
		T(test_drops_logged_once),
	};

	return cmocka_run_group_tests_name("xenbus watches", tests, NULL, NULL);
}
