/*
 * keel top: a live per-domain table as xentop (tools/xentop in Xen 4.17):
 * state, CPU seconds, CPU % over the last interval, memory and its share
 * of the host, the memory limit, vCPUs.  `-b`/`--batch` prints the table
 * every interval to stdout (for scripts, as `xentop -b`); `-d SECONDS`
 * sets the interval (default 3, as xentop); `-i N` stops after N tables.
 * Interactive mode redraws the terminal each interval (ANSI clear) until
 * interrupted.  Network and disk columns come with the split drivers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"

#define MAX_DOMAINS 1024

struct sample {
    struct xen_domctl_getdomaininfo d[MAX_DOMAINS];
    int n;
    uint64_t wall_ns;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int take(struct keelctl *h, struct sample *s)
{
    s->wall_ns = now_ns();
    s->n = keelctl_domain_list(h, 0, s->d, MAX_DOMAINS);
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

static const struct xen_domctl_getdomaininfo *find(const struct sample *s, domid_t id)
{
    int i;

    for (i = 0; i < s->n; i++)
        if (s->d[i].domain == id)
            return &s->d[i];
    return NULL;
}

static void print_table(const struct sample *prev, const struct sample *cur, uint64_t total_pages)
{
    uint64_t dt = cur->wall_ns - prev->wall_ns;
    int i;

    printf("%10s %6s %10s %6s %10s %6s %10s %9s %5s\n", "NAME", "STATE", "CPU(sec)",
           "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS");
    for (i = 0; i < cur->n; i++) {
        const struct xen_domctl_getdomaininfo *d = &cur->d[i], *p = find(prev, d->domain);
        char name[64], st[7], pct[16];
        double cpu = 0;

        keel_domain_name(d->domain, name, sizeof(name));
        state_str(d->flags, st);
        if (p != NULL && dt > 0 && d->cpu_time >= p->cpu_time)
            cpu = 100.0 * (double)(d->cpu_time - p->cpu_time) / (double)dt;
        if (p != NULL && dt > 0)
            snprintf(pct, sizeof(pct), "%6.1f", cpu);
        else
            snprintf(pct, sizeof(pct), "%6s", "?");     /* no earlier sample */
        printf("%10.10s %6s %10" PRIu64 " %s %10" PRIu64 " %6.1f %10" PRIu64 " %9.1f %5u\n",
               name, st, d->cpu_time / UINT64_C(1000000000), pct, d->tot_pages * 4,
               total_pages ? 100.0 * (double)d->tot_pages / (double)total_pages : 0.0,
               d->max_pages * 4,
               total_pages ? 100.0 * (double)d->max_pages / (double)total_pages : 0.0,
               d->nr_online_vcpus);
    }
}

int keel_cmd_top(int argc, char **argv)
{
    static struct sample a, b;
    struct sample *prev = &a, *cur = &b, *t;
    struct xen_sysctl_physinfo pi;
    long delay = 3, iterations = -1, n;
    int batch = 0, i, rc = 0;
    struct keelctl h;
    char *end;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-b") || !strcmp(argv[i], "--batch"))
            batch = 1;
        else if ((!strcmp(argv[i], "-d") || !strcmp(argv[i], "-i")) && i + 1 < argc) {
            n = strtol(argv[i + 1], &end, 10);
            if (*end || end == argv[i + 1] || n < (argv[i][1] == 'd' ? 1 : 0) || n > 86400) {
                fprintf(stderr, "keel top: %s %s: expected a whole number of %s\n", argv[i],
                        argv[i + 1], argv[i][1] == 'd' ? "seconds >= 1" : "iterations");
                return 1;
            }
            if (argv[i][1] == 'd')
                delay = n;
            else
                iterations = n;
            i++;
        } else {
            fprintf(stderr, "keel top: unknown argument '%s' (keel top [-b] [-d SECONDS] [-i N])\n",
                    argv[i]);
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
        sleep((unsigned int)delay);
        if ((rc = take(&h, cur)) < 0) {
            fprintf(stderr, "keel top: cannot read the domains: %s\n", strerror(-rc));
            break;
        }
        if (!batch)
            printf("\033[H\033[2J");
        print_table(prev, cur, pi.total_pages);
        if (batch)
            printf("\n");
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
