/*
 * keel console DOMAIN, through keel-consoled: as xl console (which runs
 * xenconsole), read the domain's console/tty from the store, open that
 * pseudo-terminal and relay it to this terminal in raw mode until
 * CTRL-] (0x1d) detaches, the domain is gone, or the daemon closes the
 * terminal.  Without a terminal on stdin (scripts, tests) the output is
 * copied to stdout and input from stdin to the guest until stdin ends;
 * then output only, until the domain is gone.
 */
#include <errno.h>
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

static int domain_alive(struct keelctl *h, domid_t dom)
{
    struct xen_domctl_getdomaininfo info;

    return keelctl_domain_info(h, dom, &info) == 0 && !(info.flags & XEN_DOMINF_dying);
}

/* Relay until detach or the end; 0 on a normal end. */
static int relay(struct keelctl *h, domid_t dom, int fd)
{
    int interactive = isatty(STDIN_FILENO), stdin_open = 1;
    time_t last_check = time(NULL);
    char buf[4096];

    if (interactive)
        raw_mode();
    for (;;) {
        struct pollfd p[2] = { { fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
        int rc = poll(p, stdin_open ? 2 : 1, 1000);
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
                char *esc = interactive ? memchr(buf, ESCAPE, (size_t)n) : NULL;

                if (esc != NULL)
                    n = esc - buf;
                if (n > 0 && write(fd, buf, (size_t)n) < 0)
                    break;
                if (esc != NULL)
                    break;      /* detached */
            }
        }
        if (time(NULL) != last_check) {
            last_check = time(NULL);
            if (!domain_alive(h, dom)) {
                /* What the daemon still holds for us, then stop. */
                while ((n = read(fd, buf, sizeof(buf))) > 0)
                    if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
                        break;
                break;
            }
        }
    }
    restore_mode();
    return 0;
}

int keel_console_pty(struct keelctl *h, domid_t dom)
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
        fprintf(stderr, "keel console: domain %u has no console/tty in the store (is keel-consoled running?)\n",
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
    rc = relay(h, dom, fd);
    close(fd);
    return rc;
}

int keel_cmd_console(int argc, char **argv)
{
    struct keelctl h;
    domid_t dom;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "keel console: usage: keel console DOMAIN\n");
        return 1;
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    rc = keel_find_domain(&h, argv[1], &dom);
    if (rc < 0) {
        fprintf(stderr, "keel console: %s: %s\n", argv[1], rc == -ESRCH ? "no such domain" : strerror(-rc));
        keelctl_close(&h);
        return 1;
    }
    rc = keel_console_pty(&h, dom);
    keelctl_close(&h);
    return rc;
}
