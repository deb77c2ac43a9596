/*
 * Node permissions, as Xen's xenstored has them: the first entry names
 * the owner and the default access of every other domain; later entries
 * give per-domain access.  Privileged callers (dom0) and the owner (or a
 * device model whose target owns the node) get everything.
 */
#ifndef XENBUS_PERMS_H
#define XENBUS_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PERM_NONE 0x0
#define PERM_READ 0x1
#define PERM_WRITE 0x2
#define PERM_OWNER 0x8

/* Xen's default limit on entries per node (quota "perms"). */
#define PERMS_MAX_DEFAULT 5
#define DOMID_NONE 0xffffffffu

struct xs_perm {
	uint32_t id;
	uint8_t perms; /* PERM_READ | PERM_WRITE */
};

/* Who asks: a domain, possibly privileged, possibly a device model. */
struct caller {
	uint32_t id;
	bool privileged;
	uint32_t target; /* DOMID_NONE when no SET_TARGET applies */
};

/* Access mask (PERM_*) that caller has on a node with these perms. */
unsigned int perms_for(const struct caller *c, const struct xs_perm *p,
		       unsigned int n);

/*
 * Parse Xen permission strings ("n0", "r5", "w7", "b3") into out.
 * Returns 0, or -EINVAL for a malformed entry.
 */
int perms_parse(const char *const *argv, unsigned int n, struct xs_perm *out);

/*
 * Format perms as NUL-terminated strings into buf (size len).  Returns
 * the bytes used, or -E2BIG when they do not fit.
 */
int perms_format(const struct xs_perm *p, unsigned int n, char *buf,
		 size_t len);

#endif
