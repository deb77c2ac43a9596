/*
 * Event channels: the channel state machine shared by Xen's two ABIs.
 * A domain has at most max_evtchns ports (Xen's max_evtchns: DEFAULT_MAX_EVTCHNS
 * for a domU, every FIFO port for the control domain), and its ABI
 * bounds them again: EVTCHN_2L_NR_CHANNELS for the 2-level ABI,
 * EVTCHN_FIFO_NR_CHANNELS once the guest has registered a FIFO control
 * block.  struct evtchn entries are allocated EVTCHNS_PER_BUCKET at a time
 * as ports are handed out (valid_evtchns); port 0 is reserved.
 *
 * How a port is made pending, masked and unmasked is the domain's
 * port-ops table (keel/evtchn_ops.h, Xen's evtchn_port_ops): the 2-level
 * ops here (pending and mask bitmaps in shared_info, a selector word per
 * vCPU; an unmasked port that became pending sets evtchn_upcall_pending
 * and wakes the vCPU, and the upcall is delivered on its next return to
 * the guest, context_switch.c) or the FIFO ops in event_fifo.c.
 *
 * Locking: evtchn_lock (one lock, for now) protects every domain's port
 * table, its FIFO queues and the virq bindings; it is taken before
 * mm_lock (event_fifo.c takes frame references under it).  The words the
 * guest shares (shared_info's bitmaps, FIFO event words) are changed with
 * atomic operations because the guest changes them too.
 */
#include <keel/event.h>
#include <keel/evtchn_ops.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/sched.h>
#include <keel/console_backend.h>
#include <keel/hypercall.h>
#include <keel/irq.h>
#include <keel/pv_mm.h>
#include <public/event_channel.h>

static spinlock_t evtchn_lock = SPIN_LOCK_UNLOCKED;

static bool test_and_set(uint64_t *words, unsigned int bit)
{
    uint64_t m = 1UL << (bit % 64);
    return __atomic_fetch_or(&words[bit / 64], m, __ATOMIC_SEQ_CST) & m;
}

static bool test_and_clear(uint64_t *words, unsigned int bit)
{
    uint64_t m = 1UL << (bit % 64);
    return __atomic_fetch_and(&words[bit / 64], ~m, __ATOMIC_SEQ_CST) & m;
}

static bool test_bit_atomic(const uint64_t *words, unsigned int bit)
{
    return (__atomic_load_n(&words[bit / 64], __ATOMIC_SEQ_CST) >> (bit % 64)) & 1;
}

static const struct evtchn_port_ops *port_ops(const struct domain *d)
{
    return d->evtchn_port_ops ? d->evtchn_port_ops : &evtchn_port_ops_2l;
}

unsigned int evtchn_port_limit(const struct domain *d)
{
    unsigned int abi = d->evtchn_fifo ? EVTCHN_FIFO_NR_CHANNELS : EVTCHN_2L_NR_CHANNELS;
    return MIN(d->max_evtchns, abi);
}

static bool port_valid(const struct domain *d, uint64_t port)
{
    return port < d->valid_evtchns && port < evtchn_port_limit(d);
}

/* Port's entry; port_valid(d, port) holds. */
static struct evtchn *chan(struct domain *d, evtchn_port_t port)
{
    return &d->evtchn_bucket[port / EVTCHNS_PER_BUCKET][port % EVTCHNS_PER_BUCKET];
}

struct evtchn *evtchn_from_port(struct domain *d, evtchn_port_t port)
{
    return port_valid(d, port) ? chan(d, port) : NULL;
}

/* Make the next EVTCHNS_PER_BUCKET ports (up to max_evtchns) valid. */
static int add_bucket(struct domain *d)
{
    unsigned int b = d->valid_evtchns / EVTCHNS_PER_BUCKET;
    struct evtchn *e;

    if (d->valid_evtchns >= d->max_evtchns)
        return -XEN_ENOSPC;
    e = xzalloc_bytes(EVTCHNS_PER_BUCKET * sizeof(*e));
    if (!e)
        return -XEN_ENOMEM;
    d->evtchn_bucket[b] = e;
    d->valid_evtchns = MIN(d->valid_evtchns + EVTCHNS_PER_BUCKET, d->max_evtchns);
    return 0;
}

