/*
 * The event loop over real sockets: accept() failing for lack of
 * descriptors, and fairness between connections.
 */
#include <poll.h>
#include <semaphore.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "journal.h"
#include "socket.h"

static char sock_path[64];
static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static int setup(void **state)
{
	struct xsd *x = calloc(1, sizeof(*x));

	xsd_setup(x);
	x->clock_ms = fake_clock;
	snprintf(sock_path, sizeof(sock_path), "/tmp/xenbus-loop-%d.sock",
		 (int)getpid());
	assert_int_equal(xsd_listen(x, sock_path), 0);
	*state = x;
	return 0;
}

/* A disk that completes a frame's sync only when the test allows it. */
static sem_t gate;
static volatile unsigned int frames_written;

static void gated_sync(void)
{
	frames_written++;
	while (sem_wait(&gate) < 0)
		;
}

static int teardown(void **state)
{
	struct xsd *x = *state;

	/* A failed test may leave a frame held at the gate. */
	if (journal_sync_hook) {
		journal_sync_hook = NULL;
		for (int i = 0; i < 4; i++)
			sem_post(&gate);
	}

	xsd_fini(x);
	unlink(sock_path);
	free(x);
	return 0;
}

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static unsigned int nr_conns(const struct xsd *x)
{
	unsigned int n = 0;

	for (const struct conn *c = x->conns; c; c = c->next)
		n++;
	return n;
}

/* Run the loop until every change is durable and its replies sent. */
static void settle(struct xsd *x)
{
	for (int i = 0; i < 1000 && (journal_busy(x->journal) ||
				     journal_dirty(x->journal)); i++)
		assert_int_equal(xsd_poll(x, 100), 0);
	assert_false(journal_busy(x->journal) || journal_dirty(x->journal));
}

/* Send one request on a client socket. */
static void send_req(int fd, uint32_t type, uint32_t req_id, const char *p,
		     size_t len)
{
	struct xsd_sockmsg h = { type, req_id, 0, (uint32_t)len };

	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	if (len)
		assert_int_equal(write(fd, p, len), (ssize_t)len);
}

/* Read one reply if one is there (non-blocking); its req_id or 0. */
static uint32_t try_reply(int fd)
{
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX];
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 0) != 1)
		return 0;
	assert_int_equal(read(fd, &h, sizeof(h)), sizeof(h));
	if (h.len)
		assert_int_equal(read(fd, body, h.len), (ssize_t)h.len);
	return h.req_id;
}

/* The type of the next message if one is there, or -1. */
static int try_type(int fd)
{
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX];
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 0) != 1)
		return -1;
	assert_int_equal(read(fd, &h, sizeof(h)), sizeof(h));
	if (h.len)
		assert_int_equal(read(fd, body, h.len), (ssize_t)h.len);
	return (int)h.type;
}

/*
 * Out of descriptors: accept() fails while a client waits in the
 * backlog.  The daemon must not spin on it: one attempt, one log line,
 * then a pause during which existing clients are served; after the
 * pause it accepts again.
 */
static void test_accept_emfile(void **state)
{
	struct xsd *x = *state;
	struct rlimit old, lim;
	unsigned long lines;
	int a, b, f;

	a = client();
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(nr_conns(x), 1);
	b = client(); /* waits in the backlog */
	f = dup(0);
	close(f);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)f; /* every descriptor number below is used */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	lines = xsd_log_lines;
	for (int i = 0; i < 10; i++) {
		send_req(a, XS_READ, 100 + (uint32_t)i, "/tool", 6);
		assert_int_equal(xsd_poll(x, 0), 0);
		assert_int_equal(try_reply(a), 100 + (uint32_t)i);
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(x->accept_failures, 1);
	assert_int_equal(xsd_log_lines - lines, 1);
	assert_int_equal(nr_conns(x), 1);
	fake_now += 10000; /* the pause is over */
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(nr_conns(x), 2);
	close(a);
	close(b);
}

/*
 * Fairness: one client pipelines 1,000 writes, another sends one write
 * just after.  The second must not wait for the burst: connections are
 * served round-robin, a few requests each per turn.  Counted in
 * requests served before its reply, not in time.
 */
