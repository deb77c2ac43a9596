/*
 * The event loop: poll the listening socket and every connection, read
 * and dispatch requests, write replies, close broken connections.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "journal.h"
#include "persist.h"
#include "socket.h"
#include "watch.h"
#include "xsd.h"

bool xsd_log_stderr = true;
bool xsd_verbose;
unsigned long xsd_log_lines;
char xsd_log_last[512];

void xsd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xsd_log_lines++;
	vsnprintf(xsd_log_last, sizeof(xsd_log_last), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	if (xsd_log_stderr) {
		fputs("keel-xenstored: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(LOG_DAEMON | LOG_NOTICE, fmt, ap);
	}
	va_end(ap);
}

/* The longest a frame waits for the clients just answered (us). */
#define HOLD_MAX_US 1000

static uint64_t clock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int xsd_init(struct xsd *x, const char *state_dir, bool fsync_on)
{
	memset(x, 0, sizeof(*x));
	x->listen_fd = -1;
	x->clock_ms = clock_monotonic_ms;
	x->hold_max_us = HOLD_MAX_US;
	quota_defaults(&x->quota);
	if (special_init(x) < 0 || tree_init(&x->tree) < 0) {
		special_fini(x);
		return -ENOMEM;
	}
	if (state_dir) {
		struct journal_extra ex = persist_journal_extra;

		ex.ctx = x;
		x->journal = journal_open_extra(state_dir, &x->tree, fsync_on,
						&ex);
		if (!x->journal) {
			persist_fini(x);
			tree_destroy(&x->tree);
			special_fini(x);
			return -EIO;
		}
	}
	return 0;
}

void xsd_fini(struct xsd *x)
{
	while (x->conns)
		conn_free(x->conns);
	while (x->domains) {
		struct domain *d = x->domains;

		x->domains = d->next;
		free(d);
	}
	journal_close(x->journal);
	persist_fini(x);
	free(x->kernel_watch_file);
	tree_destroy(&x->tree);
	special_fini(x);
	if (x->listen_fd >= 0)
		close(x->listen_fd);
}

