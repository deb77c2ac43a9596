/*
 * keel top: a live per-domain table as xentop (tools/xentop in Xen 4.17):
 * state, CPU seconds, CPU % over the last interval, memory and its share
 * of the host, the memory limit, vCPUs, and xentop's network and disk
 * columns from dom0's backends (lib/backstats.c: netback's vifD.N and
 * blkback's vbd-D-N counters in sysfs), cumulative as xentop's:
 *
 *   NETS NETTX(k) NETRX(k)     vifs, KiB the guest sent / received
 *   VBDS VBD_OO VBD_RD VBD_WR  vbds, requests that waited for a backend
 *   VBD_RSECT VBD_WSECT        slot, read / write requests, sectors
 *
 * then the same as rates over the last interval (NETTX(k/s), NETRX(k/s),
 * VBD_RD/s, VBD_WR/s), then the interference columns from the
 * hypervisor's counters (KEEL_SYSCTL_vstats, docs/isolation.md), over the
 * last interval:
 *
 *   STEAL(%)    time the vCPUs waited for a CPU (runnable), as a share of
 *               their wall time (Linux's steal)
 *   WAKE50/99   wake-up latency percentiles in us (blocked -> running);
 *               "-" without wake-ups in the interval
 *   PREEMPT/s   preemptions per second
 *   FLUSH/s     TLB flushes the domain caused or suffered per second
 *
 * `-b`/`--batch` prints the table every interval to stdout (as `xentop
 * -b`); `--json` prints one JSON object per interval on one line (the
 * interval figures and the cumulative counters they come from);
 * `-d SECONDS` sets the interval (default 3, as xentop; decimals allowed,
 * at least 0.1); `-i N` stops after N tables; `-s COLUMN` sorts (name,
 * id, cpu, mem, nettx, netrx, vbdrd, vbdwr (by rate), steal, wake50,
 * wake99, preempt, flush: names and ids ascending, figures descending).
 * Interactive mode redraws the terminal each interval (ANSI clear) until
 * interrupted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include "backstats.h"
#include <keel/vstats.h>

#define MAX_DOMAINS 1024

struct sample {
    struct xen_domctl_getdomaininfo d[MAX_DOMAINS];
    struct keel_vstats v[MAX_DOMAINS];
    int have_v[MAX_DOMAINS];
    struct keel_backstats b[MAX_DOMAINS];   /* the backends' counters */
    int have_b;
    int n;
    uint64_t wall_ns;
};

/* One row: what the table, the sort and the JSON show. */
struct row {
    const struct xen_domctl_getdomaininfo *d;
    const struct keel_vstats *v;        /* NULL: no counters */
    const struct keel_backstats *b;     /* NULL: sysfs unreadable */
    struct keel_backrates br;
    int have_br;                        /* br is over the last interval */
    char name[64];
    double cpu, steal, preempt_s, flush_s;   /* < 0: unknown */
    double wake50, wake99;                   /* us; < 0: no wake-ups */
};

enum sort_key { S_ID, S_NAME, S_CPU, S_MEM, S_NETTX, S_NETRX, S_VBDRD, S_VBDWR, S_STEAL, S_WAKE50,
                S_WAKE99, S_PREEMPT, S_FLUSH };
static const char *const sort_names[] = {
    [S_ID] = "id", [S_NAME] = "name", [S_CPU] = "cpu", [S_MEM] = "mem", [S_NETTX] = "nettx",
    [S_NETRX] = "netrx", [S_VBDRD] = "vbdrd", [S_VBDWR] = "vbdwr", [S_STEAL] = "steal",
    [S_WAKE50] = "wake50", [S_WAKE99] = "wake99", [S_PREEMPT] = "preempt", [S_FLUSH] = "flush",
};
static enum sort_key sort_by = S_ID;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int take(struct keelctl *h, struct sample *s)
{
    static uint16_t ids[MAX_DOMAINS];
    int i;

