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
 *     memop    through /dev/xen/privcmd, again and again, in turn:
 *              XENMEM_decrease_reservation with no extents and with an
 *              unreadable extent list, XENMEM_exchange with no extents,
 *              with an unreadable list and naming no frame, and
 *              MMUEXT_PIN_L1_TABLE / MMUEXT_UNPIN_TABLE of no frame (all
 *              do nothing but fail or return 0)
 *     console  newlines written to the console (hvc0) as fast as it
 *              takes them
 *     timer    8 threads, each with a 100 us periodic timerfd
 *     evtchn   an event channel bound to itself through /dev/xen/evtchn
 *              (an unbound port plus an interdomain bind to it): notify,
 *              wait for the event, unmask, again and again
 *     grant    grants 1024 of its pages to itself (/dev/xen/gntalloc)
 *              and maps them through /dev/xen/gntdev in chunks of 256
 *              pages until the hypervisor refuses a chunk (maptrack full)
 *              or 32 chunks are mapped; then unmaps and maps again one
 *              chunk after the other, so that each map takes its handles
 *              from an almost full maptrack table; prints after
 *              ISO-READY "ISO-INFO grant: ..." lines with what it holds
 *              and, every 2 s, how many chunks it mapped again
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
#include <stddef.h>
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
/* xen/include/public/memory.h and xen.h, 64-bit layout. */
struct xen_memory_reservation {
    uint64_t extent_start, nr_extents;
    uint32_t extent_order, mem_flags;
    uint16_t domid;
};
struct xen_memory_exchange {
    struct xen_memory_reservation in, out;
    uint64_t nr_exchanged;
};
struct mmuext_op {
    uint32_t cmd;
    uint64_t arg1, arg2;
};
_Static_assert(sizeof(struct xen_memory_reservation) == 32, "xen_memory_reservation is 32 bytes");
_Static_assert(sizeof(struct xen_memory_exchange) == 72, "xen_memory_exchange is 72 bytes");
_Static_assert(sizeof(struct mmuext_op) == 24, "mmuext_op is 24 bytes");
#define HYPERVISOR_memory_op 12
#define HYPERVISOR_mmuext_op 26
#define XENMEM_decrease_reservation 1
#define XENMEM_exchange 11
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_UNPIN_TABLE 4
#define DOMID_SELF 0x7ff0
#define NOT_A_FRAME 0xfffffffffULL      /* far beyond any machine's frames */

/*
 * The paths of issue 11 defect 3, with calls that give nothing back and
 * change nothing, in turn: decrease_reservation with no extents (0) and
 * with an unreadable extent list (-EFAULT); an exchange with no extents
 * (0), with an unreadable input list (-EFAULT) and naming a frame that
 * does not exist (-EINVAL) -- each of these used to end in a flush IPI
 * to every CPU all the same; a pin and an unpin of that frame (-EINVAL:
 * a domU's userspace does not know its frames' machine numbers, so this
 * is only the pin path's checks; real pins and unpins are what Linux
 * does at every fork and exit, the fork and ptchurn aggressors).
 */
static void memop_once(int fd, unsigned long n)
{
    static struct xen_memory_reservation r;
    static struct xen_memory_exchange x;
    static struct mmuext_op m;
    static uint64_t in_list[1] = { NOT_A_FRAME }, out_list[1];
    struct privcmd_hypercall h = { HYPERVISOR_memory_op, { 0, 0, 0, 0, 0 } };

    switch (n % 7) {
    case 0:
    case 1:
        r = (struct xen_memory_reservation){ .extent_start = 0x1000, .nr_extents = n % 7,
                                             .domid = DOMID_SELF };
        h.arg[0] = XENMEM_decrease_reservation;
        h.arg[1] = (uint64_t)(uintptr_t)&r;
        break;
    case 2:
    case 3:
    case 4:
        x = (struct xen_memory_exchange){ .in = { .domid = DOMID_SELF },
                                          .out = { .domid = DOMID_SELF } };
        x.in.nr_extents = x.out.nr_extents = n % 7 != 2;
        x.in.extent_start = n % 7 == 3 ? 0x1000 : (uint64_t)(uintptr_t)in_list;
        x.out.extent_start = (uint64_t)(uintptr_t)out_list;
        h.arg[0] = XENMEM_exchange;
        h.arg[1] = (uint64_t)(uintptr_t)&x;
        break;
    default:
        m = (struct mmuext_op){ .cmd = n % 7 == 5 ? MMUEXT_PIN_L1_TABLE : MMUEXT_UNPIN_TABLE,
                                .arg1 = NOT_A_FRAME };
        h = (struct privcmd_hypercall){ HYPERVISOR_mmuext_op,
                                        { (uint64_t)(uintptr_t)&m, 1, 0, DOMID_SELF, 0 } };
        break;
    }
    (void)ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
}

static void agg_memop(void)
{
    int fd = open("/dev/xen/privcmd", O_RDWR);

    if (fd < 0)
        die_aggr("memop", "cannot open /dev/xen/privcmd (xen-privcmd module)");
    ready("memop");
    for (unsigned long n = 0;; n++)
        memop_once(fd, n);
}

