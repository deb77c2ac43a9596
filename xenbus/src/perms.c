/* Node permissions: see perms.h. */
#include <errno.h>
#include <stdio.h>

#include "perms.h"
#include "wire.h"

static bool is_self(const struct caller *c, uint32_t id)
{
	return id == c->id || (c->target != DOMID_NONE && id == c->target);
}

unsigned int perms_for(const struct caller *c, const struct xs_perm *p,
		       unsigned int n)
{
	const unsigned int all = PERM_READ | PERM_WRITE | PERM_OWNER;

	if (c->privileged || n == 0 || is_self(c, p[0].id))
		return all;
	for (unsigned int i = 1; i < n; i++)
		if (is_self(c, p[i].id))
			return p[i].perms & all;
	return p[0].perms & all;
}

int perms_parse(const char *const *argv, unsigned int n, struct xs_perm *out)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned long long id;

		switch (argv[i][0]) {
		case 'n': out[i].perms = PERM_NONE; break;
		case 'r': out[i].perms = PERM_READ; break;
		case 'w': out[i].perms = PERM_WRITE; break;
		case 'b': out[i].perms = PERM_READ | PERM_WRITE; break;
		default: return -EINVAL;
		}
		if (!wire_parse_uint(argv[i] + 1, 0xffffffffull, &id))
			return -EINVAL;
		out[i].id = (uint32_t)id;
	}
	return 0;
}

int perms_format(const struct xs_perm *p, unsigned int n, char *buf,
		 size_t len)
{
	static const char letter[4] = { 'n', 'r', 'w', 'b' };
	size_t used = 0;

	for (unsigned int i = 0; i < n; i++) {
		int w = snprintf(buf + used, len - used, "%c%u",
				 letter[p[i].perms & 3], p[i].id);

		if (w < 0 || (size_t)w + 1 > len - used)
			return -E2BIG;
		used += (size_t)w + 1; /* keep the NUL */
	}
	return (int)used;
}
