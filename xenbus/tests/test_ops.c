/*
 * Every message type's success and error cases, table-driven, through
 * the real dispatch table.  Fixture (fresh for each row), by dom0:
 *   /pub = "p"              perms r0      (others may read)
 *   /secret = "x"           perms n0      (nobody else)
 *   /shared = "s"           perms n0 r5   (dom5 may read)
 *   /local/domain/5/data = "five", /local/domain/5 owned by 5 (n5)
 *   /local/domain/7         owned by 7 (n7)
 * Callers: D0 = dom0 (privileged), D5, D7 = unprivileged domains.
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include "harness.h"

enum { D0, D5, D7 };

#define P(s) s, sizeof(s) - 1

struct row {
	const char *name;
	int who;
	uint32_t type, tx;
	const char *payload;
	size_t len;
	uint32_t rtype; /* expected reply type */
	const char *rbody;
	size_t rlen;
};

#define OK_(t, s) t, P(s)
#define ERR(e) XS_ERROR, P(e "\0")

static const struct row rows[] = {
	/* READ */
	{ "read abs", D0, XS_READ, 0, P("/pub\0"), OK_(XS_READ, "p") },
	{ "read relative", D5, XS_READ, 0, P("data\0"), OK_(XS_READ, "five") },
	{ "read granted", D5, XS_READ, 0, P("/shared\0"), OK_(XS_READ, "s") },
	{ "read denied", D7, XS_READ, 0, P("/shared\0"), ERR("EACCES") },
	{ "read missing", D0, XS_READ, 0, P("/nope\0"), ERR("ENOENT") },
	{ "read missing, readable parent", D5, XS_READ, 0, P("/pub/nope\0"),
	  ERR("ENOENT") },
	{ "read missing, hidden parent", D7, XS_READ, 0, P("/secret/nope\0"),
	  ERR("EACCES") },
	{ "read no NUL", D0, XS_READ, 0, P("/pub"), ERR("EINVAL") },
	{ "read empty", D0, XS_READ, 0, P(""), ERR("EINVAL") },
	{ "read two args", D0, XS_READ, 0, P("/pub\0x\0"), ERR("EINVAL") },
	{ "read //", D0, XS_READ, 0, P("/a//b\0"), ERR("EINVAL") },
	{ "read trailing /", D0, XS_READ, 0, P("/pub/\0"), ERR("EINVAL") },
	{ "read bad char", D0, XS_READ, 0, P("/a b\0"), ERR("EINVAL") },
	{ "read unknown tx", D0, XS_READ, 42, P("/pub\0"), ERR("ENOENT") },
	/* WRITE */
	{ "write creates parents", D0, XS_WRITE, 0, P("/new/deep/x\0v"),
	  OK_(XS_WRITE, "OK\0") },
	{ "write relative", D5, XS_WRITE, 0, P("rel\0v"), OK_(XS_WRITE, "OK\0") },
	{ "write value with NULs", D0, XS_WRITE, 0, P("/pub\0a\0b"),
	  OK_(XS_WRITE, "OK\0") },
	{ "write other domain", D7, XS_WRITE, 0, P("/local/domain/5/x\0v"),
	  ERR("EACCES") },
	{ "write read-only node", D5, XS_WRITE, 0, P("/pub\0v"), ERR("EACCES") },
	{ "write under read-only", D5, XS_WRITE, 0, P("/pub/x\0v"),
	  ERR("EACCES") },
	{ "write no NUL", D0, XS_WRITE, 0, P("/pub"), ERR("EINVAL") },
	{ "write special", D0, XS_WRITE, 0, P("@releaseDomain\0v"),
	  ERR("EINVAL") },
	/* MKDIR */
	{ "mkdir", D0, XS_MKDIR, 0, P("/m/n\0"), OK_(XS_MKDIR, "OK\0") },
	{ "mkdir existing", D0, XS_MKDIR, 0, P("/pub\0"), OK_(XS_MKDIR, "OK\0") },
	{ "mkdir denied", D7, XS_MKDIR, 0, P("/secret/x\0"), ERR("EACCES") },
	{ "mkdir empty", D0, XS_MKDIR, 0, P(""), ERR("EINVAL") },
	/* RM */
	{ "rm", D0, XS_RM, 0, P("/pub\0"), OK_(XS_RM, "OK\0") },
	{ "rm missing leaf", D0, XS_RM, 0, P("/nope\0"), OK_(XS_RM, "OK\0") },
	{ "rm missing parent", D0, XS_RM, 0, P("/nope/deeper\0"), ERR("ENOENT") },
	{ "rm root", D0, XS_RM, 0, P("/\0"), ERR("EINVAL") },
	{ "rm denied", D7, XS_RM, 0, P("/shared\0"), ERR("EACCES") },
	{ "rm own", D5, XS_RM, 0, P("data\0"), OK_(XS_RM, "OK\0") },
	/* DIRECTORY */
	{ "directory", D0, XS_DIRECTORY, 0, P("/local/domain\0"),
	  OK_(XS_DIRECTORY, "5\0" "7\0") },
	{ "directory empty", D0, XS_DIRECTORY, 0, P("/pub\0"),
	  OK_(XS_DIRECTORY, "") },
	{ "directory missing", D0, XS_DIRECTORY, 0, P("/nope\0"), ERR("ENOENT") },
	{ "directory denied", D7, XS_DIRECTORY, 0, P("/secret\0"),
	  ERR("EACCES") },
	/* DIRECTORY_PART */
	{ "directory_part no offset", D0, XS_DIRECTORY_PART, 0, P("/pub\0"),
	  ERR("EINVAL") },
	{ "directory_part three strings", D0, XS_DIRECTORY_PART, 0,
	  P("/pub\0" "0\0" "0\0"), ERR("EINVAL") },
	{ "directory_part missing", D0, XS_DIRECTORY_PART, 0, P("/nope\0" "0\0"),
	  ERR("ENOENT") },
	/* GET_PERMS */
	{ "get_perms", D0, XS_GET_PERMS, 0, P("/shared\0"),
	  OK_(XS_GET_PERMS, "n0\0r5\0") },
	{ "get_perms own", D5, XS_GET_PERMS, 0, P("data\0"),
	  OK_(XS_GET_PERMS, "n5\0") },
	{ "get_perms denied", D7, XS_GET_PERMS, 0, P("/secret\0"),
	  ERR("EACCES") },
	{ "get_perms missing", D0, XS_GET_PERMS, 0, P("/nope\0"), ERR("ENOENT") },
	/* SET_PERMS */
	{ "set_perms", D0, XS_SET_PERMS, 0, P("/pub\0n0\0r5\0"),
	  OK_(XS_SET_PERMS, "OK\0") },
	{ "set_perms owner", D5, XS_SET_PERMS, 0, P("data\0n5\0b7\0"),
	  OK_(XS_SET_PERMS, "OK\0") },
	{ "set_perms give away", D5, XS_SET_PERMS, 0, P("data\0n7\0"),
	  ERR("EPERM") },
	{ "set_perms not owner", D5, XS_SET_PERMS, 0, P("/shared\0n5\0"),
	  ERR("EACCES") },
	{ "set_perms bad letter", D0, XS_SET_PERMS, 0, P("/pub\0x0\0"),
	  ERR("EINVAL") },
	{ "set_perms bad id", D0, XS_SET_PERMS, 0, P("/pub\0r\0"),
	  ERR("EINVAL") },
	{ "set_perms none", D0, XS_SET_PERMS, 0, P("/pub\0"), ERR("EINVAL") },
	{ "set_perms quota", D5, XS_SET_PERMS, 0,
	  P("data\0n5\0r1\0r2\0r3\0r4\0r6\0"), ERR("ENOSPC") },
	{ "set_perms missing", D0, XS_SET_PERMS, 0, P("/nope\0n0\0"),
	  ERR("ENOENT") },
	/* WATCH / UNWATCH / RESET_WATCHES */
	{ "watch", D0, XS_WATCH, 0, P("/pub\0tok\0"), OK_(XS_WATCH, "OK\0") },
	{ "watch no token", D0, XS_WATCH, 0, P("/pub\0"), ERR("EINVAL") },
	{ "watch bad path", D0, XS_WATCH, 0, P("/a//b\0t\0"), ERR("EINVAL") },
	{ "unwatch unknown", D0, XS_UNWATCH, 0, P("/pub\0tok\0"),
	  ERR("ENOENT") },
	{ "reset_watches", D5, XS_RESET_WATCHES, 0, P("\0"),
	  OK_(XS_RESET_WATCHES, "OK\0") },
	/* TRANSACTION_START / END */
	{ "transaction_start", D0, XS_TRANSACTION_START, 0, P("\0"),
	  OK_(XS_TRANSACTION_START, "1\0") },
	{ "transaction_start in unknown tx", D0, XS_TRANSACTION_START, 9,
	  P("\0"), ERR("ENOENT") },
	{ "transaction_end no tx", D0, XS_TRANSACTION_END, 0, P("T\0"),
	  ERR("ENOENT") },
	{ "transaction_end unknown", D0, XS_TRANSACTION_END, 99, P("T\0"),
	  ERR("ENOENT") },
	/* Domain messages */
	{ "introduce unprivileged", D5, XS_INTRODUCE, 0, P("9\0" "1\0" "1\0"),
	  ERR("EACCES") },
	{ "introduce short", D0, XS_INTRODUCE, 0, P("9\0"), ERR("EINVAL") },
	{ "introduce dom0", D0, XS_INTRODUCE, 0, P("0\0" "1\0" "1\0"),
	  ERR("EINVAL") },
	{ "introduce bad domid", D0, XS_INTRODUCE, 0, P("70000\0" "1\0" "1\0"),
	  ERR("EINVAL") },
	{ "introduce unmappable", D0, XS_INTRODUCE, 0, P("9\0" "12345\0" "1\0"),
	  ERR("EINVAL") },
	{ "release unknown", D0, XS_RELEASE, 0, P("9\0"), ERR("ENOENT") },
	{ "release dom0", D0, XS_RELEASE, 0, P("x\0"), ERR("EINVAL") },
	{ "resume lenient", D0, XS_RESUME, 0, P("1x\0"), ERR("ENOENT") },
	{ "release unprivileged", D5, XS_RELEASE, 0, P("9\0"), ERR("EACCES") },
	{ "is_introduced dom0", D0, XS_IS_DOMAIN_INTRODUCED, 0, P("0\0"),
	  OK_(XS_IS_DOMAIN_INTRODUCED, "T\0") },
	{ "is_introduced unknown", D0, XS_IS_DOMAIN_INTRODUCED, 0, P("9\0"),
	  OK_(XS_IS_DOMAIN_INTRODUCED, "F\0") },
	/* Domain ids are read as Xen's atoi(): "x" is 0, "7x" is 7. */
	{ "is_introduced lenient", D0, XS_IS_DOMAIN_INTRODUCED, 0, P("x\0"),
	  OK_(XS_IS_DOMAIN_INTRODUCED, "T\0") },
	{ "is_introduced no NUL", D0, XS_IS_DOMAIN_INTRODUCED, 0, P("0"),
	  ERR("EINVAL") },
	{ "get_domain_path", D5, XS_GET_DOMAIN_PATH, 0, P("5\0"),
	  OK_(XS_GET_DOMAIN_PATH, "/local/domain/5\0") },
	{ "get_domain_path lenient", D0, XS_GET_DOMAIN_PATH, 0, P("7x\0"),
	  OK_(XS_GET_DOMAIN_PATH, "/local/domain/7\0") },
	{ "get_domain_path reserved", D0, XS_GET_DOMAIN_PATH, 0, P("32752\0"),
	  ERR("EINVAL") },
	{ "resume unknown", D0, XS_RESUME, 0, P("9\0"), ERR("ENOENT") },
	{ "resume unprivileged", D5, XS_RESUME, 0, P("5\0"), ERR("EACCES") },
	{ "set_target unknown", D0, XS_SET_TARGET, 0, P("9\0" "8\0"),
	  ERR("ENOENT") },
	{ "set_target short", D0, XS_SET_TARGET, 0, P("9\0"), ERR("EINVAL") },
	{ "set_target unprivileged", D5, XS_SET_TARGET, 0, P("9\0" "8\0"),
	  ERR("EACCES") },
	/* CONTROL */
	{ "control check", D0, XS_CONTROL, 0, P("check\0"),
	  OK_(XS_CONTROL, "OK\0") },
	{ "control unknown", D0, XS_CONTROL, 0, P("bogus\0"), ERR("EINVAL") },
	{ "control unprivileged", D5, XS_CONTROL, 0, P("check\0"),
	  ERR("EACCES") },
	/* Types a client may not send, and unknown ones */
	{ "watch_event from client", D0, XS_WATCH_EVENT, 0, P("/a\0t\0"),
	  ERR("ENOSYS") },
	{ "error from client", D0, XS_ERROR, 0, P("EINVAL\0"), ERR("ENOSYS") },
	{ "reserved type 20", D0, 20, 0, P("\0"), ERR("ENOSYS") },
	{ "unknown type", D0, 999, 0, P("\0"), ERR("ENOSYS") },
};

