/* Transactions: isolation, EAGAIN on conflict, all-or-nothing commit. */
#include "harness.h"

struct fx {
	struct xsd x;
	struct conn *a, *b;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	xsd_setup(&f->x);
	f->a = mkconn(&f->x, 0, true);
	f->b = mkconn(&f->x, 0, true);
	write_ok(f->a, 0, "/k/x", "0");
	write_ok(f->a, 0, "/k/y", "0");
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

static uint32_t start(struct conn *c)
{
	struct msg m;

	req_s(c, XS_TRANSACTION_START, 0, "", &m);
	assert_int_equal(m.type, XS_TRANSACTION_START);
	return (uint32_t)strtoul(m.body, NULL, 10);
}

static void end(struct conn *c, uint32_t t, const char *arg, const char *want)
{
	struct msg m;

	req_s(c, XS_TRANSACTION_END, t, arg, &m);
	if (want) {
		assert_err(&m, want);
	} else {
		assert_int_equal(m.type, XS_TRANSACTION_END);
		assert_int_equal(m.tx_id, t);
	}
}

static void expect(struct conn *c, uint32_t t, const char *path,
		   const char *value)
{
	struct msg m;

	req_s(c, XS_READ, t, path, &m);
	if (!value) {
		assert_err(&m, "ENOENT");
		return;
	}
	assert_int_equal(m.type, XS_READ);
	assert_string_equal(m.body, value);
}

static void test_isolation_and_commit(void **state)
{
	struct fx *f = *state;
	uint32_t t = start(f->a);

	write_ok(f->a, t, "/k/x", "1");
	write_ok(f->a, t, "/k/new/deep", "n");
	expect(f->a, t, "/k/x", "1");   /* sees its own writes */
	expect(f->b, 0, "/k/x", "0");   /* others do not */
	expect(f->b, 0, "/k/new/deep", NULL);
	end(f->a, t, "T", NULL);
	expect(f->b, 0, "/k/x", "1");
	expect(f->b, 0, "/k/new/deep", "n");
	assert_null(txn_find(f->a, t));
}

static void test_abort(void **state)
{
	struct fx *f = *state;
	uint32_t t = start(f->a);
	struct msg m;

	write_ok(f->a, t, "/k/x", "1");
	req_s(f->a, XS_RM, t, "/k/y", &m);
	end(f->a, t, "F", NULL);
	expect(f->b, 0, "/k/x", "0");
	expect(f->b, 0, "/k/y", "0");
}

/* A transaction that read a node changed meanwhile fails: EAGAIN, and
 * none of its writes appear. */
static void test_conflict_eagain(void **state)
{
	struct fx *f = *state;
	uint32_t t = start(f->a);

	expect(f->a, t, "/k/x", "0");
	write_ok(f->a, t, "/k/y", "from-txn");
	write_ok(f->a, t, "/k/z", "from-txn");
	write_ok(f->b, 0, "/k/x", "other");
	end(f->a, t, "T", "EAGAIN");
	expect(f->b, 0, "/k/y", "0");
	expect(f->b, 0, "/k/z", NULL);
	assert_null(txn_find(f->a, t));
}

/* Conflicts on creation, deletion and on a removed subtree's child. */
static void test_conflict_kinds(void **state)
{
	struct fx *f = *state;
	uint32_t t;
	struct msg m;

	/* Both create the same missing node. */
	t = start(f->a);
	write_ok(f->a, t, "/k/c", "a");
	write_ok(f->b, 0, "/k/c", "b");
	end(f->a, t, "T", "EAGAIN");
	expect(f->b, 0, "/k/c", "b");
	/* The transaction removes a subtree whose child changed. */
	write_ok(f->a, 0, "/k/t/child", "0");
	t = start(f->a);
	req_s(f->a, XS_RM, t, "/k/t", &m);
	write_ok(f->b, 0, "/k/t/child", "1");
	end(f->a, t, "T", "EAGAIN");
	expect(f->b, 0, "/k/t/child", "1");
	/* Directory listing then a new child appears. */
	t = start(f->a);
	req_s(f->a, XS_DIRECTORY, t, "/k", &m);
	write_ok(f->a, t, "/k/x", "2");
	write_ok(f->b, 0, "/k/other", "1");
	end(f->a, t, "T", "EAGAIN");
	expect(f->b, 0, "/k/x", "0");
	/* Reading a node that was removed meanwhile. */
	t = start(f->a);
	expect(f->a, t, "/k/y", "0");
	req_s(f->b, XS_RM, 0, "/k/y", &m);
	end(f->a, t, "T", "EAGAIN");
}

/* Unrelated changes do not conflict; read-only transactions commit. */
static void test_no_false_conflict(void **state)
{
	struct fx *f = *state;
	uint32_t t = start(f->a), u;

	expect(f->a, t, "/k/x", "0");
	write_ok(f->a, t, "/k/x", "t");
	write_ok(f->b, 0, "/k/y", "other");
	write_ok(f->b, 0, "/unrelated/node", "z");
	end(f->a, t, "T", NULL);
	expect(f->b, 0, "/k/x", "t");
	u = start(f->b);
	expect(f->b, u, "/k/x", "t");
	end(f->b, u, "T", NULL);
}

/* Many concurrent transactions, each on its own key: all commit; then
 * many on one key: exactly one commits. */
static void test_many_concurrent(void **state)
{
	struct fx *f = *state;
	enum { N = 50 };
	uint32_t t[N];
	char path[32], val[32];
	int ok = 0;

	/* (Creating siblings inside each would conflict on their parent's
	 * child list, as in Xen: the keys exist beforehand.) */
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/many/%d", i);
		write_ok(f->a, 0, path, "");
	}
	for (int i = 0; i < N; i++) {
		t[i] = start(f->a);
		snprintf(path, sizeof(path), "/many/%d", i);
		snprintf(val, sizeof(val), "%d", i);
		write_ok(f->a, t[i], path, val);
	}
	for (int i = 0; i < N; i++)
		end(f->a, t[i], "T", NULL);
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/many/%d", i);
		snprintf(val, sizeof(val), "%d", i);
		expect(f->b, 0, path, val);
	}
	for (int i = 0; i < N; i++) {
		t[i] = start(f->a);
		expect(f->a, t[i], "/k/x", "0");
		snprintf(val, sizeof(val), "%d", i);
		write_ok(f->a, t[i], "/k/x", val);
	}
	for (int i = 0; i < N; i++) {
		struct msg m;

		req_s(f->a, XS_TRANSACTION_END, t[i], "T", &m);
		ok += m.type == XS_TRANSACTION_END;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(f->a->nr_txns, 0);
}