int evtchn_init(struct domain *d, unsigned int max_ports)
{
    unsigned int nb = (max_ports + EVTCHNS_PER_BUCKET - 1) / EVTCHNS_PER_BUCKET;

    if (max_ports < 2 || max_ports > EVTCHN_FIFO_NR_CHANNELS)
        return -XEN_EINVAL;
    d->evtchn_bucket = xzalloc_bytes(nb * sizeof(*d->evtchn_bucket));
    if (!d->evtchn_bucket)
        return -XEN_ENOMEM;
    d->max_evtchns = max_ports;
    d->valid_evtchns = 0;
    d->evtchn_port_ops = &evtchn_port_ops_2l;
    d->evtchn_fifo = NULL;
    if (add_bucket(d)) {
        xfree(d->evtchn_bucket);
        d->evtchn_bucket = NULL;
        return -XEN_ENOMEM;
    }
    chan(d, 0)->state = ECS_RESERVED;
    return 0;
}

/* Free the port entries of a domain whose channels are closed (or never
 * used: a failed creation) and whose struct is about to go. */
void evtchn_free(struct domain *d)
{
    unsigned int b;

    if (!d->evtchn_bucket)
        return;
    for (b = 0; b * EVTCHNS_PER_BUCKET < d->valid_evtchns; b++)
        xfree(d->evtchn_bucket[b]);
    xfree(d->evtchn_bucket);
    d->evtchn_bucket = NULL;
    d->valid_evtchns = 0;
}

struct vcpu *evtchn_notify_vcpu(struct domain *d, const struct evtchn *c)
{
    struct vcpu *v = c->notify_vcpu < d->max_vcpus ? d->vcpu[c->notify_vcpu] : NULL;
    return v ? v : d->vcpu[0];
}

/* Wake the domain's vCPUs sleeping in SCHEDOP_poll on port. */
void evtchn_wake_pollers(struct domain *d, evtchn_port_t port)
{
    unsigned int i, j;

    for (i = 0; i < d->max_vcpus; i++) {
        struct vcpu *w = d->vcpu[i];
        if (!w || !w->polling)
            continue;
        for (j = 0; j < w->nr_poll_ports; j++)
            if (w->poll_ports[j] == port) {
                w->polling = false;
                w->poll_deadline = 0;
                vcpu_wake(w);
                break;
            }
    }
}

/* An upcall is due on v (Xen's vcpu_mark_events_pending). */
void evtchn_mark_upcall(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_pending = 1;
    vcpu_wake(v);
}

/* ---- The 2-level ABI's port operations ---- */

static void evtchn_2l_set_pending(struct vcpu *v, evtchn_port_t port)
{
    struct shared_info *s = v->domain->shared_info;

    if (test_and_set(s->evtchn_pending, port))
        return;
    evtchn_wake_pollers(v->domain, port);
    if (!test_bit_atomic(s->evtchn_mask, port) &&
        !test_and_set(&v->vcpu_info->evtchn_pending_sel, port / 64))
        evtchn_mark_upcall(v);
}

static void evtchn_2l_clear_pending(struct domain *d, evtchn_port_t port)
{
    test_and_clear(d->shared_info->evtchn_pending, port);
}

static void evtchn_2l_unmask(struct domain *d, evtchn_port_t port)
{
    struct shared_info *s = d->shared_info;
    struct vcpu *v = evtchn_notify_vcpu(d, chan(d, port));

    test_and_clear(s->evtchn_mask, port);
    if (test_bit_atomic(s->evtchn_pending, port) &&
        !test_and_set(&v->vcpu_info->evtchn_pending_sel, port / 64))
        evtchn_mark_upcall(v);
}

static bool evtchn_2l_is_pending(struct domain *d, evtchn_port_t port)
{
    return test_bit_atomic(d->shared_info->evtchn_pending, port);
}

