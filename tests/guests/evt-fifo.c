/*
 * evt-fifo: the FIFO event-channel ABI as a PV dom0 uses it, checked
 * against what Xen 4.17 does (public/event_channel.h, event_fifo.c).
 *
 *  - under the 2-level ABI: set_priority is -ENOSYS, expand_array
 *    -EOPNOTSUPP, and ports stop at 4095 (-ENOSPC);
 *  - init_control's checks: no such vCPU -ENOENT; an offset that is not
 *    8-aligned or crosses the page, a frame that does not exist, is not
 *    ours, or is a page table: -EINVAL; a second block for the vCPU
 *    -EINVAL; link_bits 17;
 *  - a port left pending under the 2-level ABI is raised once its
 *    event-array page comes (Xen's setup_ports);
 *  - expand_array to five pages: ports beyond 4095 work;
 *  - queue order within a priority, priorities (highest first), MASKED
 *    (pending but not linked, EVTCHNOP_unmask links it);
 *  - EVTCHNOP_reset: back to 2-level, and init_control works again.
 *
 * The upcall handler consumes the queues as Linux's events_fifo.c does.
 */
#include "lib/guest.h"
#include <public/event_channel.h>

#define NPAGES 5
#define NWORDS (NPAGES * 1024)
#define MAX_ORDER 64

static union {
	struct evtchn_fifo_control_block cb;
	uint8_t whole[4096];
} cb_page PAGE_ALIGNED, cb_page2 PAGE_ALIGNED;
static event_word_t words[NWORDS] PAGE_ALIGNED;
static uint32_t qhead[EVTCHN_FIFO_MAX_QUEUES];
static struct evtchn_fifo_control_block *cb = &cb_page.cb;
static unsigned int hits[NWORDS], order[MAX_ORDER], nr_order, bad, nr_upcalls;
static evtchn_port_t ports[NWORDS];
static unsigned int nr_ports;

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED (1u << EVTCHN_FIFO_LINKED)

