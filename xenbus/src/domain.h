/*
 * Domains known to the daemon: introduced with their shared ring page
 * and event channel (INTRODUCE), released (RELEASE), resumed, and given a
 * target (SET_TARGET: a device model acting for its guest).
 */
#ifndef XENBUS_DOMAIN_H
#define XENBUS_DOMAIN_H

#include "xsd.h"

/* Shared-ring mapping and event channels: dom0 or the host test rig. */
struct ring_backend {
	const char *name;
	/*
	 * Map the ring page of domid at mfn and bind its event channel
	 * (remote port).  Fills *intf and *tp (transport private, given
	 * to ring_transport_ops).  Returns 0 or -errno.
	 */
	int (*connect)(uint32_t domid, uint64_t mfn, uint32_t port,
		       struct xenstore_domain_interface **intf, void **tp);
};

struct domain *domain_find(struct xsd *x, uint32_t id);
int domain_introduce(struct xsd *x, uint32_t id, uint64_t mfn, uint32_t port);
int domain_release(struct xsd *x, uint32_t id);
/* Delete every node a (released) domain owns, with its subtree, firing
 * watches, as Xen does unless told to keep orphans. */
void domain_remove_orphans(struct xsd *x, uint32_t id);
int domain_set_target(struct xsd *x, uint32_t id, uint32_t target);

#endif
