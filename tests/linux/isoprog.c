/*
 * isoprog: the probes and aggressors of `keel bench isolation` (issue 17,
 * docs/isolation.md), run inside a stock Linux domU by init.sh when the
 * kernel command line has keel.iso=MODE (keel.iso_interval=MS sets the
 * reporting interval, default 500; keel.iso_peer=ADDR the echo and sink
 * peer of probe-net and netflood, dom0 on the bridge).  Built static into
 * the domUs' initramfs (build-initramfs.sh):
 *     isoprog MODE [INTERVAL_MS [PEER]]
 *
 * Probes print "ISO-READY MODE" once, then every interval one line
 *     ISO-SAMPLE MODE SEQ VALUE
 * on stdout (the domU's console), forever:
 *     probe-timer  mean overshoot in us of 1 ms relative sleeps
 *                  (clock_nanosleep: timer fires -> the task runs again)
 *     probe-cpu    a fixed integer loop's rate, in millions of
 *                  iterations per second of wall time
 *     probe-mem    memory bandwidth, MB/s of memcpy over 8 MiB buffers
 *     probe-disk   mean latency in us of 4 KiB O_DIRECT I/Os on /dev/xvdb,
 *                  one write then one read, at random 4 KiB-aligned offsets
 *     probe-net    mean round trip in us of 64-byte UDP messages to the
 *                  peer's echo port (7); a message unanswered within 1 s
 *                  counts as 1 s
 * Aggressors print "ISO-READY MODE" and then run until the domain dies:
 *     cpu    a busy loop
 *     mem    memset over a 16 MiB buffer, again and again
 *     fork   fork + _exit + wait, again and again (page-table churn)
 *     hcall  mmap, touch, munmap 4 pages and getppid(), again and again:
 *            each syscall returns through the iret hypercall, each munmap
 *            updates page tables (mmu_update / update_va_mapping) and
 *            flushes the TLB
 * and, one per attack of issue 11 (docs/isolation.md, "Aggressors"):
 *     updown   offline and online every CPU but CPU 0, again and again,
 *              through /sys/devices/system/cpu/cpuN/online (Linux's CPU
 *              hotplug: VCPUOP_down / VCPUOP_up; needs >= 2 vCPUs)
 *     ptchurn  page-table churn beyond fork: an 8 MiB resident buffer,
 *              then again and again: mmap 8 MiB, touch it, mprotect it
 *              read-only and back, munmap it, fork (the child's page
 *              tables copied and pinned, then unpinned at its exit)
 *     balloon  the balloon driver's target (/sys/devices/system/
 *              xen_memory/xen_memory0/target_kb) 8 MiB down and back up,
 *              again and again: decrease_reservation / populate_physmap
 *     memop    XENMEM_decrease_reservation through /dev/xen/privcmd,
 *              again and again, alternately with no extents and with an
 *              unreadable extent list (both do nothing but fail or
 *              return 0)
 *     console  newlines written to the console (hvc0) as fast as it
 *              takes them
 *     timer    8 threads, each with a 100 us periodic timerfd
 *     evtchn   an event channel bound to itself through /dev/xen/evtchn
 *              (an unbound port plus an interdomain bind to it): notify,
 *              wait for the event, unmask, again and again
 * and the split drivers' floods:
 *     diskflood   O_DIRECT I/O on its own /dev/xvdb, again and again: a
 *                 64 KiB sequential write (wrapping at the end of the
 *                 disk) and four 4 KiB reads at random offsets
 *     netflood    bulk TCP to the peer's discard port (9), 64 KiB writes,
 *                 reconnecting if the connection breaks
 * An aggressor that cannot start (no such file, too few CPUs) prints one
 * line on stderr and exits 1.
 * Exit status 2 with one line on stderr for an unknown mode.
 */
#define _GNU_SOURCE     /* O_DIRECT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ready(const char *mode)
{
    printf("ISO-READY %s\n", mode);
    fflush(stdout);
}

static void sample(const char *mode, unsigned long seq, double value)
{
    printf("ISO-SAMPLE %s %lu %.3f\n", mode, seq, value);
    fflush(stdout);
}

static void probe_timer(double interval)
{
    unsigned long seq = 0;

    ready("probe-timer");
    for (;;) {
        double start = now_s(), sum = 0;
        unsigned long n = 0;

        while (now_s() - start < interval) {
            struct timespec req = { 0, 1000000 };
            double t0 = now_s(), over;

            while (clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &req) == EINTR)
                ;
            over = (now_s() - t0) * 1e6 - 1000.0;
            sum += over > 0 ? over : 0;
            n++;
        }
        sample("probe-timer", seq++, n ? sum / (double)n : 0);
    }
}

