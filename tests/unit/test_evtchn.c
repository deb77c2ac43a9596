/*
 * Unit tests for hypervisor/common/event_channel.c (2-level ABI) between
 * two fake domains: A (id 1, 2 vCPUs, 64 ports) and B (id 2, 1 vCPU).
 * Hypercall arguments are host structures (guest address = host pointer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/event.h>
#include <public/event_channel.h>

static struct fake_domain fa, fb;
static struct domain *da, *db;

static int setup(void **state)
{
    (void)state;
    fake_domains_reset();
    fake_domain_init(&fa, 1, 2, false);
    fake_domain_init(&fb, 2, 1, false);
    da = &fa.d;
    db = &fb.d;
    assert_int_equal(evtchn_init(da, 64), 0);
    assert_int_equal(evtchn_init(db, DEFAULT_MAX_EVTCHNS), 0);
    fake_cpu_info.curr = &fa.v[0];
    fake_wakes = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&fa);
    fake_domain_fini(&fb);
    return 0;
}

static void as(struct domain *d)
{
    fake_cpu_info.curr = d->vcpu[0];
}

static long op(unsigned int cmd, void *arg)
{
    return do_event_channel_op(cmd, (uint64_t)arg);
}

static bool bit(const uint64_t *w, unsigned int n)
{
    return (w[n / 64] >> (n % 64)) & 1;
}

static bool pending(struct domain *d, unsigned int port)
{
    return bit(d->shared_info->evtchn_pending, port);
}

static void clear_pending(struct domain *d, unsigned int vcpu)
{
    memset(d->shared_info->evtchn_pending, 0, sizeof(d->shared_info->evtchn_pending));
    d->vcpu[vcpu]->vcpu_info->evtchn_pending_sel = 0;
    d->vcpu[vcpu]->vcpu_info->evtchn_upcall_pending = 0;
}

static struct evtchn_status status(domid_t dom, unsigned int port, long want_rc)
{
    struct evtchn_status st = { .dom = dom, .port = port };
    assert_int_equal(op(EVTCHNOP_status, &st), want_rc);
    return st;
}

static void test_init(void **state)
{
    struct domain d = { 0 };

    (void)state;
    assert_int_equal(evtchn_init(&d, 1), -XEN_EINVAL);
    assert_int_equal(evtchn_init(&d, EVTCHN_FIFO_NR_CHANNELS + 1), -XEN_EINVAL);
    assert_int_equal(evtchn_init(&d, EVTCHN_FIFO_NR_CHANNELS), 0);
    assert_int_equal(d.max_evtchns, EVTCHN_FIFO_NR_CHANNELS);
    assert_int_equal(d.valid_evtchns, EVTCHNS_PER_BUCKET);      /* ports come in buckets */
    assert_int_equal(evtchn_from_port(&d, 0)->state, ECS_RESERVED);
    assert_null(evtchn_from_port(&d, EVTCHNS_PER_BUCKET));
    xfree(d.evtchn_bucket[0]);
    xfree(d.evtchn_bucket);
    assert_int_equal(status(DOMID_SELF, 0, 0).status, EVTCHNSTAT_closed);
    assert_int_equal(status(DOMID_SELF, 64, -XEN_EINVAL).status, 0);
}

