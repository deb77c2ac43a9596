/*
 * Xen's FIFO event-channel ABI (public/event_channel.h), behaving as Xen
 * 4.17's xen/common/event_fifo.c does; our own code.
 *
 * The guest gives each vCPU a control block (EVTCHNOP_init_control: a
 * READY word with one bit per priority and a HEAD port per priority
 * queue) and gives the domain event-array pages one at a time
 * (EVTCHNOP_expand_array: 1024 32-bit event words per page, port N's word
 * at index N).  An event word holds PENDING, MASKED, LINKED and BUSY and,
 * in its low 17 bits, LINK: the next port on the same queue.  Raising an
 * unmasked port that is not already LINKED appends it to its vCPU's queue
 * of its priority: the hypervisor remembers each queue's tail, writes the
 * new port into the tail's LINK (or into HEAD when the queue was empty),
 * sets the priority's READY bit and, if that bit was clear, raises the
 * upcall.  The guest consumes from HEAD, clearing LINKED as it goes.
 *
 * Trust: the control block and the array pages are guest frames the
 * guest keeps writing.  Each is held from registration to EVTCHNOP_reset
 * or domain death with a general and a writable type reference (as the
 * console backend holds its ring; docs/security.md, classes 1 and 2), so
 * the frame stays the domain's and never becomes a page table or
 * descriptor page.  The hypervisor only ever writes HEAD, sets READY and
 * changes event words with atomic operations; it never reads HEAD and
 * never follows LINK, so no guest value steers a loop or an index.  The
 * only guest-driven retry, linking to a tail the guest is changing, is
 * bounded as in Xen: the tail is marked BUSY (Linux then leaves unmasking
 * it to the hypervisor) and the compare-and-exchange is tried at most
 * five times, after which the port is treated as linked.
 *
 * Locking: everything here runs under evtchn_lock (event_channel.c), so
 * Xen's per-queue locks are not needed; mm_lock is taken inside it for
 * frame references.
 */
#include <keel/evtchn_ops.h>
#include <keel/domain.h>
#include <keel/lib.h>
#include <keel/pv_mm.h>
#include <keel/console.h>
#include <public/event_channel.h>

#define WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))          /* 1024 */
#define MAX_ARRAY_PAGES (EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)   /* 128 */
#define LINK_TRIES 4               /* after the first, with BUSY set (Xen) */

struct fifo_queue {
    evtchn_port_t tail;            /* 0: empty (port 0 is never linked) */
    uint8_t priority;
};

struct evtchn_fifo_vcpu {
    struct evtchn_fifo_control_block *cb;   /* NULL until init_control */
    mfn_t cb_mfn;                           /* referenced while cb is set */
    struct fifo_queue q[EVTCHN_FIFO_MAX_QUEUES];
};

struct evtchn_fifo_domain {
    event_word_t *array[MAX_ARRAY_PAGES];
    mfn_t array_mfn[MAX_ARRAY_PAGES];
    unsigned int num_evtchns;               /* ports with an event word */
};

/* ---- Atomic operations on guest words ---- */

static bool word_test_and_set(event_word_t *w, unsigned int bit)
{
    return __atomic_fetch_or(w, 1u << bit, __ATOMIC_SEQ_CST) & (1u << bit);
}

static void word_clear(event_word_t *w, unsigned int bit)
{
    __atomic_fetch_and(w, ~(1u << bit), __ATOMIC_SEQ_CST);
}

static bool word_test(const event_word_t *w, unsigned int bit)
{
    return (__atomic_load_n(w, __ATOMIC_SEQ_CST) >> bit) & 1;
}

static event_word_t *word_from_port(const struct domain *d, evtchn_port_t port)
{
    const struct evtchn_fifo_domain *f = d->evtchn_fifo;

    if (!f || port >= f->num_evtchns)
        return NULL;
    return f->array[port / WORDS_PER_PAGE] + port % WORDS_PER_PAGE;
}

/* ---- Linking ---- */

/* Set w's LINK to port if w is still LINKED: 1 done, 0 not linked (the
 * guest consumed it), -1 the word changed under us. */
