/*
 * __HYPERVISOR_event_channel_op(cmd, arg): event channels.
 * Each EVTCHNOP_x takes a struct evtchn_x as arg.
 */
#ifndef __XEN_PUBLIC_EVENT_CHANNEL_H__
#define __XEN_PUBLIC_EVENT_CHANNEL_H__

#include "xen.h"

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11
#define EVTCHNOP_expand_array     12
#define EVTCHNOP_set_priority     13

/* evtchn_bind_pirq.flags */
#define BIND_PIRQ__WILL_SHARE 1

/* evtchn_status.status */
#define EVTCHNSTAT_closed      0  /* port free */
#define EVTCHNSTAT_unbound     1  /* waiting for a remote domain to bind */
#define EVTCHNSTAT_interdomain 2  /* connected to a remote port */
#define EVTCHNSTAT_pirq        3  /* bound to a physical IRQ */
#define EVTCHNSTAT_virq        4  /* bound to a VIRQ */
#define EVTCHNSTAT_ipi         5  /* bound to an IPI */

/* Ports usable with the 2-level ABI (bits in shared_info). */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

/* FIFO ABI (init_control / expand_array / set_priority). */
#define EVTCHN_FIFO_PRIORITY_MAX     0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN     15
#define EVTCHN_FIFO_MAX_QUEUES       (EVTCHN_FIFO_PRIORITY_MIN + 1)
/* Bits of an event_word_t. */
#define EVTCHN_FIFO_PENDING   31
#define EVTCHN_FIFO_MASKED    30
#define EVTCHN_FIFO_LINKED    29
#define EVTCHN_FIFO_BUSY      28
#define EVTCHN_FIFO_LINK_BITS 17
#define EVTCHN_FIFO_LINK_MASK ((1 << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1 << EVTCHN_FIFO_LINK_BITS)

#ifndef __ASSEMBLY__