static void test_interdomain(void **state)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
    struct evtchn_bind_interdomain bi = { .remote_dom = 1 };
    struct evtchn_send sd;
    struct evtchn_close cl;
    struct evtchn_unmask um;
    struct evtchn_status st;
    unsigned int bport;

    (void)state;
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), 0);
    assert_int_equal(au.port, 1);
    st = status(DOMID_SELF, 1, 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    /* a port offered to B: a third party cannot bind it, nor can A itself */
    bi.remote_port = au.port;
    as(da);
    bi.remote_dom = DOMID_SELF;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
    /* B binds it: the new port starts pending and B's vCPU 0 is kicked */
    as(db);
    bi.remote_dom = 1;
    bi.remote_port = 63;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);   /* not unbound */
    bi.remote_port = 64;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);   /* out of range */
    bi.remote_dom = 9;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), -XEN_ESRCH);
    bi.remote_dom = 1;
    bi.remote_port = au.port;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), 0);
    bport = bi.local_port;
    assert_int_equal(bport, 1);
    assert_true(pending(db, bport));
    assert_true(bit(&db->vcpu[0]->vcpu_info->evtchn_pending_sel, 0));
    assert_int_equal(db->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(fake_wakes, 1);
    assert_ptr_equal(fake_last_woken, db->vcpu[0]);
    st = status(DOMID_SELF, bport, 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 1);
    assert_int_equal(st.u.interdomain.port, 1);
    as(da);
    st = status(DOMID_SELF, 1, 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 2);
    /* binding again fails: the port is no longer unbound */
    as(db);
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
    /* A sends: B's port pending, selector and upcall set once */
    clear_pending(db, 0);
    as(da);
    sd.port = 1;
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
    assert_true(pending(db, bport));
    assert_int_equal(db->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(fake_wakes, 2);
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);                 /* already pending */
    assert_int_equal(fake_wakes, 2);
    /* masked: pending but no upcall; unmask delivers it */
    clear_pending(db, 0);
    db->shared_info->evtchn_mask[0] |= 1UL << bport;
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
    assert_true(pending(db, bport));
    assert_int_equal(db->vcpu[0]->vcpu_info->evtchn_pending_sel, 0);
    assert_int_equal(db->vcpu[0]->vcpu_info->evtchn_upcall_pending, 0);
    as(db);
    um.port = bport;
    assert_int_equal(op(EVTCHNOP_unmask, &um), 0);
    assert_false(bit(db->shared_info->evtchn_mask, bport));
    assert_int_equal(db->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    assert_true(bit(&db->vcpu[0]->vcpu_info->evtchn_pending_sel, 0));
    um.port = DEFAULT_MAX_EVTCHNS;
    assert_int_equal(op(EVTCHNOP_unmask, &um), -XEN_EINVAL);
    /* B sends back */
    sd.port = bport;
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
    assert_true(pending(da, 1));
    assert_true(evtchn_port_pending(da, 1));
    assert_false(evtchn_port_pending(da, 64));
    /* A closes: B's end goes back to unbound (for A), sends are dropped */
    as(da);
    cl.port = 1;
    assert_int_equal(op(EVTCHNOP_close, &cl), 0);
    assert_false(pending(da, 1));
    assert_int_equal(status(DOMID_SELF, 1, 0).status, EVTCHNSTAT_closed);
    as(db);
    st = status(DOMID_SELF, bport, 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 1);
    clear_pending(da, 0);
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
    assert_false(pending(da, 1));
    /* ...and A can bind to it again */
    as(da);
    bi.remote_dom = 2;
    bi.remote_port = bport;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), 0);
    assert_int_equal(bi.local_port, 1);
}

/*
 * The store daemon's case (keel-xenstored restarted while a guest runs):
 * the guest, A, offers a port to B (dom0), B binds it, then B's end is
 * closed (the daemon died, its /dev/xen/evtchn released).  As Xen's
 * evtchn_close (xen/common/event_channel.c: an ECS_INTERDOMAIN remote
 * end goes back to ECS_UNBOUND with remote_domid = the closer), A's
 * port is unbound towards B again, with A's port number unchanged, so a
 * new daemon can bind to it while the guest knows nothing; a send from
 * A meanwhile goes nowhere, and the new binding starts pending.
 */
static void test_interdomain_binder_closes(void **state)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
    struct evtchn_bind_interdomain bi = { .remote_dom = 1 };
    struct evtchn_close cl;
    struct evtchn_send sd;
    struct evtchn_status st;

    (void)state;
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), 0);
    as(db);
    bi.remote_port = au.port;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), 0);
    cl.port = bi.local_port;
    assert_int_equal(op(EVTCHNOP_close, &cl), 0);
    assert_int_equal(status(DOMID_SELF, cl.port, 0).status, EVTCHNSTAT_closed);
    as(da);
    st = status(DOMID_SELF, au.port, 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    clear_pending(db, 0);
    sd.port = au.port;
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);      /* dropped */
    assert_false(pending(db, cl.port));
    /* Only B may take it again; A's port number stays the same. */
    bi.remote_dom = DOMID_SELF;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
    as(db);
    bi.remote_dom = 1;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), 0);
    assert_true(pending(db, bi.local_port));
    st = status(DOMID_SELF, bi.local_port, 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.port, au.port);
    clear_pending(db, 0);
    as(da);
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
    assert_true(pending(db, bi.local_port));
}

