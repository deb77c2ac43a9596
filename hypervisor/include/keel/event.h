/*
 * Event channels: Xen's 2-level ABI (pending and mask bitmaps in
 * shared_info, a selector word per vCPU) and its FIFO ABI (an event word
 * per port in guest pages, per-vCPU queues by priority).  The channel
 * state machine (common/event_channel.c) is shared; how a port is made
 * pending, masked and unmasked is the domain's port-ops table
 * (keel/evtchn_ops.h, as Xen's evtchn_port_ops): 2-level until the guest
 * registers a FIFO control block (common/event_fifo.c).
 */
#ifndef KEEL_EVENT_H
#define KEEL_EVENT_H
#include <keel/types.h>
#include <public/xen.h>
struct domain;
struct vcpu;

#define NR_VIRQS 24
/* Ports per domain unless the builder says otherwise: xl's default
 * max_event_channels (1023, the highest port) for a domU; the control
 * domain may use every FIFO port (Xen puts no limit on the hardware
 * domain).  The 2-level ABI never offers more than EVTCHN_2L_NR_CHANNELS. */
#define DEFAULT_MAX_EVTCHNS 1024
#define EVTCHNS_PER_BUCKET 256   /* struct evtchn entries allocated together */

enum evtchn_state { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_PIRQ,
                    ECS_VIRQ, ECS_IPI };

struct evtchn {
    uint8_t state;
    uint8_t priority;           /* FIFO: the queue its next link goes to */
    uint16_t notify_vcpu;
    uint16_t last_vcpu;         /* FIFO: the queue it was last linked on ... */
    uint8_t last_priority;      /* ... (vCPU, priority) */
    bool fifo_pending;          /* FIFO: raised while its event word had no page */
    union {
        domid_t remote_domid;                           /* ECS_UNBOUND */
        struct { domid_t dom; evtchn_port_t port; } interdomain;
        uint32_t virq;                                  /* ECS_VIRQ */
        uint32_t pirq;                                  /* ECS_PIRQ */
    } u;
};

int evtchn_init(struct domain *d, unsigned int max_ports);
void evtchn_destroy(struct domain *d);
void evtchn_free(struct domain *d);      /* after evtchn_destroy, with the struct */
long do_event_channel_op(uint64_t cmd, uint64_t arg);
/* The channel of port, or NULL if port was never allocated in d. */
struct evtchn *evtchn_from_port(struct domain *d, evtchn_port_t port);
/* Raise a VIRQ: per-vCPU ones on v, global ones on the domain's binding. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_guest_global_virq(struct domain *d, unsigned int virq);
bool evtchn_port_pending(struct domain *d, evtchn_port_t port);
int evtchn_alloc_xen_port(struct domain *d);
/* The guest frames d's FIFO state holds references on (control blocks,
 * event-array pages; a frame once per reference), at most max of them
 * into out; returns how many.  For audits and tests. */
unsigned int evtchn_fifo_frames(struct domain *d, mfn_t *out, unsigned int max);
void evtchn_notify_port(struct domain *d, uint32_t port);
#endif
