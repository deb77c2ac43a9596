/*
 * isoprog: the probes and aggressors of `keel bench isolation` (issue 17,
 * docs/isolation.md), run inside a stock Linux domU by init.sh when the
 * kernel command line has keel.iso=MODE (keel.iso_interval=MS sets the
 * reporting interval, default 500).  Built static into the domUs'
 * initramfs (build-initramfs.sh).
 *
 * Probes print "ISO-READY MODE" once, then every interval one line
 *     ISO-SAMPLE MODE SEQ VALUE
 * on stdout (the domU's console), forever:
 *     probe-timer  mean overshoot in us of 1 ms relative sleeps
 *                  (clock_nanosleep: timer fires -> the task runs again)
 *     probe-cpu    a fixed integer loop's rate, in millions of
 *                  iterations per second of wall time
 *     probe-mem    memory bandwidth, MB/s of memcpy over 8 MiB buffers
 * Aggressors print "ISO-READY MODE" and then run until the domain dies:
 *     cpu    a busy loop
 *     mem    memset over a 16 MiB buffer, again and again
 *     fork   fork + _exit + wait, again and again (page-table churn)
 *     hcall  mmap, touch, munmap 4 pages and getppid(), again and again:
 *            each syscall returns through the iret hypercall, each munmap
 *            updates page tables (mmu_update / update_va_mapping) and
 *            flushes the TLB
 * Exit status 2 with one line on stderr for an unknown mode.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

int main(int argc, char **argv)
{
    double interval = 0.5;

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
    else if (!strcmp(argv[1], "cpu"))
        agg_cpu();
    else if (!strcmp(argv[1], "mem"))
        agg_mem();
    else if (!strcmp(argv[1], "fork"))
        agg_fork();
    else if (!strcmp(argv[1], "hcall"))
        agg_hcall();
    fprintf(stderr, "isoprog: unknown mode '%s' (probe-timer, probe-cpu, probe-mem, cpu, mem, fork, hcall)\n",
            argc >= 2 ? argv[1] : "");
    return 2;
}
