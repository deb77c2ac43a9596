/*
 * keel create [-p] [-c] [-f] FILE [KEY=VALUE...]: xl's create (xl(1)).
 * The KEY=VALUE words are appended to the file as extra lines, as xl
 * does, so they override its settings.  Keys read: name, memory, maxmem,
 * vcpus, maxvcpus, kernel, ramdisk, cmdline (or root + extra),
 * on_poweroff, on_reboot, on_crash, disk (block.c, docs/disks.md), vif
 * (vif.c, docs/network.md); others are warned about and ignored.
 *
 * The build is lib/build*.c; the domain is then recorded (records.c) and
 * the monitor (monitor.c) applies its on_* actions.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include "cpulist.h"
#include "keel_build.h"
#include "keel_kcache.h"
#include "keelxs.h"
#include "xlcfg.h"

/* The file's text with the KEY=VALUE words as extra lines. */
static char *cfg_text(const char *path, char **extra, int nextra, size_t *len, char *err,
                      size_t errlen)
{
    uint8_t *file;
    size_t flen;
    char *t;

    if (keel_read_file(path, XLCFG_MAX_FILE, &file, &flen, err, errlen))
        return NULL;
    t = xlcfg_with_extra((const char *)file, flen, extra, nextra, len);
    free(file);
    if (!t)
        snprintf(err, errlen, "out of memory");
    return t;
}

/* cpus= (xl.cfg(5)): the string form pins every vCPU, the list form
 * vCPU i to entry i; CPUs are checked against the host's here.  One line
 * on a failure. */
static int apply_cpus(struct keelctl *h, domid_t dom, const struct xlcfg_create *c,
                      const char *path)
{
    struct xen_sysctl_physinfo pi;
    unsigned int i, n = c->cpus_all_vcpus ? c->maxvcpus : c->nr_cpus;
    char why[160];
    int rc;

    memset(&pi, 0, sizeof(pi));
    if ((rc = keelctl_physinfo(h, &pi)) < 0) {
        fprintf(stderr, "keel create: %s:%d: cpus: sysctl physinfo failed: %s\n", path,
                c->cpus_line, strerror(-rc));
        return -1;
    }
    for (i = 0; i < n; i++) {
        const char *list = c->cpus[c->cpus_all_vcpus ? 0 : i];
        uint64_t hard, soft = 0;
        if (cpulist_parse(list, pi.nr_cpus, &hard, why, sizeof(why)) < 0) {
            fprintf(stderr, "keel create: %s:%d: cpus: %s\n", path, c->cpus_line, why);
            return -1;
        }
        rc = keelctl_vcpu_affinity(h, dom, i, XEN_DOMCTL_setvcpuaffinity, XEN_VCPUAFFINITY_HARD,
                                   &hard, &soft);
        if (rc < 0) {
            fprintf(stderr, "keel create: %s:%d: cpus: vCPU %u: %s\n", path, c->cpus_line, i,
                    rc == -EINVAL ? "no online CPU in the list" : strerror(-rc));
            return -1;
        }
    }
    return 0;
}

/* The vifs as resolved (generated MACs, devids) as one vif= line, so
 * that a restart keeps them, as libxl keeps a domain's configuration
 * with its generated MACs. */
static void write_vifs(FILE *f, const struct xlcfg_create *c)
{
    char mac[18];

    if (!c->nr_vifs)
        return;
    fprintf(f, "\n# the vifs as keel create resolved them\nvif = [");
    for (size_t i = 0; i < c->nr_vifs; i++) {
        const struct xlcfg_vif *v = &c->vifs[i];

        xlcfg_mac_format(v->mac, mac);
        fprintf(f, "%s 'bridge=%s, mac=%s, devid=%u", i ? "," : "", v->bridge, mac, v->devid);
        if (v->vifname[0])
            fprintf(f, ", vifname=%s", v->vifname);
        if (v->ip[0])
            fprintf(f, ", ip=%s", v->ip);
        if (v->mtu)
            fprintf(f, ", mtu=%u", v->mtu);
        fprintf(f, "'");
    }
    fprintf(f, " ]\n");
}

/* The effective configuration, kept for on_*=restart. */
static int save_cfg(const char *name, const char *text, size_t len,
                    const struct xlcfg_create *c)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/configs", keel_run_dir());
    keel_mkdirs(path);
    snprintf(path, sizeof(path), "%s/configs/%s.cfg", keel_run_dir(), name);
    f = fopen(path, "w");
    if (!f)
        return -errno;
    fwrite(text, 1, len, f);
    write_vifs(f, c);
    return fclose(f) ? -errno : 0;
}

