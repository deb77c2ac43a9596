/*
 * Domains known to the daemon: introduced with their shared ring page
 * and event channel (INTRODUCE), released (RELEASE), resumed, and given a
 * target (SET_TARGET: a device model acting for its guest).
 */
#ifndef XENBUS_DOMAIN_H
#define XENBUS_DOMAIN_H

#include "xsd.h"

/* A domain's state as the hypervisor reports it (getdomaininfo). */
enum dom_state {
	DOM_RUNNING,  /* running, blocked or paused */
	DOM_SHUTDOWN, /* shut down or crashed, not yet destroyed */
	DOM_GONE,     /* dying (being destroyed) or no longer listed */
};

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
	/*
	 * Optional (NULL: no domain-state events).  exc_fd: readable when
	 * VIRQ_DOM_EXC fired (a domain shut down, is dying or gone), -1 if
	 * none; exc_ack consumes the event; state: an enum dom_state for
	 * domid, or -errno (the domain is then left as it is).
	 */
	int (*exc_fd)(void);
	void (*exc_ack)(void);
	int (*state)(uint32_t domid);
};

struct domain *domain_find(struct xsd *x, uint32_t id);
int domain_introduce(struct xsd *x, uint32_t id, uint64_t mfn, uint32_t port);
/* A domain recorded by a previous daemon (persist_restore): its ring and
 * port connected again, no @introduceDomain; *out the new domain. */
int domain_reconnect(struct xsd *x, uint32_t id, uint64_t mfn, uint32_t port,
		     struct domain **out);
int domain_release(struct xsd *x, uint32_t id);
/* Delete every node a (released) domain owns, with its subtree, firing
 * watches, as Xen does unless told to keep orphans. */
void domain_remove_orphans(struct xsd *x, uint32_t id);
/*
 * VIRQ_DOM_EXC: read every introduced domain's state, as Xen 4.17's
 * xenstored_domain.c:check_domains.  A domain newly shut down is marked
 * (reported once, until XS_RESUME); one dying or gone loses its
 * connection (ring unmapped, port unbound) and its nodes.  Fires
 * @releaseDomain once if any of that happened.
 */
void domain_check_all(struct xsd *x);
int domain_set_target(struct xsd *x, uint32_t id, uint32_t target);

#endif
