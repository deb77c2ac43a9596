/* Cross-domain helpers: events, waits, one granted page (see xdom.h). */
#include "xdom.h"

volatile unsigned int xd_hits[XD_MAX_PORTS];
bool xd_fifo;
unsigned int xd_fifo_bad;

/* FIFO ABI (xd_fifo_init): vCPU 0's control block and one page of event
 * words (ports 0..1023), and our copy of each queue's head, as Linux's
 * events_fifo.c keeps it. */
static union {
	struct evtchn_fifo_control_block cb;
	uint8_t whole[4096];
} fifo_cb_page PAGE_ALIGNED;
#define fifo_cb fifo_cb_page.cb
static event_word_t fifo_words[XD_FIFO_PORTS] PAGE_ALIGNED;
static uint32_t fifo_head[EVTCHN_FIFO_MAX_QUEUES];

static uint8_t table_window[4096] PAGE_ALIGNED;
static uint64_t armed_deadline;      /* last set_timer_op deadline */
static unsigned int armed_hits;      /* timer events seen when it was set */

bool xd_test_bit(const volatile xen_ulong_t *a, unsigned int bit)
{
	return (__atomic_load_n(&a[bit / 64], __ATOMIC_SEQ_CST) >> (bit % 64)) & 1;
}

void xd_set_bit(volatile xen_ulong_t *a, unsigned int bit)
{
	__atomic_or_fetch(&a[bit / 64], 1UL << (bit % 64), __ATOMIC_SEQ_CST);
}

bool xd_test_and_clear_bit(volatile xen_ulong_t *a, unsigned int bit)
{
	xen_ulong_t m = 1UL << (bit % 64);

	return __atomic_fetch_and(&a[bit / 64], ~m, __ATOMIC_SEQ_CST) & m;
}

/* Take port's LINKED and LINK off (the guest's side of the protocol,
 * Linux's clear_linked) and return the next port of its queue. */
