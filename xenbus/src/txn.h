/*
 * Transactions with Xen's outcome: a transaction works on a lazy view of
 * the tree (nodes are copied from the main tree as it walks through
 * them, Xen-style) and records every path it read or wrote with the main
 * tree's generation when first seen.  At the end it commits only when
 * none of those paths changed in the main tree since (else EAGAIN); the
 * commit copies the final state of each written path into the main tree
 * in one journal frame, so it never applies partly.
 */
#ifndef XENBUS_TXN_H
#define XENBUS_TXN_H

#include "xsd.h"

/* Start a transaction on c; -ENOSPC over quota, -ENOMEM. */
int txn_start(struct conn *c, struct txn **out);

/* The open transaction with this id on c, or NULL. */
struct txn *txn_find(struct conn *c, uint32_t id);

/*
 * A transaction the previous daemon started on a restored connection
 * (persist.h): not kept across the restart, so it is taken up under its
 * id as failed, its requests served on a view of the tree as usual and
 * its commit refused with EAGAIN (the client retries it whole, as Linux
 * does).  NULL over quota or without memory.
 */
struct txn *txn_adopt(struct conn *c, uint32_t id);

/* Record that a request named `path' as its target (for watches). */
void txn_note_target(struct txn *t, const char *path);

/*
 * End a transaction: commit (abort false) or drop it; frees t.
 * Returns 0, -EAGAIN on conflict, -ENOMEM.
 */
int txn_end(struct txn *t, bool abort);

/* Drop every transaction of c. */
void txn_abort_all(struct conn *c);

/* Whether committing t now would succeed (no conflicting change). */
bool txn_valid(const struct txn *t, const struct tree *main);

#endif
