/*
 * Per-domain quotas with Xen's defaults (xenstored 4.17): they keep one
 * domain from exhausting the daemon.  Privileged callers are unlimited.
 */
#ifndef XENBUS_QUOTA_H
#define XENBUS_QUOTA_H

#include <stdbool.h>
#include <stdint.h>

struct caller;

struct quota {
	uint32_t nodes;        /* nodes owned by a domain (-E: 1000) */
	uint32_t entry_size;   /* bytes of one node record, Xen-sized (-S: 2048) */
	uint32_t watches;      /* watches of a domain (-W: 128; Xen allows 129) */
	uint32_t transactions; /* open transactions (-t: 10; Xen allows 11) */
	uint32_t outstanding;  /* requests/replies in flight (20) */
	uint32_t perms;        /* permission entries per node (-A: 5) */
	uint32_t path_max;     /* path length below the domain (-M: 2048) */
	uint32_t txn_nodes;    /* nodes one transaction may touch (1024; Xen: 1023) */
};

void quota_defaults(struct quota *q);

/* The path-max quota in effect: Xen caps it at XENSTORE_REL_PATH_MAX. */
unsigned int quota_path_max(const struct quota *q);

/* Whether `have' more (already counting the new one) fits the limit. */
bool quota_ok(const struct caller *c, uint32_t have, uint32_t limit);

/* Set one quota from "name=value"; 0 or -EINVAL. */
int quota_set(struct quota *q, const char *spec);

#endif
