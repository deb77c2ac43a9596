/*
 * Physical IRQs of the hardware domain (keel/irq.h): the GSI table, the
 * pirq mapping and binding state machine, and delivery as events.
 *
 *   unmapped --map_pirq--> mapped --bind_pirq--> bound --(arrival, level)--> in flight
 *      ^                      |  ^                 |  ^                          |
 *      +------unmap_pirq------+  +---close port----+  +-------PHYSDEVOP_eoi-------+
 *
 * Rules, after Xen 4.17 (physdev.c, irq.c, io_apic.c):
 *  - only a privileged domain maps, sets up or binds GSIs (-EPERM), and
 *    never a GSI the hypervisor keeps (IRQ 0's pin, GSI 2, its UART);
 *  - pirq == GSI (Linux always asks for that; another number is -EINVAL,
 *    where Xen would allocate);
 *  - a pin's trigger and polarity: the ISA IRQs' at boot (MADT
 *    overrides over the ISA defaults); the first setup_gsi of a pin sets
 *    them, also of an ISA pin (a PCI link routed to an ISA IRQ: its _PRT
 *    entry says level, whatever the ISA default), unless the pin is bound
 *    (in use); setup_gsi again, or of a bound pin, is -EEXIST, and of
 *    the SCI returns the GSI: Xen's mp_register_gsi (pin_programmed,
 *    IRQ_DISABLED);
 *  - binding a mapped pirq to a port unmasks the pin; closing the port
 *    masks it; a pirq is bound to one port at a time (-EEXIST);
 *  - a level pin is masked when it fires and unmasked by the guest's EOI;
 *    an EOI when nothing is in flight does nothing; EOI of a pirq the
 *    domain has not mapped is -EINVAL;
 *  - MSI pirqs (96-255, given out downward by irq_alloc_msi_pirq for
 *    msi.c) share the table, binding and delivery; their source is
 *    masked through msi_mask, they are edge (never in flight), and
 *    unmapping one lets msi.c tear the device side down;
 *  - irq_status_query always reports needs_eoi (Xen does too);
 *  - with a PHYSDEVOP_pirq_eoi_gmfn_v2 page (physdev.c), binding sets
 *    the pirq's bit for a level pin and clears it for an edge one, as
 *    Xen's pirq_guest_bind (ACKTYPE_UNMASK vs ACKTYPE_NONE): Linux then
 *    issues PHYSDEVOP_eoi only for the pirqs whose bit is set.
 * Locking: the table is changed under the hypervisor lock (bind/unbind
 * also under evtchn_lock).  The interrupt handler reads `level` and
 * `in_flight` and updates gsi_pending and the counters atomically;
 * nothing else is shared with it.
 */
#include <keel/irq.h>
#include <keel/domain.h>
#include <keel/event.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/mm.h>
#include <public/physdev.h>

struct gsi_state {
    bool present;          /* a pin of some IO-APIC */
    bool reserved;         /* the hypervisor's */
    bool programmed;       /* trigger/polarity set */
    bool registered;       /* by setup_gsi: no second one (Xen's pin_programmed) */
    bool level, active_low;
    bool msi;              /* an MSI pirq (msi.c has the device side) */
    bool mapped;           /* as pirq == gsi (or an MSI pirq) of `owner` */
    bool in_flight;        /* level: masked until the owner's EOI */
    domid_t owner;
    evtchn_port_t port;    /* bound event channel, 0 if none */
    /* Interrupts that arrived (from the handler, atomically), and level
     * ones that arrived while in flight, i.e. while the pin should have
     * been masked: nonzero means an interrupt storm (irq_report). */
    uint64_t fired, fired_in_flight;
};

static struct gsi_state gsis[NR_PIRQS];    /* by pirq: GSIs, then MSIs */
static unsigned int nr_gsis;
static unsigned int sci_gsi = ~0u;
static uint64_t gsi_pending[(NR_PIRQS + 63) / 64];

void irq_reset(void)
{
    memset(gsis, 0, sizeof(gsis));
    memset(gsi_pending, 0, sizeof(gsi_pending));
    nr_gsis = 0;
    sci_gsi = ~0u;
}

void irq_gsi_init(unsigned int n, unsigned int sci)
{
    unsigned int i;

    nr_gsis = MIN(n, (unsigned int)NR_GSIS);
    for (i = 0; i < nr_gsis; i++)
        gsis[i].present = true;
    sci_gsi = sci;
}

void irq_gsi_reserve(unsigned int gsi)
{
    if (gsi < NR_GSIS)
        gsis[gsi].reserved = true;
}

static void program(struct gsi_state *g, unsigned int gsi, bool level, bool active_low)
{
    g->level = level;
    g->active_low = active_low;
    g->programmed = true;
    arch_gsi_program(gsi, level, active_low);
}

