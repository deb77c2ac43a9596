/*
 * keel-xenstored: daemon state shared by its units.
 *
 * Threading: the daemon is one event loop; every structure here is
 * touched only from it, so there are no locks.  The one other thread
 * is the journal's sync thread (journal.c), which touches only the
 * frame handed to it.  A connection is one
 * client (a Unix socket or a domain's shared ring); a domain has at most
 * one ring connection; socket clients act as dom0.
 */
#ifndef XENBUS_XSD_H
#define XENBUS_XSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "perms.h"
#include "quota.h"
#include "tree.h"
#include "wire.h"

struct conn;
struct xsd;

/*
 * Requests of one connection handled per turn of the event loop: each
 * round serves every ready connection in turn, at most this many
 * requests each, so a flooding client delays the others by a few
 * requests, not by its whole backlog.
 */
#define CONN_TURN_BUDGET 8

/* A transport moves bytes; framing and dispatch are common (conn.c). */
struct transport_ops {
	const char *name;
	/* Bytes read (>0), 0 when nothing is available, <0 when broken. */
	ssize_t (*read)(struct conn *c, void *buf, size_t len);
	/* Bytes written (>=0, 0 when full), <0 when broken. */
	ssize_t (*write)(struct conn *c, const void *buf, size_t len);
	/* Descriptor to poll for input (and output when want_out). */
	int (*fd)(const struct conn *c);
	/* Tell the peer that we produced or consumed (rings only). */
	void (*kick)(struct conn *c);
	/* Called after poll reported the fd readable (event ack). */
	void (*ack)(struct conn *c);
	void (*close)(struct conn *c);
};

struct outmsg {
	struct outmsg *next;
	size_t len, done;
	uint64_t seq; /* leaves once journal frame seq is durable */
	bool is_event;
	char data[]; /* header + payload */
};

struct watch {
	struct watch *next;
	char *path;   /* absolute (or "@...") */
	char *token;
	bool relative; /* registered relative: events strip the domain path */
};

struct txn_access {
	char *path;
	bool exists, recursive;
	uint64_t gen, tgen; /* the main tree's, when first seen */
};

struct txn_write {
	char *path;
	bool target; /* the path a request named (fires watches) */
};

struct txn {
	struct txn *next;
	struct conn *conn;
	uint32_t id;
	struct tree tree; /* lazy view of the main tree */
	struct txn_access *acc;
	uint32_t nr_acc, cap_acc;
	struct txn_write *wr;
	uint32_t nr_wr, cap_wr;
	bool failed; /* ENOMEM while recording: end with EAGAIN */
	bool created; /* it created a node: check the node quota at commit */
	uint32_t start_owned; /* nodes its domain owned when it started */
};

struct domain {
	struct domain *next;
	uint32_t id;
	uint64_t mfn;
	uint32_t port;
	uint32_t target; /* DOMID_NONE unless SET_TARGET */
	bool shutdown;
	struct conn *conn;
};

struct conn {
	struct conn *next;
	struct xsd *xsd;
	struct caller who;
	const struct transport_ops *ops;
	void *tp; /* transport private */
	struct domain *dom; /* NULL for socket clients */
	/* Input: a header then its payload (+ NUL for convenience). */
	union {
		struct xsd_sockmsg hdr;
		char hdr_bytes[sizeof(struct xsd_sockmsg)];
	} in;
	char payload[XENSTORE_PAYLOAD_MAX + 1];
	size_t in_used; /* bytes of header + payload received */
	/* Output queue. */
	struct outmsg *out_head, *out_tail;
	uint32_t nr_out;
	struct watch *watches;
	uint32_t nr_watches;
	struct txn *txns;
	uint32_t nr_txns, next_txid;
	bool dead; /* to be closed by the loop */
	bool more; /* its turn ended with requests possibly left to read */
	bool held; /* a complete request waits for the round's second pass */
	bool owed; /* got a reply since the last frame started, and has not
		      sent a request since (the next frame may wait for it) */
	unsigned int turn_used; /* requests dispatched in this turn */
	uint64_t served; /* the last round (xsd->rounds) it had a turn in */
	uint64_t events_dropped; /* watch events lost to a full queue */
	/* Served again after a restart of the daemon: transaction ids
	 * below RESTORED_TXID_BASE are the old daemon's (persist.h). */
	bool restored;
};

