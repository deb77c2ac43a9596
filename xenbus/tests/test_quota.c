/* Quotas per domain (dom0 unlimited) and connection robustness. */
#include "harness.h"

struct fx {
	struct xsd x;
	struct conn *d0, *d5, *d6;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct msg m;

	xsd_setup(&f->x);
	f->d0 = mkconn(&f->x, 0, true);
	f->d5 = mkconn(&f->x, 5, false);
	f->d6 = mkconn(&f->x, 6, false);
	write_ok(f->d0, 0, "/local/domain/5", "");
	request(f->d0, XS_SET_PERMS, 0, "/local/domain/5\0n5", 19, &m);
	assert_int_equal(m.type, XS_SET_PERMS);
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

static void write_err(struct conn *c, const char *path, const char *v,
		      const char *err)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(v);
	struct msg m;

	memcpy(buf, path, pl);
	memcpy(buf + pl, v, vl);
	request(c, XS_WRITE, 0, buf, pl + vl, &m);
	assert_err(&m, err);
}

static void test_defaults(void **state)
{
	struct fx *f = *state;

	assert_int_equal(f->x.quota.nodes, 1000);
	assert_int_equal(f->x.quota.entry_size, 2048);
	assert_int_equal(f->x.quota.txn_nodes, 1024);
	assert_int_equal(f->x.quota.watches, 128);
	assert_int_equal(f->x.quota.transactions, 10);
	assert_int_equal(f->x.quota.outstanding, 20);
	assert_int_equal(f->x.quota.perms, 5);
	assert_int_equal(quota_set(&f->x.quota, "nodes=7"), 0);
	assert_int_equal(f->x.quota.nodes, 7);
	assert_int_equal(quota_set(&f->x.quota, "bogus=1"), -EINVAL);
	assert_int_equal(quota_set(&f->x.quota, "nodes"), -EINVAL);
	assert_int_equal(quota_set(&f->x.quota, "nodes=x"), -EINVAL);
}

static void test_nodes(void **state)
{
	struct fx *f = *state;
	char path[32];

	f->x.quota.nodes = 10; /* dom5 already owns /local/domain/5 */
	for (int i = 0; i < 9; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		write_ok(f->d5, 0, path, "v");
	}
	write_err(f->d5, "one-more", "v", "ENOSPC");
	write_ok(f->d5, 0, "n0", "rewrite is fine");
	for (int i = 0; i < 20; i++) { /* dom0 is unlimited */
		snprintf(path, sizeof(path), "/d0/%d", i);
		write_ok(f->d0, 0, path, "v");
	}
	/* Implicit parents count too. */
	f->x.quota.nodes = 12;
	write_err(f->d5, "a/b/c", "v", "ENOSPC");
	write_ok(f->d5, 0, "a/b", "v");
}

/* Xen's entry size: 24 + 8 per perm + value + children names < 2048
 * (boundaries measured against Debian's xenstored 4.17). */
/*
 * The node quota holds across transactions: each transaction alone
 * stays below it, but the commits together would exceed it.  As Xen's
 * transaction end: the count the commit would produce is checked.
 */
static void test_nodes_through_transactions(void **state)
{
	struct fx *f = *state;
	static const int creates[3] = { 5, 5, 3 };
	uint32_t t[3];
	char path[48];
	struct msg m;

	f->x.quota.nodes = 12;
	/* Own directories, so that the transactions do not conflict. */
	write_ok(f->d5, 0, "d0", "");
	write_ok(f->d5, 0, "d1", "");
	write_ok(f->d5, 0, "d2", "");
	write_ok(f->d5, 0, "sub/a/b", "v");
	assert_int_equal(tree_owned(&f->x.tree, 5), 7);
	for (int i = 0; i < 3; i++) {
		req_s(f->d5, XS_TRANSACTION_START, 0, "", &m);
		t[i] = (uint32_t)atoi(m.body);
		for (int k = 0; k < creates[i]; k++) {
			snprintf(path, sizeof(path), "d%d/%d", i, k);
			write_ok(f->d5, t[i], path, "v");
		}
	}
	req_s(f->d5, XS_TRANSACTION_END, t[0], "T", &m);
	assert_int_equal(m.type, XS_TRANSACTION_END);
	assert_int_equal(tree_owned(&f->x.tree, 5), 12);
	/* 12 + 5 > 12: refused, nothing of it applied. */
	req_s(f->d5, XS_TRANSACTION_END, t[1], "T", &m);
	assert_err(&m, "ENOSPC");
	req_s(f->d5, XS_READ, 0, "d1/0", &m);
	assert_err(&m, "ENOENT");
	assert_int_equal(tree_owned(&f->x.tree, 5), 12);
	/* Removing a subtree in a transaction frees all its nodes, even
	 * those the transaction never looked at: 12 + 3 - 3 fits. */
	req_s(f->d5, XS_RM, t[2], "sub", &m);
	assert_int_equal(m.type, XS_RM);
	req_s(f->d5, XS_TRANSACTION_END, t[2], "T", &m);
	assert_int_equal(m.type, XS_TRANSACTION_END);
	assert_int_equal(tree_owned(&f->x.tree, 5), 12);
}