struct fixture {
	struct xsd x;
	struct conn *c[3];
};

static void perms(struct conn *c, const char *payload, size_t len)
{
	struct msg m;

	request(c, XS_SET_PERMS, 0, payload, len, &m);
	assert_int_equal(m.type, XS_SET_PERMS);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	xsd_setup(&f->x);
	f->c[D0] = mkconn(&f->x, 0, true);
	f->c[D5] = mkconn(&f->x, 5, false);
	f->c[D7] = mkconn(&f->x, 7, false);
	write_ok(f->c[D0], 0, "/pub", "p");
	write_ok(f->c[D0], 0, "/secret", "x");
	write_ok(f->c[D0], 0, "/shared", "s");
	write_ok(f->c[D0], 0, "/local/domain/5/data", "five");
	write_ok(f->c[D0], 0, "/local/domain/7", "");
	perms(f->c[D0], P("/pub\0r0\0"));
	perms(f->c[D0], P("/shared\0n0\0r5\0"));
	perms(f->c[D0], P("/local/domain/5\0n5\0"));
	perms(f->c[D0], P("/local/domain/5/data\0n5\0"));
	perms(f->c[D0], P("/local/domain/7\0n7\0"));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	xsd_fini(&f->x);
	free(f);
	return 0;
}

static bool run_row(void **state, const struct row *r)
{
	struct fixture *f = *state;
	struct msg m;

	request(f->c[r->who], r->type, r->tx, r->payload, r->len, &m);
	if (m.type == r->rtype && m.len == r->rlen &&
	    !memcmp(m.body, r->rbody, r->rlen))
		return true;
	print_error("%s: got type %u len %u \"%s\", want type %u \"%s\"\n",
		    r->name, m.type, m.len, m.body, r->rtype, r->rbody);
	return false;
}

