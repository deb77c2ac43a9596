/*
 * Event channels with Xen's 2-level ABI.  A domain has max_evtchns ports
 * (fixed at creation, never more than EVTCHN_2L_NR_CHANNELS); port 0 is
 * reserved.  Raising an event sets the port's pending bit in shared_info;
 * if the port is unmasked and its selector bit was clear, the vCPU's
 * evtchn_upcall_pending is set and the vCPU woken, and the upcall is
 * delivered on its next return to the guest (context.c).
 *
 * Locking: evtchn_lock (one lock, for now) protects every domain's port
 * table and the virq bindings; the bitmaps in shared_info are changed
 * with atomic bit operations because the guest changes them too.
 */
#include <keel/event.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/sched.h>
#include <keel/console_backend.h>
#include <keel/irq.h>
#include <public/event_channel.h>

static spinlock_t evtchn_lock = SPIN_LOCK_UNLOCKED;

static bool test_and_set(uint64_t *words, unsigned int bit)
{
    uint64_t m = 1UL << (bit % 64);
    return __atomic_fetch_or(&words[bit / 64], m, __ATOMIC_SEQ_CST) & m;
}

static void clear_bit_atomic(uint64_t *words, unsigned int bit)
{
    __atomic_fetch_and(&words[bit / 64], ~(1UL << (bit % 64)), __ATOMIC_SEQ_CST);
}

static bool test_bit_atomic(const uint64_t *words, unsigned int bit)
{
    return (__atomic_load_n(&words[bit / 64], __ATOMIC_SEQ_CST) >> (bit % 64)) & 1;
}

int evtchn_init(struct domain *d, unsigned int max_ports)
{
    if (max_ports < 2 || max_ports > EVTCHN_2L_NR_CHANNELS)
        return -XEN_EINVAL;
    d->evtchn = xzalloc_bytes(max_ports * sizeof(struct evtchn));
    if (!d->evtchn)
        return -XEN_ENOMEM;
    d->max_evtchns = max_ports;
    d->evtchn[0].state = ECS_RESERVED;
    return 0;
}

static bool port_valid(const struct domain *d, uint64_t port)
{
    return port < d->max_evtchns && d->evtchn;
}

static struct vcpu *notify_vcpu(struct domain *d, const struct evtchn *c)
{
    struct vcpu *v = c->notify_vcpu < d->max_vcpus ? d->vcpu[c->notify_vcpu] : NULL;
    return v ? v : d->vcpu[0];
}

/* Wake the domain's vCPUs sleeping in SCHEDOP_poll on port. */
static void evtchn_wake_pollers(struct domain *d, evtchn_port_t port)
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

/* Mark port pending for vCPU v (2-level ABI) and kick v if that made an upcall due. */
static void evtchn_set_pending(struct vcpu *v, evtchn_port_t port)
{
    struct shared_info *s = v->domain->shared_info;

    if (test_and_set(s->evtchn_pending, port))
        return;
    evtchn_wake_pollers(v->domain, port);
    if (!test_bit_atomic(s->evtchn_mask, port) &&
        !test_and_set(&v->vcpu_info->evtchn_pending_sel, port / 64)) {
        v->vcpu_info->evtchn_upcall_pending = 1;
        vcpu_wake(v);
    }
}

bool evtchn_port_pending(struct domain *d, evtchn_port_t port)
{
    return port_valid(d, port) && test_bit_atomic(d->shared_info->evtchn_pending, port);
}

static int get_free_port(struct domain *d)
{
    unsigned int p;

    for (p = 1; p < d->max_evtchns; p++)
        if (d->evtchn[p].state == ECS_FREE)
            return (int)p;
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
    int port;

    if (!d)
        return current->domain->is_privileged ? -XEN_ESRCH : -XEN_EPERM;
    port = get_free_port(d);
    if (port < 0)
        return port;
    d->evtchn[port].state = ECS_UNBOUND;
    d->evtchn[port].notify_vcpu = 0;
    d->evtchn[port].u.remote_domid = a->remote_dom == DOMID_SELF ? current->domain->domain_id
                                                                 : a->remote_dom;
    a->port = (evtchn_port_t)port;
    return 0;
}