struct ring_backend;

/* "@introduceDomain" and "@releaseDomain": no node, but permissions
 * that decide which domains get their events (default: dom0 only). */
struct special_node {
	const char *name;
	struct xs_perm *perms;
	uint32_t nr_perms;
};

struct xsd {
	struct tree tree;
	struct conn *conns;
	struct domain *domains;
	struct quota quota;
	struct journal *journal; /* NULL: in memory only */
	const struct ring_backend *rings; /* NULL: no shared rings */
	int listen_fd;
	uint64_t nr_requests;
	uint64_t rounds; /* of xsd_poll */
	bool group_commit; /* inside xsd_poll's read phase: sync at its end */
	bool reads_first; /* its first pass: hold requests that may write */
	uint64_t early_replies; /* sent before their round's sync (stats) */
	/* The last frame's time from hand-over to reaping (us), when the
	 * frame in flight was handed over, and until when the next frame
	 * waits for the clients just answered (0: not waiting). */
	uint64_t sync_us, sync_started, hold_until;
	uint64_t hold_max_us; /* the longest such wait (tests may raise it) */
	bool frames_in_thread; /* always by the sync thread (tests) */
	/* accept() out of descriptors: pause until accept_retry (ms). */
	uint64_t accept_failures, accept_retry;
	uint32_t accept_pause;
	uint64_t (*clock_ms)(void); /* monotonic ms (tests may replace it) */
	struct special_node special[2];
	/* --dom0: the dom0 kernel's ring connection, and the file in the
	 * state directory its watches are kept in (NULL: not kept). */
	struct conn *kernel;
	char *kernel_watch_file;
	/* The introduced domains and their watches as kept in the durable
	 * state (persist.c). */
	struct saved_dom *saved;
};

/* Log a line (stderr in the foreground, syslog otherwise). */
void xsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool xsd_log_stderr;
extern bool xsd_verbose;
/* --sync-spin: a SCHED_IDLE thread busy-waits while a journal frame is
 * written (journal.c, the keeper). */
extern bool journal_sync_spin;
/* Lines logged so far and the last one (for the tests). */
extern unsigned long xsd_log_lines;
extern char xsd_log_last[512];

/* conn.c */
struct conn *conn_new(struct xsd *x, const struct transport_ops *ops,
		      void *tp, const struct caller *who);
void conn_free(struct conn *c);
/* One turn: flush, read and dispatch up to CONN_TURN_BUDGET, flush. */
void conn_service(struct conn *c);
void conn_read(struct conn *c, unsigned int budget);
bool conn_want_out(const struct conn *c);
int conn_send(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	      const void *p1, size_t l1, const void *p2, size_t l2,
	      bool is_event);
int conn_reply(struct conn *c, const struct xsd_sockmsg *req,
	       const void *data, size_t len);
int conn_reply_str(struct conn *c, const struct xsd_sockmsg *req,
		   const char *s);
void conn_error(struct conn *c, const struct xsd_sockmsg *req, int err);
void conn_flush(struct conn *c);

/* dispatch.c: whether a request cannot change the store (its reply
 * need not wait for a journal sync). */
bool xsd_req_reads_only(const struct xsd_sockmsg *hdr);
/* dispatch.c: handle one complete request (hdr + payload) of c. */
void xsd_dispatch(struct conn *c, const struct xsd_sockmsg *hdr,
		  char *payload);

/* kernel_watches.c: keep the dom0 kernel's watches across a restart.
 * restore: 1 when they were this boot's (a restart of the daemon: the
 * kernel connection is then marked restored), 0 when there were none
 * to restore, -errno. */
void kernel_watches_save(struct conn *c);
int kernel_watches_restore(struct xsd *x);

/* daemon.c */
int xsd_init(struct xsd *x, const char *state_dir, bool fsync_on);
void xsd_fini(struct xsd *x);
int xsd_listen(struct xsd *x, const char *path);
/* One poll round; timeout in ms (-1: block).  <0 on fatal error. */
int xsd_poll(struct xsd *x, int timeout_ms);

#endif
