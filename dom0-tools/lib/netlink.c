/*
 * rtnetlink for keel's vif hotplug (include/keel_netlink.h): one
 * RTM_NEWLINK request per operation, answered by an NLMSG_ERROR ack.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../include/keel_netlink.h"

struct nlreq {
    struct nlmsghdr h;
    struct ifinfomsg i;
    char attrs[256];
};

static void seterr(char *err, size_t errlen, const char *name, const char *what, int rc)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s: %s", name, what, strerror(-rc));
}

static bool name_ok(const char *name)
{
    return name[0] && strlen(name) < IFNAMSIZ && !strchr(name, '/') && strcmp(name, ".") &&
           strcmp(name, "..");
}

/* stat /sys/class/net/NAME/SUB (SUB "" for the interface itself). */
static bool sys_net_stat(const char *name, const char *sub, struct stat *st)
{
    char p[64];

    if (!name_ok(name))
        return false;
    snprintf(p, sizeof(p), "/sys/class/net/%s%s", name, sub);
    return stat(p, st) == 0;
}

bool keel_nl_exists(const char *name)
{
    struct stat st;

    return sys_net_stat(name, "", &st);
}

bool keel_nl_is_bridge(const char *name)
{
    struct stat st;

    return sys_net_stat(name, "/bridge", &st) && S_ISDIR(st.st_mode);
}

int keel_nl_mtu(const char *name)
{
    char p[64];
    FILE *f;
    int mtu;

    if (!name_ok(name))
        return -EINVAL;
    snprintf(p, sizeof(p), "/sys/class/net/%s/mtu", name);
    f = fopen(p, "r");
    if (!f)
        return -errno;
    if (fscanf(f, "%d", &mtu) != 1 || mtu <= 0)
        mtu = -EIO;
    fclose(f);
    return mtu;
}

/* Append attribute TYPE with len bytes of data: a pointer to it, or NULL if full. */
static struct rtattr *add_attr(struct nlreq *r, unsigned short type, const void *data,
                               size_t len)
{
    size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
    struct rtattr *a = (struct rtattr *)((char *)r + off);

    if (off + RTA_SPACE(len) > sizeof(*r))
        return NULL;
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
    return a;
}

/* Send r and read its ack: 0 or the kernel's negative errno. */
static int talk(struct nlreq *r)
{
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    char buf[1024];
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rc;
    ssize_t n;

    if (fd < 0)
        return -errno;
    r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    r->h.nlmsg_seq = 1;
    if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    for (;;) {
        struct nlmsghdr *h = (struct nlmsghdr *)buf;

        n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            break;
        }
        for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != 1)
                continue;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);

                close(fd);
                return e->error;
            }
        }
    }
    close(fd);
    return rc;
}

static void req_init(struct nlreq *r, int ifindex, uint16_t flags)
{
    memset(r, 0, sizeof(*r));
    r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    r->h.nlmsg_type = RTM_NEWLINK;
    r->h.nlmsg_flags = flags;
    r->i.ifi_family = AF_UNSPEC;
    r->i.ifi_index = ifindex;
}

static int index_of(const char *name, int *ifindex)
{
    if (!name_ok(name))
        return -EINVAL;
    *ifindex = (int)if_nametoindex(name);
    return *ifindex ? 0 : -ENODEV;
}

int keel_nl_bridge_add(const char *name, char *err, size_t errlen)
{
    struct nlreq r;
    struct rtattr *info;
    int rc, ifindex;

    if (!name_ok(name)) {
        seterr(err, errlen, name, "bad bridge name", -EINVAL);
        return -EINVAL;
    }
    req_init(&r, 0, NLM_F_CREATE | NLM_F_EXCL);
    add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    info = add_attr(&r, IFLA_LINKINFO, NULL, 0);
    add_attr(&r, IFLA_INFO_KIND, "bridge", 7);
    info->rta_len = (unsigned short)((char *)&r + r.h.nlmsg_len - (char *)info);
    rc = talk(&r);
    if (rc) {
        seterr(err, errlen, name, "cannot create the bridge", rc);
        return rc;
    }
    rc = index_of(name, &ifindex);
    if (!rc) {
        req_init(&r, ifindex, 0);
        r.i.ifi_flags = IFF_UP;
        r.i.ifi_change = IFF_UP;
        rc = talk(&r);
    }
    if (rc)
        seterr(err, errlen, name, "cannot bring the new bridge up", rc);
    return rc;
}

