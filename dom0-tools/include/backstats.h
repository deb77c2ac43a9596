/*
 * keel top's network and disk figures per domain, read from dom0's
 * backends as xentop's libxenstat does (tools/xenstat/libxenstat/src/
 * xenstat_linux.c in Xen 4.17):
 *
 *   netback  /sys/class/net/vifD.N/statistics/{rx,tx}_{bytes,packets}:
 *            the vif is dom0's end of the link, so its rx is what the
 *            guest sent (the guest's tx) and its tx what the guest
 *            received; the figures here are the guest's view, as xentop's
 *            NETTX(k)/NETRX(k)
 *   blkback  /sys/bus/xen-backend/devices/vbd-D-N/statistics/
 *            {oo_req,rd_req,wr_req,rd_sect,wr_sect}: requests the guest
 *            made (and 512-byte sectors), and oo_req, the times a request
 *            had to wait for a free backend request slot (xentop's VBD_OO)
 *
 * The counters are cumulative since the device was created (a domain's
 * sum over its vifs and vbds); rates are their difference over an
 * interval.  sysfs is the root the paths are under ("/sys"; the host
 * tests pass a fake tree).
 */
#ifndef KEEL_BACKSTATS_H
#define KEEL_BACKSTATS_H
#include <stdint.h>

struct keel_backstats {
    unsigned int nets, vbds;                    /* vifs, vbds found */
    uint64_t net_tx_bytes, net_rx_bytes;        /* the guest's view */
    uint64_t net_tx_packets, net_rx_packets;
    uint64_t vbd_oo, vbd_rd, vbd_wr;            /* requests */
    uint64_t vbd_rsect, vbd_wsect;              /* 512-byte sectors */
};

/* Figures per second over an interval (from two keel_backstats). */
struct keel_backrates {
    double net_tx_kbs, net_rx_kbs;              /* KiB/s, the guest's view */
    double net_tx_pps, net_rx_pps;              /* packets/s */
    double vbd_oo_s, vbd_rd_s, vbd_wr_s;        /* requests/s */
    double vbd_rsect_s, vbd_wsect_s;            /* sectors/s */
};

/*
 * One pass over sysfs's vifs and vbds: out[i] gets the sums of domain
 * ids[i]'s devices (zero when it has none).  Devices of other domains,
 * names that are not vifD.N / vbd-D-N and counters that cannot be read
 * (a device going away) are skipped.  Returns 0, or a negative errno if
 * SYSFS/class/net cannot be read (no SYSFS/bus/xen-backend, i.e. no
 * backend driver loaded, is not an error: no vbds).
 */
int keel_backstats_scan(const char *sysfs, const uint16_t *ids, int n, struct keel_backstats *out);

/* Rates from a and b taken secs apart; a counter that went backwards (a
 * device removed and another created) counts 0 for the interval. */
void keel_backstats_rates(const struct keel_backstats *a, const struct keel_backstats *b,
                          double secs, struct keel_backrates *r);

/* The sysfs root keel top reads: $KEEL_TOP_SYSFS (for the host tests
 * only) or "/sys". */
const char *keel_backstats_root(void);

#endif