static void test_table(void **state)
{
	unsigned int failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		teardown(state);
		setup(state);
		failed += !run_row(state, &rows[i]);
	}
	assert_int_equal(failed, 0);
}

/* Effects of the successful rows, checked by reading back. */
static void test_effects(void **state)
{
	struct fixture *f = *state;
	struct msg m;

	write_ok(f->c[D5], 0, "rel", "v");
	req_s(f->c[D0], XS_READ, 0, "/local/domain/5/rel", &m);
	assert_string_equal(m.body, "v");
	/* A domain owns what it creates; parents inherit then get owner. */
	req_s(f->c[D0], XS_GET_PERMS, 0, "/local/domain/5/rel", &m);
	assert_memory_equal(m.body, "n5\0", 3);
	write_ok(f->c[D0], 0, "/shared/a/b", "1");
	req_s(f->c[D0], XS_GET_PERMS, 0, "/shared/a", &m);
	assert_int_equal(m.len, 6);
	assert_memory_equal(m.body, "n0\0r5\0", 6);
	req_s(f->c[D0], XS_READ, 0, "/shared/a", &m);
	assert_int_equal(m.type, XS_READ);
	assert_int_equal(m.len, 0);
	/* rm removes the subtree. */
	req_s(f->c[D0], XS_RM, 0, "/shared", &m);
	req_s(f->c[D0], XS_READ, 0, "/shared/a/b", &m);
	assert_err(&m, "ENOENT");
	/* Value with NULs round-trips. */
	request(f->c[D0], XS_WRITE, 0, P("/pub\0a\0b"), &m);
	req_s(f->c[D0], XS_READ, 0, "/pub", &m);
	assert_int_equal(m.len, 3);
	assert_memory_equal(m.body, "a\0b", 3);
}