int keel_nl_rename(const char *name, const char *newname, char *err, size_t errlen)
{
    struct nlreq r;
    int rc, ifindex;

    rc = index_of(name, &ifindex);
    if (!rc && !name_ok(newname))
        rc = -EINVAL;
    if (!rc) {
        req_init(&r, ifindex, 0);
        add_attr(&r, IFLA_IFNAME, newname, strlen(newname) + 1);
        rc = talk(&r);
    }
    if (rc && err && errlen)
        snprintf(err, errlen, "%s: cannot rename it to %s: %s", name, newname, strerror(-rc));
    return rc;
}

int keel_nl_attach(const char *name, const char *bridge, unsigned int mtu, char *err,
                   size_t errlen)
{
    struct nlreq r;
    int rc, ifindex, brindex;
    uint32_t v;

    rc = index_of(name, &ifindex);
    if (rc) {
        seterr(err, errlen, name, "no such interface", rc);
        return rc;
    }
    rc = index_of(bridge, &brindex);
    if (rc) {
        seterr(err, errlen, bridge, "no such bridge", rc);
        return rc;
    }
    if (mtu) {
        req_init(&r, ifindex, 0);
        v = mtu;
        add_attr(&r, IFLA_MTU, &v, sizeof(v));
        rc = talk(&r);
        if (rc) {
            if (err && errlen)
                snprintf(err, errlen, "%s: cannot set mtu %u: %s", name, mtu, strerror(-rc));
            return rc;
        }
    }
    req_init(&r, ifindex, 0);
    v = (uint32_t)brindex;
    add_attr(&r, IFLA_MASTER, &v, sizeof(v));
    rc = talk(&r);
    if (rc) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot add it to bridge %s: %s", name, bridge,
                     strerror(-rc));
        return rc;
    }
    req_init(&r, ifindex, 0);
    r.i.ifi_flags = IFF_UP;
    r.i.ifi_change = IFF_UP;
    rc = talk(&r);
    if (rc)
        seterr(err, errlen, name, "cannot bring it up", rc);
    return rc;
}

static int write_sysctl(const char *name, const char *key)
{
    char p[128];
    int fd, rc = 0;

    snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/%s", name, key);
    fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (write(fd, "0\n", 2) != 2)
        rc = -errno;
    close(fd);
    return rc;
}

/*
 * Linux makes /sys/class/net/NAME (what keel waits for) before the
 * NETDEV_REGISTER notifiers run, and IPv6's creates
 * /proc/sys/net/ipv6/conf/NAME there: a write in between found no file
 * and the vif kept autoconf on (linux-vif saw it at host load).  With
 * IPv6 on (its conf directory exists), wait up to 2 s for NAME's.
 */
static void wait_ipv6_conf(const char *name)
{
    struct timespec ts = { 0, 10 * 1000000L };
    struct stat st;
    char p[128];
    int i;

    if (stat("/proc/sys/net/ipv6/conf", &st))
        return;
    snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s", name);
    for (i = 0; i < 200 && stat(p, &st); i++)
        nanosleep(&ts, NULL);
}

int keel_nl_port_setup(const char *name, char *err, size_t errlen)
{
    int rc;

    if (!name_ok(name)) {
        seterr(err, errlen, name, "bad interface name", -EINVAL);
        return -EINVAL;
    }
    wait_ipv6_conf(name);
    rc = write_sysctl(name, "autoconf");
    if (!rc)
        rc = write_sysctl(name, "accept_ra");
    if (rc)
        seterr(err, errlen, name, "cannot turn IPv6 autoconfiguration off", rc);
    return rc;
}