static long bind_interdomain(struct evtchn_bind_interdomain *b)
{
    struct domain *ld = current->domain, *rd;
    struct evtchn *rc;
    int lport;

    rd = b->remote_dom == DOMID_SELF ? ld : domain_lookup(b->remote_dom);
    if (!rd)
        return -XEN_ESRCH;
    if (!port_valid(rd, b->remote_port))
        return -XEN_EINVAL;
    rc = &rd->evtchn[b->remote_port];
    if (rc->state != ECS_UNBOUND || rc->u.remote_domid != ld->domain_id)
        return -XEN_EINVAL;
    lport = get_free_port(ld);
    if (lport < 0)
        return lport;
    ld->evtchn[lport].state = ECS_INTERDOMAIN;
    ld->evtchn[lport].notify_vcpu = 0;
    ld->evtchn[lport].u.interdomain.dom = rd->domain_id;
    ld->evtchn[lport].u.interdomain.port = b->remote_port;
    rc->state = ECS_INTERDOMAIN;
    rc->u.interdomain.dom = ld->domain_id;
    rc->u.interdomain.port = (evtchn_port_t)lport;
    b->local_port = (evtchn_port_t)lport;
    /* As Xen: the new port starts pending, so no notification is lost
     * between the peer's setup and this bind. */
    evtchn_set_pending(notify_vcpu(ld, &ld->evtchn[lport]), (evtchn_port_t)lport);
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
    d->evtchn[port].state = ECS_VIRQ;
    d->evtchn[port].notify_vcpu = (uint16_t)b->vcpu;
    d->evtchn[port].u.virq = b->virq;
    v->virq_to_evtchn[b->virq] = (evtchn_port_t)port;
    b->port = (evtchn_port_t)port;
    return 0;
}

static long bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current->domain;
    int port;

    if (b->vcpu >= d->max_vcpus || !d->vcpu[b->vcpu])
        return -XEN_ENOENT;
    port = get_free_port(d);
    if (port < 0)
        return port;
    d->evtchn[port].state = ECS_IPI;
    d->evtchn[port].notify_vcpu = (uint16_t)b->vcpu;
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
    d->evtchn[port].state = ECS_PIRQ;
    d->evtchn[port].notify_vcpu = 0;
    d->evtchn[port].u.pirq = b->pirq;
    b->port = (evtchn_port_t)port;
    return 0;
}

static long close_port(struct domain *d, evtchn_port_t port)
{
    struct evtchn *c;

    if (!port_valid(d, port))
        return -XEN_EINVAL;
    c = &d->evtchn[port];
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -XEN_EINVAL;
    case ECS_VIRQ: {
        /* A global VIRQ's binding lives in vCPU 0 even after bind_vcpu
         * moved its notifications; a per-vCPU one in its vCPU. */
        struct vcpu *v = virq_is_global(c->u.virq) ? d->vcpu[0] : notify_vcpu(d, c);
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
            struct evtchn *rc = &rd->evtchn[c->u.interdomain.port];
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
    clear_bit_atomic(d->shared_info->evtchn_pending, port);
    memset(c, 0, sizeof(*c));
    return 0;
}

static long send(evtchn_port_t port)
{
    struct domain *ld = current->domain, *rd;
    struct evtchn *c;

    if (!port_valid(ld, port))
        return -XEN_EINVAL;
    c = &ld->evtchn[port];
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
            evtchn_set_pending(notify_vcpu(rd, &rd->evtchn[c->u.interdomain.port]),
                               c->u.interdomain.port);
        return 0;
    case ECS_IPI:
        evtchn_set_pending(notify_vcpu(ld, c), port);
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
    c = &d->evtchn[st->port];
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
    default:
        st->status = EVTCHNSTAT_pirq;
        st->u.pirq = c->u.pirq;
    }
    return 0;
}