static unsigned int materialized(const struct tree_node *n)
{
	unsigned int c = 1;

	for (uint32_t i = 0; i < n->nr_child; i++)
		c += materialized(n->child[i]);
	return c;
}

/* A transaction copies only what it walks through, and its first read
 * of a node sees the tree as it is then (Xen's semantics). */
static void test_lazy_view(void **state)
{
	struct fx *f = *state;
	char path[32];
	uint32_t t;

	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/big/%d/leaf", i);
		write_ok(f->a, 0, path, "v");
	}
	t = start(f->a);
	write_ok(f->b, 0, "/k/x", "changed-before-first-read");
	expect(f->a, t, "/k/x", "changed-before-first-read");
	expect(f->a, t, "/big/7/leaf", "v");
	/* The root, /k, /k/x, /big, /big/7, /big/7/leaf: the nodes on the
	 * paths read, not their siblings (1500 nodes there). */
	assert_int_equal(materialized(txn_find(f->a, t)->tree.root), 6);
	write_ok(f->a, t, "/big/7/leaf", "w");
	end(f->a, t, "T", NULL);
	expect(f->b, 0, "/big/7/leaf", "w");
	expect(f->b, 0, "/big/8/leaf", "v");
}

/*
 * Copy on write, not on read: 11 open transactions of one guest, 30
 * reads each, over 100 values of 1,500 bytes.  Counted: value bytes
 * allocated (all trees) and nodes each transaction holds.  Reads add no
 * value bytes and only the nodes on the paths read; a write adds its
 * own value.
 */
