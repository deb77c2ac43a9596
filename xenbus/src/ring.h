/*
 * The shared-ring transport (struct xenstore_domain_interface) and the
 * event channel that goes with it.  The ring code is the same in dom0
 * and on the host; only mapping and notification differ (ring_dom0.c:
 * foreign-mapped page and /dev/xen/evtchn; ring_host.c: a shared memory
 * page and eventfds, for tests).
 */
#ifndef XENBUS_RING_H
#define XENBUS_RING_H

#include "domain.h"
#include "xsd.h"

struct evtchn_ops {
	int (*fd)(void *ev);         /* readable when the peer notified */
	void (*notify)(void *ev);    /* notify the peer */
	void (*ack)(void *ev);       /* consume a notification */
	void (*close)(void *ev);
};

struct ring_tp {
	struct xenstore_domain_interface *intf;
	const struct evtchn_ops *ev_ops;
	void *ev;
	void (*unmap)(struct xenstore_domain_interface *intf);
};

extern const struct transport_ops ring_transport_ops;

/* Ring copy helpers, also used by the test frontends.  They return the
 * bytes moved, or -1 when the indexes are inconsistent. */
ssize_t ring_read_req(struct xenstore_domain_interface *i, void *buf,
		      size_t len);
ssize_t ring_write_rsp(struct xenstore_domain_interface *i, const void *buf,
		       size_t len);
ssize_t ring_write_req(struct xenstore_domain_interface *i, const void *buf,
		       size_t len);
ssize_t ring_read_rsp(struct xenstore_domain_interface *i, void *buf,
		      size_t len);

/* Host test rig: make (mfn, port) name this page and these eventfds
 * (to_daemon: the guest signals us; to_guest: we signal it). */
int ring_host_register(uint64_t mfn, uint32_t port,
		       struct xenstore_domain_interface *intf, int to_daemon,
		       int to_guest);
/* The host rig's VIRQ_DOM_EXC: an eventfd the test writes (-1: none),
 * and the state it reports for domid (default DOM_RUNNING). */
void ring_host_set_exc_fd(int fd);
int ring_host_set_state(uint32_t domid, enum dom_state st);
extern const struct ring_backend ring_host_backend;

/* Test-only: rings as files in dir, events as FIFOs (ring_hostdir.c). */
const struct ring_backend *ring_hostdir_backend(const char *dir);

/* dom0: foreign mapping, /dev/xen/evtchn and VIRQ_DOM_EXC through
 * keelctl.  ring_dom0_init opens privcmd and binds the VIRQ (0 or
 * -errno, logged). */
extern const struct ring_backend ring_dom0_backend;
int ring_dom0_init(void);
/* dom0's own kernel connection via /proc/xen/xsd_kva and xsd_port. */
struct conn *ring_dom0_kernel_connect(struct xsd *x);

#endif
