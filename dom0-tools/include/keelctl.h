/*
 * keelctl: dom0's way to the hypervisor, through the stock Linux dom0
 * kernel's device interfaces (TOOLSTACK-ABI.md section 1), as Xen's
 * libxencall, libxenforeignmemory and libxenevtchn do:
 *
 *   /dev/xen/privcmd   IOCTL_PRIVCMD_HYPERCALL (any hypercall),
 *                      IOCTL_PRIVCMD_MMAPBATCH_V2 (foreign mappings, which
 *                      the kernel turns into mmu_update with a foreign domid)
 *   /dev/xen/evtchn    bind_interdomain, bind_virq, alloc_unbound, notify,
 *                      unbind; read() returns pending ports, write() unmasks
 *
 * The kernel passes hypercall arguments through unchanged, so every buffer
 * a hypercall reads or writes (the domctl/sysctl structs, and any array a
 * guest handle in them points to) must be resident and writable when the
 * hypervisor copies it: take such buffers from keelctl_buf_alloc() (locked,
 * populated memory, as libxencall's hypercall buffers).  keelctl_domctl()
 * and keelctl_sysctl() bounce their struct themselves.
 *
 * The ioctl structs are declared here from Linux's
 * include/uapi/xen/{privcmd,evtchn}.h (numbers in TOOLSTACK-ABI.md,
 * appendix), so the tools need no kernel headers.
 *
 * Errors: functions return a negative errno value (Xen's errno values are
 * Linux's for the codes the hypervisor returns) and never print.
 */
#ifndef KEEL_KEELCTL_H
#define KEEL_KEELCTL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <public/xen.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/keel.h>

/* ---- Linux's include/uapi/xen/privcmd.h ('P') ---- */
struct keelctl_privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};
struct keelctl_privcmd_mmapbatch_v2 {
    unsigned int num;           /* pages */
    domid_t dom;                /* the foreign domain */
    uint64_t addr;              /* start of an mmap() of the privcmd fd */
    const xen_pfn_t *arr;       /* gfns */
    int *err;                   /* per page: 0 or -errno */
};
#define KEELCTL_IOCTL_PRIVCMD_HYPERCALL \
    _IOC(_IOC_NONE, 'P', 0, sizeof(struct keelctl_privcmd_hypercall))
#define KEELCTL_IOCTL_PRIVCMD_MMAPBATCH_V2 \
    _IOC(_IOC_NONE, 'P', 4, sizeof(struct keelctl_privcmd_mmapbatch_v2))

/* ---- Linux's include/uapi/xen/evtchn.h ('E') ---- */
struct keelctl_evtchn_bind_virq { unsigned int virq; };
struct keelctl_evtchn_bind_interdomain { unsigned int remote_domain, remote_port; };
struct keelctl_evtchn_bind_unbound_port { unsigned int remote_domain; };
struct keelctl_evtchn_port { unsigned int port; };
#define KEELCTL_IOCTL_EVTCHN_BIND_VIRQ \
    _IOC(_IOC_NONE, 'E', 0, sizeof(struct keelctl_evtchn_bind_virq))
#define KEELCTL_IOCTL_EVTCHN_BIND_INTERDOMAIN \
    _IOC(_IOC_NONE, 'E', 1, sizeof(struct keelctl_evtchn_bind_interdomain))
#define KEELCTL_IOCTL_EVTCHN_BIND_UNBOUND_PORT \
    _IOC(_IOC_NONE, 'E', 2, sizeof(struct keelctl_evtchn_bind_unbound_port))
#define KEELCTL_IOCTL_EVTCHN_UNBIND \
    _IOC(_IOC_NONE, 'E', 3, sizeof(struct keelctl_evtchn_port))
#define KEELCTL_IOCTL_EVTCHN_NOTIFY \
    _IOC(_IOC_NONE, 'E', 4, sizeof(struct keelctl_evtchn_port))

#define KEELCTL_PRIVCMD "/dev/xen/privcmd"
#define KEELCTL_EVTCHN "/dev/xen/evtchn"

struct keelctl {
    int privcmd_fd;
    void *bounce;               /* one locked page for domctl/sysctl */
};