static void test_selector_words(void **state)
{
    struct evtchn_bind_ipi ip = { .vcpu = 1 };
    struct evtchn_send sd;
    unsigned int i;

    (void)state;
    for (i = 1; i < 64; i++) {
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
        assert_int_equal(ip.port, i);
    }
    assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), -XEN_ENOSPC);   /* 64 ports, 0 reserved */
    sd.port = 63;
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
    assert_int_equal(da->vcpu[1]->vcpu_info->evtchn_pending_sel, 1);
    assert_int_equal(da->vcpu[0]->vcpu_info->evtchn_pending_sel, 0);
    assert_int_equal(da->vcpu[1]->vcpu_info->evtchn_upcall_pending, 1);
    assert_ptr_equal(fake_last_woken, da->vcpu[1]);
    /* a port in the second word sets selector bit 1 (B has 1024 ports) */
    as(db);
    ip.vcpu = 0;
    for (i = 1; i <= 65; i++)
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
    sd.port = 65;
    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
    assert_int_equal(db->vcpu[0]->vcpu_info->evtchn_pending_sel, 2);
    assert_int_equal(db->shared_info->evtchn_pending[1], 2);
    ip.vcpu = 1;
    assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), -XEN_ENOENT);
    /* a closed port can be reused: the lowest free one comes back */
    as(da);
    {
        struct evtchn_close cl = { 17 };
        assert_int_equal(op(EVTCHNOP_close, &cl), 0);
        assert_int_equal(op(EVTCHNOP_close, &cl), -XEN_EINVAL);
        ip.vcpu = 0;
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
        assert_int_equal(ip.port, 17);
        cl.port = 0;
        assert_int_equal(op(EVTCHNOP_close, &cl), -XEN_EINVAL);
        cl.port = 64;
        assert_int_equal(op(EVTCHNOP_close, &cl), -XEN_EINVAL);
    }
}

static void test_virq(void **state)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 1 };
    struct evtchn_send sd;
    struct evtchn_close cl;
    struct evtchn_status st;
    unsigned int tport;

    (void)state;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), 0);
    tport = bv.port;
    assert_int_equal(da->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], tport);
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), -XEN_EEXIST);
    bv.vcpu = 0;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), 0);          /* per-vCPU: once per vCPU */
    bv.vcpu = 2;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT);
    bv.vcpu = 1000;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT);
    bv.virq = VIRQ_CONSOLE;                                     /* global: vCPU 0 only */
    bv.vcpu = 1;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
    bv.virq = NR_VIRQS;
    bv.vcpu = 0;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
    bv.virq = VIRQ_CONSOLE;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), 0);
    st = status(DOMID_SELF, bv.port, 0);
    assert_int_equal(st.status, EVTCHNSTAT_virq);
    assert_int_equal(st.u.virq, VIRQ_CONSOLE);
    assert_int_equal(st.vcpu, 0);
    /* raising them */
    send_guest_vcpu_virq(da->vcpu[1], VIRQ_TIMER);
    assert_true(pending(da, tport));
    assert_int_equal(da->vcpu[1]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(da->vcpu[0]->vcpu_info->evtchn_upcall_pending, 0);
    send_guest_global_virq(da, VIRQ_CONSOLE);
    assert_true(pending(da, bv.port));
    assert_int_equal(da->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    send_guest_global_virq(da, VIRQ_DOM_EXC);                  /* unbound: nothing */
    send_guest_vcpu_virq(da->vcpu[0], NR_VIRQS + 5);
    /* a VIRQ port cannot be sent on */
    sd.port = tport;
    assert_int_equal(op(EVTCHNOP_send, &sd), -XEN_EINVAL);
    /* bind_vcpu: global VIRQs may move, per-vCPU ones may not */
    {
        struct evtchn_bind_vcpu bc = { .port = tport, .vcpu = 0 };
        assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), -XEN_EINVAL);
        bc.port = bv.port;
        bc.vcpu = 2;
        assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), -XEN_ENOENT);
    }
    /* close and rebind */
    cl.port = tport;
    assert_int_equal(op(EVTCHNOP_close, &cl), 0);
    assert_int_equal(da->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], 0);
    assert_false(pending(da, tport));
    bv.virq = VIRQ_TIMER;
    bv.vcpu = 1;
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), 0);
    assert_int_equal(bv.port, tport);
}

