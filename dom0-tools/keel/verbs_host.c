/*
 * keel dmesg, vcpu-list, vcpu-pin, sched-credit2, mem-max: xl's verbs over
 * the hypervisor's own interface (XEN_SYSCTL_readconsole,
 * XEN_DOMCTL_getvcpuinfo, XEN_DOMCTL_{set,get}vcpuaffinity,
 * XEN_DOMCTL_scheduler_op, XEN_DOMCTL_max_mem),
 * with xl's output formats (tools/xl/xl_info.c, xl_vcpu.c, xl_sched.c,
 * xl_mem.c in Xen 4.17).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keel_cli.h"
#include "cpulist.h"

#define READCONSOLE_CHUNK 16384u   /* as libxl's console reader */
#define MAX_DOMAINS 1024

int keel_cmd_dmesg(int argc, char **argv)
{
    struct xen_sysctl op;
    struct keelctl h;
    char *buf;
    int clear = 0, i, rc = 0;
    uint32_t index = 0;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c"))
            clear = 1;
        else {
            fprintf(stderr, "keel dmesg: unknown argument '%s'\n", argv[i]);
            return 1;
        }
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    buf = keelctl_buf_alloc(READCONSOLE_CHUNK);
    if (buf == NULL) {
        fprintf(stderr, "keel dmesg: out of memory\n");
        keelctl_close(&h);
        return 1;
    }
    /* Incremental reads from index 0 (the oldest byte) until nothing is left. */
    for (;;) {
        memset(&op, 0, sizeof(op));
        op.cmd = XEN_SYSCTL_readconsole;
        op.u.readconsole.clear = (uint8_t)clear;
        op.u.readconsole.incremental = 1;
        op.u.readconsole.index = index;
        op.u.readconsole.count = READCONSOLE_CHUNK;
        set_xen_guest_handle(op.u.readconsole.buffer, buf);
        rc = keelctl_sysctl(&h, &op);
        if (rc < 0) {
            fprintf(stderr, "keel dmesg: sysctl readconsole failed: %s\n", strerror(-rc));
            break;
        }
        if (op.u.readconsole.count == 0 || op.u.readconsole.count > READCONSOLE_CHUNK)
            break;
        fwrite(buf, 1, op.u.readconsole.count, stdout);
        index = op.u.readconsole.index;
    }
    keelctl_buf_free(buf, READCONSOLE_CHUNK);
    keelctl_close(&h);
    return rc < 0 ? 1 : 0;
}

static long number_arg(const char *s, long min, long max);

/* A domain given as a domid or as "Domain-0" (names of domUs: see keel_find_domain). */
static int domain_arg(struct keelctl *h, const char *verb, const char *arg, domid_t *out)
{
    int rc = keel_find_domain(h, arg, out);

    if (rc < 0)
        fprintf(stderr, "keel %s: %s: %s\n", verb, arg,
                rc == -ESRCH ? "no such domain" : strerror(-rc));
    return rc;
}

static void vcpu_list_domain(struct keelctl *h, const struct xen_domctl_getdomaininfo *d,
                             unsigned int nr_cpus)
{
    char name[64], hs[160], ss[160];
    uint32_t v;

    if (d->max_vcpu_id == XEN_INVALID_MAX_VCPU_ID)
        return;
    keel_domain_name(d->domain, name, sizeof(name));
    for (v = 0; v <= d->max_vcpu_id; v++) {
        struct xen_domctl op;

        memset(&op, 0, sizeof(op));
        op.cmd = XEN_DOMCTL_getvcpuinfo;
        op.domain = d->domain;
        op.u.getvcpuinfo.vcpu = v;
        if (keelctl_domctl(h, &op) < 0)
            continue;           /* a vCPU that was never brought up (-ESRCH) */
        printf("%-32s %5u %5u", name, d->domain, v);
        if (op.u.getvcpuinfo.online)
            printf("%9u", op.u.getvcpuinfo.cpu);
        else
            printf("%9s", "-");
        printf("%5c%c%c  ", op.u.getvcpuinfo.running ? 'r' : '-',
               op.u.getvcpuinfo.blocked ? 'b' : '-', op.u.getvcpuinfo.online ? '-' : 'p');
        /* xl's "Affinity (Hard / Soft)": the masks as set, over the host's CPUs. */
        {
            uint64_t hard = 0, soft = 0;
            if (keelctl_vcpu_affinity(h, d->domain, v, XEN_DOMCTL_getvcpuaffinity,
                                      XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT,
                                      &hard, &soft) < 0) {
                snprintf(hs, sizeof(hs), "?");
                snprintf(ss, sizeof(ss), "?");
            } else {
                cpulist_format(hard, nr_cpus, hs, sizeof(hs));
                cpulist_format(soft, nr_cpus, ss, sizeof(ss));
            }
        }
        printf("%9.1f  %s / %s\n", op.u.getvcpuinfo.cpu_time / 1e9, hs, ss);
    }
}