static bool evtchn_2l_is_busy(struct domain *d, evtchn_port_t port)
{
    (void)d;
    (void)port;
    return false;
}

static void evtchn_2l_init(struct domain *d, struct evtchn *c, evtchn_port_t port)
{
    (void)d;
    (void)c;
    (void)port;
}

const struct evtchn_port_ops evtchn_port_ops_2l = {
    .init = evtchn_2l_init,
    .set_pending = evtchn_2l_set_pending,
    .clear_pending = evtchn_2l_clear_pending,
    .unmask = evtchn_2l_unmask,
    .is_pending = evtchn_2l_is_pending,
    .is_busy = evtchn_2l_is_busy,
    .set_priority = NULL,           /* Xen: -ENOSYS under the 2-level ABI */
};

/* ---- The channel state machine ---- */

/* Mark port pending for vCPU v and kick v if that made an upcall due. */
static void evtchn_set_pending(struct vcpu *v, evtchn_port_t port)
{
    v->vs.events_received++;
    port_ops(v->domain)->set_pending(v, port);
}

bool evtchn_port_pending(struct domain *d, evtchn_port_t port)
{
    return port_valid(d, port) && port_ops(d)->is_pending(d, port);
}

/* The lowest free port, allocated (still ECS_FREE: the caller sets its
 * state).  A port the guest still has on a FIFO queue is skipped (Xen's
 * evtchn_is_busy), also in a bucket added on the way. */
static int get_free_port(struct domain *d)
{
    const struct evtchn_port_ops *ops = port_ops(d);
    unsigned int p, limit = evtchn_port_limit(d);
    int rc;

    if (d->state == DOM_DYING)
        return -XEN_EINVAL;      /* Xen's get_free_port: d->is_dying */
    for (p = 1; p < limit; p++) {
        if (p >= d->valid_evtchns && (rc = add_bucket(d)) < 0)
            return rc;
        if (chan(d, p)->state == ECS_FREE && !ops->is_busy(d, p)) {
            ops->init(d, chan(d, p), p);
            return (int)p;
        }
    }
    return -XEN_ENOSPC;
}

static struct domain *target_domain(domid_t id)
{
    struct domain *cur = current->domain;

    if (id == DOMID_SELF || id == cur->domain_id)
        return cur;
    return cur->is_privileged ? domain_lookup(id) : NULL;
}

static long alloc_unbound(struct evtchn_alloc_unbound *a)
{
    struct domain *d = target_domain(a->dom);
    struct evtchn *c;
    int port;

    if (!d)
        return current->domain->is_privileged ? -XEN_ESRCH : -XEN_EPERM;
    port = get_free_port(d);
    if (port < 0)
        return port;
    c = chan(d, (evtchn_port_t)port);
    c->state = ECS_UNBOUND;
    c->notify_vcpu = 0;
    c->u.remote_domid = a->remote_dom == DOMID_SELF ? current->domain->domain_id
                                                    : a->remote_dom;
    a->port = (evtchn_port_t)port;
    return 0;
}

static long bind_interdomain(struct evtchn_bind_interdomain *b)
{
    struct domain *ld = current->domain, *rd;
    struct evtchn *rc, *lc;
    int lport;

    rd = b->remote_dom == DOMID_SELF ? ld : domain_lookup(b->remote_dom);
    if (!rd)
        return -XEN_ESRCH;
    if (!port_valid(rd, b->remote_port))
        return -XEN_EINVAL;
    rc = chan(rd, b->remote_port);
    if (rc->state != ECS_UNBOUND || rc->u.remote_domid != ld->domain_id)
        return -XEN_EINVAL;
    lport = get_free_port(ld);
    if (lport < 0)
        return lport;
    lc = chan(ld, (evtchn_port_t)lport);
    lc->state = ECS_INTERDOMAIN;
    lc->notify_vcpu = 0;
    lc->u.interdomain.dom = rd->domain_id;
    lc->u.interdomain.port = b->remote_port;
    rc->state = ECS_INTERDOMAIN;
    rc->u.interdomain.dom = ld->domain_id;
    rc->u.interdomain.port = (evtchn_port_t)lport;
    b->local_port = (evtchn_port_t)lport;
    /* As Xen: the new port starts pending, so no notification is lost
     * between the peer's setup and this bind. */
    evtchn_set_pending(evtchn_notify_vcpu(ld, lc), (evtchn_port_t)lport);
    return 0;
}

