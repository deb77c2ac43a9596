/*
 * splitio: the small I/O programs of bench/split-io.sh, run in a domU and
 * in dom0 (linked statically into the --blk initramfs).
 *
 *   splitio rand DEV read|write SECONDS
 *       4 KiB requests at random 4 KiB-aligned offsets of the block device
 *       or file DEV, opened with O_DIRECT, one at a time (queue depth 1),
 *       for SECONDS; prints "splitio: rand read|write iops N ops M secs S".
 *   splitio recv PORT
 *       accepts one TCP connection on PORT and reads it to its end;
 *       prints "splitio: recv bytes N secs S MBps R" (from the first byte
 *       to the end of the stream; MB = 10^6 bytes).
 *   splitio send HOST PORT MIB
 *       connects to HOST:PORT (numeric IPv4, retried for 30 s), writes MIB
 *       MiB and closes; prints "splitio: send bytes N secs S MBps R".
 *   splitio ctl-recv PORT
 *       accepts one TCP connection on PORT, prints what it sends (one
 *       line, at most 255 bytes) and closes: how dom0 hands its domUs
 *       their next command.
 *   splitio ctl-send HOST PORT TEXT
 *       connects to HOST:PORT (retried for 30 s) and sends TEXT and a
 *       newline.
 *
 * Exit status 0 on success; one "splitio: error: ..." line and status 1
 * otherwise.  Time is CLOCK_MONOTONIC (in a domU: the Xen clock source).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLK 4096
#define NETBUF (128 * 1024)

static int die(const char *what)
{
    printf("splitio: error: %s: %s\n", what, strerror(errno));
    return 1;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64: offsets that differ between runs but need no libc state. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int cmd_rand(const char *dev, const char *mode, double secs)
{
    int write_ = strcmp(mode, "write") == 0;
    int fd = open(dev, (write_ ? O_RDWR : O_RDONLY) | O_DIRECT);
    uint64_t size = 0, blocks, seed, ops = 0;
    struct stat st;
    void *buf;
    double t0, t;

    if (!write_ && strcmp(mode, "read") != 0) {
        printf("splitio: error: rand: mode '%s' is not read or write\n", mode);
        return 1;
    }
    if (fd < 0)
        return die(dev);
    if (fstat(fd, &st) < 0)
        return die("fstat");
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, &size) < 0)
            return die("BLKGETSIZE64");
    } else {
        size = (uint64_t)st.st_size;
    }
    blocks = size / BLK;
    if (blocks == 0) {
        printf("splitio: error: %s: smaller than %d bytes\n", dev, BLK);
        return 1;
    }
    if (posix_memalign(&buf, BLK, BLK) != 0) {
        printf("splitio: error: out of memory\n");
        return 1;
    }
    memset(buf, 0x5a, BLK);
    seed = (uint64_t)(now() * 1e9) | 1;
    t0 = now();
    do {
        for (int i = 0; i < 16; i++) {
            off_t off = (off_t)(rnd(&seed) % blocks) * BLK;
            ssize_t n = write_ ? pwrite(fd, buf, BLK, off) : pread(fd, buf, BLK, off);

            if (n != BLK)
                return die(write_ ? "pwrite" : "pread");
            ops++;
        }
        t = now() - t0;
    } while (t < secs);
    if (write_ && fsync(fd) < 0)
        return die("fsync");
    printf("splitio: rand %s iops %.0f ops %llu secs %.3f\n", mode, (double)ops / t,
           (unsigned long long)ops, t);
    return 0;
}

/* A connected TCP socket to host:port, retried for 30 s; -1 after an error line. */
static int connect_to(const char *host, int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    double give_up = now() + 30;
    int s;

    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        printf("splitio: error: '%s' is not an IPv4 address\n", host);
        return -1;
    }
    for (;;) {
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) {
            die("socket");
            return -1;
        }
        if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
            return s;
        close(s);
        if (now() > give_up) {
            die("connect");
            return -1;
        }
        usleep(100000);
    }
}

static int listen_on(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

    if (ls < 0)
        return die("socket"), -1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0)
        return die("bind/listen"), -1;
    return ls;
}

static int cmd_recv(int port)
{
    int ls = listen_on(port), s;
    static char buf[NETBUF];
    uint64_t total = 0;
    double t0 = 0, t1;
    ssize_t n;

    if (ls < 0)
        return 1;
    s = accept(ls, NULL, NULL);
    if (s < 0)
        return die("accept");
    while ((n = read(s, buf, sizeof(buf))) > 0) {
        if (total == 0)
            t0 = now();
        total += (uint64_t)n;
    }
    if (n < 0)
        return die("read");
    t1 = now();
    if (total == 0 || t1 <= t0) {
        printf("splitio: error: recv: nothing received\n");
        return 1;
    }
    printf("splitio: recv bytes %llu secs %.3f MBps %.1f\n", (unsigned long long)total, t1 - t0,
           (double)total / (t1 - t0) / 1e6);
    return 0;
}

static int cmd_ctl_recv(int port)
{
    char line[256];
    size_t len = 0;
    ssize_t n;
    int ls = listen_on(port), s;

    if (ls < 0)
        return 1;
    s = accept(ls, NULL, NULL);
    if (s < 0)
        return die("accept");
    while (len < sizeof(line) - 1 && (n = read(s, line + len, sizeof(line) - 1 - len)) > 0) {
        len += (size_t)n;
        if (memchr(line, '\n', len))
            break;
    }
    line[len] = 0;
    fputs(line, stdout);
    close(s);
    close(ls);
    return 0;
}

static int cmd_ctl_send(const char *host, int port, const char *text)
{
    int s = connect_to(host, port);

    if (s < 0)
        return 1;
    if (write(s, text, strlen(text)) < 0 || write(s, "\n", 1) != 1)
        return die("write");
    close(s);
    return 0;
}

static int cmd_send(const char *host, int port, long mib)
{
    static char buf[NETBUF];
    uint64_t total = (uint64_t)mib << 20, sent = 0;
    double t0, t1;
    int s = connect_to(host, port);

    if (s < 0)
        return 1;
    memset(buf, 0xa5, sizeof(buf));
    t0 = now();
    while (sent < total) {
        size_t want = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
        ssize_t n = write(s, buf, want);

        if (n <= 0)
            return die("write");
        sent += (uint64_t)n;
    }
    shutdown(s, SHUT_WR);
    /* Wait for the receiver's close: the data has arrived, not only left. */
    while (read(s, buf, sizeof(buf)) > 0)
        ;
    t1 = now();
    close(s);
    printf("splitio: send bytes %llu secs %.3f MBps %.1f\n", (unsigned long long)sent, t1 - t0,
           (double)sent / (t1 - t0) / 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && strcmp(argv[1], "rand") == 0)
        return cmd_rand(argv[2], argv[3], atof(argv[4]));
    if (argc == 3 && strcmp(argv[1], "recv") == 0)
        return cmd_recv(atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "ctl-recv") == 0)
        return cmd_ctl_recv(atoi(argv[2]));
    if (argc == 5 && strcmp(argv[1], "ctl-send") == 0)
        return cmd_ctl_send(argv[2], atoi(argv[3]), argv[4]);
    if (argc == 5 && strcmp(argv[1], "send") == 0)
        return cmd_send(argv[2], atoi(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: splitio rand DEV read|write SECONDS | recv PORT | send HOST PORT MIB |"
                    " ctl-recv PORT | ctl-send HOST PORT TEXT\n");
    return 2;
}
