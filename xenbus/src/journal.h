/*
 * Persistence: a snapshot of the tree plus a journal of changes, in a
 * state directory.  The changes of one or more rounds of requests go
 * into one checksummed journal frame, written into a preallocated
 * segment with one synced pwrite before any of those requests' replies
 * leaves, so an acknowledged write survives a crash.  At start the snapshot is
 * loaded, the journal replayed (a torn last frame was never
 * acknowledged and is dropped), and a fresh snapshot and segment
 * written.
 */
#ifndef XENBUS_JOURNAL_H
#define XENBUS_JOURNAL_H

#include <stdbool.h>

#include "tree.h"

struct journal;

/*
 * Open (creating) the state in dir, load it into t (initialised), and
 * install t's change hook.  Returns NULL with a message logged on error.
 */
struct journal *journal_open(const char *dir, struct tree *t, bool fsync_on);

/*
 * State kept beside the tree (the introduced domains and their watches,
 * persist.c): opaque records, journalled with the tree's changes of the
 * same round and written into every snapshot.  load gets each record as
 * the snapshot and journal are replayed (0, or -EINVAL when malformed);
 * save, while a snapshot is written, emits every record needed to
 * rebuild that state with journal_put_extra.
 */
struct journal_extra {
	void *ctx;
	int (*load)(void *ctx, const unsigned char *p, size_t len);
	void (*save)(void *ctx, struct journal *j);
};

struct journal *journal_open_extra(const char *dir, struct tree *t,
				   bool fsync_on,
				   const struct journal_extra *ex);
/* Record one extra record (len <= 64 KiB) in this round's frame, or in
 * the snapshot being written (from save). */
void journal_put_extra(struct journal *j, const void *p, size_t len);

/*
 * Group commit: the tree's changes are recorded as they happen;
 * journal_write closes a request's changes (compacting first when the
 * round would not fit in the segment).  Changes recorded since the last
 * frame become the next frame (seq + 1) with one pwrite on an O_DSYNC
 * descriptor, either here (journal_sync: waits for a frame in flight,
 * then writes and syncs) or by the sync thread (journal_start: hands
 * the frame over and returns, or with here, writes it in the caller's
 * thread with the keeper spinning; at most one frame is in flight, so
 * only the last frame can be torn by a crash).  The event loop polls
 * journal_fd (-1: nothing in flight) and calls journal_reap when it is
 * readable; journal_wait blocks until the frame in flight is done.
 *
 * A reply (or event) queued after a change may leave only once that
 * change is durable: conn_send tags it with journal_need() (the seq of
 * the frame that will hold every change made so far) and conn_flush
 * sends it once journal_durable(seq).  All return 0 or -errno (a failed
 * write: the caller must not acknowledge; the daemon exits).
 * journal_commit is journal_write then journal_sync.
 */
int journal_write(struct journal *j, struct tree *t);
int journal_sync(struct journal *j);
int journal_start(struct journal *j, bool here);
int journal_fd(const struct journal *j);
int journal_reap(struct journal *j);
int journal_wait(struct journal *j);
bool journal_busy(const struct journal *j);
bool journal_dirty(const struct journal *j);
uint64_t journal_need(const struct journal *j);
bool journal_durable(const struct journal *j, uint64_t seq);
int journal_commit(struct journal *j, struct tree *t);

/* Tests: called by whoever writes a frame, after its write and before
 * it counts as durable (a slow or blocked disk). */
extern void (*journal_sync_hook)(void);

/* The size of a journal segment (preallocated with zeros); the tests
 * make it small to switch segments often. */
extern size_t journal_segment_bytes;

void journal_close(struct journal *j);

/* How many frames were written and synced (tests, statistics). */
uint64_t journal_syncs(const struct journal *j);

/* Encoding helpers, exposed for the fuzzer and the tests. */
uint32_t journal_crc32(const void *buf, size_t len);
/* Apply one frame's payload to t: 0 or -EINVAL when malformed (extra
 * records are checked for their length and skipped). */
int journal_apply(struct tree *t, const unsigned char *p, size_t len);

#endif
