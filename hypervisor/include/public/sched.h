/*
 * __HYPERVISOR_sched_op(cmd, arg): yield, block, shut down, poll.
 */
#ifndef __XEN_PUBLIC_SCHED_H__
#define __XEN_PUBLIC_SCHED_H__

#include "event_channel.h"

/*
 * yield: arg unused; give up the CPU, stay runnable.
 * block: arg unused; sleep until an event is pending (clears the upcall
 *   mask first, so a pending event returns at once).
 * shutdown: arg = sched_shutdown; stop the calling domain.
 * poll: arg = sched_poll; block until one of the ports is pending or the
 *   timeout passes.
 * remote_shutdown: arg = sched_remote_shutdown; stop another domain
 *   (privileged).
 * shutdown_code: arg = sched_shutdown; record the reason to report later
 *   without shutting down now.
 * watchdog: arg = sched_watchdog; create (id 0), refresh or destroy
 *   (timeout 0) a domain watchdog; returns the id.
 * pin_override: arg = sched_pin_override; temporarily pin this vCPU
 *   (dom0 only).
 */
#define SCHEDOP_yield           0
#define SCHEDOP_block           1
#define SCHEDOP_shutdown        2
#define SCHEDOP_poll            3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code   5
#define SCHEDOP_watchdog        6
#define SCHEDOP_pin_override    7

/* Shutdown reasons (sched_shutdown.reason). */
#define SHUTDOWN_poweroff   0   /* normal exit: clean up and destroy */
#define SHUTDOWN_reboot     1   /* destroy and restart */
#define SHUTDOWN_suspend    2   /* save state, then destroy */
#define SHUTDOWN_crash      3   /* the guest crashed */
#define SHUTDOWN_watchdog   4   /* the watchdog fired */
#define SHUTDOWN_soft_reset 5   /* reset the domain, keeping its memory */
#define SHUTDOWN_MAX        5

#ifndef __ASSEMBLY__

struct sched_shutdown {
    uint32_t reason;        /* IN: SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;

struct sched_poll {
    XEN_GUEST_HANDLE(evtchn_port_t) ports;  /* IN: array of ports */
    uint32_t nr_ports;                      /* IN: entries in ports */
    uint32_t _pad0;
    uint64_t timeout;       /* IN: absolute system time (ns), 0 = none */
};
typedef struct sched_poll sched_poll_t;

struct sched_remote_shutdown {
    domid_t  domain_id;     /* IN: domain to stop */
    uint16_t _pad0;
    uint32_t reason;        /* IN: SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;

struct sched_watchdog {
    uint32_t id;            /* IN: watchdog (0 = create a new one) */
    uint32_t timeout;       /* IN: seconds (0 = destroy) */
};
typedef struct sched_watchdog sched_watchdog_t;

struct sched_pin_override {
    int32_t pcpu;           /* IN: physical CPU, or negative to undo */
};
typedef struct sched_pin_override sched_pin_override_t;

XEN_ABI_SIZE(struct sched_shutdown, 4);
XEN_ABI_SIZE(struct sched_poll, 24);
XEN_ABI_OFFSET(struct sched_poll, nr_ports, 8);
XEN_ABI_OFFSET(struct sched_poll, timeout, 16);
XEN_ABI_SIZE(struct sched_remote_shutdown, 8);
XEN_ABI_OFFSET(struct sched_remote_shutdown, reason, 4);
XEN_ABI_SIZE(struct sched_watchdog, 8);
XEN_ABI_OFFSET(struct sched_watchdog, timeout, 4);
XEN_ABI_SIZE(struct sched_pin_override, 4);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_SCHED_H__ */
