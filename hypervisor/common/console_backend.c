/*
 * The hypervisor's PV console backend (see keel/console_backend.h).
 * The ring indices are the guest's to write: they are read once per pass
 * and a producer more than a ring ahead is treated as corrupt (the ring
 * is reset, the guest is not followed).
 *
 * The ring is a frame of the guest's that the hypervisor keeps using, so
 * from attach to detach the backend holds a general and a writable type
 * reference on it (as Xen's map_vcpu_info does for the guest page it
 * keeps writing, with get_page_and_type(PGT_writable_page)): the guest
 * can neither give the frame back
 * (decrease_reservation finds it in use) nor make it a page table or
 * descriptor page while drain() and input_to_domu() write it
 * (docs/security.md, class 2).
 *
 * Output is paced (issue 11, defect 4): each domain's lines go to the
 * serial log at most CONS_RATE bytes a second after a burst of
 * CONS_BURST (a token bucket, counted in bytes of tagged output), and only
 * while the console's transmit buffer has room for guest output
 * (console_guest_room: half of it stays for the hypervisor and dom0).
 * What does not fit stays in the guest's ring: the guest waits, as with
 * any slow console, and loses nothing; the next drain (its next event, or
 * the 20 ms poll) goes on.  So a ring of newlines, about 13 times its
 * size once tagged, costs the others at most CONS_BURST bytes of output
 * per drain and CONS_RATE a second, never waiting for the UART.
 * Once dom0's console daemon owns the domUs' consoles (the control-plane
 * issue) the hypervisor should not drain them at all.
 *
 * Locking: cons_lock protects the backend table, the focus, dom0's input
 * buffer and the budgets.  cons_lock and mm_lock are never held together;
 * cons_lock is taken before evtchn_lock (a ring's port notified) and the
 * console's own lock (keel/spinlock.h has the whole order).
 */
#include <keel/console_backend.h>
#include <keel/console.h>
#include <keel/domain.h>
#include <keel/event.h>
#include <keel/lib.h>
#include <keel/pv_mm.h>
#include <keel/spinlock.h>
#include <keel/time.h>
#include <public/io/console.h>

#define MAX_BACKENDS 64
#define LINE_MAX 160
#define CTRL_A 0x01
#define CONS_RATE (16u << 10)            /* bytes of tagged output a second */
#define CONS_BURST (4u << 10)
#define NS_PER_SEC 1000000000ULL

struct cons_backend {
    struct domain *d;
    mfn_t mfn;                        /* the ring's frame, referenced */
    struct xencons_interface *ring;   /* NULL once detached */
    uint32_t port;
    char line[LINE_MAX];
    unsigned int len;
    uint64_t tokens;                  /* bytes of output it may write now */
    uint64_t stamp;                   /* system time of the last refill */
};

static struct cons_backend backends[MAX_BACKENDS];
static unsigned int nr_backends;
static spinlock_t cons_lock = SPIN_LOCK_UNLOCKED;
static int focus = -1;            /* -1: dom0; else index into backends */
static unsigned int ctrl_a_count;
static char dom0_in[256];
static unsigned int dom0_in_len;

void evtchn_notify_port(struct domain *d, uint32_t port);

bool cons_backend_active(void)
{
    return nr_backends > 0;
}

/* A slot for a new backend: one a destroyed domain left, or a new one.
 * cons_lock held. */
static struct cons_backend *free_slot(void)
{
    unsigned int i;

    for (i = 0; i < nr_backends; i++)
        if (!backends[i].ring)
            return &backends[i];
    return nr_backends < MAX_BACKENDS ? &backends[nr_backends++] : NULL;
}

int cons_backend_attach(struct domain *d, mfn_t ring, uint32_t port)
{
    struct cons_backend *b;
    int rc;

    mm_lock_acquire();
    rc = get_page_and_type(ring, d, PGT_writable);
    mm_lock_release();
    if (rc)
        return rc;
    spin_lock(&cons_lock);
    b = free_slot();
    if (!b) {
        spin_unlock(&cons_lock);
        mm_lock_acquire();
        put_page_and_type(ring, d);
        mm_lock_release();
        return -XEN_ENOSPC;
    }
    b->d = d;
    b->mfn = ring;
    b->ring = mfn_to_virt(ring);
    b->port = port;
    b->len = 0;
    b->tokens = CONS_BURST;
    b->stamp = get_s_time();
    spin_unlock(&cons_lock);
    return 0;
}

/* Take d's ring out of use (under cons_lock) and return its frame, or
 * INVALID_MFN if d has no attached ring left. */
static mfn_t take_ring(struct domain *d)
{
    mfn_t m = INVALID_MFN;
    unsigned int i;

    spin_lock(&cons_lock);
    for (i = 0; i < nr_backends; i++) {
        if (backends[i].d == d && backends[i].ring) {
            backends[i].ring = NULL;
            m = backends[i].mfn;
            break;
        }
    }
    spin_unlock(&cons_lock);
    return m;
}

