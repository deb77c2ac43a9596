/*
 * evt-pong (domain 2 of run-evtchn.sh and of the bench/ event scripts):
 * maps evt-ping's page (d1's ref 8, retrying until it is granted), binds
 * the port published there, and answers every event of the rounds: it
 * checks the sequence number and that exactly one event arrived, echoes
 * the number and sends back.  Then it closes its end (send and status as
 * Xen: -EINVAL / closed here, unbound on ping's side), rebinds, and finds
 * its end unbound once ping has closed the other.  With pong_fifo set in
 * the page (the test) it first switches to the FIFO event ABI.
 */
#include "evt-common.h"

static uint8_t win[4096] PAGE_ALIGNED;
static volatile struct evt_page *const page = (volatile struct evt_page *)win;

static void check_status(const char *what, evtchn_port_t port, uint32_t want, evtchn_port_t peer)
{
	struct evtchn_status st;
	long rc = xd_status(DOMID_SELF, port, &st);
	bool ok = rc == 0 && st.status == want;

	if (ok && want == EVTCHNSTAT_unbound)
		ok = st.u.unbound.dom == EVT_PING;
	if (ok && want == EVTCHNSTAT_interdomain)
		ok = st.u.interdomain.dom == EVT_PING && st.u.interdomain.port == peer;
	check(ok, what, "rc %ld status %u dom %u port %u", rc, st.status,
	      st.u.interdomain.dom, st.u.interdomain.port);
}

/* Bind ping's port; the new end starts pending (Xen), which we check and
 * acknowledge so that only ping's sends are counted. */
static evtchn_port_t bind(void)
{
	evtchn_port_t q = 0;

	CHECK_RC("bind_interdomain to ping's port", xd_bind_interdomain(EVT_PING, page->port_pong,
									 &q), 0);
	if (!check(q > 0 && q < XD_MAX_PORTS, "local port in range", "port %u", q))
		return 0;
	check(xd_take_pending(q), "the new local port starts pending",
	      "not pending");
	check_status("status: interdomain with ping's port", q, EVTCHNSTAT_interdomain,
		     page->port_pong);
	return q;
}

static void rounds(evtchn_port_t q)
{
	enum evt_mode m = (enum evt_mode)page->mode;
	unsigned int n = page->rounds, i, done = 0, bad_seq = 0, bad_count = 0, first = 0;
	uint64_t deadline = system_time_ns() + page->limit_ms * 1000000UL;
	enum xd_wait cur = XD_BLOCK;

	for (i = 1; i <= n; i++) {
		if (m == EVT_MODE_YIELD) {
			while (page->ping_seq != i && system_time_ns() < deadline)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			if (page->ping_seq != i)
				break;
		} else {
			enum xd_wait how = evt_how(m, false, i, n);

			if (how != cur)
				xd_port_mode(q, how);
			cur = how;
			if (!xd_wait(q, how, i, deadline))
				break;
			if (page->ping_seq != i && !bad_seq++)
				first = i;
			if (xd_hits[q] != i && !bad_count++)
				first = first ? first : i;
		}
		done = i;
		page->pong_seq = i;
		if (m != EVT_MODE_YIELD && xd_send(q))
			break;
	}
	xd_port_mode(q, XD_BLOCK);
	check(done == n, "every round's event arrived", "stopped after %u of %u (hits %u)", done,
	      n, xd_hits[q]);
	check(!bad_seq, "each event came after its sequence number", "%u wrong, first round %u",
	      bad_seq, first);
	check(!bad_count, "exactly one event per round", "%u rounds off, first %u", bad_count,
	      first);
}

static void close_steps(evtchn_port_t q)
{
	unsigned int base = xd_hits[q];
	evtchn_port_t q2;

	if (!check(xd_wait(q, XD_BLOCK, base + 1, system_time_ns() + 10000000000UL) &&
		   page->ping_stage == 1, "ping asked us to close", "stage %u", page->ping_stage))
		return;
	xd_sleep_ms(20);
	CHECK_EQ("no late or duplicate event after the last one", xd_hits[q], base + 1);
	CHECK_RC("close our end", xd_close(q), 0);
	check_status("our end closed", q, EVTCHNSTAT_closed, 0);
	CHECK_RC("send on our closed port => -EINVAL", xd_send(q), -XEN_EINVAL);
	CHECK_RC("close it again => -EINVAL", xd_close(q), -XEN_EINVAL);
	page->pong_stage = 1;
	if (!check(evt_wait_word(&page->ping_stage, 2, 10000), "ping checked its end",
		   "stage %u", page->ping_stage))
		return;
	q2 = bind();
	if (!q2)
		return;
	page->pong_port = q2;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	CHECK_RC("send on the rebound port", xd_send(q2), 0);
	if (!check(evt_wait_word(&page->ping_stage, 3, 10000), "ping closed its end",
		   "stage %u", page->ping_stage))
		return;
	check_status("peer closed: our end is unbound for d1", q2, EVTCHNSTAT_unbound, 0);
	CHECK_RC("send on it is accepted and dropped", xd_send(q2), 0);
	CHECK_RC("close it", xd_close(q2), 0);
	page->pong_stage = 3;
}

void guest_main(void)
{
	grant_handle_t h = 0;
	evtchn_port_t q;

	map_shared_info();
	xd_events_init();
	if (!CHECK_EQ("map ping's page", xd_map_retry(EVT_PING, EVT_REF_PONG, win, false, &h,
						       30000), GNTST_okay))
		return;
	if (!CHECK_EQ("ping's page is published", page->magic, EVT_MAGIC))
		return;
	if (!check(page->mode < EVT_NR_MODES && page->rounds >= 5 &&
		   page->rounds <= EVT_MAX_ROUNDS && page->limit_ms <= 600000, "ping's parameters",
		   "mode %u rounds %u limit %u ms", page->mode, page->rounds, page->limit_ms))
		return;
	if (page->pong_fifo && !CHECK_RC("switch to the FIFO event ABI", xd_fifo_init(), 0))
		return;
	say("event ABI: %s", xd_fifo ? "FIFO" : "2-level");
	q = bind();
	if (!q)
		return;
	CHECK_RC("binding ping's port twice => -EINVAL",
		 xd_bind_interdomain(EVT_PING, page->port_pong, &(evtchn_port_t){ 0 }),
		 -XEN_EINVAL);
	CHECK_RC("binding d3's port => -EINVAL",
		 xd_bind_interdomain(EVT_PING, page->port_intruder, &(evtchn_port_t){ 0 }),
		 -XEN_EINVAL);
	page->pong_port = q;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	CHECK_RC("send hello", xd_send(q), 0);
	rounds(q);
	close_steps(q);
	CHECK_EQ("unmap ping's page", xd_unmap(win, h), GNTST_okay);
	CHECK_EQ("no FIFO event the hypervisor should not have linked", xd_fifo_bad, 0);
}
