/*
 * The monitor: on_poweroff / on_reboot / on_crash (xl.cfg(5)) for the
 * domains keel created, as xl's per-domain daemon does.  One process per
 * host, not per domain: Xen lets one VIRQ_DOM_EXC binding exist per
 * domain (EVTCHNOP_bind_virq: -EEXIST), so `keel create` starts it unless
 * it already runs (a lock file decides), and it watches every domain with
 * a record.  It waits on VIRQ_DOM_EXC; when another program (the store
 * daemon) holds that VIRQ it watches the store's @releaseDomain, which
 * the store fires when a domain shuts down or dies (as xl does: libxl's
 * domain-death events come from that watch), or, without a store, polls
 * every 500 ms.  It also rescans records once a second.  When no record
 * is left it exits.  It logs to RUN_DIR/monitor.log.
 *
 * Shutdown reason (getdomaininfo flags) -> action: poweroff -> on_poweroff,
 * reboot -> on_reboot, crash and watchdog -> on_crash; suspend and
 * soft_reset are left alone.  destroy: destroydomain; restart: destroy,
 * then create again from the saved configuration (RUN_DIR/configs/NAME.cfg);
 * preserve: the domain stays, shut down, until `keel destroy`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include "keelxs.h"
#include <public/sched.h>

#define MAX_WATCH 1024

static domid_t preserved[MAX_WATCH];
static int nr_preserved;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    time_t t = time(NULL);
    char ts[32];

    strftime(ts, sizeof(ts), "%H:%M:%S", gmtime(&t));
    fprintf(stderr, "%s keel-monitor: ", ts);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static const char *action_for(const struct keel_rec *r, unsigned int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:
        return r->on_poweroff;
    case SHUTDOWN_reboot:
        return r->on_reboot;
    case SHUTDOWN_crash:
    case SHUTDOWN_watchdog:
        return r->on_crash;
    default:
        return NULL;            /* suspend, soft_reset: nothing to do */
    }
}

static int is_preserved(domid_t dom)
{
    int i;

    for (i = 0; i < nr_preserved; i++)
        if (preserved[i] == dom)
            return 1;
    return 0;
}