int keel_cmd_vcpu_list(int argc, char **argv)
{
    static struct xen_domctl_getdomaininfo d[MAX_DOMAINS];
    struct xen_sysctl_physinfo pi;
    unsigned int nr_cpus;
    struct keelctl h;
    int i, n;

    if (keel_open_ctl(&h) < 0)
        return 1;
    memset(&pi, 0, sizeof(pi));
    if ((n = keelctl_physinfo(&h, &pi)) < 0) {
        fprintf(stderr, "keel vcpu-list: sysctl physinfo failed: %s\n", strerror(-n));
        keelctl_close(&h);
        return 1;
    }
    nr_cpus = pi.nr_cpus;
    printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State",
           "Time(s)", "Affinity (Hard / Soft)");
    if (argc == 1) {
        n = keelctl_domain_list(&h, 0, d, MAX_DOMAINS);
        if (n < 0) {
            fprintf(stderr, "keel vcpu-list: sysctl getdomaininfolist failed: %s\n", strerror(-n));
            keelctl_close(&h);
            return 1;
        }
        for (i = 0; i < n; i++)
            vcpu_list_domain(&h, &d[i], nr_cpus);
    }
    for (i = 1; i < argc; i++) {
        domid_t id;
        int rc;

        if (domain_arg(&h, "vcpu-list", argv[i], &id) < 0 ||
            (rc = keelctl_domain_info(&h, id, &d[0])) < 0) {
            keelctl_close(&h);
            return 1;
        }
        vcpu_list_domain(&h, &d[0], nr_cpus);
    }
    keelctl_close(&h);
    return 0;
}

/*
 * keel vcpu-pin [-f|--force] DOMAIN VCPU|all HARD [SOFT], as xl vcpu-pin:
 * HARD and SOFT are CPU lists (cpulist.h) or "-" to leave that mask as it
 * is; -f also undoes a SCHEDOP_pin_override (XEN_VCPUAFFINITY_FORCE; Keel
 * has none, so it changes nothing).  Syntax is checked before the
 * hypervisor is asked; CPUs are checked against the host's.
 */
#define VCPU_PIN_USAGE "keel vcpu-pin [-f] DOMAIN VCPU|all HARD|- [SOFT|-]"

