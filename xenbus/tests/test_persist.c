/*
 * Introduced domains and their watches across a restart of the daemon
 * (persist.c): a daemon in a child process introduces three domains on
 * shared-memory rings, guest 5 registers watches and opens a
 * transaction, then the child is killed with SIGKILL.  A new daemon on
 * the same state directory serves guest 5 again (its ring resumed from
 * the indexes it left, a request written while the daemon was down
 * answered, its watches back with their first events, its old
 * transaction failed with EAGAIN at commit), drops guest 6 which died
 * meanwhile (its nodes, @releaseDomain), closes guest 7 whose ring
 * indexes were broken meanwhile, fires no @introduceDomain; then a
 * second restart keeps 5, and after RELEASE a third one forgets it.
 */
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "persist.h"

#define P(s) s, sizeof(s) - 1

struct guest {
	uint32_t id;
	uint64_t mfn;
	uint32_t port;
	struct xenstore_domain_interface *ring; /* shared across fork */
	int to_daemon, to_guest;
};

static struct guest g[3] = {
	{ 5, 0x5000, 7, NULL, -1, -1 },
	{ 6, 0x6000, 8, NULL, -1, -1 },
	{ 7, 0x7000, 9, NULL, -1, -1 },
};

/* A guest request on its ring, and the notification. */
static void guest_send(struct guest *gu, uint32_t type, uint32_t tx,
		       uint32_t req_id, const char *p, size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx, (uint32_t)len };
	uint64_t one = 1;

	if (ring_write_req(gu->ring, &h, sizeof(h)) != sizeof(h) ||
	    ring_write_req(gu->ring, p, len) != (ssize_t)len ||
	    write(gu->to_daemon, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* The next message on the guest's response ring (false: none). */
static bool guest_recv(struct guest *gu, struct msg *m)
{
	struct xsd_sockmsg h;
	uint32_t avail = gu->ring->rsp_prod - gu->ring->rsp_cons;

	if (avail < sizeof(h))
		return false;
	if (ring_read_rsp(gu->ring, &h, sizeof(h)) != sizeof(h) ||
	    h.len > XENSTORE_PAYLOAD_MAX ||
	    ring_read_rsp(gu->ring, m->body, h.len) != (ssize_t)h.len)
		abort();
	m->type = h.type;
	m->req_id = h.req_id;
	m->tx_id = h.tx_id;
	m->len = h.len;
	m->body[h.len] = '\0';
	return true;
}

/* Send, run the loop until the reply (events before it are counted). */
static unsigned int guest_req(struct xsd *x, struct guest *gu, uint32_t type,
			      uint32_t tx, const char *p, size_t len,
			      struct msg *m)
{
	static uint32_t req_id = 1000;
	unsigned int events = 0;

	guest_send(gu, type, tx, ++req_id, p, len);
	/* The reply may wait for its journal frame (the sync thread). */
	for (int i = 0; i < 100; i++) {
		if (xsd_poll(x, 10) < 0)
			abort();
		while (guest_recv(gu, m)) {
			if (m->type == XS_WATCH_EVENT && m->req_id == 0) {
				events++;
				continue;
			}
			if (m->req_id != req_id)
				abort();
			return events;
		}
	}
	abort(); /* no reply */
}

static void setup_rings(void)
{
	for (int i = 0; i < 3; i++) {
		g[i].ring = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		assert_true(g[i].ring != MAP_FAILED);
		g[i].to_daemon = eventfd(0, EFD_NONBLOCK);
		g[i].to_guest = eventfd(0, EFD_NONBLOCK);
		assert_true(g[i].to_daemon >= 0 && g[i].to_guest >= 0);
		assert_int_equal(ring_host_register(g[i].mfn, g[i].port,
						    g[i].ring, g[i].to_daemon,
						    g[i].to_guest), 0);
	}
}

static void open_daemon(struct xsd *x, const char *dir)
{
	xsd_log_stderr = true;
	assert_int_equal(xsd_init(x, dir, false), 0);
	x->rings = &ring_host_backend;
}

/* The first daemon, in a child that is killed with SIGKILL at the end.
 * (No cmocka here: any failure exits with status 1.) */
static void first_daemon(const char *dir)
{
	struct xsd x;
	struct conn *d0;
	struct msg m;
	char intro[64];

	if (xsd_init(&x, dir, false) < 0)
		_exit(1);
	x.rings = &ring_host_backend;
	d0 = mkconn(&x, 0, true);
	for (int i = 0; i < 3; i++) {
		int n = snprintf(intro, sizeof(intro), "%u%c%llu%c%u%c",
				 g[i].id, 0, (unsigned long long)g[i].mfn, 0,
				 g[i].port, 0);

		request(d0, XS_INTRODUCE, 0, intro, (size_t)n, &m);
		if (m.type != XS_INTRODUCE)
			_exit(1);
	}
	write_ok(d0, 0, "/local/domain/5/memory/target", "131072");
	request(d0, XS_SET_PERMS, 0,
		P("/local/domain/5/memory/target\0n0\0r5\0"), &m);
	write_ok(d0, 0, "/local/domain/5/control/shutdown", "");
	request(d0, XS_SET_PERMS, 0,
		P("/local/domain/5/control/shutdown\0n5\0"), &m);
	write_ok(d0, 0, "/local/domain/5/data", "");
	request(d0, XS_SET_PERMS, 0, P("/local/domain/5/data\0n5\0"), &m);
	write_ok(d0, 0, "/local/domain/6/data", "6");
	request(d0, XS_SET_PERMS, 0, P("/local/domain/6/data\0n6\0"), &m);
	/* Guest 5: three watches (one removed again), a transaction. */
	if (guest_req(&x, &g[0], XS_WATCH, 0, P("memory/target\0tokA\0"),
		      &m) != 0 || m.type != XS_WATCH ||
	    guest_req(&x, &g[0], XS_WATCH, 0,
		      P("/local/domain/5/control/shutdown\0tokB\0"), &m) != 1 ||
	    guest_req(&x, &g[0], XS_WATCH, 0, P("device\0tokC\0"), &m) != 1 ||
	    guest_req(&x, &g[0], XS_UNWATCH, 0, P("device\0tokC\0"), &m) != 1 ||
	    m.type != XS_UNWATCH)
		_exit(1);
	guest_req(&x, &g[0], XS_TRANSACTION_START, 0, P("\0"), &m);
	if (m.type != XS_TRANSACTION_START || strcmp(m.body, "1"))
		_exit(1);
	guest_req(&x, &g[0], XS_WRITE, 1, P("data/t\0" "1"), &m);
	if (m.type != XS_WRITE)
		_exit(1);
	while (guest_recv(&g[0], &m)) /* events still queued */
		;
	raise(SIGKILL);
	_exit(1);
}

/* Count the events of c by token. */
static unsigned int events(struct conn *c, const char *token)
{
	unsigned int n = 0;
	struct msg m;

	while (next_msg(c, &m)) {
		assert_int_equal(m.type, XS_WATCH_EVENT);
		if (!strcmp(m.body + strlen(m.body) + 1, token))
			n++;
	}
	return n;
}

static void assert_introduced(struct conn *d0, const char *id, bool yes)
{
	struct msg m;
	char p[8];
	int n = snprintf(p, sizeof(p), "%s", id) + 1;

	request(d0, XS_IS_DOMAIN_INTRODUCED, 0, p, (size_t)n, &m);
	assert_string_equal(m.body, yes ? "T" : "F");
}

static void test_restart_with_domains(void **state)
{
	char dir[] = "/tmp/xsd-persist-XXXXXX", cmd[64];
	struct xsd y;
	struct conn *d0;
	struct msg m;
	unsigned int ev;
	uint32_t tx;
	int status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setup_rings();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		first_daemon(dir);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* While it was down: 6 died, 7 broke its ring's indexes, 5 wrote
	 * a request (its notification went nowhere). */
	assert_int_equal(ring_host_set_state(6, DOM_GONE), 0);
	g[2].ring->req_prod = g[2].ring->req_cons + XENSTORE_RING_SIZE + 1;
	guest_send(&g[0], XS_READ, 0, 77, P("memory/target\0"));

	open_daemon(&y, dir);
	d0 = mkconn(&y, 0, true);
	request(d0, XS_WATCH, 0, P("@introduceDomain\0intro\0"), &m);
	assert_int_equal(events(d0, "intro"), 1); /* at registration */
	request(d0, XS_WATCH, 0, P("@releaseDomain\0rel\0"), &m);
	assert_int_equal(events(d0, "rel"), 1);
	assert_int_equal(persist_restore(&y), 2);
	assert_int_equal(journal_commit(y.journal, &y.tree), 0);
	ev = 0;
	{
		struct msg e;

		while (next_msg(d0, &e)) {
			const char *tok = e.body + strlen(e.body) + 1;

			assert_string_not_equal(tok, "intro");
			ev += !strcmp(tok, "rel");
		}
	}
	assert_int_equal(ev, 1); /* 6 is gone: once */
	assert_introduced(d0, "5", true);
	assert_introduced(d0, "6", false);
	assert_introduced(d0, "7", true);
	req_s(d0, XS_READ, 0, "/local/domain/6/data", &m);
	assert_err(&m, "ENOENT"); /* 6's own nodes went with it */

	/* 5: the request written while the daemon was down is answered,
	 * after the first events of its two watches (not tokC's). */
	for (int i = 0; i < 5; i++)
		assert_int_equal(xsd_poll(&y, 0), 0);
	{
		unsigned int a = 0, b = 0, reply = 0;

		while (guest_recv(&g[0], &m)) {
			const char *tok = m.body + strlen(m.body) + 1;

			if (m.type == XS_WATCH_EVENT) {
				a += !strcmp(tok, "tokA");
				b += !strcmp(tok, "tokB");
				assert_string_not_equal(tok, "tokC");
			} else {
				assert_int_equal(m.req_id, 77);
				assert_string_equal(m.body, "131072");
				reply++;
			}
		}
		assert_int_equal(a, 1);
		assert_int_equal(b, 1);
		assert_int_equal(reply, 1);
	}
	/* 7's broken ring closed its connection only. */
	for (struct conn *c = y.conns; c; c = c->next)
		assert_int_not_equal(c->who.id, 7);

	/* dom0 writes memory/target: 5's restored watch fires. */
	write_ok(d0, 0, "/local/domain/5/memory/target", "98304");
	assert_int_equal(xsd_poll(&y, 0), 0);
	assert_true(guest_recv(&g[0], &m));
	assert_int_equal(m.type, XS_WATCH_EVENT);
	assert_memory_equal(m.body, "memory/target\0tokA", 19);
	assert_false(guest_recv(&g[0], &m));
	/* The old transaction 1: served, then EAGAIN at commit; a new one
	 * gets an id the old daemon never gave, and commits. */
	assert_int_equal(guest_req(&y, &g[0], XS_WRITE, 1, P("data/t\0" "2"),
				   &m), 0);
	assert_int_equal(m.type, XS_WRITE);
	guest_req(&y, &g[0], XS_TRANSACTION_END, 1, P("T\0"), &m);
	assert_int_equal(m.type, XS_ERROR);
	assert_string_equal(m.body, "EAGAIN");
	guest_req(&y, &g[0], XS_TRANSACTION_START, 0, P("\0"), &m);
	assert_int_equal(m.type, XS_TRANSACTION_START);
	assert_true(strtoul(m.body, NULL, 10) >= RESTORED_TXID_BASE);
	tx = (uint32_t)strtoul(m.body, NULL, 10);
	guest_req(&y, &g[0], XS_WRITE, tx, P("data/t\0" "3"), &m);
	guest_req(&y, &g[0], XS_TRANSACTION_END, tx, P("T\0"), &m);
	assert_int_equal(m.type, XS_TRANSACTION_END);
	req_s(d0, XS_READ, 0, "/local/domain/5/data/t", &m);
	assert_string_equal(m.body, "3");
	/* A transaction id the old daemon never reached is still unknown
	 * once it is above the base. */
	guest_req(&y, &g[0], XS_READ, RESTORED_TXID_BASE + 100,
		  P("data/t\0"), &m);
	assert_err(&m, "ENOENT");
	xsd_fini(&y);

	/* Restarted again (from the snapshot the second daemon wrote): 5
	 * is served with its watches; then released, and forgotten. */
	open_daemon(&y, dir);
	assert_int_equal(persist_restore(&y), 2); /* 5, and 7 (mappable) */
	assert_int_equal(journal_commit(y.journal, &y.tree), 0);
	assert_non_null(domain_find(&y, 5));
	assert_int_equal(domain_find(&y, 5)->conn->nr_watches, 2);
	d0 = mkconn(&y, 0, true);
	request(d0, XS_RELEASE, 0, P("7\0"), &m);
	assert_int_equal(m.type, XS_RELEASE);
	request(d0, XS_RELEASE, 0, P("5\0"), &m);
	assert_int_equal(m.type, XS_RELEASE);
	xsd_fini(&y);
	open_daemon(&y, dir);
	assert_int_equal(persist_restore(&y), 0);
	assert_null(y.saved);
	d0 = mkconn(&y, 0, true);
	assert_introduced(d0, "5", false);
	xsd_fini(&y);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A domain watch's add/remove/reset reach the state; socket clients'
 * watches do not (the kernel's have their own file). */
static void test_watch_records(void **state)
{
	char dir[] = "/tmp/xsd-persist-XXXXXX", cmd[64];
	struct guest gu = { 9, 0x9000, 11, NULL, -1, -1 };
	struct xsd x;
	struct conn *d0;
	struct msg m;

	(void)state;
	assert_non_null(mkdtemp(dir));
	gu.ring = calloc(1, 4096);
	gu.to_daemon = eventfd(0, EFD_NONBLOCK);
	gu.to_guest = eventfd(0, EFD_NONBLOCK);
	assert_true(gu.ring && gu.to_daemon >= 0 && gu.to_guest >= 0);
	assert_int_equal(ring_host_register(gu.mfn, gu.port, gu.ring,
					    gu.to_daemon, gu.to_guest), 0);
	open_daemon(&x, dir);
	d0 = mkconn(&x, 0, true);
	request(d0, XS_INTRODUCE, 0, P("9\0" "36864\0" "11\0"), &m);
	assert_int_equal(m.type, XS_INTRODUCE);
	request(d0, XS_WATCH, 0, P("/x\0dom0\0"), &m);
	guest_req(&x, &gu, XS_WATCH, 0, P("a\0t1\0"), &m);
	guest_req(&x, &gu, XS_WATCH, 0, P("/local/domain/9/b\0t2\0"), &m);
	guest_req(&x, &gu, XS_WATCH, 0, P("@releaseDomain\0t3\0"), &m);
	guest_req(&x, &gu, XS_UNWATCH, 0, P("/local/domain/9/a\0t1\0"), &m);
	assert_int_equal(m.type, XS_UNWATCH);
	assert_non_null(x.saved);
	assert_non_null(x.saved->watches);
	assert_string_equal(x.saved->watches->given, "/local/domain/9/b");
	assert_string_equal(x.saved->watches->next->given, "@releaseDomain");
	assert_null(x.saved->watches->next->next);
	xsd_fini(&x);
	open_daemon(&x, dir);
	assert_non_null(x.saved);
	assert_int_equal(x.saved->id, 9);
	assert_int_equal(x.saved->mfn, 0x9000);
	assert_int_equal(x.saved->port, 11);
	assert_string_equal(x.saved->watches->given, "/local/domain/9/b");
	assert_string_equal(x.saved->watches->token, "t2");
	assert_string_equal(x.saved->watches->next->given, "@releaseDomain");
	assert_null(x.saved->watches->next->next);
	assert_null(x.saved->next);
	assert_int_equal(persist_restore(&x), 1);
	guest_req(&x, &gu, XS_RESET_WATCHES, 0, P("\0"), &m);
	assert_int_equal(m.type, XS_RESET_WATCHES);
	assert_null(x.saved->watches);
	xsd_fini(&x);
	open_daemon(&x, dir);
	assert_non_null(x.saved);
	assert_null(x.saved->watches);
	xsd_fini(&x);
	free(gu.ring);
	close(gu.to_daemon);
	close(gu.to_guest);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A record this daemon does not know (a newer daemon's, or a bug): the
 * state is refused with one line rather than domains silently lost. */
static void test_unknown_record_refused(void **state)
{
	char dir[] = "/tmp/xsd-persist-XXXXXX", cmd[64];
	static const unsigned char rec[] = { 'Q', 5, 0, 0, 0 };
	struct xsd x;
	unsigned long lines;

	(void)state;
	assert_non_null(mkdtemp(dir));
	open_daemon(&x, dir);
	journal_put_extra(x.journal, rec, sizeof(rec));
	assert_int_equal(journal_commit(x.journal, &x.tree), 0);
	xsd_fini(&x);
	lines = xsd_log_lines;
	assert_int_equal(xsd_init(&x, dir, false), -EIO);
	assert_int_equal(xsd_log_lines, lines + 1);
	assert_non_null(strstr(xsd_log_last, "bad record"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_with_domains),
		cmocka_unit_test(test_watch_records),
		cmocka_unit_test(test_unknown_record_refused),
	};

	return cmocka_run_group_tests_name("xenbus persist", tests, NULL, NULL);
}