static void test_copy_on_write(void **state)
{
	struct fx *f = *state;
	static char big[1501];
	struct conn *g = mkconn(&f->x, 5, false);
	uint64_t before;
	uint32_t t[11];
	char path[64];
	struct msg m;

	memset(big, 'v', 1500);
	write_ok(f->a, 0, "/local/domain/5", "");
	request(f->a, XS_SET_PERMS, 0, "/local/domain/5\0n5", 19, &m);
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/d/k%d", i);
		write_ok(f->a, 0, path, big);
	}
	before = tree_value_bytes;
	for (int i = 0; i < 11; i++) {
		t[i] = start(g);
		for (int k = 0; k < 30; k++) {
			snprintf(path, sizeof(path), "d/k%d", (k * 3 + i) % 100);
			expect(g, t[i], path, big);
		}
	}
	assert_int_equal(tree_value_bytes - before, 0);
	for (int i = 0; i < 11; i++) {
		/* root, local, domain, 5, d and the 30 nodes read */
		assert_true(materialized(txn_find(g, t[i])->tree.root) <= 40);
	}
	write_ok(g, t[0], "d/k1", "changed");
	assert_int_equal(tree_value_bytes - before, strlen("changed") + 1);
	end(g, t[0], "T", NULL);
	expect(f->a, 0, "/local/domain/5/d/k1", "changed");
	expect(f->a, 0, "/local/domain/5/d/k2", big);
	/* The directory still lists in order, in and out of a transaction. */
	t[0] = start(g);
	expect(g, t[0], "d/k50", big);
	write_ok(g, t[0], "d/new", "n");
	req_s(g, XS_DIRECTORY, t[0], "d", &m);
	assert_int_equal(m.type, XS_DIRECTORY);
	assert_memory_equal(m.body, "k0\0k1\0k2\0", 9);
	assert_memory_equal(m.body + m.len - 8, "k99\0new\0", 8);
	end(g, t[0], "T", NULL);
	req_s(f->a, XS_DIRECTORY, 0, "/local/domain/5/d", &m);
	assert_memory_equal(m.body + m.len - 8, "k99\0new\0", 8);
}

/* A transaction that removes a subtree and creates a node at the same
 * path again leaves only what it created (the old children go). */
static void test_rm_then_recreate(void **state)
{
	struct fx *f = *state;
	struct msg m;
	uint32_t t;

	write_ok(f->a, 0, "/r/x/old", "1");
	t = start(f->a);
	req_s(f->a, XS_RM, t, "/r/x", &m);
	assert_int_equal(m.type, XS_RM);
	write_ok(f->a, t, "/r/x/new", "2");
	end(f->a, t, "T", NULL);
	expect(f->b, 0, "/r/x/new", "2");
	req_s(f->b, XS_READ, 0, "/r/x/old", &m);
	assert_err(&m, "ENOENT");
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	uint32_t t = start(f->a);
	struct msg m;

	req_s(f->a, XS_TRANSACTION_END, t, "X", &m);
	assert_err(&m, "EINVAL");
	req_s(f->a, XS_TRANSACTION_START, t, "", &m);
	assert_err(&m, "EBUSY");
	/* A transaction belongs to its connection. */
	req_s(f->b, XS_READ, t, "/k/x", &m);
	assert_err(&m, "ENOENT");
	end(f->a, t, "T", NULL);
	req_s(f->a, XS_TRANSACTION_END, t, "T", &m);
	assert_err(&m, "ENOENT");
}

/* Watches fire at commit, not before, and not on abort/failure. */
static void test_watch_at_commit(void **state)
{
	struct fx *f = *state;
	struct msg m;
	uint32_t t;

	request(f->b, XS_WATCH, 0, "/k2\0tok", 8, &m);
	drain(f->b);
	t = start(f->a);
	write_ok(f->a, t, "/k2/x", "1");
	assert_false(next_msg(f->b, &m));
	end(f->a, t, "T", NULL);
	assert_true(next_msg(f->b, &m));
	assert_int_equal(m.type, XS_WATCH_EVENT);
	assert_string_equal(m.body, "/k2/x");
	assert_false(next_msg(f->b, &m));
	t = start(f->a);
	write_ok(f->a, t, "/k2/y", "1");
	end(f->a, t, "F", NULL);
	assert_false(next_msg(f->b, &m));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_isolation_and_commit), T(test_abort),
		T(test_conflict_eagain), T(test_conflict_kinds),
		T(test_no_false_conflict), T(test_many_concurrent),
		T(test_errors), T(test_watch_at_commit), T(test_lazy_view), T(test_copy_on_write),
		T(test_rm_then_recreate),
	};

	return cmocka_run_group_tests_name("xenbus transactions", tests, NULL,
					   NULL);
}
