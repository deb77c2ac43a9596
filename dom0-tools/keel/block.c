/*
 * Disks served by dom0's xen-blkback (TOOLSTACK-ABI.md 4.2, 4.6 and 6
 * step 3): what libxl and Xen's block hotplug script (block,
 * block-common.sh) do, without scripts.
 *
 * Add: (1) the target is a regular file or a block device, and not in use
 * read-write by any vbd (nor read-only when we want it read-write), as
 * the script's check_sharing; (2) the frontend and backend directories in
 * one transaction (lib/xsdev.c); (3) wait <= 10 s for blkback's InitWait
 * (2); (4) a file gets a free loop device (LOOP_CTL_GET_FREE, then
 * LOOP_CONFIGURE or LOOP_SET_FD; read-only when access=r); (5)
 * physical-device = "MAJOR:MINOR" in hex (blkback parses "%x:%x"),
 * physical-device-path and node.  The steps hold RUN_DIR/block.lock so
 * two creates cannot both pass the sharing check.
 *
 * Remove: keel_xsdev_remove (online=0, state=5, wait <= 10 s for 6,
 * delete both directories; forced for a dying domain), then the loop
 * device from the backend's node key: LOOP_CLR_FD, which Linux turns
 * into "detach on last close" while blkback still holds it (its release
 * is deferred to a work item); we then wait <= 10 s for it to go.
 *
 * dom0 must have xen-blkback and loop loaded (keel does not modprobe;
 * without blkback the wait in (3) fails and names it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "keel_cli.h"
#include "keel_xsdev.h"
#include "keelxs.h"
#include "xlcfg.h"

#define VBD_TIMEOUT_MS KEEL_XSDEV_TIMEOUT_MS
#define MAX_VBDS 64

static int block_lock(void)
{
    char path[600];
    int fd;

    keel_mkdirs(keel_run_dir());
    snprintf(path, sizeof(path), "%s/block.lock", keel_run_dir());
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void block_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* Same file or device (a block device by st_rdev, a file by inode). */
static bool same_object(const struct stat *a, const struct stat *b)
{
    if (S_ISBLK(a->st_mode) && S_ISBLK(b->st_mode))
        return a->st_rdev == b->st_rdev;
    return !S_ISBLK(a->st_mode) && !S_ISBLK(b->st_mode) && a->st_dev == b->st_dev &&
           a->st_ino == b->st_ino;
}

static char *xs_get(struct xs_handle *xs, const char *fmt, unsigned a, unsigned b,
                    const char *key)
{
    char p[256];
    unsigned int len;

    snprintf(p, sizeof(p), fmt, a, b, key);
    return xs_read(xs, XBT_NULL, p, &len);
}

/*
 * check_sharing: 0, or -EBUSY with err naming the domain that has st
 * (read-write, or read-only while rw is asked).
 */
static int check_sharing(struct xs_handle *xs, const struct stat *st, bool rw,
                         const char *target, char *err, size_t errlen)
{
    unsigned int nd = 0, nv;
    char **doms = xs_directory(xs, XBT_NULL, "/local/domain/0/backend/vbd", &nd);
    int rc = 0;

    for (unsigned int i = 0; doms && i < nd && rc == 0; i++) {
        unsigned int D = (unsigned int)strtoul(doms[i], NULL, 10);
        char p[128], **devs;

        snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u", D);
        nv = 0;
        devs = xs_directory(xs, XBT_NULL, p, &nv);
        for (unsigned int j = 0; devs && j < nv && rc == 0; j++) {
            unsigned int V = (unsigned int)strtoul(devs[j], NULL, 10);
            char *params = xs_get(xs, "/local/domain/0/backend/vbd/%u/%u/%s", D, V, "params");
            char *mode = xs_get(xs, "/local/domain/0/backend/vbd/%u/%u/%s", D, V, "mode");
            struct stat o;

            if (params && stat(params, &o) == 0 && same_object(st, &o) &&
                (rw || (mode && strchr(mode, 'w')))) {
                snprintf(err, errlen, "disk: target: %s is in use %s by domain %u (%s); "
                         "refused %s", target, mode && strchr(mode, 'w') ? "read-write"
                         : "read-only", D, devs[j], rw ? "read-write" : "read-only");
                rc = -EBUSY;
            }
            free(params);
            free(mode);
        }
        free(devs);
    }
    free(doms);
    return rc;
}

