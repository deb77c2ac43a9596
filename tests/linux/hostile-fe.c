/*
 * hostile-fe: a hostile split-driver frontend in a Linux domU's user
 * space.  `hostile-fe` (linux-vif, tests/linux/ctl-vif.sh's domain vh)
 * plays netfront for device/vif/0, `hostile-fe vbd` (linux-blk,
 * tests/linux/blk-test.sh's domain bh) blkfront for device/vbd/51712;
 * the guest kernel's own frontend driver is not loaded.  Its rings are
 * pages granted to the backend through /dev/xen/gntalloc, its event
 * channel an unbound port from /dev/xen/evtchn, its keys written through
 * /dev/xen/xenbus (the handshakes of netif.h and blkif.h).  Once dom0's
 * backend has connected (state 4) it attacks.
 *
 * vif, in this order:
 *   1. an event flood (EVENTS notifications with nothing on the rings);
 *   2. tx requests with wrong grant references and garbage ids, and an rx
 *      ring full of wrong grant references (netback must answer each tx
 *      request with NETIF_RSP_ERROR and carry on);
 *   3. an impossible tx req_prod (netback's "Impossible number of
 *      requests": it disables this vif, a fatal error for this guest only);
 *   4. another event flood at the disabled vif;
 *   5. the rings' grants revoked while netback still maps them (munmap,
 *      then IOCTL_GNTALLOC_DEALLOC_GREF: the guest kernel's
 *      end_foreign_access must find the entries in use and defer).
 * vbd: an event flood; 7 garbage requests (unknown operation, 0 and 200
 * segments, a grant reference beyond the table, an unused one, first
 * sector after last, a sector beyond the disk), each to be answered with
 * an error and its id echoed, then a valid read answered OKAY; an
 * impossible req_prod (blkback halts the ring: "Frontend provided bogus
 * ring requests"); a flood at the halted ring; the grants revoked.
 *
 * Each step prints one "hostile-fe: ..." line; the last is "hostile-fe:
 * done".  Exit status 1 (and a "hostile-fe: FAIL ..." line) if the
 * handshake fails or a backend answers otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <xen/xen.h>
#include <xen/io/netif.h>
#include <xen/io/blkif.h>
#include <xen/io/xs_wire.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntalloc.h>

/* ring.h leaves the barriers to its includer. */
#undef xen_mb
#undef xen_rmb
#undef xen_wmb
#define xen_mb() __sync_synchronize()
#define xen_rmb() __sync_synchronize()
#define xen_wmb() __sync_synchronize()

#define PAGE 4096
#define EVENTS 5000
#define BAD_TX 16
#define BAD_GREF 0x7ffff00u

static int xsfd, evfd;

