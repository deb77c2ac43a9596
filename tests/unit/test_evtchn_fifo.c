/*
 * Unit tests for the FIFO event-channel ABI (common/event_fifo.c through
 * common/event_channel.c), on the real pv_mm.c against the fake machine
 * of test_pvmm_world.h: domain A (id 1, 2 vCPUs, frames 1..39) and B
 * (id 2, 1 vCPU, frames 40..47).  Control blocks and event-array pages
 * are A's frames; the test plays the guest on them the way Linux's
 * events_fifo.c does.  Hypercall arguments are host pointers.
 */
#include "test_pvmm_world.h"
#include <keel/event.h>
#include <public/event_channel.h>
#include <pthread.h>

#define CB0 10          /* vCPU 0's control block (offset 0) */
#define CB1 11          /* vCPU 1's control block (offset 64) */
#define ARR0 12         /* event array pages: ports 0..1023, 1024..2047, ... */
#define LINKED (1u << EVTCHN_FIFO_LINKED)
#define PENDING (1u << EVTCHN_FIFO_PENDING)
#define MASKED (1u << EVTCHN_FIFO_MASKED)
#define BUSY (1u << EVTCHN_FIFO_BUSY)

static unsigned int array_pages;

static int setup(void **state)
{
    world_setup(state);
    assert_int_equal(evtchn_init(da, EVTCHN_FIFO_NR_CHANNELS), 0);
    assert_int_equal(evtchn_init(db, DEFAULT_MAX_EVTCHNS), 0);
    fake_wakes = 0;
    array_pages = 0;
    return 0;
}

static int teardown(void **state)
{
    evtchn_destroy(da);
    evtchn_destroy(db);
    memset(held, 0, sizeof(held));
    memset(held_writable, 0, sizeof(held_writable));
    check_baseline();                   /* every frame reference given back */
    return world_teardown(state);
}

static void as(struct domain *d, unsigned int vcpu)
{
    fake_cpu_info.curr = d->vcpu[vcpu];
}

static long op(unsigned int cmd, void *arg)
{
    return do_event_channel_op(cmd, (uint64_t)arg);
}

static void hold(unsigned int frame)
{
    held[frame]++;
    held_writable[frame]++;
}

static long init_control(unsigned int vcpu, uint64_t gfn, uint32_t offset)
{
    struct evtchn_init_control ic = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
    long rc = op(EVTCHNOP_init_control, &ic);

    if (!rc) {
        assert_int_equal(ic.link_bits, EVTCHN_FIFO_LINK_BITS);
        if (gfn < FAKE_NR_FRAMES)
            hold((unsigned int)gfn);
    }
    return rc;
}

static long expand(uint64_t gfn)
{
    struct evtchn_expand_array ea = { .array_gfn = gfn };
    long rc = op(EVTCHNOP_expand_array, &ea);

    if (!rc) {
        hold((unsigned int)gfn);
        array_pages++;
    }
    return rc;
}

static struct evtchn_fifo_control_block *cb(unsigned int frame, unsigned int offset)
{
    return (void *)((uint8_t *)fake_frame(_mfn(frame)) + offset);
}

static event_word_t *word(unsigned int port)
{
    return (event_word_t *)fake_frame(_mfn(ARR0 + port / 1024)) + port % 1024;
}

/* A on FIFO: both vCPUs' control blocks and one array page (ports < 1024). */
static void fifo_a(void)
{
    as(da, 0);
    assert_int_equal(init_control(0, CB0, 0), 0);
    assert_int_equal(init_control(1, CB1, 64), 0);
    assert_int_equal(expand(ARR0), 0);
    check_consistency();
}

static unsigned int ipi(unsigned int vcpu)
{
    struct evtchn_bind_ipi ip = { .vcpu = vcpu };

    assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
    return ip.port;
}

static void send(unsigned int port)
{
    struct evtchn_send sd = { .port = port };

    assert_int_equal(op(EVTCHNOP_send, &sd), 0);
}

static long set_priority(unsigned int port, unsigned int prio)
{
    struct evtchn_set_priority sp = { .port = port, .priority = prio };

    return op(EVTCHNOP_set_priority, &sp);
}

/* The guest takes the head of a queue off, as Linux's clear_linked(). */
static unsigned int consume(unsigned int port)
{
    event_word_t w = *word(port);

    *word(port) = w & ~(LINKED | EVTCHN_FIFO_LINK_MASK);
    return w & EVTCHN_FIFO_LINK_MASK;
}