int keel_vbd_check(struct xs_handle *xs, const struct xlcfg_disk *d, char *err,
                   size_t errlen)
{
    struct stat st;

    if (stat(d->target, &st) < 0) {
        snprintf(err, errlen, "disk %s: target: %s: %s", d->vdev, d->target, strerror(errno));
        return -errno;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(err, errlen, "disk %s: target: %s is neither a file nor a block device",
                 d->vdev, d->target);
        return -EINVAL;
    }
    if (access(d->target, d->readwrite ? R_OK | W_OK : R_OK) < 0) {
        snprintf(err, errlen, "disk %s: target: %s: %s", d->vdev, d->target, strerror(errno));
        return -errno;
    }
    return check_sharing(xs, &st, d->readwrite, d->target, err, errlen);
}

/* A loop device backed by path: its number, or -errno. */
static int loop_attach(const char *path, bool rw, char *err, size_t errlen)
{
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    int file = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    int rc = -EBUSY;

    if (ctl < 0 || file < 0) {
        rc = -errno;
        snprintf(err, errlen, "disk: %s: %s (is the loop module loaded?)",
                 ctl < 0 ? "/dev/loop-control" : path, strerror(errno));
        goto out;
    }
    for (int tries = 0; tries < 8 && rc == -EBUSY; tries++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        char dev[32];
        int lfd;

        if (n < 0) {
            rc = -errno;
            snprintf(err, errlen, "disk: LOOP_CTL_GET_FREE: %s", strerror(errno));
            break;
        }
        snprintf(dev, sizeof(dev), "/dev/loop%d", n);
        lfd = open(dev, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        if (lfd < 0) {
            rc = -errno;
            snprintf(err, errlen, "disk: %s: %s", dev, strerror(errno));
            break;
        }
        struct loop_config lc = { .fd = (unsigned int)file };
        lc.info.lo_flags = rw ? 0 : LO_FLAGS_READ_ONLY;
        size_t pl = strlen(path);
        if (pl >= sizeof(lc.info.lo_file_name))
            pl = sizeof(lc.info.lo_file_name) - 1;
        memcpy(lc.info.lo_file_name, path, pl);
        if (ioctl(lfd, LOOP_CONFIGURE, &lc) == 0)
            rc = n;
        else if (errno == EINVAL || errno == ENOTTY) {
            /* Before Linux 5.8: LOOP_SET_FD (read-only follows the fd). */
            rc = ioctl(lfd, LOOP_SET_FD, file) == 0 ? n : -errno;
        } else {
            rc = -errno;
        }
        close(lfd);
        if (rc < 0 && rc != -EBUSY)
            snprintf(err, errlen, "disk: attach %s to %s: %s", path, dev, strerror(-rc));
    }
    if (rc == -EBUSY)
        snprintf(err, errlen, "disk: no free loop device for %s", path);
out:
    if (ctl >= 0)
        close(ctl);
    if (file >= 0)
        close(file);
    return rc;
}

static bool loop_bound(int n)
{
    char p[64];
    struct stat st;

    snprintf(p, sizeof(p), "/sys/block/loop%d/loop", n);
    return stat(p, &st) == 0;
}

/*
 * Detach /dev/loopN.  LOOP_CLR_FD while blkback still has it open
 * sets autoclear (Linux 6.1 loop_clr_fd); wait up to timeout_ms for the
 * backing file to go.  0, or -EBUSY if it is still bound then.
 */
static int loop_detach(int n, int timeout_ms)
{
    char dev[32];
    int fd;

    snprintf(dev, sizeof(dev), "/dev/loop%d", n);
    fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENXIO ? 0 : -errno;
    if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO) {
        int e = errno;
        close(fd);
        return -e;
    }
    close(fd);
    for (int t = 0; loop_bound(n); t += 50) {
        if (t >= timeout_ms)
            return -EBUSY;
        usleep(50 * 1000);
    }
    return 0;
}

/* The loop number in a backend's node key ("/dev/loopN"), or -1. */
static int node_loop(const char *node)
{
    char *end;
    long n;

    if (node == NULL || strncmp(node, "/dev/loop", 9) || node[9] < '0' || node[9] > '9')
        return -1;
    n = strtol(node + 9, &end, 10);
    return *end || n > 1 << 20 ? -1 : (int)n;
}

static int write_phys(struct xs_handle *xs, const struct keel_xsdev_id *id, dev_t rdev,
                      const char *path, const char *node, char *err, size_t errlen)
{
    char v[32];
    int rc;

    snprintf(v, sizeof(v), "%x:%x", major(rdev), minor(rdev));
    if ((rc = keel_xsdev_backend_write(xs, id, "physical-device-path", path, err, errlen)) < 0 ||
        (node && (rc = keel_xsdev_backend_write(xs, id, "node", node, err, errlen)) < 0))
        return rc;
    return keel_xsdev_backend_write(xs, id, "physical-device", v, err, errlen);
}

