/*
 * Event channels, 2-level ABI (pending and mask bitmaps in shared_info,
 * a selector word per vCPU).  See common/event_channel.c.
 */
#ifndef KEEL_EVENT_H
#define KEEL_EVENT_H
#include <keel/types.h>
#include <public/xen.h>
struct domain;
struct vcpu;

#define NR_VIRQS 24
#define DEFAULT_MAX_EVTCHNS 1024  /* per domain unless the builder says otherwise */

enum evtchn_state { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_PIRQ,
                    ECS_VIRQ, ECS_IPI };

struct evtchn {
    uint8_t state;
    uint8_t pad;
    uint16_t notify_vcpu;
    union {
        domid_t remote_domid;                           /* ECS_UNBOUND */
        struct { domid_t dom; evtchn_port_t port; } interdomain;
        uint32_t virq;                                  /* ECS_VIRQ */
        uint32_t pirq;                                  /* ECS_PIRQ */
    } u;
};

int evtchn_init(struct domain *d, unsigned int max_ports);
void evtchn_destroy(struct domain *d);
long do_event_channel_op(uint64_t cmd, uint64_t arg);
/* Raise a VIRQ: per-vCPU ones on v, global ones on the domain's binding. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_guest_global_virq(struct domain *d, unsigned int virq);
bool evtchn_port_pending(struct domain *d, evtchn_port_t port);
int evtchn_alloc_xen_port(struct domain *d);
void evtchn_notify_port(struct domain *d, uint32_t port);
#endif