/* ---- grant: maptrack handles (issue 11 defect 9) ---- */

/* linux/include/uapi/xen/gntalloc.h and gntdev.h */
struct ioctl_gntalloc_alloc_gref {
    uint16_t domid, flags;
    uint32_t count;
    uint64_t index;
    uint32_t gref_ids[1];
};
#define IOCTL_GNTALLOC_ALLOC_GREF _IOC(_IOC_NONE, 'G', 5, sizeof(struct ioctl_gntalloc_alloc_gref))
#define GNTALLOC_FLAG_WRITABLE 1
struct ioctl_gntdev_grant_ref {
    uint32_t domid, ref;
};
struct ioctl_gntdev_map_grant_ref {
    uint32_t count, pad;
    uint64_t index;
    struct ioctl_gntdev_grant_ref refs[1];
};
struct ioctl_gntdev_unmap_grant_ref {
    uint64_t index;
    uint32_t count, pad;
};
#define IOCTL_GNTDEV_MAP_GRANT_REF _IOC(_IOC_NONE, 'G', 0, sizeof(struct ioctl_gntdev_map_grant_ref))
#define IOCTL_GNTDEV_UNMAP_GRANT_REF _IOC(_IOC_NONE, 'G', 1, sizeof(struct ioctl_gntdev_unmap_grant_ref))
_Static_assert(sizeof(struct ioctl_gntalloc_alloc_gref) == 24, "ioctl_gntalloc_alloc_gref is 24 bytes");
_Static_assert(sizeof(struct ioctl_gntdev_map_grant_ref) == 24, "ioctl_gntdev_map_grant_ref is 24 bytes");
_Static_assert(sizeof(struct ioctl_gntdev_unmap_grant_ref) == 16, "ioctl_gntdev_unmap_grant_ref is 16 bytes");
/* xen/include/public/io/xs_wire.h */
struct xsd_sockmsg {
    uint32_t type, req_id, tx_id, len;
};
#define XS_READ 2

#define GRANT_REFS 1024          /* gntalloc's default limit */
#define GRANT_CHUNK 256          /* pages per gntdev mapping (PV: 512 handles) */
#define GRANT_MAX_CHUNKS 32      /* at most 8192 pages mapped at once */

/* The domain's own id: xenstore's "domid" (relative to its home), read
 * through the kernel's /dev/xen/xenbus; -1 if that fails. */
static long own_domid(void)
{
    struct {
        struct xsd_sockmsg h;
        char body[64];
    } msg = { { XS_READ, 1, 0, 6 }, "domid" };
    int fd = open("/dev/xen/xenbus", O_RDWR);
    ssize_t n;
    char *end;
    long id;

    if (fd < 0)
        return -1;
    if (write(fd, &msg, sizeof(msg.h) + 6) != (ssize_t)(sizeof(msg.h) + 6)) {
        close(fd);
        return -1;
    }
    memset(&msg, 0, sizeof(msg));
    n = read(fd, &msg, sizeof(msg) - 1);
    close(fd);
    if (n < (ssize_t)sizeof(msg.h) || msg.h.type != XS_READ || msg.h.len == 0 ||
        msg.h.len >= sizeof(msg.body) || n < (ssize_t)(sizeof(msg.h) + msg.h.len))
        return -1;
    msg.body[msg.h.len] = 0;
    id = strtol(msg.body, &end, 10);
    return *end || id < 0 || id >= DOMID_SELF ? -1 : id;
}

/* One gntdev mapping of GRANT_CHUNK of the domain's own grants (slot k's
 * share of them) into its address space: the mmap is what makes the
 * grant-map hypercalls under PV.  The address, or NULL. */
struct grant_chunk {
    char *p;
    uint64_t index;
};

static int grant_map(int gd, const uint32_t *refs, uint32_t domid, unsigned int k,
                     struct grant_chunk *c)
{
    /* The ioctl's argument: the header, then GRANT_CHUNK refs. */
    static uint64_t buf[(sizeof(struct ioctl_gntdev_map_grant_ref) +
                         GRANT_CHUNK * sizeof(struct ioctl_gntdev_grant_ref)) / 8];
    struct ioctl_gntdev_map_grant_ref *op = (struct ioctl_gntdev_map_grant_ref *)buf;
    struct ioctl_gntdev_grant_ref *r =
        (struct ioctl_gntdev_grant_ref *)((char *)buf + offsetof(struct ioctl_gntdev_map_grant_ref, refs));
    struct ioctl_gntdev_unmap_grant_ref u;