int keel_cmd_vcpu_pin(int argc, char **argv)
{
    const char *dom_s, *vcpu_s, *hard_s, *soft_s = NULL;
    struct xen_domctl_getdomaininfo info;
    struct xen_sysctl_physinfo pi;
    uint64_t hard = 0, soft = 0;
    uint32_t flags = 0, first, last, v;
    char err[160];
    struct keelctl h;
    domid_t dom;
    int a = 1, rc, done = 0;

    if (a < argc && (!strcmp(argv[a], "-f") || !strcmp(argv[a], "--force"))) {
        flags |= XEN_VCPUAFFINITY_FORCE;
        a++;
    }
    if (argc - a < 3 || argc - a > 4 || argv[a][0] == '-') {
        fprintf(stderr, "keel vcpu-pin: usage: %s\n", VCPU_PIN_USAGE);
        return 1;
    }
    dom_s = argv[a];
    vcpu_s = argv[a + 1];
    hard_s = argv[a + 2];
    if (argc - a == 4)
        soft_s = argv[a + 3];
    if (strcmp(vcpu_s, "all") && number_arg(vcpu_s, 0, 4095) < 0) {
        fprintf(stderr, "keel vcpu-pin: VCPU '%s': expected a vCPU number or all\n", vcpu_s);
        return 1;
    }
    if (strcmp(hard_s, "-"))
        flags |= XEN_VCPUAFFINITY_HARD;
    if (soft_s && strcmp(soft_s, "-"))
        flags |= XEN_VCPUAFFINITY_SOFT;
    if (!(flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT))) {
        fprintf(stderr, "keel vcpu-pin: nothing to change (both masks are '-')\n");
        return 1;
    }
    if (((flags & XEN_VCPUAFFINITY_HARD) && cpulist_parse(hard_s, 0, &hard, err, sizeof(err)) < 0) ||
        ((flags & XEN_VCPUAFFINITY_SOFT) && cpulist_parse(soft_s, 0, &soft, err, sizeof(err)) < 0)) {
        fprintf(stderr, "keel vcpu-pin: %s\n", err);
        return 1;
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    memset(&pi, 0, sizeof(pi));
    rc = keelctl_physinfo(&h, &pi);
    if (rc < 0) {
        fprintf(stderr, "keel vcpu-pin: sysctl physinfo failed: %s\n", strerror(-rc));
        goto out;
    }
    if (((flags & XEN_VCPUAFFINITY_HARD) &&
         cpulist_parse(hard_s, pi.nr_cpus, &hard, err, sizeof(err)) < 0) ||
        ((flags & XEN_VCPUAFFINITY_SOFT) &&
         cpulist_parse(soft_s, pi.nr_cpus, &soft, err, sizeof(err)) < 0)) {
        fprintf(stderr, "keel vcpu-pin: %s\n", err);
        rc = -1;
        goto out;
    }
    if ((rc = domain_arg(&h, "vcpu-pin", dom_s, &dom)) < 0)
        goto out;
    if ((rc = keelctl_domain_info(&h, dom, &info)) < 0) {
        fprintf(stderr, "keel vcpu-pin: domain %u: %s\n", dom, strerror(-rc));
        goto out;
    }
    if (info.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID) {
        fprintf(stderr, "keel vcpu-pin: domain %u has no vCPUs\n", dom);
        rc = -1;
        goto out;
    }
    if (!strcmp(vcpu_s, "all")) {
        first = 0;
        last = info.max_vcpu_id;
    } else {
        first = last = (uint32_t)number_arg(vcpu_s, 0, 4095);
        if (first > info.max_vcpu_id) {
            fprintf(stderr, "keel vcpu-pin: domain %u has no vCPU %u (it has %u)\n", dom, first,
                    info.max_vcpu_id + 1);
            rc = -1;
            goto out;
        }
    }
    for (v = first; v <= last; v++) {
        uint64_t hv = hard, sv = soft;
        rc = keelctl_vcpu_affinity(&h, dom, v, XEN_DOMCTL_setvcpuaffinity, flags, &hv, &sv);
        if (rc == -ESRCH && first != last)
            continue;           /* never brought up: as xl, the others still */
        if (rc < 0) {
            fprintf(stderr, "keel vcpu-pin: domain %u vCPU %u: %s\n", dom, v,
                    rc == -EINVAL ? "no online CPU in the hard affinity" : strerror(-rc));
            goto out;
        }
        done++;
    }
    rc = done ? 0 : -1;
    if (!done)
        fprintf(stderr, "keel vcpu-pin: domain %u: no vCPU to pin\n", dom);
out:
    keelctl_close(&h);
    return rc < 0 ? 1 : 0;
}

static int sched_op(struct keelctl *h, domid_t dom, uint32_t cmd, struct xen_domctl_sched_credit2 *p)
{
    struct xen_domctl op;
    int rc;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_scheduler_op;
    op.domain = dom;
    op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
    op.u.scheduler_op.cmd = cmd;
    op.u.scheduler_op.u.credit2 = *p;
    rc = keelctl_domctl(h, &op);
    if (rc >= 0)
        *p = op.u.scheduler_op.u.credit2;
    return rc;
}

/* A decimal number in [min, max], or -1. */
static long number_arg(const char *s, long min, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    return v;
}

static void sched_row(struct keelctl *h, domid_t dom)
{
    struct xen_domctl_sched_credit2 p = { 0, 0 };
    char name[64];

    if (sched_op(h, dom, XEN_DOMCTL_SCHEDOP_getinfo, &p) < 0)
        return;                 /* gone meanwhile */
    keel_domain_name(dom, name, sizeof(name));
    printf("%-33s %4u %6u %4u\n", name, dom, p.weight, p.cap);
}