static bool virq_is_global(unsigned int virq)
{
    return !(virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
             virq == VIRQ_XENPMU);
}

static long bind_virq(struct evtchn_bind_virq *b)
{
    struct domain *d = current->domain;
    struct evtchn *c;
    struct vcpu *v;
    int port;

    if (b->virq >= NR_VIRQS)
        return -XEN_EINVAL;
    if (virq_is_global(b->virq) && b->vcpu != 0)
        return -XEN_EINVAL;
    if (b->vcpu >= d->max_vcpus || !(v = d->vcpu[b->vcpu]))
        return -XEN_ENOENT;
    if (v->virq_to_evtchn[b->virq])
        return -XEN_EEXIST;
    port = get_free_port(d);
    if (port < 0)
        return port;
    c = chan(d, (evtchn_port_t)port);
    c->state = ECS_VIRQ;
    c->notify_vcpu = (uint16_t)b->vcpu;
    c->u.virq = b->virq;
    v->virq_to_evtchn[b->virq] = (evtchn_port_t)port;
    b->port = (evtchn_port_t)port;
    return 0;
}

static long bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current->domain;
    struct evtchn *c;
    int port;

    if (b->vcpu >= d->max_vcpus || !d->vcpu[b->vcpu])
        return -XEN_ENOENT;
    port = get_free_port(d);
    if (port < 0)
        return port;
    c = chan(d, (evtchn_port_t)port);
    c->state = ECS_IPI;
    c->notify_vcpu = (uint16_t)b->vcpu;
    b->port = (evtchn_port_t)port;
    return 0;
}

/* A pirq the domain mapped (PHYSDEVOP_map_pirq) to a new port, as Xen's
 * evtchn_bind_pirq: the pin is unmasked (common/pirq.c); WILL_SHARE is
 * accepted and has no effect (only the hardware domain binds). */
static long bind_pirq(struct evtchn_bind_pirq *b)
{
    struct domain *d = current->domain;
    int port, rc;

    port = get_free_port(d);
    if (port < 0)
        return port;
    rc = irq_bind_pirq(d, b->pirq, (evtchn_port_t)port);
    if (rc)
        return rc;
    chan(d, (evtchn_port_t)port)->state = ECS_PIRQ;
    chan(d, (evtchn_port_t)port)->notify_vcpu = 0;
    chan(d, (evtchn_port_t)port)->u.pirq = b->pirq;
    b->port = (evtchn_port_t)port;
    return 0;
}

/* Back to ECS_FREE.  The FIFO queue it was last linked on is kept: the
 * guest may still hold it there, and a later link must find it (Xen
 * keeps fifo_lastq across a close too). */
static void free_chan(struct evtchn *c)
{
    uint16_t last_vcpu = c->last_vcpu;
    uint8_t last_priority = c->last_priority;

    memset(c, 0, sizeof(*c));
    c->last_vcpu = last_vcpu;
    c->last_priority = last_priority;
}