void irq_gsi_boot_program(unsigned int gsi, bool level, bool active_low)
{
    if (gsi < nr_gsis)
        program(&gsis[gsi], gsi, level, active_low);
}

/* The GSI or MSI of a pirq number d may use, or NULL. */
static struct gsi_state *owned(const struct domain *d, uint32_t pirq)
{
    if (pirq >= NR_PIRQS || (pirq >= nr_gsis && !gsis[pirq].msi))
        return NULL;
    if (!gsis[pirq].mapped || gsis[pirq].owner != d->domain_id)
        return NULL;
    return &gsis[pirq];
}

/* Mask or unmask the source of a pirq: its pin or its MSI. */
static void source_mask(unsigned int pirq, bool masked)
{
    if (gsis[pirq].msi)
        msi_mask(pirq, masked);
    else
        arch_gsi_mask(pirq, masked);
}

/*
 * MSI pirqs (msi.c asks): Xen's get_free_pirq hands out the highest free
 * one, down to nr_irqs_gsi; an MSI is edge-like for the guest (Xen's
 * ACKTYPE_NONE for a maskable MSI: nothing to EOI), "programmed" from the
 * start.
 */
int irq_alloc_msi_pirq(struct domain *d, int want)
{
    int p;

    if (want != -1) {
        if (want < NR_GSIS || want >= NR_PIRQS)
            return -XEN_EINVAL;
        if (gsis[want].mapped)
            return -XEN_EEXIST;
        p = want;
    } else {
        for (p = NR_PIRQS - 1; p >= NR_GSIS && gsis[p].mapped; p--)
            ;
        if (p < NR_GSIS)
            return -XEN_ENOSPC;
    }
    memset(&gsis[p], 0, sizeof(gsis[p]));
    gsis[p].msi = gsis[p].mapped = gsis[p].programmed = true;
    gsis[p].owner = d->domain_id;
    return p;
}

void irq_free_msi_pirq(unsigned int pirq)
{
    if (pirq >= NR_GSIS && pirq < NR_PIRQS && gsis[pirq].msi)
        gsis[pirq].mapped = false;
}

int irq_map_gsi(struct domain *d, int gsi, int pirq, int *pirq_out)
{
    struct gsi_state *g;

    if (!d->is_privileged)
        return -XEN_EPERM;
    if (gsi < 0 || (unsigned int)gsi >= nr_gsis)
        return -XEN_EINVAL;
    g = &gsis[gsi];
    if (g->reserved)
        return -XEN_EPERM;
    if (pirq != -1 && pirq != gsi)
        return -XEN_EINVAL;
    if (g->mapped && g->owner != d->domain_id)
        return -XEN_EBUSY;
    g->mapped = true;
    g->owner = d->domain_id;
    *pirq_out = gsi;
    return 0;
}

int irq_unmap_pirq(struct domain *d, int pirq)
{
    struct gsi_state *g = pirq < 0 ? NULL : owned(d, (uint32_t)pirq);

    if (!d->is_privileged)
        return -XEN_EPERM;
    if (!g)
        return -XEN_EINVAL;
    if (g->port)
        return -XEN_EBUSY;     /* close the event channel first */
    if (g->msi)
        msi_teardown((unsigned int)pirq);     /* frees the pirq too */
    else
        g->mapped = false;
    return 0;
}

int irq_setup_gsi(struct domain *d, int gsi, unsigned int level, unsigned int active_low)
{
    struct gsi_state *g;

    if (!d->is_privileged)
        return -XEN_EPERM;
    if (gsi < 0 || (unsigned int)gsi >= nr_gsis || level > 1 || active_low > 1)
        return -XEN_EINVAL;
    if ((unsigned int)gsi == sci_gsi)
        return gsi;            /* Xen's mp_register_gsi: the SCI is already set up */
    g = &gsis[gsi];
    if (g->reserved)
        return -XEN_EPERM;
    if (g->registered || g->port)
        return -XEN_EEXIST;
    g->registered = true;
    program(g, (unsigned int)gsi, level, active_low);
    return 0;
}

int irq_eoi(struct domain *d, uint32_t pirq)
{
    struct gsi_state *g = owned(d, pirq);

    if (!g)
        return -XEN_EINVAL;
    if (g->in_flight) {
        g->in_flight = false;
        if (g->port)
            source_mask(pirq, false);
    }
    return 0;
}

int irq_status_query(struct domain *d, uint32_t pirq, uint32_t *flags)
{
    (void)d;
    if (pirq >= NR_PIRQS)
        return -XEN_EINVAL;
    /* Also for an MSI: Xen's comment, "Even edge-triggered or
     * message-based IRQs can need masking from time to time"; the EOI
     * map bit (clear for them) is what spares Linux the EOI. */
    *flags = XENIRQSTAT_needs_eoi;
    return 0;
}

