/*
 * keel shutdown, reboot, mem-set, vcpu-set: the verbs that ask the guest
 * through the store, as xl does (libxl 4.17: libxl__domain_pvcontrol
 * writes control/shutdown; libxl_set_memory_target writes memory/target
 * after raising the hypervisor's limit; libxl_set_vcpuonline writes
 * cpu/N/availability), which the stock kernel's xenbus drivers act on
 * (drivers/xen/manage.c, xen-balloon.c, cpu_hotplug.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keel_cli.h"
#include "keelxs.h"

#define LIBXL_MAXMEM_CONSTANT 1024      /* KiB of slack over the target, as libxl */
#define SHUTDOWN_WAIT_S 60              /* -w: how long to wait */

static struct xs_handle *store_open(const char *verb)
{
    struct xs_handle *xs = xs_open(0);

    if (xs == NULL)
        fprintf(stderr, "keel %s: cannot reach the store: %s (is keel-xenstored running?)\n", verb,
                strerror(errno));
    return xs;
}

static int store_write(struct xs_handle *xs, const char *verb, domid_t dom, const char *rel,
                       const char *val)
{
    char path[128];

    snprintf(path, sizeof(path), "/local/domain/%u/%s", dom, rel);
    if (!xs_write(xs, XBT_NULL, path, val, (unsigned int)strlen(val))) {
        fprintf(stderr, "keel %s: cannot write %s: %s\n", verb, path, strerror(errno));
        return -1;
    }
    return 0;
}

static long long store_read_num(struct xs_handle *xs, domid_t dom, const char *rel)
{
    char path[128], *v, *end;
    unsigned int len;
    long long n;

    snprintf(path, sizeof(path), "/local/domain/%u/%s", dom, rel);
    v = xs_read(xs, XBT_NULL, path, &len);
    if (v == NULL)
        return -1;
    n = strtoll(v, &end, 10);
    if (end == v || *end || n < 0)
        n = -1;
    free(v);
    return n;
}

/* Open privcmd and the store and find the domain; 0 or a printed error. */
static int open_both(const char *verb, const char *arg, struct keelctl *h,
                     struct xs_handle **xs, domid_t *dom)
{
    int rc;

    if (keel_open_ctl(h) < 0)
        return -1;
    rc = keel_find_domain(h, arg, dom);
    if (rc < 0) {
        fprintf(stderr, "keel %s: %s: %s\n", verb, arg, rc == -ESRCH ? "no such domain" : strerror(-rc));
        keelctl_close(h);
        return -1;
    }
    *xs = store_open(verb);
    if (*xs == NULL) {
        keelctl_close(h);
        return -1;
    }
    return 0;
}

/* Wait until dom has shut down (or is gone); 0 when it did. */
static int wait_shutdown(struct keelctl *h, domid_t dom)
{
    int i;

    for (i = 0; i < SHUTDOWN_WAIT_S * 10; i++) {
        struct xen_domctl_getdomaininfo info;

        if (keelctl_domain_info(h, dom, &info) < 0 ||
            (info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying)))
            return 0;
        usleep(100 * 1000);
    }
    return -1;
}

static int pvcontrol(int argc, char **argv, const char *verb, const char *cmd)
{
    struct xs_handle *xs;
    struct keelctl h;
    const char *arg = NULL;
    int wait = 0, i, rc;
    domid_t dom;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-w"))
            wait = 1;
        else if (argv[i][0] == '-' || arg != NULL) {
            fprintf(stderr, "keel %s: usage: keel %s [-w] DOMAIN\n", verb, verb);
            return 1;
        } else
            arg = argv[i];
    }
    if (arg == NULL) {
        fprintf(stderr, "keel %s: usage: keel %s [-w] DOMAIN\n", verb, verb);
        return 1;
    }
    if (open_both(verb, arg, &h, &xs, &dom) < 0)
        return 1;
    if (dom == 0) {
        fprintf(stderr, "keel %s: refusing to %s Domain-0 (shut dom0 down from inside it)\n", verb, verb);
        rc = -1;
    } else {
        fprintf(stderr, "%s domain %u\n", !strcmp(cmd, "poweroff") ? "Shutting down" : "Rebooting", dom);
        rc = store_write(xs, verb, dom, "control/shutdown", cmd);
    }
    xs_close(xs);
    if (rc == 0 && wait) {
        fprintf(stderr, "Waiting for 1 domains\n");
        rc = wait_shutdown(&h, dom);
        if (rc < 0)
            fprintf(stderr, "keel %s: domain %u did not shut down within %d s\n", verb, dom, SHUTDOWN_WAIT_S);
        else
            fprintf(stderr, "Domain %u has been shut down\n", dom);
    }
    keelctl_close(&h);
    return rc < 0 ? 1 : 0;
}

