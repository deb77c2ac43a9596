/*
 * keel-consoled: the console daemon of dom0 (xenconsoled's role,
 * TOOLSTACK-ABI.md 4.5).  For every domain whose store directory has
 * console/ring-ref and console/port (written by `keel create`, as libxl
 * does), it maps the ring (a foreign map of the MFN, as xenconsoled's
 * fallback when grant 0 is not used), binds the interdomain port, and
 *   - appends the guest's output to LOGDIR/guest-NAME.log (rotated to
 *     .log.old past LOG_MAX bytes, so a guest cannot fill dom0's disk);
 *   - serves it on a pseudo-terminal whose path it writes to
 *     console/tty, where `keel console` (and xl console) attach; what
 *     the terminal does not take at once waits in a PEND_MAX buffer
 *     (the oldest bytes go first when nobody reads);
 *   - passes what is typed on that terminal to the guest's in[] ring.
 * It watches @introduceDomain and @releaseDomain and rescans the domain
 * list on each, connecting new domains and dropping the ones that are
 * dying or gone; while it serves any domain it also rescans every
 * RESCAN_MS, because a domain released from the store before it is
 * destroyed (keel destroy) fires no further @releaseDomain, and its
 * dying domain cannot go while the ring stays mapped here.  Guests are served in turn with at most TURN_BYTES each
 * per round, so one that floods its ring cannot starve the others.
 * Killed and restarted, it connects every domain again (new terminals).
 * When the store goes away (keel-xenstored killed and started again) it
 * keeps serving the consoles it has and opens the store's socket again
 * every STORE_RETRY_MS until it answers, then watches again and rescans.
 *
 * usage: keel-consoled [--log-dir DIR] [--pid-file FILE]
 * The pid file (default $KEEL_RUN_DIR/consoled.pid, /run/keel/consoled.pid)
 * tells `keel console` that the daemon owns the rings.
 * Needs dom0 (privcmd, evtchn) and a running keel-xenstored.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "keelctl.h"
#include "keelxs.h"
#include "console_ring.h"

#define MAX_DOMS 256
#define TURN_BYTES 4096u            /* per guest per round */
#define LOG_MAX (1024u * 1024u)     /* bytes per log file before rotation */
#define PEND_MAX (64u * 1024u)      /* output kept for a slow or absent pty reader */
#define RESCAN_MS 1000
#define STORE_RETRY_MS 200

struct dom {
    bool used;
    domid_t id;
    char name[64];
    volatile struct xencons_interface *ring;
    int port;                       /* our local port, -1 if not bound */
    int master, slave;              /* the pty; slave kept open (no EIO/HUP) */
    char tty[64];
    int log_fd;
    char log_path[320];
    uint64_t log_bytes;
    char *pend;                     /* output the pty did not take yet (PEND_MAX) */
    size_t pend_len;
    bool more;                      /* output left over after its turn */
    bool seen;                      /* in the last scan */
    bool failed;                    /* connecting failed: retried each scan */
};

static struct dom doms[MAX_DOMS];
static struct keelctl ctl;
static struct keelctl_evtchn ev;
static struct xs_handle *xs;
static const char *log_dir = "/var/log/keel/console";
static volatile sig_atomic_t stop;

