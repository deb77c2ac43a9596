/* Units below the dispatch table: paths, permissions, the tree. */
#include "harness.h"
#include "path.h"

static void test_path_valid(void **state)
{
	static const struct {
		const char *p;
		bool ok;
	} rows[] = {
		{ "/", true }, { "/a", true }, { "/a/b-c_d@e/9", true },
		{ "", false }, { "a", false }, { "/a/", false }, { "//", false },
		{ "/a//b", false }, { "/a b", false }, { "/a.b", false },
		{ "/a\xff", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (path_valid(rows[i].p) != rows[i].ok)
			fail_msg("path_valid(\"%s\") != %d", rows[i].p,
				 rows[i].ok);
}

static void test_path_resolve(void **state)
{
	char out[PATH_BUF], longp[PATH_BUF + 10];

	(void)state;
	assert_int_equal(path_resolve(5, "device/vbd", 2048, out), 0);
	assert_string_equal(out, "/local/domain/5/device/vbd");
	assert_int_equal(path_resolve(5, "/abs", 2048, out), 0);
	assert_string_equal(out, "/abs");
	assert_int_equal(path_resolve(5, "@releaseDomain", 2048, out), 0);
	assert_string_equal(out, "@releaseDomain");
	assert_int_equal(path_resolve(5, "a//b", 2048, out), -EINVAL);
	assert_int_equal(path_resolve(5, "", 2048, out), -EINVAL);
	/* Length limits: relative part for the domain, whole path else. */
	memset(longp, 'a', 2100);
	longp[0] = '/';
	longp[2100] = '\0';
	assert_int_equal(path_resolve(5, longp, 2048, out), -EINVAL);
	assert_int_equal(path_resolve(5, longp, 3072, out), 0);
	assert_int_equal(path_resolve(5, longp + 1, 2048, out), -EINVAL);
	memset(longp, 'a', PATH_BUF + 5);
	longp[0] = '/';
	longp[PATH_BUF + 5] = '\0';
	assert_int_equal(path_resolve(0, longp, 1u << 30, out), -EINVAL);
}

/* Xen's is_valid_nodename() limits, for every caller, at each boundary:
 * length <= offset past "/local/domain/<id>/" (sscanf %5u) + 2048. */
static void test_path_limits(void **state)
{
	static char in[PATH_BUF + 64], out[PATH_BUF];
	static const struct {
		const char *prefix; /* then n copies of 'a' */
		size_t n;
		int rc;
	} rows[] = {
		{ "/", 2047, 0 }, { "/", 2048, -EINVAL },
		{ "", 2048, 0 }, { "", 2049, -EINVAL }, /* relative, domain 5 */
		{ "/local/domain/7/", 2048, 0 },
		{ "/local/domain/7/", 2049, -EINVAL },
		{ "/local/domain/99999/", 2048, 0 },
		{ "/local/domain/99999/", 2049, -EINVAL },
		{ "/local/domain/123456/", 2027, 0 }, /* 6 digits: no offset */
		{ "/local/domain/123456/", 2028, -EINVAL },
		{ "/local/domain/7", 2033, 0 },
		{ "/local/domain/7", 2034, -EINVAL },
		{ "@", 2047, 0 }, { "@", 2048, -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t pl = strlen(rows[i].prefix);

		memcpy(in, rows[i].prefix, pl);
		memset(in + pl, 'a', rows[i].n);
		in[pl + rows[i].n] = '\0';
		if (path_resolve(5, in, XENSTORE_REL_PATH_MAX, out) != rows[i].rc)
			fail_msg("%s + %zu: expected %d", rows[i].prefix,
				 rows[i].n, rows[i].rc);
		if (path_resolve(0, in, XENSTORE_REL_PATH_MAX, out) !=
		    rows[i].rc)
			fail_msg("dom0 %s + %zu: expected %d", rows[i].prefix,
				 rows[i].n, rows[i].rc);
	}
}

static void test_path_child(void **state)
{
	(void)state;
	assert_true(path_is_child("/a/b", "/a"));
	assert_true(path_is_child("/a", "/a"));
	assert_false(path_is_child("/ab", "/a"));
	assert_true(path_is_child("/x", "/"));
	assert_false(path_is_child("/a", "/a/b"));
}

static void test_perms_for(void **state)
{
	static const struct xs_perm p[] = { { 5, PERM_NONE },
					    { 7, PERM_READ },
					    { 8, PERM_WRITE } };
	static const struct xs_perm rd[] = { { 0, PERM_READ } };
	const unsigned int all = PERM_READ | PERM_WRITE | PERM_OWNER;
	struct caller dom0 = { 0, true, DOMID_NONE }, d5 = { 5, false, DOMID_NONE },
		      d7 = { 7, false, DOMID_NONE }, d8 = { 8, false, DOMID_NONE },
		      d9 = { 9, false, DOMID_NONE }, dm = { 9, false, 5 };

	(void)state;
	assert_int_equal(perms_for(&dom0, p, 3), all);
	assert_int_equal(perms_for(&d5, p, 3), all);      /* owner */
	assert_int_equal(perms_for(&d7, p, 3), PERM_READ);
	assert_int_equal(perms_for(&d8, p, 3), PERM_WRITE);
	assert_int_equal(perms_for(&d9, p, 3), PERM_NONE); /* default */
	assert_int_equal(perms_for(&d9, rd, 1), PERM_READ);
	assert_int_equal(perms_for(&dm, p, 3), all); /* device model of 5 */
}

static void test_perms_parse_format(void **state)
{
	const char *in[] = { "n0", "r5", "w7", "b4294967295" };
	const char *bad[][1] = { { "" }, { "x1" }, { "r" }, { "r-1" },
				 { "r4294967296" }, { "r1x" } };
	struct xs_perm p[4];
	char buf[64];

	(void)state;
	assert_int_equal(perms_parse(in, 4, p), 0);
	assert_int_equal(p[3].perms, PERM_READ | PERM_WRITE);
	assert_int_equal(p[3].id, 4294967295u);
	assert_int_equal(perms_format(p, 4, buf, sizeof(buf)), 21);
	assert_memory_equal(buf, "n0\0r5\0w7\0b4294967295\0", 21);
	assert_int_equal(perms_format(p, 4, buf, 10), -E2BIG);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(perms_parse(bad[i], 1, p), -EINVAL);
}

static void test_tree_basic(void **state)
{
	struct tree t, c;
	struct tree_node *n;
	uint64_t g;
	char buf[PATH_BUF];

	(void)state;
	assert_int_equal(tree_init(&t), 0);
	assert_non_null(tree_find(&t, "/tool/xenstored"));
	assert_int_equal(tree_missing(&t, "/a/b/c"), 3);
	assert_int_equal(tree_missing(&t, "/tool/x"), 1);
	assert_int_equal(tree_missing(&t, "/tool"), 0);
	n = tree_create(&t, "/a/b/c", "v", 1, 5);
	assert_non_null(n);
	tree_path(n, buf);
	assert_string_equal(buf, "/a/b/c");
	assert_int_equal(tree_owned(&t, 5), 3);
	assert_string_equal(tree_find(&t, "/a/b")->value, "");
	assert_ptr_equal(tree_closest_ancestor(&t, "/a/b/x/y"),
			 tree_find(&t, "/a/b"));
	/* gen/tgen: a change bumps the node and its ancestors' tgen. */
	g = t.gen;
	assert_int_equal(tree_set_value(&t, n, "w", 1), 0);
	assert_true(n->gen > g);
	assert_true(tree_find(&t, "/a")->tgen > g);
	assert_false(tree_find(&t, "/a")->gen > g);
	/* A clone is independent. */
	assert_int_equal(tree_clone(&c, &t), 0);
	tree_delete(&c, tree_find(&c, "/a"));
	assert_null(tree_find(&c, "/a/b/c"));
	assert_non_null(tree_find(&t, "/a/b/c"));
	assert_int_equal(tree_owned(&c, 5), 0);
	assert_int_equal(tree_owned(&t, 5), 3);
	tree_destroy(&c);
	/* Children keep creation order. */
	tree_create(&t, "/o/z", "", 0, DOMID_NONE);
	tree_create(&t, "/o/a", "", 0, DOMID_NONE);
	n = tree_find(&t, "/o");
	assert_string_equal(n->child[0]->name, "z");
	assert_string_equal(n->child[1]->name, "a");
	tree_destroy(&t);
}

static void test_tree_lazy(void **state)
{
	struct tree base, lz;
	struct tree_node *n;

	(void)state;
	assert_int_equal(tree_init(&base), 0);
	assert_non_null(tree_create(&base, "/a/b", "1", 1, 5));
	assert_non_null(tree_create(&base, "/a/c", "2", 1, 5));
	assert_int_equal(tree_lazy(&lz, &base), 0);
	assert_int_equal(lz.root->nr_child, 0); /* nothing copied yet */
	n = tree_find(&lz, "/a/b");
	assert_non_null(n);
	assert_string_equal(n->value, "1");
	assert_int_equal(n->base_gen, tree_find(&base, "/a/b")->gen);
	assert_int_equal(tree_owned(&lz, 5), 3); /* the base's counts */
	/* Changes stay in the view. */
	assert_int_equal(tree_set_value(&lz, n, "x", 1), 0);
	tree_delete(&lz, tree_find(&lz, "/a/c"));
	assert_non_null(tree_create(&lz, "/a/d", "", 0, 7));
	assert_string_equal(tree_find(&base, "/a/b")->value, "1");
	assert_non_null(tree_find(&base, "/a/c"));
	assert_null(tree_find(&base, "/a/d"));
	assert_null(tree_find(&lz, "/a/c"));
	n = tree_find(&lz, "/a");
	assert_int_equal(n->nr_child, 2);
	assert_string_equal(n->child[0]->name, "b");
	assert_string_equal(n->child[1]->name, "d");
	assert_int_equal(tree_owned(&lz, 7), 1);
	assert_int_equal(tree_owned(&base, 7), 0);
	tree_destroy(&lz);
	tree_destroy(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_valid),
		cmocka_unit_test(test_path_resolve),
		cmocka_unit_test(test_path_limits),
		cmocka_unit_test(test_path_child),
		cmocka_unit_test(test_perms_for),
		cmocka_unit_test(test_perms_parse_format),
		cmocka_unit_test(test_tree_basic),
		cmocka_unit_test(test_tree_lazy),
	};

	return cmocka_run_group_tests_name("xenbus tree", tests, NULL, NULL);
}