static long close_port(struct domain *d, evtchn_port_t port)
{
    struct evtchn *c;

    if (!port_valid(d, port))
        return -XEN_EINVAL;
    c = chan(d, port);
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -XEN_EINVAL;
    case ECS_VIRQ: {
        /* A global VIRQ's binding lives in vCPU 0 even after bind_vcpu
         * moved its notifications; a per-vCPU one in its vCPU. */
        struct vcpu *v = virq_is_global(c->u.virq) ? d->vcpu[0] : evtchn_notify_vcpu(d, c);
        if (v && c->u.virq < NR_VIRQS && v->virq_to_evtchn[c->u.virq] == port)
            v->virq_to_evtchn[c->u.virq] = 0;
        break;
    }
    case ECS_PIRQ:
        irq_unbind_pirq(d, c->u.pirq);
        break;
    case ECS_INTERDOMAIN: {
        struct domain *rd = domain_lookup(c->u.interdomain.dom);
        if (rd && port_valid(rd, c->u.interdomain.port)) {
            struct evtchn *rc = chan(rd, c->u.interdomain.port);
            if (rc->state == ECS_INTERDOMAIN && rc->u.interdomain.dom == d->domain_id) {
                rc->state = ECS_UNBOUND;
                rc->u.remote_domid = d->domain_id;
            }
        }
        break;
    }
    default:
        break;
    }
    /* As Xen: no stale pending state for the port's next user. */
    port_ops(d)->clear_pending(d, port);
    free_chan(c);
    return 0;
}

static long send(evtchn_port_t port)
{
    struct domain *ld = current->domain, *rd;
    struct evtchn *c;

    if (!port_valid(ld, port))
        return -XEN_EINVAL;
    current->vs.events_sent++;
    c = chan(ld, port);
    switch (c->state) {
    case ECS_INTERDOMAIN:
        if (c->u.interdomain.dom == DOMID_XEN) {
            /* The hypervisor's own backend end (the domU console). */
            spin_unlock(&evtchn_lock);
            cons_backend_notify(ld);
            spin_lock(&evtchn_lock);
            return 0;
        }
        rd = domain_lookup(c->u.interdomain.dom);
        if (rd && rd->state == DOM_RUNNING && port_valid(rd, c->u.interdomain.port))
            evtchn_set_pending(evtchn_notify_vcpu(rd, chan(rd, c->u.interdomain.port)),
                               c->u.interdomain.port);
        return 0;
    case ECS_IPI:
        evtchn_set_pending(evtchn_notify_vcpu(ld, c), port);
        return 0;
    case ECS_UNBOUND:
        return 0;          /* nobody connected yet: dropped, as Xen */
    default:
        return -XEN_EINVAL;
    }
}

static long status(struct evtchn_status *st)
{
    struct domain *d = target_domain(st->dom);
    const struct evtchn *c;

    if (!d)
        return current->domain->is_privileged ? -XEN_ESRCH : -XEN_EPERM;
    if (!port_valid(d, st->port))
        return -XEN_EINVAL;
    c = chan(d, st->port);
    memset(&st->u, 0, sizeof(st->u));
    st->vcpu = c->notify_vcpu;
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        st->status = EVTCHNSTAT_closed;
        break;
    case ECS_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = c->u.remote_domid;
        break;
    case ECS_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = c->u.interdomain.dom;
        st->u.interdomain.port = c->u.interdomain.port;
        break;
    case ECS_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = c->u.virq;
        break;
    case ECS_IPI:
        st->status = EVTCHNSTAT_ipi;
        break;
    case ECS_PIRQ:
        st->status = EVTCHNSTAT_pirq;
        st->u.pirq = c->u.pirq;
        break;
    default:
        ASSERT_UNREACHABLE();       /* every evtchn_state is listed above */
        st->status = EVTCHNSTAT_closed;
    }
    return 0;
}

/* Only the vCPU future events go to changes: under the FIFO ABI an
 * event already linked stays on its old queue, and the next link moves
 * the port (event_fifo.c, as Xen's lastq). */
static long bind_vcpu(const struct evtchn_bind_vcpu *b)
{
    struct domain *d = current->domain;
    struct evtchn *c;

    /* The vCPU first, then the port (Xen 4.17's evtchn_bind_vcpu). */
    if (b->vcpu >= d->max_vcpus || !d->vcpu[b->vcpu])
        return -XEN_ENOENT;
    if (!port_valid(d, b->port))
        return -XEN_EINVAL;
    c = chan(d, b->port);
    switch (c->state) {
    case ECS_VIRQ:
        if (!virq_is_global(c->u.virq))
            return -XEN_EINVAL;
        /* fall through */
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_PIRQ:      /* Xen also moves the IRQ's affinity; Keel's pins all go to CPU 0 */
        c->notify_vcpu = (uint16_t)b->vcpu;
        return 0;
    default:
        return -XEN_EINVAL;
    }
}