static int try_set_link(event_word_t *word, event_word_t *seen, evtchn_port_t port)
{
    event_word_t old = *seen, new;

    if (!(old & (1u << EVTCHN_FIFO_LINKED)))
        return 0;
    new = (old & ~((1u << EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | port;
    if (__atomic_compare_exchange_n(word, seen, new, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        return 1;
    return -1;                      /* *seen now holds the current value */
}

/*
 * Link port after the queue's tail word.  While the word is LINKED the
 * guest may only set or clear MASKED, clear PENDING, or clear LINKED with
 * LINK; BUSY keeps Linux from clearing MASKED itself, so a few tries
 * suffice.  Returns whether port was linked (else the queue was empty).
 */
static bool set_link(struct domain *d, event_word_t *word, evtchn_port_t port)
{
    event_word_t seen = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    unsigned int i;
    int r;

    r = try_set_link(word, &seen, port);
    if (r >= 0)
        return r;
    word_test_and_set(word, EVTCHN_FIFO_BUSY);
    seen = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    for (i = 0; i < LINK_TRIES; i++) {
        r = try_set_link(word, &seen, port);    /* clears BUSY when it links */
        if (r >= 0) {
            if (r == 0)
                word_clear(word, EVTCHN_FIFO_BUSY);
            return r;
        }
    }
    /* A guest rewriting its word all the time: drop the link, as Xen. */
    gdprintk("evtchn: domain %u port %u not linked\n", d->domain_id, port);
    word_clear(word, EVTCHN_FIFO_BUSY);
    return true;
}

/* The queue port was last linked on (where the guest may still have it). */
static struct fifo_queue *last_queue(struct domain *d, const struct evtchn *c,
                                     struct fifo_queue *fallback)
{
    struct vcpu *v = c->last_vcpu < d->max_vcpus ? d->vcpu[c->last_vcpu] : NULL;

    if (!v || !v->evtchn_fifo || c->last_priority > EVTCHN_FIFO_PRIORITY_MIN)
        return fallback;
    return &v->evtchn_fifo->q[c->last_priority];
}

static void fifo_set_pending(struct vcpu *v, evtchn_port_t port)
{
    struct domain *d = v->domain;
    struct evtchn *c = evtchn_from_port(d, port);
    struct evtchn_fifo_vcpu *efv = v->evtchn_fifo;
    event_word_t *word = word_from_port(d, port), *tail_word;
    struct fifo_queue *q, *old_q;
    bool newly_pending, linked = true;

    if (!c)
        return;
    if (!word) {
        /* No array page for it yet: raised when the page comes. */
        c->fifo_pending = true;
        return;
    }
    /* No control block: the guest may not unmask before registering
     * one, so the event is dropped (Xen). */
    if (!efv || !efv->cb)
        return;
    q = &efv->q[c->priority <= EVTCHN_FIFO_PRIORITY_MIN ? c->priority
                                                        : EVTCHN_FIFO_PRIORITY_DEFAULT];
    old_q = last_queue(d, c, q);
    newly_pending = !word_test_and_set(word, EVTCHN_FIFO_PENDING);
    if (!word_test(word, EVTCHN_FIFO_MASKED) &&
        !word_test_and_set(word, EVTCHN_FIFO_LINKED)) {
        /* The port was the old queue's tail: that queue is empty now,
         * and must not link anything after it from its new queue. */
        if (old_q->tail == port)
            old_q->tail = 0;
        c->last_vcpu = (uint16_t)v->vcpu_id;
        c->last_priority = q->priority;
        linked = false;
        if (q->tail && (tail_word = word_from_port(d, q->tail)))
            linked = set_link(d, tail_word, port);
        if (!linked)
            __atomic_store_n(&efv->cb->head[q->priority], port, __ATOMIC_SEQ_CST);
        q->tail = port;
    }
    if (!linked && !word_test_and_set(&efv->cb->ready, q->priority))
        evtchn_mark_upcall(v);
    if (newly_pending)
        evtchn_wake_pollers(d, port);
}

/* Only PENDING: the guest unlinks and skips events that are not pending. */
static void fifo_clear_pending(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = word_from_port(d, port);

    if (word)
        word_clear(word, EVTCHN_FIFO_PENDING);
}

static void fifo_unmask(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = word_from_port(d, port);

    if (!word)
        return;
    word_clear(word, EVTCHN_FIFO_MASKED);
    if (word_test(word, EVTCHN_FIFO_PENDING))
        fifo_set_pending(evtchn_notify_vcpu(d, evtchn_from_port(d, port)), port);
}

static bool fifo_is_pending(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = word_from_port(d, port);

    return word && word_test(word, EVTCHN_FIFO_PENDING);
}

static bool fifo_is_busy(struct domain *d, evtchn_port_t port)
{
    event_word_t *word = word_from_port(d, port);

    return word && word_test(word, EVTCHN_FIFO_LINKED);
}

/* Future links only: a port already on a queue stays there (Xen). */
static int fifo_set_priority(struct domain *d, struct evtchn *c, unsigned int priority)
{
    (void)d;
    if (priority > EVTCHN_FIFO_PRIORITY_MIN)
        return -XEN_EINVAL;
    c->priority = (uint8_t)priority;
    return 0;
}

static void fifo_init(struct domain *d, struct evtchn *c, evtchn_port_t port)
{
    (void)d;
    (void)port;
    c->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
}

const struct evtchn_port_ops evtchn_port_ops_fifo = {
    .init = fifo_init,
    .set_pending = fifo_set_pending,
    .clear_pending = fifo_clear_pending,
    .unmask = fifo_unmask,
    .is_pending = fifo_is_pending,
    .is_busy = fifo_is_busy,
    .set_priority = fifo_set_priority,
};

/* ---- Guest pages ---- */

/* Reference the guest frame gfn (for PV, a machine frame the domain
 * owns) as general + writable, or -EINVAL as Xen's map_guest_page. */
static int get_guest_page(struct domain *d, gfn_t gfn, mfn_t *mfn)
{
    mfn_t m = _mfn(gfn_x(gfn));         /* PV: the guest names machine frames */
    int rc;

    if (mfn_x(m) >= max_mfn)
        return -XEN_EINVAL;
    mm_lock_acquire();
    rc = get_page_and_type(m, d, PGT_writable);
    mm_lock_release();
    if (rc)
        return -XEN_EINVAL;
    *mfn = m;
    return 0;
}

static void put_guest_page(struct domain *d, mfn_t mfn)
{
    mm_lock_acquire();
    put_page_and_type(mfn, d);
    mm_lock_release();
}

static int map_control_block(struct vcpu *v, gfn_t gfn, uint32_t offset)
{
    struct evtchn_fifo_vcpu *efv = v->evtchn_fifo;
    mfn_t mfn;
    int rc;

    if (!efv || efv->cb)
        return -XEN_EINVAL;            /* one per vCPU until reset (Xen) */
    rc = get_guest_page(v->domain, gfn, &mfn);
    if (rc)
        return rc;
    efv->cb_mfn = mfn;
    efv->cb = (void *)((uint8_t *)mfn_to_virt(mfn) + offset);
    return 0;
}

static void release_vcpu(struct vcpu *v)
{
    struct evtchn_fifo_vcpu *efv = v->evtchn_fifo;

    if (!efv)
        return;
    if (efv->cb)
        put_guest_page(v->domain, efv->cb_mfn);
    xfree(efv);
    v->evtchn_fifo = NULL;
}

void evtchn_fifo_destroy(struct domain *d)
{
    struct evtchn_fifo_domain *f = d->evtchn_fifo;
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            release_vcpu(d->vcpu[i]);
    if (!f)
        return;
    for (i = 0; i < f->num_evtchns / WORDS_PER_PAGE; i++)
        put_guest_page(d, f->array_mfn[i]);
    xfree(f);
    d->evtchn_fifo = NULL;
}

unsigned int evtchn_fifo_frames(struct domain *d, mfn_t *out, unsigned int max)
{
    const struct evtchn_fifo_domain *f = d->evtchn_fifo;
    unsigned int i, n = 0;

    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i]->evtchn_fifo && d->vcpu[i]->evtchn_fifo->cb && n < max)
            out[n++] = d->vcpu[i]->evtchn_fifo->cb_mfn;
    for (i = 0; f && i < f->num_evtchns / WORDS_PER_PAGE && n < max; i++)
        out[n++] = f->array_mfn[i];
    return n;
}

/* Queues for every vCPU and an empty event array. */
static int setup_fifo(struct domain *d)
{
    unsigned int i, p;

    for (i = 0; i < d->max_vcpus; i++) {
        struct evtchn_fifo_vcpu *efv;
        if (!d->vcpu[i])
            continue;
        efv = xzalloc_bytes(sizeof(*efv));
        if (!efv)
            return -XEN_ENOMEM;
        for (p = 0; p < EVTCHN_FIFO_MAX_QUEUES; p++)
            efv->q[p].priority = (uint8_t)p;
        d->vcpu[i]->evtchn_fifo = efv;
    }
    d->evtchn_fifo = xzalloc_bytes(sizeof(*d->evtchn_fifo));
    return d->evtchn_fifo ? 0 : -XEN_ENOMEM;
}

/* Ports bound under the 2-level ABI keep their pending state (raised when
 * their array page comes) and get the default priority (Xen's setup_ports). */
static void carry_over_ports(struct domain *d, unsigned int prev_ports)
{
    evtchn_port_t p;

    for (p = 1; p < prev_ports; p++) {
        struct evtchn *c = evtchn_from_port(d, p);
        if (!c)
            break;
        if (c->state == ECS_FREE)
            continue;
        if ((d->shared_info->evtchn_pending[p / 64] >> (p % 64)) & 1)
            c->fifo_pending = true;
        c->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    }
}

long evtchn_fifo_init_control(struct evtchn_init_control *ic)
{
    struct domain *d = current->domain;
    unsigned int prev_ports;
    struct vcpu *v;
    long rc;

    ic->link_bits = EVTCHN_FIFO_LINK_BITS;
    if (ic->vcpu >= d->max_vcpus || !(v = d->vcpu[ic->vcpu]))
        return -XEN_ENOENT;
    /* Inside one page, 8-byte aligned (Xen). */
    if (ic->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) ||
        (ic->offset & 7))
        return -XEN_EINVAL;
    if (d->evtchn_fifo)
        return map_control_block(v, _gfn(ic->control_gfn), ic->offset);
    /* The first control block switches the domain to the FIFO ABI. */
    prev_ports = evtchn_port_limit(d);
    rc = setup_fifo(d);
    if (!rc)
        rc = map_control_block(v, _gfn(ic->control_gfn), ic->offset);
    if (rc) {
        evtchn_fifo_destroy(d);
        return rc;
    }
    d->evtchn_port_ops = &evtchn_port_ops_fifo;
    carry_over_ports(d, prev_ports);
    return 0;
}

/*
 * One more page of event words.  Xen bounds the array only by
 * EVTCHN_FIFO_NR_CHANNELS; we also stop at the pages the domain's port
 * limit (max_evtchns) can use, so a domU cannot pin more of its frames
 * than its ports need (-ENOSPC, as when the array is full).
 */
long evtchn_fifo_expand_array(const struct evtchn_expand_array *ea)
{
    struct domain *d = current->domain;
    struct evtchn_fifo_domain *f = d->evtchn_fifo;
    unsigned int slot, port;
    mfn_t mfn;
    int rc;

    if (!f)
        return -XEN_EOPNOTSUPP;
    slot = f->num_evtchns / WORDS_PER_PAGE;
    if (slot >= MAX_ARRAY_PAGES || f->num_evtchns >= d->max_evtchns)
        return -XEN_ENOSPC;
    rc = get_guest_page(d, _gfn(ea->array_gfn), &mfn);
    if (rc)
        return rc;
    f->array[slot] = mfn_to_virt(mfn);
    f->array_mfn[slot] = mfn;
    port = f->num_evtchns;
    f->num_evtchns += WORDS_PER_PAGE;
    /* Events raised while these ports had no word. */
    for (; port < f->num_evtchns; port++) {
        struct evtchn *c = evtchn_from_port(d, port);
        if (!c)
            break;
        if (c->fifo_pending) {
            c->fifo_pending = false;
            fifo_set_pending(evtchn_notify_vcpu(d, c), port);
        }
    }
    return 0;
}