/* DIRECTORY of a list over 4096 bytes: E2BIG; DIRECTORY_PART pages it. */
static void test_directory_part(void **state)
{
	struct fixture *f = *state;
	char path[64], all[16384], got[16384];
	size_t all_len = 0, got_len = 0;
	struct msg m;

	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/big/child-name-%04d", i);
		write_ok(f->c[D0], 0, path, "");
		all_len += (size_t)sprintf(all + all_len, "child-name-%04d", i) + 1;
	}
	req_s(f->c[D0], XS_DIRECTORY, 0, "/big", &m);
	assert_err(&m, "E2BIG");
	for (int rounds = 0; rounds < 10; rounds++) {
		char req[64];
		size_t gl, n = (size_t)snprintf(req, sizeof(req), "/big%c%zu",
						 0, got_len);

		request(f->c[D0], XS_DIRECTORY_PART, 0, req, n + 1, &m);
		assert_int_equal(m.type, XS_DIRECTORY_PART);
		gl = strlen(m.body) + 1;
		assert_true(m.len >= gl);
		memcpy(got + got_len, m.body + gl, m.len - gl);
		got_len += m.len - gl;
		if (got_len >= 2 && !got[got_len - 1] && !got[got_len - 2])
			break;
	}
	assert_int_equal(got_len, all_len + 1);
	assert_memory_equal(got, all, all_len);
}