/* Open /dev/xen/privcmd (path: NULL for the default).  0 or -errno. */
int keelctl_open(struct keelctl *h, const char *path);
void keelctl_close(struct keelctl *h);

/* Locked, populated, zeroed memory for hypercall buffers; NULL on failure. */
void *keelctl_buf_alloc(size_t size);
void keelctl_buf_free(void *buf, size_t size);

/* Any hypercall: its result (>= 0) or -errno. */
long keelctl_hypercall(struct keelctl *h, unsigned int op, uint64_t a0,
                       uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

/* interface_version is filled in; op is copied back on success. */
int keelctl_domctl(struct keelctl *h, struct xen_domctl *op);
int keelctl_sysctl(struct keelctl *h, struct xen_sysctl *op);

/* Convenience wrappers over the two above. */
int keelctl_physinfo(struct keelctl *h, struct xen_sysctl_physinfo *out);
int keelctl_domain_info(struct keelctl *h, domid_t dom,
                        struct xen_domctl_getdomaininfo *out);
/*
 * KEEL_SYSCTL_vstats (public/keel.h, docs/isolation.md): vCPU vcpu's
 * interference counters, or with vcpu = KEEL_VSTATS_DOMAIN the domain's
 * totals.  0 or -errno (-ESRCH: no such domain or vCPU).
 */
int keelctl_vstats(struct keelctl *h, domid_t dom, uint32_t vcpu, struct keel_vstats *out);
/*
 * Up to max domains with id >= first, in id order, into out (any memory:
 * bounced).  Returns how many, or -errno.
 */
int keelctl_domain_list(struct keelctl *h, domid_t first,
                        struct xen_domctl_getdomaininfo *out, unsigned int max);
/*
 * XEN_DOMCTL_setvcpuaffinity or getvcpuaffinity (cmd) for vCPU vcpu of
 * dom: flags XEN_VCPUAFFINITY_HARD/SOFT; *hard and *soft (bit n = CPU n)
 * are sent (set) and replaced by what the hypervisor wrote back (set: the
 * effective masks; get: the masks as set).  0 or -errno.
 */
int keelctl_vcpu_affinity(struct keelctl *h, domid_t dom, uint32_t vcpu, uint32_t cmd,
                          uint32_t flags, uint64_t *hard, uint64_t *soft);

/*
 * Map n frames of domain dom (gfns[i]) at consecutive pages, prot as
 * mmap's.  errs[i] is 0 or -errno per page (a page with an error is not
 * usable).  Returns the mapping, or NULL with *rc = -errno when nothing
 * could be mapped.  Unmap with keelctl_unmap(addr, n).
 */
void *keelctl_map_foreign(struct keelctl *h, domid_t dom, int prot,
                          const xen_pfn_t *gfns, int *errs, unsigned int n,
                          int *rc);
void keelctl_unmap(void *addr, unsigned int n);

/* ---- /dev/xen/evtchn ---- */
struct keelctl_evtchn {
    int fd;
};
int keelctl_evtchn_open(struct keelctl_evtchn *e, const char *path);
void keelctl_evtchn_close(struct keelctl_evtchn *e);
/* Each returns the local port (>= 0) or -errno. */
int keelctl_evtchn_bind_interdomain(struct keelctl_evtchn *e, domid_t dom,
                                    evtchn_port_t remote_port);
int keelctl_evtchn_bind_virq(struct keelctl_evtchn *e, unsigned int virq);
int keelctl_evtchn_bind_unbound(struct keelctl_evtchn *e, domid_t remote);
int keelctl_evtchn_notify(struct keelctl_evtchn *e, evtchn_port_t port);
int keelctl_evtchn_unbind(struct keelctl_evtchn *e, evtchn_port_t port);
/*
 * The next pending port (blocks unless the fd is non-blocking: then
 * -EAGAIN).  The port stays masked until keelctl_evtchn_unmask().
 */
int keelctl_evtchn_pending(struct keelctl_evtchn *e);
int keelctl_evtchn_unmask(struct keelctl_evtchn *e, evtchn_port_t port);

#endif