static unsigned int link_of(unsigned int port)
{
    return *word(port) & EVTCHN_FIFO_LINK_MASK;
}

/* Bad control blocks are refused with Xen's errors, hold nothing, and
 * leave the domain on the 2-level ABI. */
static void test_init_control_checks(void **state)
{
    (void)state;
    as(da, 0);
    assert_int_equal(init_control(2, CB0, 0), -XEN_ENOENT);          /* no such vCPU */
    assert_int_equal(init_control(1000, CB0, 0), -XEN_ENOENT);
    assert_int_equal(init_control(0, CB0, 4), -XEN_EINVAL);          /* not 8-aligned */
    assert_int_equal(init_control(0, CB0, 4096 - 72 + 8), -XEN_EINVAL); /* crosses the page */
    assert_int_equal(init_control(0, CB0, 0xfffffff8u), -XEN_EINVAL);
    assert_int_equal(init_control(0, B_FIRST, 0), -XEN_EINVAL);      /* B's frame */
    assert_int_equal(init_control(0, F_FREE, 0), -XEN_EINVAL);       /* nobody's */
    assert_int_equal(init_control(0, F_IO, 0), -XEN_EINVAL);         /* I/O memory */
    assert_int_equal(init_control(0, FAKE_NR_FRAMES, 0), -XEN_EINVAL);
    assert_int_equal(init_control(0, 1UL << 52, 0), -XEN_EINVAL);
    assert_int_equal(init_control(0, ~0UL, 0), -XEN_EINVAL);
    /* a frame of another type (here a descriptor page) cannot be one */
    assert_int_equal(get_page_and_type(_mfn(A_FIRST + 3), da, PGT_seg_desc), 0);
    assert_int_equal(init_control(0, A_FIRST + 3, 0), -XEN_EINVAL);
    put_page_and_type(_mfn(A_FIRST + 3), da);
    assert_null(da->evtchn_fifo);
    assert_null(da->vcpu[0]->evtchn_fifo);
    assert_int_equal(set_priority(1, 3), -XEN_ENOSYS);
    assert_int_equal(expand(ARR0), -XEN_EOPNOTSUPP);
    check_consistency();
    /* the last possible offset works; a second block for vCPU 0 does not */
    assert_int_equal(init_control(0, CB0, 4096 - 72), 0);
    assert_int_equal(init_control(0, CB1, 0), -XEN_EINVAL);
    assert_int_equal(init_control(1, CB0, 0), 0);                    /* shared page: ok */
    check_consistency();
    /* a frame held as control block never becomes a table */
    assert_int_not_equal(pv_pin_table(da, _mfn(CB0), PGT_l1), 0);
    check_consistency();
}

