/*
 * Until dom0's tools exist, the hypervisor is every domU's console
 * backend: it drains each domU's PV console ring to the serial log, one
 * line at a time prefixed with the domain's name, and feeds serial input
 * to the domain that has the focus (Ctrl-A three times switches, as Xen).
 */
#ifndef KEEL_CONSOLE_BACKEND_H
#define KEEL_CONSOLE_BACKEND_H
#include <keel/types.h>
struct domain;

/* Attach the ring in d's frame mfn, with the guest's port, to domain d;
 * takes a general and a writable type reference on the frame, held until
 * cons_backend_detach().  0, or -EINVAL (not d's frame, or in use as a
 * table or descriptor page), -ENOSPC (too many backends). */
int cons_backend_attach(struct domain *d, mfn_t ring, uint32_t port);
/* d is being destroyed: stop using its ring and drop the references. */
void cons_backend_detach(struct domain *d);
/* The guest sent an event on its console port. */
void cons_backend_notify(struct domain *d);
/* Poll serial input and every ring: called from the timer path. */
void cons_backend_poll(void);
/* dom0's console_io read: bytes typed while dom0 has the focus. */
long cons_dom0_read(char *buf, size_t len);
bool cons_backend_active(void);
#endif