/*
 * DIRECTORY_PART lists a directory of any size (Xen 4.17's
 * send_directory_part): 6,000 children, about 290 KB of names, in
 * parts, each "<generation>\0" then names from the byte offset asked;
 * the last part ends with an empty string; an offset past the end gives
 * just the generation and the empty string; the offset is read as Xen
 * reads it (atoi: "x" is 0).
 */
static void test_directory_part_huge(void **state)
{
	struct fixture *f = *state;
	enum { N = 6000 };
	static const char pad[] = "-a-long-child-name-to-make-the-list-long";
	static char all[N * 64], got[N * 64];
	char path[96], req[64], gen[32] = "";
	size_t all_len = 0, got_len = 0, n;
	unsigned int parts = 0;
	struct msg m;

	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/huge/c%07d%s", i, pad);
		write_ok(f->c[D0], 0, path, "");
		all_len += (size_t)sprintf(all + all_len, "c%07d%s", i, pad) +
			   1;
	}
	for (;;) {
		size_t gl;

		n = (size_t)snprintf(req, sizeof(req), "/huge%c%zu", 0, got_len);
		request(f->c[D0], XS_DIRECTORY_PART, 0, req, n + 1, &m);
		assert_int_equal(m.type, XS_DIRECTORY_PART);
		gl = strlen(m.body) + 1;
		if (parts++ == 0)
			strcpy(gen, m.body);
		assert_string_equal(m.body, gen); /* unchanged directory */
		assert_true(m.len > gl);
		memcpy(got + got_len, m.body + gl, m.len - gl);
		got_len += m.len - gl;
		if (got_len > all_len)
			break;
		assert_true(parts < 200);
	}
	assert_true(all_len > 280000 && parts > 60);
	assert_int_equal(got_len, all_len + 1);
	assert_memory_equal(got, all, all_len);
	assert_int_equal(got[all_len], '\0');
	/* Past the end: the generation and an empty string. */
	n = (size_t)snprintf(req, sizeof(req), "/huge%c%zu", 0, all_len + 5);
	request(f->c[D0], XS_DIRECTORY_PART, 0, req, n + 1, &m);
	assert_int_equal(m.type, XS_DIRECTORY_PART);
	assert_int_equal(m.len, strlen(gen) + 2);
	/* "x" is offset 0, as atoi reads it. */
	request(f->c[D0], XS_DIRECTORY_PART, 0, "/huge\0x", 8, &m);
	assert_int_equal(m.type, XS_DIRECTORY_PART);
	assert_memory_equal(m.body + strlen(gen) + 1, all, 9);
}