static void test_entry_size(void **state)
{
	struct fx *f = *state;
	static char big[2100];
	char name[32];
	struct msg m;
	int i;

	memset(big, 'x', 2015);
	write_ok(f->d5, 0, "v", big);          /* 24 + 8 + 2015 = 2047 */
	big[2015] = 'x';
	write_err(f->d5, "v", big, "ENOSPC");  /* 2048 */
	write_err(f->d5, "w", big, "ENOSPC");  /* also when creating */
	write_ok(f->d0, 0, "/local/domain/5/v", big); /* dom0 unlimited */
	big[2011] = '\0';
	write_ok(f->d5, 0, "v", big);
	request(f->d5, XS_SET_PERMS, 0, "v\0n5\0r1", 8, &m);
	assert_err(&m, "ENOSPC");              /* a second perm: 2051 */
	/* Children's names count in the parent's record: 10-byte names
	 * (11 with the NUL): 183 fit, the 184th does not. */
	for (i = 0; i < 183; i++) {
		snprintf(name, sizeof(name), "d/%010d", i);
		write_ok(f->d5, 0, name, "");
	}
	snprintf(name, sizeof(name), "d/%010d", i);
	write_err(f->d5, name, "", "ENOSPC");
}

static void test_watches(void **state)
{
	struct fx *f = *state;
	char tok[32];
	struct msg m;

	/* Xen 4.17 lets a domain hold quota + 1 watches. */
	for (int i = 0; i < 129; i++) {
		int n = snprintf(tok, sizeof(tok), "w%c%d", 0, i);

		request(f->d5, XS_WATCH, 0, tok, (size_t)n + 1, &m);
		assert_int_equal(m.type, XS_WATCH);
	}
	request(f->d5, XS_WATCH, 0, "w\0x", 4, &m);
	assert_err(&m, "E2BIG");
	for (int i = 0; i < 200; i++) {
		int n = snprintf(tok, sizeof(tok), "/w%c%d", 0, i);

		request(f->d0, XS_WATCH, 0, tok, (size_t)n + 1, &m);
		assert_int_equal(m.type, XS_WATCH);
	}
}

static void test_transactions(void **state)
{
	struct fx *f = *state;
	struct msg m;

	for (int i = 0; i < 11; i++) { /* quota + 1, as Xen 4.17 */
		req_s(f->d5, XS_TRANSACTION_START, 0, "", &m);
		assert_int_equal(m.type, XS_TRANSACTION_START);
	}
	req_s(f->d5, XS_TRANSACTION_START, 0, "", &m);
	assert_err(&m, "ENOSPC");
	req_s(f->d5, XS_TRANSACTION_END, 3, "F", &m);
	assert_int_equal(m.type, XS_TRANSACTION_END);
	req_s(f->d5, XS_TRANSACTION_START, 0, "", &m);
	assert_int_equal(m.type, XS_TRANSACTION_START);
	for (int i = 0; i < 30; i++) {
		req_s(f->d0, XS_TRANSACTION_START, 0, "", &m);
		assert_int_equal(m.type, XS_TRANSACTION_START);
	}
}

/* A domain's transaction may touch at most transaction-nodes nodes. */
static void test_transaction_nodes(void **state)
{
	struct fx *f = *state;
	char path[32];
	struct msg m;
	uint32_t t;
	int i;

	assert_int_equal(f->x.quota.txn_nodes, 1024);
	f->x.quota.txn_nodes = 8;
	req_s(f->d5, XS_TRANSACTION_START, 0, "", &m);
	t = (uint32_t)atoi(m.body);
	for (i = 0; i < 7; i++) { /* quota - 1, as Xen 4.17 */
		snprintf(path, sizeof(path), "/local/domain/5/r%d", i);
		req_s(f->d5, XS_READ, t, path, &m);
		assert_err(&m, "ENOENT");
	}
	req_s(f->d5, XS_READ, t, "/local/domain/5", &m);
	assert_err(&m, "ENOSPC");
	req_s(f->d5, XS_TRANSACTION_END, t, "T", &m);
	assert_int_equal(m.type, XS_TRANSACTION_END);
	req_s(f->d0, XS_TRANSACTION_START, 0, "", &m); /* dom0: unlimited */
	t = (uint32_t)atoi(m.body);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/r%d", i);
		req_s(f->d0, XS_READ, t, path, &m);
		assert_err(&m, "ENOENT");
	}
}

/* A domain that does not read its replies gets at most `outstanding'
 * requests served; the rest wait in its ring until it catches up. */
static void test_outstanding(void **state)
{
	struct fx *f = *state;
	struct membuf *mb = f->d5->tp;
	uint64_t before = f->x.nr_requests;

	mb->room = 0;
	for (int i = 0; i < 30; i++)
		feed(f->d5, XS_READ, 6, "/tool", 6);
	for (int turn = 0; turn < 10; turn++)
		conn_service(f->d5);
	assert_int_equal(f->x.nr_requests - before, 20);
	mb->room = (size_t)-1;
	for (int turn = 0; turn < 10; turn++)
		conn_service(f->d5);
	assert_int_equal(f->x.nr_requests - before, 30);
	assert_false(f->d5->dead);
}

/* Oversized or garbage input closes that connection only. */
static void test_bad_message_closes_one(void **state)
{
	struct fx *f = *state;
	struct msg m;

	feed(f->d5, XS_WRITE, XENSTORE_PAYLOAD_MAX + 1, "", 0);
	conn_service(f->d5);
	assert_true(f->d5->dead);
	/* A truncated request just waits for more bytes. */
	feed(f->d6, XS_READ, 100, "/to", 3);
	conn_service(f->d6);
	assert_false(f->d6->dead);
	req_s(f->d0, XS_READ, 0, "/local/domain/5", &m);
	assert_int_equal(m.type, XS_READ);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults), T(test_nodes), T(test_nodes_through_transactions), T(test_entry_size),
		T(test_watches), T(test_transactions), T(test_transaction_nodes),
		T(test_outstanding),
		T(test_bad_message_closes_one),
	};

	return cmocka_run_group_tests_name("xenbus quotas", tests, NULL, NULL);
}
