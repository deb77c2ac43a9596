/*
 * xsbench: xenstore throughput over the Unix socket at $XENSTORED_PATH.
 * Uses libkeelxs, which speaks the plain xs_wire.h protocol, so the same
 * client measures any xenstored.  Prints "<test> <ops per second>".
 *
 *   xsbench [SECONDS_PER_TEST] [WATCHERS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keelxs.h"

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

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0, t0, el;
	int nw = argc > 2 ? atoi(argv[2]) : 16;
	struct xs_handle *h = xs_open(0), **w;
	unsigned long n;
	unsigned int len, num;
	char path[64];

	if (!h || nw < 1 || nw > 1000)
		die("xs_open");
	if (!xs_write(h, XBT_NULL, "/bench/key", "value", 5))
		die("write");

	for (n = 0, t0 = now(); (el = now() - t0) < secs; n++) {
		void *v = xs_read(h, XBT_NULL, "/bench/key", &len);

		if (!v)
			die("read");
		free(v);
	}
	printf("read %.0f\n", (double)n / el);

	for (n = 0, t0 = now(); (el = now() - t0) < secs; n++) {
		snprintf(path, sizeof(path), "/bench/w/%lu", n % 100);
		if (!xs_write(h, XBT_NULL, path, "value", 5))
			die("write");
	}
	printf("write %.0f\n", (double)n / el);

	for (n = 0, t0 = now(); (el = now() - t0) < secs;) {
		xs_transaction_t t = xs_transaction_start(h);
		void *v;

		if (t == XBT_NULL)
			die("transaction_start");
		v = xs_read(h, t, "/bench/key", &len);
		free(v);
		if (!xs_write(h, t, "/bench/txn", "x", 1))
			die("write in txn");
		if (xs_transaction_end(h, t, false))
			n++;
		else if (errno != EAGAIN)
			die("transaction_end");
	}
	printf("txn-commit %.0f\n", (double)n / el);

	/* Watch fan-out: nw watchers, one writer; events delivered/s. */
	w = calloc((size_t)nw, sizeof(*w));
	for (int i = 0; i < nw; i++) {
		char **ev;

		w[i] = xs_open(0);
		if (!w[i] || !xs_watch(w[i], "/bench/watch", "tok"))
			die("watch");
		ev = xs_read_watch(w[i], &num); /* the registration event */
		free(ev);
	}
	for (n = 0, t0 = now(); (el = now() - t0) < secs;) {
		if (!xs_write(h, XBT_NULL, "/bench/watch/x", "1", 1))
			die("write");
		for (int i = 0; i < nw; i++) {
			char **ev = xs_read_watch(w[i], &num);

			if (!ev)
				die("read_watch");
			free(ev);
			n++;
		}
	}
	printf("watch-events %.0f\n", (double)n / el);
	for (int i = 0; i < nw; i++)
		xs_close(w[i]);
	free(w);
	xs_rm(h, XBT_NULL, "/bench");
	xs_close(h);
	return 0;
}