/* Payloads at the 4096-byte limit are accepted. */
static void test_payload_limit(void **state)
{
	struct fixture *f = *state;
	static char buf[XENSTORE_PAYLOAD_MAX];
	struct msg m;

	memcpy(buf, "/max", 5);
	memset(buf + 5, 'v', sizeof(buf) - 5);
	request(f->c[D0], XS_WRITE, 0, buf, sizeof(buf), &m);
	assert_int_equal(m.type, XS_WRITE);
	req_s(f->c[D0], XS_READ, 0, "/max", &m);
	assert_int_equal(m.len, XENSTORE_PAYLOAD_MAX - 5);
}

/* INTRODUCE/RELEASE/RESUME/SET_TARGET success paths on host rings. */
static void test_domains(void **state)
{
	struct fixture *f = *state;
	static struct xenstore_domain_interface p9, p10;
	struct domain *d;
	struct msg m;

	assert_int_equal(ring_host_register(0x9000, 1, &p9, -1, -1), 0);
	assert_int_equal(ring_host_register(0xa000, 2, &p10, -1, -1), 0);
	request(f->c[D0], XS_INTRODUCE, 0, P("9\0" "36864\0" "1\0"), &m);
	assert_int_equal(m.type, XS_INTRODUCE);
	request(f->c[D0], XS_INTRODUCE, 0, P("10\0" "40960\0" "2\0"), &m);
	assert_int_equal(m.type, XS_INTRODUCE);
	/* Re-introducing with the same page is accepted, another is not. */
	request(f->c[D0], XS_INTRODUCE, 0, P("9\0" "36864\0" "1\0"), &m);
	assert_int_equal(m.type, XS_INTRODUCE);
	request(f->c[D0], XS_INTRODUCE, 0, P("9\0" "40960\0" "2\0"), &m);
	assert_err(&m, "EINVAL");
	/* A device model (10) acting for its guest (9). */
	request(f->c[D0], XS_SET_TARGET, 0, P("10\0" "9\0"), &m);
	assert_int_equal(m.type, XS_SET_TARGET);
	d = domain_find(&f->x, 10);
	assert_non_null(d);
	assert_int_equal(d->conn->who.target, 9);
	assert_false(d->conn->who.privileged);
	request(f->c[D0], XS_RESUME, 0, P("9\0"), &m);
	assert_int_equal(m.type, XS_RESUME);
	request(f->c[D0], XS_RELEASE, 0, P("10\0"), &m);
	assert_int_equal(m.type, XS_RELEASE);
	assert_null(domain_find(&f->x, 10));
	request(f->c[D0], XS_IS_DOMAIN_INTRODUCED, 0, P("10\0"), &m);
	assert_memory_equal(m.body, "F", 2);
	request(f->c[D0], XS_RELEASE, 0, P("10\0"), &m);
	assert_err(&m, "ENOENT");
}

