/*
 * evt-intruder (domain 3 of run-evtchn.sh): reads evt-ping's page through
 * d1's read-only ref 9 (GNTTABOP_copy) and tries to use ports that are
 * not meant for it, expecting what Xen 4.17 answers a domU without XSM
 * privileges: binding a port reserved for d2 (unbound, then bound to d2),
 * port 0 or an out-of-range port => -EINVAL; a domain that does not exist
 * => -ESRCH; status, alloc_unbound or reset in d1's table => -EPERM.  The
 * port allocated for it binds; it signals ping once and closes its end.
 */
#include "evt-common.h"

static uint8_t copy_page[4096] PAGE_ALIGNED;
static const volatile struct evt_page *const page = (const volatile struct evt_page *)copy_page;

/* Refresh our copy of ping's page; false if the copy failed. */
static bool refresh(void)
{
	return xd_copy_from(EVT_PING, EVT_REF_INTRUDER, 0, copy_page, sizeof(struct evt_page)) ==
	       GNTST_okay;
}

static long try_bind(domid_t dom, evtchn_port_t port)
{
	evtchn_port_t l = 0;
	long rc = xd_bind_interdomain(dom, port, &l);

	if (!rc)
		xd_close(l);     /* not expected: keep the table clean anyway */
	return rc;
}

static void foreign_ops(void)
{
	struct evtchn_alloc_unbound au = { .dom = EVT_PING, .remote_dom = EVT_INTRUDER };
	struct evtchn_reset rs = { .dom = EVT_PING };
	struct evtchn_status st;

	CHECK_RC("bind d1's port reserved for d2 => -EINVAL", try_bind(EVT_PING, page->port_spare),
		 -XEN_EINVAL);
	CHECK_RC("bind d1's port 0 => -EINVAL", try_bind(EVT_PING, 0), -XEN_EINVAL);
	CHECK_RC("bind d1's port 1<<20 => -EINVAL", try_bind(EVT_PING, 1U << 20), -XEN_EINVAL);
	CHECK_RC("bind to a domain that does not exist => -ESRCH", try_bind(77, 1), -XEN_ESRCH);
	CHECK_RC("status of d1's port => -EPERM", xd_status(EVT_PING, page->port_pong, &st),
		 -XEN_EPERM);
	CHECK_RC("alloc_unbound in d1's table => -EPERM",
		 xd_evtchn_op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM);
	CHECK_RC("reset d1's ports => -EPERM", xd_evtchn_op(EVTCHNOP_reset, &rs), -XEN_EPERM);
}

void guest_main(void)
{
	uint64_t end = 0;
	evtchn_port_t w = 0;
	struct evtchn_status st;
	bool got = false;

	map_shared_info();
	xd_events_init();
	for (end = system_time_ns() + 30000000000UL; system_time_ns() < end; xd_sleep_ms(10))
		if (refresh() && page->magic == EVT_MAGIC) {
			got = true;
			break;
		}
	if (!check(got, "read ping's page through ref 9", "not published in 30 s"))
		return;
	foreign_ops();
	/* Once d2 has bound the channel, its port is interdomain: still ours to refuse. */
	got = false;
	for (end = system_time_ns() + 30000000000UL; system_time_ns() < end; xd_sleep_ms(5))
		if (refresh() && page->pong_port) {
			got = true;
			break;
		}
	if (check(got, "d2 bound the channel", "pong_port still 0"))
		CHECK_RC("bind d1's port bound to d2 => -EINVAL", try_bind(EVT_PING, page->port_pong),
			 -XEN_EINVAL);
	CHECK_RC("bind d1's port allocated for us",
		 xd_bind_interdomain(EVT_PING, page->port_intruder, &w), 0);
	if (!w)
		return;
	CHECK_RC("status of our end", xd_status(DOMID_SELF, w, &st), 0);
	check(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == EVT_PING &&
	      st.u.interdomain.port == page->port_intruder, "our end: interdomain with d1's port",
	      "status %u dom %u port %u", st.status, st.u.interdomain.dom, st.u.interdomain.port);
	CHECK_RC("signal d1", xd_send(w), 0);
	CHECK_RC("close our end", xd_close(w), 0);
}
