/*
 * keel bench isolation EXPERIMENT [-o DIR]: a noisy-neighbour experiment
 * (issue 17, docs/isolation.md).  The experiment file (lib/isoreport.c)
 * names the probes, the aggressor, the aggressor counts, the scheduler
 * settings, the repetitions and durations.  For each probe:
 *
 *   1. one victim domU running the probe and max(counts) aggressor domUs
 *      (stock Linux with our static isoprog, keel.iso=MODE on the kernel
 *      command line, tests/linux/isoprog.c) are created with `keel
 *      create -p`, their consoles read by `keel console` children, and
 *      unpaused; the runner waits for every "ISO-READY";
 *   2. for each setting (weights and caps through `keel sched-credit2`),
 *      for each count n: aggressors 1..n run, the others are paused;
 *      after the warm-up, each repetition collects the probe's samples
 *      for `duration` seconds and the hypervisor's counters
 *      (KEEL_SYSCTL_vstats) of the victim and the running aggressors at
 *      its start and end;
 *   3. the domUs are destroyed.
 *
 * A domU whose probe or aggressor uses a disk (probe-disk, diskflood)
 * gets a fresh raw image DIR/disk-NAME.img of disk_mib MiB as xvdb
 * (removed at the end); one that uses the network (probe-net, netflood)
 * a vif on dom0's bridge, its address on the kernel command line, and
 * dom0 a peer on the bridge's address (a child of the runner): a UDP
 * echo on port 7 and a TCP discard on port 9.  Each repetition also
 * reads the backends' counters (lib/backstats.c) of the victim and the
 * running aggressors.
 *
 * Writes into DIR (default iso-NAME): samples.csv (every sample), reps.csv
 * (one line per repetition with the counters' deltas), summary.csv and
 * summary.txt (mean, 95 % CI, slowdown vs the least count), PROBE.svg
 * (slowdown vs aggressors, one line per setting), report.md (the Keel
 * commit, the machine, the experiment file, the table, the plots),
 * console-NAME.log.  Subcommands run as this same binary (/proc/self/exe).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include "isoreport.h"
#include "backstats.h"
#include <keel/vstats.h>

#ifndef KEEL_COMMIT
#define KEEL_COMMIT "unknown"
#endif

#define MAX_DOMS (1 + 8)
#define MAX_SAMPLES 20000

struct dom {
    char name[32];
    domid_t id;
    pid_t console;              /* keel console child */
    int fd;                     /* its stdout */
    FILE *log;
    char line[512];
    size_t len;
    int ready, running;
    char failed[160];           /* isoprog's error line before ISO-READY, or "" */
    char disk[512];             /* its xvdb image, or "" */
};

static struct {
    const struct iso_exp *e;
    const char *dir;
    struct dom d[MAX_DOMS];
    int ndoms;                  /* victim + aggressors */
    FILE *samples;
    int collecting;             /* samples go to the current repetition */
    int probe, setting, count, rep;
    double sum;
    unsigned int n;
    uint64_t t0;
    struct keelctl h;
    uint32_t peer_ip, netmask;  /* dom0 on the bridge (host order), if a mode uses the network */
    pid_t peer;                 /* the echo/discard child */
} R;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Run this binary with args; its stdout and stderr go to ours (quiet: to
 * /dev/null).  The exit status, or -1. */
