/* Per-domain quotas: see quota.h. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "perms.h"
#include "quota.h"
#include "wire.h"

void quota_defaults(struct quota *q)
{
	q->nodes = 1000;
	q->entry_size = 2048;
	q->watches = 128;
	q->transactions = 10;
	q->outstanding = 20;
	q->perms = PERMS_MAX_DEFAULT;
	q->path_max = XENSTORE_REL_PATH_MAX;
	q->txn_nodes = 1024;
}

unsigned int quota_path_max(const struct quota *q)
{
	return q->path_max < XENSTORE_REL_PATH_MAX ? q->path_max
						   : XENSTORE_REL_PATH_MAX;
}

bool quota_ok(const struct caller *c, uint32_t have, uint32_t limit)
{
	return c->privileged || have <= limit;
}

int quota_set(struct quota *q, const char *spec)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ "nodes", offsetof(struct quota, nodes) },
		{ "entry-size", offsetof(struct quota, entry_size) },
		{ "watches", offsetof(struct quota, watches) },
		{ "transactions", offsetof(struct quota, transactions) },
		{ "outstanding", offsetof(struct quota, outstanding) },
		{ "perms", offsetof(struct quota, perms) },
		{ "path-max", offsetof(struct quota, path_max) },
		{ "transaction-nodes", offsetof(struct quota, txn_nodes) },
	};
	const char *eq = strchr(spec, '=');
	unsigned long long v;

	if (!eq || !wire_parse_uint(eq + 1, 0xffffffffull, &v))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == (size_t)(eq - spec) &&
		    !strncmp(names[i].name, spec, (size_t)(eq - spec))) {
			*(uint32_t *)((char *)q + names[i].off) = (uint32_t)v;
			return 0;
		}
	}
	return -EINVAL;
}
