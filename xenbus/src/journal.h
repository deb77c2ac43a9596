/*
 * Persistence: a snapshot of the tree plus a journal of changes, in a
 * state directory.  Every change made by one request goes into one
 * checksummed journal frame, written and fsync'd before the request's
 * reply is queued, so an acknowledged write survives a crash.  At start
 * the snapshot is loaded, the journal replayed (a torn last frame was
 * never acknowledged and is dropped), and a fresh snapshot written.
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
 * Group commit: journal_write appends the frame of changes recorded
 * since the last one (if any) without syncing; journal_sync makes every
 * frame written so far durable with one fdatasync.  No reply may leave
 * while journal_dirty().  journal_commit is both.  They return 0 or
 * -errno (the caller must not acknowledge).
 */
int journal_write(struct journal *j, struct tree *t);
int journal_sync(struct journal *j);
bool journal_dirty(const struct journal *j);
int journal_commit(struct journal *j, struct tree *t);

void journal_close(struct journal *j);

/* How many times the journal was synced (tests, statistics). */
uint64_t journal_syncs(const struct journal *j);

/* Encoding helpers, exposed for the fuzzer and the tests. */
uint32_t journal_crc32(const void *buf, size_t len);
/* Apply one frame's payload to t: 0 or -EINVAL when malformed. */
int journal_apply(struct tree *t, const unsigned char *p, size_t len);

#endif