static volatile uint64_t sink;

static void probe_cpu(double interval)
{
    unsigned long seq = 0;

    ready("probe-cpu");
    for (;;) {
        double start = now_s(), t;
        uint64_t iters = 0, x = 1;

        do {
            for (int i = 0; i < 10000; i++)
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            iters += 10000;
        } while ((t = now_s()) - start < interval);
        sink = x;
        sample("probe-cpu", seq++, (double)iters / (t - start) / 1e6);
    }
}

static void probe_mem(double interval)
{
    size_t size = 8u << 20;
    char *a = malloc(size), *b = malloc(size);
    unsigned long seq = 0;

    if (!a || !b) {
        fprintf(stderr, "isoprog: probe-mem: no memory for 2 x 8 MiB\n");
        exit(1);
    }
    memset(a, 1, size);
    memset(b, 2, size);
    ready("probe-mem");
    for (;;) {
        double start = now_s(), t;
        uint64_t bytes = 0;

        do {
            memcpy(b, a, size);
            bytes += size;
            a[bytes % size]++;
        } while ((t = now_s()) - start < interval);
        sample("probe-mem", seq++, (double)bytes / (t - start) / 1e6);
    }
}

static void agg_cpu(void)
{
    uint64_t x = 1;

    ready("cpu");
    for (;;) {
        x = x * 6364136223846793005ULL + 1;
        sink = x;
    }
}

static void agg_mem(void)
{
    size_t size = 16u << 20;
    char *p = malloc(size);
    int c = 0;

    if (!p) {
        fprintf(stderr, "isoprog: mem: no memory for 16 MiB\n");
        exit(1);
    }
    ready("mem");
    for (;;)
        memset(p, c++, size);
}

static void agg_fork(void)
{
    ready("fork");
    for (;;) {
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        if (p > 0)
            (void)waitpid(p, NULL, 0);
    }
}

static void agg_hcall(void)
{
    ready("hcall");
    for (;;) {
        char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            for (int i = 0; i < 4; i++)
                p[i * 4096] = (char)i;
            munmap(p, 4 * 4096);
        }
        sink += (uint64_t)getppid();
    }
}

static void die_aggr(const char *mode, const char *what)
{
    fprintf(stderr, "isoprog: %s: %s\n", mode, what);
    exit(1);
}

/* Write s to the sysfs file path; 0 or -1. */
static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, s, strlen(s));
    close(fd);
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

static long read_long(const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return strtol(buf, NULL, 10);
}

#define XEN_MEMORY "/sys/devices/system/xen_memory/xen_memory0"

/* Only in a Xen guest: updown would otherwise take a host's CPUs away. */
static void need_xen(const char *mode)
{
    if (access(XEN_MEMORY, F_OK) != 0)
        die_aggr(mode, "not a Xen guest (no " XEN_MEMORY ")");
}

static void agg_updown(void)
{
    char path[80];
    int ncpu = 0;

    need_xen("updown");
    for (int c = 1; c < 64; c++) {
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", c);
        if (access(path, W_OK) != 0)
            break;
        ncpu = c;
    }
    if (ncpu < 1)
        die_aggr("updown", "needs at least 2 vCPUs (no /sys/devices/system/cpu/cpu1/online)");
    ready("updown");
    for (;;)
        for (int c = 1; c <= ncpu; c++) {
            snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", c);
            (void)write_file(path, "0");
            (void)write_file(path, "1");
        }
}

static void touch(char *p, size_t size, int v)
{
    for (size_t i = 0; i < size; i += 4096)
        p[i] = (char)v;
}

