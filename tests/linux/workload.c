/*
 * workload: a user-space stress test for a Linux guest (dom0 or native),
 * run by the initramfs of tests/linux.  It exercises what a PV hypervisor
 * must get right under an unmodified kernel: page-table churn (fork, exec,
 * mmap, mprotect, munmap), page faults and signal delivery, context
 * switches through blocking pipes, bulk memory integrity across several
 * processes, and timers.
 *
 *   workload [forks=N] [mmaps=N] [pipes=N] [memprocs=N] [memmib=N]
 *            [sleeps=0|1] [steptimeout=S]
 *
 * Each step prints "workload: <step>: <figures> ok" or "... FAIL (<why>)".
 * Exit status: 0 iff every step passed (a count of 0 skips its step).
 * A watchdog (alarm) ends the run if one step takes longer than
 * steptimeout seconds, so that a hang is reported with the step's name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct params {
    unsigned long forks;        /* fork+exec of /bin/true */
    unsigned long mmaps;        /* mmap/touch/mprotect/munmap rounds */
    unsigned long pipes;        /* pipe round trips */
    unsigned long memprocs;     /* processes in the memory check */
    unsigned long memmib;       /* MiB per process in the memory check */
    unsigned long sleeps;       /* 1: run the sleep checks */
    unsigned long steptimeout;  /* seconds before the watchdog fires */
    unsigned long micro;        /* 1: run the microbenchmarks (bench/) */
};

static struct params params = {
    .forks = 2000, .mmaps = 2000, .pipes = 20000,
    .memprocs = 4, .memmib = 48, .sleeps = 1, .steptimeout = 120,
};

static const char *current_step = "start";

/* Upper bounds keep a typo on the kernel command line from asking for
 * something absurd (e.g. memmib=480000). */