/* Count the @releaseDomain events queued for c (token "rel"). */
static int release_events(struct conn *c)
{
	struct msg m;
	int n = 0;

	while (next_msg(c, &m)) {
		assert_int_equal(m.type, XS_WATCH_EVENT);
		assert_memory_equal(m.body, "@releaseDomain\0rel", 19);
		n++;
	}
	return n;
}

/* VIRQ_DOM_EXC as Xen's check_domains: one @releaseDomain per scan with
 * news, a shutdown reported once (again after RESUME), a dying or gone
 * domain loses its connection and its nodes. */
static void test_dom_exc(void **state)
{
	struct fixture *f = *state;
	static struct xenstore_domain_interface p11, p12;
	int exc = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1;
	struct domain *d11;
	struct msg m;

	assert_true(exc >= 0);
	ring_host_set_exc_fd(exc);
	assert_int_equal(ring_host_register(0xb000, 3, &p11, -1, -1), 0);
	assert_int_equal(ring_host_register(0xc000, 4, &p12, -1, -1), 0);
	request(f->c[D0], XS_INTRODUCE, 0, P("11\0" "45056\0" "3\0"), &m);
	assert_int_equal(m.type, XS_INTRODUCE);
	request(f->c[D0], XS_INTRODUCE, 0, P("12\0" "49152\0" "4\0"), &m);
	assert_int_equal(m.type, XS_INTRODUCE);
	write_ok(f->c[D0], 0, "/local/domain/11/x", "1");
	perms(f->c[D0], P("/local/domain/11/x\0n11\0"));
	write_ok(f->c[D0], 0, "/local/domain/12/y", "2");
	perms(f->c[D0], P("/local/domain/12/y\0n12\0"));
	request(f->c[D0], XS_WATCH, 0, P("@releaseDomain\0rel\0"), &m);
	assert_int_equal(m.type, XS_WATCH);
	assert_int_equal(release_events(f->c[D0]), 1); /* at registration */

	/* An event with nothing new fires nothing. */
	assert_int_equal(write(exc, &one, sizeof(one)), sizeof(one));
	assert_int_equal(xsd_poll(&f->x, 0), 0);
	assert_int_equal(release_events(f->c[D0]), 0);
	/* 11 shuts down: reported once, the domain stays. */
	assert_int_equal(ring_host_set_state(11, DOM_SHUTDOWN), 0);
	assert_int_equal(write(exc, &one, sizeof(one)), sizeof(one));
	assert_int_equal(xsd_poll(&f->x, 0), 0);
	assert_int_equal(release_events(f->c[D0]), 1);
	d11 = domain_find(&f->x, 11);
	assert_non_null(d11);
	assert_true(d11->shutdown);
	assert_int_equal(write(exc, &one, sizeof(one)), sizeof(one));
	assert_int_equal(xsd_poll(&f->x, 0), 0);
	assert_int_equal(release_events(f->c[D0]), 0);
	/* XS_RESUME re-arms it. */
	request(f->c[D0], XS_RESUME, 0, P("11\0"), &m);
	assert_int_equal(m.type, XS_RESUME);
	assert_int_equal(write(exc, &one, sizeof(one)), sizeof(one));
	assert_int_equal(xsd_poll(&f->x, 0), 0);
	assert_int_equal(release_events(f->c[D0]), 1);
	/* No event, no scan: the state is read only on VIRQ_DOM_EXC. */
	assert_int_equal(ring_host_set_state(11, DOM_GONE), 0);
	assert_int_equal(xsd_poll(&f->x, 0), 0);
	assert_non_null(domain_find(&f->x, 11));
	/* 11 dies: connection and nodes gone; 12 untouched. */
	assert_int_equal(write(exc, &one, sizeof(one)), sizeof(one));
	assert_int_equal(xsd_poll(&f->x, 0), 0);
	assert_int_equal(release_events(f->c[D0]), 1);
	assert_null(domain_find(&f->x, 11));
	for (struct conn *c = f->x.conns; c; c = c->next)
		assert_int_not_equal(c->who.id, 11);
	req_s(f->c[D0], XS_READ, 0, "/local/domain/11/x", &m);
	assert_err(&m, "ENOENT");
	request(f->c[D0], XS_IS_DOMAIN_INTRODUCED, 0, P("11\0"), &m);
	assert_memory_equal(m.body, "F", 2);
	request(f->c[D0], XS_IS_DOMAIN_INTRODUCED, 0, P("12\0"), &m);
	assert_memory_equal(m.body, "T", 2);
	req_s(f->c[D0], XS_READ, 0, "/local/domain/12/y", &m);
	assert_string_equal(m.body, "2");
	ring_host_set_exc_fd(-1);
	close(exc);
}

