/*
 * evt-ping (domain 1 of run-evtchn.sh and of the bench/ event scripts):
 * allocates unbound ports for evt-pong (d2) and evt-intruder (d3),
 * publishes them in a granted page, and once evt-pong has bound its port
 * bounces `rounds=N` events (default 1000) with it: every round writes a
 * sequence number, sends, and waits for the answer, checking that exactly
 * one event arrived and that the peer saw the same number.  In the test
 * (mode=0) the waits go through five phases: both SCHEDOP_block, both
 * SCHEDOP_poll, block against poll, poll against block, both spinning.
 * Then close and rebind as Xen does them (evt-common.h for the steps),
 * and the intruder's one permitted bind.  It prints
 * "# evt-result: mode=M rounds=N rtt-mean-ns A rtt-median-ns B" for the
 * benchmarks (mode=1 block, 2 poll, 3 spin, 4 yield; bench=1 skips the
 * intruder).  All rounds must be done within limit=MS (3000, bench 60000).
 * evt-pong uses the FIFO ABI (pong_fifo=1, the default without bench=1),
 * so the test bounces events between a 2-level and a FIFO domain.
 */
#include "evt-common.h"

static union {
	struct evt_page p;
	uint8_t whole[4096];      /* the grant exposes this page and nothing else */
} page_store PAGE_ALIGNED;
static volatile struct evt_page *const page = &page_store.p;
static uint64_t rtt[EVT_MAX_ROUNDS];

static const char *const mode_name[EVT_NR_MODES] = { "mixed", "block", "poll", "spin", "yield" };

static void check_status(const char *what, evtchn_port_t port, uint32_t want, domid_t dom,
			 evtchn_port_t peer)
{
	struct evtchn_status st;
	long rc = xd_status(DOMID_SELF, port, &st);
	bool ok = rc == 0 && st.status == want;

	if (ok && want == EVTCHNSTAT_unbound)
		ok = st.u.unbound.dom == dom;
	if (ok && want == EVTCHNSTAT_interdomain)
		ok = st.u.interdomain.dom == dom && st.u.interdomain.port == peer;
	check(ok, what, "rc %ld status %u dom %u port %u", rc, st.status,
	      st.u.interdomain.dom, st.u.interdomain.port);
}

static void setup_ports(void)
{
	struct evtchn_alloc_unbound au = { .dom = EVT_PONG, .remote_dom = EVT_PONG };
	evtchn_port_t p, s, v;

	CHECK_RC("alloc_unbound for d2", xd_alloc_unbound(EVT_PONG, &p), 0);
	CHECK_RC("a second unbound port for d2", xd_alloc_unbound(EVT_PONG, &s), 0);
	CHECK_RC("alloc_unbound for d3", xd_alloc_unbound(EVT_INTRUDER, &v), 0);
	check(p && s && v && p != s && s != v && p != v, "three distinct ports",
	      "%u %u %u", p, s, v);
	CHECK_RC("alloc_unbound in another domain's table => -EPERM",
		 xd_evtchn_op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM);
	check_status("status: unbound for d2", p, EVTCHNSTAT_unbound, EVT_PONG, 0);
	check_status("status: unbound for d3", v, EVTCHNSTAT_unbound, EVT_INTRUDER, 0);
	page->port_pong = p;
	page->port_spare = s;
	page->port_intruder = v;
}

/* Wait in round i (1-based) for the answer; returns false if none came. */
static bool await(enum evt_mode m, unsigned int i, uint64_t deadline, uint64_t *yields)
{
	evtchn_port_t p = page->port_pong;

	if (m == EVT_MODE_YIELD) {
		while (page->pong_seq != i) {
			if (system_time_ns() >= deadline)
				return false;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			++*yields;
		}
		return true;
	}
	return xd_wait(p, evt_how(m, true, i, page->rounds), 1 + i, deadline);
}

static void report(enum evt_mode m, unsigned int n, uint64_t yields)
{
	uint64_t sum = 0, min, max;
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		sum += rtt[i];
	xd_sort(rtt, n);
	min = rtt[0];
	max = rtt[n - 1];
	/* One console write each, under the hypervisor's 128-byte chunk. */
	say("evt-result: mode=%s rounds=%u rtt-mean-ns %lu rtt-median-ns %lu", mode_name[m], n,
	    (unsigned long)(sum / n), (unsigned long)rtt[n / 2]);
	say("evt-spread: mode=%s rtt-min-ns %lu rtt-max-ns %lu yields-per-round-x100 %lu",
	    mode_name[m], (unsigned long)min, (unsigned long)max,
	    (unsigned long)(yields * 100 / n));
}