static long unmask(evtchn_port_t port)
{
    struct domain *d = current->domain;

    if (!port_valid(d, port))
        return -XEN_EINVAL;
    port_ops(d)->unmask(d, port);
    return 0;
}

/* EVTCHNOP_set_priority: -ENOSYS under the 2-level ABI (Xen). */
static long set_priority(const struct evtchn_set_priority *sp)
{
    struct domain *d = current->domain;

    if (!port_valid(d, sp->port))
        return -XEN_EINVAL;
    if (!port_ops(d)->set_priority)
        return -XEN_ENOSYS;
    return port_ops(d)->set_priority(d, chan(d, sp->port), sp->priority);
}

#define RESET_CHUNK 64        /* ports closed between preemption checks (Xen) */

/* Close every port; a FIFO domain goes back to the 2-level ABI and its
 * control blocks and event array pages are given back (Xen's evtchn_reset).
 * With preempt, stops after a chunk of closes when the hypervisor lock has
 * been held long enough and returns false: the caller continues the
 * hypercall, which starts over and finds the closed ports free. */
static bool close_all(struct domain *d, bool preempt)
{
    unsigned int p, closed = 0;

    for (p = 1; p < d->valid_evtchns; p++) {
        if (chan(d, p)->state == ECS_FREE)
            continue;
        close_port(d, p);
        if (preempt && !(++closed % RESET_CHUNK) && hypercall_preempt_check())
            return false;
    }
    if (d->evtchn_fifo || d->evtchn_port_ops == &evtchn_port_ops_fifo) {
        evtchn_fifo_destroy(d);
        d->evtchn_port_ops = &evtchn_port_ops_2l;
    }
    return true;
}

static long reset(domid_t dom, uint64_t arg)
{
    struct domain *d = target_domain(dom);

    if (!d)
        return current->domain->is_privileged ? -XEN_ESRCH : -XEN_EPERM;
    if (!close_all(d, hypercall_may_preempt()))
        hypercall_continue(EVTCHNOP_reset, arg, 0, 0);
    return 0;
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    evtchn_port_t port;

    spin_lock(&evtchn_lock);
    port = virq < NR_VIRQS ? v->virq_to_evtchn[virq] : 0;
    if (port && port_valid(v->domain, port))
        evtchn_set_pending(v, port);
    spin_unlock(&evtchn_lock);
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    evtchn_port_t port;

    spin_lock(&evtchn_lock);
    port = d->vcpu[0] && virq < NR_VIRQS ? d->vcpu[0]->virq_to_evtchn[virq] : 0;
    if (port && port_valid(d, port))
        evtchn_set_pending(evtchn_notify_vcpu(d, chan(d, port)), port);
    spin_unlock(&evtchn_lock);
}

/* A port whose other end is the hypervisor (DOMID_XEN), for its backends. */
int evtchn_alloc_xen_port(struct domain *d)
{
    struct evtchn *c;
    int port;

    spin_lock(&evtchn_lock);
    port = get_free_port(d);
    if (port > 0) {
        c = chan(d, (evtchn_port_t)port);
        c->state = ECS_INTERDOMAIN;
        c->notify_vcpu = 0;
        c->u.interdomain.dom = DOMID_XEN;
        c->u.interdomain.port = 0;
    }
    spin_unlock(&evtchn_lock);
    return port;
}

/* The hypervisor signals a port of d (its backend end of a channel). */
void evtchn_notify_port(struct domain *d, uint32_t port)
{
    spin_lock(&evtchn_lock);
    if (port_valid(d, port) && chan(d, port)->state != ECS_FREE)
        evtchn_set_pending(evtchn_notify_vcpu(d, chan(d, port)), port);
    spin_unlock(&evtchn_lock);
}