/*
 * Regression (a fixed bug): a global VIRQ moved to another vCPU with
 * EVTCHNOP_bind_vcpu must be re-bindable after it is closed.  bind_virq
 * records it in vcpu[0]->virq_to_evtchn and bind_vcpu changes notify_vcpu;
 * close_port once looked in notify_vcpu's table (vCPU 1) and left vCPU 0's
 * entry pointing at the freed port, so the next bind_virq failed with
 * -EEXIST and send_guest_global_virq() marked the closed port pending.
 * (Linux moves VIRQ ports with bind_vcpu when it rebalances IRQs.)
 */
static void test_moved_global_virq_rebinds(void **state)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_CONSOLE, .vcpu = 0 };
    struct evtchn_bind_vcpu bc;
    struct evtchn_close cl;

    (void)state;

    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), 0);
    bc.port = bv.port;
    bc.vcpu = 1;
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), 0);
    send_guest_global_virq(da, VIRQ_CONSOLE);
    assert_int_equal(da->vcpu[1]->vcpu_info->evtchn_upcall_pending, 1);
    cl.port = bv.port;
    assert_int_equal(op(EVTCHNOP_close, &cl), 0);
    send_guest_global_virq(da, VIRQ_CONSOLE);
    assert_false(pending(da, cl.port));
    assert_int_equal(op(EVTCHNOP_bind_virq, &bv), 0);
}

static void test_bind_vcpu_and_status(void **state)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    struct evtchn_bind_vcpu bc;
    struct evtchn_status st;

    (void)state;
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), 0);
    st = status(DOMID_SELF, au.port, 0);
    assert_int_equal(st.u.unbound.dom, 1);                      /* DOMID_SELF resolved */
    bc.port = au.port;
    bc.vcpu = 1;
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), 0);
    assert_int_equal(status(DOMID_SELF, au.port, 0).vcpu, 1);
    bc.port = 5;                                                /* free */
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), -XEN_EINVAL);
    bc.port = 64;
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), -XEN_EINVAL);
    bc.vcpu = 2;                                                /* Xen: vCPU checked first */
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), -XEN_ENOENT);
    /* other domains: refused unless privileged */
    status(2, 1, -XEN_EPERM);
    au.dom = 2;
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), -XEN_EPERM);
    da->is_privileged = true;
    au.remote_dom = 1;
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), 0);
    st = status(2, au.port, 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 1);
    status(7, 1, -XEN_ESRCH);
    au.dom = 7;
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), -XEN_ESRCH);
}

static void test_reset(void **state)
{
    struct evtchn_bind_ipi ip = { .vcpu = 0 };
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    unsigned int i;

    (void)state;
    for (i = 0; i < 5; i++)
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
    rs.dom = 2;
    assert_int_equal(op(EVTCHNOP_reset, &rs), -XEN_EPERM);
    rs.dom = DOMID_SELF;
    assert_int_equal(op(EVTCHNOP_reset, &rs), 0);
    for (i = 1; i < 64; i++)
        assert_int_equal(evtchn_from_port(da, i)->state, ECS_FREE);
    assert_int_equal(evtchn_from_port(da, 0)->state, ECS_RESERVED);
    da->is_privileged = true;
    as(db);
    assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
    as(da);
    rs.dom = 2;
    assert_int_equal(op(EVTCHNOP_reset, &rs), 0);
    assert_int_equal(evtchn_from_port(db, 1)->state, ECS_FREE);
    rs.dom = 9;
    assert_int_equal(op(EVTCHNOP_reset, &rs), -XEN_ESRCH);
}

