/* Store paths: see path.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path.h"
#include "wire.h"

static bool valid_chars(const char *p)
{
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-/_@", *p)))
			return false;
	return true;
}

bool path_valid(const char *p)
{
	size_t n = strlen(p);

	if (p[0] != '/' || n > XENSTORE_ABS_PATH_MAX)
		return false;
	if (n > 1 && p[n - 1] == '/')
		return false;
	if (strstr(p, "//"))
		return false;
	return valid_chars(p);
}

bool path_is_special(const char *p)
{
	return strcmp(p, "@introduceDomain") == 0 ||
	       strcmp(p, "@releaseDomain") == 0;
}

bool path_is_child(const char *child, const char *parent)
{
	size_t n = strlen(parent);

	if (strcmp(parent, "/") == 0)
		return child[0] == '/';
	return strncmp(child, parent, n) == 0 &&
	       (child[n] == '/' || child[n] == '\0');
}

void path_domain(uint32_t domid, char *out, size_t len)
{
	snprintf(out, len, "/local/domain/%u", domid);
}

int path_resolve(uint32_t domid, const char *in, unsigned int path_max,
		 char *out)
{
	char dom[32];
	size_t n;

	/* "@name": a special watch path, taken as is; Xen 4.17
	 * (check_watch_path) refuses one longer than XENSTORE_REL_PATH_MAX. */
	if (in[0] == '@') {
		n = strlen(in);
		if (n > XENSTORE_REL_PATH_MAX || !valid_chars(in))
			return -EINVAL;
		memcpy(out, in, n + 1);
		return 0;
	}
	path_domain(domid, dom, sizeof(dom));
	if (in[0] == '/') {
		n = strlen(in);
		if (n >= PATH_BUF)
			return -EINVAL;
		memcpy(out, in, n + 1);
	} else {
		int w = snprintf(out, PATH_BUF, "%s/%s", dom, in);

		if (w < 0 || w >= PATH_BUF)
			return -EINVAL;
	}
	if (!path_valid(out))
		return -EINVAL;
	/* Xen's is_valid_nodename(): the length past "/local/domain/<id>/"
	 * (any id, as sscanf reads it) is at most the path-max quota, for
	 * every caller, dom0 included. */
	if (strlen(out) > path_local_off(out) + path_max)
		return -EINVAL;
	return 0;
}

/*
 * Xen's is_valid_nodename() measures a path from the end of its
 * "/local/domain/<id>/" prefix, read with sscanf("%5u/%n"): the offset
 * past that prefix, or 0.
 */
size_t path_local_off(const char *p)
{
	unsigned int domid;
	int off = 0;

	if (sscanf(p, "/local/domain/%5u/%n", &domid, &off) != 1)
		off = 0;
	return (size_t)off;
}

size_t path_longest_below(const char *w, unsigned int path_max)
{
	char probe[PATH_BUF + 1];
	size_t n = strlen(w), off = path_local_off(w);

	if (w[0] == '@')
		return n;
	if (off)
		return off + path_max;
	/* "/local/domain/<id>": its children have the prefix. */
	if (n + 1 < sizeof(probe)) {
		memcpy(probe, w, n);
		memcpy(probe + n, "/", 2);
		off = path_local_off(probe);
		if (off == n + 1)
			return off + path_max;
	}
	/* "/", "/local", "/local/domain": any domain's home lies below,
	 * the longest prefix being "/local/domain/" and 5 characters. */
	if (!strcmp(w, "/") || !strcmp(w, "/local") ||
	    !strcmp(w, "/local/domain"))
		return strlen("/local/domain/12345/") + path_max;
	return path_max;
}
