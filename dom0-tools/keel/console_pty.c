/*
 * keel console DOMAIN through keel-consoled (used by console.c when the
 * daemon runs): as xl console (which runs xenconsole), read the domain's
 * console/tty from the store, open that pseudo-terminal and relay it to
 * this terminal in raw mode until CTRL-] (0x1d) detaches, the domain
 * shuts down or goes, the daemon closes the terminal, or the timeout.
 * Without a terminal on stdin (scripts, tests) only the output is copied,
 * as console.c does.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include "keelxs.h"

#define ESCAPE 0x1d             /* CTRL-], as xenconsole */
#define TTY_WAIT_MS 10000       /* for console/tty to appear (a fresh domain) */

static struct termios saved;
static int raw_on;

static void raw_mode(void)
{
    struct termios t;

    if (tcgetattr(STDIN_FILENO, &saved) < 0)
        return;
    t = saved;
    cfmakeraw(&t);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        raw_on = 1;
}

static void restore_mode(void)
{
    if (raw_on)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    raw_on = 0;
}

/* The tty keel-consoled published for dom, waiting up to TTY_WAIT_MS. */
static char *console_tty(struct xs_handle *xs, domid_t dom)
{
    char path[64];
    unsigned int len;
    int waited = 0;

    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", dom);
    for (;;) {
        char *tty = xs_read(xs, XBT_NULL, path, &len);

        if (tty != NULL && len > 0)
            return tty;
        free(tty);
        if (waited >= TTY_WAIT_MS)
            return NULL;
        usleep(100 * 1000);
        waited += 100;
    }
}

/* 1 while the domain runs; 0 once it has shut down, is dying or gone (as console.c). */
static int domain_alive(struct keelctl *h, domid_t dom)
{
    struct xen_domctl_getdomaininfo info;

    return keelctl_domain_info(h, dom, &info) == 0 &&
           !(info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The domain has stopped: copy what the daemon still sends, until 1 s of silence. */
static void copy_rest(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };
    char buf[4096];
    ssize_t n;

    while (poll(&p, 1, 1000) > 0 && (p.revents & POLLIN)) {
        n = read(fd, buf, sizeof(buf));
        if (n <= 0 || write(STDOUT_FILENO, buf, (size_t)n) < 0)
            break;
    }
}

/* Relay until detach or the end: the exit status. */
static int relay(struct keelctl *h, domid_t dom, int fd, double timeout)
{
    int interactive = isatty(STDIN_FILENO), stdin_open = interactive;
    double end = timeout > 0 ? now() + timeout : 0;
    char buf[4096];

    if (interactive)
        raw_mode();
    for (;;) {
        struct pollfd p[2] = { { fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
        int rc = poll(p, stdin_open ? 2 : 1, 200);
        ssize_t n;

        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && (p[0].revents & POLLIN)) {
            n = read(fd, buf, sizeof(buf));
            if (n <= 0)
                break;          /* the daemon closed the terminal */
            if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
                break;
        } else if (rc > 0 && (p[0].revents & (POLLHUP | POLLERR)))
            break;
        if (stdin_open && rc > 0 && (p[1].revents & (POLLIN | POLLHUP))) {
            n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n <= 0)
                stdin_open = 0;
            else {
                char *esc = memchr(buf, ESCAPE, (size_t)n);

                if (esc != NULL)
                    n = esc - buf;
                if (n > 0 && write(fd, buf, (size_t)n) < 0)
                    break;
                if (esc != NULL)
                    break;      /* detached */
            }
        }
        if (!domain_alive(h, dom)) {
            copy_rest(fd);
            break;
        }
        if (end && now() > end) {
            restore_mode();
            fprintf(stderr, "keel console: domain %u still running after %.0f s; leaving\n", dom, timeout);
            return 1;
        }
    }
    restore_mode();
    return 0;
}

int keel_consoled_running(void)
{
    char path[512], buf[32];
    ssize_t n;
    long pid;
    int fd;

    snprintf(path, sizeof(path), "%s/consoled.pid", keel_run_dir());
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    pid = strtol(buf, NULL, 10);
    return pid > 0 && kill((pid_t)pid, 0) == 0;
}

int keel_console_pty(struct keelctl *h, domid_t dom, double timeout)
{
    struct xs_handle *xs = xs_open(0);
    char *tty;
    int fd, rc;

    if (xs == NULL) {
        fprintf(stderr, "keel console: cannot reach the store: %s (is keel-xenstored running?)\n",
                strerror(errno));
        return 1;
    }
    tty = console_tty(xs, dom);
    xs_close(xs);
    if (tty == NULL) {
        fprintf(stderr, "keel console: domain %u has no console/tty in the store (keel-consoled has not connected it)\n",
                dom);
        return 1;
    }
    fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        fprintf(stderr, "keel console: cannot open %s: %s\n", tty, strerror(errno));
        free(tty);
        return 1;
    }
    free(tty);
    rc = relay(h, dom, fd, timeout);
    close(fd);
    return rc;
}