int xsd_listen(struct xsd *x, const char *path)
{
	x->listen_fd = socket_listen(path);
	if (x->listen_fd < 0) {
		xsd_log("%s: cannot listen: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

#define ACCEPT_PAUSE_MIN 50   /* ms */
#define ACCEPT_PAUSE_MAX 2000 /* ms */

/*
 * Accept one client.  When accept() fails for lack of resources
 * (descriptors, memory), the pending client stays in the backlog and
 * the socket stays readable: polling it again at once would spin.  So
 * stop polling it for a pause (doubling up to 2 s while it keeps
 * failing), serve the existing clients meanwhile, and log once per
 * episode.
 */
static void accept_one(struct xsd *x)
{
	int err;

	if (socket_accept(x, x->listen_fd)) {
		if (x->accept_pause)
			xsd_log("accepting clients again (%llu attempts failed)",
				(unsigned long long)x->accept_failures);
		x->accept_pause = 0;
		x->accept_failures = 0;
		return;
	}
	err = errno;
	if (err == EAGAIN || err == EINTR || err == ECONNABORTED)
		return;
	x->accept_failures++;
	if (!x->accept_pause)
		xsd_log("cannot accept clients: %s; pausing, existing clients "
			"are served (logged once)", strerror(err));
	x->accept_pause = x->accept_pause ? x->accept_pause * 2
					  : ACCEPT_PAUSE_MIN;
	if (x->accept_pause > ACCEPT_PAUSE_MAX)
		x->accept_pause = ACCEPT_PAUSE_MAX;
	x->accept_retry = x->clock_ms() + x->accept_pause;
}

static void reap(struct xsd *x)
{
	struct conn *c = x->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->dead)
			conn_free(c);
	}
}

/* The backend's VIRQ_DOM_EXC descriptor, or -1. */
static int exc_fd(const struct xsd *x)
{
	return x->rings && x->rings->exc_fd ? x->rings->exc_fd() : -1;
}

/* VIRQ_DOM_EXC fired: rescan the domains; their removed nodes go into
 * this round's journal frames (synced before any reply leaves). */
static void dom_exc(struct xsd *x)
{
	int rc;

	x->rings->exc_ack();
	domain_check_all(x);
	rc = journal_write(x->journal, &x->tree);
	if (rc < 0) {
		xsd_log("journal write failed (%d): exiting", rc);
		exit(1);
	}
}

/*
 * Before a round's sync: serve the connections that were not served in
 * this round and have a request by now (clients answered in the first
 * pass, or woken since the poll), so that their changes join this sync
 * rather than wait for the next one.  Each connection still gets one
 * turn per round.
 */
static void serve_late(struct xsd *x, struct pollfd *pfd, struct conn **who,
		       size_t n)
{
	size_t k = 0;

	for (struct conn *c = x->conns; c && k < n; c = c->next) {
		if (c->dead || c->served == x->rounds)
			continue;
		who[k] = c;
		pfd[k++] = (struct pollfd){ .fd = c->ops->fd(c),
					    .events = POLLIN };
	}
	if (k == 0 || poll(pfd, k, 0) <= 0)
		return;
	for (size_t i = 0; i < k; i++) {
		struct conn *c = who[i];

		if (!pfd[i].revents)
			continue;
		if (pfd[i].revents & (POLLERR | POLLNVAL)) {
			c->dead = true;
			continue;
		}
		if (c->ops->ack)
			c->ops->ack(c);
		c->served = x->rounds;
		c->turn_used = 0;
		conn_read(c, CONN_TURN_BUDGET);
	}
}

#define FIRST_CONN 3 /* pfd[]: listen, VIRQ_DOM_EXC, journal, conns */

static uint64_t clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The frame in flight is durable: its replies may leave (this round's
 * flush sends them). */
static void sync_done(struct xsd *x)
{
	bool busy = journal_busy(x->journal);
	int rc = journal_reap(x->journal);

	if (busy && !journal_busy(x->journal))
		x->sync_us = clock_us() - x->sync_started;
	if (rc < 0) {
		xsd_log("journal sync failed (%d): exiting", rc);
		exit(1);
	}
}

/*
 * poll(); while the next frame waits for the clients just answered
 * (hold_until), for at most the time left until then (ppoll: the wait
 * is in microseconds).
 */
static int poll_or_hold(struct xsd *x, struct pollfd *pfd, size_t n,
			int timeout_ms)
{
	uint64_t now, left;
	struct timespec ts;

	if (timeout_ms == 0 || !x->hold_until)
		return poll(pfd, n, timeout_ms);
	now = clock_us();
	left = x->hold_until > now ? x->hold_until - now : 0;
	if (timeout_ms > 0 && (uint64_t)timeout_ms * 1000 < left)
		left = (uint64_t)timeout_ms * 1000;
	ts = (struct timespec){ .tv_sec = (time_t)(left / 1000000),
				.tv_nsec = (long)(left % 1000000) * 1000 };
	return ppoll(pfd, n, &ts, NULL);
}

/*
 * Whether to hand the next frame over now.  Each client has one request
 * in flight, typically: handing the frame over the moment the previous
 * one is durable takes only the requests that came during that sync,
 * while the clients answered by it are still on their way back; they
 * then wait for a whole sync more, and the clients settle into two
 * groups each in every other frame (half the changes per sync).  So the
 * frame waits for the clients answered since the last hand-over (owed)
 * to send their next request, for at most as long as the last sync took
 * (and hold_max_us): the time such a request would otherwise wait.
 */

static bool frame_ready(struct xsd *x)
{
	uint64_t now, wait;

	if (!journal_dirty(x->journal) || journal_busy(x->journal)) {
		x->hold_until = 0; /* nothing to hold (a snapshot took it) */
		return false;
	}
	for (struct conn *c = x->conns; c; c = c->next)
		if (c->owed && !c->dead)
			goto owed;
	x->hold_until = 0;
	return true;
owed:
	now = clock_us();
	if (!x->hold_until) {
		wait = x->sync_us < x->hold_max_us ? x->sync_us
						   : x->hold_max_us;
		x->hold_until = now + wait;
	}
	if (now < x->hold_until)
		return false;
	x->hold_until = 0;
	return true;
}

/*
 * Whether any connection has input to serve.  When none has, the frame
 * is written by the loop itself (the sync thread would only add two
 * wake-ups to the frame's latency: nothing can be served meanwhile);
 * otherwise the sync thread writes it while the loop serves that input.
 */
static bool input_ready(struct xsd *x, struct pollfd *pfd, size_t n)
{
	size_t k = 0;

	for (struct conn *c = x->conns; c && k < n; c = c->next) {
		if (c->dead)
			continue;
		if (c->more)
			return true;
		pfd[k++] = (struct pollfd){ .fd = c->ops->fd(c),
					    .events = POLLIN };
	}
	return k && poll(pfd, k, 0) > 0;
}

static void frame_start(struct xsd *x, struct pollfd *pfd, size_t n)
{
	bool here = !x->frames_in_thread && !input_ready(x, pfd, n);
	int rc;

	for (struct conn *c = x->conns; c; c = c->next)
		c->owed = false;
	x->sync_started = clock_us();
	rc = journal_start(x->journal, here);
	if (rc < 0) {
		xsd_log("journal sync failed (%d): exiting", rc);
		exit(1);
	}
	/* Written here (or compacted): what it took bounds the next hold,
	 * as a frame of the sync thread does in sync_done(). */
	if (!journal_busy(x->journal))
		x->sync_us = clock_us() - x->sync_started;
}

int xsd_poll(struct xsd *x, int timeout_ms)
{
	size_t n = FIRST_CONN, i = 0;
	int listen_fd = x->accept_pause ? -1 : x->listen_fd;
	struct pollfd *pfd;
	struct conn **who;
	int rc;

	for (struct conn *c = x->conns; c; c = c->next)
		n++;
	pfd = calloc(n, sizeof(*pfd));
	who = calloc(n, sizeof(*who));
	if (!pfd || !who) {
		free(pfd);
		free(who);
		return -ENOMEM;
	}
	/* While accept() is paused, the listening socket is not polled. */
	if (x->accept_pause) {
		uint64_t now = x->clock_ms();

		if (now >= x->accept_retry)
			listen_fd = x->listen_fd;
		else if (timeout_ms < 0 ||
			 (uint64_t)timeout_ms > x->accept_retry - now)
			timeout_ms = (int)(x->accept_retry - now);
	}
	pfd[i++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
	pfd[i++] = (struct pollfd){ .fd = exc_fd(x), .events = POLLIN };
	pfd[i++] = (struct pollfd){ .fd = journal_fd(x->journal),
				    .events = POLLIN };
	for (struct conn *c = x->conns; c; c = c->next, i++) {
		who[i] = c;
		pfd[i].fd = c->ops->fd(c);
		pfd[i].events = POLLIN;
		/* Sockets wait for room; rings learn it from an event. */
		if (conn_want_out(c) && !c->ops->kick)
			pfd[i].events |= POLLOUT;
	}
	/* A connection whose turn ended early has more to do at once
	 * (a ring does not signal again for data already there). */
	for (struct conn *c = x->conns; c; c = c->next)
		if (c->more && !c->dead)
			timeout_ms = 0;
	rc = poll_or_hold(x, pfd, n, timeout_ms);
	x->rounds++;
	if (rc < 0) {
		rc = errno == EINTR ? 0 : -errno;
		goto out;
	}
	if (pfd[0].fd >= 0 && (pfd[0].revents & POLLIN))
		accept_one(x);
	if (pfd[2].fd >= 0 && (pfd[2].revents & POLLIN))
		sync_done(x);
	if (pfd[1].fd >= 0 && (pfd[1].revents & POLLIN))
		dom_exc(x);
	/*
	 * Two passes.  The first serves, on every connection, the requests
	 * that cannot change the store until one that may, and sends their
	 * replies at once while the journal is clean: they reveal nothing
	 * that is not durable, and need not wait for this round's sync.
	 * The second serves the rest of each turn.
	 */
	x->group_commit = true;
	x->reads_first = x->journal != NULL;
	for (i = FIRST_CONN; i < n; i++) {
		struct conn *c = who[i];

		if ((!pfd[i].revents && !c->more) || c->dead) {
			who[i] = NULL;
			continue;
		}
		if (pfd[i].revents & (POLLERR | POLLNVAL)) {
			c->dead = true;
			who[i] = NULL;
			continue;
		}
		if (pfd[i].revents && c->ops->ack)
			c->ops->ack(c);
		c->served = x->rounds;
		c->turn_used = 0;
		conn_read(c, CONN_TURN_BUDGET);
		if (x->reads_first && !c->dead && conn_want_out(c))
			conn_flush(c);
	}
	x->reads_first = false;
	for (i = FIRST_CONN; i < n; i++) {
		struct conn *c = who[i];

		if (c && c->held && !c->dead)
			conn_read(c, CONN_TURN_BUDGET - c->turn_used);
	}
	/* With no frame in flight this round's changes are synced next:
	 * let late requests join them. */
	if (journal_dirty(x->journal) && !journal_busy(x->journal))
		serve_late(x, pfd, who, n);
	x->group_commit = false;
	/*
	 * Group commit: every change made since the last frame (this
	 * round's, and earlier rounds' while a frame was in flight) goes
	 * into one frame, written and synced by the sync thread while the
	 * loop serves the next rounds.  Replies and events wait for the
	 * frame holding the changes made before they were queued.
	 */
	sync_done(x); /* a frame that finished meanwhile */
	if (frame_ready(x))
		frame_start(x, pfd, n);
	for (struct conn *c = x->conns; c; c = c->next)
		if (!c->dead && conn_want_out(c))
			conn_flush(c);
	rc = 0;
out:
	reap(x);
	free(pfd);
	free(who);
	return rc;
}