    op->count = GRANT_CHUNK;
    for (unsigned int i = 0; i < GRANT_CHUNK; i++) {
        r[i].domid = domid;
        r[i].ref = refs[(k * GRANT_CHUNK + i) % GRANT_REFS];
    }
    if (ioctl(gd, IOCTL_GNTDEV_MAP_GRANT_REF, buf) < 0)
        return -1;
    c->index = op->index;
    c->p = mmap(NULL, GRANT_CHUNK * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gd, (off_t)c->index);
    if (c->p != MAP_FAILED)
        return 0;
    u = (struct ioctl_gntdev_unmap_grant_ref){ .index = c->index, .count = GRANT_CHUNK };
    (void)ioctl(gd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
    c->p = NULL;
    return -1;
}

static void grant_unmap(int gd, struct grant_chunk *c)
{
    struct ioctl_gntdev_unmap_grant_ref u = { .index = c->index, .count = GRANT_CHUNK };

    munmap(c->p, GRANT_CHUNK * 4096);
    (void)ioctl(gd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
    c->p = NULL;
}

/*
 * The domain grants GRANT_REFS of its own pages to itself (gntalloc) and
 * maps them (gntdev) in chunks of GRANT_CHUNK pages until the hypervisor
 * refuses one (its maptrack table is full: under PV each page takes two
 * handles, the user PTE and the kernel's mapping of the page gntdev
 * backs it with) or GRANT_MAX_CHUNKS are mapped; then, again and again,
 * unmaps one of the chunks (in turn) and maps it again, so that every map
 * takes its handles from an almost full table.
 */
static void agg_grant(void)
{
    /* The ioctl's argument: the header, then GRANT_REFS reference ids. */
    static uint64_t buf[(sizeof(struct ioctl_gntalloc_alloc_gref) + GRANT_REFS * 4) / 8];
    struct ioctl_gntalloc_alloc_gref *a = (struct ioctl_gntalloc_alloc_gref *)buf;
    const uint32_t *refs =
        (const uint32_t *)((char *)buf + offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids));
    static struct grant_chunk c[GRANT_MAX_CHUNKS];
    int ga = open("/dev/xen/gntalloc", O_RDWR), gd = open("/dev/xen/gntdev", O_RDWR);
    unsigned int held, k;
    long domid = own_domid();
    char *own;

    if (ga < 0 || gd < 0)
        die_aggr("grant", "cannot open /dev/xen/gntalloc and /dev/xen/gntdev "
                          "(xen-gntalloc and xen-gntdev modules)");
    if (domid < 0)
        die_aggr("grant", "cannot read its domid from xenstore through /dev/xen/xenbus");
    *a = (struct ioctl_gntalloc_alloc_gref){ .domid = (uint16_t)domid,
                                             .flags = GNTALLOC_FLAG_WRITABLE, .count = GRANT_REFS };
    if (ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, buf) < 0)
        die_aggr("grant", "gntalloc refused 1024 grants to itself");
    own = mmap(NULL, GRANT_REFS * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ga, (off_t)a->index);
    if (own == MAP_FAILED)
        die_aggr("grant", "cannot mmap its granted pages");
    for (held = 0; held < GRANT_MAX_CHUNKS; held++)
        if (grant_map(gd, refs, (uint32_t)domid, held, &c[held]) < 0)
            break;
    if (held == 0)
        die_aggr("grant", "the hypervisor refused to map its own grants (gntdev mmap failed)");
    /* The mapping is the granted page: a write through one shows in the other. */
    for (unsigned int i = 0; i < GRANT_CHUNK; i += GRANT_CHUNK - 1) {
        c[0].p[i * 4096] = (char)(0x5a + i);
        if (own[i * 4096] != (char)(0x5a + i))
            die_aggr("grant", "a write through the grant mapping did not reach the granted page");
    }
    ready("grant");
    printf("ISO-INFO grant: domid %ld, %u grants to itself, %u pages mapped in %u chunks of %u (%s)\n",
           domid, GRANT_REFS, held * GRANT_CHUNK, held, GRANT_CHUNK,
           held < GRANT_MAX_CHUNKS ? "the next chunk was refused: maptrack full" : "the cap");
    fflush(stdout);
    for (unsigned long n = 0, ok = 0, next = 0;; n++) {
        double t = now_s();

        k = (unsigned int)(n % held);
        if (c[k].p)
            grant_unmap(gd, &c[k]);
        if (grant_map(gd, refs, (uint32_t)domid, k, &c[k]) == 0) {
            for (unsigned int i = 0; i < GRANT_CHUNK; i++)
                c[k].p[i * 4096] = (char)n;
            ok++;
        }
        /* Every 2 s: how many chunks were mapped again, and refused. */
        if ((unsigned long)t >= next) {
            printf("ISO-INFO grant: %lu chunk maps, %lu refused\n", ok, n + 1 - ok);
            fflush(stdout);
            next = (unsigned long)t + 2;
        }
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
    else if (!strcmp(argv[1], "grant"))
        agg_grant();
    fprintf(stderr, "isoprog: unknown mode '%s' (probe-timer, probe-cpu, probe-mem, probe-disk, probe-net, "
            "cpu, mem, fork, hcall, updown, ptchurn, balloon, memop, console, timer, evtchn, grant, diskflood, "
            "netflood)\n",
            argc >= 2 ? argv[1] : "");
    return 2;
}
