/*
 * Network devices of a domain, served by dom0's xen-netback
 * (TOOLSTACK-ABI.md 4.3, 4.6 and 6 step 4; docs/network.md): what libxl's
 * device_hotplug does with Xen's vif-bridge script, without the script.
 *
 * Add: the frontend and backend directories in one transaction
 * (lib/xsdev.c); wait up to 10 s for the backend's InitWait (2) and for
 * its netdev vif<D>.<devid>; then vif-bridge's work over rtnetlink
 * (lib/netlink.c): the vifname rename, IPv6 autoconfiguration off on the
 * port, the MTU (the vif's mtu=, else the bridge's), the bridge as master,
 * link up; last, hotplug-status = connected, which netback waits for
 * before it reports Connected.  A failure removes the device again.
 *
 * Remove: libxl's sequence (online = 0, state = 5, wait for 6, delete
 * the directories; lib/xsdev.c); netback then unregisters the netdev,
 * and the bridge port goes with it.
 *
 * The bridge: as with xl, a vif's bridge must exist and be a bridge
 * (vif-bridge: "Could not find bridge device"), unless KEEL_BRIDGE_CREATE=1
 * in the environment of keel (documented in docs/network.md), when keel
 * creates a missing one (no address, no uplink) and brings it up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include "keel_netlink.h"
#include "keel_xsdev.h"
#include "keelxs.h"
#include "xlcfg.h"

/* Any non-empty path: netback refuses a device without "script" and
 * only passes it on in its uevent; keel runs no script. */
#define VIF_SCRIPT "/etc/xen/scripts/vif-bridge"
#define NETDEV_WAIT_MS 10000

static void vif_id(struct keel_xsdev_id *id, domid_t dom, uint32_t devid)
{
    id->type = "vif";
    id->domid = dom;
    id->backend_domid = 0;
    id->devid = devid;
}

static int bridge_ready(const char *bridge, char *err, size_t errlen)
{
    const char *create = getenv("KEEL_BRIDGE_CREATE");

    if (keel_nl_is_bridge(bridge))
        return 0;
    if (keel_nl_exists(bridge)) {
        snprintf(err, errlen, "bridge: %s is not a bridge", bridge);
        return -ENOTDIR;
    }
    if (!create || strcmp(create, "1")) {
        snprintf(err, errlen, "bridge: %s does not exist (create it, e.g. `ip link add %s "
                 "type bridge`, or run keel with KEEL_BRIDGE_CREATE=1)", bridge, bridge);
        return -ENODEV;
    }
    return keel_nl_bridge_add(bridge, err, errlen);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

    nanosleep(&ts, NULL);
}

/* vif-bridge's work on the netdev NAME, then hotplug-status. */
static int hotplug(struct xs_handle *xs, const struct keel_xsdev_id *id,
                   const struct xlcfg_vif *v, const char *name, char *err, size_t errlen)
{
    int rc, mtu;

    if (v->vifname[0]) {
        rc = keel_nl_rename(name, v->vifname, err, errlen);
        if (rc)
            return rc;
        name = v->vifname;
    }
    rc = keel_nl_port_setup(name, err, errlen);
    if (rc)
        return rc;
    mtu = v->mtu ? (int)v->mtu : keel_nl_mtu(v->bridge);
    if (mtu < 0) {
        snprintf(err, errlen, "bridge: %s: cannot read its mtu: %s", v->bridge, strerror(-mtu));
        return mtu;
    }
    rc = keel_nl_attach(name, v->bridge, (unsigned int)mtu, err, errlen);
    if (rc)
        return rc;
    return keel_xsdev_backend_write(xs, id, "hotplug-status", "connected", err, errlen);
}