/* --dom0: the kernel connection's watches survive a restart (same
 * boot), with their first event; other connections' do not count. */
static void test_kernel_watches(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/xsd-kw-XXXXXX", file[64];
	struct xsd y;
	struct conn *k, *k2;
	struct msg m;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/dom0-kernel-watches", dir);
	k = mkconn(&f->x, 0, true);
	f->x.kernel = k;
	f->x.kernel_watch_file = strdup(file);
	request(k, XS_WATCH, 0, P("memory/target\0" "ffff8880aa\0"), &m);
	assert_int_equal(m.type, XS_WATCH);
	request(k, XS_WATCH, 0, P("/local/domain/0/backend\0" "t2\0"), &m);
	request(k, XS_WATCH, 0, P("@releaseDomain\0" "t3\0"), &m);
	request(k, XS_UNWATCH, 0, P("@releaseDomain\0" "t3\0"), &m);
	assert_int_equal(m.type, XS_UNWATCH);
	/* Another connection's watch is not the kernel's. */
	request(f->c[D0], XS_WATCH, 0, P("/x\0" "other\0"), &m);

	/* A new daemon: the kernel gets its two watches back. */
	xsd_setup(&y);
	k2 = mkconn(&y, 0, true);
	y.kernel = k2;
	y.kernel_watch_file = strdup(file);
	assert_int_equal(kernel_watches_restore(&y), 1);
	assert_int_equal(k2->nr_watches, 2);
	assert_true(k2->restored);
	while (next_msg(k2, &m)) /* the first events */
		assert_int_equal(m.type, XS_WATCH_EVENT);
	write_ok(f->c[D0], 0, "/x", "1"); /* (old daemon: irrelevant) */
	write_ok(mkconn(&y, 0, true), 0, "/local/domain/0/memory/target", "5");
	assert_true(next_msg(k2, &m));
	assert_int_equal(m.type, XS_WATCH_EVENT);
	assert_memory_equal(m.body, "memory/target\0" "ffff8880aa", 25);
	assert_false(next_msg(k2, &m));
	/* A transaction the old daemon had open for the kernel fails at
	 * its end (EAGAIN: Linux retries), it is not unknown. */
	write_ok(k2, 3, "/local/domain/0/data/t", "1");
	req_s(k2, XS_TRANSACTION_END, 3, "T", &m);
	assert_err(&m, "EAGAIN");
	req_s(k2, XS_READ, 0, "/local/domain/0/data/t", &m);
	assert_err(&m, "ENOENT");
	xsd_fini(&y);

	/* Watches of another boot of dom0 are not restored. */
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs("boot 00000000-0000-0000-0000-000000000000\nbackend 7432\n", fp);
	fclose(fp);
	xsd_setup(&y);
	y.kernel = mkconn(&y, 0, true);
	y.kernel_watch_file = strdup(file);
	assert_int_equal(kernel_watches_restore(&y), 0);
	assert_int_equal(y.kernel->nr_watches, 0);
	xsd_fini(&y);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_part_huge, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_directory_part, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_payload_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dom_exc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_watches, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("xenbus ops", tests, NULL, NULL);
}
