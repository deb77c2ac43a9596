/* Xenstore wire protocol helpers: see wire.h. */
#include <errno.h>
#include <string.h>

#include "wire.h"

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL", [XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ", [XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH", [XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE", [XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH", [XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR", [XS_RM] = "RM", [XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT", [XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME", [XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

/*
 * The daemon works with the host's errno values; xs_wire.h's xsd_errors
 * table holds Xen's.  They are the same numbers on Linux x86: checked.
 */
#define SAME(e) _Static_assert(XEN_##e == e, #e " differs from Xen's")
SAME(EINVAL); SAME(EACCES); SAME(EEXIST); SAME(EISDIR); SAME(ENOENT);
SAME(ENOMEM); SAME(ENOSPC); SAME(EIO); SAME(ENOTEMPTY); SAME(ENOSYS);
SAME(EROFS); SAME(EBUSY); SAME(EAGAIN); SAME(EISCONN); SAME(E2BIG);
SAME(EPERM);

#define NR_ERRORS (sizeof(xsd_errors) / sizeof(xsd_errors[0]))

const char *wire_type_name(uint32_t type)
{
	if (type < XS_TYPE_COUNT && type_names[type])
		return type_names[type];
	return "UNKNOWN";
}

const char *wire_errno_name(int err)
{
	for (size_t i = 0; i < NR_ERRORS; i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EIO";
}

int wire_errno_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < NR_ERRORS; i++)
		if (strlen(xsd_errors[i].errstring) == len &&
		    memcmp(xsd_errors[i].errstring, name, len) == 0)
			return xsd_errors[i].errnum;
	return 0;
}

bool wire_header_ok(const struct xsd_sockmsg *hdr)
{
	return hdr->len <= XENSTORE_PAYLOAD_MAX;
}

unsigned int wire_split(const char *buf, size_t len, const char **argv,
			unsigned int max, size_t *rest)
{
	unsigned int n = 0;
	size_t off = 0;

	while (n < max && off < len) {
		const char *nul = memchr(buf + off, '\0', len - off);

		if (!nul)
			break;
		argv[n++] = buf + off;
		off = (size_t)(nul - buf) + 1;
	}
	if (rest)
		*rest = off;
	return n;
}

const char *wire_onearg(const char *buf, size_t len)
{
	if (len == 0 || buf[len - 1] != '\0' || strlen(buf) != len - 1)
		return NULL;
	return buf;
}

bool wire_parse_uint(const char *s, unsigned long long max,
		     unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return true;
}