static uint32_t fifo_unlink(evtchn_port_t port)
{
	event_word_t w = __atomic_load_n(&fifo_words[port], __ATOMIC_SEQ_CST), n;

	do {
		n = w & ~((1u << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
	} while (!__atomic_compare_exchange_n(&fifo_words[port], &w, n, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return w & EVTCHN_FIFO_LINK_MASK;
}

static bool fifo_word_take(evtchn_port_t port, unsigned int bit)
{
	return __atomic_fetch_and(&fifo_words[port], ~(1u << bit), __ATOMIC_SEQ_CST) & (1u << bit);
}

/* The head event of queue q, as Linux's consume_one_event. */
static void fifo_consume(unsigned int q, uint32_t *ready)
{
	uint32_t port = fifo_head[q], next;

	if (!port)
		port = __atomic_load_n(&fifo_cb.head[q], __ATOMIC_SEQ_CST);
	if (!port || port >= XD_FIFO_PORTS) {      /* never from a correct hypervisor */
		xd_fifo_bad++;
		fifo_head[q] = 0;
		*ready &= ~(1u << q);
		return;
	}
	next = fifo_unlink(port);
	if (!next)
		*ready &= ~(1u << q);
	if (!(fifo_words[port] & (1u << EVTCHN_FIFO_MASKED)) &&
	    fifo_word_take(port, EVTCHN_FIFO_PENDING) && port < XD_MAX_PORTS)
		xd_hits[port]++;
	fifo_head[q] = next;
}

/* The FIFO upcall protocol, as Linux's __evtchn_fifo_handle_events:
 * take READY, drain each ready queue highest priority first. */
static void fifo_upcall(void)
{
	uint32_t ready = __atomic_exchange_n(&fifo_cb.ready, 0, __ATOMIC_SEQ_CST);
	unsigned int guard = 0;

	while (ready && guard++ < 100000) {
		fifo_consume((unsigned int)__builtin_ctz(ready), &ready);
		ready |= __atomic_exchange_n(&fifo_cb.ready, 0, __ATOMIC_SEQ_CST);
	}
	if (ready)
		xd_fifo_bad++;
}

/* The 2-level upcall protocol, as Linux's xen_evtchn_do_upcall: clear
 * upcall_pending, take the selector, then each pending unmasked port. */
static bool upcall_hook(struct trap_regs *r, uint64_t *rip)
{
	xen_ulong_t sel;

	(void)r;
	(void)rip;
	if (last_trap.vector != VEC_EVENT_CB)
		return false;
	vcpu->evtchn_upcall_pending = 0;
	if (xd_fifo) {
		fifo_upcall();
		return true;
	}
	sel = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzl(sel);
		xen_ulong_t p;

		sel &= sel - 1;
		p = shared->evtchn_pending[w] & ~shared->evtchn_mask[w];
		while (p) {
			unsigned int port = w * 64 + (unsigned int)__builtin_ctzl(p);

			p &= p - 1;
			if (xd_test_and_clear_bit(shared->evtchn_pending, port))
				xd_hits[port]++;
		}
	}
	return true;
}

void xd_events_init(void)
{
	vcpu->evtchn_upcall_mask = 1;
	CHECK_RC("traps_install", traps_install(), 0);
	trap_hook = upcall_hook;
	timer_virq_port();
}

long xd_fifo_init(void)
{
	struct evtchn_init_control ic = { .control_gfn = va_to_mfn(&fifo_cb), .vcpu = 0 };
	struct evtchn_expand_array ea = { .array_gfn = va_to_mfn(fifo_words) };
	long rc = xd_evtchn_op(EVTCHNOP_init_control, &ic);

	if (rc)
		return rc;
	xd_fifo = true;         /* upcalls are masked until the next wait */
	if (ic.link_bits != EVTCHN_FIFO_LINK_BITS)
		return -1000;
	return xd_evtchn_op(EVTCHNOP_expand_array, &ea);
}

bool xd_take_pending(evtchn_port_t port)
{
	if (!xd_fifo)
		return xd_test_and_clear_bit(shared->evtchn_pending, port);
	return port < XD_FIFO_PORTS && fifo_word_take(port, EVTCHN_FIFO_PENDING);
}

long xd_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = xd_evtchn_op(EVTCHNOP_alloc_unbound, &au);

	*port = rc ? 0 : au.port;
	return rc;
}

long xd_bind_interdomain(domid_t rdom, evtchn_port_t rport, evtchn_port_t *local)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = rdom, .remote_port = rport };
	long rc = xd_evtchn_op(EVTCHNOP_bind_interdomain, &bi);

	*local = rc ? 0 : bi.local_port;
	return rc;
}

long xd_send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return xd_evtchn_op(EVTCHNOP_send, &s);
}

long xd_close(evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	return xd_evtchn_op(EVTCHNOP_close, &c);
}

long xd_unmask(evtchn_port_t port)
{
	struct evtchn_unmask u = { .port = port };

	return xd_evtchn_op(EVTCHNOP_unmask, &u);
}

long xd_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = dom;
	st->port = port;
	st->status = 0xffffffff;
	return xd_evtchn_op(EVTCHNOP_status, st);
}

void xd_port_mode(evtchn_port_t port, enum xd_wait how)
{
	if (how == XD_BLOCK)
		xd_unmask(port);
	else if (!xd_fifo)
		xd_set_bit(shared->evtchn_mask, port);
	else if (port < XD_FIFO_PORTS)
		__atomic_fetch_or(&fifo_words[port], 1u << EVTCHN_FIFO_MASKED, __ATOMIC_SEQ_CST);
}

/* Make sure a VIRQ_TIMER event comes at deadline (one set_timer_op per
 * deadline, again only once it has fired). */
static void arm(uint64_t deadline)
{
	unsigned int fired = xd_hits[timer_virq_port()];

	if (deadline == armed_deadline && fired == armed_hits)
		return;
	HC(__HYPERVISOR_set_timer_op, deadline, 0, 0, 0, 0);
	armed_deadline = deadline;
	armed_hits = fired;
}

static void block_once(void)
{
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);   /* unmasks; upcall on return */
	vcpu->evtchn_upcall_mask = 1;
}

static bool take_pending(evtchn_port_t port)
{
	if (!xd_take_pending(port))
		return false;
	xd_hits[port]++;
	return true;
}