static void test_fair_under_flood(void **state)
{
	struct xsd *x = *state;
	static char burst[1000 * 64];
	size_t len = 0;
	uint64_t start;
	int a, b, rounds = 0;

	b = client();
	assert_int_equal(xsd_poll(x, 0), 0);
	a = client(); /* accepted last: first in the daemon's list */
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(nr_conns(x), 2);
	for (int i = 0; i < 1000; i++) {
		struct xsd_sockmsg h = { XS_WRITE, 1 + (uint32_t)i, 0, 0 };
		char p[48];

		h.len = (uint32_t)snprintf(p, sizeof(p), "/flood/k%d%cv", i, 0);
		memcpy(burst + len, &h, sizeof(h));
		memcpy(burst + len + sizeof(h), p, h.len);
		len += sizeof(h) + h.len;
	}
	assert_int_equal(write(a, burst, len), (ssize_t)len);
	send_req(b, XS_WRITE, 5000, "/other\0v", 8);
	start = x->nr_requests;
	while (try_reply(b) != 5000) {
		assert_int_equal(xsd_poll(x, 0), 0);
		assert_true(++rounds < 1000);
	}
	/* At most a turn of each before it (and its own request). */
	assert_true(x->nr_requests - start <= 2 * CONN_TURN_BUDGET + 1);
	/* And the flood is served in full afterwards. */
	while (x->nr_requests - start < 1001) {
		assert_int_equal(xsd_poll(x, 0), 0);
		assert_true(++rounds < 5000);
	}
	close(a);
	close(b);
}

/*
 * Group commit: 16 clients each send a write at once; one round of the
 * loop serves them all with a single journal sync, and no reply leaves
 * before it (the replies are all there after the round, and the state
 * survives a crash right after it).
 */
