/*
 * create-watch: the stopwatch of bench/create.sh, run in dom0 (static).
 *
 *   create-watch LOGDIR PREFIX N MARKER TIMEOUT_S CMD
 *
 * Takes t0 (CLOCK_MONOTONIC), runs `sh -c CMD` (the toolstack's creates
 * of domains PREFIX1..PREFIXN, back to back; CMD touches
 * /tmp/created/PREFIXi when create i has returned), and polls every 5 ms
 * the console logs LOGDIR/guest-PREFIXi.log written by the console daemon
 * (keel-consoled or xenconsoled --log=guest) for each guest's first
 * complete line and for MARKER, the line its /init prints.  Prints, in
 * seconds since t0:
 *
 *   watch: PREFIXi created T first T init T       (one line per domain)
 *   watch: all N created T first T init T status S
 *
 * ("all": the last domain's time for each event; S: CMD's exit status).
 * A time not seen before TIMEOUT_S prints "?" and the exit status is 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DOMS 64
#define POLL_NS 5000000L

struct dom {
    char log[512], created[512];
    off_t off;              /* bytes of the log scanned so far */
    char tail[128];         /* the last bytes scanned (a marker split by a read) */
    size_t tail_len;
    double t_created, t_first, t_init;   /* < 0: not yet */
};

static double now(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* New bytes of d's log: a newline means a first line; MARKER its init. */
static void scan(struct dom *d, const char *marker, double t)
{
    char buf[8192 + sizeof(d->tail)];
    size_t mlen = strlen(marker);
    int fd = open(d->log, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return;
    for (;;) {
        memcpy(buf, d->tail, d->tail_len);
        n = pread(fd, buf + d->tail_len, 8192, d->off);
        if (n <= 0)
            break;
        d->off += n;
        if (d->t_first < 0 && memchr(buf + d->tail_len, '\n', (size_t)n))
            d->t_first = t;
        if (d->t_init < 0 && memmem(buf, d->tail_len + (size_t)n, marker, mlen))
            d->t_init = t;
        /* keep the last mlen - 1 bytes for a marker cut in two */
        size_t all = d->tail_len + (size_t)n, keep = mlen > 1 ? mlen - 1 : 0;
        if (keep > sizeof(d->tail))
            keep = sizeof(d->tail);
        if (keep > all)
            keep = all;
        memmove(d->tail, buf + all - keep, keep);
        d->tail_len = keep;
    }
    close(fd);
}

static void put(double t)
{
    if (t < 0)
        printf(" ?");
    else
        printf(" %.3f", t);
}

int main(int argc, char **argv)
{
    static struct dom doms[MAX_DOMS];
    struct timespec t0, nap = { 0, POLL_NS };
    int n, i, status = -1, done, missing = 0;
    double timeout, t = 0, last[3];
    pid_t pid;

    if (argc != 7 || (n = atoi(argv[3])) < 1 || n > MAX_DOMS || strlen(argv[4]) == 0 ||
        strlen(argv[4]) > 100 || (timeout = atof(argv[5])) <= 0) {
        fprintf(stderr, "usage: create-watch LOGDIR PREFIX N(1-%d) MARKER TIMEOUT_S CMD\n",
                MAX_DOMS);
        return 2;
    }
    for (i = 0; i < n; i++) {
        snprintf(doms[i].log, sizeof(doms[i].log), "%s/guest-%s%d.log", argv[1], argv[2], i + 1);
        snprintf(doms[i].created, sizeof(doms[i].created), "/tmp/created/%s%d", argv[2], i + 1);
        doms[i].t_created = doms[i].t_first = doms[i].t_init = -1;
    }
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0) {
        perror("create-watch: fork");
        return 1;
    }
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", argv[6], (char *)NULL);
        perror("create-watch: /bin/sh");
        _exit(127);
    }
    for (;;) {
        t = now(&t0);
        done = 1;
        for (i = 0; i < n; i++) {
            struct dom *d = &doms[i];
            struct stat st;

            if (d->t_created < 0 && stat(d->created, &st) == 0)
                d->t_created = t;
            if (d->t_first < 0 || d->t_init < 0)
                scan(d, argv[4], t);
            if (d->t_created < 0 || d->t_first < 0 || d->t_init < 0)
                done = 0;
        }
        if (status < 0) {
            int s;
            if (waitpid(pid, &s, WNOHANG) == pid)
                status = WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
        }
        /* done, or a create failed (the figures then stay missing) */
        if ((done && status >= 0) || status > 0 || t > timeout)
            break;
        nanosleep(&nap, NULL);
    }
    last[0] = last[1] = last[2] = 0;
    for (i = 0; i < n; i++) {
        struct dom *d = &doms[i];
        double v[3] = { d->t_created, d->t_first, d->t_init };

        printf("watch: %s%d created", argv[2], i + 1);
        put(v[0]);
        printf(" first");
        put(v[1]);
        printf(" init");
        put(v[2]);
        printf("\n");
        for (int k = 0; k < 3; k++) {
            if (v[k] < 0)
                missing = 1;
            if (last[k] >= 0)
                last[k] = v[k] < 0 ? -1 : (v[k] > last[k] ? v[k] : last[k]);
        }
    }
    printf("watch: all %d created", n);
    put(last[0]);
    printf(" first");
    put(last[1]);
    printf(" init");
    put(last[2]);
    printf(" status %d\n", status);
    if (status < 0)
        kill(pid, SIGKILL);
    return missing || status != 0;
}