/* Events are linked per vCPU and priority; READY and the upcall as Xen. */
static void test_link_and_priorities(void **state)
{
    struct evtchn_fifo_control_block *c0;
    unsigned int p1, p2, p3;

    (void)state;
    fifo_a();
    c0 = cb(CB0, 0);
    p1 = ipi(0);
    p2 = ipi(0);
    p3 = ipi(0);
    send(p1);
    assert_int_equal(*word(p1), PENDING | LINKED);
    assert_int_equal(c0->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p1);
    assert_int_equal(c0->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    assert_int_equal(da->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(fake_wakes, 1);
    /* the second is linked after the first: no new upcall */
    send(p2);
    assert_int_equal(link_of(p1), p2);
    assert_int_equal(*word(p2), PENDING | LINKED);
    assert_int_equal(c0->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p1);
    assert_int_equal(fake_wakes, 1);
    /* again while linked: nothing changes */
    send(p2);
    assert_int_equal(*word(p2), PENDING | LINKED);
    assert_int_equal(fake_wakes, 1);
    /* another priority has its own queue and READY bit */
    assert_int_equal(set_priority(p3, EVTCHN_FIFO_PRIORITY_MIN + 1), -XEN_EINVAL);
    assert_int_equal(set_priority(p3, 2), 0);
    da->vcpu[0]->vcpu_info->evtchn_upcall_pending = 0;
    send(p3);
    assert_int_equal(c0->head[2], p3);
    assert_int_equal(c0->ready, (1u << 2) | (1u << EVTCHN_FIFO_PRIORITY_DEFAULT));
    assert_int_equal(da->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(fake_wakes, 2);
    /* the guest drains priority 7: p1 then p2 */
    assert_int_equal(consume(p1), p2);
    assert_int_equal(consume(p2), 0);
    *word(p1) &= ~PENDING;
    *word(p2) &= ~PENDING;
    c0->ready &= ~(1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    /* the tail (p2) is no longer linked: the next event starts a new queue */
    send(p1);
    assert_int_equal(c0->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p1);
    assert_int_equal(link_of(p2), 0);
    assert_true(c0->ready & (1u << EVTCHN_FIFO_PRIORITY_DEFAULT));
    /* vCPU 1's queues are its own */
    {
        unsigned int q = ipi(1);
        send(q);
        assert_int_equal(cb(CB1, 64)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], q);
        assert_int_equal(da->vcpu[1]->vcpu_info->evtchn_upcall_pending, 1);
        assert_ptr_equal(fake_last_woken, da->vcpu[1]);
    }
    assert_true(evtchn_port_pending(da, p1));                   /* SCHEDOP_poll */
    assert_false(evtchn_port_pending(da, p2));
    assert_int_equal(set_priority(EVTCHN_FIFO_NR_CHANNELS, 1), -XEN_EINVAL);
}

/* MASKED: pending without a link; EVTCHNOP_unmask links it. */
static void test_mask_unmask(void **state)
{
    struct evtchn_unmask um;
    unsigned int p1, p2;

    (void)state;
    fifo_a();
    p1 = ipi(0);
    p2 = ipi(0);
    *word(p1) = MASKED;
    send(p1);
    assert_int_equal(*word(p1), MASKED | PENDING);
    assert_int_equal(cb(CB0, 0)->ready, 0);
    assert_int_equal(fake_wakes, 0);
    assert_true(evtchn_port_pending(da, p1));
    um.port = p1;
    assert_int_equal(op(EVTCHNOP_unmask, &um), 0);
    assert_int_equal(*word(p1), PENDING | LINKED);
    assert_int_equal(cb(CB0, 0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p1);
    assert_int_equal(fake_wakes, 1);
    /* a link to a tail the guest masked meanwhile still links (Xen);
     * BUSY is cleared once linked */
    *word(p1) |= MASKED;
    send(p2);
    assert_int_equal(*word(p1), MASKED | PENDING | LINKED | p2);
    /* unmask of a port not pending just clears MASKED */
    *word(p2) = MASKED;
    um.port = p2;
    assert_int_equal(op(EVTCHNOP_unmask, &um), 0);
    assert_int_equal(*word(p2), 0);
    um.port = EVTCHN_FIFO_NR_CHANNELS;
    assert_int_equal(op(EVTCHNOP_unmask, &um), -XEN_EINVAL);
    /* close clears PENDING; a port still LINKED is not handed out again
     * until the guest unlinks it (Xen's evtchn_is_busy) */
    {
        struct evtchn_close cl = { .port = p1 };
        assert_int_equal(op(EVTCHNOP_close, &cl), 0);
        assert_int_equal(*word(p1) & (PENDING | LINKED), LINKED);
        assert_int_not_equal(ipi(0), p1);
        consume(p1);
        assert_int_equal(ipi(0), p1);
    }
}

/* Ports beyond the event array: raised when their page comes; the
 * domain's port limit bounds the array (ENOSPC) and 2-level's 4096 goes. */
static void test_expand_and_many_ports(void **state)
{
    unsigned int i, last = 0;

    (void)state;
    /* 2-level: port 4095 is the last */
    as(da, 0);
    for (i = 1; i < EVTCHN_2L_NR_CHANNELS; i++)
        last = ipi(0);
    assert_int_equal(last, EVTCHN_2L_NR_CHANNELS - 1);
    {
        struct evtchn_bind_ipi ip = { .vcpu = 0 };
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), -XEN_ENOSPC);
    }
    send(1500);                                 /* pending in shared_info */
    assert_int_equal(init_control(0, CB0, 0), 0);
    assert_int_equal(init_control(1, CB1, 64), 0);
    /* no array page yet: the event waits */
    send(3);
    assert_int_equal(cb(CB0, 0)->ready, 0);
    assert_int_equal(expand(ARR0), 0);
    assert_int_equal(*word(3), PENDING | LINKED);
    assert_int_equal(cb(CB0, 0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], 3);
    assert_int_equal(expand(B_FIRST), -XEN_EINVAL);          /* not A's */
    assert_int_equal(expand(F_FREE), -XEN_EINVAL);
    assert_int_equal(expand(~0UL), -XEN_EINVAL);
    /* the page comes: 1500, pending under the 2-level ABI, is raised */
    assert_int_equal(expand(ARR0 + 1), 0);
    assert_int_equal(*word(1500), PENDING | LINKED);
    assert_int_equal(link_of(3), 1500);
    /* past 4096 */
    assert_int_equal(expand(ARR0 + 2), 0);
    assert_int_equal(expand(ARR0 + 3), 0);
    assert_int_equal(expand(ARR0 + 4), 0);
    for (i = 0; i < 1000; i++)
        last = ipi(1);
    assert_int_equal(last, EVTCHN_2L_NR_CHANNELS + 999);
    send(last);
    assert_int_equal(*word(last), PENDING | LINKED);
    assert_int_equal(cb(CB1, 64)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], last);
    check_consistency();
    /* B: 1024 ports, so one array page */
    as(db, 0);
    assert_int_equal(init_control(0, B_FIRST, 0), 0);
    assert_int_equal(expand(B_FIRST + 1), 0);
    assert_int_equal(expand(B_FIRST + 2), -XEN_ENOSPC);
    check_consistency();
    /* reset: back to 2-level, every page given back */
    as(da, 0);
    {
        struct evtchn_reset rs = { .dom = DOMID_SELF };
        assert_int_equal(op(EVTCHNOP_reset, &rs), 0);
    }
    memset(held, 0, sizeof(held[0]) * B_FIRST);
    memset(held_writable, 0, sizeof(held_writable[0]) * B_FIRST);
    check_consistency();
    assert_null(da->evtchn_fifo);
    assert_int_equal(set_priority(1, 1), -XEN_ENOSYS);
    assert_null(evtchn_from_port(da, EVTCHN_2L_NR_CHANNELS));
    assert_int_equal(ipi(0), 1);
    /* and FIFO again */
    assert_int_equal(init_control(0, CB0, 0), 0);
    assert_int_equal(expand(ARR0), 0);
    send(1);
    assert_int_equal(cb(CB0, 0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], 1);
}

/* bind_vcpu: a port moves to the new vCPU's queue on its next link, and
 * the old queue forgets it as its tail (Xen's lastq). */
static void test_bind_vcpu_moves_queue(void **state)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOM_B };
    struct evtchn_bind_interdomain bi = { .remote_dom = DOM_A };
    struct evtchn_bind_vcpu bc;
    unsigned int pa, pb, q;

    (void)state;
    fifo_a();
    assert_int_equal(op(EVTCHNOP_alloc_unbound, &au), 0);
    pa = au.port;
    as(db, 0);
    bi.remote_port = pa;
    assert_int_equal(op(EVTCHNOP_bind_interdomain, &bi), 0);      /* B is 2-level */
    pb = bi.local_port;
    send(pb);
    assert_int_equal(cb(CB0, 0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], pa);
    consume(pa);
    *word(pa) &= ~PENDING;
    as(da, 0);
    bc.port = pa;
    bc.vcpu = 1;
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), 0);
    as(db, 0);
    send(pb);
    assert_int_equal(cb(CB1, 64)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], pa);
    /* vCPU 0's queue no longer ends at pa: a new event there is a new head */
    as(da, 0);
    q = ipi(0);
    send(q);
    assert_int_equal(cb(CB0, 0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], q);
    assert_int_equal(link_of(pa), 0);
    /* still linked on vCPU 1 when moved back: it stays there */
    bc.vcpu = 0;
    assert_int_equal(op(EVTCHNOP_bind_vcpu, &bc), 0);
    *word(pa) &= ~PENDING;
    as(db, 0);
    send(pb);
    assert_int_equal(*word(pa), PENDING | LINKED);
    assert_int_equal(link_of(q), 0);
    /* B's 2-level side is unaffected */
    as(da, 0);
    {
        struct evtchn_send sd = { .port = pa };
        assert_int_equal(op(EVTCHNOP_send, &sd), 0);
        assert_true((db->shared_info->evtchn_pending[0] >> pb) & 1);
    }
}

