/*
 * dom0io: the timing helper of bench/dom0-io.sh, in dom0 (linked
 * statically into the bench's initramfs) and on the host (the same
 * binary: the host end of the TCP transfers).
 *
 *   dom0io time IRQS BYTES CMD [ARG...]
 *       runs CMD (e.g. dd), timing it with CLOCK_MONOTONIC and counting
 *       the interrupts of the /proc/interrupts lines named by IRQS
 *       meanwhile; prints "dom0io: bytes N secs S MBps R irqs I irqps P"
 *       (MB = 10^6 bytes, R = BYTES / S); status: CMD's.
 *   dom0io serve PORT MIB IRQS
 *       dom0's end: listens on PORT (prints "dom0io: listening on PORT"),
 *       then two connections from `dom0io client`: in the first the
 *       host sends MIB MiB to dom0 (tcp-rx), in the second dom0 sends MIB
 *       MiB to the host (tcp-tx); prints for each
 *       "dom0io: tcp-rx|tcp-tx bytes N secs S MBps R irqs I irqps P",
 *       timed from dom0's command to the end of the stream (rx) or to
 *       the host's close after it read everything (tx).
 *   dom0io client HOST PORT SECS
 *       the host's end: connects to HOST:PORT (numeric IPv4) and does
 *       what dom0 asks, retrying a refused or dropped connection for
 *       SECS seconds; prints its own view of each transfer
 *       ("dom0io: host tcp-rx|tcp-tx bytes N secs S MBps R") and ends
 *       after the tcp-tx transfer.
 *   dom0io irqs IRQS [FILE]
 *       prints the interrupts counted so far on IRQS's lines of FILE
 *       (default /proc/interrupts); bench/Makefile's test checks the
 *       matching on bench/dom0io-interrupts.txt.
 *
 * IRQS is a comma-separated list of device names (virtio0,eth0): a line
 * of /proc/interrupts counts if one of its names is NAME or begins with
 * "NAME-" (MSI-X vectors: virtio0-req.0) or "NAME[" ; its counts are
 * summed over the CPUs.
 *
 * Protocol: the client sends 'h'; dom0 answers one command byte, 'R'
 * (the client sends) or 'T' (the client receives), and the length in
 * MiB as four bytes, big-endian.  Exit status 0 on success; one
 * "dom0io: error: ..." line and status 1 otherwise, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NETBUF (128 * 1024)
#define MAX_MIB 65536L

static int fail(const char *what)
{
    printf("dom0io: error: %s: %s\n", what, strerror(errno));
    return 1;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Does the /proc/interrupts name TOK (a trailing ',' removed) belong to one of NAMES? */
static int name_matches(const char *tok, const char *names)
{
    size_t tl = strcspn(tok, ",");
    const char *p = names;

    while (*p) {
        size_t nl = strcspn(p, ",");

        if (nl > 0 && tl >= nl && strncmp(tok, p, nl) == 0 &&
            (tl == nl || tok[nl] == '-' || tok[nl] == '['))
            return 1;
        p += nl;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* The sum of one /proc/interrupts line's per-CPU counts if one of its names matches, else 0. */
static unsigned long long line_count(char *line, const char *names)
{
    unsigned long long sum = 0;
    int matched = 0, counting = 1;
    char *save = NULL, *tok = strtok_r(line, " \t\n", &save);

    /* Device lines begin with the interrupt's number ("24:"); the others
     * ("NMI:", "LOC:") end in a description, not in device names. */
    if (!tok || strspn(tok, "0123456789") != strlen(tok) - 1 || tok[strlen(tok) - 1] != ':' ||
        strlen(tok) < 2)
        return 0;
    while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL) {
        char *end;
        unsigned long long v;

        if (counting) {
            v = strtoull(tok, &end, 10);
            if (*end == '\0') {
                sum += v;
                continue;
            }
            counting = 0;
        }
        if (name_matches(tok, names))
            matched = 1;
    }
    return matched ? sum : 0;
}

/* The interrupts counted on the lines of PATH named by NAMES; -1 if PATH is unreadable. */
static long long irq_total_in(const char *path, const char *names)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    unsigned long long sum = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        sum += line_count(line, names);
    fclose(f);
    return (long long)sum;
}

/* The interrupts counted so far on the lines named by NAMES; -1 if /proc/interrupts is unreadable. */
static long long irq_total(const char *names)
{
    return irq_total_in("/proc/interrupts", names);
}

