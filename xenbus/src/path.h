/*
 * Store paths: validation (Xen's is_valid_nodename), resolution of
 * relative paths under /local/domain/<id>, and ancestry tests.
 */
#ifndef XENBUS_PATH_H
#define XENBUS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATH_BUF 3200 /* > XENSTORE_ABS_PATH_MAX + NUL */

/*
 * Resolve `in' (absolute, relative or an "@..." watch name, kept as is) for domain
 * `domid' into out (PATH_BUF bytes).  Returns 0, or -EINVAL when the
 * result is not a valid node name or is too long: as Xen 4.17's
 * is_valid_nodename(), its length past "/local/domain/<id>/" (0 when it
 * has no such prefix) must be at most path_max (the path-max quota,
 * XENSTORE_REL_PATH_MAX by default, for every caller); "@" names at
 * most XENSTORE_REL_PATH_MAX.
 */
int path_resolve(uint32_t domid, const char *in, unsigned int path_max,
		 char *out);

/* Xen's is_valid_nodename for an absolute path. */
bool path_valid(const char *p);

/* True for "@introduceDomain" and "@releaseDomain". */
bool path_is_special(const char *p);

/* True when child is parent or lies below it. */
bool path_is_child(const char *child, const char *parent);

/* Xen's offset of a path past "/local/domain/<id>/" (0 if none). */
size_t path_local_off(const char *p);

/*
 * The longest path a node at or below w may have under Xen's rule
 * (length <= local offset + path_max), i.e. the longest path a watch
 * on w can report; for "@..." names, the name itself.
 */
size_t path_longest_below(const char *w, unsigned int path_max);

/* "/local/domain/<id>" into out (at least 32 bytes). */
void path_domain(uint32_t domid, char *out, size_t len);

#endif