static void test_group_commit(void **state)
{
	struct xsd *x = *state, y;
	char dir[] = "/tmp/xenbus-group-XXXXXX", cmd[96];
	int cl[16];
	uint64_t syncs;

	xsd_fini(x);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(xsd_init(x, dir, true), 0);
	x->clock_ms = fake_clock;
	assert_int_equal(xsd_listen(x, sock_path), 0);
	for (int i = 0; i < 16; i++) {
		cl[i] = client();
		assert_int_equal(xsd_poll(x, 0), 0);
	}
	assert_int_equal(nr_conns(x), 16);
	for (int i = 0; i < 16; i++) {
		char p[32];
		int n = snprintf(p, sizeof(p), "/g/%d%cv", i, 0);

		send_req(cl[i], XS_WRITE, 10 + (uint32_t)i, p, (size_t)n + 1);
	}
	syncs = journal_syncs(x->journal);
	assert_int_equal(xsd_poll(x, 0), 0);
	settle(x);
	assert_int_equal(journal_syncs(x->journal) - syncs, 1);
	for (int i = 0; i < 16; i++)
		assert_int_equal(try_reply(cl[i]), 10 + (uint32_t)i);
	/* Crash now: every acknowledged write is on disk. */
	journal_close(x->journal);
	x->journal = NULL;
	assert_int_equal(xsd_init(&y, dir, true), 0);
	for (int i = 0; i < 16; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/g/%d", i);
		assert_non_null(tree_find(&y.tree, p));
	}
	xsd_fini(&y);
	for (int i = 0; i < 16; i++)
		close(cl[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * In a round where some connections write, the replies to requests that
 * cannot change the store (a read, a write inside a transaction) leave
 * before the round's sync, while the journal is clean; the writers'
 * replies, and a read queued behind a write on its connection, wait for
 * the sync.  Every reply is there after the round, in order.
 */
static void test_reads_before_sync(void **state)
{
	struct xsd *x = *state;
	char dir[] = "/tmp/xenbus-early-XXXXXX", cmd[96], body[64];
	struct xsd_sockmsg h;
	int a, b, c, d;
	uint32_t tx;
	uint64_t early, syncs;
	ssize_t n;

	xsd_fini(x);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(xsd_init(x, dir, true), 0);
	x->clock_ms = fake_clock;
	assert_int_equal(xsd_listen(x, sock_path), 0);
	a = client();
	b = client();
	c = client();
	d = client();
	for (int i = 0; i < 4; i++)
		assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(nr_conns(x), 4);
	send_req(a, XS_WRITE, 1, "/r\0v", 4);
	send_req(d, XS_TRANSACTION_START, 2, "", 1);
	assert_int_equal(xsd_poll(x, 0), 0);
	settle(x);
	assert_int_equal(try_reply(a), 1);
	assert_int_equal(read(d, &h, sizeof(h)), sizeof(h));
	n = read(d, body, h.len);
	assert_true(n > 0 && n < (ssize_t)sizeof(body));
	tx = (uint32_t)atoi(body);
	assert_true(tx != 0);

	send_req(a, XS_WRITE, 10, "/r/a\0v", 6);
	send_req(b, XS_READ, 11, "/r", 3);
	send_req(c, XS_WRITE, 12, "/r/c\0v", 6);
	send_req(c, XS_READ, 13, "/r", 3);
	h = (struct xsd_sockmsg){ XS_WRITE, 14, tx, 6 };
	assert_int_equal(write(d, &h, sizeof(h)), sizeof(h));
	assert_int_equal(write(d, "/r/d\0v", 6), 6);
	early = x->early_replies;
	syncs = journal_syncs(x->journal);
	assert_int_equal(xsd_poll(x, 0), 0);
	/* b and d were answered before the sync, a and c after. */
	assert_int_equal(x->early_replies - early, 2);
	settle(x);
	assert_int_equal(journal_syncs(x->journal) - syncs, 1);
	assert_int_equal(try_reply(a), 10);
	assert_int_equal(try_reply(b), 11);
	assert_int_equal(try_reply(c), 12);
	assert_int_equal(try_reply(c), 13);
	assert_int_equal(try_reply(d), 14);
	for (int i = 0; i < 3; i++)
		assert_int_equal(try_reply((int[]){ a, b, d }[i]), 0);
	close(a);
	close(b);
	close(c);
	close(d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Socket input is read in blocks: several requests in one write are all
 * served in one round; a request cut anywhere (inside the header, inside
 * the payload) across rounds is put back together.
 */
static void test_socket_blocks(void **state)
{
	struct xsd *x = *state;
	char buf[256];
	size_t len = 0;
	int fd = client();

	assert_int_equal(xsd_poll(x, 0), 0);
	for (uint32_t id = 1; id <= 3; id++) {
		struct xsd_sockmsg h = { XS_WRITE, id, 0, 6 };

		memcpy(buf + len, &h, sizeof(h));
		memcpy(buf + len + sizeof(h), "/k\0abc", 6);
		len += sizeof(h) + 6;
	}
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(xsd_poll(x, 0), 0);
	for (uint32_t id = 1; id <= 3; id++)
		assert_int_equal(try_reply(fd), id);
	assert_int_equal(try_reply(fd), 0);
	/* One request (22 bytes) in three pieces: 5, 14, 3. */
	assert_int_equal(write(fd, buf, 5), 5);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(try_reply(fd), 0);
	assert_int_equal(write(fd, buf + 5, 14), 14);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(try_reply(fd), 0);
	assert_int_equal(write(fd, buf + 19, 3), 3);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(try_reply(fd), 1);
	close(fd);
}

/*
 * Requests that arrive while a round is being served, on connections
 * not served yet in it (here: a client accepted in this round that wrote
 * at once), join the round's sync instead of waiting for the next.
 */
static void test_late_joins_sync(void **state)
{
	struct xsd *x = *state;
	char dir[] = "/tmp/xenbus-late-XXXXXX", cmd[96];
	uint64_t syncs;
	int a, b;

	xsd_fini(x);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(xsd_init(x, dir, true), 0);
	x->clock_ms = fake_clock;
	assert_int_equal(xsd_listen(x, sock_path), 0);
	a = client();
	assert_int_equal(xsd_poll(x, 0), 0);
	send_req(a, XS_WRITE, 1, "/l/a\0v", 6);
	b = client();
	send_req(b, XS_WRITE, 2, "/l/b\0v", 6);
	syncs = journal_syncs(x->journal);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_int_equal(nr_conns(x), 2);
	settle(x);
	assert_int_equal(journal_syncs(x->journal) - syncs, 1);
	assert_int_equal(try_reply(a), 1);
	assert_int_equal(try_reply(b), 2);
	close(a);
	close(b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Poll until the frame in flight is reaped, or give up after ~1 s. */
static bool reaped(struct xsd *x)
{
	for (int i = 0; i < 100 && journal_busy(x->journal); i++)
		assert_int_equal(xsd_poll(x, 10), 0);
	return !journal_busy(x->journal);
}

/*
 * The journal's sync runs beside the loop.  While a frame is written
 * (the disk is slow here: its sync completes when the test says so) the
 * loop serves other requests, but no reply or event that may reveal its
 * changes leaves: not the writer's, not a reader's of what it wrote,
 * not a watcher's event.  A change made meanwhile goes into the next
 * frame, written only after this one is durable, and its reply waits
 * for that one; replies of a connection leave in order.  After the
 * last acknowledgement the state is on disk.
 */
static void test_reply_waits_for_sync(void **state)
{
	struct xsd *x = *state, y;
	char dir[] = "/tmp/xenbus-gated-XXXXXX", cmd[96];
	int a, b, w;
	uint64_t syncs;

	xsd_fini(x);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(xsd_init(x, dir, true), 0);
	x->clock_ms = fake_clock;
	assert_int_equal(xsd_listen(x, sock_path), 0);
	a = client();
	b = client();
	w = client();
	for (int i = 0; i < 3; i++)
		assert_int_equal(xsd_poll(x, 0), 0);
	send_req(w, XS_WATCH, 1, "/s\0tok", 7);
	assert_int_equal(xsd_poll(x, 0), 0);
	settle(x);
	assert_int_equal(try_reply(w), 1);
	assert_int_equal(try_type(w), XS_WATCH_EVENT); /* its first */
	assert_int_equal(try_type(w), -1);

	assert_int_equal(sem_init(&gate, 0, 0), 0);
	x->frames_in_thread = true; /* the gate holds the sync thread */
	journal_sync_hook = gated_sync;
	frames_written = 0;
	syncs = journal_syncs(x->journal);
	send_req(a, XS_WRITE, 10, "/s/a\0v1", 8);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_true(journal_busy(x->journal)); /* frame 1 in flight */
	/* Served while it is written: b reads what a wrote, a writes
	 * again (into the next frame), a reads. */
	send_req(b, XS_READ, 11, "/s/a", 5);
	send_req(a, XS_WRITE, 12, "/s/b\0v2", 8);
	send_req(a, XS_READ, 13, "/s", 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(xsd_poll(x, 0), 0);
	assert_true(x->nr_requests >= 4);
	for (int i = 0; i < 100 && frames_written < 1; i++)
		usleep(10000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(xsd_poll(x, 0), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(try_type((int[]){ a, b, w }[i]), -1);
	assert_int_equal(journal_syncs(x->journal) - syncs, 0);
	assert_int_equal(frames_written, 1); /* the next waits for it */

	/* Frame 1 durable: a's first reply, b's read, w's event leave;
	 * a's second write is in frame 2, its reply (and the read after
	 * it) wait for that one. */
	sem_post(&gate);
	assert_true(reaped(x) || frames_written == 2);
	for (int i = 0; i < 20 && frames_written < 2; i++)
		assert_int_equal(xsd_poll(x, 10), 0);
	assert_int_equal(frames_written, 2);
	assert_int_equal(journal_syncs(x->journal) - syncs, 1);
	assert_int_equal(try_reply(a), 10);
	assert_int_equal(try_reply(b), 11);
	assert_int_equal(try_type(w), XS_WATCH_EVENT); /* for /s/a */
	assert_int_equal(try_type(a), -1);
	assert_int_equal(try_type(w), -1);

	sem_post(&gate);
	assert_true(reaped(x));
	journal_sync_hook = NULL;
	assert_int_equal(journal_syncs(x->journal) - syncs, 2);
	assert_int_equal(try_reply(a), 12);
	assert_int_equal(try_reply(a), 13);
	assert_int_equal(try_type(w), XS_WATCH_EVENT); /* for /s/b */
	/* Crash now: both acknowledged writes are on disk. */
	journal_close(x->journal);
	x->journal = NULL;
	assert_int_equal(xsd_init(&y, dir, true), 0);
	assert_non_null(tree_find(&y.tree, "/s/a"));
	assert_non_null(tree_find(&y.tree, "/s/b"));
	xsd_fini(&y);
	sem_destroy(&gate);
	close(a);
	close(b);
	close(w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * The next frame waits for the clients answered since the last one was
 * handed over (each has one request in flight, typically), so that
 * their next changes join it, for at most as long as the last sync took
 * (bounded): a client that does not come back delays it by that much.
 */
static void test_frame_waits_for_answered(void **state)
{
	struct xsd *x = *state;
	char dir[] = "/tmp/xenbus-hold-XXXXXX", cmd[96];
	uint64_t syncs;
	int a, b;

	xsd_fini(x);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(xsd_init(x, dir, true), 0);
	x->clock_ms = fake_clock;
	assert_int_equal(xsd_listen(x, sock_path), 0);
	a = client();
	b = client();
	for (int i = 0; i < 2; i++)
		assert_int_equal(xsd_poll(x, 0), 0);
	send_req(a, XS_WRITE, 1, "/h/a\0v", 6);
	assert_int_equal(xsd_poll(x, 0), 0);
	settle(x);
	assert_int_equal(try_reply(a), 1);
	/* A slow disk: the last sync "took" 10 s. */
	x->sync_us = x->hold_max_us = 10000000;
	syncs = journal_syncs(x->journal);
	send_req(b, XS_WRITE, 2, "/h/b\0v", 6);
	for (int i = 0; i < 3; i++)
		assert_int_equal(xsd_poll(x, 0), 0);
	/* b's change waits for a, answered by the last frame. */
	assert_true(journal_dirty(x->journal));
	assert_false(journal_busy(x->journal));
	send_req(a, XS_WRITE, 3, "/h/c\0v", 6);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_true(journal_busy(x->journal) || !journal_dirty(x->journal));
	settle(x);
	assert_int_equal(journal_syncs(x->journal) - syncs, 1);
	assert_int_equal(try_reply(b), 2);
	assert_int_equal(try_reply(a), 3);
	/* a and b answered; neither comes back: the frame of a change
	 * made now waits at most hold_max_us. */
	x->hold_max_us = 20000;
	send_req(b, XS_WRITE, 4, "/h/d\0v", 6);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_false(journal_busy(x->journal)); /* a is owed */
	usleep(30000);
	assert_int_equal(xsd_poll(x, 0), 0);
	assert_true(journal_busy(x->journal) || !journal_dirty(x->journal));
	settle(x);
	assert_int_equal(try_reply(b), 4);
	close(a);
	close(b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A disk that takes 5 ms per frame. */
static void slow_sync(void)
{
	frames_written++;
	usleep(5000);
}

/*
 * The hold is bounded by the time the last frame took, whoever wrote
 * it: a frame the loop writes itself (no input waiting) counts too.
 * Before, only the sync thread's frames set it, so under a load where
 * every frame was written by the loop the bound stayed at whatever an
 * early threaded frame (or a snapshot) had taken.
 */
static void test_inline_frame_sets_hold(void **state)
{
	struct xsd *x = *state;
	char dir[] = "/tmp/xenbus-inline-XXXXXX", cmd[96];
	int a;

	xsd_fini(x);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(xsd_init(x, dir, true), 0);
	x->clock_ms = fake_clock;
	assert_int_equal(xsd_listen(x, sock_path), 0);
	a = client();
	assert_int_equal(xsd_poll(x, 0), 0);
	/* Stale: a slow frame long ago. */
	x->sync_us = 10000000;
	frames_written = 0;
	journal_sync_hook = slow_sync;
	send_req(a, XS_WRITE, 1, "/i/a\0v", 6);
	for (int i = 0; i < 20 && try_reply(a) != 1; i++)
		assert_int_equal(xsd_poll(x, 10), 0);
	journal_sync_hook = NULL;
	assert_int_equal(frames_written, 1);
	assert_false(journal_busy(x->journal)); /* the loop wrote it */
	assert_true(x->sync_us >= 5000);
	assert_true(x->sync_us < 1000000);
	close(a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accept_emfile, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fair_under_flood, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reads_before_sync, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_socket_blocks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_late_joins_sync, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reply_waits_for_sync,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_waits_for_answered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_frame_sets_hold,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("xenbus event loop", tests, NULL,
					   NULL);
}