/* One result line: WHAT bytes secs MBps [irqs irqps]. */
static void report(const char *what, uint64_t bytes, double secs, long long irqs)
{
    printf("dom0io: %s bytes %llu secs %.3f MBps %.1f", what, (unsigned long long)bytes, secs,
           (double)bytes / secs / 1e6);
    if (irqs >= 0)
        printf(" irqs %lld irqps %.0f", irqs, (double)irqs / secs);
    printf("\n");
}

static int cmd_time(const char *names, uint64_t bytes, char **argv)
{
    long long i0 = irq_total(names), i1;
    double t0 = now(), t1;
    int st;
    pid_t pid;

    if (i0 < 0)
        return fail("/proc/interrupts");
    pid = fork();
    if (pid < 0)
        return fail("fork");
    if (pid == 0) {
        execvp(argv[0], argv);
        fail(argv[0]);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) < 0)
        return fail("waitpid");
    t1 = now();
    i1 = irq_total(names);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("dom0io: error: %s failed (status 0x%x)\n", argv[0], st);
        return 1;
    }
    if (i1 < i0 || t1 <= t0) {
        printf("dom0io: error: no time passed or the interrupt count fell\n");
        return 1;
    }
    report("time", bytes, t1 - t0, i1 - i0);
    return 0;
}

static int write_all(int s, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(s, p, len);

        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Sends TOTAL bytes of a pattern; -1 on a write error. */
static int send_bytes(int s, uint64_t total)
{
    static char buf[NETBUF];
    uint64_t sent = 0;

    memset(buf, 0xa5, sizeof(buf));
    while (sent < total) {
        size_t want = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);

        if (write_all(s, buf, want) < 0)
            return -1;
        sent += want;
    }
    return 0;
}

/* Reads to the end of the stream; the byte count, or -1 on a read error. */
static long long drain(int s)
{
    static char buf[NETBUF];
    long long total = 0;
    ssize_t n;

    while ((n = read(s, buf, sizeof(buf))) > 0)
        total += n;
    return n < 0 ? -1 : total;
}

/* dom0's side of one transfer on the accepted socket S: CMD 'R' or 'T'. */
static int serve_one(int s, char cmd, long mib, const char *names)
{
    unsigned char hdr[5] = { (unsigned char)cmd, (unsigned char)(mib >> 24),
                             (unsigned char)(mib >> 16), (unsigned char)(mib >> 8),
                             (unsigned char)mib };
    uint64_t want = (uint64_t)mib << 20;
    long long i0 = irq_total(names), i1, got;
    double t0 = now(), t1;

    if (i0 < 0)
        return fail("/proc/interrupts");
    if (write_all(s, hdr, sizeof(hdr)) < 0)
        return fail("write of the command");
    if (cmd == 'R') {
        got = drain(s);
        if (got < 0)
            return fail("read");
        if ((uint64_t)got != want) {
            printf("dom0io: error: tcp-rx: %lld bytes received, %llu sent\n", got,
                   (unsigned long long)want);
            return 1;
        }
    } else {
        if (send_bytes(s, want) < 0)
            return fail("write");
        shutdown(s, SHUT_WR);
        /* The host closes once it has read everything. */
        if (drain(s) < 0)
            return fail("read of the host's close");
    }
    t1 = now();
    i1 = irq_total(names);
    report(cmd == 'R' ? "tcp-rx" : "tcp-tx", want, t1 - t0, i1 >= i0 ? i1 - i0 : -1);
    return 0;
}

static int listen_on(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

    if (ls < 0)
        return fail("socket"), -1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 4) < 0)
        return fail("bind/listen"), -1;
    return ls;
}

/* An accepted connection whose first byte is the client's 'h'; others are dropped. */
static int accept_client(int ls)
{
    for (;;) {
        char c = 0;
        int s = accept(ls, NULL, NULL);

        if (s < 0)
            return fail("accept"), -1;
        if (read(s, &c, 1) == 1 && c == 'h')
            return s;
        close(s);
    }
}

