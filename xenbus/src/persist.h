/*
 * The introduced domains and their watches, kept in the durable state
 * (journal + snapshot, as extra records) so that a daemon killed and
 * started again while the domains run can serve them again: what
 * XS_INTRODUCE gave it (domid, ring gfn, remote port), each watch the
 * domain's connection registered (the path as given, the token), until
 * XS_RELEASE or the domain's death drops it.
 */
#ifndef XENBUS_PERSIST_H
#define XENBUS_PERSIST_H

#include "journal.h"
#include "xsd.h"

/* Transaction ids a restored connection is given from: ids below it
 * came from the previous daemon (see persist_adopt_txn). */
#define RESTORED_TXID_BASE 0x80000000u

struct saved_watch {
	struct saved_watch *next;
	char *given; /* as registered (relative stays relative) */
	char *abs;   /* resolved: the key of UNWATCH */
	char *token;
};

struct saved_dom {
	struct saved_dom *next;
	uint32_t id;
	uint64_t mfn;
	uint32_t port;
	struct saved_watch *watches; /* in registration order */
};

/* The journal callbacks (ctx: the struct xsd). */
extern const struct journal_extra persist_journal_extra;

/* Record a change (the model and this round's journal frame). */
void persist_introduced(struct xsd *x, uint32_t id, uint64_t mfn,
			uint32_t port);
void persist_dropped(struct xsd *x, uint32_t id);
/* A watch of c added/removed, or all of them reset: domains only. */
void persist_watch(struct conn *c, const char *given, const char *abs,
		   const char *token, bool added);
void persist_reset_watches(struct conn *c);

/*
 * At start, once x->rings is set: serve every recorded domain again.
 * One that is gone (or dying) is dropped with its nodes and fires
 * @releaseDomain, as Xen's check_domains would have on the VIRQ the
 * daemon missed; one that cannot be reconnected is dropped with one
 * line (the toolstack can introduce it again); the others get their
 * ring mapped, a new port bound to the guest's and their watches back,
 * each with its first event (the guest re-reads what it watches,
 * catching up with changes made while the daemon was down).  No
 * @introduceDomain: the domains are not new.  Returns how many were
 * reconnected.
 */
unsigned int persist_restore(struct xsd *x);

void persist_fini(struct xsd *x);

#endif