/* Steps (2)-(5) under the lock; on failure nothing is left. */
static int vbd_add_locked(struct xs_handle *xs, domid_t dom, const struct xlcfg_disk *d,
                          char *err, size_t errlen)
{
    struct keel_xsdev_id id = { "vbd", dom, 0, d->devid };
    char devid[16], node[32], path[300];
    const struct keel_xsdev_kv fe[] = {
        { "virtual-device", devid }, { "device-type", "disk" },
    };
    const struct keel_xsdev_kv be[] = {
        { "params", path }, { "script", "" }, { "type", "phy" },
        { "mode", d->readwrite ? "w" : "r" }, { "dev", d->vdev },
        { "removable", "0" }, { "bootable", "1" }, { "device-type", "disk" },
        { "discard-enable", d->discard ? "1" : "0" },
    };
    struct stat st;
    int rc, loop = -1;

    if ((rc = keel_vbd_check(xs, d, err, errlen)) < 0)
        return rc;
    if (realpath(d->target, path) == NULL)
        snprintf(path, sizeof(path), "%s", d->target);
    snprintf(devid, sizeof(devid), "%u", d->devid);
    rc = keel_xsdev_add(xs, &id, fe, 2, be, sizeof(be) / sizeof(be[0]), err, errlen);
    if (rc < 0)
        return rc;
    rc = keel_xsdev_wait_state(xs, &id, KEEL_XSDEV_INITWAIT, VBD_TIMEOUT_MS, err, errlen);
    if (rc == -ETIMEDOUT && keel_xsdev_backend_state(xs, &id) == KEEL_XSDEV_INITIALISING) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, " (is xen-blkback loaded in dom0?)");
    }
    if (rc == 0 && stat(path, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "disk %s: %s: %s", d->vdev, path, strerror(errno));
    }
    if (rc == 0 && S_ISREG(st.st_mode)) {
        loop = rc = loop_attach(path, d->readwrite, err, errlen);
        if (loop >= 0) {
            snprintf(node, sizeof(node), "/dev/loop%d", loop);
            rc = stat(node, &st) < 0 ? -errno : 0;
        }
    }
    if (rc >= 0)
        rc = write_phys(xs, &id, st.st_rdev, path, loop >= 0 ? node : NULL, err, errlen);
    if (rc < 0) {
        char e2[300];
        keel_xsdev_remove(xs, &id, true, VBD_TIMEOUT_MS, e2, sizeof(e2));
        if (loop >= 0)
            loop_detach(loop, VBD_TIMEOUT_MS);
        return rc;
    }
    return 0;
}

int keel_vbd_add(struct xs_handle *xs, domid_t dom, const struct xlcfg_disk *d, char *err,
                 size_t errlen)
{
    int lock = block_lock(), rc;

    rc = vbd_add_locked(xs, dom, d, err, errlen);
    block_unlock(lock);
    return rc;
}

int keel_vbd_remove(struct xs_handle *xs, domid_t dom, uint32_t devid, bool force,
                    char *err, size_t errlen)
{
    struct keel_xsdev_id id = { "vbd", dom, 0, devid };
    char *node = keel_xsdev_backend_read(xs, &id, "node");
    int loop = node_loop(node), rc, lrc = 0;

    free(node);
    rc = keel_xsdev_remove(xs, &id, force, VBD_TIMEOUT_MS, err, errlen);
    if (loop >= 0)
        lrc = loop_detach(loop, VBD_TIMEOUT_MS);
    if (rc == 0 && lrc < 0) {
        snprintf(err, errlen, "disk %u: /dev/loop%d: %s (left to detach itself when "
                 "closed)", devid, loop, strerror(-lrc));
        rc = lrc;
    }
    return rc;
}

void keel_vbd_remove_all(domid_t dom, const char *verb)
{
    struct xs_handle *xs;
    uint32_t ids[MAX_VBDS];
    char err[400];
    int n;

    if (!(xs = keel_store_open_devices()))
        return;
    n = keel_xsdev_list(xs, "vbd", dom, 0, ids, MAX_VBDS, err, sizeof(err));
    for (int i = 0; i < n && i < MAX_VBDS; i++)
        if (keel_vbd_remove(xs, dom, ids[i], true, err, sizeof(err)) < 0)
            fprintf(stderr, "keel %s: domain %u: %s\n", verb, dom, err);
    xs_close(xs);
}

/* ---- verbs: block-attach, block-detach, block-list (xl_block.c) ---- */

static struct xs_handle *verb_store(const char *verb)
{
    struct xs_handle *xs = NULL;

    if (keel_store_open(&xs) < 0)
        return NULL;
    if (!xs)
        fprintf(stderr, "keel %s: the store (keel-xenstored) is not running\n", verb);
    return xs;
}

