/*
 * keelctl: hypercalls, foreign mappings and event channels from dom0
 * user space through the Linux dom0 kernel's privcmd and evtchn devices
 * (include/keelctl.h).
 */
#include "keelctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL

static size_t page_round(size_t size)
{
    return (size + PAGE - 1) & ~(PAGE - 1);
}

void *keelctl_buf_alloc(size_t size)
{
    void *p;

    if (size == 0)
        size = 1;
    p = mmap(NULL, page_round(size), PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /*
     * Locked so that the hypervisor never finds the page absent; an
     * unprivileged caller may exceed RLIMIT_MEMLOCK: populated and written
     * is then the best we can do (dom0 tools run as root).
     */
    (void)mlock(p, page_round(size));
    memset(p, 0, page_round(size));
    return p;
}

void keelctl_buf_free(void *buf, size_t size)
{
    if (buf != NULL)
        munmap(buf, page_round(size ? size : 1));
}

int keelctl_open(struct keelctl *h, const char *path)
{
    h->privcmd_fd = open(path ? path : KEELCTL_PRIVCMD, O_RDWR | O_CLOEXEC);
    if (h->privcmd_fd < 0)
        return -errno;
    h->bounce = keelctl_buf_alloc(PAGE);
    if (h->bounce == NULL) {
        int rc = -errno;

        close(h->privcmd_fd);
        h->privcmd_fd = -1;
        return rc ? rc : -ENOMEM;
    }
    return 0;
}

void keelctl_close(struct keelctl *h)
{
    if (h->privcmd_fd >= 0)
        close(h->privcmd_fd);
    keelctl_buf_free(h->bounce, PAGE);
    h->privcmd_fd = -1;
    h->bounce = NULL;
}

long keelctl_hypercall(struct keelctl *h, unsigned int op, uint64_t a0,
                       uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    struct keelctl_privcmd_hypercall call = {
        .op = op, .arg = { a0, a1, a2, a3, a4 },
    };
    long rc = ioctl(h->privcmd_fd, KEELCTL_IOCTL_PRIVCMD_HYPERCALL, &call);

    /* privcmd returns the hypercall's result; a negative one as errno. */
    return rc < 0 ? -errno : rc;
}

/*
 * Copy ARG (SIZE bytes) into the bounce page, make hypercall OP on it and
 * copy the result back if it succeeded: domctl and sysctl write their
 * answers into the structure they were given.
 */
static int bounce_hypercall(struct keelctl *h, unsigned int op, void *arg, size_t size)
{
    long rc;

    memcpy(h->bounce, arg, size);
    rc = keelctl_hypercall(h, op, (uintptr_t)h->bounce, 0, 0, 0, 0);
    if (rc >= 0)
        memcpy(arg, h->bounce, size);
    return (int)rc;
}

int keelctl_domctl(struct keelctl *h, struct xen_domctl *op)
{
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return bounce_hypercall(h, __HYPERVISOR_domctl, op, sizeof(*op));
}

int keelctl_sysctl(struct keelctl *h, struct xen_sysctl *op)
{
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return bounce_hypercall(h, __HYPERVISOR_sysctl, op, sizeof(*op));
}

int keelctl_physinfo(struct keelctl *h, struct xen_sysctl_physinfo *out)
{
    struct xen_sysctl op;
    int rc;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_physinfo;
    rc = keelctl_sysctl(h, &op);
    if (rc >= 0)
        *out = op.u.physinfo;
    return rc < 0 ? rc : 0;
}

int keelctl_domain_info(struct keelctl *h, domid_t dom,
                        struct xen_domctl_getdomaininfo *out)
{
    struct xen_domctl op;
    int rc;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.domain = dom;
    rc = keelctl_domctl(h, &op);
    if (rc < 0)
        return rc;
    /* getdomaininfo reports the least id >= dom (Xen's semantics). */
    if (op.u.getdomaininfo.domain != dom)
        return -ESRCH;
    *out = op.u.getdomaininfo;
    return 0;
}

/* The counters land in the bounce page's second half (the sysctl struct
 * is in its first): locked memory, no allocation per call. */
int keelctl_vstats(struct keelctl *h, domid_t dom, uint32_t vcpu, struct keel_vstats *out)
{
    struct keel_vstats *buf = (struct keel_vstats *)((char *)h->bounce + PAGE / 2);
    struct keel_sysctl_vstats a;
    struct xen_sysctl op;
    int rc;

    _Static_assert(sizeof(struct keel_vstats) <= PAGE / 2, "vstats fit in half the bounce page");
    _Static_assert(sizeof(struct xen_sysctl) <= PAGE / 2, "the sysctl fits in the other half");
    memset(&op, 0, sizeof(op));
    memset(&a, 0, sizeof(a));
    op.cmd = KEEL_SYSCTL_vstats;
    a.domain = dom;
    a.vcpu = vcpu;
    a.buffer = (uint64_t)(uintptr_t)buf;
    a.size = sizeof(*buf);
    memcpy(op.u.pad, &a, sizeof(a));
    rc = keelctl_sysctl(h, &op);
    if (rc < 0)
        return rc;
    memcpy(&a, op.u.pad, sizeof(a));
    if (a.size != sizeof(*buf) || buf->version != KEEL_VSTATS_VERSION)
        return -EPROTO;         /* another layout than ours */
    memcpy(out, buf, sizeof(*out));
    return 0;
}

int keelctl_domain_list(struct keelctl *h, domid_t first,
                        struct xen_domctl_getdomaininfo *out, unsigned int max)
{
    size_t size = (size_t)max * sizeof(*out);
    struct xen_domctl_getdomaininfo *buf;
    struct xen_sysctl op;
    int rc;

    if (max == 0)
        return 0;
    buf = keelctl_buf_alloc(size);
    if (buf == NULL)
        return -ENOMEM;
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_getdomaininfolist;
    op.u.getdomaininfolist.first_domain = first;
    op.u.getdomaininfolist.max_domains = max;
    set_xen_guest_handle(op.u.getdomaininfolist.buffer, buf);
    rc = keelctl_sysctl(h, &op);
    if (rc >= 0) {
        rc = (int)op.u.getdomaininfolist.num_domains;
        if ((unsigned int)rc > max)
            rc = -EIO;          /* a hypervisor bug; never trust the count */
        else
            memcpy(out, buf, (size_t)rc * sizeof(*out));
    }
    keelctl_buf_free(buf, size);
    return rc;
}

void *keelctl_map_foreign(struct keelctl *h, domid_t dom, int prot,
                          const xen_pfn_t *gfns, int *errs, unsigned int n,
                          int *rc)
{
    struct keelctl_privcmd_mmapbatch_v2 batch;
    void *addr;
    unsigned int i, good = 0;

    *rc = 0;
    if (n == 0) {
        *rc = -EINVAL;
        return NULL;
    }
    addr = mmap(NULL, (size_t)n * PAGE, prot, MAP_SHARED, h->privcmd_fd, 0);
    if (addr == MAP_FAILED) {
        *rc = -errno;
        return NULL;
    }
    memset(&batch, 0, sizeof(batch));
    batch.num = n;
    batch.dom = dom;
    batch.addr = (uintptr_t)addr;
    batch.arr = gfns;
    batch.err = errs;
    for (i = 0; i < n; i++)
        errs[i] = 0;
    /*
     * -ENOENT from the ioctl only says some page failed (each has its own
     * code in errs); other errors mean nothing was mapped.
     */
    if (ioctl(h->privcmd_fd, KEELCTL_IOCTL_PRIVCMD_MMAPBATCH_V2, &batch) < 0 &&
        errno != ENOENT) {
        *rc = -errno;
        munmap(addr, (size_t)n * PAGE);
        return NULL;
    }
    for (i = 0; i < n; i++)
        good += errs[i] == 0;
    if (good == 0) {
        *rc = errs[0] ? errs[0] : -EIO;
        munmap(addr, (size_t)n * PAGE);
        return NULL;
    }
    return addr;
}

void keelctl_unmap(void *addr, unsigned int n)
{
    if (addr != NULL)
        munmap(addr, (size_t)n * PAGE);
}

/* ---- /dev/xen/evtchn ---- */

int keelctl_evtchn_open(struct keelctl_evtchn *e, const char *path)
{
    e->fd = open(path ? path : KEELCTL_EVTCHN, O_RDWR | O_CLOEXEC);
    return e->fd < 0 ? -errno : 0;
}

void keelctl_evtchn_close(struct keelctl_evtchn *e)
{
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
}

static int evtchn_ioctl(struct keelctl_evtchn *e, unsigned long req, void *arg)
{
    int rc = ioctl(e->fd, req, arg);

    return rc < 0 ? -errno : rc;
}

int keelctl_evtchn_bind_interdomain(struct keelctl_evtchn *e, domid_t dom,
                                    evtchn_port_t remote_port)
{
    struct keelctl_evtchn_bind_interdomain b = { dom, remote_port };

    return evtchn_ioctl(e, KEELCTL_IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
}

int keelctl_evtchn_bind_virq(struct keelctl_evtchn *e, unsigned int virq)
{
    struct keelctl_evtchn_bind_virq b = { virq };

    return evtchn_ioctl(e, KEELCTL_IOCTL_EVTCHN_BIND_VIRQ, &b);
}

int keelctl_evtchn_bind_unbound(struct keelctl_evtchn *e, domid_t remote)
{
    struct keelctl_evtchn_bind_unbound_port b = { remote };

    return evtchn_ioctl(e, KEELCTL_IOCTL_EVTCHN_BIND_UNBOUND_PORT, &b);
}

int keelctl_evtchn_notify(struct keelctl_evtchn *e, evtchn_port_t port)
{
    struct keelctl_evtchn_port p = { port };

    return evtchn_ioctl(e, KEELCTL_IOCTL_EVTCHN_NOTIFY, &p);
}

int keelctl_evtchn_unbind(struct keelctl_evtchn *e, evtchn_port_t port)
{
    struct keelctl_evtchn_port p = { port };

    return evtchn_ioctl(e, KEELCTL_IOCTL_EVTCHN_UNBIND, &p);
}

int keelctl_evtchn_pending(struct keelctl_evtchn *e)
{
    uint32_t port;
    ssize_t n = read(e->fd, &port, sizeof(port));

    if (n < 0)
        return -errno;
    if (n != (ssize_t)sizeof(port))
        return -EIO;
    return (int)port;
}

int keelctl_evtchn_unmask(struct keelctl_evtchn *e, evtchn_port_t port)
{
    uint32_t p = port;
    ssize_t n = write(e->fd, &p, sizeof(p));

    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof(p) ? 0 : -EIO;
}

int keelctl_vcpu_affinity(struct keelctl *h, domid_t dom, uint32_t vcpu, uint32_t cmd,
                          uint32_t flags, uint64_t *hard, uint64_t *soft)
{
    struct xen_domctl op;
    uint8_t *buf = keelctl_buf_alloc(16);
    unsigned int i;
    int rc;

    if (!buf)
        return -ENOMEM;
    for (i = 0; i < 8; i++) {
        buf[i] = (uint8_t)(*hard >> (8 * i));
        buf[8 + i] = (uint8_t)(*soft >> (8 * i));
    }
    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.domain = dom;
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    set_xen_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, buf);
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    set_xen_guest_handle(op.u.vcpuaffinity.cpumap_soft.bitmap, buf + 8);
    op.u.vcpuaffinity.cpumap_soft.nr_bits = 64;
    rc = keelctl_domctl(h, &op);
    if (rc >= 0) {
        *hard = *soft = 0;
        for (i = 0; i < 8; i++) {
            *hard |= (uint64_t)buf[i] << (8 * i);
            *soft |= (uint64_t)buf[8 + i] << (8 * i);
        }
    }
    keelctl_buf_free(buf, 16);
    return rc < 0 ? rc : 0;
}
