/*
 * Inside the event-channel code only (common/event_channel.c and
 * common/event_fifo.c): the per-domain port operations, after Xen's
 * evtchn_port_ops.  Every operation is called with evtchn_lock held and
 * with a valid port; the guest may change its own pending/mask state at
 * any moment, so the implementations use atomic operations on those words.
 */
#ifndef KEEL_EVTCHN_OPS_H
#define KEEL_EVTCHN_OPS_H
#include <keel/event.h>
#include <public/event_channel.h>

struct evtchn_port_ops {
    /* A channel is being allocated (port state still ECS_FREE). */
    void (*init)(struct domain *d, struct evtchn *c, evtchn_port_t port);
    /* Make port pending and notify v if an upcall became due. */
    void (*set_pending)(struct vcpu *v, evtchn_port_t port);
    void (*clear_pending)(struct domain *d, evtchn_port_t port);
    void (*unmask)(struct domain *d, evtchn_port_t port);
    bool (*is_pending)(struct domain *d, evtchn_port_t port);
    /* Still in use by the guest after a close (FIFO: on a queue). */
    bool (*is_busy)(struct domain *d, evtchn_port_t port);
    /* NULL: EVTCHNOP_set_priority is -ENOSYS (the 2-level ABI). */
    int (*set_priority)(struct domain *d, struct evtchn *c, unsigned int priority);
};

extern const struct evtchn_port_ops evtchn_port_ops_2l;
extern const struct evtchn_port_ops evtchn_port_ops_fifo;

/* Shared by both files. */
void evtchn_wake_pollers(struct domain *d, evtchn_port_t port);
void evtchn_mark_upcall(struct vcpu *v);
struct vcpu *evtchn_notify_vcpu(struct domain *d, const struct evtchn *c);
/* Highest port + 1 the domain's current ABI can use. */
unsigned int evtchn_port_limit(const struct domain *d);

/* FIFO ABI (event_fifo.c). */
long evtchn_fifo_init_control(struct evtchn_init_control *ic);
long evtchn_fifo_expand_array(const struct evtchn_expand_array *ea);
void evtchn_fifo_destroy(struct domain *d);    /* back to no FIFO state */
#endif