void cons_backend_detach(struct domain *d)
{
    mfn_t m;

    while (!mfn_eq(m = take_ring(d), INVALID_MFN)) {
        mm_lock_acquire();
        put_page_and_type(m, d);
        mm_lock_release();
    }
}

/* A backend whose ring may be read and written now. */
static bool ring_live(const struct cons_backend *b)
{
    return b->ring && b->d->state == DOM_RUNNING;
}

#define LINE_OUT_MAX (LINE_MAX + 80)     /* "[name] " + line + newline */

static void flush_line(struct cons_backend *b)
{
    char out[LINE_OUT_MAX];
    int n = snprintf(out, sizeof(out), "[%s] %.*s\n", b->d->name, (int)b->len, b->line);

    n = MIN(n, (int)sizeof(out) - 1);
    console_line_write(out, (size_t)n);
    b->tokens = b->tokens > (uint64_t)n ? b->tokens - (uint64_t)n : 0;
    b->len = 0;
}

/* Refill b's budget for the time since the last refill. */
static void refill(struct cons_backend *b)
{
    uint64_t now = get_s_time(), elapsed, add;

    elapsed = now > b->stamp ? now - b->stamp : 0;
    elapsed = MIN(elapsed, NS_PER_SEC);           /* enough to fill it; no overflow */
    add = elapsed * CONS_RATE / NS_PER_SEC;
    if (add) {                                    /* else keep the stamp: fractions add up */
        b->tokens = MIN(b->tokens + add, (uint64_t)CONS_BURST);
        b->stamp = now;
    }
}

/* b may take one more byte from its ring: whatever that byte is, the line
 * it may end fits b's budget and the console's buffer. */
static bool may_take(const struct cons_backend *b)
{
    return b->tokens >= LINE_OUT_MAX && console_guest_room(LINE_OUT_MAX * 2);
}

static void drain(struct cons_backend *b)
{
    struct xencons_interface *r = b->ring;
    uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    bool moved = false;

    if (prod - cons > sizeof(r->out)) {
        gdprintk("d%u: console ring indices corrupt (%u/%u); reset\n", b->d->domain_id,
                 cons, prod);
        cons = prod;
        moved = true;
    }
    refill(b);
    while (cons != prod && may_take(b)) {
        char c = r->out[cons++ % sizeof(r->out)];
        moved = true;
        if (c == '\r')
            continue;
        if (c == '\n') {
            flush_line(b);
            continue;
        }
        b->line[b->len++] = c;
        if (b->len == LINE_MAX)
            flush_line(b);
    }
    if (moved) {
        __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
        evtchn_notify_port(b->d, b->port);
    }
}

void cons_backend_notify(struct domain *d)
{
    unsigned int i;

    spin_lock(&cons_lock);
    for (i = 0; i < nr_backends; i++)
        if (backends[i].d == d && ring_live(&backends[i]))
            drain(&backends[i]);
    spin_unlock(&cons_lock);
}

static const char *focus_name(void)
{
    return focus < 0 ? "dom0" : backends[focus].d->name;
}

static void switch_focus(void)
{
    focus = focus + 1 < (int)nr_backends ? focus + 1 : -1;
    printk("*** serial input now goes to %s (type CTRL-a three times to switch)\n",
           focus_name());
}

static void input_to_domu(struct cons_backend *b, char c)
{
    struct xencons_interface *r = b->ring;
    uint32_t cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = r->in_prod;

    if (prod - cons >= sizeof(r->in))
        return;                       /* ring full: drop, as a UART would */
    r->in[prod % sizeof(r->in)] = c;
    __atomic_store_n(&r->in_prod, prod + 1, __ATOMIC_RELEASE);
    evtchn_notify_port(b->d, b->port);
}

static void input_char(char c)
{
    if (c == CTRL_A) {
        if (++ctrl_a_count == 3) {
            ctrl_a_count = 0;
            switch_focus();
        }
        return;
    }
    ctrl_a_count = 0;
    if (focus >= 0 && ring_live(&backends[focus])) {
        input_to_domu(&backends[focus], c);
    } else if (dom0_in_len < sizeof(dom0_in)) {
        dom0_in[dom0_in_len++] = c;
        if (dom0)
            send_guest_global_virq(dom0, VIRQ_CONSOLE);
    }
}

void cons_backend_poll(void)
{
    unsigned int i;
    int c;

    spin_lock(&cons_lock);
    while ((c = console_getc()) >= 0)
        input_char((char)c);
    for (i = 0; i < nr_backends; i++)
        if (ring_live(&backends[i]))
            drain(&backends[i]);
    spin_unlock(&cons_lock);
}

long cons_dom0_read(char *buf, size_t len)
{
    size_t n;
    int c;

    spin_lock(&cons_lock);
    /* Without domUs nothing polls the UART: read it here. */
    while ((c = console_getc()) >= 0)
        input_char((char)c);
    n = MIN(len, (size_t)dom0_in_len);
    memcpy(buf, dom0_in, n);
    memmove(dom0_in, dom0_in + n, dom0_in_len - n);
    dom0_in_len -= (unsigned int)n;
    spin_unlock(&cons_lock);
    return (long)n;
}