    s->wall_ns = now_ns();
    s->n = keelctl_domain_list(h, 0, s->d, MAX_DOMAINS);
    for (i = 0; i < s->n; i++) {
        s->have_v[i] = keelctl_vstats(h, s->d[i].domain, KEEL_VSTATS_DOMAIN, &s->v[i]) == 0;
        ids[i] = s->d[i].domain;
    }
    if (s->n >= 0)
        s->have_b = keel_backstats_scan(keel_backstats_root(), ids, s->n, s->b) == 0;
    return s->n;
}

/* xentop's state column: d(ying) s(hutdown) b(locked) c(rashed) p(aused) r(unning). */
static void state_str(uint32_t flags, char out[7])
{
    unsigned int reason = (flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    int shut = !!(flags & XEN_DOMINF_shutdown);

    out[0] = flags & XEN_DOMINF_dying ? 'd' : '-';
    out[1] = shut && reason != 3 /* SHUTDOWN_crash */ ? 's' : '-';
    out[2] = flags & XEN_DOMINF_blocked ? 'b' : '-';
    out[3] = shut && reason == 3 ? 'c' : '-';
    out[4] = flags & XEN_DOMINF_paused ? 'p' : '-';
    out[5] = flags & XEN_DOMINF_running ? 'r' : '-';
    out[6] = 0;
}

static int find(const struct sample *s, domid_t id)
{
    int i;

    for (i = 0; i < s->n; i++)
        if (s->d[i].domain == id)
            return i;
    return -1;
}

static uint64_t sub(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/* The interval figures of cur's domain i against prev. */
static void make_row(const struct sample *prev, const struct sample *cur, int i, struct row *r)
{
    int j = find(prev, cur->d[i].domain);
    uint64_t dt = cur->wall_ns - prev->wall_ns;

    memset(r, 0, sizeof(*r));
    r->d = &cur->d[i];
    r->v = cur->have_v[i] ? &cur->v[i] : NULL;
    r->b = cur->have_b ? &cur->b[i] : NULL;
    keel_domain_name(r->d->domain, r->name, sizeof(r->name));
    r->cpu = r->steal = r->preempt_s = r->flush_s = r->wake50 = r->wake99 = -1;
    if (j < 0 || dt == 0)
        return;
    if (r->b && prev->have_b) {
        keel_backstats_rates(&prev->b[j], r->b, (double)dt / 1e9, &r->br);
        r->have_br = 1;
    }
    if (r->d->cpu_time >= prev->d[j].cpu_time)
        r->cpu = 100.0 * (double)(r->d->cpu_time - prev->d[j].cpu_time) / (double)dt;
    if (r->v && prev->have_v[j]) {
        const struct keel_vstats *a = &prev->v[j], *b = r->v;
        uint64_t hist[KEEL_VSTATS_HIST], total = 0, n = 0;
        double secs = (double)dt / 1e9;
        unsigned int k;

        for (k = 0; k < 4; k++)
            total += sub(b->runstate[k], a->runstate[k]);
        if (total)
            r->steal = 100.0 * (double)sub(b->runstate[RUNSTATE_runnable],
                                           a->runstate[RUNSTATE_runnable]) / (double)total;
        else
            r->steal = 0;
        for (k = 0; k < KEEL_VSTATS_HIST; k++)
            n += hist[k] = sub(b->wake_hist[k], a->wake_hist[k]);
        if (n) {
            r->wake50 = (double)vstat_percentile(hist, 50) / 1e3;
            r->wake99 = (double)vstat_percentile(hist, 99) / 1e3;
        }
        r->preempt_s = (double)sub(b->preemptions, a->preemptions) / secs;
        r->flush_s = (double)(sub(b->flushes_caused, a->flushes_caused) +
                              sub(b->flushes_suffered, a->flushes_suffered)) / secs;
    }
}

static double key(const struct row *r)
{
    switch (sort_by) {
    case S_CPU: return r->cpu;
    case S_MEM: return (double)r->d->tot_pages;
    case S_NETTX: return r->have_br ? r->br.net_tx_kbs : -1;
    case S_NETRX: return r->have_br ? r->br.net_rx_kbs : -1;
    case S_VBDRD: return r->have_br ? r->br.vbd_rd_s : -1;
    case S_VBDWR: return r->have_br ? r->br.vbd_wr_s : -1;
    case S_STEAL: return r->steal;
    case S_WAKE50: return r->wake50;
    case S_WAKE99: return r->wake99;
    case S_PREEMPT: return r->preempt_s;
    case S_FLUSH: return r->flush_s;
    default: return 0;
    }
}

static int cmp_rows(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    double ka, kb;
    int c;

    if (sort_by == S_NAME && (c = strcmp(a->name, b->name)) != 0)
        return c;
    if (sort_by != S_NAME && sort_by != S_ID) {
        ka = key(a);
        kb = key(b);
        if (ka != kb)
            return ka > kb ? -1 : 1;        /* figures: largest first */
    }
    return a->d->domain < b->d->domain ? -1 : a->d->domain > b->d->domain;
}

static void fig(char *buf, size_t len, int width, double x)
{
    if (x < 0)
        snprintf(buf, len, "%*s", width, "-");
    else
        snprintf(buf, len, "%*.1f", width, x);
}

/* xentop's cumulative network and disk columns, "-" without sysfs. */
static void print_backends(const struct keel_backstats *b)
{
    if (!b) {
        printf(" %4s %8s %8s %4s %8s %8s %8s %10s %10s", "-", "-", "-", "-", "-", "-", "-", "-", "-");
        return;
    }
    printf(" %4u %8" PRIu64 " %8" PRIu64 " %4u %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %10" PRIu64
           " %10" PRIu64, b->nets, b->net_tx_bytes / 1024, b->net_rx_bytes / 1024, b->vbds, b->vbd_oo,
           b->vbd_rd, b->vbd_wr, b->vbd_rsect, b->vbd_wsect);
}

static void print_table(const struct row *rows, int n, uint64_t total_pages)
{
    int i;

    printf("%10s %6s %10s %6s %10s %6s %10s %9s %5s %4s %8s %8s %4s %8s %8s %8s %10s %10s %10s %10s %8s "
           "%8s %8s %10s %10s %9s %9s\n", "NAME", "STATE",
           "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS",
           "NETS", "NETTX(k)", "NETRX(k)", "VBDS", "VBD_OO", "VBD_RD", "VBD_WR", "VBD_RSECT",
           "VBD_WSECT", "NETTX(k/s)", "NETRX(k/s)", "VBD_RD/s", "VBD_WR/s",
           "STEAL(%)", "WAKE50(us)", "WAKE99(us)", "PREEMPT/s", "FLUSH/s");
    for (i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        const struct xen_domctl_getdomaininfo *d = r->d;
        char st[7], cpu[16], steal[16], w50[16], w99[16], pre[16], fl[16];
        char ntx[16], nrx[16], vrd[16], vwr[16];

        state_str(d->flags, st);
        fig(cpu, sizeof(cpu), 6, r->cpu);
        fig(steal, sizeof(steal), 8, r->steal);
        fig(w50, sizeof(w50), 10, r->wake50);
        fig(w99, sizeof(w99), 10, r->wake99);
        fig(pre, sizeof(pre), 9, r->preempt_s);
        fig(fl, sizeof(fl), 9, r->flush_s);
        fig(ntx, sizeof(ntx), 10, r->have_br ? r->br.net_tx_kbs : -1);
        fig(nrx, sizeof(nrx), 10, r->have_br ? r->br.net_rx_kbs : -1);
        fig(vrd, sizeof(vrd), 8, r->have_br ? r->br.vbd_rd_s : -1);
        fig(vwr, sizeof(vwr), 8, r->have_br ? r->br.vbd_wr_s : -1);
        printf("%10.10s %6s %10" PRIu64 " %s %10" PRIu64 " %6.1f %10" PRIu64 " %9.1f %5u",
               r->name, st, d->cpu_time / UINT64_C(1000000000), cpu, d->tot_pages * 4,
               total_pages ? 100.0 * (double)d->tot_pages / (double)total_pages : 0.0,
               d->max_pages * 4,
               total_pages ? 100.0 * (double)d->max_pages / (double)total_pages : 0.0,
               d->nr_online_vcpus);
        print_backends(r->b);
        printf(" %s %s %s %s %s %s %s %s %s\n", ntx, nrx, vrd, vwr, steal, w50, w99, pre, fl);
    }
}

/* A figure in JSON: null when unknown. */
static void jfig(const char *name, double x, const char *sep)
{
    if (x < 0)
        printf("\"%s\":null%s", name, sep);
    else
        printf("\"%s\":%.3f%s", name, x, sep);
}

static void print_json(const struct row *rows, int n, double interval)
{
    int i;

    printf("{\"interval_s\":%.3f,\"domains\":[", interval);
    for (i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        char st[7];

        state_str(r->d->flags, st);
        printf("%s{\"domid\":%u,\"name\":\"%s\",\"state\":\"%s\",\"cpu_time_ns\":%" PRIu64
               ",\"mem_kb\":%" PRIu64 ",\"max_mem_kb\":%" PRIu64 ",\"vcpus\":%u,",
               i ? "," : "", r->d->domain, r->name, st, r->d->cpu_time, r->d->tot_pages * 4,
               r->d->max_pages * 4, r->d->nr_online_vcpus);
        jfig("cpu_pct", r->cpu, ",");
        if (r->b)
            printf("\"nets\":%u,\"net_tx_bytes\":%" PRIu64 ",\"net_rx_bytes\":%" PRIu64
                   ",\"net_tx_packets\":%" PRIu64 ",\"net_rx_packets\":%" PRIu64 ",\"vbds\":%u"
                   ",\"vbd_oo\":%" PRIu64 ",\"vbd_rd\":%" PRIu64 ",\"vbd_wr\":%" PRIu64
                   ",\"vbd_rsect\":%" PRIu64 ",\"vbd_wsect\":%" PRIu64 ",",
                   r->b->nets, r->b->net_tx_bytes, r->b->net_rx_bytes, r->b->net_tx_packets,
                   r->b->net_rx_packets, r->b->vbds, r->b->vbd_oo, r->b->vbd_rd, r->b->vbd_wr,
                   r->b->vbd_rsect, r->b->vbd_wsect);
        jfig("net_tx_kib_per_s", r->have_br ? r->br.net_tx_kbs : -1, ",");
        jfig("net_rx_kib_per_s", r->have_br ? r->br.net_rx_kbs : -1, ",");
        jfig("net_tx_packets_per_s", r->have_br ? r->br.net_tx_pps : -1, ",");
        jfig("net_rx_packets_per_s", r->have_br ? r->br.net_rx_pps : -1, ",");
        jfig("vbd_oo_per_s", r->have_br ? r->br.vbd_oo_s : -1, ",");
        jfig("vbd_rd_per_s", r->have_br ? r->br.vbd_rd_s : -1, ",");
        jfig("vbd_wr_per_s", r->have_br ? r->br.vbd_wr_s : -1, ",");
        jfig("vbd_rsect_per_s", r->have_br ? r->br.vbd_rsect_s : -1, ",");
        jfig("vbd_wsect_per_s", r->have_br ? r->br.vbd_wsect_s : -1, ",");
        jfig("steal_pct", r->steal, ",");
        jfig("wake_p50_us", r->wake50, ",");
        jfig("wake_p99_us", r->wake99, ",");
        jfig("preempt_per_s", r->preempt_s, ",");
        jfig("flush_per_s", r->flush_s, r->v ? "," : "");
        if (r->v)
            printf("\"now_ns\":%" PRIu64 ",\"running_ns\":%" PRIu64 ",\"runnable_ns\":%" PRIu64
                   ",\"blocked_ns\":%" PRIu64 ",\"offline_ns\":%" PRIu64 ",\"preemptions\":%" PRIu64
                   ",\"migrations\":%" PRIu64 ",\"flushes_caused\":%" PRIu64
                   ",\"flushes_suffered\":%" PRIu64 ",\"ballooned_pages\":%" PRIu64,
                   r->v->now, r->v->runstate[0], r->v->runstate[1], r->v->runstate[2],
                   r->v->runstate[3], r->v->preemptions, r->v->migrations, r->v->flushes_caused,
                   r->v->flushes_suffered, r->v->ballooned_pages);
        printf("}");
    }
    printf("]}\n");
}

static int parse_sort(const char *s)
{
    size_t k;

    for (k = 0; k < sizeof(sort_names) / sizeof(sort_names[0]); k++)
        if (!strcasecmp(s, sort_names[k])) {
            sort_by = (enum sort_key)k;
            return 0;
        }
    fprintf(stderr, "keel top: -s %s: unknown column (name, id, cpu, mem, nettx, netrx, vbdrd, vbdwr, "
            "steal, wake50, wake99, preempt, flush)\n", s);
    return -1;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int keel_cmd_top(int argc, char **argv)
{
    static struct sample a, b;
    static struct row rows[MAX_DOMAINS];
    struct sample *prev = &a, *cur = &b, *t;
    struct xen_sysctl_physinfo pi;
    double delay = 3;
    long iterations = -1;
    int batch = 0, json = 0, i, rc = 0;
    struct keelctl h;
    char *end;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-b") || !strcmp(argv[i], "--batch"))
            batch = 1;
        else if (!strcmp(argv[i], "--json"))
            batch = json = 1;
        else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
            if (parse_sort(argv[++i]) < 0)
                return 1;
        } else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
            delay = strtod(argv[i + 1], &end);
            if (*end || end == argv[i + 1] || !(delay >= 0.1 && delay <= 86400)) {
                fprintf(stderr, "keel top: -d %s: expected seconds from 0.1 to 86400\n", argv[i + 1]);
                return 1;
            }
            i++;
        } else if (!strcmp(argv[i], "-i") && i + 1 < argc) {
            iterations = strtol(argv[i + 1], &end, 10);
            if (*end || end == argv[i + 1] || iterations < 0 || iterations > 86400) {
                fprintf(stderr, "keel top: -i %s: expected a whole number of iterations\n",
                        argv[i + 1]);
                return 1;
            }
            i++;
        } else {
            fprintf(stderr, "keel top: unknown argument '%s' (keel top [-b|--batch] [--json] "
                    "[-d SECONDS] [-i N] [-s COLUMN])\n", argv[i]);
            return 1;
        }
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    if ((rc = keelctl_physinfo(&h, &pi)) < 0 || (rc = take(&h, prev)) < 0) {
        fprintf(stderr, "keel top: cannot read the domains: %s\n", strerror(-rc));
        keelctl_close(&h);
        return 1;
    }
    /* The first table compares against a sample one interval earlier. */
    while (iterations != 0) {
        sleep_s(delay);
        if ((rc = take(&h, cur)) < 0) {
            fprintf(stderr, "keel top: cannot read the domains: %s\n", strerror(-rc));
            break;
        }
        for (i = 0; i < cur->n; i++)
            make_row(prev, cur, i, &rows[i]);
        qsort(rows, (size_t)cur->n, sizeof(rows[0]), cmp_rows);
        if (!batch)
            printf("\033[H\033[2J");
        if (json) {
            print_json(rows, cur->n, (double)(cur->wall_ns - prev->wall_ns) / 1e9);
        } else {
            print_table(rows, cur->n, pi.total_pages);
            if (batch)
                printf("\n");
        }
        fflush(stdout);
        t = prev;
        prev = cur;
        cur = t;
        if (iterations > 0)
            iterations--;
    }
    keelctl_close(&h);
    return rc < 0 ? 1 : 0;
}

/*
 * keel vstats DOMAIN [VCPU] [--json]: the counters as the hypervisor
 * keeps them (KEEL_SYSCTL_vstats), one "name value" line each, cumulative
 * since the vCPU was created (the domain's totals without VCPU).  For
 * scripts and tests that check what keel top derives from them.
 */
int keel_cmd_vstats(int argc, char **argv)
{
    static const char *const rs[4] = { "running_ns", "runnable_ns", "blocked_ns", "offline_ns" };
    static const char *const hcf[KEEL_NR_HCF] = { "mmu", "sched", "evtchn", "grant", "memory",
                                                  "console", "control", "multicall", "other" };
    const char *dom_arg = NULL, *vcpu_arg = NULL;
    uint32_t vcpu = KEEL_VSTATS_DOMAIN;
    struct keel_vstats v;
    struct keelctl h;
    int json = 0, i, rc;
    unsigned int k;
    domid_t dom;
    char *end;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!dom_arg)
            dom_arg = argv[i];
        else if (!vcpu_arg)
            vcpu_arg = argv[i];
        else {
            fprintf(stderr, "keel vstats: unexpected argument '%s' (keel vstats DOMAIN [VCPU] [--json])\n",
                    argv[i]);
            return 1;
        }
    }
    if (!dom_arg) {
        fprintf(stderr, "keel vstats: which domain? (keel vstats DOMAIN [VCPU] [--json])\n");
        return 1;
    }
    if (vcpu_arg) {
        unsigned long n = strtoul(vcpu_arg, &end, 10);
        if (*end || end == vcpu_arg || n >= MAX_DOMAINS) {
            fprintf(stderr, "keel vstats: VCPU '%s': expected a vCPU number\n", vcpu_arg);
            return 1;
        }
        vcpu = (uint32_t)n;
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    if (keel_dom_resolve(&h, "vstats", dom_arg, &dom) < 0) {
        keelctl_close(&h);
        return 1;
    }
    rc = keelctl_vstats(&h, dom, vcpu, &v);
    keelctl_close(&h);
    if (rc < 0) {
        fprintf(stderr, "keel vstats: %s%s%s: %s\n", dom_arg, vcpu_arg ? " vCPU " : "",
                vcpu_arg ? vcpu_arg : "", rc == -EINVAL || rc == -ESRCH ? "no such vCPU" : strerror(-rc));
        return 1;
    }
#define F(name, val) (json ? printf("%s\"%s\":%" PRIu64, first ? "" : ",", name, (uint64_t)(val)) \
                           : printf("%-20s %" PRIu64 "\n", name, (uint64_t)(val))), first = 0
    {
        int first = 1;
        char name[32];

        if (json)
            printf("{");
        F("domid", dom);
        F("nr_vcpus", v.nr_vcpus);
        F("now_ns", v.now);
        for (k = 0; k < 4; k++)
            F(rs[k], v.runstate[k]);
        for (k = 0; k < KEEL_VSTATS_HIST; k++) {
            snprintf(name, sizeof(name), "wake_hist_%u", k);
            F(name, v.wake_hist[k]);
        }
        F("wake_p50_ns", vstat_percentile(v.wake_hist, 50));
        F("wake_p99_ns", vstat_percentile(v.wake_hist, 99));
        F("preemptions", v.preemptions);
        F("migrations", v.migrations);
        for (k = 0; k < KEEL_NR_HCF; k++) {
            snprintf(name, sizeof(name), "hypercalls_%s", hcf[k]);
            F(name, v.hypercalls[k]);
        }
        F("pt_updates", v.pt_updates);
        F("flushes_caused", v.flushes_caused);
        F("flushes_suffered", v.flushes_suffered);
        F("events_sent", v.events_sent);
        F("events_received", v.events_received);
        F("grant_maps", v.grant_maps);
        F("grant_copies", v.grant_copies);
        F("tot_pages", v.tot_pages);
        F("max_pages", v.max_pages);
        F("ballooned_pages", v.ballooned_pages);
        if (json)
            printf("}\n");
    }
#undef F
    return 0;
}