int keel_cmd_sched_credit2(int argc, char **argv)
{
    static struct xen_domctl_getdomaininfo d[MAX_DOMAINS];
    const char *dom_s = NULL;
    long weight = -1, cap = -1;
    struct keelctl h;
    int i, n, rc = 0;

    for (i = 1; i < argc; i++) {
        const char *opt = argv[i];

        if (i + 1 >= argc || (strcmp(opt, "-d") && strcmp(opt, "-w") && strcmp(opt, "-c"))) {
            fprintf(stderr, "keel sched-credit2: %s: expected -d DOMAIN, -w WEIGHT or -c CAP\n", opt);
            return 1;
        }
        i++;
        if (!strcmp(opt, "-d"))
            dom_s = argv[i];
        else if (!strcmp(opt, "-w") && (weight = number_arg(argv[i], 1, 65535)) < 0) {
            fprintf(stderr, "keel sched-credit2: -w %s: weight must be 1..65535\n", argv[i]);
            return 1;
        } else if (!strcmp(opt, "-c") && (cap = number_arg(argv[i], 0, 65535)) < 0) {
            fprintf(stderr, "keel sched-credit2: -c %s: cap must be a percentage >= 0\n", argv[i]);
            return 1;
        }
    }
    if (dom_s == NULL && (weight >= 0 || cap >= 0)) {
        fprintf(stderr, "keel sched-credit2: -w and -c need -d DOMAIN\n");
        return 1;
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    if (dom_s != NULL) {
        domid_t dom;

        if (domain_arg(&h, "sched-credit2", dom_s, &dom) < 0) {
            keelctl_close(&h);
            return 1;
        }
        if (weight >= 0 || cap >= 0) {
            struct xen_domctl_sched_credit2 p;

            /* xl reads the current values first and changes only what was given. */
            memset(&p, 0, sizeof(p));
            rc = sched_op(&h, dom, XEN_DOMCTL_SCHEDOP_getinfo, &p);
            if (rc >= 0) {
                if (weight >= 0)
                    p.weight = (uint16_t)weight;
                if (cap >= 0)
                    p.cap = (uint16_t)cap;
                rc = sched_op(&h, dom, XEN_DOMCTL_SCHEDOP_putinfo, &p);
            }
            if (rc < 0)
                fprintf(stderr, "keel sched-credit2: domain %u: %s\n", dom,
                        rc == -EINVAL ? "value out of range (cap is at most 100 per vCPU)" : strerror(-rc));
        } else {
            printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
            sched_row(&h, dom);
        }
    } else {
        n = keelctl_domain_list(&h, 0, d, MAX_DOMAINS);
        if (n < 0) {
            fprintf(stderr, "keel sched-credit2: sysctl getdomaininfolist failed: %s\n", strerror(-n));
            rc = n;
        } else {
            printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
            for (i = 0; i < n; i++)
                sched_row(&h, d[i].domain);
        }
    }
    keelctl_close(&h);
    return rc < 0 ? 1 : 0;
}

/*
 * An amount of memory as xl reads it (xl_utils.c parse_mem_size_kb): a
 * number with an optional suffix b, k, m (the default), g, t; in KiB.
 */
long long keel_parse_mem_kb(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0)
        return -1;
    switch (*end) {
    case 'b': case 'B': v /= 1024; break;
    case 'k': case 'K': break;
    case '\0': case 'm': case 'M': v *= 1024; break;
    case 'g': case 'G': v *= 1024LL * 1024; break;
    case 't': case 'T': v *= 1024LL * 1024 * 1024; break;
    default: return -1;
    }
    if (*end && end[1])
        return -1;
    return v;
}

int keel_cmd_mem_max(int argc, char **argv)
{
    struct xen_domctl op;
    struct keelctl h;
    long long kb;
    domid_t dom;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "keel mem-max: usage: keel mem-max DOMAIN AMOUNT\n");
        return 1;
    }
    kb = keel_parse_mem_kb(argv[2]);
    if (kb < 0) {
        fprintf(stderr, "keel mem-max: %s: invalid memory size (a number with b, k, m, g or t)\n", argv[2]);
        return 1;
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    if (domain_arg(&h, "mem-max", argv[1], &dom) < 0) {
        keelctl_close(&h);
        return 1;
    }
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_max_mem;
    op.domain = dom;
    /* libxl_domain_setmaxmem adds LIBXL_MAXMEM_CONSTANT (1 MiB) of slack. */
    op.u.max_mem.max_memkb = (uint64_t)kb + 1024;
    rc = keelctl_domctl(&h, &op);
    keelctl_close(&h);
    if (rc < 0) {
        fprintf(stderr, "keel mem-max: domain %u: %s\n", dom, strerror(-rc));
        return 1;
    }
    return 0;
}