/* A reset of many ports stops after a chunk when the time is up and is
 * continued (as Xen's evtchn_reset); the re-issued call finishes it. */
static void test_reset_preempts(void **state)
{
    struct evtchn_bind_ipi ip = { .vcpu = 0 };
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    unsigned int i, left = 0;

    (void)state;
    as(db);
    for (i = 1; i < 300; i++)
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
    fake_may_preempt = fake_preempt_due = true;
    fake_continuations = 0;
    assert_int_equal(op(EVTCHNOP_reset, &rs), 0);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(fake_cont_args[0], EVTCHNOP_reset);
    assert_int_equal(fake_cont_args[1], (uint64_t)&rs);
    for (i = 1; i < 300; i++)
        left += evtchn_from_port(db, i)->state != ECS_FREE;
    assert_int_equal(left, 299 - 64);
    fake_preempt_due = false;
    assert_int_equal(op(EVTCHNOP_reset, &rs), 0);
    assert_int_equal(fake_continuations, 1);
    for (i = 1; i < 300; i++)
        assert_int_equal(evtchn_from_port(db, i)->state, ECS_FREE);
    fake_may_preempt = false;
}

static void test_bad_arguments(void **state)
{
    static const unsigned int cmds[] = { EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq,
        EVTCHNOP_close, EVTCHNOP_send, EVTCHNOP_status, EVTCHNOP_alloc_unbound,
        EVTCHNOP_bind_ipi, EVTCHNOP_bind_vcpu, EVTCHNOP_unmask, EVTCHNOP_reset,
        EVTCHNOP_bind_pirq };
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(cmds); i++) {
        assert_int_equal(do_event_channel_op(cmds[i], 0xffff800000001000UL), -XEN_EFAULT);
        assert_int_equal(do_event_channel_op(cmds[i], 0x10), -XEN_EFAULT);
        assert_int_equal(do_event_channel_op(cmds[i], 0x0000800000000000UL), -XEN_EFAULT);
    }
    assert_int_equal(do_event_channel_op(EVTCHNOP_bind_pirq, 0x10), -XEN_EFAULT);
    assert_int_equal(do_event_channel_op(EVTCHNOP_init_control, 0x10), -XEN_EFAULT);
    assert_int_equal(do_event_channel_op(EVTCHNOP_expand_array, 0x10), -XEN_EFAULT);
    assert_int_equal(do_event_channel_op(EVTCHNOP_set_priority, 0x10), -XEN_EFAULT);
    {   /* FIFO operations on a 2-level domain (Xen) */
        struct evtchn_set_priority sp = { .port = 1, .priority = 3 };
        struct evtchn_expand_array ea = { .array_gfn = 1 };
        struct evtchn_bind_ipi ip = { .vcpu = 0 };
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
        sp.port = 64;
        assert_int_equal(op(EVTCHNOP_set_priority, &sp), -XEN_EINVAL);     /* beyond 64 ports */
        sp.port = ip.port;
        assert_int_equal(op(EVTCHNOP_set_priority, &sp), -XEN_ENOSYS);
        assert_int_equal(op(EVTCHNOP_expand_array, &ea), -XEN_EOPNOTSUPP);
    }
    assert_int_equal(do_event_channel_op(99, 0x10), -XEN_ENOSYS);
    /* an OUT field that cannot be written back: the port stays allocated, -EFAULT */
    {
        struct evtchn_bind_ipi ip = { .vcpu = 0 };
        fake_guest_hole_start = (uintptr_t)&ip;
        fake_guest_hole_end = fake_guest_hole_start + 1;
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), -XEN_EFAULT);
        fake_guest_hole_start = fake_guest_hole_end = 0;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interdomain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interdomain_binder_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selector_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moved_global_virq_rebinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_vcpu_and_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_preempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests_name("event_channel", tests, NULL, NULL);
}