/* Domain death: ports closed, FIFO pages given back.  The port table
 * itself stays (peers may still look a port up) until the struct domain
 * goes. */
void evtchn_destroy(struct domain *d)
{
    spin_lock(&evtchn_lock);
    if (d->evtchn_bucket)
        close_all(d, false);
    spin_unlock(&evtchn_lock);
    /* PHYSDEVOP_pirq_eoi_gmfn_v2's page (physdev.c): its pirqs are closed. */
    if (d->pirq_eoi_map) {
        d->pirq_eoi_map = NULL;
        mm_lock_acquire();
        put_page_and_type(d->pirq_eoi_map_mfn, d);
        mm_lock_release();
    }
}

#define COPY_IN(x) do { if (copy_from_guest(&(x), arg, sizeof(x))) return -XEN_EFAULT; } while (0)
#define COPY_OUT(x) (copy_to_guest(arg, &(x), sizeof(x)) ? -XEN_EFAULT : 0)

static long evtchn_op(uint64_t cmd, uint64_t arg)
{
    union {
        struct evtchn_alloc_unbound au;
        struct evtchn_bind_interdomain bi;
        struct evtchn_bind_virq bv;
        struct evtchn_bind_ipi bp;
        struct evtchn_close cl;
        struct evtchn_send sd;
        struct evtchn_status st;
        struct evtchn_bind_vcpu bc;
        struct evtchn_unmask um;
        struct evtchn_reset rs;
        struct evtchn_init_control ic;
        struct evtchn_expand_array ea;
        struct evtchn_set_priority sp;
        struct evtchn_bind_pirq bq;
    } u;
    long rc;

    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        COPY_IN(u.au);
        rc = alloc_unbound(&u.au);
        return rc ? rc : COPY_OUT(u.au);
    case EVTCHNOP_bind_interdomain:
        COPY_IN(u.bi);
        rc = bind_interdomain(&u.bi);
        return rc ? rc : COPY_OUT(u.bi);
    case EVTCHNOP_bind_virq:
        COPY_IN(u.bv);
        rc = bind_virq(&u.bv);
        return rc ? rc : COPY_OUT(u.bv);
    case EVTCHNOP_bind_ipi:
        COPY_IN(u.bp);
        rc = bind_ipi(&u.bp);
        return rc ? rc : COPY_OUT(u.bp);
    case EVTCHNOP_close:
        COPY_IN(u.cl);
        return close_port(current->domain, u.cl.port);
    case EVTCHNOP_send:
        COPY_IN(u.sd);
        return send(u.sd.port);
    case EVTCHNOP_status:
        COPY_IN(u.st);
        rc = status(&u.st);
        return rc ? rc : COPY_OUT(u.st);
    case EVTCHNOP_bind_vcpu:
        COPY_IN(u.bc);
        return bind_vcpu(&u.bc);
    case EVTCHNOP_unmask:
        COPY_IN(u.um);
        return unmask(u.um.port);
    case EVTCHNOP_reset:
        COPY_IN(u.rs);
        return reset(u.rs.dom, arg);
    case EVTCHNOP_bind_pirq:
        COPY_IN(u.bq);
        rc = bind_pirq(&u.bq);
        return rc ? rc : COPY_OUT(u.bq);
    case EVTCHNOP_init_control:
        COPY_IN(u.ic);
        rc = evtchn_fifo_init_control(&u.ic);
        return rc ? rc : COPY_OUT(u.ic);       /* link_bits */
    case EVTCHNOP_expand_array:
        COPY_IN(u.ea);
        return evtchn_fifo_expand_array(&u.ea);
    case EVTCHNOP_set_priority:
        COPY_IN(u.sp);
        return set_priority(&u.sp);
    default:
        return -XEN_ENOSYS;
    }
}

long do_event_channel_op(uint64_t cmd, uint64_t arg)
{
    long rc;

    spin_lock(&evtchn_lock);
    rc = evtchn_op(cmd, arg);
    spin_unlock(&evtchn_lock);
    return rc;
}
