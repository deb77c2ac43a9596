/* keel-xenstored: options and the main loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "journal.h"
#include "persist.h"
#include "ring.h"
#include "xsd.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fputs("Usage: keel-xenstored [options]\n"
	      "A xenstore daemon speaking Xen's xs_wire.h protocol.\n\n"
	      "  -s, --socket PATH      Unix socket to listen on (default:\n"
	      "                         $XENSTORED_PATH, else /run/xenstored/socket)\n"
	      "  -d, --state-dir DIR    where the tree is kept (snapshot + journal;\n"
	      "                         default /var/lib/keel-xenstored)\n"
	      "  -m, --in-memory        keep no state on disk (tests, benchmarks)\n"
	      "      --no-fsync         do not fsync the journal (unsafe on crash)\n"
	      "      --sync-spin        busy-wait (SCHED_IDLE) while a journal frame\n"
	      "                         is synced: lower latency where an idle vCPU\n"
	      "                         wakes late, at the cost of that CPU time\n"
	      "  -F, --foreground       stay in the foreground, log to stderr\n"
	      "  -p, --pid-file FILE    write the daemon's pid there\n"
	      "  -Q, --quota NAME=N     nodes, entry-size, watches, transactions,\n"
	      "                         outstanding, perms, path-max,\n"
	      "                         transaction-nodes\n"
	      "      --dom0             serve dom0's kernel via /proc/xen/xsd_kva and\n"
	      "                         xsd_port, map guest rings with privcmd,\n"
	      "                         watch VIRQ_DOM_EXC\n"
	      "      --host-rings DIR   tests without Xen: a domain's ring is the file\n"
	      "                         DIR/ring-<domid>, its events the FIFO\n"
	      "                         DIR/evtchn-<port>\n"
	      "  -v, --verbose          log every request\n"
	      "  -h, --help             this text\n",
	      f);
}

struct opts {
	const char *socket, *state_dir, *pid_file, *host_rings;
	bool foreground, in_memory, fsync_on, dom0;
};

static int parse(int argc, char **argv, struct opts *o, struct quota *q)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "in-memory", no_argument, NULL, 'm' },
		{ "no-fsync", no_argument, NULL, 'N' },
		{ "sync-spin", no_argument, NULL, 'S' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "quota", required_argument, NULL, 'Q' },
		{ "dom0", no_argument, NULL, 'D' },
		{ "host-rings", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "s:d:mFp:Q:vh", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o->socket = optarg; break;
		case 'd': o->state_dir = optarg; break;
		case 'm': o->in_memory = true; break;
		case 'N': o->fsync_on = false; break;
		case 'S': journal_sync_spin = true; break;
		case 'F': o->foreground = true; break;
		case 'p': o->pid_file = optarg; break;
		case 'D': o->dom0 = true; break;
		case 'R': o->host_rings = optarg; break;
		case 'v': xsd_verbose = true; break;
		case 'Q':
			if (quota_set(q, optarg) < 0) {
				fprintf(stderr, "keel-xenstored: --quota %s: "
					"expected NAME=NUMBER\n", optarg);
				return -1;
			}
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "keel-xenstored: unexpected argument %s\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static void write_pid(const char *file)
{
	FILE *f = fopen(file, "w");

	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
		xsd_log("%s: cannot write pid file", file);
}

int main(int argc, char **argv)
{
	struct opts o = { .fsync_on = true };
	struct quota q;
	struct xsd x;
	const char *env = getenv("XENSTORED_PATH");

	quota_defaults(&q);
	if (parse(argc, argv, &o, &q) < 0)
		return 2;
	if (!o.socket)
		o.socket = env && *env ? env : "/run/xenstored/socket";
	if (!o.state_dir)
		o.state_dir = "/var/lib/keel-xenstored";
	if (xsd_init(&x, o.in_memory ? NULL : o.state_dir, o.fsync_on) < 0)
		return 1;
	x.quota = q;
	if (!strcmp(o.socket, "/run/xenstored/socket"))
		mkdir("/run/xenstored", 0755);
	if (xsd_listen(&x, o.socket) < 0)
		return 1;
	if (o.dom0) {
		/* Both are needed: without them dom0 has no store. */
		if (ring_dom0_init() < 0 ||
		    !(x.kernel = ring_dom0_kernel_connect(&x))) {
			xsd_log("--dom0: cannot serve dom0 (is xenfs mounted "
				"on /proc/xen, xen-privcmd and xen-evtchn "
				"loaded?)");
			return 1;
		}
		x.rings = &ring_dom0_backend;
		if (!o.in_memory &&
		    asprintf(&x.kernel_watch_file, "%s/dom0-kernel-watches",
			     o.state_dir) < 0)
			return 1;
		kernel_watches_restore(&x);
	} else if (o.host_rings) {
		x.rings = ring_hostdir_backend(o.host_rings);
	}
	if (!o.foreground) {
		if (daemon(1, 0) < 0) {
			perror("keel-xenstored: daemon");
			return 1;
		}
		xsd_log_stderr = false;
	}
	/* After daemon(): privcmd's foreign mappings are not inherited
	 * across fork (VM_DONTCOPY). */
	persist_restore(&x);
	if (journal_commit(x.journal, &x.tree) < 0) {
		xsd_log("journal write failed: exiting");
		return 1;
	}
	if (o.pid_file)
		write_pid(o.pid_file);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	xsd_log("listening on %s, state %s", o.socket,
		o.in_memory ? "in memory" : o.state_dir);
	while (!stop)
		if (xsd_poll(&x, -1) < 0)
			break;
	xsd_fini(&x);
	return 0;
}