static int cmd_serve(int port, long mib, const char *names)
{
    const char cmds[] = { 'R', 'T' };
    int ls = listen_on(port);

    if (ls < 0)
        return 1;
    printf("dom0io: listening on %d\n", port);
    for (size_t i = 0; i < sizeof(cmds); i++) {
        int s = accept_client(ls), rc;

        if (s < 0)
            return 1;
        rc = serve_one(s, cmds[i], mib, names);
        close(s);
        if (rc)
            return rc;
    }
    close(ls);
    return 0;
}

/* The host's side of one connection: 1 after the tcp-tx transfer, 0 after tcp-rx, -1 to retry. */
static int client_one(const struct sockaddr_in *a)
{
    struct timeval tv = { .tv_sec = 30 }, none = { 0 };
    unsigned char hdr[5];
    size_t have = 0;
    uint64_t want;
    long long got;
    double t0;
    int s = socket(AF_INET, SOCK_STREAM, 0);

    if (s < 0)
        return fail("socket"), -2;
    /* A connection QEMU accepted but cannot hand to dom0 ends or stays silent. */
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(s, (const struct sockaddr *)a, sizeof(*a)) < 0 || write_all(s, "h", 1) < 0)
        goto retry;
    while (have < sizeof(hdr)) {
        ssize_t n = read(s, hdr + have, sizeof(hdr) - have);

        if (n <= 0)
            goto retry;
        have += (size_t)n;
    }
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
    want = ((uint64_t)hdr[1] << 24 | (uint64_t)hdr[2] << 16 | (uint64_t)hdr[3] << 8 | hdr[4]) << 20;
    t0 = now();
    if (hdr[0] == 'R') {
        if (send_bytes(s, want) < 0)
            return close(s), fail("write"), -2;
        shutdown(s, SHUT_WR);
        if (drain(s) < 0)
            return close(s), fail("read"), -2;
        report("host tcp-rx", want, now() - t0, -1);
        close(s);
        return 0;
    }
    if (hdr[0] != 'T') {
        printf("dom0io: error: unknown command byte 0x%02x from dom0\n", hdr[0]);
        return close(s), -2;
    }
    got = drain(s);
    if (got < 0)
        return close(s), fail("read"), -2;
    if ((uint64_t)got != want) {
        printf("dom0io: error: tcp-tx: %lld bytes received, %llu sent\n", got,
               (unsigned long long)want);
        return close(s), -2;
    }
    report("host tcp-tx", want, now() - t0, -1);
    close(s);
    return 1;
retry:
    close(s);
    return -1;
}

static int cmd_client(const char *host, int port, double secs)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    double give_up = now() + secs;

    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        printf("dom0io: error: '%s' is not an IPv4 address\n", host);
        return 1;
    }
    for (;;) {
        int rc = client_one(&a);

        if (rc == 1)
            return 0;
        if (rc == -2)
            return 1;
        if (rc == -1 && now() > give_up) {
            printf("dom0io: error: no transfer with %s:%d within %.0f s\n", host, port, secs);
            return 1;
        }
        if (rc == -1)
            usleep(500000);
    }
}

/* A positive decimal number at most MAX, else -1. */
static long number(const char *s, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || v > max)
        return -1;
    return v;
}

static int usage(void)
{
    fprintf(stderr, "usage: dom0io time IRQS BYTES CMD [ARG...] | serve PORT MIB IRQS |"
                    " client HOST PORT SECS | irqs IRQS [FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 5 && strcmp(argv[1], "time") == 0) {
        long long bytes = strtoll(argv[3], NULL, 10);

        if (bytes <= 0)
            return usage();
        return cmd_time(argv[2], (uint64_t)bytes, argv + 4);
    }
    if (argc == 5 && strcmp(argv[1], "serve") == 0) {
        long port = number(argv[2], 65535), mib = number(argv[3], MAX_MIB);

        if (port < 0 || mib < 0)
            return usage();
        return cmd_serve((int)port, mib, argv[4]);
    }
    if (argc == 5 && strcmp(argv[1], "client") == 0) {
        long port = number(argv[3], 65535), secs = number(argv[4], 86400);

        if (port < 0 || secs < 0)
            return usage();
        return cmd_client(argv[2], (int)port, (double)secs);
    }
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "irqs") == 0) {
        long long n = irq_total_in(argc == 4 ? argv[3] : "/proc/interrupts", argv[2]);

        if (n < 0)
            return fail(argc == 4 ? argv[3] : "/proc/interrupts");
        printf("%lld\n", n);
        return 0;
    }
    return usage();
}
