/*
 * events: 2-level event channels and upcall delivery.  A loopback
 * interdomain channel (alloc_unbound + bind_interdomain to ourselves),
 * per-port masking and EVTCHNOP_unmask, close, VIRQ_TIMER with
 * set_timer_op and SCHEDOP_block.  Expected values are what Xen 4.17
 * does for a PV dom0.
 */
#include "lib/guest.h"
#include <public/event_channel.h>

#define MAX_PORTS 4096

static unsigned int nr_upcalls, last_port;
static unsigned int hits[MAX_PORTS];

static bool test_bit_(const volatile xen_ulong_t *a, unsigned int bit)
{
	return (a[bit / 64] >> (bit % 64)) & 1;
}

static void set_bit_(volatile xen_ulong_t *a, unsigned int bit)
{
	__atomic_or_fetch(&a[bit / 64], 1UL << (bit % 64), __ATOMIC_SEQ_CST);
}

static void clear_bit_(volatile xen_ulong_t *a, unsigned int bit)
{
	__atomic_and_fetch(&a[bit / 64], ~(1UL << (bit % 64)), __ATOMIC_SEQ_CST);
}

/* The 2-level upcall protocol, as Linux's xen_evtchn_do_upcall. */
static bool upcall_hook(struct trap_regs *r, uint64_t *rip)
{
	xen_ulong_t sel;

	(void)r;
	(void)rip;
	if (last_trap.vector != VEC_EVENT_CB)
		return false;
	nr_upcalls++;
	vcpu->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzl(sel);
		xen_ulong_t p;

		sel &= sel - 1;
		p = shared->evtchn_pending[w] & ~shared->evtchn_mask[w];
		while (p) {
			unsigned int port = w * 64 + (unsigned int)__builtin_ctzl(p);

			p &= p - 1;
			clear_bit_(shared->evtchn_pending, port);
			hits[port]++;
			last_port = port;
		}
	}
	return true;
}

/* Let pending upcalls in: unmask, make a hypercall, mask again. */
static void deliver(void)
{
	vcpu->evtchn_upcall_mask = 0;
	HYPERVISOR_xen_version(XENVER_version, NULL);
	vcpu->evtchn_upcall_mask = 1;
}

static long evtchn_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

static uint32_t port_status(evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	if (evtchn_op(EVTCHNOP_status, st))
		return 0xffffffff;
	return st->status;
}