/* Allocate a port in `dom` that `remote_dom` may later bind to. */
struct evtchn_alloc_unbound {
    domid_t dom;            /* IN: DOMID_SELF, or another domain (privileged) */
    domid_t remote_dom;     /* IN: who may connect */
    evtchn_port_t port;     /* OUT */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/* Connect a new local port to an unbound port of another domain. */
struct evtchn_bind_interdomain {
    domid_t remote_dom;         /* IN */
    uint16_t _pad0;
    evtchn_port_t remote_port;  /* IN */
    evtchn_port_t local_port;   /* OUT */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/* Bind a VIRQ_* to a new port delivered to `vcpu`. */
struct evtchn_bind_virq {
    uint32_t virq;          /* IN: VIRQ_* */
    uint32_t vcpu;          /* IN */
    evtchn_port_t port;     /* OUT */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

/* Bind a physical IRQ (pirq) to a new port. */
struct evtchn_bind_pirq {
    uint32_t pirq;          /* IN */
    uint32_t flags;         /* IN: BIND_PIRQ__* */
    evtchn_port_t port;     /* OUT */
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

/* A new port for IPIs to `vcpu` of the calling domain. */
struct evtchn_bind_ipi {
    uint32_t vcpu;          /* IN */
    evtchn_port_t port;     /* OUT */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

/* Close a port (an interdomain peer goes back to unbound). */
struct evtchn_close {
    evtchn_port_t port;     /* IN */
};
typedef struct evtchn_close evtchn_close_t;

/* Signal the other end of a port. */
struct evtchn_send {
    evtchn_port_t port;     /* IN */
};
typedef struct evtchn_send evtchn_send_t;

/* Query the state of a port. */
struct evtchn_status {
    domid_t dom;            /* IN: DOMID_SELF or another domain (privileged) */
    uint16_t _pad0;
    evtchn_port_t port;     /* IN */
    uint32_t status;        /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;          /* OUT: vCPU the port notifies */
    union {
        struct {
            domid_t dom;
        } unbound;              /* EVTCHNSTAT_unbound: who may connect */
        struct {
            domid_t dom;
            uint16_t _pad0;
            evtchn_port_t port;
        } interdomain;          /* EVTCHNSTAT_interdomain: the peer */
        uint32_t pirq;          /* EVTCHNSTAT_pirq */
        uint32_t virq;          /* EVTCHNSTAT_virq */
    } u;                        /* OUT */
};
typedef struct evtchn_status evtchn_status_t;

/* Deliver a port's notifications to another vCPU. */
struct evtchn_bind_vcpu {
    evtchn_port_t port;     /* IN */
    uint32_t vcpu;          /* IN */
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

/* Clear the mask bit of a port, delivering it if pending. */
struct evtchn_unmask {
    evtchn_port_t port;     /* IN */
};
typedef struct evtchn_unmask evtchn_unmask_t;

/* Close all ports of a domain. */
struct evtchn_reset {
    domid_t dom;            /* IN: DOMID_SELF or another domain (privileged) */
};
typedef struct evtchn_reset evtchn_reset_t;

/* Switch to the FIFO ABI: register vcpu's control block. */
struct evtchn_init_control {
    uint64_t control_gfn;   /* IN: frame holding evtchn_fifo_control_block */
    uint32_t offset;        /* IN: its offset in that frame */
    uint32_t vcpu;          /* IN */
    uint8_t  link_bits;     /* OUT: EVTCHN_FIFO_LINK_BITS */
    uint8_t  _pad[7];
};
typedef struct evtchn_init_control evtchn_init_control_t;

/* FIFO ABI: add one page of event words. */
struct evtchn_expand_array {
    uint64_t array_gfn;     /* IN */
};
typedef struct evtchn_expand_array evtchn_expand_array_t;

/* FIFO ABI: set a port's priority queue. */
struct evtchn_set_priority {
    evtchn_port_t port;     /* IN */
    uint32_t priority;      /* IN: EVTCHN_FIFO_PRIORITY_MAX..MIN */
};
typedef struct evtchn_set_priority evtchn_set_priority_t;

/* Argument of the obsolete __HYPERVISOR_event_channel_op_compat. */
struct evtchn_op {
    uint32_t cmd;           /* EVTCHNOP_* */
    union {
        evtchn_alloc_unbound_t    alloc_unbound;
        evtchn_bind_interdomain_t bind_interdomain;
        evtchn_bind_virq_t        bind_virq;
        evtchn_bind_pirq_t        bind_pirq;
        evtchn_bind_ipi_t         bind_ipi;
        evtchn_close_t            close;
        evtchn_send_t             send;
        evtchn_status_t           status;
        evtchn_bind_vcpu_t        bind_vcpu;
        evtchn_unmask_t           unmask;
    } u;
};
typedef struct evtchn_op evtchn_op_t;

/* FIFO ABI data. */
typedef uint32_t event_word_t;

struct evtchn_fifo_control_block {
    uint32_t ready;         /* bit per queue with events */
    uint32_t _rsvd;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;

XEN_ABI_SIZE(struct evtchn_alloc_unbound, 8);
XEN_ABI_OFFSET(struct evtchn_alloc_unbound, remote_dom, 2);
XEN_ABI_OFFSET(struct evtchn_alloc_unbound, port, 4);
XEN_ABI_SIZE(struct evtchn_bind_interdomain, 12);
XEN_ABI_OFFSET(struct evtchn_bind_interdomain, remote_port, 4);
XEN_ABI_OFFSET(struct evtchn_bind_interdomain, local_port, 8);
XEN_ABI_SIZE(struct evtchn_bind_virq, 12);
XEN_ABI_OFFSET(struct evtchn_bind_virq, port, 8);
XEN_ABI_SIZE(struct evtchn_bind_pirq, 12);
XEN_ABI_OFFSET(struct evtchn_bind_pirq, port, 8);
XEN_ABI_SIZE(struct evtchn_bind_ipi, 8);
XEN_ABI_OFFSET(struct evtchn_bind_ipi, port, 4);
XEN_ABI_SIZE(struct evtchn_close, 4);
XEN_ABI_SIZE(struct evtchn_send, 4);
XEN_ABI_SIZE(struct evtchn_status, 24);
XEN_ABI_OFFSET(struct evtchn_status, port, 4);
XEN_ABI_OFFSET(struct evtchn_status, status, 8);
XEN_ABI_OFFSET(struct evtchn_status, vcpu, 12);
XEN_ABI_OFFSET(struct evtchn_status, u, 16);
XEN_ABI_OFFSET(struct evtchn_status, u.interdomain.port, 20);
XEN_ABI_SIZE(struct evtchn_bind_vcpu, 8);
XEN_ABI_SIZE(struct evtchn_unmask, 4);
XEN_ABI_SIZE(struct evtchn_reset, 2);
XEN_ABI_SIZE(struct evtchn_init_control, 24);
XEN_ABI_OFFSET(struct evtchn_init_control, offset, 8);
XEN_ABI_OFFSET(struct evtchn_init_control, vcpu, 12);
XEN_ABI_OFFSET(struct evtchn_init_control, link_bits, 16);
XEN_ABI_SIZE(struct evtchn_expand_array, 8);
XEN_ABI_SIZE(struct evtchn_set_priority, 8);
XEN_ABI_SIZE(struct evtchn_op, 28);
XEN_ABI_OFFSET(struct evtchn_op, u, 4);
XEN_ABI_SIZE(struct evtchn_fifo_control_block, 72);
XEN_ABI_OFFSET(struct evtchn_fifo_control_block, head, 8);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_EVENT_CHANNEL_H__ */