static const struct {
    const char *name;
    unsigned long *value;
    unsigned long max;
} param_table[] = {
    { "forks", &params.forks, 10000000 },
    { "mmaps", &params.mmaps, 10000000 },
    { "pipes", &params.pipes, 100000000 },
    { "memprocs", &params.memprocs, 64 },
    { "memmib", &params.memmib, 4096 },
    { "sleeps", &params.sleeps, 1 },
    { "steptimeout", &params.steptimeout, 86400 },
    { "micro", &params.micro, 1 },
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;

    printf("workload: %s: ", current_step);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static double now_s(clockid_t clk)
{
    struct timespec ts;

    if (clock_gettime(clk, &ts) != 0)
        return -1.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns 0, or -1 after printing why ARG is not NAME=NUMBER within bounds. */
static int parse_param(const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t i, len;

    if (eq == NULL) {
        fprintf(stderr, "workload: argument '%s' is not NAME=NUMBER\n", arg);
        return -1;
    }
    len = (size_t)(eq - arg);
    for (i = 0; i < sizeof(param_table) / sizeof(param_table[0]); i++) {
        char *end;
        unsigned long v;

        if (strlen(param_table[i].name) != len || strncmp(arg, param_table[i].name, len) != 0)
            continue;
        errno = 0;
        v = strtoul(eq + 1, &end, 10);
        if (errno != 0 || end == eq + 1 || *end != '\0' || eq[1] == '-' ||
            v > param_table[i].max) {
            fprintf(stderr, "workload: %s: '%s' is not a number in 0..%lu\n",
                    param_table[i].name, eq + 1, param_table[i].max);
            return -1;
        }
        *param_table[i].value = v;
        return 0;
    }
    fprintf(stderr, "workload: unknown parameter '%.*s' (known: forks mmaps pipes "
            "memprocs memmib sleeps steptimeout)\n", (int)len, arg);
    return -1;
}

/* ---- watchdog ---------------------------------------------------------- */

static void watchdog(int sig)
{
    char msg[160];
    int n;

    (void)sig;
    n = snprintf(msg, sizeof(msg), "workload: %s: FAIL (no result after %lu s; watchdog)\n",
                 current_step, params.steptimeout);
    if (n > 0)
        (void)!write(STDOUT_FILENO, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    kill(0, SIGKILL);   /* the whole process group: us and any children */
    _exit(124);
}

static void step_begin(const char *name)
{
    current_step = name;
    alarm((unsigned)params.steptimeout);
}

/* ---- 1. fork + exec ---------------------------------------------------- */

static bool step_fork_exec(void)
{
    unsigned long i, bad = 0;
    double t0, dt;

    step_begin("fork-exec");
    t0 = now_s(CLOCK_MONOTONIC);
    for (i = 0; i < params.forks; i++) {
        int status;
        pid_t pid = fork();

        if (pid < 0) {
            say("fork #%lu failed: %s FAIL", i, strerror(errno));
            return false;
        }
        if (pid == 0) {
            char *const argv[] = { "true", NULL };
            char *const envp[] = { NULL };

            execve("/bin/true", argv, envp);
            _exit(127);
        }
        if (waitpid(pid, &status, 0) != pid) {
            say("waitpid #%lu failed: %s FAIL", i, strerror(errno));
            return false;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (bad == 0)
                say("exec #%lu: %s %d", i, WIFEXITED(status) ? "exit status" : "killed by signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            bad++;
        }
    }
    dt = now_s(CLOCK_MONOTONIC) - t0;
    say("%lu fork+exec of /bin/true in %.2f s (%.0f us each), %lu failed %s",
        params.forks, dt, params.forks ? dt * 1e6 / (double)params.forks : 0.0, bad,
        bad == 0 ? "ok" : "FAIL");
    return bad == 0;
}

/* ---- 2. mmap / mprotect / munmap churn --------------------------------- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;
static void *volatile fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (!fault_armed) {
        /* An unexpected fault: report it and die the normal way. */
        static const char msg[] = "workload: unexpected SIGSEGV\n";
        (void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
        signal(SIGSEGV, SIG_DFL);
        return;
    }
    fault_armed = 0;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(fault_jmp, 1);
}

/* Writes to P and returns true iff that raised SIGSEGV at P with CODE. */
static bool write_faults(volatile unsigned char *p, int code)
{
    fault_addr = NULL;
    fault_code = 0;
    if (sigsetjmp(fault_jmp, 1) == 0) {
        fault_armed = 1;
        *p = 0x5a;
        fault_armed = 0;
        return false;
    }
    return fault_addr == (void *)p && fault_code == code;
}

/* Reads P and returns true iff that raised SIGSEGV at P with CODE. */
static bool read_faults(volatile unsigned char *p, int code)
{
    fault_addr = NULL;
    fault_code = 0;
    if (sigsetjmp(fault_jmp, 1) == 0) {
        fault_armed = 1;
        (void)*p;
        fault_armed = 0;
        return false;
    }
    return fault_addr == (void *)p && fault_code == code;
}

/* One round: map NPAGES, fill, verify, make read-only, check a write
 * faults (SEGV_ACCERR) and left the data intact, make writable again,
 * unmap; every 16th round also checks that the unmapped range faults. */
static const char *mmap_round(unsigned long round, size_t npages, size_t pg)
{
    size_t len = npages * pg, i;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint64_t tag = (uint64_t)round * 0x9e3779b97f4a7c15ull;

    if (p == MAP_FAILED)
        return "mmap failed";
    /* Per page: a byte at offset 0 and a tag at a page-dependent offset. */
    for (i = 0; i < npages; i++) {
        p[i * pg] = (unsigned char)(i + round);
        memcpy(p + i * pg + 8 + (i * 8) % (pg - 16), &tag, sizeof(tag));
    }
    for (i = 0; i < npages; i++) {
        uint64_t v;

        memcpy(&v, p + i * pg + 8 + (i * 8) % (pg - 16), sizeof(v));
        if (p[i * pg] != (unsigned char)(i + round) || v != tag)
            return "page contents wrong after fill";
    }
    if (mprotect(p, len, PROT_READ) != 0)
        return "mprotect(PROT_READ) failed";
    if (!write_faults(p + (round % npages) * pg + 1, SEGV_ACCERR))
        return "write to a read-only page did not fault with SEGV_ACCERR at its address";
    for (i = 0; i < npages; i++)
        if (p[i * pg] != (unsigned char)(i + round))
            return "page contents wrong after mprotect";
    if (mprotect(p, len, PROT_READ | PROT_WRITE) != 0)
        return "mprotect(PROT_READ|PROT_WRITE) failed";
    p[(round % npages) * pg + 1] = 0xa5;    /* must not fault now */
    if (munmap(p, len) != 0)
        return "munmap failed";
    if (round % 16 == 0 && !read_faults(p + (round % npages) * pg, SEGV_MAPERR))
        return "read of an unmapped page did not fault with SEGV_MAPERR";
    return NULL;
}

static bool step_mmap(void)
{
    struct sigaction sa;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    unsigned long i, faults_expected = 0;
    double t0, dt;

    step_begin("mmap-mprotect");
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0) {
        say("sigaction failed FAIL");
        return false;
    }
    t0 = now_s(CLOCK_MONOTONIC);
    for (i = 0; i < params.mmaps; i++) {
        size_t npages = 1 + i % 32;     /* 1..32 pages; spans page tables */
        const char *err = mmap_round(i, npages, pg);

        if (err != NULL) {
            say("round %lu (%zu pages): %s FAIL", i, npages, err);
            signal(SIGSEGV, SIG_DFL);
            return false;
        }
        faults_expected += 1 + (i % 16 == 0);
    }
    dt = now_s(CLOCK_MONOTONIC) - t0;
    signal(SIGSEGV, SIG_DFL);
    say("%lu rounds of mmap/touch/mprotect/munmap in %.2f s, %lu SIGSEGVs caught as expected ok",
        params.mmaps, dt, faults_expected);
    return true;
}

/* ---- 3. pipe ping-pong ------------------------------------------------- */

static bool step_pipe(void)
{
    int to_child[2], to_parent[2], status;
    unsigned long i, bad = 0;
    double t0, dt;
    pid_t pid;

    step_begin("pipe-pingpong");
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        say("pipe failed: %s FAIL", strerror(errno));
        return false;
    }
    pid = fork();
    if (pid < 0) {
        say("fork failed: %s FAIL", strerror(errno));
        return false;
    }
    if (pid == 0) {
        unsigned char b;

        close(to_child[1]);
        close(to_parent[0]);
        /* Echo each byte back, complemented, until end of file. */
        while (read(to_child[0], &b, 1) == 1) {
            b = (unsigned char)~b;
            if (write(to_parent[1], &b, 1) != 1)
                _exit(2);
        }
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    t0 = now_s(CLOCK_MONOTONIC);
    for (i = 0; i < params.pipes; i++) {
        unsigned char out = (unsigned char)(i * 131 + (i >> 8)), in;

        if (write(to_child[1], &out, 1) != 1 || read(to_parent[0], &in, 1) != 1) {
            say("round trip %lu: pipe I/O failed: %s FAIL", i, strerror(errno));
            close(to_child[1]);
            waitpid(pid, &status, 0);
            return false;
        }
        if (in != (unsigned char)~out) {
            if (bad == 0)
                say("round trip %lu: sent 0x%02x, got 0x%02x, expected 0x%02x", i, out, in,
                    (unsigned char)~out);
            bad++;
        }
    }
    dt = now_s(CLOCK_MONOTONIC) - t0;
    close(to_child[1]);
    close(to_parent[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        say("echo process did not exit cleanly (status 0x%x) FAIL", status);
        return false;
    }
    say("%lu round trips in %.2f s (%.1f us each), %lu wrong bytes %s", params.pipes, dt,
        params.pipes ? dt * 1e6 / (double)params.pipes : 0.0, bad, bad == 0 ? "ok" : "FAIL");
    return bad == 0;
}

/* ---- 4. multi-process memory checksum ---------------------------------- */

struct mem_report {
    uint32_t index;
    uint32_t ok;            /* 1 if the child's own checks passed */
    uint64_t checksum;      /* over the filled buffer */
    uint64_t bad_words;     /* mismatches on re-read */
};

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static uint64_t mem_seed(unsigned long index)
{
    return 0x243f6a8885a308d3ull ^ ((uint64_t)(index + 1) * 0x9e3779b97f4a7c15ull);
}

static uint64_t mix(uint64_t sum, uint64_t v)
{
    return (sum ^ v) * 0x100000001b3ull + (sum >> 29);
}

/* The checksum a correct fill of WORDS words from SEED gives, computed
 * without memory: the parent uses it to check every child. */
static uint64_t expected_checksum(uint64_t seed, size_t words)
{
    uint64_t s = seed, sum = 0;
    size_t i;

    for (i = 0; i < words; i++)
        sum = mix(sum, xorshift64(&s) + i);
    return sum;
}

static void mem_child(unsigned long index, size_t bytes, int fd)
{
    struct mem_report r = { .index = (uint32_t)index, .ok = 1 };
    size_t words = bytes / sizeof(uint64_t), i;
    uint64_t *buf, s, sum = 0;

    buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        r.ok = 0;
        r.bad_words = words;
    } else {
        s = mem_seed(index);
        for (i = 0; i < words; i++)
            buf[i] = xorshift64(&s) + i;
        for (i = 0; i < words; i++)
            sum = mix(sum, buf[i]);
        r.checksum = sum;
        /* Yield so the siblings' fills interleave with our re-read. */
        sched_yield();
        s = mem_seed(index);
        for (i = 0; i < words; i++)
            if (buf[i] != xorshift64(&s) + i)
                r.bad_words++;
        if (r.bad_words != 0)
            r.ok = 0;
    }
    if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
        _exit(3);
    _exit(r.ok ? 0 : 1);
}

static bool step_memory(void)
{
    size_t bytes = (size_t)params.memmib << 20;
    size_t words = bytes / sizeof(uint64_t);
    unsigned long i, got = 0, failed = 0;
    int fds[2];
    double t0, dt;

    step_begin("memory-checksum");
    if (pipe(fds) != 0) {
        say("pipe failed: %s FAIL", strerror(errno));
        return false;
    }
    t0 = now_s(CLOCK_MONOTONIC);
    for (i = 0; i < params.memprocs; i++) {
        pid_t pid = fork();

        if (pid < 0) {
            say("fork #%lu failed: %s FAIL", i, strerror(errno));
            failed++;
            break;
        }
        if (pid == 0) {
            close(fds[0]);
            mem_child(i, bytes, fds[1]);
        }
    }
    close(fds[1]);
    for (;;) {
        struct mem_report r;
        ssize_t n = read(fds[0], &r, sizeof(r));

        if (n == 0)
            break;
        if (n != (ssize_t)sizeof(r) || r.index >= params.memprocs) {
            say("bad report from a child (%zd bytes) FAIL", n);
            failed++;
            break;
        }
        got++;
        if (!r.ok || r.checksum != expected_checksum(mem_seed(r.index), words)) {
            say("child %u: checksum %016" PRIx64 " (expected %016" PRIx64 "), %" PRIu64
                " bad words on re-read", r.index, r.checksum,
                expected_checksum(mem_seed(r.index), words), r.bad_words);
            failed++;
        }
    }
    close(fds[0]);
    for (;;) {
        int status;
        pid_t pid = wait(&status);

        if (pid < 0)
            break;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            say("child pid %d: %s %d", (int)pid, WIFEXITED(status) ? "exit status" : "killed by signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            failed++;
        }
    }
    dt = now_s(CLOCK_MONOTONIC) - t0;
    if (got != params.memprocs && failed == 0)
        failed++;
    say("%lu processes x %lu MiB (%lu MiB) filled, checksummed, re-read in %.2f s; "
        "%lu of %lu reports, %lu failures %s", params.memprocs, params.memmib,
        params.memprocs * params.memmib, dt, got, params.memprocs, failed,
        failed == 0 ? "ok" : "FAIL");
    return failed == 0;
}

/* ---- 5. sleeps --------------------------------------------------------- */

static bool sleep_once(double want)
{
    struct timespec ts = { .tv_sec = (time_t)want,
                           .tv_nsec = (long)((want - (double)(time_t)want) * 1e9) };
    double m0 = now_s(CLOCK_MONOTONIC), r0 = now_s(CLOCK_REALTIME), dm, dr;
    int rc;

    while ((rc = nanosleep(&ts, &ts)) != 0 && errno == EINTR)
        ;
    dm = now_s(CLOCK_MONOTONIC) - m0;
    dr = now_s(CLOCK_REALTIME) - r0;
    if (rc != 0) {
        say("nanosleep(%.3f s) failed: %s FAIL", want, strerror(errno));
        return false;
    }
    if (dm < want || dm >= 5 * want) {
        say("nanosleep(%.3f s): CLOCK_MONOTONIC advanced %.3f s, outside [%.3f, %.3f) FAIL",
            want, dm, want, 5 * want);
        return false;
    }
    say("nanosleep(%.3f s): CLOCK_MONOTONIC +%.3f s, CLOCK_REALTIME +%.3f s ok", want, dm, dr);
    return true;
}

static bool step_sleep(void)
{
    bool ok;

    step_begin("sleep");
    ok = sleep_once(0.2);
    ok = sleep_once(1.0) && ok;
    return ok;
}

/*
 * Microbenchmarks for bench/ (only with micro=1): a null system call, a
 * page fault on fresh anonymous memory, and memory copy bandwidth.  Each
 * prints one "micro: NAME VALUE UNIT" figure; each also checks a result
 * so that a broken run cannot print a plausible number.
 */
static bool step_micro(void)
{
    const unsigned long calls = 200000, pages = 8192;
    const size_t pg = (size_t)sysconf(_SC_PAGESIZE), bw_bytes = 32UL << 20;
    unsigned long i, sum = 0;
    double t;
    unsigned char *p, *q;
    pid_t me = getpid();

    step_begin("micro");
    t = now_s(CLOCK_MONOTONIC);
    for (i = 0; i < calls; i++)
        sum += (unsigned long)syscall(SYS_getpid) == (unsigned long)me;
    t = now_s(CLOCK_MONOTONIC) - t;
    say("null-syscall %.1f ns (%lu calls)", t * 1e9 / (double)calls, calls);
    p = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || sum != calls)
        return false;
    t = now_s(CLOCK_MONOTONIC);
    for (i = 0; i < pages; i++)
        p[i * pg] = (unsigned char)i;
    t = now_s(CLOCK_MONOTONIC) - t;
    say("page-fault %.2f us (%lu pages)", t * 1e6 / (double)pages, pages);
    munmap(p, pages * pg);
    p = malloc(bw_bytes);
    q = malloc(bw_bytes);
    if (!p || !q)
        return false;
    memset(p, 0x5a, bw_bytes);
    memset(q, 0, bw_bytes);
    t = now_s(CLOCK_MONOTONIC);
    for (i = 0; i < 8; i++)
        memcpy(q, p, bw_bytes);
    t = now_s(CLOCK_MONOTONIC) - t;
    say("memory-bandwidth %.0f MiB/s (%d x %zu MiB copies)", 8.0 * (double)(bw_bytes >> 20) / t,
        8, bw_bytes >> 20);
    sum = q[bw_bytes - 1] == 0x5a && q[0] == 0x5a;
    free(p);
    free(q);
    return sum == 1;
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    unsigned passed = 0, failed = 0;
    double t0;
    int i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 1; i < argc; i++)
        if (parse_param(argv[i]) != 0)
            return 2;
    /* Our own process group, so that the watchdog kills only us. */
    if (setpgid(0, 0) != 0)
        fprintf(stderr, "workload: setpgid failed: %s\n", strerror(errno));
    signal(SIGALRM, watchdog);
    printf("workload: forks=%lu mmaps=%lu pipes=%lu memprocs=%lu memmib=%lu sleeps=%lu "
           "steptimeout=%lu\n", params.forks, params.mmaps, params.pipes, params.memprocs,
           params.memmib, params.sleeps, params.steptimeout);
    t0 = now_s(CLOCK_MONOTONIC);

#define RUN(cond, fn) do { if (cond) { if (fn()) passed++; else failed++; } } while (0)
    RUN(params.forks > 0, step_fork_exec);
    RUN(params.mmaps > 0, step_mmap);
    RUN(params.pipes > 0, step_pipe);
    RUN(params.memprocs > 0 && params.memmib > 0, step_memory);
    RUN(params.sleeps > 0, step_sleep);
    RUN(params.micro > 0, step_micro);
#undef RUN
    alarm(0);
    current_step = "total";
    say("%u steps passed, %u failed, %.2f s %s", passed, failed, now_s(CLOCK_MONOTONIC) - t0,
        failed == 0 ? "ok" : "FAIL");
    return failed == 0 ? 0 : 1;
}