static void test_loopback(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	struct evtchn_status st;
	struct evtchn_send snd;
	struct evtchn_unmask um;
	struct evtchn_close cl;
	evtchn_port_t p1, p2;
	unsigned int before;

	CHECK_RC("EVTCHNOP_alloc_unbound(self, self)", evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
	p1 = au.port;
	if (!check(p1 > 0 && p1 < MAX_PORTS, "allocated port is in 1..4095", "port %u", p1))
		return;
	CHECK_EQ("status: unbound", port_status(p1, &st), EVTCHNSTAT_unbound);
	bi.remote_port = p1;
	CHECK_RC("EVTCHNOP_bind_interdomain(self, p1)", evtchn_op(EVTCHNOP_bind_interdomain, &bi), 0);
	p2 = bi.local_port;
	if (!check(p2 > 0 && p2 < MAX_PORTS && p2 != p1, "bound port is a new port", "port %u", p2))
		return;
	CHECK_EQ("status of p2: interdomain", port_status(p2, &st), EVTCHNSTAT_interdomain);
	CHECK_EQ("status of p2: peer port is p1", st.u.interdomain.port, p1);
	CHECK_EQ("status of p1: interdomain", port_status(p1, &st), EVTCHNSTAT_interdomain);
	CHECK_EQ("status of p1: notifies vcpu 0", st.vcpu, 0);
	/* Xen marks the binding side pending ("we may have lost
	 * notifications on the remote unbound port"). */
	CHECK_EQ("bind_interdomain leaves the new local port pending",
		 test_bit_(shared->evtchn_pending, p2), 1);
	clear_bit_(shared->evtchn_pending, p2);
	note("ports %u and %u; initial mask bits %d %d", p1, p2,
	     test_bit_(shared->evtchn_mask, p1), test_bit_(shared->evtchn_mask, p2));

	clear_bit_(shared->evtchn_mask, p1);
	/* The guest owns the selector: start from a clean state (Xen only
	 * raises upcall_pending when it sets a selector bit). */
	vcpu->evtchn_pending_sel = 0;
	vcpu->evtchn_upcall_pending = 0;
	snd.port = p2;
	CHECK_RC("EVTCHNOP_send(p2)", evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK_EQ("send sets p1's pending bit", test_bit_(shared->evtchn_pending, p1), 1);
	CHECK_EQ("... its selector bit", (vcpu->evtchn_pending_sel >> (p1 / 64)) & 1, 1);
	CHECK_EQ("... and evtchn_upcall_pending", vcpu->evtchn_upcall_pending, 1);
	CHECK_EQ("no upcall while the vcpu is masked", nr_upcalls, 0);
	deliver();
	CHECK_EQ("unmasking delivers one upcall", nr_upcalls, 1);
	CHECK_EQ("the upcall reports p1", hits[p1], 1);

	set_bit_(shared->evtchn_mask, p2);
	snd.port = p1;
	before = nr_upcalls;
	CHECK_RC("EVTCHNOP_send(p1) to the masked p2", evtchn_op(EVTCHNOP_send, &snd), 0);
	CHECK_EQ("masked port: pending bit set", test_bit_(shared->evtchn_pending, p2), 1);
	CHECK_EQ("masked port: no evtchn_upcall_pending", vcpu->evtchn_upcall_pending, 0);
	deliver();
	CHECK_EQ("masked port: no upcall", nr_upcalls, before);
	um.port = p2;
	CHECK_RC("EVTCHNOP_unmask(p2)", evtchn_op(EVTCHNOP_unmask, &um), 0);
	CHECK_EQ("unmask clears the mask bit", test_bit_(shared->evtchn_mask, p2), 0);
	CHECK_EQ("unmask of a pending port raises evtchn_upcall_pending", vcpu->evtchn_upcall_pending, 1);
	deliver();
	CHECK_EQ("then the upcall reports p2", hits[p2], 1);

	cl.port = p2;
	CHECK_RC("EVTCHNOP_close(p2)", evtchn_op(EVTCHNOP_close, &cl), 0);
	CHECK_EQ("p2 is closed", port_status(p2, &st), EVTCHNSTAT_closed);
	CHECK_EQ("p1 is unbound again", port_status(p1, &st), EVTCHNSTAT_unbound);
	snd.port = p2;
	CHECK_RC("send on a closed port => -EINVAL", evtchn_op(EVTCHNOP_send, &snd), -XEN_EINVAL);
	snd.port = p1;
	CHECK_RC("send on an unbound port is accepted and dropped", evtchn_op(EVTCHNOP_send, &snd), 0);
	cl.port = p1;
	CHECK_RC("EVTCHNOP_close(p1)", evtchn_op(EVTCHNOP_close, &cl), 0);
	CHECK_RC("closing it again => -EINVAL", evtchn_op(EVTCHNOP_close, &cl), -XEN_EINVAL);
	snd.port = 100000;
	CHECK_RC("send on a port out of range => -EINVAL", evtchn_op(EVTCHNOP_send, &snd), -XEN_EINVAL);
	CHECK_RC("unknown event_channel_op => -ENOSYS", evtchn_op(99, &snd), -XEN_ENOSYS);
}


static void test_timer(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct vcpu_set_singleshot_timer sst;
	struct evtchn_close cl;
	evtchn_port_t p;
	uint64_t t0, t1;

	CHECK_RC("EVTCHNOP_bind_virq(VIRQ_TIMER, vcpu 0)", evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
	p = bv.port;
	if (!check(p > 0 && p < MAX_PORTS, "VIRQ_TIMER port in range", "port %u", p))
		return;
	CHECK_RC("binding VIRQ_TIMER twice => -EEXIST", evtchn_op(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST);
	bv.vcpu = 1;
	CHECK_RC("bind_virq on vcpu 1 => -ENOENT", evtchn_op(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT);
	bv.vcpu = 0;
	bv.virq = 99;
	CHECK_RC("bind_virq of virq 99 => -EINVAL", evtchn_op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	clear_bit_(shared->evtchn_mask, p);

	t0 = system_time_ns();
	CHECK_RC("set_timer_op(now + 5 ms)",
		 HC(__HYPERVISOR_set_timer_op, t0 + 5000000, 0, 0, 0, 0), 0);
	CHECK_RC("SCHEDOP_block returns once the timer fired",
		 HYPERVISOR_sched_op(SCHEDOP_block, NULL), 0);
	vcpu->evtchn_upcall_mask = 1;
	check(hits[p] >= 1, "VIRQ_TIMER upcall delivered on return from block",
	      "%u upcalls on port %u", hits[p], p);
	t1 = system_time_ns();
	check(t1 >= t0 + 5000000 && t1 < t0 + 5000000000UL,
	      "block lasted at least 5 ms (pvclock time)", "%lu -> %lu",
	      (unsigned long)t0, (unsigned long)t1);

	memset(&sst, 0, sizeof(sst));
	sst.timeout_abs_ns = 1;
	sst.flags = VCPU_SSHOTTMR_future;
	/* Xen 4.17 ignores VCPU_SSHOTTMR_future (Linux misused it). */
	CHECK_RC("singleshot timer in the past with VCPU_SSHOTTMR_future is accepted",
		 HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &sst), 0);
	CHECK_RC("VCPUOP_stop_singleshot_timer", HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
	cl.port = p;
	CHECK_RC("close the VIRQ_TIMER port", evtchn_op(EVTCHNOP_close, &cl), 0);
}

void guest_main(void)
{
	map_shared_info();
	if (!check(traps_install() == 0, "install trap table and callbacks", "failed"))
		return;
	note("at start: evtchn_upcall_pending %u evtchn_pending_sel %#lx pending[0] %#lx",
	     vcpu->evtchn_upcall_pending, (unsigned long)vcpu->evtchn_pending_sel,
	     (unsigned long)shared->evtchn_pending[0]);
	trap_hook = upcall_hook;
	test_loopback();
	test_timer();
	trap_hook = NULL;
}
