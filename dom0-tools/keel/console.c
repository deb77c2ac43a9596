/*
 * keel console [-t pv] [--timeout SECONDS] DOM: the domain's PV console,
 * as xl console with xenconsoled's backend done in this process
 * (TOOLSTACK-ABI.md 6 step 1): the console ring (start_info's
 * console.domU.mfn, public/io/console.h) mapped with MMAPBATCH_V2, an
 * interdomain event channel bound to its port, the ring relayed to and
 * from the terminal.  CTRL-] detaches (as xl).  When stdin is not a
 * terminal, only the output is copied.  Ends when the domain shuts down
 * or goes (status 0), on CTRL-] (0), or after --timeout (status 1).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include <public/io/console.h>

#define CTRL_RBRACKET 0x1d

static struct termios saved_tio;
static int tio_saved;

static void restore_tty(void)
{
    if (tio_saved)
        tcsetattr(0, TCSANOW, &saved_tio);
    tio_saved = 0;
}

static void raw_tty(void)
{
    struct termios t;

    if (tcgetattr(0, &saved_tio) < 0)
        return;
    tio_saved = 1;
    t = saved_tio;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    atexit(restore_tty);
}

static int write_all(int fd, const char *b, size_t n)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Guest output: copy out[] to stdout.  Returns bytes consumed. */
static size_t drain(volatile struct xencons_interface *ring)
{
    char buf[sizeof(ring->out)];
    XENCONS_RING_IDX cons = ring->out_cons, prod = ring->out_prod;
    size_t n = 0;

    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (prod - cons > sizeof(ring->out))
        cons = prod - sizeof(ring->out);        /* never trust the guest's indexes */
    while (cons != prod)
        buf[n++] = ring->out[MASK_XENCONS_IDX(cons++, ring->out)];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ring->out_cons = cons;
    if (n)
        write_all(1, buf, n);
    return n;
}

/* Terminal input to in[]; returns -1 on CTRL-] or end of input. */
static int feed(volatile struct xencons_interface *ring)
{
    char buf[256];
    ssize_t n = read(0, buf, sizeof(buf));
    XENCONS_RING_IDX prod;
    ssize_t i;

    if (n <= 0)
        return n < 0 && errno == EINTR ? 0 : -1;
    prod = ring->in_prod;
    for (i = 0; i < n; i++) {
        if (buf[i] == CTRL_RBRACKET)
            return -1;
        if (prod - ring->in_cons >= sizeof(ring->in))
            break;                               /* full: the rest is dropped */
        ring->in[MASK_XENCONS_IDX(prod++, ring->in)] = buf[i];
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ring->in_prod = prod;
    return 0;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

struct con {
    struct keelctl h;
    struct keelctl_evtchn e;
    domid_t dom;
    volatile struct xencons_interface *ring;
    int port;
};

/* 1 while the domain runs; 0 once it has shut down, is dying or gone. */
static int alive(struct con *c)
{
    struct xen_domctl_getdomaininfo gi;

    if (keelctl_domain_info(&c->h, c->dom, &gi) < 0)
        return 0;
    return !(gi.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

static int relay(struct con *c, double timeout, int tty)
{
    double end = timeout > 0 ? now() + timeout : 0;
    struct pollfd p[2] = { { c->e.fd, POLLIN, 0 }, { 0, POLLIN, 0 } };

    for (;;) {
        int live = alive(c);

        if (drain(c->ring))
            keelctl_evtchn_notify(&c->e, (evtchn_port_t)c->port);
        if (!live) {
            drain(c->ring);
            return 0;
        }
        if (end && now() > end) {
            restore_tty();
            fprintf(stderr, "keel console: domain %u still running after %.0f s; leaving\n",
                    c->dom, timeout);
            return 1;
        }
        if (poll(p, tty ? 2 : 1, 200) < 0 && errno != EINTR)
            return 1;
        if (p[0].revents & POLLIN) {
            int port = keelctl_evtchn_pending(&c->e);
            if (port >= 0)
                keelctl_evtchn_unmask(&c->e, (evtchn_port_t)port);
        }
        if (tty && (p[1].revents & (POLLIN | POLLHUP))) {
            if (feed(c->ring) < 0)
                return 0;
            keelctl_evtchn_notify(&c->e, (evtchn_port_t)c->port);
        }
    }
}

int keel_cmd_console(int argc, char **argv)
{
    struct con c = { .e = { -1 } };
    struct keel_rec rec;
    double timeout = 0;
    const char *arg = NULL;
    xen_pfn_t mfn;
    int i, rc, err = 0, tty, status = 1;
    char *end;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc) {
            if (strcmp(argv[++i], "pv")) {
                fprintf(stderr, "keel console: -t %s: only the pv console exists\n", argv[i]);
                return 1;
            }
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            timeout = strtod(argv[++i], &end);
            if (*end || timeout <= 0) {
                fprintf(stderr, "keel console: --timeout: '%s' is not a number of seconds\n",
                        argv[i]);
                return 1;
            }
        } else if (argv[i][0] == '-' || arg) {
            fprintf(stderr, "keel console: unexpected argument '%s'\n", argv[i]);
            return 1;
        } else {
            arg = argv[i];
        }
    }
    if (!arg) {
        fprintf(stderr, "keel console: no domain given\n");
        return 1;
    }
    if (keel_open_ctl(&c.h) < 0)
        return 1;
    if (keel_dom_resolve(&c.h, "console", arg, &c.dom) < 0)
        goto out;
    if (keel_rec_get(&c.h, c.dom, &rec) < 0 || !rec.console_mfn) {
        fprintf(stderr, "keel console: domain %u has no console keel knows of "
                "(not created by keel create)\n", c.dom);
        goto out;
    }
    mfn = rec.console_mfn;
    c.ring = keelctl_map_foreign(&c.h, c.dom, PROT_READ | PROT_WRITE, &mfn, &err, 1, &rc);
    if (!c.ring) {
        fprintf(stderr, "keel console: domain %u: cannot map its console ring: %s\n", c.dom,
                strerror(-rc));
        goto out;
    }
    rc = keelctl_evtchn_open(&c.e, getenv("KEEL_EVTCHN"));
    if (rc == 0)
        rc = c.port = keelctl_evtchn_bind_interdomain(&c.e, c.dom, rec.console_port);
    if (rc < 0) {
        fprintf(stderr, "keel console: domain %u: cannot bind its console port %u: %s%s\n",
                c.dom, rec.console_port, strerror(-rc),
                rc == -EINVAL ? " (another console attached?)" : "");
        goto out;
    }
    tty = isatty(0);
    if (tty)
        raw_tty();
    signal(SIGPIPE, SIG_IGN);
    status = relay(&c, timeout, tty);
    restore_tty();
out:
    if (c.e.fd >= 0)
        keelctl_evtchn_close(&c.e);
    if (c.ring)
        keelctl_unmap((void *)c.ring, 1);
    keelctl_close(&c.h);
    return status;
}