static long evtchn_op(int cmd, void *arg)
{
	return HC(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

static uint32_t unlink_word(evtchn_port_t port)
{
	event_word_t w = __atomic_load_n(&words[port], __ATOMIC_SEQ_CST), n;

	do {
		n = w & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK);
	} while (!__atomic_compare_exchange_n(&words[port], &w, n, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return w & EVTCHN_FIFO_LINK_MASK;
}

static void consume(unsigned int q, uint32_t *ready)
{
	uint32_t port = qhead[q], next;

	if (!port)
		port = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
	if (!port || port >= NWORDS) {
		bad++;
		qhead[q] = 0;
		*ready &= ~(1u << q);
		return;
	}
	next = unlink_word(port);
	if (!next)
		*ready &= ~(1u << q);
	if (!(words[port] & W_MASKED) &&
	    (__atomic_fetch_and(&words[port], ~W_PENDING, __ATOMIC_SEQ_CST) & W_PENDING)) {
		hits[port]++;
		if (nr_order < MAX_ORDER)
			order[nr_order++] = port;
	}
	qhead[q] = next;
}

static bool upcall_hook(struct trap_regs *r, uint64_t *rip)
{
	uint32_t ready;
	unsigned int guard = 0;

	(void)r;
	(void)rip;
	if (last_trap.vector != VEC_EVENT_CB)
		return false;
	nr_upcalls++;
	vcpu->evtchn_upcall_pending = 0;
	ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
	while (ready && guard++ < 100000) {
		consume((unsigned int)__builtin_ctz(ready), &ready);
		ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
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

static long bind_ipi(evtchn_port_t *port)
{
	struct evtchn_bind_ipi ip = { .vcpu = 0 };
	long rc = evtchn_op(EVTCHNOP_bind_ipi, &ip);

	*port = rc ? 0 : ip.port;
	return rc;
}

static long send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return evtchn_op(EVTCHNOP_send, &s);
}

static long set_priority(evtchn_port_t port, uint32_t prio)
{
	struct evtchn_set_priority sp = { .port = port, .priority = prio };

	return evtchn_op(EVTCHNOP_set_priority, &sp);
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t v, uint8_t *bits)
{
	struct evtchn_init_control ic = { .control_gfn = gfn, .offset = offset, .vcpu = v };
	long rc = evtchn_op(EVTCHNOP_init_control, &ic);

	*bits = ic.link_bits;
	return rc;
}

static long expand(uint64_t gfn)
{
	struct evtchn_expand_array ea = { .array_gfn = gfn };

	return evtchn_op(EVTCHNOP_expand_array, &ea);
}

/* Bind IPIs until the ABI runs out or n ports are ours. */
static long bind_many(unsigned int n)
{
	long rc = 0;

	while (nr_ports < n && nr_ports < NWORDS) {
		rc = bind_ipi(&ports[nr_ports]);
		if (rc)
			break;
		nr_ports++;
	}
	return rc;
}

static evtchn_port_t carried;      /* pending under 2-level at the switch */

static void test_2level(void)
{
	long rc;

	rc = bind_many(NWORDS);
	CHECK_RC("2-level: ports run out at 4095 (-ENOSPC)", rc, -XEN_ENOSPC);
	check(nr_ports > 4000 && ports[nr_ports - 1] == 4095, "2-level: the last port is 4095",
	      "%u ports, last %u", nr_ports, nr_ports ? ports[nr_ports - 1] : 0);
	CHECK_RC("2-level: set_priority => -ENOSYS", set_priority(ports[0], 3), -XEN_ENOSYS);
	CHECK_RC("2-level: expand_array => -EOPNOTSUPP", expand(va_to_mfn(words)),
		 -XEN_EOPNOTSUPP);
	/* a masked, pending port to carry over (in the second array page) */
	carried = ports[1500];
	shared->evtchn_mask[carried / 64] |= 1UL << (carried % 64);
	CHECK_RC("2-level: send a masked port", send(carried), 0);
	CHECK_EQ("2-level: it is pending", (shared->evtchn_pending[carried / 64] >> (carried % 64)) & 1,
		 1);
}

static void test_init_control(void)
{
	uint64_t mine = va_to_mfn(&cb_page);
	uint64_t l4 = va_to_mfn((void *)start_info->pt_base);
	uint8_t bits = 0;
	unsigned int i;

	CHECK_RC("init_control: vCPU 4096 => -ENOENT", init_control(mine, 0, 4096, &bits),
		 -XEN_ENOENT);
	CHECK_RC("init_control: offset 4 (unaligned) => -EINVAL", init_control(mine, 4, 0, &bits),
		 -XEN_EINVAL);
	CHECK_RC("init_control: offset 4032 (crosses the page) => -EINVAL",
		 init_control(mine, 4032, 0, &bits), -XEN_EINVAL);
	CHECK_RC("init_control: offset 0xfffffff8 => -EINVAL",
		 init_control(mine, 0xfffffff8u, 0, &bits), -XEN_EINVAL);
	CHECK_RC("init_control: a frame that does not exist => -EINVAL",
		 init_control(1UL << 40, 0, 0, &bits), -XEN_EINVAL);
	CHECK_RC("init_control: frame 0 (not ours) => -EINVAL", init_control(0, 0, 0, &bits),
		 -XEN_EINVAL);
	CHECK_RC("init_control: our L4 page table => -EINVAL", init_control(l4, 0, 0, &bits),
		 -XEN_EINVAL);
	CHECK_RC("still 2-level after refused init_controls", set_priority(ports[0], 3),
		 -XEN_ENOSYS);
	/* the queues start empty: the guest clears its block (Linux does) */
	for (i = 0; i < EVTCHN_FIFO_MAX_QUEUES; i++)
		cb->head[i] = 0;
	cb->ready = 0;
	CHECK_RC("init_control(vCPU 0)", init_control(mine, 0, 0, &bits), 0);
	CHECK_EQ("link_bits is 17", bits, EVTCHN_FIFO_LINK_BITS);
	CHECK_RC("init_control(vCPU 0) again => -EINVAL", init_control(mine, 0, 0, &bits),
		 -XEN_EINVAL);
	CHECK_RC("FIFO: set_priority 16 => -EINVAL", set_priority(ports[0], 16), -XEN_EINVAL);
}

static void test_expand(void)
{
	unsigned int i, last;
	long rc = 0;

	CHECK_RC("expand_array: a frame that does not exist => -EINVAL", expand(1UL << 40),
		 -XEN_EINVAL);
	CHECK_RC("expand_array: our L4 => -EINVAL",
		 expand(va_to_mfn((void *)start_info->pt_base)), -XEN_EINVAL);
	CHECK_EQ("before its page, the carried port is not linked", words[carried], 0);
	for (i = 0; i < NPAGES && !rc; i++)
		rc = expand(va_to_mfn(&words[i * 1024]));
	CHECK_RC("expand_array: five pages", rc, 0);
	CHECK_EQ("the port pending under 2-level is pending and linked now",
		 words[carried] & (W_PENDING | W_LINKED), W_PENDING | W_LINKED);
	deliver();
	CHECK_EQ("... and its upcall came", hits[carried], 1);
	CHECK_RC("ports beyond 4095", bind_many(NWORDS - 24), 0);
	last = ports[nr_ports - 1];
	check(last > 4096 && last < NWORDS, "the last port is above 4096", "port %u", last);
	CHECK_RC("send on it", send(last), 0);
	CHECK_EQ("its word is pending and linked", words[last], W_PENDING | W_LINKED);
	CHECK_EQ("HEAD of the default queue is the port", cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT],
		 last);
	CHECK_EQ("READY has the default priority", cb->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
	CHECK_EQ("evtchn_upcall_pending", vcpu->evtchn_upcall_pending, 1);
	deliver();
	CHECK_EQ("the upcall reports it", hits[last], 1);
}

static void test_order_and_priorities(void)
{
	evtchn_port_t a = ports[4200], b = ports[4201], c = ports[4202], m = ports[10];
	struct evtchn_unmask um = { .port = m };

	/* three of one priority: in the order sent */
	nr_order = 0;
	send(c);
	send(a);
	send(b);
	CHECK_EQ("linked: c -> a", words[c] & EVTCHN_FIFO_LINK_MASK, a);
	CHECK_EQ("linked: a -> b", words[a] & EVTCHN_FIFO_LINK_MASK, b);
	deliver();
	check(nr_order == 3 && order[0] == c && order[1] == a && order[2] == b,
	      "one queue: delivered in the order sent", "%u: %u %u %u", nr_order, order[0],
	      order[1], order[2]);
	/* priorities: a 3, b 12, c default (7); the highest first */
	CHECK_RC("set_priority(a, 3)", set_priority(a, 3), 0);
	CHECK_RC("set_priority(b, 12)", set_priority(b, 12), 0);
	nr_order = 0;
	send(b);
	send(c);
	send(a);
	CHECK_EQ("READY: priorities 3, 7 and 12", cb->ready, (1u << 3) | (1u << 7) | (1u << 12));
	CHECK_EQ("HEAD[3] is a", cb->head[3], a);
	CHECK_EQ("HEAD[12] is b", cb->head[12], b);
	deliver();
	check(nr_order == 3 && order[0] == a && order[1] == c && order[2] == b,
	      "priorities: 3, then 7, then 12", "%u: %u %u %u", nr_order, order[0], order[1],
	      order[2]);
	/* MASKED: pending, not linked, no upcall; unmask links it */
	nr_order = 0;
	__atomic_fetch_or(&words[m], W_MASKED, __ATOMIC_SEQ_CST);
	vcpu->evtchn_upcall_pending = 0;
	CHECK_RC("send to a masked port", send(m), 0);
	CHECK_EQ("masked: PENDING only", words[m], W_MASKED | W_PENDING);
	CHECK_EQ("masked: no upcall pending", vcpu->evtchn_upcall_pending, 0);
	CHECK_RC("EVTCHNOP_unmask", evtchn_op(EVTCHNOP_unmask, &um), 0);
	CHECK_EQ("unmask: pending and linked", words[m], W_PENDING | W_LINKED);
	deliver();
	CHECK_EQ("unmask: then delivered", hits[m], 1);
	CHECK_EQ("no event the hypervisor should not have linked", bad, 0);
}

static void test_reset(void)
{
	struct evtchn_reset rs = { .dom = DOMID_SELF };
	uint8_t bits = 0;
	evtchn_port_t p = 0;

	CHECK_RC("EVTCHNOP_reset(self)", evtchn_op(EVTCHNOP_reset, &rs), 0);
	CHECK_RC("a port after reset", bind_ipi(&p), 0);
	CHECK_RC("after reset: 2-level (set_priority => -ENOSYS)", set_priority(p, 3),
		 -XEN_ENOSYS);
	CHECK_RC("after reset: init_control works again",
		 init_control(va_to_mfn(&cb_page2), 64, 0, &bits), 0);
	CHECK_RC("and set_priority is back", set_priority(p, 3), 0);
	CHECK_RC("reset again", evtchn_op(EVTCHNOP_reset, &rs), 0);
}

void guest_main(void)
{
	map_shared_info();
	vcpu->evtchn_upcall_mask = 1;
	if (!check(traps_install() == 0, "install trap table and callbacks", "failed"))
		return;
	trap_hook = upcall_hook;
	test_2level();
	test_init_control();
	test_expand();
	test_order_and_priorities();
	test_reset();
	trap_hook = NULL;
	note("%u ports, %u upcalls", nr_ports, nr_upcalls);
}