/* Whatever the guest writes in its words, the hypervisor neither follows
 * nor trusts it: links to ports out of range, garbage HEADs, every word
 * LINKED, BUSY left set. */
static void test_hostile_words(void **state)
{
    struct evtchn_fifo_control_block *c0;
    unsigned int p1, p2, p3, i;

    (void)state;
    fifo_a();
    c0 = cb(CB0, 0);
    p1 = ipi(0);
    p2 = ipi(0);
    p3 = ipi(0);
    send(p1);
    /* the guest points the tail at a port that does not exist */
    *word(p1) = PENDING | LINKED | BUSY | EVTCHN_FIFO_LINK_MASK;
    c0->head[EVTCHN_FIFO_PRIORITY_DEFAULT] = 0xffffffffu;
    send(p2);
    assert_int_equal(*word(p1), PENDING | LINKED | p2);      /* LINK rewritten, BUSY gone */
    /* its own word all ones: pending, masked, "linked" */
    *word(p3) = ~0u;
    send(p3);
    assert_int_equal(*word(p3), ~0u);
    /* a self-loop and a loop between two words: nothing walks them */
    *word(p2) = PENDING | LINKED | p2;
    consume(p1);
    send(p1);
    assert_int_equal(link_of(p2), p1);
    *word(p1) = LINKED | p2;
    for (i = 0; i < 100; i++)
        send(p1);
    /* every free word marked LINKED: ports cannot be reused, no hang */
    for (i = p3 + 1; i < 1024; i++)
        *word(i) = LINKED;
    {
        struct evtchn_bind_ipi ip = { .vcpu = 0 };
        assert_int_equal(op(EVTCHNOP_bind_ipi, &ip), 0);
        assert_true(ip.port >= 1024);                        /* no word: free */
    }
    /* the control block's READY with every bit set: no upcall, no harm */
    c0->ready = ~0u;
    da->vcpu[0]->vcpu_info->evtchn_upcall_pending = 0;
    *word(p1) = 0;
    *word(p2) = 0;
    send(p1);
    assert_int_equal(da->vcpu[0]->vcpu_info->evtchn_upcall_pending, 0);
    check_consistency();
}

