/*
 * keel top's network and disk figures from dom0's backends (include/
 * backstats.h): netback's and blkback's sysfs counters, as libxenstat.
 */
#include "backstats.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *keel_backstats_root(void)
{
    const char *r = getenv("KEEL_TOP_SYSFS");

    return r && *r ? r : "/sys";
}

/* A decimal counter file: 0 and *v, or -1. */
static int read_u64(const char *path, uint64_t *v)
{
    char buf[32], *end;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    if (buf[0] < '0' || buf[0] > '9')
        return -1;
    errno = 0;
    *v = strtoull(buf, &end, 10);
    if (errno || (*end && *end != '\n'))
        return -1;
    return 0;
}

/* "PREFIX<D><SEP><N>" and nothing after: 0 and *dom, or -1. */
static int parse_name(const char *name, const char *prefix, char sep, unsigned long *dom)
{
    size_t l = strlen(prefix);
    const char *p;
    char *end;

    if (strncmp(name, prefix, l) || name[l] < '0' || name[l] > '9')
        return -1;
    *dom = strtoul(name + l, &end, 10);
    if (*end != sep || end[1] < '0' || end[1] > '9')
        return -1;
    p = end + 1;
    while (*p >= '0' && *p <= '9')
        p++;
    return *p || *dom > 0xffff ? -1 : 0;
}

static int index_of(const uint16_t *ids, int n, unsigned long dom)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == dom)
            return i;
    return -1;
}

/* The counters of files names[0..k-1] under dir; 0, or -1 if one is missing. */
static int read_set(const char *dir, const char *const *names, int k, uint64_t *v)
{
    char path[512];

    for (int i = 0; i < k; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (read_u64(path, &v[i]) < 0)
            return -1;
    }
    return 0;
}

static int scan_vifs(const char *sysfs, const uint16_t *ids, int n, struct keel_backstats *out)
{
    /* The vif's own counters: its rx is the guest's tx. */
    static const char *const names[4] = { "statistics/rx_bytes", "statistics/tx_bytes",
                                          "statistics/rx_packets", "statistics/tx_packets" };
    char dir[400];
    struct dirent *e;
    DIR *d;

    snprintf(dir, sizeof(dir), "%s/class/net", sysfs);
    if (!(d = opendir(dir)))
        return -errno;
    while ((e = readdir(d))) {
        unsigned long dom;
        uint64_t v[4];
        char p[700];
        int i;

        if (parse_name(e->d_name, "vif", '.', &dom) < 0 || (i = index_of(ids, n, dom)) < 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (read_set(p, names, 4, v) < 0)
            continue;
        out[i].nets++;
        out[i].net_tx_bytes += v[0];
        out[i].net_rx_bytes += v[1];
        out[i].net_tx_packets += v[2];
        out[i].net_rx_packets += v[3];
    }
    closedir(d);
    return 0;
}

static int scan_vbds(const char *sysfs, const uint16_t *ids, int n, struct keel_backstats *out)
{
    static const char *const names[5] = { "statistics/oo_req", "statistics/rd_req", "statistics/wr_req",
                                          "statistics/rd_sect", "statistics/wr_sect" };
    char dir[400];
    struct dirent *e;
    DIR *d;

    snprintf(dir, sizeof(dir), "%s/bus/xen-backend/devices", sysfs);
    if (!(d = opendir(dir)))
        return -errno;
    while ((e = readdir(d))) {
        unsigned long dom;
        uint64_t v[5];
        char p[700];
        int i;

        if (parse_name(e->d_name, "vbd-", '-', &dom) < 0 || (i = index_of(ids, n, dom)) < 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (read_set(p, names, 5, v) < 0)
            continue;
        out[i].vbds++;
        out[i].vbd_oo += v[0];
        out[i].vbd_rd += v[1];
        out[i].vbd_wr += v[2];
        out[i].vbd_rsect += v[3];
        out[i].vbd_wsect += v[4];
    }
    closedir(d);
    return 0;
}

int keel_backstats_scan(const char *sysfs, const uint16_t *ids, int n, struct keel_backstats *out)
{
    int rc;

    memset(out, 0, sizeof(*out) * (size_t)(n > 0 ? n : 0));
    rc = scan_vifs(sysfs, ids, n, out);
    /* Without xen-backend (no backend driver loaded) the bus directory is
     * absent: that is no vbd, not an error. */
    (void)scan_vbds(sysfs, ids, n, out);
    return rc;
}

static double per_s(uint64_t a, uint64_t b, double secs)
{
    return b > a && secs > 0 ? (double)(b - a) / secs : 0;
}

void keel_backstats_rates(const struct keel_backstats *a, const struct keel_backstats *b,
                          double secs, struct keel_backrates *r)
{
    r->net_tx_kbs = per_s(a->net_tx_bytes, b->net_tx_bytes, secs) / 1024;
    r->net_rx_kbs = per_s(a->net_rx_bytes, b->net_rx_bytes, secs) / 1024;
    r->net_tx_pps = per_s(a->net_tx_packets, b->net_tx_packets, secs);
    r->net_rx_pps = per_s(a->net_rx_packets, b->net_rx_packets, secs);
    r->vbd_oo_s = per_s(a->vbd_oo, b->vbd_oo, secs);
    r->vbd_rd_s = per_s(a->vbd_rd, b->vbd_rd, secs);
    r->vbd_wr_s = per_s(a->vbd_wr, b->vbd_wr, secs);
    r->vbd_rsect_s = per_s(a->vbd_rsect, b->vbd_rsect, secs);
    r->vbd_wsect_s = per_s(a->vbd_wsect, b->vbd_wsect, secs);
}
