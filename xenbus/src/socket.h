/* Unix socket transport (transport_socket.c). */
#ifndef XENBUS_SOCKET_H
#define XENBUS_SOCKET_H

#include "xsd.h"

extern const struct transport_ops socket_transport_ops;

/* Listening socket at path (replacing a stale one); -1 with errno. */
int socket_listen(const char *path);

/* Accept one client as a dom0 connection, or NULL. */
struct conn *socket_accept(struct xsd *x, int lfd);

#endif