static void agg_ptchurn(void)
{
    size_t big = 8u << 20, churn = 8u << 20;
    char *resident = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int v = 0;

    if (resident == MAP_FAILED)
        die_aggr("ptchurn", "no memory for the 8 MiB resident buffer");
    touch(resident, big, 1);
    ready("ptchurn");
    for (;;) {
        char *p = mmap(NULL, churn, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        pid_t pid;

        if (p != MAP_FAILED) {
            touch(p, churn, ++v);
            (void)mprotect(p, churn, PROT_READ);
            (void)mprotect(p, churn, PROT_READ | PROT_WRITE);
            munmap(p, churn);
        }
        pid = fork();
        if (pid == 0)
            _exit(resident[4096] == 1 ? 0 : 1);
        if (pid > 0)
            (void)waitpid(pid, NULL, 0);
    }
}

/* Wait up to 2 s for the balloon's current_kb to reach target_kb. */
static void balloon_settle(long target_kb)
{
    for (int i = 0; i < 200; i++) {
        if (read_long(XEN_MEMORY "/info/current_kb") == target_kb)
            return;
        usleep(10000);
    }
}

static void agg_balloon(void)
{
    long full = read_long(XEN_MEMORY "/target_kb");
    char lo[32], hi[32];

    if (full <= 0)
        die_aggr("balloon", "cannot read " XEN_MEMORY "/target_kb");
    if (full < 32 * 1024)
        die_aggr("balloon", "less than 32 MiB: nothing to give back");
    snprintf(lo, sizeof(lo), "%ld", full - 8 * 1024);
    snprintf(hi, sizeof(hi), "%ld", full);
    if (write_file(XEN_MEMORY "/target_kb", lo) < 0)
        die_aggr("balloon", "cannot write " XEN_MEMORY "/target_kb");
    ready("balloon");
    for (;;) {
        (void)write_file(XEN_MEMORY "/target_kb", lo);
        balloon_settle(full - 8 * 1024);
        (void)write_file(XEN_MEMORY "/target_kb", hi);
        balloon_settle(full);
    }
}

/* privcmd's hypercall ioctl (linux/include/uapi/xen/privcmd.h). */
struct privcmd_hypercall {
    uint64_t op, arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
/* xen/include/public/memory.h, 64-bit layout. */
struct xen_memory_reservation {
    uint64_t extent_start, nr_extents;
    uint32_t extent_order, mem_flags;
    uint16_t domid;
};
#define HYPERVISOR_memory_op 12
#define XENMEM_decrease_reservation 1
#define DOMID_SELF 0x7ff0

static void agg_memop(void)
{
    int fd = open("/dev/xen/privcmd", O_RDWR);
    static struct xen_memory_reservation r;
    struct privcmd_hypercall h = { HYPERVISOR_memory_op, { XENMEM_decrease_reservation, 0, 0, 0, 0 } };
    unsigned long n = 0;

    if (fd < 0)
        die_aggr("memop", "cannot open /dev/xen/privcmd (xen-privcmd module)");
    r.domid = DOMID_SELF;
    h.arg[1] = (uint64_t)(uintptr_t)&r;
    ready("memop");
    for (;;) {
        /* No extents: returns 0.  One extent at an unmapped address:
         * -EFAULT.  Neither gives a frame back. */
        r.nr_extents = n & 1;
        r.extent_start = 0x1000;
        (void)ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
        n++;
    }
}

static void agg_console(void)
{
    static char nl[4096];

    memset(nl, '\n', sizeof(nl));
    ready("console");
    for (;;)
        if (write(1, nl, sizeof(nl)) < 0 && errno != EINTR && errno != EAGAIN)
            die_aggr("console", strerror(errno));
}

static void *timer_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    uint64_t ticks;

    for (;;)
        if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
            sink += ticks;
    return NULL;
}

static void agg_timer(void)
{
    struct itimerspec its = { { 0, 100000 }, { 0, 100000 } };

    for (int i = 0; i < 8; i++) {
        int fd = timerfd_create(CLOCK_MONOTONIC, 0);
        pthread_t t;

        if (fd < 0 || timerfd_settime(fd, 0, &its, NULL) < 0)
            die_aggr("timer", "timerfd_create/settime failed");
        if (pthread_create(&t, NULL, timer_thread, (void *)(intptr_t)fd) != 0)
            die_aggr("timer", "pthread_create failed");
    }
    ready("timer");
    for (;;)
        pause();
}

/* linux/include/uapi/xen/evtchn.h */
struct ioctl_evtchn_bind_interdomain {
    unsigned int remote_domain, remote_port;
};
struct ioctl_evtchn_bind_unbound_port {
    unsigned int remote_domain;
};
struct ioctl_evtchn_notify {
    unsigned int port;
};
#define IOCTL_EVTCHN_BIND_INTERDOMAIN _IOC(_IOC_NONE, 'E', 1, sizeof(struct ioctl_evtchn_bind_interdomain))
#define IOCTL_EVTCHN_BIND_UNBOUND_PORT _IOC(_IOC_NONE, 'E', 2, sizeof(struct ioctl_evtchn_bind_unbound_port))
#define IOCTL_EVTCHN_NOTIFY _IOC(_IOC_NONE, 'E', 4, sizeof(struct ioctl_evtchn_notify))

static void agg_evtchn(void)
{
    int fd = open("/dev/xen/evtchn", O_RDWR), a, b;
    struct ioctl_evtchn_bind_unbound_port u = { DOMID_SELF };
    struct ioctl_evtchn_bind_interdomain i = { DOMID_SELF, 0 };
    struct ioctl_evtchn_notify n;

    if (fd < 0)
        die_aggr("evtchn", "cannot open /dev/xen/evtchn (xen-evtchn module)");
    a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    if (a < 0)
        die_aggr("evtchn", "IOCTL_EVTCHN_BIND_UNBOUND_PORT failed");
    i.remote_port = (unsigned int)a;
    b = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &i);
    if (b < 0)
        die_aggr("evtchn", "IOCTL_EVTCHN_BIND_INTERDOMAIN to itself failed");
    n.port = (unsigned int)b;
    ready("evtchn");
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        unsigned int got;

        (void)ioctl(fd, IOCTL_EVTCHN_NOTIFY, &n);
        /* The event arrives on a; wait for it (at most 100 ms, so a
         * lost event does not stop the storm), then unmask it. */
        if (poll(&p, 1, 100) == 1 && read(fd, &got, sizeof(got)) == sizeof(got))
            (void)write(fd, &got, sizeof(got));
    }
}

