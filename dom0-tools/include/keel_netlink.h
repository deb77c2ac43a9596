/*
 * keel_netlink: the few network-interface operations Xen's vif-bridge
 * script (xen-network-common.sh) runs through ip(8)/brctl, done by keel
 * itself over rtnetlink (TOOLSTACK-ABI.md 4.3, 4.6).
 *
 * Errors: 0 or a negative errno value; err (when not NULL) gets one line
 * naming the interface and the operation.  Needs CAP_NET_ADMIN.
 */
#ifndef KEEL_KEEL_NETLINK_H
#define KEEL_KEEL_NETLINK_H
#include <stdbool.h>
#include <stddef.h>

/* The interface exists (/sys/class/net/NAME). */
bool keel_nl_exists(const char *name);
/* NAME is a Linux bridge (/sys/class/net/NAME/bridge). */
bool keel_nl_is_bridge(const char *name);
/* Its MTU, or a negative errno. */
int keel_nl_mtu(const char *name);
/* ip link add NAME type bridge; ip link set NAME up. */
int keel_nl_bridge_add(const char *name, char *err, size_t errlen);
/* ip link set NAME name NEWNAME (NAME must be down). */
int keel_nl_rename(const char *name, const char *newname, char *err, size_t errlen);
/* ip link set NAME mtu MTU master BRIDGE up (mtu 0: unchanged). */
int keel_nl_attach(const char *name, const char *bridge, unsigned int mtu, char *err,
                   size_t errlen);
/*
 * What vif-bridge's setup_virtual_bridge_port does for the port: no IPv6
 * address autoconfiguration and no router advertisements on it
 * (/proc/sys/net/ipv6/conf/NAME/{autoconf,accept_ra} = 0; absent without
 * IPv6: not an error).
 */
int keel_nl_port_setup(const char *name, char *err, size_t errlen);

#endif
