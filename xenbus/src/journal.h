/*
 * Persistence: a snapshot of the tree plus a journal of changes, in a
 * state directory.  The changes of one round of requests go into one
 * checksummed journal frame, written into a preallocated segment with
 * one synced pwrite before any of those requests' replies is queued, so
 * an acknowledged write survives a crash.  At start the snapshot is
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
 * round would not fit in the segment); journal_sync writes every change
 * recorded since the last sync as one frame and makes it durable (one
 * pwrite on an O_DSYNC descriptor).  No reply may leave while
 * journal_dirty().  journal_commit is both.  They return 0 or -errno
 * (the caller must not acknowledge).
 */
int journal_write(struct journal *j, struct tree *t);
int journal_sync(struct journal *j);
bool journal_dirty(const struct journal *j);
int journal_commit(struct journal *j, struct tree *t);

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