bool xd_wait(evtchn_port_t port, enum xd_wait how, unsigned int want, uint64_t deadline)
{
	struct sched_poll sp = { .nr_ports = 1, .timeout = deadline };

	if (port >= XD_MAX_PORTS)
		return false;
	set_xen_guest_handle(sp.ports, &port);
	while (xd_hits[port] < want) {
		if (how != XD_BLOCK && take_pending(port))
			continue;
		if (system_time_ns() >= deadline)
			return false;
		switch (how) {
		case XD_BLOCK:
			arm(deadline);
			block_once();
			break;
		case XD_POLL:
			HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
			break;
		case XD_SPIN:
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			break;
		}
	}
	return true;
}

void xd_sleep_ms(uint64_t ms)
{
	uint64_t end = system_time_ns() + ms * 1000000UL;

	while (system_time_ns() < end) {
		arm(end);
		block_once();
	}
}

volatile struct grant_entry_v1 *xd_gnttab_setup(void)
{
	struct gnttab_set_version sv = { .version = 1 };
	xen_pfn_t frames[1] = { 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
					 .frame_list = (uint64_t)frames };

	CHECK_RC("gnttab set_version 1", xd_gnttab_op(GNTTABOP_set_version, &sv, 1), 0);
	if (xd_gnttab_op(GNTTABOP_setup_table, &st, 1) || st.status != GNTST_okay)
		guest_crash("gnttab setup_table failed");
	if (HYPERVISOR_update_va_mapping((unsigned long)table_window,
					 (frames[0] << 12) | _PAGE_PRESENT | _PAGE_RW |
					 _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY, UVMF_INVLPG))
		guest_crash("cannot map the grant table frame");
	return (volatile struct grant_entry_v1 *)table_window;
}

void xd_grant(volatile struct grant_entry_v1 *gt, grant_ref_t ref, domid_t to,
	      const void *page, bool readonly)
{
	if (ref >= PAGE_SIZE / sizeof(*gt))
		guest_crash("xd_grant: ref beyond the first table frame");
	gt[ref].domid = to;
	gt[ref].frame = (uint32_t)va_to_mfn(page);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gt[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
}

int16_t xd_map(domid_t dom, grant_ref_t ref, void *va, bool readonly, grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = { .host_addr = (uint64_t)va, .ref = ref, .dom = dom,
					  .flags = GNTMAP_host_map |
						   (readonly ? GNTMAP_readonly : 0),
					  .status = 99 };

	if (xd_gnttab_op(GNTTABOP_map_grant_ref, &m, 1))
		return 99;
	*h = m.handle;
	return m.status;
}

int16_t xd_unmap(void *va, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = (uint64_t)va, .handle = h, .status = 99 };

	if (xd_gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1))
		return 99;
	return u.status;
}

int16_t xd_map_retry(domid_t dom, grant_ref_t ref, void *va, bool readonly,
		     grant_handle_t *h, uint64_t ms)
{
	int16_t st = GNTST_general_error;
	uint64_t waited;

	for (waited = 0; waited <= ms; waited += 10) {
		st = xd_map(dom, ref, va, readonly, h);
		if (st == GNTST_okay || st == 99)
			break;
		xd_sleep_ms(10);
	}
	return st;
}

int16_t xd_copy_from(domid_t dom, grant_ref_t ref, uint16_t off, void *mine, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .status = 99, .flags = GNTCOPY_source_gref };

	c.source.u.ref = ref;
	c.source.domid = dom;
	c.source.offset = off;
	c.dest.u.gmfn = va_to_mfn(mine);
	c.dest.domid = DOMID_SELF;
	c.dest.offset = (uint16_t)((unsigned long)mine & (PAGE_SIZE - 1));
	if (xd_gnttab_op(GNTTABOP_copy, &c, 1))
		return 99;
	return c.status;
}

void xd_sort(uint64_t *a, unsigned int n)
{
	static const unsigned int gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
	unsigned int g, i, j;

	for (g = 0; g < ARRAY_SIZE(gaps); g++)
		for (i = gaps[g]; i < n; i++) {
			uint64_t t = a[i];

			for (j = i; j >= gaps[g] && a[j - gaps[g]] > t; j -= gaps[g])
				a[j] = a[j - gaps[g]];
			a[j] = t;
		}
}