/* ---- the split drivers: disk and network ---- */

#define XVDB "/dev/xvdb"
#define ECHO_PORT 7
#define DISCARD_PORT 9

/* /dev/xvdb opened O_DIRECT (waiting up to 60 s for blkfront) and its
 * size in 4 KiB blocks; or the mode dies. */
static int open_xvdb(const char *mode, uint64_t *blocks)
{
    uint64_t bytes = 0;
    int fd = -1;

    for (int i = 0; i < 600 && fd < 0; i++) {
        fd = open(XVDB, O_RDWR | O_DIRECT);
        if (fd < 0)
            usleep(100000);
    }
    if (fd < 0)
        die_aggr(mode, "cannot open " XVDB " (no disk given, or xen-blkfront not loaded)");
    if (ioctl(fd, BLKGETSIZE64, &bytes) < 0 || bytes < 1024 * 1024)
        die_aggr(mode, XVDB " is smaller than 1 MiB");
    *blocks = bytes / 4096;
    return fd;
}

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static void *aligned(const char *mode, size_t size)
{
    void *p = NULL;

    if (posix_memalign(&p, 4096, size) != 0)
        die_aggr(mode, "no memory for the I/O buffer");
    memset(p, 0x5a, size);
    return p;
}

static void probe_disk(double interval)
{
    uint64_t blocks;
    int fd = open_xvdb("probe-disk", &blocks);
    char *buf = aligned("probe-disk", 4096);
    unsigned long seq = 0;

    rnd_state ^= (uint64_t)getpid();
    if (pwrite(fd, buf, 4096, 0) != 4096 || pread(fd, buf, 4096, 0) != 4096)
        die_aggr("probe-disk", "the first O_DIRECT write and read of " XVDB " failed");
    ready("probe-disk");
    for (;;) {
        double start = now_s(), sum = 0;
        unsigned long n = 0;

        while (now_s() - start < interval) {
            off_t off = (off_t)(rnd() % blocks) * 4096;
            double t0 = now_s();
            ssize_t got = (n & 1) ? pread(fd, buf, 4096, off) : pwrite(fd, buf, 4096, off);

            if (got != 4096)
                die_aggr("probe-disk", strerror(got < 0 ? errno : EIO));
            sum += (now_s() - t0) * 1e6;
            n++;
        }
        sample("probe-disk", seq++, n ? sum / (double)n : 0);
    }
}

static void agg_diskflood(void)
{
    uint64_t blocks, pos = 0;
    int fd = open_xvdb("diskflood", &blocks);
    char *big = aligned("diskflood", 65536), *small = aligned("diskflood", 4096);

    if (blocks < 16)
        die_aggr("diskflood", XVDB " is smaller than 64 KiB");
    ready("diskflood");
    for (;;) {
        if (pos + 16 > blocks)
            pos = 0;
        (void)pwrite(fd, big, 65536, (off_t)pos * 4096);
        pos += 16;
        for (int i = 0; i < 4; i++)
            (void)pread(fd, small, 4096, (off_t)(rnd() % blocks) * 4096);
    }
}

static void peer_addr(const char *mode, const char *peer, int port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!peer || inet_pton(AF_INET, peer, &sa->sin_addr) != 1)
        die_aggr(mode, "no peer address (keel.iso_peer=a.b.c.d)");
}

/* One UDP echo round trip of a 64-byte message: seconds, or -1 if no
 * answer within timeout_s (answers to earlier messages are skipped). */