/* Seconds since *t0. */
static double since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int keel_create_from(struct keelctl *h, const char *path, char **extra, int nextra, int paused,
                     domid_t *dom)
{
    char err[XLCFG_ERRLEN], berr[512];
    struct xlcfg_create c;
    struct keel_build_cfg bc = { 0 };
    struct keel_build_result res;
    struct keel_rec rec = { 0 };
    struct xs_handle *xs = NULL;
    struct timespec t0, t_all;
    struct xlcfg *cfg;
    domid_t other;
    size_t len;
    char *text;
    int rc = -1, r;

    clock_gettime(CLOCK_MONOTONIC, &t_all);
    text = cfg_text(path, extra, nextra, &len, err, sizeof(err));
    if (!text) {
        fprintf(stderr, "keel create: %s\n", err);
        return -1;
    }
    cfg = xlcfg_parse(text, len, path, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "keel create: %s\n", err);
        free(text);
        return -1;
    }
    if (xlcfg_create_get(cfg, &c, XLCFG_CHECK_FILES, stderr, err, sizeof(err))) {
        fprintf(stderr, "keel create: %s\n", err);
        goto out_cfg;
    }
    snprintf(rec.on_poweroff, sizeof(rec.on_poweroff), "%s", c.on_poweroff);
    snprintf(rec.on_reboot, sizeof(rec.on_reboot), "%s", c.on_reboot);
    snprintf(rec.on_crash, sizeof(rec.on_crash), "%s", c.on_crash);
    if (keel_dom_by_name(h, c.d.name, &other) == 0) {
        fprintf(stderr, "keel create: %s:%d: name: '%s' is already in use by domain %u\n",
                path, c.d.name_line, c.d.name, other);
        goto out_dom;
    }
    bc.memory_mib = c.d.memory_mib;
    bc.maxmem_mib = c.d.maxmem_mib;
    bc.max_vcpus = c.maxvcpus;
    bc.kernel = c.d.kernel;
    bc.ramdisk = c.d.ramdisk;
    bc.cmdline = c.d.cmdline;
    bc.paused = true;           /* unpaused once recorded: the monitor then sees it */
    bc.kernel_cache = keel_kcache_dir();
    if (keel_store_open(&xs) < 0)
        goto out_dom;
    if (c.nr_disks && !xs) {
        fprintf(stderr, "keel create: %s: disk: needs the store (keel-xenstored) running\n",
                path);
        goto out_dom;
    }
    /* The disks' targets before a domain exists (again when attached). */
    for (unsigned int i = 0; i < c.nr_disks; i++)
        if (keel_vbd_check(xs, &c.disks[i], berr, sizeof(berr)) < 0) {
            fprintf(stderr, "keel create: %s: %s\n", path, berr);
            goto out_dom;
        }
    bc.with_store = xs != NULL;
    if (keel_build_domain(h, &bc, &res, berr, sizeof(berr))) {
        fprintf(stderr, "keel create: %s: %s\n", path, berr);
        goto out_dom;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    snprintf(rec.name, sizeof(rec.name), "%s", c.d.name);
    snprintf(rec.config, sizeof(rec.config), "%s", path);
    rec.console_mfn = res.console_mfn;
    rec.console_port = res.console_port;
    rec.store_mfn = res.store_mfn;
    rec.store_port = res.store_port;
    r = keel_rec_put(res.domid, &rec);
    if (!r)
        r = save_cfg(c.d.name, text, len, &c);
    /* The store before the guest runs (libxl__build_post, then unpause). */
    if (!r && xs &&
        keel_store_domain_add(xs, res.domid, c.d.name, c.d.memory_mib, c.d.vcpus, &rec, berr,
                              sizeof(berr)) < 0) {
        fprintf(stderr, "keel create: %s: %s\n", path, berr);
        keel_store_domain_remove(res.domid, "create");
        struct xen_domctl op = { .cmd = XEN_DOMCTL_destroydomain, .domain = res.domid };
        keelctl_domctl(h, &op);
        keel_rec_remove(res.domid);
        goto out_dom;
    }
    /* Its devices, still paused (libxl's domcreate_attach_devices:
     * devices before unpause): disks, then vifs on their bridges.  A
     * failure is one line; the common path below removes what was added. */
    for (unsigned int i = 0; !r && i < c.nr_disks; i++)
        if (keel_vbd_add(xs, res.domid, &c.disks[i], berr, sizeof(berr)) < 0) {
            fprintf(stderr, "keel create: %s: %s\n", path, berr);
            r = -ENODEV;
        }
    for (size_t i = 0; !r && i < c.nr_vifs; i++) {
        if (!xs) {
            fprintf(stderr, "keel create: %s: vif: network devices need the store "
                    "(keel-xenstored is not running)\n", path);
            r = -ENODEV;
        } else if (keel_vif_add(xs, res.domid, &c.vifs[i], berr, sizeof(berr)) < 0) {
            fprintf(stderr, "keel create: %s: vif %zu (devid %u): %s\n", path, i + 1,
                    c.vifs[i].devid, berr);
            r = -ENODEV;
        }
    }
    /* cpus=: each vCPU's hard affinity, before it first runs. */
    if (!r && c.nr_cpus && apply_cpus(h, res.domid, &c, path) < 0)
        r = -ENODEV;
    if (!r && !paused) {
        struct xen_domctl op = { .cmd = XEN_DOMCTL_unpausedomain, .domain = res.domid };
        r = keelctl_domctl(h, &op);
    }
    if (r) {
        struct xen_domctl op = { .cmd = XEN_DOMCTL_destroydomain, .domain = res.domid };
        if (r != -ENODEV)       /* a device's failure is already its one line */
            fprintf(stderr, "keel create: %s: domain %u not started (%s under %s); "
                    "destroyed\n", path, res.domid, strerror(-r), keel_run_dir());
        if (xs) {
            keel_vbd_remove_all(res.domid, "create");
            keel_store_domain_remove(res.domid, "create");
        }
        keelctl_domctl(h, &op);
        keel_rec_remove(res.domid);
        goto out_dom;
    }
    *dom = res.domid;
    rc = 0;
    if (getenv("KEEL_CREATE_TIMES"))
        fprintf(stderr, "keel create: %s: times (s): kernel+ramdisk %.3f%s (unpack %.3f, "
                "cache store %.3f), domain %.3f, "
                "memory %.3f, image %.3f, start %.3f, store+devices %.3f; all %.3f\n", path,
                res.t_files, res.kernel_cached ? " (kernel cached)" : "", res.t_unpack,
                res.t_store, res.t_domain,
                res.t_memory, res.t_image, res.t_start, since(&t0), since(&t_all));
out_dom:
    if (xs)
        xs_close(xs);
    xlcfg_create_free(&c);
out_cfg:
    xlcfg_free(cfg);
    free(text);
    return rc;
}