static int keel_run(int quiet, const char *a0, const char *a1, const char *a2, const char *a3,
                    const char *a4, const char *a5, const char *a6)
{
    const char *argv[] = { "keel", a0, a1, a2, a3, a4, a5, a6, NULL };
    int status;
    pid_t p = fork();

    if (p < 0)
        return -1;
    if (p == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
        }
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    if (waitpid(p, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void line_in(struct dom *d, const char *l)
{
    char mode[32];
    unsigned long seq;
    double v;

    if (d->log)
        fprintf(d->log, "%s\n", l);
    if (!strncmp(l, "ISO-READY ", 10))
        d->ready = 1;
    /* A probe or aggressor that cannot start says why (isoprog.c) and
     * exits: stop waiting for it. */
    if (!d->ready && !d->failed[0] && !strncmp(l, "isoprog: ", 9))
        snprintf(d->failed, sizeof(d->failed), "%s", l);
    if (d != &R.d[0] || sscanf(l, "ISO-SAMPLE %31s %lu %lf", mode, &seq, &v) != 3)
        return;
    if (R.collecting) {
        fprintf(R.samples, "%s,%s,%d,%d,%lu,%.3f,%.3f\n", R.e->probes[R.probe],
                R.e->settings[R.setting].name, R.count, R.rep, seq,
                (double)(now_ns() - R.t0) / 1e9, v);
        R.sum += v;
        R.n++;
    }
}

/* Read the consoles until deadline (CLOCK_MONOTONIC ns). */
static void pump(uint64_t deadline)
{
    struct pollfd p[MAX_DOMS];
    int i, n;

    for (;;) {
        uint64_t t = now_ns();
        if (t >= deadline)
            return;
        for (i = 0; i < R.ndoms; i++) {
            p[i].fd = R.d[i].fd;
            p[i].events = POLLIN;
        }
        n = poll(p, (nfds_t)R.ndoms, (int)((deadline - t) / 1000000) + 1);
        if (n <= 0)
            continue;
        for (i = 0; i < R.ndoms; i++) {
            struct dom *d = &R.d[i];
            char buf[1024];
            ssize_t got;

            if (!(p[i].revents & (POLLIN | POLLHUP)) || d->fd < 0)
                continue;
            got = read(d->fd, buf, sizeof(buf));
            if (got <= 0) {
                close(d->fd);
                d->fd = -1;     /* poll ignores negative fds */
                /* keel console ends when the domain goes: one that never
                 * said ISO-READY crashed or shut down while starting. */
                if (!d->ready && !d->failed[0])
                    snprintf(d->failed, sizeof(d->failed), "its console closed before ISO-READY "
                             "(the domain crashed or shut down; console-%s.log)", d->name);
                continue;
            }
            for (ssize_t k = 0; k < got; k++) {
                char c = buf[k];
                if (c == '\r')
                    continue;
                if (c == '\n' || d->len + 1 >= sizeof(d->line)) {
                    d->line[d->len] = 0;
                    line_in(d, d->line);
                    d->len = 0;
                } else {
                    d->line[d->len++] = c;
                }
            }
        }
    }
}

static void ip_str(uint32_t ip, char *buf, size_t len)
{
    struct in_addr a = { htonl(ip) };

    inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

/* A fresh raw image of disk_mib MiB for d's xvdb. */
static int make_disk(struct dom *d)
{
    int fd;

    snprintf(d->disk, sizeof(d->disk), "%s/disk-%s.img", R.dir, d->name);
    fd = open(d->disk, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)R.e->disk_mib << 20) < 0) {
        fprintf(stderr, "keel bench isolation: %s: %s\n", d->disk, strerror(errno));
        if (fd >= 0)
            close(fd);
        d->disk[0] = 0;
        return -1;
    }
    close(fd);
    return 0;
}

static int write_cfg(struct dom *d, const char *mode, char *path, size_t len)
{
    int idx = (int)(d - R.d), net = iso_mode_needs_net(mode);
    char ip[20], mask[20], peer[20], words[128] = "";
    FILE *f;

    if (iso_mode_needs_disk(mode) && make_disk(d) < 0)
        return -1;
    if (net) {
        /* The address goes on the kernel command line; init.sh sets it. */
        ip_str(R.e->guest_ip + (uint32_t)idx, ip, sizeof(ip));
        ip_str(R.netmask, mask, sizeof(mask));
        ip_str(R.peer_ip, peer, sizeof(peer));
        snprintf(words, sizeof(words), " keel.iso_ip=%s keel.iso_mask=%s keel.iso_peer=%s", ip, mask, peer);
    }
    snprintf(path, len, "%s/cfg-%s.cfg", R.dir, d->name);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "keel bench isolation: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "name = \"%s\"\nmemory = %u\nvcpus = %u\nkernel = \"%s\"\nramdisk = \"%s\"\n"
               "cmdline = \"console=hvc0 keel.iso=%s keel.iso_interval=%u%s\"\n",
            d->name, R.e->memory_mib, d == &R.d[0] ? 1 : R.e->aggressor_vcpus, R.e->kernel,
            R.e->ramdisk, mode, R.e->interval_ms, words);
    if (d->disk[0])
        fprintf(f, "disk = [ 'format=raw, vdev=xvdb, access=rw, target=%s' ]\n", d->disk);
    if (net)
        fprintf(f, "vif = [ 'bridge=%s, mac=00:16:3e:49:53:%02x' ]\n", R.e->bridge, idx);
    return fclose(f) ? -1 : 0;
}

static pid_t console_child(struct dom *d)
{
    int fds[2];
    pid_t p;

    if (pipe(fds) < 0)
        return -1;
    p = fork();
    if (p == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/proc/self/exe", "keel", "console", d->name, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    d->fd = fds[0];
    return p;
}

static void destroy_all(void)
{
    for (int i = 0; i < R.ndoms; i++) {
        struct dom *d = &R.d[i];
        (void)keel_run(1, "destroy", d->name, NULL, NULL, NULL, NULL, NULL);
        if (d->console > 0) {
            kill(d->console, SIGTERM);
            (void)waitpid(d->console, NULL, 0);
            d->console = 0;
        }
        if (d->fd >= 0)
            close(d->fd);
        d->fd = -1;
        if (d->log)
            fclose(d->log);
        d->log = NULL;
        /* keel destroy detached its loop device: the image can go. */
        if (d->disk[0])
            (void)unlink(d->disk);
        d->disk[0] = 0;
    }
    R.ndoms = 0;
}

/* ---- dom0's peer for probe-net and netflood ---- */

/* The bridge's IPv4 address and netmask (host order); 0 or -1. */
static int bridge_addr(const char *br, uint32_t *ip, uint32_t *mask)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", br);
    if (fd < 0)
        return -1;
    if (ioctl(fd, SIOCGIFADDR, &ifr) == 0) {
        *ip = ntohl(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr);
        if (ioctl(fd, SIOCGIFNETMASK, &ifr) == 0) {
            *mask = ntohl(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr);
            rc = 0;
        }
    } else if (errno == ENODEV) {
        fprintf(stderr, "keel bench isolation: bridge %s: no such interface (the vifs of probe-net and "
                "netflood join it: create it, with dom0's IPv4 address on it, first)\n", br);
        rc = -2;
    }
    close(fd);
    if (rc == -1)
        fprintf(stderr, "keel bench isolation: bridge %s: it has no IPv4 address (dom0's echo and "
                "discard peer listens on it)\n", br);
    return rc < 0 ? -1 : 0;
}

static int bound(int type, uint32_t ip, int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr = { htonl(ip) } };
    int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (type == SOCK_STREAM && listen(fd, 16) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The child: answer every UDP datagram on port 7 (echo), read and drop
 * everything sent to TCP port 9 (discard), until killed. */
static void peer_serve(int udp, int lst)
{
    enum { MAXC = 16 };
    struct pollfd p[2 + MAXC];
    static char buf[65536];
    int conns[MAXC], nc = 0;

    for (;;) {
        p[0] = (struct pollfd){ udp, POLLIN, 0 };
        p[1] = (struct pollfd){ lst, POLLIN, 0 };
        for (int i = 0; i < nc; i++)
            p[2 + i] = (struct pollfd){ conns[i], POLLIN, 0 };
        if (poll(p, (nfds_t)(2 + nc), -1) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t fl = sizeof(from);
            ssize_t n = recvfrom(udp, buf, 2048, 0, (struct sockaddr *)&from, &fl);
            if (n > 0)
                (void)sendto(udp, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        }
        if (p[1].revents & POLLIN) {
            int c = accept4(lst, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0 && nc < MAXC)
                conns[nc++] = c;
            else if (c >= 0)
                close(c);
        }
        for (int i = nc - 1; i >= 0; i--)
            if ((p[2 + i].revents & (POLLIN | POLLHUP | POLLERR)) && read(conns[i], buf, sizeof(buf)) <= 0) {
                close(conns[i]);
                conns[i] = conns[--nc];
            }
    }
}

/* If a mode uses the network: the bridge's address, the guests'
 * addresses, and the peer child.  0 or -1. */
static int start_peer(struct iso_exp *e)
{
    int any = iso_mode_needs_net(e->aggressor), udp, lst, maxc = e->counts[e->ncounts - 1];
    char a[20], b[20];

    for (int p = 0; p < e->nprobes; p++)
        any |= iso_mode_needs_net(e->probes[p]);
    if (!any)
        return 0;
    if (bridge_addr(e->bridge, &R.peer_ip, &R.netmask) < 0)
        return -1;
    if (!e->guest_ip)
        e->guest_ip = (R.peer_ip & R.netmask) | 100;
    for (int i = 0; i <= maxc; i++) {
        uint32_t g = e->guest_ip + (uint32_t)i;
        if ((g & R.netmask) != (R.peer_ip & R.netmask) || g == R.peer_ip || (g & ~R.netmask) == ~R.netmask) {
            ip_str(g, a, sizeof(a));
            ip_str(R.peer_ip, b, sizeof(b));
            fprintf(stderr, "keel bench isolation: guest_ip: %s is not a free host address of %s's "
                    "network (%s)\n", a, e->bridge, b);
            return -1;
        }
    }
    udp = bound(SOCK_DGRAM, R.peer_ip, 7);
    lst = bound(SOCK_STREAM, R.peer_ip, 9);
    if (udp < 0 || lst < 0) {
        ip_str(R.peer_ip, a, sizeof(a));
        fprintf(stderr, "keel bench isolation: cannot listen on %s UDP port 7 and TCP port 9: %s\n", a,
                strerror(errno));
        if (udp >= 0)
            close(udp);
        if (lst >= 0)
            close(lst);
        return -1;
    }
    R.peer = fork();
    if (R.peer == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        peer_serve(udp, lst);
        _exit(0);
    }
    close(udp);
    close(lst);
    return R.peer < 0 ? -1 : 0;
}

static void stop_peer(void)
{
    if (R.peer > 0) {
        kill(R.peer, SIGTERM);
        (void)waitpid(R.peer, NULL, 0);
    }
    R.peer = 0;
}

/* Create the victim and the aggressors, wait until all are ready. */
static int start_domains(int probe, int naggr)
{
    char path[512], logp[512];
    int i;

    R.ndoms = 1 + naggr;
    for (i = 0; i < R.ndoms; i++) {
        struct dom *d = &R.d[i];
        memset(d, 0, sizeof(*d));
        d->fd = -1;
        if (i == 0)
            snprintf(d->name, sizeof(d->name), "iso-victim");
        else
            snprintf(d->name, sizeof(d->name), "iso-aggr%d", i);
        (void)keel_run(1, "destroy", d->name, NULL, NULL, NULL, NULL, NULL);  /* a leftover */
        if (write_cfg(d, i ? R.e->aggressor : R.e->probes[probe], path, sizeof(path)) < 0)
            return -1;
        if (keel_run(0, "create", "-p", path, NULL, NULL, NULL, NULL) != 0) {
            fprintf(stderr, "keel bench isolation: keel create -p %s failed\n", path);
            return -1;
        }
        if (keel_dom_by_name(&R.h, d->name, &d->id) < 0) {
            fprintf(stderr, "keel bench isolation: %s: created but not found\n", d->name);
            return -1;
        }
        snprintf(logp, sizeof(logp), "%s/console-%s.log", R.dir, d->name);
        d->log = fopen(logp, i ? "w" : "a");
        d->console = console_child(d);
        if (d->console < 0) {
            fprintf(stderr, "keel bench isolation: cannot start keel console %s\n", d->name);
            return -1;
        }
    }
    pump(now_ns() + 500000000ull);      /* the consoles attach */
    for (i = 0; i < R.ndoms; i++) {
        if (keel_run(0, "unpause", R.d[i].name, NULL, NULL, NULL, NULL, NULL) != 0)
            return -1;
        R.d[i].running = 1;
    }
    for (uint64_t end = now_ns() + 600000000000ull; now_ns() < end;) {
        int all = 1;
        for (i = 0; i < R.ndoms; i++) {
            if (R.d[i].failed[0]) {
                fprintf(stderr, "keel bench isolation: %s did not start: %s\n", R.d[i].name, R.d[i].failed);
                return -1;
            }
            all &= R.d[i].ready;
        }
        if (all)
            return 0;
        pump(now_ns() + 500000000ull);
    }
    fprintf(stderr, "keel bench isolation: the domUs gave no ISO-READY within 600 s (console-*.log)\n");
    return -1;
}

static int set_running(struct dom *d, int run)
{
    if (d->running == run)
        return 0;
    if (keel_run(0, run ? "unpause" : "pause", d->name, NULL, NULL, NULL, NULL, NULL) != 0)
        return -1;
    d->running = run;
    return 0;
}

static int apply_setting(const struct iso_setting *s)
{
    char w[16], c[16];
    const char *p;

    for (int i = 0; i < R.ndoms; i++) {
        snprintf(w, sizeof(w), "%u", i ? s->aggressor_weight : s->victim_weight);
        snprintf(c, sizeof(c), "%u", i ? s->aggressor_cap : s->victim_cap);
        if (keel_run(0, "sched-credit2", "-d", R.d[i].name, "-w", w, "-c", c) != 0)
            return -1;
        /* Every vCPU's hard affinity; a setting without pin= puts it back
         * to every CPU, so that one setting's pinning does not leak into
         * the next. */
        p = i ? s->aggressor_pin : s->victim_pin;
        if (keel_run(0, "vcpu-pin", R.d[i].name, "all", *p ? p : "all", NULL, NULL, NULL) != 0)
            return -1;
    }
    return 0;
}

static int snap(struct keel_vstats *v)
{
    for (int i = 0; i < R.ndoms; i++) {
        int rc = keelctl_vstats(&R.h, R.d[i].id, KEEL_VSTATS_DOMAIN, &v[i]);
        if (rc < 0) {
            fprintf(stderr, "keel bench isolation: counters of %s: %s\n", R.d[i].name, strerror(-rc));
            return -1;
        }
    }
    return 0;
}

/* The backends' counters of every domU: 0, or -1 (then unknown). */
static int snap_back(struct keel_backstats *s)
{
    uint16_t ids[MAX_DOMS];

    for (int i = 0; i < R.ndoms; i++)
        ids[i] = R.d[i].id;
    return keel_backstats_scan(keel_backstats_root(), ids, R.ndoms, s) == 0 ? 0 : -1;
}

/* The victim's and the running aggressors' network and disk rates. */
static void back_rates(const struct keel_backstats *a, const struct keel_backstats *b, double secs,
                       struct iso_rep *out)
{
    double net = 0, vbd = 0;
    int n = 0;

    for (int i = 0; i < R.ndoms; i++) {
        struct keel_backrates r;

        keel_backstats_rates(&a[i], &b[i], secs, &r);
        if (i == 0) {
            out->victim_net_kibs = r.net_tx_kbs + r.net_rx_kbs;
            out->victim_vbd_reqs = r.vbd_rd_s + r.vbd_wr_s;
        } else if (R.d[i].running) {
            net += r.net_tx_kbs + r.net_rx_kbs;
            vbd += r.vbd_rd_s + r.vbd_wr_s;
            n++;
        }
    }
    out->aggressor_net_kibs = n ? net / n : -1;
    out->aggressor_vbd_reqs = n ? vbd / n : -1;
}

static int one_rep(struct iso_rep *out)
{
    struct keel_vstats a[MAX_DOMS], b[MAX_DOMS];
    struct keel_backstats ba[MAX_DOMS], bb[MAX_DOMS];
    uint64_t hist[KEEL_VSTATS_HIST], t0, t1, tb0, tb1;
    double share = 0;
    int nshare = 0, have_back;

    R.sum = 0;
    R.n = 0;
    /* The backends' counters are read outside [t0, t1], the window the
     * runstate times are checked against (a sysfs scan is slow under TCG). */
    tb0 = now_ns();
    have_back = snap_back(ba) == 0;
    t0 = now_ns();
    if (snap(a) < 0)
        return -1;
    R.collecting = 1;
    pump(t0 + (uint64_t)(R.e->duration * 1e9));
    R.collecting = 0;
    if (snap(b) < 0)
        return -1;
    t1 = now_ns();
    have_back &= snap_back(bb) == 0;
    tb1 = now_ns();
    memset(out, 0, sizeof(*out));
    out->probe = R.probe;
    out->setting = R.setting;
    out->count = R.count;
    out->rep = R.rep;
    out->nsamples = R.n;
    out->mean = R.n ? R.sum / R.n : 0;
    out->wall_ns = t1 - t0;
    for (int k = 0; k < 4; k++)
        out->victim_rs[k] = b[0].runstate[k] - a[0].runstate[k];
    for (int k = 0; k < KEEL_VSTATS_HIST; k++)
        hist[k] = b[0].wake_hist[k] - a[0].wake_hist[k];
    out->wake_p50_ns = vstat_percentile(hist, 50);
    out->wake_p99_ns = vstat_percentile(hist, 99);
    out->preemptions = b[0].preemptions - a[0].preemptions;
    for (int i = 1; i < R.ndoms; i++)
        if (R.d[i].running) {
            share += (double)(b[i].runstate[RUNSTATE_running] - a[i].runstate[RUNSTATE_running]) /
                     (double)out->wall_ns;
            nshare++;
        }
    out->aggressor_share = nshare ? share / nshare : -1;
    out->victim_net_kibs = out->victim_vbd_reqs = out->aggressor_net_kibs = out->aggressor_vbd_reqs = -1;
    if (have_back)
        back_rates(ba, bb, (double)(tb1 - tb0) / 1e9, out);
    return 0;
}

static int write_file_report(const char *path_exp, const struct iso_rep *reps, int nreps)
{
    static struct iso_point pts[ISO_MAX * ISO_MAX * ISO_MAX];
    const struct iso_exp *e = R.e;
    char path[1600], line[1024];
    struct utsname u;
    struct xen_sysctl_physinfo pi;
    FILE *f, *x;
    int np = iso_summarise(e, reps, nreps, pts, (int)(sizeof(pts) / sizeof(pts[0])));

#define OPEN(name) (snprintf(path, sizeof(path), "%s/%s", R.dir, name), f = fopen(path, "w"))
    if (!OPEN("reps.csv"))
        return -1;
    iso_write_reps_csv(f, e, reps, nreps);
    fclose(f);
    if (!OPEN("summary.csv"))
        return -1;
    iso_write_summary(f, e, pts, np, 1);
    fclose(f);
    if (!OPEN("summary.txt"))
        return -1;
    iso_write_summary(f, e, pts, np, 0);
    fclose(f);
    for (int p = 0; p < e->nprobes; p++) {
        snprintf(line, sizeof(line), "%s.svg", e->probes[p]);
        if (!OPEN(line))
            return -1;
        iso_write_svg(f, e, p, pts, np);
        fclose(f);
    }
    if (!OPEN("report.md"))
        return -1;
    uname(&u);
    memset(&pi, 0, sizeof(pi));
    (void)keelctl_physinfo(&R.h, &pi);
    fprintf(f, "# Isolation experiment: %s\n\n", e->name);
    fprintf(f, "- Keel commit: %s (the `keel` binary's build)\n", KEEL_COMMIT);
    fprintf(f, "- Machine: %u physical CPU(s) at %u kHz, %" PRIu64 " MiB; dom0: %s %s %s\n",
            pi.nr_cpus, pi.cpu_khz, (uint64_t)pi.total_pages / 256, u.sysname, u.release, u.machine);
    fprintf(f, "- Experiment file: %s (below, verbatim)\n\n", path_exp);
    fprintf(f, "Slowdown is against the same setting with the least aggressor count "
               "(alone when the counts start at 0): alone/x for rates, x/alone for latencies; "
               "95 %% confidence intervals from Student's t over the repetitions.\n\n```\n");
    iso_write_summary(f, e, pts, np, 0);
    fprintf(f, "```\n\n");
    for (int p = 0; p < e->nprobes; p++)
        fprintf(f, "![%s](%s.svg)\n\n", e->probes[p], e->probes[p]);
    fprintf(f, "Files: samples.csv (every sample), reps.csv (every repetition with the hypervisor's "
               "counters), summary.csv.\n\nThe experiment file:\n\n```\n");
    if ((x = fopen(path_exp, "r"))) {
        while (fgets(line, sizeof(line), x))
            fputs(line, f);
        fclose(x);
    }
    fprintf(f, "```\n");
    fclose(f);
#undef OPEN
    return 0;
}

static int run(const char *path_exp)
{
    static struct iso_rep reps[ISO_MAX * ISO_MAX * ISO_MAX_REPS];
    const struct iso_exp *e = R.e;
    int nreps = 0, maxc = e->counts[e->ncounts - 1];

    for (R.probe = 0; R.probe < e->nprobes; R.probe++) {
        fprintf(stderr, "keel bench isolation: %s: starting 1 victim and %d %s aggressor(s)\n",
                e->probes[R.probe], maxc, e->aggressor);
        if (start_domains(R.probe, maxc) < 0)
            return -1;
        for (R.setting = 0; R.setting < e->nsettings; R.setting++) {
            if (apply_setting(&e->settings[R.setting]) < 0)
                return -1;
            for (int c = 0; c < e->ncounts; c++) {
                R.count = e->counts[c];
                for (int i = 1; i < R.ndoms; i++)
                    if (set_running(&R.d[i], i <= R.count) < 0)
                        return -1;
                pump(now_ns() + (uint64_t)(e->warmup * 1e9));
                for (R.rep = 0; R.rep < (int)e->reps; R.rep++) {
                    struct iso_rep *r = &reps[nreps];
                    if (one_rep(r) < 0)
                        return -1;
                    if (!r->nsamples) {
                        fprintf(stderr, "keel bench isolation: no sample from the victim in %.1f s "
                                "(console-iso-victim.log)\n", e->duration);
                        return -1;
                    }
                    nreps++;
                    fprintf(stderr, "keel bench isolation: %s %s n=%d rep %d: %.3f (%u samples)\n",
                            e->probes[R.probe], e->settings[R.setting].name, R.count, R.rep,
                            r->mean, r->nsamples);
                }
            }
        }
        destroy_all();
    }
    return write_file_report(path_exp, reps, nreps);
}

int keel_cmd_bench(int argc, char **argv)
{
    static struct iso_exp e;
    const char *exp = NULL, *dir = NULL;
    char err[300], defdir[128], path[600];
    FILE *f;
    int i, rc;

    if (argc < 2 || strcmp(argv[1], "isolation") != 0) {
        fprintf(stderr, "keel bench: usage: keel bench isolation EXPERIMENT [-o DIR]\n");
        return 1;
    }
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            dir = argv[++i];
        else if (!exp && argv[i][0] != '-')
            exp = argv[i];
        else {
            fprintf(stderr, "keel bench isolation: unexpected argument '%s'\n", argv[i]);
            return 1;
        }
    }
    if (!exp) {
        fprintf(stderr, "keel bench: usage: keel bench isolation EXPERIMENT [-o DIR]\n");
        return 1;
    }
    f = fopen(exp, "r");
    if (!f) {
        fprintf(stderr, "keel bench isolation: %s: %s\n", exp, strerror(errno));
        return 1;
    }
    rc = iso_exp_parse(f, exp, &e, err, sizeof(err));
    fclose(f);
    if (rc < 0) {
        fprintf(stderr, "keel bench isolation: %s\n", err);
        return 1;
    }
    if (!dir) {
        snprintf(defdir, sizeof(defdir), "iso-%s", e.name);
        dir = defdir;
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "keel bench isolation: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    memset(&R, 0, sizeof(R));
    R.e = &e;
    R.dir = dir;
    snprintf(path, sizeof(path), "%s/samples.csv", dir);
    R.samples = fopen(path, "w");
    if (!R.samples) {
        fprintf(stderr, "keel bench isolation: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(R.samples, "probe,setting,aggressors,rep,seq,t_s,value\n");
    if (keel_open_ctl(&R.h) < 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    rc = start_peer(&e) < 0 ? -1 : run(exp);
    destroy_all();
    stop_peer();
    fclose(R.samples);
    keelctl_close(&R.h);
    if (rc < 0)
        return 1;
    fprintf(stderr, "keel bench isolation: report in %s/report.md\n", dir);
    return 0;
}