static int verb_domain(const char *verb, const char *arg, domid_t *dom)
{
    if (keel_dom_lookup(verb, arg, dom) < 0)
        return -1;
    if (*dom == 0) {
        fprintf(stderr, "keel %s: Domain-0 has no disks of keel's\n", verb);
        return -1;
    }
    return 0;
}

int keel_cmd_block_attach(int argc, char **argv)
{
    struct xlcfg_disk d;
    struct xs_handle *xs;
    char err[512];
    domid_t dom;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "keel block-attach: usage: block-attach DOMAIN DISKSPEC...\n");
        return 1;
    }
    if (xlcfg_disk_parse_words(argv + 2, argc - 2, &d, err, sizeof(err)) < 0) {
        fprintf(stderr, "keel block-attach: %s\n", err);
        return 1;
    }
    if (verb_domain("block-attach", argv[1], &dom) < 0 || !(xs = verb_store("block-attach")))
        return 1;
    rc = keel_vbd_add(xs, dom, &d, err, sizeof(err));
    xs_close(xs);
    if (rc < 0) {
        fprintf(stderr, "keel block-attach: domain %u: %s\n", dom, err);
        return 1;
    }
    return 0;
}

int keel_cmd_block_detach(int argc, char **argv)
{
    struct xs_handle *xs;
    int i = 1, rc;
    bool force = false;
    char err[512];
    int64_t devid;
    domid_t dom;

    if (argc > 1 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--force"))) {
        force = true;
        i++;
    }
    if (argc - i != 2) {
        fprintf(stderr, "keel block-detach: usage: block-detach [-f] DOMAIN DEVID|VDEV\n");
        return 1;
    }
    devid = xlcfg_disk_devid(argv[i + 1]);
    if (devid < 0) {
        fprintf(stderr, "keel block-detach: '%s' is not a device id or virtual disk name\n",
                argv[i + 1]);
        return 1;
    }
    if (verb_domain("block-detach", argv[i], &dom) < 0 || !(xs = verb_store("block-detach")))
        return 1;
    struct keel_xsdev_id id = { "vbd", dom, 0, (uint32_t)devid };
    if (keel_xsdev_backend_state(xs, &id) == -ENOENT) {
        /* xl: "Error: Device %s not connected." */
        fprintf(stderr, "keel block-detach: Error: Device %s not connected.\n", argv[i + 1]);
        xs_close(xs);
        return 1;
    }
    rc = keel_vbd_remove(xs, dom, (uint32_t)devid, force, err, sizeof(err));
    xs_close(xs);
    if (rc == -ETIMEDOUT) {
        /* libxl: a safe remove that times out becomes a forced one. */
        fprintf(stderr, "keel block-detach: warning: %s\n", err);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "keel block-detach: domain %u: %s\n", dom, err);
        return 1;
    }
    return 0;
}

static int read_int(struct xs_handle *xs, const char *dir, const char *key)
{
    char p[300], *v, *end;
    unsigned int len;
    long n;

    snprintf(p, sizeof(p), "%s/%s", dir, key);
    v = xs_read(xs, XBT_NULL, p, &len);
    if (!v)
        return -1;
    n = strtol(v, &end, 10);
    if (end == v)
        n = -1;
    free(v);
    return (int)n;
}

/* xl block-list: one header, then per disk the frontend's view
 * (libxl_device_disk_getinfo; -1 for what the guest has not written). */
int keel_cmd_block_list(int argc, char **argv)
{
    struct xs_handle *xs;
    uint32_t ids[MAX_VBDS];
    char err[300], fe[128], be[128];
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "keel block-list: usage: block-list DOMAIN...\n");
        return 1;
    }
    if (!(xs = verb_store("block-list")))
        return 1;
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state",
           "evt-ch", "ring-ref", "BE-path");
    for (int a = 1; a < argc; a++) {
        domid_t dom;
        int n;

        if (verb_domain("block-list", argv[a], &dom) < 0) {
            rc = 1;
            continue;
        }
        n = keel_xsdev_list(xs, "vbd", dom, 0, ids, MAX_VBDS, err, sizeof(err));
        if (n < 0) {
            fprintf(stderr, "keel block-list: domain %u: %s\n", dom, err);
            rc = 1;
            continue;
        }
        for (int i = 0; i < n && i < MAX_VBDS; i++) {
            struct keel_xsdev_id id = { "vbd", dom, 0, ids[i] };

            keel_xsdev_fe_path(&id, fe, sizeof(fe));
            keel_xsdev_be_path(&id, be, sizeof(be));
            printf("%-5u %-3d %-6d %-5d %-6d %-8d %-30s\n", ids[i], 0, (int)dom,
                   read_int(xs, fe, "state"), read_int(xs, fe, "event-channel"),
                   read_int(xs, fe, "ring-ref"), be);
        }
    }
    xs_close(xs);
    return rc;
}