int keel_monitor_check(struct keelctl *h, domid_t dom)
{
    struct xen_domctl_getdomaininfo gi;
    struct xen_domctl op;
    struct keel_rec r;
    const char *act;
    unsigned int reason;
    char cfg[600];
    domid_t ndom;
    int rc;

    /* Gone or dying behind keel's back (destroyed by another tool, or
     * still dying because a backend maps its pages): its disks and vifs
     * go, so blkback and netback unmap and unregister, the loop devices
     * are detached and the vif<D>.<N> netdevs leave their bridges. */
    if (keelctl_domain_info(h, dom, &gi) < 0 || (gi.flags & XEN_DOMINF_dying)) {
        keel_vbd_remove_all(dom, "monitor");
        keel_vif_remove_all(dom, "monitor");
    }
    if (keel_rec_get(h, dom, &r) < 0)
        return 0;               /* gone: the stale record is removed */
    if (keelctl_domain_info(h, dom, &gi) < 0 || !(gi.flags & XEN_DOMINF_shutdown) ||
        (gi.flags & XEN_DOMINF_dying) || is_preserved(dom))
        return 0;
    reason = (gi.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    act = action_for(&r, reason);
    if (!act)
        return 0;
    logf_("domain %u (%s) shut down, reason %u: %s", dom, r.name, reason, act);
    if (!strcmp(act, "preserve")) {
        if (nr_preserved < MAX_WATCH)
            preserved[nr_preserved++] = dom;
        return 1;
    }
    keel_vbd_remove_all(dom, "monitor");
    keel_vif_remove_all(dom, "monitor");
    keel_store_domain_remove(dom, "monitor");
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_destroydomain;
    op.domain = dom;
    rc = keelctl_domctl(h, &op);
    if (rc < 0) {
        logf_("destroying domain %u failed: %s", dom, strerror(-rc));
        return 1;
    }
    keel_rec_remove(dom);
    if (!strcmp(act, "restart")) {
        snprintf(cfg, sizeof(cfg), "%s/configs/%s.cfg", keel_run_dir(), r.name);
        if (keel_create_from(h, cfg, NULL, 0, 0, &ndom) == 0)
            logf_("domain %s restarted as %u", r.name, ndom);
        else
            logf_("restarting %s from %s failed", r.name, cfg);
    }
    return 1;
}

static int lock_fd(void)
{
    char path[512];
    int fd;

    keel_mkdirs(keel_run_dir());
    snprintf(path, sizeof(path), "%s/monitor.lock", keel_run_dir());
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* What wakes the monitor up: VIRQ_DOM_EXC, else the store's
 * @releaseDomain, else a 500 ms timer. */
struct wake {
    struct keelctl_evtchn e;
    int virq;
    struct xs_handle *xs;
};

static void wake_open(struct wake *w)
{
    w->e.fd = -1;
    w->virq = -1;
    w->xs = NULL;
    if (keelctl_evtchn_open(&w->e, getenv("KEEL_EVTCHN")) == 0)
        w->virq = keelctl_evtchn_bind_virq(&w->e, VIRQ_DOM_EXC);
    if (w->virq >= 0) {
        logf_("started, VIRQ_DOM_EXC on port %d", w->virq);
        return;
    }
    if (keel_store_open(&w->xs) == 0 && w->xs && xs_watch(w->xs, "@releaseDomain", "keel-monitor")) {
        logf_("VIRQ_DOM_EXC not bound (%s): watching @releaseDomain", strerror(-w->virq));
        return;
    }
    if (w->xs) {
        xs_close(w->xs);
        w->xs = NULL;
    }
    logf_("VIRQ_DOM_EXC not bound (%s), no store: polling every 500 ms", strerror(-w->virq));
}

/* Wait for a domain state change, at most a second. */
static void wake_wait(struct wake *w)
{
    if (w->virq >= 0) {
        struct pollfd p = { w->e.fd, POLLIN, 0 };

        if (poll(&p, 1, 1000) > 0) {
            int port = keelctl_evtchn_pending(&w->e);
            if (port >= 0)
                keelctl_evtchn_unmask(&w->e, (evtchn_port_t)port);
        }
    } else if (w->xs) {
        struct pollfd p = { xs_fileno(w->xs), POLLIN, 0 };
        char **ev;

        if (poll(&p, 1, 1000) <= 0)
            return;
        while ((ev = xs_check_watch(w->xs)))
            free(ev);
        if (errno != EAGAIN) {
            /* The store went away (a restart): poll from now on. */
            logf_("store connection lost (%s): polling every 500 ms", strerror(errno));
            xs_close(w->xs);
            w->xs = NULL;
        }
    } else {
        usleep(500 * 1000);
    }
}

static void monitor_loop(int lock)
{
    struct keelctl h;
    struct wake w;
    domid_t ids[MAX_WATCH];
    int n, i;

    if (keelctl_open(&h, getenv("KEEL_PRIVCMD")) < 0) {
        logf_("cannot open privcmd");
        return;
    }
    wake_open(&w);
    for (;;) {
        n = keel_rec_list(ids, MAX_WATCH);
        for (i = 0; i < n; i++)
            keel_monitor_check(&h, ids[i]);
        if (keel_rec_list(ids, MAX_WATCH) == 0) {
            /* Nothing to watch: give the lock up, then look once more
             * (a create may have recorded a domain meanwhile). */
            flock(lock, LOCK_UN);
            if (keel_rec_list(ids, MAX_WATCH) == 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
                break;
        }
        wake_wait(&w);
    }
    logf_("no domain left to watch; exiting");
    if (w.xs)
        xs_close(w.xs);
    keelctl_evtchn_close(&w.e);
    keelctl_close(&h);
}

void keel_monitor_ensure(void)
{
    pid_t pid = fork();
    char path[512];
    int lock, fd;
    sigset_t none;

    if (pid < 0)
        return;
    if (pid > 0) {
        waitpid(pid, NULL, 0);
        return;
    }
    /* Child: detach (a second fork leaves no zombie for the caller),
     * with no signal blocked (keel create blocks some while it builds). */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    if (fork() != 0)
        _exit(0);
    lock = lock_fd();
    if (lock < 0)
        _exit(0);               /* one runs already */
    snprintf(path, sizeof(path), "%s/monitor.log", keel_run_dir());
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        close(fd);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
    monitor_loop(lock);
    _exit(0);
}