static void say(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "keel-consoled: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static char *store_read(const char *fmt, unsigned int id)
{
    char path[128];
    unsigned int len;

    snprintf(path, sizeof(path), fmt, id);
    return xs_read(xs, XBT_NULL, path, &len);
}

static void log_open(struct dom *d)
{
    struct stat st;

    snprintf(d->log_path, sizeof(d->log_path), "%s/guest-%s.log", log_dir, d->name);
    d->log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (d->log_fd < 0)
        say("domain %u: cannot open %s: %s (output not logged)", d->id, d->log_path, strerror(errno));
    d->log_bytes = d->log_fd >= 0 && fstat(d->log_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void log_write(struct dom *d, const char *buf, size_t n)
{
    char old[340];

    if (d->log_fd < 0)
        return;
    if (d->log_bytes + n > LOG_MAX) {
        close(d->log_fd);
        snprintf(old, sizeof(old), "%s.old", d->log_path);
        rename(d->log_path, old);
        log_open(d);
        if (d->log_fd < 0)
            return;
    }
    if (write(d->log_fd, buf, n) == (ssize_t)n)
        d->log_bytes += n;
}

static int pty_open(struct dom *d)
{
    struct termios t;
    const char *name;

    d->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (d->master < 0 || grantpt(d->master) < 0 || unlockpt(d->master) < 0 ||
        (name = ptsname(d->master)) == NULL)
        return -errno;
    snprintf(d->tty, sizeof(d->tty), "%s", name);
    d->slave = open(d->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (d->slave < 0)
        return -errno;
    /* Raw: the guest's bytes reach the client as they are (xenconsoled). */
    if (tcgetattr(d->slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(d->slave, TCSANOW, &t);
    }
    return 0;
}

static void dom_close(struct dom *d)
{
    if (d->port >= 0)
        keelctl_evtchn_unbind(&ev, (evtchn_port_t)d->port);
    if (d->ring != NULL)
        keelctl_unmap((void *)d->ring, 1);
    if (d->master >= 0)
        close(d->master);
    if (d->slave >= 0)
        close(d->slave);
    if (d->log_fd >= 0)
        close(d->log_fd);
    free(d->pend);
    memset(d, 0, sizeof(*d));
    d->port = d->master = d->slave = d->log_fd = -1;
}

static unsigned long parse_ul(const char *s, bool *ok)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = s ? strtoul(s, &end, 10) : 0;
    *ok = s && !errno && end != s && *end == 0;
    return v;
}

/* Connect domain id: map its ring, bind its port, open a pty, publish it. */
static void dom_connect(struct dom *d, domid_t id)
{
    char *ref_s = store_read("/local/domain/%u/console/ring-ref", id);
    char *port_s = store_read("/local/domain/%u/console/port", id);
    char *name = store_read("/local/domain/%u/name", id);
    char path[96];
    xen_pfn_t gfn;
    int err, rc;
    bool ok1, ok2;
    unsigned long ref = parse_ul(ref_s, &ok1), rport = parse_ul(port_s, &ok2);

    d->used = true;
    d->seen = true;
    d->id = id;
    d->port = d->master = d->slave = d->log_fd = -1;
    snprintf(d->name, sizeof(d->name), "%s", name && *name && !strchr(name, '/') ? name : "");
    if (!d->name[0])
        snprintf(d->name, sizeof(d->name), "dom%u", id);
    free(ref_s);
    free(port_s);
    free(name);
    if (!ok1 || !ok2) {
        d->failed = true;       /* no console in the store (yet) */
        return;
    }
    gfn = ref;
    d->ring = keelctl_map_foreign(&ctl, id, PROT_READ | PROT_WRITE, &gfn, &err, 1, &rc);
    if (d->ring == NULL) {
        say("domain %u: cannot map console ring frame %lu: %s", id, ref, strerror(-rc));
        goto fail;
    }
    d->port = keelctl_evtchn_bind_interdomain(&ev, id, (evtchn_port_t)rport);
    if (d->port < 0) {
        say("domain %u: cannot bind console port %lu: %s", id, rport, strerror(-d->port));
        goto fail;
    }
    if ((rc = pty_open(d)) < 0) {
        say("domain %u: cannot open a pty: %s", id, strerror(-rc));
        goto fail;
    }
    log_open(d);
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", id);
    if (!xs_write(xs, XBT_NULL, path, d->tty, (unsigned int)strlen(d->tty)))
        say("domain %u: cannot write %s: %s", id, path, strerror(errno));
    say("domain %u (%s): console on %s, log %s", id, d->name, d->tty, d->log_path);
    d->more = true;             /* output written before we came */
    return;
fail:
    dom_close(d);
    d->used = true;
    d->seen = true;
    d->id = id;
    d->failed = true;
}

static struct dom *find(domid_t id)
{
    int i;

    for (i = 0; i < MAX_DOMS; i++)
        if (doms[i].used && doms[i].id == id)
            return &doms[i];
    return NULL;
}

static struct dom *find_port(int port)
{
    int i;

    for (i = 0; i < MAX_DOMS; i++)
        if (doms[i].used && doms[i].port == port)
            return &doms[i];
    return NULL;
}

/* Connect the domains that are new (or failed before), drop the ones gone. */
static void scan(void)
{
    static struct xen_domctl_getdomaininfo info[MAX_DOMS];
    int i, j, n = keelctl_domain_list(&ctl, 1, info, MAX_DOMS);

    if (n < 0) {
        say("cannot list domains: %s", strerror(-n));
        return;
    }
    for (i = 0; i < MAX_DOMS; i++)
        doms[i].seen = false;
    for (j = 0; j < n; j++) {
        struct dom *d = find(info[j].domain);

        if (info[j].flags & XEN_DOMINF_dying)
            continue;
        if (d != NULL && d->failed) {
            dom_close(d);
            d = NULL;
        }
        if (d != NULL) {
            d->seen = true;
            continue;
        }
        if (xs == NULL)
            continue;           /* new domains wait for the store to come back */
        for (i = 0; i < MAX_DOMS && doms[i].used; i++)
            ;
        if (i == MAX_DOMS) {
            say("more than %d domains: domain %u not served", MAX_DOMS, info[j].domain);
            continue;
        }
        dom_connect(&doms[i], info[j].domain);
    }
    for (i = 0; i < MAX_DOMS; i++)
        if (doms[i].used && !doms[i].seen) {
            if (!doms[i].failed)
                say("domain %u (%s) is gone", doms[i].id, doms[i].name);
            dom_close(&doms[i]);
        }
}

/* Hand the pty what it takes of the pending output. */
static void flush_pend(struct dom *d)
{
    ssize_t w;

    while (d->pend_len) {
        w = write(d->master, d->pend, d->pend_len);
        if (w <= 0)
            break;              /* EAGAIN: the terminal is full; POLLOUT brings us back */
        memmove(d->pend, d->pend + w, d->pend_len - (size_t)w);
        d->pend_len -= (size_t)w;
    }
}

/* Queue output for the pty; past PEND_MAX the oldest bytes go (they are logged). */
static void queue_pend(struct dom *d, const char *buf, size_t n)
{
    if (d->pend == NULL && (d->pend = malloc(PEND_MAX)) == NULL)
        return;
    if (n >= PEND_MAX) {
        buf += n - PEND_MAX;
        n = PEND_MAX;
    }
    if (d->pend_len + n > PEND_MAX) {
        size_t drop = d->pend_len + n - PEND_MAX;

        memmove(d->pend, d->pend + drop, d->pend_len - drop);
        d->pend_len -= drop;
    }
    memcpy(d->pend + d->pend_len, buf, n);
    d->pend_len += n;
    flush_pend(d);
}

/* One turn of a domain's output: ring -> log and pty. */
static void drain(struct dom *d)
{
    char buf[TURN_BYTES];
    bool corrupt;
    size_t n;

    if (d->ring == NULL)
        return;
    n = cons_ring_take_out(d->ring, buf, sizeof(buf), &corrupt);
    if (corrupt)
        log_write(d, "\n[keel-consoled: bad ring indices, output dropped]\n", 51);
    if (n) {
        log_write(d, buf, n);
        queue_pend(d, buf, n);
    }
    if (n || corrupt)
        keelctl_evtchn_notify(&ev, (evtchn_port_t)d->port);
    d->more = cons_ring_out_pending(d->ring) > 0;
}

/* Input typed on the pty -> the guest's in[] ring. */
static void feed(struct dom *d)
{
    char buf[1024];
    size_t room = sizeof(d->ring->in) - (d->ring->in_prod - d->ring->in_cons);
    ssize_t n;

    if (room > sizeof(d->ring->in))
        return;                 /* bad indices: nothing fits */
    if (room == 0)
        return;
    n = read(d->master, buf, room < sizeof(buf) ? room : sizeof(buf));
    if (n > 0 && cons_ring_put_in(d->ring, buf, (size_t)n))
        keelctl_evtchn_notify(&ev, (evtchn_port_t)d->port);
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int setup(int argc, char **argv, const char **pid_file)
{
    int i, rc;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--log-dir") && i + 1 < argc)
            log_dir = argv[++i];
        else if (!strcmp(argv[i], "--pid-file") && i + 1 < argc)
            *pid_file = argv[++i];
        else {
            fprintf(stderr, "keel-consoled: unknown argument '%s' (usage: keel-consoled [--log-dir DIR] [--pid-file FILE])\n",
                    argv[i]);
            return -1;
        }
    }
    if (mkdir(log_dir, 0750) < 0 && errno != EEXIST) {
        say("cannot create %s: %s", log_dir, strerror(errno));
        return -1;
    }
    if ((rc = keelctl_open(&ctl, NULL)) < 0) {
        say("cannot open %s: %s (is this dom0 with xen-privcmd loaded?)", KEELCTL_PRIVCMD, strerror(-rc));
        return -1;
    }
    if ((rc = keelctl_evtchn_open(&ev, NULL)) < 0) {
        say("cannot open %s: %s (is xen-evtchn loaded?)", KEELCTL_EVTCHN, strerror(-rc));
        return -1;
    }
    xs = xs_open(0);
    if (xs == NULL) {
        say("cannot reach the store: %s (is keel-xenstored running?)", strerror(errno));
        return -1;
    }
    if (!xs_watch(xs, "@introduceDomain", "intro") || !xs_watch(xs, "@releaseDomain", "release")) {
        say("cannot watch @introduceDomain/@releaseDomain: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The store's socket closed (a restart): drop the handle; store_retry
 * opens it again. */
static void store_lost(void)
{
    say("store connection lost (%s): serving the consoles we have, reconnecting", strerror(errno));
    xs_close(xs);
    xs = NULL;
}

/* Socket only: /dev/xen/xenbus would block until the store is back. */
static bool store_retry(void)
{
    xs = xs_open(XS_OPEN_SOCKETONLY);
    if (xs == NULL)
        return false;
    if (!xs_watch(xs, "@introduceDomain", "intro") || !xs_watch(xs, "@releaseDomain", "release")) {
        xs_close(xs);
        xs = NULL;
        return false;
    }
    say("store connection back");
    return true;
}

int main(int argc, char **argv)
{
    static struct pollfd pfd[2 + MAX_DOMS];
    static int pfd_dom[2 + MAX_DOMS];
    static char default_pid[512];
    const char *pid_file = NULL, *run = getenv("KEEL_RUN_DIR");
    struct sigaction sa;
    int i;

    if (run == NULL || !*run)
        run = "/run/keel";
    mkdir(run, 0755);
    snprintf(default_pid, sizeof(default_pid), "%s/consoled.pid", run);
    pid_file = default_pid;

    for (i = 0; i < MAX_DOMS; i++)
        doms[i].port = doms[i].master = doms[i].slave = doms[i].log_fd = -1;
    if (setup(argc, argv, &pid_file) < 0)
        return 1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    {
        FILE *f = fopen(pid_file, "w");

        if (f == NULL) {
            say("cannot write %s: %s", pid_file, strerror(errno));
            return 1;
        }
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    scan();
    while (!stop) {
        int nfds = 0, timeout = -1, rc, serving = 0;
        struct timespec ts;
        uint64_t now_ms;
        static uint64_t last_scan_ms;
        char **w;

        if (xs == NULL && store_retry())
            scan();
        pfd[nfds].fd = xs != NULL ? xs_fileno(xs) : -1;
        pfd[nfds].events = POLLIN;
        pfd_dom[nfds++] = -1;
        pfd[nfds].fd = ev.fd;
        pfd[nfds].events = POLLIN;
        pfd_dom[nfds++] = -1;
        for (i = 0; i < MAX_DOMS; i++) {
            if (!doms[i].used || doms[i].master < 0)
                continue;
            serving = 1;
            if (doms[i].more)
                timeout = 0;    /* output left over: another round at once */
            pfd[nfds].fd = doms[i].master;
            pfd[nfds].events = POLLIN | (doms[i].pend_len ? POLLOUT : 0);
            pfd_dom[nfds++] = i;
        }
        if (serving && timeout < 0)
            timeout = RESCAN_MS;
        if (xs == NULL && (timeout < 0 || timeout > STORE_RETRY_MS))
            timeout = STORE_RETRY_MS;
        rc = poll(pfd, (nfds_t)nfds, timeout);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
        if (rc < 0 && errno != EINTR) {
            say("poll: %s", strerror(errno));
            break;
        }
        /* Watch events: rescan once for all of them. */
        if (rc > 0 && (pfd[0].revents & POLLIN)) {
            bool rescan = false;

            while ((w = xs_check_watch(xs)) != NULL) {
                rescan = true;
                free(w);
            }
            if (errno != EAGAIN)
                store_lost();
            if (rescan) {
                scan();
                last_scan_ms = now_ms;
            }
        }
        if (serving && now_ms - last_scan_ms >= RESCAN_MS) {
            scan();
            last_scan_ms = now_ms;
        }
        /* Event-channel notifications: mark the domain for a turn. */
        if (rc > 0 && (pfd[1].revents & POLLIN)) {
            int fl = fcntl(ev.fd, F_GETFL), port;

            fcntl(ev.fd, F_SETFL, fl | O_NONBLOCK);
            while ((port = keelctl_evtchn_pending(&ev)) >= 0) {
                struct dom *d = find_port(port);

                keelctl_evtchn_unmask(&ev, (evtchn_port_t)port);
                if (d)
                    d->more = true;
            }
            fcntl(ev.fd, F_SETFL, fl);
        }
        for (i = 2; rc > 0 && i < nfds; i++) {
            struct dom *d = &doms[pfd_dom[i]];

            if ((pfd[i].revents & POLLIN) && d->used)
                feed(d);
            if ((pfd[i].revents & POLLOUT) && d->used)
                flush_pend(d);
        }
        /* One turn each for the domains with output waiting. */
        for (i = 0; i < MAX_DOMS; i++)
            if (doms[i].used && doms[i].more)
                drain(&doms[i]);
    }
    for (i = 0; i < MAX_DOMS; i++)
        if (doms[i].used)
            dom_close(&doms[i]);
    unlink(pid_file);
    return 0;
}
