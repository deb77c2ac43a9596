/*
 * Cross-domain helpers for the guests that pair domains (evt-ping,
 * evt-pong, evt-intruder, gbench-*): event-channel calls, an upcall
 * handler counting events per port, three ways to wait for an event
 * (SCHEDOP_block + upcall, SCHEDOP_poll on a masked port, spinning on
 * the pending bit with SCHEDOP_yield), a sleep that loses no event, and
 * granting / mapping one page between two domains.
 *
 * Domains find each other as the grant-table test does: their ids come
 * from the boot description's order (domain 1, 2, ...), and the first
 * domain publishes everything else (port numbers, round counts) in a
 * page it grants to the others at a fixed reference.
 */
#ifndef GUEST_XDOM_H
#define GUEST_XDOM_H
#include "guest.h"
#include <public/event_channel.h>
#include <public/grant_table.h>

#define XD_MAX_PORTS 4096
#define XD_FIFO_PORTS 1024     /* event words of xd_fifo_init's one array page */

/* Events seen per port by the upcall handler or by xd_wait_poll/spin. */
extern volatile unsigned int xd_hits[XD_MAX_PORTS];

static inline long xd_evtchn_op(unsigned int cmd, void *arg)
{
	return HC(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

static inline long xd_gnttab_op(unsigned int cmd, void *op, unsigned int count)
{
	return HC(__HYPERVISOR_grant_table_op, cmd, op, count, 0, 0);
}

bool xd_test_bit(const volatile xen_ulong_t *a, unsigned int bit);
void xd_set_bit(volatile xen_ulong_t *a, unsigned int bit);
bool xd_test_and_clear_bit(volatile xen_ulong_t *a, unsigned int bit);

/* Install the trap table and the counting upcall handler, bind VIRQ_TIMER;
 * events stay masked (evtchn_upcall_mask) outside the waits. */
void xd_events_init(void);

/* Switch to the FIFO ABI (init_control for vCPU 0, one array page of
 * unmasked words): 0 or the failing call's error.  From then on the
 * upcall handler consumes the FIFO queues as Linux does, and the waits
 * and xd_take_pending use event words.  xd_fifo_bad counts events the
 * handler found that no correct hypervisor links (port 0, out of range). */
long xd_fifo_init(void);
extern bool xd_fifo;
extern unsigned int xd_fifo_bad;
/* Acknowledge port's pending event by hand (either ABI); true if it was. */
bool xd_take_pending(evtchn_port_t port);

/* Thin event-channel calls: 0 or a negative Xen errno. */
long xd_alloc_unbound(domid_t remote, evtchn_port_t *port);
long xd_bind_interdomain(domid_t rdom, evtchn_port_t rport, evtchn_port_t *local);
long xd_send(evtchn_port_t port);
long xd_close(evtchn_port_t port);
long xd_unmask(evtchn_port_t port);
/* EVTCHNOP_status of (dom, port) into st; returns the call's result. */
long xd_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st);

/* How a receiver waits for the next event on a port. */
enum xd_wait {
	XD_BLOCK,	/* port unmasked: SCHEDOP_block, counted by the upcall */
	XD_POLL,	/* port masked: SCHEDOP_poll, pending bit cleared by hand */
	XD_SPIN,	/* port masked: spin on the pending bit, SCHEDOP_yield */
};
/* Set port up for a wait mode: mask it for XD_POLL/XD_SPIN, unmask
 * (EVTCHNOP_unmask, which re-raises a pending event) for XD_BLOCK. */
void xd_port_mode(evtchn_port_t port, enum xd_wait how);
/* Wait until xd_hits[port] >= want or system time reaches deadline;
 * true if the count was reached. */
bool xd_wait(evtchn_port_t port, enum xd_wait how, unsigned int want, uint64_t deadline);
/* Sleep ms milliseconds with SCHEDOP_block; events arriving meanwhile are
 * counted by the upcall handler, none is dropped (unlike the library's
 * sleep_ms, which acknowledges by hand and needs no handler). */
void xd_sleep_ms(uint64_t ms);

/* Grant table v1 of one frame, mapped; returns its entries. */
volatile struct grant_entry_v1 *xd_gnttab_setup(void);
/* Grant page (ours, in the bootstrap region) to domain `to` at ref. */
void xd_grant(volatile struct grant_entry_v1 *gt, grant_ref_t ref, domid_t to,
	      const void *page, bool readonly);
int16_t xd_map(domid_t dom, grant_ref_t ref, void *va, bool readonly, grant_handle_t *h);
int16_t xd_unmap(void *va, grant_handle_t h);
/* xd_map, retried every 10 ms for up to ms while the granter gets ready. */
int16_t xd_map_retry(domid_t dom, grant_ref_t ref, void *va, bool readonly,
		     grant_handle_t *h, uint64_t ms);
/* One GNTTABOP_copy of len bytes from (dom, ref, off) into our page. */
int16_t xd_copy_from(domid_t dom, grant_ref_t ref, uint16_t off, void *mine, uint16_t len);

/* Sort n samples in place, ascending (Shell sort). */
void xd_sort(uint64_t *a, unsigned int n);

#endif
