/*
 * xsbench: xenstore throughput over the Unix socket at $XENSTORED_PATH.
 * Uses libkeelxs, which speaks the plain xs_wire.h protocol, so the same
 * client measures any xenstored.  CLIENTS processes run each test at the
 * same time, each on its own keys; prints "<test> <ops per second>"
 * summed over the clients.
 *
 *   xsbench [SECONDS_PER_TEST] [CLIENTS] [TEST]
 *
 * TEST (read, write, txn-commit or watch-events) runs that test alone
 * (for profiling one kind of request); by default all four run.
 *
 * Tests: read (READ of a key), write (WRITE of one of 100 keys),
 * txn-commit (START, READ, WRITE, END), watch-events (a client writes
 * below its watched path and waits for the event on its own watcher
 * connection: events delivered per second).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keelxs.h"

enum { T_READ, T_WRITE, T_TXN, T_WATCH, NR_TESTS };
static const char *const names[NR_TESTS] = { "read", "write", "txn-commit",
					     "watch-events" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "xsbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One test for `secs' seconds by client `id'; returns operations done. */
static unsigned long run(int test, int id, double secs, struct xs_handle *h,
			 struct xs_handle *wh)
{
	char key[64], path[80], wpath[64];
	unsigned long n = 0;
	unsigned int len, num;
	double t0 = now();

	snprintf(key, sizeof(key), "/bench/c%d/key", id);
	snprintf(wpath, sizeof(wpath), "/bench/watch/c%d", id);
	while (now() - t0 < secs) {
		switch (test) {
		case T_READ: {
			void *v = xs_read(h, XBT_NULL, key, &len);

			if (!v)
				die("read");
			free(v);
			n++;
			break;
		}
		case T_WRITE:
			snprintf(path, sizeof(path), "/bench/c%d/w/%lu", id,
				 n % 100);
			if (!xs_write(h, XBT_NULL, path, "value", 5))
				die("write");
			n++;
			break;
		case T_TXN: {
			xs_transaction_t t = xs_transaction_start(h);
			void *v;

			if (t == XBT_NULL)
				die("transaction_start");
			v = xs_read(h, t, key, &len);
			free(v);
			snprintf(path, sizeof(path), "/bench/c%d/txn", id);
			if (!xs_write(h, t, path, "x", 1))
				die("write in txn");
			if (xs_transaction_end(h, t, false))
				n++;
			else if (errno != EAGAIN)
				die("transaction_end");
			break;
		}
		case T_WATCH: {
			char **ev;

			snprintf(path, sizeof(path), "%s/x", wpath);
			if (!xs_write(h, XBT_NULL, path, "1", 1))
				die("write");
			ev = xs_read_watch(wh, &num);
			if (!ev)
				die("read_watch");
			free(ev);
			n++;
			break;
		}
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	int nc = argc > 2 ? atoi(argv[2]) : 16;
	int go[2], done[2], only = -1;
	unsigned long total[NR_TESTS] = { 0 };
	double elapsed[NR_TESTS] = { 0 };

	if (argc > 3) {
		for (int test = 0; test < NR_TESTS; test++)
			if (!strcmp(argv[3], names[test]))
				only = test;
		if (only < 0) {
			fprintf(stderr, "xsbench: %s: no such test\n", argv[3]);
			return 2;
		}
	}
	if (nc < 1 || nc > 256 || pipe(go) < 0 || pipe(done) < 0)
		die("arguments");
	for (int id = 0; id < nc; id++) {
		if (fork() != 0)
			continue;
		/* A client: set up, then each test when told. */
		struct xs_handle *h = xs_open(0), *wh = xs_open(0);
		char key[64], wpath[64];
		unsigned int num;
		char **ev;

		close(go[1]);
		close(done[0]);
		snprintf(key, sizeof(key), "/bench/c%d/key", id);
		snprintf(wpath, sizeof(wpath), "/bench/watch/c%d", id);
		if (!h || !wh || !xs_write(h, XBT_NULL, key, "value", 5) ||
		    !xs_watch(wh, wpath, "tok"))
			die("setup");
		ev = xs_read_watch(wh, &num); /* the registration event */
		free(ev);
		for (int test = 0; test < NR_TESTS; test++) {
			unsigned long n;
			char c;

			if (only >= 0 && test != only)
				continue;
			if (read(go[0], &c, 1) != 1)
				die("start");
			n = run(test, id, secs, h, wh);
			if (write(done[1], &n, sizeof(n)) != sizeof(n))
				die("report");
		}
		xs_close(wh);
		xs_close(h);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	sleep(1); /* let every client connect and set up */
	for (int test = 0; test < NR_TESTS; test++) {
		double t0 = now();

		if (only >= 0 && test != only)
			continue;
		for (int id = 0; id < nc; id++)
			if (write(go[1], "g", 1) != 1)
				die("go");
		for (int id = 0; id < nc; id++) {
			unsigned long n;

			if (read(done[0], &n, sizeof(n)) != sizeof(n))
				die("client failed");
			total[test] += n;
		}
		elapsed[test] = now() - t0;
	}
	while (wait(NULL) > 0)
		;
	for (int test = 0; test < NR_TESTS; test++)
		if (only < 0 || test == only)
			printf("%s %.0f\n", names[test],
			       (double)total[test] / elapsed[test]);
	{
		struct xs_handle *h = xs_open(0);

		if (h) {
			xs_rm(h, XBT_NULL, "/bench");
			xs_close(h);
		}
	}
	return 0;
}