int keel_cmd_create(int argc, char **argv)
{
    int paused = 0, console = 0, i, rc;
    const char *file = NULL;
    sigset_t block, old;
    struct keelctl h;
    domid_t dom;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-p"))
            paused = 1;
        else if (!strcmp(argv[i], "-c"))
            console = 1;
        else if (!strcmp(argv[i], "-f") && i + 1 < argc)
            file = argv[++i];
        else {
            fprintf(stderr, "keel create: unknown option '%s'\n", argv[i]);
            return 1;
        }
    }
    if (!file && i < argc && !strchr(argv[i], '='))
        file = argv[i++];
    if (!file) {
        fprintf(stderr, "keel create: no configuration file given\n");
        return 1;
    }
    for (int j = i; j < argc; j++)
        if (!strchr(argv[j], '=')) {
            fprintf(stderr, "keel create: '%s' is not KEY=VALUE\n", argv[j]);
            return 1;
        }
    if (keel_open_ctl(&h) < 0)
        return 1;
    fprintf(stderr, "Parsing config from %s\n", file);
    /* A CTRL-C half way would leave a half-built domain: the signals
     * wait until the build has finished or been undone. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGQUIT);
    sigprocmask(SIG_BLOCK, &block, &old);
    rc = keel_create_from(&h, file, argv + i, argc - i, paused, &dom);
    keelctl_close(&h);
    if (!rc)
        keel_monitor_ensure();
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return 1;
    if (console) {
        char id[16], *cargv[] = { "console", id, NULL };
        snprintf(id, sizeof(id), "%u", dom);
        return keel_cmd_console(2, cargv);
    }
    return 0;
}
