/*
 * keel info / keel list: xl's output formats (tools/xl/xl_info.c in Xen
 * 4.17: "key : value" lines for info; list's header and columns, -l and
 * --json as JSON).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_cli.h"
#include <public/sched.h>

#define MAX_DOMAINS 1024

int keel_cmd_info(int argc, char **argv)
{
    struct xen_sysctl_physinfo pi;
    struct keelctl h;
    int rc;

    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "keel info: unexpected argument '%s'\n", argv[1]);
        return 1;
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    rc = keelctl_physinfo(&h, &pi);
    keelctl_close(&h);
    if (rc < 0) {
        fprintf(stderr, "keel info: sysctl physinfo failed: %s\n", strerror(-rc));
        return 1;
    }
    printf("nr_cpus                : %u\n", pi.nr_cpus);
    printf("max_cpu_id             : %u\n", pi.max_cpu_id);
    printf("nr_nodes               : %u\n", pi.nr_nodes);
    printf("cores_per_socket       : %u\n", pi.cores_per_socket);
    printf("threads_per_core       : %u\n", pi.threads_per_core);
    printf("cpu_mhz                : %u.%03u\n", pi.cpu_khz / 1000, pi.cpu_khz % 1000);
    /* xl's order and spelling (xl_info.c): pv, hvm, ..., gnttab-v1, gnttab-v2. */
    printf("virt_caps              :%s%s%s%s\n",
           pi.capabilities & XEN_SYSCTL_PHYSCAP_pv ? " pv" : "",
           pi.capabilities & XEN_SYSCTL_PHYSCAP_hvm ? " hvm" : "",
           pi.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v1 ? " gnttab-v1" : "",
           pi.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2 ? " gnttab-v2" : "");
    printf("total_memory           : %" PRIu64 "\n", pi.total_pages / 256);
    printf("free_memory            : %" PRIu64 "\n", pi.free_pages / 256);
    printf("free_pages             : %" PRIu64 "\n", pi.free_pages);
    return 0;
}

/* xl's six state letters: running, blocked, paused, shutdown, crashed, dying. */
static void state_letters(uint32_t flags, char out[7])
{
    unsigned int reason = (flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    int shutdown = !!(flags & XEN_DOMINF_shutdown);

    out[0] = flags & XEN_DOMINF_running ? 'r' : '-';
    out[1] = flags & XEN_DOMINF_blocked ? 'b' : '-';
    out[2] = flags & XEN_DOMINF_paused ? 'p' : '-';
    out[3] = shutdown && reason != SHUTDOWN_crash ? 's' : '-';
    out[4] = shutdown && reason == SHUTDOWN_crash ? 'c' : '-';
    out[5] = flags & XEN_DOMINF_dying ? 'd' : '-';
    out[6] = 0;
}


int keel_find_domain(struct keelctl *h, const char *arg, domid_t *out)
{
    struct xen_domctl_getdomaininfo info;
    unsigned long v;
    char *end;
    int rc;

    if (keel_dom_by_name(h, arg, out) == 0)      /* Domain-0, or a name keel recorded */
        return 0;
    errno = 0;
    v = strtoul(arg, &end, 10);
    if (errno || end == arg || *end || v >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    rc = keelctl_domain_info(h, (domid_t)v, &info);
    if (rc < 0)
        return rc;
    *out = (domid_t)v;
    return 0;
}

static void print_json(const struct xen_domctl_getdomaininfo *d, int n)
{
    int i;

    printf("[\n");
    for (i = 0; i < n; i++) {
        char name[64], st[7];

        keel_domain_name(d[i].domain, name, sizeof(name));
        state_letters(d[i].flags, st);
        printf("    {\n        \"domid\": %u,\n        \"name\": \"%s\",\n"
               "        \"state\": \"%s\",\n        \"mem_kb\": %" PRIu64 ",\n"
               "        \"max_mem_kb\": %" PRIu64 ",\n        \"vcpus\": %u,\n"
               "        \"cpu_time\": %.1f\n    }%s\n",
               d[i].domain, name, st, d[i].tot_pages * 4, d[i].max_pages * 4,
               d[i].nr_online_vcpus, d[i].cpu_time / 1e9, i + 1 < n ? "," : "");
    }
    printf("]\n");
}

int keel_cmd_list(int argc, char **argv)
{
    static struct xen_domctl_getdomaininfo d[MAX_DOMAINS];
    int json = 0, i, n;
    struct keelctl h;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-l"))
            json = 1;
        else {
            fprintf(stderr, "keel list: unknown argument '%s'\n", argv[i]);
            return 1;
        }
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    n = keelctl_domain_list(&h, 0, d, MAX_DOMAINS);
    if (n < 0) {
        fprintf(stderr, "keel list: sysctl getdomaininfolist failed: %s\n", strerror(-n));
        keelctl_close(&h);
        return 1;
    }
    if (json) {
        print_json(d, n);
        keelctl_close(&h);
        return 0;
    }
    printf("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
    for (i = 0; i < n; i++) {
        char name[64], st[7];

        keel_domain_name(d[i].domain, name, sizeof(name));
        state_letters(d[i].flags, st);
        printf("%-40s %5u %5" PRIu64 " %5u     %s %8.1f\n", name, d[i].domain,
               d[i].tot_pages / 256, d[i].nr_online_vcpus, st, d[i].cpu_time / 1e9);
    }
    keelctl_close(&h);
    return 0;
}