/* The guest changes the tail word while the hypervisor links after it
 * (another CPU of the guest): the compare-and-exchange loop is bounded
 * and BUSY never stays set. */
static volatile bool flipping;
static unsigned int flip_port;

static void *flipper(void *arg)
{
    (void)arg;
    while (flipping)
        __atomic_fetch_xor(word(flip_port), MASKED, __ATOMIC_SEQ_CST);
    return NULL;
}

static void test_concurrent_tail_changes(void **state)
{
    pthread_t t;
    unsigned int p1, p2, i;

    (void)state;
    fifo_a();
    p1 = ipi(0);
    p2 = ipi(0);
    flip_port = p1;
    flipping = true;
    assert_int_equal(pthread_create(&t, NULL, flipper, NULL), 0);
    for (i = 0; i < 20000; i++) {
        /* the guest has consumed both; p1 is raised (the queue's tail
         * unless it was masked just then), then p2 after it */
        assert_int_equal(*word(p1) & BUSY, 0);
        __atomic_fetch_and(word(p1), ~(LINKED | PENDING | EVTCHN_FIFO_LINK_MASK),
                           __ATOMIC_SEQ_CST);
        __atomic_fetch_and(word(p2), ~(LINKED | PENDING), __ATOMIC_SEQ_CST);
        send(p1);
        send(p2);
        assert_true(link_of(p1) == p2 || link_of(p1) == 0);
    }
    flipping = false;
    pthread_join(t, NULL);
    assert_int_equal(*word(p1) & BUSY, 0);
}

static void test_destroy_releases_pages(void **state)
{
    (void)state;
    fifo_a();
    assert_int_equal(expand(ARR0 + 1), 0);
    evtchn_destroy(da);
    memset(held, 0, sizeof(held));
    memset(held_writable, 0, sizeof(held_writable));
    check_baseline();
    assert_null(da->evtchn_fifo);
    assert_null(da->vcpu[0]->evtchn_fifo);
    assert_null(da->vcpu[1]->evtchn_fifo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_control_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_and_priorities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mask_unmask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expand_and_many_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_vcpu_moves_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_tail_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_releases_pages, setup, teardown),
    };
    return cmocka_run_group_tests_name("event_fifo", tests, NULL, NULL);
}