static long bind_vcpu(const struct evtchn_bind_vcpu *b)
{
    struct domain *d = current->domain;
    struct evtchn *c;

    if (!port_valid(d, b->port))
        return -XEN_EINVAL;
    if (b->vcpu >= d->max_vcpus || !d->vcpu[b->vcpu])
        return -XEN_ENOENT;
    c = &d->evtchn[b->port];
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
    struct shared_info *s = d->shared_info;
    struct vcpu *v;

    if (!port_valid(d, port))
        return -XEN_EINVAL;
    v = notify_vcpu(d, &d->evtchn[port]);
    clear_bit_atomic(s->evtchn_mask, port);
    if (test_bit_atomic(s->evtchn_pending, port) &&
        !test_and_set(&v->vcpu_info->evtchn_pending_sel, port / 64)) {
        v->vcpu_info->evtchn_upcall_pending = 1;
        vcpu_wake(v);
    }
    return 0;
}

static long reset(domid_t dom)
{
    struct domain *d = target_domain(dom);
    unsigned int p;

    if (!d)
        return current->domain->is_privileged ? -XEN_ESRCH : -XEN_EPERM;
    for (p = 1; p < d->max_evtchns; p++)
        if (d->evtchn[p].state != ECS_FREE)
            close_port(d, p);
    return 0;
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    evtchn_port_t port;

    spin_lock(&evtchn_lock);
    port = virq < NR_VIRQS ? v->virq_to_evtchn[virq] : 0;
    if (port)
        evtchn_set_pending(v, port);
    spin_unlock(&evtchn_lock);
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    evtchn_port_t port;

    spin_lock(&evtchn_lock);
    port = d->vcpu[0] && virq < NR_VIRQS ? d->vcpu[0]->virq_to_evtchn[virq] : 0;
    if (port && port_valid(d, port))
        evtchn_set_pending(notify_vcpu(d, &d->evtchn[port]), port);
    spin_unlock(&evtchn_lock);
}

/* A port whose other end is the hypervisor (DOMID_XEN), for its backends. */
int evtchn_alloc_xen_port(struct domain *d)
{
    int port;

    spin_lock(&evtchn_lock);
    port = get_free_port(d);
    if (port > 0) {
        d->evtchn[port].state = ECS_INTERDOMAIN;
        d->evtchn[port].notify_vcpu = 0;
        d->evtchn[port].u.interdomain.dom = DOMID_XEN;
        d->evtchn[port].u.interdomain.port = 0;
    }
    spin_unlock(&evtchn_lock);
    return port;
}

/* The hypervisor signals a port of d (its backend end of a channel). */
void evtchn_notify_port(struct domain *d, uint32_t port)
{
    spin_lock(&evtchn_lock);
    if (port_valid(d, port) && d->evtchn[port].state != ECS_FREE)
        evtchn_set_pending(notify_vcpu(d, &d->evtchn[port]), port);
    spin_unlock(&evtchn_lock);
}

void evtchn_destroy(struct domain *d)
{
    unsigned int p;

    spin_lock(&evtchn_lock);
    for (p = 1; p < d->max_evtchns; p++)
        if (d->evtchn[p].state != ECS_FREE)
            close_port(d, p);
    spin_unlock(&evtchn_lock);
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
        return reset(u.rs.dom);
    case EVTCHNOP_bind_pirq:
        COPY_IN(u.bq);
        rc = bind_pirq(&u.bq);
        return rc ? rc : COPY_OUT(u.bq);
    case EVTCHNOP_init_control:     /* FIFO ABI: not implemented, guests fall back to 2-level */
    case EVTCHNOP_expand_array:
    case EVTCHNOP_set_priority:
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