static void rounds(enum evt_mode m)
{
	evtchn_port_t p = page->port_pong;
	unsigned int n = page->rounds, i, done = 0, bad_seq = 0, bad_count = 0, first_bad = 0;
	enum xd_wait cur = XD_BLOCK;
	uint64_t deadline = system_time_ns() + page->limit_ms * 1000000UL, yields = 0;

	for (i = 1; i <= n; i++) {
		enum xd_wait how = evt_how(m, true, i, n);
		uint64_t t0;

		if (how != cur)
			xd_port_mode(p, how);
		cur = how;
		t0 = system_time_ns();
		page->ping_seq = i;
		if (m != EVT_MODE_YIELD && xd_send(p))
			break;
		if (!await(m, i, deadline, &yields))
			break;
		rtt[i - 1] = system_time_ns() - t0;
		done = i;
		if (page->pong_seq != i && !bad_seq++)
			first_bad = i;
		if (m != EVT_MODE_YIELD && xd_hits[p] != 1 + i && !bad_count++)
			first_bad = first_bad ? first_bad : i;
	}
	xd_port_mode(p, XD_BLOCK);
	check(done == n, "every round answered (no event lost)", "stopped after %u of %u "
	      "(hits %u)", done, n, xd_hits[p]);
	check(!bad_seq, "pong echoed every sequence number", "%u wrong, first in round %u",
	      bad_seq, first_bad);
	check(!bad_count, "exactly one event per round", "%u rounds off, first %u", bad_count,
	      first_bad);
	xd_sleep_ms(20);
	CHECK_EQ("no late or duplicate event after the last round", xd_hits[p],
		 1 + (m == EVT_MODE_YIELD ? 0 : n));
	report(m, done, yields);
}

/* Close and rebind, in lock-step with evt-pong through the stage words. */
static void close_steps(void)
{
	evtchn_port_t p = page->port_pong;
	unsigned int base = xd_hits[p];

	page->ping_stage = 1;
	CHECK_RC("send: 'close your end'", xd_send(p), 0);
	if (!check(evt_wait_word(&page->pong_stage, 1, 10000), "pong closed its end",
		   "stage %u", page->pong_stage))
		return;
	check_status("peer closed: our end is unbound for d2 again", p, EVTCHNSTAT_unbound,
		     EVT_PONG, 0);
	CHECK_RC("send on it is accepted and dropped", xd_send(p), 0);
	page->ping_stage = 2;
	check(xd_wait(p, XD_BLOCK, base + 1, system_time_ns() + 10000000000UL),
	      "pong rebound the port and its event arrived", "hits %u", xd_hits[p]);
	check_status("rebound: interdomain with pong's new port", p, EVTCHNSTAT_interdomain,
		     EVT_PONG, page->pong_port);
	CHECK_RC("close our end", xd_close(p), 0);
	check_status("our end closed", p, EVTCHNSTAT_closed, 0, 0);
	CHECK_RC("send on our closed port => -EINVAL", xd_send(p), -XEN_EINVAL);
	page->ping_stage = 3;
	check(evt_wait_word(&page->pong_stage, 3, 10000), "pong checked its unbound end",
	      "stage %u", page->pong_stage);
}

static void intruder_steps(void)
{
	evtchn_port_t v = page->port_intruder;
	struct evtchn_status st;
	uint64_t end;

	check(xd_wait(v, XD_BLOCK, 1, system_time_ns() + 20000000000UL),
	      "d3 bound the port allocated for it and signalled", "hits %u", xd_hits[v]);
	/* It closes its end right after the send. */
	end = system_time_ns() + 2000000000UL;
	while (xd_status(DOMID_SELF, v, &st) == 0 && st.status == EVTCHNSTAT_interdomain &&
	       system_time_ns() < end)
		xd_sleep_ms(2);
	check_status("d3 closed its end: ours unbound for d3", v, EVTCHNSTAT_unbound,
		     EVT_INTRUDER, 0);
	check_status("the never-bound port is still unbound for d2", page->port_spare,
		     EVTCHNSTAT_unbound, EVT_PONG, 0);
	CHECK_RC("close it", xd_close(page->port_spare), 0);
	CHECK_RC("close the intruder's port", xd_close(v), 0);
}

void guest_main(void)
{
	uint64_t mode = cmdline_num("mode=", EVT_MODE_MIXED);
	uint64_t n = cmdline_num("rounds=", 1000);
	bool bench = cmdline_num("bench=", 0) != 0;
	volatile struct grant_entry_v1 *gt;
	evtchn_port_t p;

	map_shared_info();
	xd_events_init();
	if (mode >= EVT_NR_MODES || n < 5 || n > EVT_MAX_ROUNDS)
		guest_crash("evt-ping: mode= must be 0..4 and rounds= 5..20000");
	gt = xd_gnttab_setup();
	page->rounds = (uint32_t)n;
	page->mode = (uint32_t)mode;
	page->limit_ms = (uint32_t)cmdline_num("limit=", bench ? 60000 : 3000);
	/* The test crosses the ABIs: pong on FIFO, us on 2-level; the
	 * benchmarks keep both on 2-level unless asked (pong_fifo=1). */
	page->pong_fifo = cmdline_num("pong_fifo=", bench ? 0 : 1) != 0;
	setup_ports();
	p = page->port_pong;
	xd_grant(gt, EVT_REF_PONG, EVT_PONG, &page_store, false);
	xd_grant(gt, EVT_REF_INTRUDER, EVT_INTRUDER, &page_store, true);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	page->magic = EVT_MAGIC;
	say("ports %u (d2) %u (d2, spare) %u (d3); %lu rounds, mode %s", p, page->port_spare,
	     page->port_intruder, (unsigned long)n, mode_name[mode]);

	if (!check(xd_wait(p, XD_BLOCK, 1, system_time_ns() + 30000000000UL),
		   "pong bound our port and said hello", "hits %u", xd_hits[p]))
		return;
	check_status("bound: interdomain with pong's port", p, EVTCHNSTAT_interdomain, EVT_PONG,
		     page->pong_port);
	rounds((enum evt_mode)mode);
	close_steps();
	if (!bench)
		intruder_steps();
}