/* Bit pirq of d's EOI page (the guest may write it too: atomics). */
static void eoi_map_set(struct domain *d, uint32_t pirq, bool needs_eoi)
{
    unsigned long *w, bit;

    if (!d->pirq_eoi_map || pirq >= PAGE_SIZE * 8)
        return;
    w = &d->pirq_eoi_map[pirq / (8 * sizeof(unsigned long))];
    bit = 1UL << (pirq % (8 * sizeof(unsigned long)));
    if (needs_eoi)
        __atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST);
}

/* d->pirq_eoi_map was just registered (physdev.c): the pirqs bound
 * already get their bits. */
void irq_eoi_map_sync(struct domain *d)
{
    unsigned int i;

    for (i = 0; i < NR_PIRQS; i++)
        if (gsis[i].mapped && gsis[i].owner == d->domain_id && gsis[i].port)
            eoi_map_set(d, i, gsis[i].level);
}

int irq_bind_pirq(struct domain *d, uint32_t pirq, evtchn_port_t port)
{
    struct gsi_state *g;

    if (pirq >= NR_PIRQS)
        return -XEN_EINVAL;
    g = owned(d, pirq);
    if (!g || !d->is_privileged)
        return -XEN_EPERM;
    if (g->port)
        return -XEN_EEXIST;
    if (!g->programmed)
        return -XEN_EINVAL;    /* no setup_gsi yet: mode unknown */
    g->port = port;
    g->in_flight = false;
    __atomic_fetch_and(&gsi_pending[pirq / 64], ~(1UL << (pirq % 64)), __ATOMIC_SEQ_CST);
    eoi_map_set(d, pirq, g->level);
    source_mask(pirq, false);
    return 0;
}

void irq_unbind_pirq(struct domain *d, uint32_t pirq)
{
    struct gsi_state *g = owned(d, pirq);

    if (!g || !g->port)
        return;
    source_mask(pirq, true);
    g->port = 0;
    g->in_flight = false;
}

bool irq_gsi_is_level(unsigned int gsi)
{
    return gsi < NR_GSIS && __atomic_load_n(&gsis[gsi].level, __ATOMIC_RELAXED);
}

void irq_gsi_raised(unsigned int gsi)
{
    if (gsi < NR_GSIS)
        irq_pirq_raised(gsi);
}

void irq_pirq_raised(unsigned int gsi)
{
    struct gsi_state *g;

    if (gsi >= NR_PIRQS)
        return;
    g = &gsis[gsi];
    __atomic_fetch_add(&g->fired, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&g->level, __ATOMIC_RELAXED) && __atomic_load_n(&g->in_flight, __ATOMIC_RELAXED))
        __atomic_fetch_add(&g->fired_in_flight, 1, __ATOMIC_RELAXED);
    __atomic_fetch_or(&gsi_pending[gsi / 64], 1UL << (gsi % 64), __ATOMIC_SEQ_CST);
}

void irq_gsi_counts(unsigned int gsi, uint64_t *fired, uint64_t *fired_in_flight)
{
    *fired = gsi < NR_PIRQS ? __atomic_load_n(&gsis[gsi].fired, __ATOMIC_RELAXED) : 0;
    *fired_in_flight = gsi < NR_PIRQS ? __atomic_load_n(&gsis[gsi].fired_in_flight, __ATOMIC_RELAXED) : 0;
}

/* One line per GSI that fired: at dom0's power-off, for the tests. */
void irq_report(void)
{
    unsigned int i;
    uint64_t n, early;

    for (i = 0; i < nr_gsis; i++) {
        irq_gsi_counts(i, &n, &early);
        if (n)
            printk("irq: GSI %u (%s): %lu interrupts, %lu while awaiting the EOI\n", i,
                   gsis[i].level ? "level" : "edge", (unsigned long)n, (unsigned long)early);
    }
    for (i = NR_GSIS; i < NR_PIRQS; i++) {
        irq_gsi_counts(i, &n, &early);
        if (n && gsis[i].msi)
            printk("irq: MSI pirq %u%s: %lu interrupts\n", i, gsis[i].mapped ? "" : " (unmapped)",
                   (unsigned long)n);
    }
}

static void deliver(unsigned int gsi)
{
    struct gsi_state *g = &gsis[gsi];
    struct domain *d;

    if (!g->mapped || !g->port)
        return;                /* unbound meanwhile: its pin is masked */
    d = domain_lookup(g->owner);
    if (!d || d->state != DOM_RUNNING)
        return;
    if (g->level)
        g->in_flight = true;
    evtchn_notify_port(d, g->port);
}

void irq_deliver_pending(void)
{
    unsigned int w;

    for (w = 0; w < ARRAY_SIZE(gsi_pending); w++) {
        uint64_t bits = __atomic_exchange_n(&gsi_pending[w], 0, __ATOMIC_SEQ_CST);
        while (bits) {
            unsigned int b = (unsigned int)__builtin_ctzl(bits);
            bits &= bits - 1;
            deliver(w * 64 + b);
        }
    }
}