static void say(const char *fmt, ...)
{
    va_list ap;

    printf("hostile-fe: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static void die(const char *what)
{
    say("FAIL %s: %s", what, strerror(errno));
    exit(1);
}

/* One request on /dev/xen/xenbus: its reply body (static), NULL on error. */
static char *xs(uint32_t type, const char *a, const char *b)
{
    static char buf[4096 + sizeof(struct xsd_sockmsg) + 1];
    struct xsd_sockmsg m = { type, 7, 0, 0 };	/* req_id 7, no transaction */
    size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0, got = 0;

    m.len = (uint32_t)(la + lb);
    if (m.len + sizeof(m) > sizeof(buf) - 1)
        return NULL;
    memcpy(buf, &m, sizeof(m));
    memcpy(buf + sizeof(m), a, la);
    if (b)
        memcpy(buf + sizeof(m) + la, b, lb);
    if (write(xsfd, buf, sizeof(m) + m.len) != (ssize_t)(sizeof(m) + m.len))
        return NULL;
    while (got < sizeof(m) || got < sizeof(m) + ((struct xsd_sockmsg *)buf)->len) {
        ssize_t n = read(xsfd, buf + got, sizeof(buf) - 1 - got);

        if (n <= 0)
            return NULL;
        got += (size_t)n;
    }
    buf[got] = '\0';
    if (((struct xsd_sockmsg *)buf)->type == XS_ERROR)
        return NULL;
    return buf + sizeof(m);
}

static void put(const char *dir, const char *key, const char *fmt, ...)
{
    char path[256], val[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    if (!xs(XS_WRITE, path, val))
        die(path);
}

static void notify(unsigned int port)
{
    struct ioctl_evtchn_notify n = { port };

    ioctl(evfd, IOCTL_EVTCHN_NOTIFY, &n);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static int gfd;
static struct ioctl_gntalloc_alloc_gref *ga;
static uint8_t *pages;
static unsigned int port, backend;
static char be[256];

/* n pages granted writable to the backend, mapped; an unbound port. */
static void setup(const char *fe, unsigned int n)
{
    struct ioctl_evtchn_bind_unbound_port ub = { 0 };
    char path[300], *v;
    int i;

    if ((xsfd = open("/dev/xen/xenbus", O_RDWR)) < 0)
        die("open /dev/xen/xenbus");
    if ((evfd = open("/dev/xen/evtchn", O_RDWR)) < 0)
        die("open /dev/xen/evtchn");
    if ((gfd = open("/dev/xen/gntalloc", O_RDWR)) < 0)
        die("open /dev/xen/gntalloc");
    snprintf(path, sizeof(path), "%s/backend", fe);
    if (!(v = xs(XS_READ, path, NULL)))
        die(path);
    snprintf(be, sizeof(be), "%s", v);
    snprintf(path, sizeof(path), "%s/backend-id", fe);
    if (!(v = xs(XS_READ, path, NULL)))
        die(path);
    backend = (unsigned int)atoi(v);
    ga = calloc(1, sizeof(*ga) + n * sizeof(uint32_t));
    ga->domid = (uint16_t)backend;
    ga->flags = GNTALLOC_FLAG_WRITABLE;
    ga->count = n;
    if (ioctl(gfd, IOCTL_GNTALLOC_ALLOC_GREF, ga) < 0)
        die("IOCTL_GNTALLOC_ALLOC_GREF");
    pages = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, (off_t)ga->index);
    if (pages == MAP_FAILED)
        die("mmap gntalloc");
    ub.remote_domain = backend;
    if ((i = ioctl(evfd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub)) < 0)
        die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
    port = (unsigned int)i;
}

static void wait_backend(const char *want)
{
    char path[300], *v;
    double t;

    snprintf(path, sizeof(path), "%s/state", be);
    for (t = now();; usleep(100000)) {
        v = xs(XS_READ, path, NULL);
        if (v && !strcmp(v, want))
            return;
        if (now() - t > 120) {
            say("FAIL backend %s is %s, not %s after 120 s", path, v ? v : "(gone)", want);
            exit(1);
        }
    }
}

static void flood(const char *what)
{
    double t = now();

    for (int i = 0; i < EVENTS; i++)
        notify(port);
    say("flood%s: %d events in %.1f s", what, EVENTS, now() - t);
}

/* Every grant revoked while the backend still maps the ring (it unmaps
 * only at disconnect): the kernel's end_foreign_access must find the
 * entries in use (GTF_reading/GTF_writing) and defer. */
static void revoke_grants(unsigned int n)
{
    struct ioctl_gntalloc_dealloc_gref d = { ga->index, n };

    if (munmap(pages, n * PAGE) < 0)
        die("munmap the granted pages");
    if (ioctl(gfd, IOCTL_GNTALLOC_DEALLOC_GREF, &d) < 0)
        die("IOCTL_GNTALLOC_DEALLOC_GREF");
    notify(port);
    say("%u grants revoked, the ring still mapped by the backend", n);
}

/* blkif: garbage requests, each answered with an error; then a valid
 * read still answered OKAY; then an impossible req_prod (blkback halts
 * this ring: "Frontend provided bogus ring requests"). */
#define BLK_REQS 8
static int run_vbd(const char *fe)
{
    blkif_sring_t *r;
    union blkif_sring_entry *e;
    int i, bad = 0, ok = 0, ids = 0;
    double t;

    setup(fe, 2);
    r = (blkif_sring_t *)pages;
    e = r->ring;                /* (ring[1] is variable-length) */
    SHARED_RING_INIT(r);
    put(fe, "ring-ref", "%u", ga->gref_ids[0]);
    put(fe, "event-channel", "%u", port);
    put(fe, "protocol", "x86_64-abi");
    put(fe, "state", "3");
    wait_backend("4");
    put(fe, "state", "4");
    say("connected: ring-ref %u event-channel %u (backend %s)", ga->gref_ids[0], port, be);
    flood("");
    for (i = 0; i < BLK_REQS; i++) {
        blkif_request_t *q = &e[i].req;

        memset(q, 0, sizeof(*q));
        q->operation = BLKIF_OP_READ;
        q->nr_segments = 1;
        q->id = 0xdead0000beef0000ull + (uint64_t)i;
        q->seg[0].gref = ga->gref_ids[1];
        q->seg[0].last_sect = 7;
    }
    e[0].req.operation = 0xff;                  /* no such operation */
    e[1].req.nr_segments = 0;                   /* a read of nothing */
    e[2].req.nr_segments = 200;                 /* beyond 11 */
    e[3].req.seg[0].gref = BAD_GREF;            /* beyond the table */
    e[4].req.seg[0].gref = 400;                 /* an unused entry */
    e[5].req.seg[0].first_sect = 7;             /* first > last */
    e[5].req.seg[0].last_sect = 3;
    e[6].req.sector_number = 1ull << 40;        /* beyond the disk */
    /* e[7]: a valid read of sectors 0-7 into the data page */
    xen_wmb();
    r->req_prod = BLK_REQS;
    /* blkback stops at each failed request until the next event. */
    for (t = now(); r->rsp_prod < BLK_REQS && now() - t < 60; usleep(10000)) {
        notify(port);
        xen_rmb();
    }
    xen_rmb();
    for (i = 0; i < (int)r->rsp_prod && i < BLK_REQS; i++) {
        blkif_response_t *p = &e[i].rsp;

        ids += p->id == 0xdead0000beef0000ull + (uint64_t)i;
        if (i < BLK_REQS - 1 && p->status < 0)
            bad++;
        if (i == BLK_REQS - 1 && p->status == BLKIF_RSP_OKAY)
            ok++;
    }
    say("garbage requests: %u of %d answered, %d of %d garbage ones with an error, the valid read %s, %d ids echoed",
        r->rsp_prod, BLK_REQS, bad, BLK_REQS - 1, ok ? "OKAY" : "not OKAY", ids);
    if (bad != BLK_REQS - 1 || !ok || ids != BLK_REQS) {
        say("FAIL blkback's answers are not as expected");
        return 1;
    }
    r->req_prod = BLK_REQS + 5000;
    xen_wmb();
    notify(port);
    say("req_prod pushed to %u (ring size %u)", r->req_prod, (unsigned int)__RING_SIZE(r, PAGE));
    sleep(2);
    flood(" at the halted ring");
    revoke_grants(2);
    say("done");
    return 0;
}

/* netif: see the top of the file. */
static int run_vif(const char *fe)
{
    netif_tx_sring_t *txs;
    netif_rx_sring_t *rxs;
    int i, errs = 0, oks = 0;
    double t;

    setup(fe, 3);
    txs = (netif_tx_sring_t *)pages;
    rxs = (netif_rx_sring_t *)(pages + PAGE);
    SHARED_RING_INIT(txs);
    SHARED_RING_INIT(rxs);
    /* rx: every slot offered, each with a grant reference we never made. */
    for (i = 0; i < (int)__RING_SIZE(rxs, PAGE); i++) {
        rxs->ring[i].req.id = (uint16_t)(0xfff0 + i);
        rxs->ring[i].req.gref = BAD_GREF + (unsigned int)i;
    }
    xen_wmb();
    rxs->req_prod = __RING_SIZE(rxs, PAGE);
    put(fe, "tx-ring-ref", "%u", ga->gref_ids[0]);
    put(fe, "rx-ring-ref", "%u", ga->gref_ids[1]);
    put(fe, "event-channel", "%u", port);
    put(fe, "request-rx-copy", "1");
    put(fe, "feature-rx-notify", "1");
    put(fe, "state", "4");
    wait_backend("4");
    say("connected: tx-ring-ref %u rx-ring-ref %u event-channel %u (backend %s)",
        ga->gref_ids[0], ga->gref_ids[1], port, be);
    notify(port);
    flood("");
    /* tx: BAD_TX requests with wrong grant references (half beyond the
     * table, half unused entries of the first frame), ids garbage. */
    for (i = 0; i < BAD_TX; i++) {
        netif_tx_request_t *r = &txs->ring[i].req;

        r->gref = i & 1 ? BAD_GREF - 1 - (unsigned int)i : 400u + (unsigned int)i;
        r->offset = 0;
        r->flags = 0;
        r->id = (uint16_t)(0xffff - i);
        r->size = 60;
    }
    xen_wmb();
    txs->req_prod = BAD_TX;
    notify(port);
    for (t = now(); txs->rsp_prod < BAD_TX && now() - t < 60; usleep(10000))
        xen_rmb();
    xen_rmb();
    for (i = 0; i < (int)txs->rsp_prod && i < BAD_TX; i++) {
        if (txs->ring[i].rsp.status == NETIF_RSP_ERROR)
            errs++;
        else
            oks++;
    }
    say("wrong grant references: %u of %d tx requests answered, %d with NETIF_RSP_ERROR, %d otherwise",
        txs->rsp_prod, BAD_TX, errs, oks);
    if (errs != BAD_TX) {
        say("FAIL netback did not answer every bad tx request with an error");
        return 1;
    }

    /* Fatal for netback: more requests than the ring holds. */
    txs->req_prod = BAD_TX + 5000;
    xen_wmb();
    notify(port);
    say("tx req_prod pushed to %u (ring size %u)", txs->req_prod,
        (unsigned int)__RING_SIZE(txs, PAGE));
    sleep(2);
    flood(" at the disabled vif");

    revoke_grants(3);
    say("done");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "vbd"))
        return run_vbd("device/vbd/51712");
    return run_vif("device/vif/0");
}