static double echo_once(int fd, uint32_t seq, double timeout_s)
{
    char msg[64], got[64];
    double t0 = now_s(), left;

    memset(msg, 'k', sizeof(msg));
    memcpy(msg, &seq, sizeof(seq));
    if (send(fd, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
        return -1;
    while ((left = timeout_s - (now_s() - t0)) > 0) {
        struct pollfd p = { fd, POLLIN, 0 };
        ssize_t n;

        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        n = recv(fd, got, sizeof(got), 0);
        if (n == (ssize_t)sizeof(got) && !memcmp(got, msg, sizeof(msg)))
            return now_s() - t0;
    }
    return -1;
}

static void probe_net(double interval, const char *peer)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    unsigned long seq = 0;
    uint32_t id = 0;
    int ok = 0;

    peer_addr("probe-net", peer, ECHO_PORT, &sa);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die_aggr("probe-net", "cannot set up the UDP socket");
    /* The first answer (ARP, the bridge learning the MAC): up to 60 s. */
    for (int i = 0; i < 60 && !ok; i++)
        ok = echo_once(fd, id++, 1.0) >= 0;
    if (!ok)
        die_aggr("probe-net", "no answer from the peer's UDP echo port 7 in 60 s");
    ready("probe-net");
    for (;;) {
        double start = now_s(), sum = 0, rtt;
        unsigned long n = 0;

        while (now_s() - start < interval) {
            rtt = echo_once(fd, id++, 1.0);
            sum += (rtt < 0 ? 1.0 : rtt) * 1e6;
            n++;
        }
        sample("probe-net", seq++, n ? sum / (double)n : 0);
    }
}

static int flood_connect(const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static void agg_netflood(const char *peer)
{
    static char buf[65536];
    struct sockaddr_in sa;
    int fd = -1;

    peer_addr("netflood", peer, DISCARD_PORT, &sa);
    signal(SIGPIPE, SIG_IGN);
    memset(buf, 'f', sizeof(buf));
    for (int i = 0; i < 60 && fd < 0; i++)
        if ((fd = flood_connect(&sa)) < 0)
            sleep(1);
    if (fd < 0)
        die_aggr("netflood", "cannot connect to the peer's TCP discard port 9 in 60 s");
    ready("netflood");
    for (;;) {
        if (fd < 0 && (fd = flood_connect(&sa)) < 0) {
            usleep(100000);
            continue;
        }
        if (write(fd, buf, sizeof(buf)) < 0) {
            close(fd);
            fd = -1;
        }
    }
}

int main(int argc, char **argv)
{
    double interval = 0.5;
    const char *peer = argc >= 4 ? argv[3] : NULL;

    if (argc >= 3) {
        long ms = strtol(argv[2], NULL, 10);
        if (ms >= 50 && ms <= 60000)
            interval = (double)ms / 1000.0;
    }
    if (argc < 2)
        ;
    else if (!strcmp(argv[1], "probe-timer"))
        probe_timer(interval);
    else if (!strcmp(argv[1], "probe-cpu"))
        probe_cpu(interval);
    else if (!strcmp(argv[1], "probe-mem"))
        probe_mem(interval);
    else if (!strcmp(argv[1], "probe-disk"))
        probe_disk(interval);
    else if (!strcmp(argv[1], "probe-net"))
        probe_net(interval, peer);
    else if (!strcmp(argv[1], "diskflood"))
        agg_diskflood();
    else if (!strcmp(argv[1], "netflood"))
        agg_netflood(peer);
    else if (!strcmp(argv[1], "cpu"))
        agg_cpu();
    else if (!strcmp(argv[1], "mem"))
        agg_mem();
    else if (!strcmp(argv[1], "fork"))
        agg_fork();
    else if (!strcmp(argv[1], "hcall"))
        agg_hcall();
    else if (!strcmp(argv[1], "updown"))
        agg_updown();
    else if (!strcmp(argv[1], "ptchurn"))
        agg_ptchurn();
    else if (!strcmp(argv[1], "balloon"))
        agg_balloon();
    else if (!strcmp(argv[1], "memop"))
        agg_memop();
    else if (!strcmp(argv[1], "console"))
        agg_console();
    else if (!strcmp(argv[1], "timer"))
        agg_timer();
    else if (!strcmp(argv[1], "evtchn"))
        agg_evtchn();
    fprintf(stderr, "isoprog: unknown mode '%s' (probe-timer, probe-cpu, probe-mem, probe-disk, probe-net, "
            "cpu, mem, fork, hcall, updown, ptchurn, balloon, memop, console, timer, evtchn, diskflood, "
            "netflood)\n",
            argc >= 2 ? argv[1] : "");
    return 2;
}