int keel_cmd_shutdown(int argc, char **argv)
{
    return pvcontrol(argc, argv, "shutdown", "poweroff");
}

int keel_cmd_reboot(int argc, char **argv)
{
    return pvcontrol(argc, argv, "reboot", "reboot");
}

int keel_cmd_mem_set(int argc, char **argv)
{
    struct xs_handle *xs;
    struct xen_domctl op;
    long long kb, static_max;
    struct keelctl h;
    char val[32];
    domid_t dom;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "keel mem-set: usage: keel mem-set DOMAIN AMOUNT\n");
        return 1;
    }
    kb = keel_parse_mem_kb(argv[2]);
    if (kb <= 0) {
        fprintf(stderr, "keel mem-set: %s: invalid memory size (a number with b, k, m, g or t)\n", argv[2]);
        return 1;
    }
    if (open_both("mem-set", argv[1], &h, &xs, &dom) < 0)
        return 1;
    /* libxl refuses a target above memory/static-max (the domain's maxmem). */
    static_max = store_read_num(xs, dom, "memory/static-max");
    if (static_max >= 0 && kb > static_max) {
        fprintf(stderr, "keel mem-set: %s: %lld KiB is above the domain's maximum (memory/static-max %lld KiB)\n",
                argv[2], kb, static_max);
        rc = -1;
        goto out;
    }
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_max_mem;
    op.domain = dom;
    op.u.max_mem.max_memkb = (uint64_t)kb + LIBXL_MAXMEM_CONSTANT;
    rc = keelctl_domctl(&h, &op);
    if (rc < 0) {
        fprintf(stderr, "keel mem-set: domain %u: setting the limit failed: %s\n", dom, strerror(-rc));
        goto out;
    }
    snprintf(val, sizeof(val), "%lld", kb);
    rc = store_write(xs, "mem-set", dom, "memory/target", val);
out:
    xs_close(xs);
    keelctl_close(&h);
    return rc < 0 ? 1 : 0;
}

int keel_cmd_vcpu_set(int argc, char **argv)
{
    struct xen_domctl_getdomaininfo info;
    struct xs_handle *xs;
    struct keelctl h;
    unsigned long want;
    unsigned int i, max;
    char *end, rel[32];
    domid_t dom;
    int rc = 0;

    if (argc != 3) {
        fprintf(stderr, "keel vcpu-set: usage: keel vcpu-set DOMAIN VCPUS\n");
        return 1;
    }
    errno = 0;
    want = strtoul(argv[2], &end, 10);
    if (errno || end == argv[2] || *end || want == 0) {
        fprintf(stderr, "keel vcpu-set: %s: expected a number of vCPUs >= 1\n", argv[2]);
        return 1;
    }
    if (open_both("vcpu-set", argv[1], &h, &xs, &dom) < 0)
        return 1;
    if ((rc = keelctl_domain_info(&h, dom, &info)) < 0) {
        fprintf(stderr, "keel vcpu-set: domain %u: %s\n", dom, strerror(-rc));
        goto out;
    }
    max = info.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? 0 : info.max_vcpu_id + 1;
    if (want > max) {
        fprintf(stderr, "keel vcpu-set: domain %u has at most %u vCPUs (maxvcpus), not %lu\n", dom, max, want);
        rc = -1;
        goto out;
    }
    for (i = 0; i < max && rc == 0; i++) {
        snprintf(rel, sizeof(rel), "cpu/%u/availability", i);
        rc = store_write(xs, "vcpu-set", dom, rel, i < want ? "online" : "offline");
    }
out:
    xs_close(xs);
    keelctl_close(&h);
    return rc < 0 ? 1 : 0;
}