int keel_vif_add(struct xs_handle *xs, domid_t dom, const struct xlcfg_vif *v, char *err,
                 size_t errlen)
{
    struct keel_xsdev_id id;
    char handle[16], mac[18], name[32], mtu[16], e2[256];
    struct keel_xsdev_kv fe[2], be[10];
    size_t nbe = 0;
    int rc, waited;

    vif_id(&id, dom, v->devid);
    rc = bridge_ready(v->bridge, err, errlen);
    if (rc)
        return rc;
    snprintf(handle, sizeof(handle), "%u", v->devid);
    xlcfg_mac_format(v->mac, mac);
    snprintf(name, sizeof(name), "vif%u.%u", dom, v->devid);
    if (v->vifname[0] && keel_nl_exists(v->vifname)) {
        snprintf(err, errlen, "vifname: %s: an interface of that name exists", v->vifname);
        return -EEXIST;
    }
    fe[0] = (struct keel_xsdev_kv){ "handle", handle };
    fe[1] = (struct keel_xsdev_kv){ "mac", mac };
    be[nbe++] = (struct keel_xsdev_kv){ "script", VIF_SCRIPT };
    be[nbe++] = (struct keel_xsdev_kv){ "handle", handle };
    be[nbe++] = (struct keel_xsdev_kv){ "mac", mac };
    be[nbe++] = (struct keel_xsdev_kv){ "bridge", v->bridge };
    be[nbe++] = (struct keel_xsdev_kv){ "type", "vif" };
    be[nbe++] = (struct keel_xsdev_kv){ "hotplug-status", "" };
    if (v->vifname[0])
        be[nbe++] = (struct keel_xsdev_kv){ "vifname", v->vifname };
    if (v->ip[0])
        be[nbe++] = (struct keel_xsdev_kv){ "ip", v->ip };
    if (v->mtu) {
        snprintf(mtu, sizeof(mtu), "%u", v->mtu);
        be[nbe++] = (struct keel_xsdev_kv){ "mtu", mtu };
    }
    rc = keel_xsdev_add(xs, &id, fe, 2, be, nbe, err, errlen);
    if (rc)
        return rc;
    rc = keel_xsdev_wait_state(xs, &id, KEEL_XSDEV_INITWAIT, KEEL_XSDEV_TIMEOUT_MS, err,
                               errlen);
    if (rc == -ETIMEDOUT && access("/sys/module/xen_netback", F_OK)) {
        /* Say what is most likely missing. */
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, " (is xen-netback loaded?)");
    }
    /* netback creates the netdev just after InitWait (4.3). */
    for (waited = 0; !rc && !keel_nl_exists(name); waited += 50) {
        if (waited >= NETDEV_WAIT_MS) {
            snprintf(err, errlen, "%s did not appear within %d s", name, NETDEV_WAIT_MS / 1000);
            rc = -ETIMEDOUT;
            break;
        }
        sleep_ms(50);
    }
    if (!rc)
        rc = hotplug(xs, &id, v, name, err, errlen);
    if (rc)
        keel_xsdev_remove(xs, &id, true, KEEL_XSDEV_TIMEOUT_MS, e2, sizeof(e2));
    return rc;
}

int keel_vif_remove(struct xs_handle *xs, domid_t dom, uint32_t devid, bool force, char *err,
                    size_t errlen)
{
    struct keel_xsdev_id id;

    vif_id(&id, dom, devid);
    return keel_xsdev_remove(xs, &id, force, KEEL_XSDEV_TIMEOUT_MS, err, errlen);
}

void keel_vifs_remove_all(struct xs_handle *xs, domid_t dom, const char *verb)
{
    uint32_t ids[64];
    char err[256];
    int n, i;

    n = keel_xsdev_list(xs, "vif", dom, 0, ids, 64, err, sizeof(err));
    if (n > 64)
        n = 64;
    for (i = 0; i < n; i++)
        if (keel_vif_remove(xs, dom, ids[i], true, err, sizeof(err)) < 0)
            fprintf(stderr, "keel %s: domain %u: vif %u: %s\n", verb, dom, ids[i], err);
}

void keel_vif_remove_all(domid_t dom, const char *verb)
{
    struct xs_handle *xs;

    if (!(xs = keel_store_open_devices()))
        return;
    keel_vifs_remove_all(xs, dom, verb);
    xs_close(xs);
}
