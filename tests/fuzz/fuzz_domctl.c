/*
 * libFuzzer harness for __HYPERVISOR_domctl / __HYPERVISOR_sysctl with the
 * run-time domain commands (issue 14): the real common/domctl.c,
 * common/sysctl.c and common/domain_life.c against arch/fake, the
 * domain's creation, teardown, frame table and scheduler faked here
 * (counted) so that the lifetime state machine is driven from the input.
 *
 * Input: byte 0 seeds nothing; then up to 64 steps, each one byte of kind
 * and its operands:
 *   0-5  a domctl: caller (dom0 / a domU), command (one of Keel's, or
 *        anything), domain id (dom0, a live slot, anything), the 128-byte
 *        union (vcpucontext's ctxt pointing at a good buffer, a faulting
 *        one or anything), then do_domctl();
 *   6    a sysctl (getdomaininfolist, physinfo, KEEL_SYSCTL_vstats, or anything);
 *   7    a frame of some domain freed (domain_frame_released);
 *   8    a grant table freed (d->gt cleared, domain_gnttab_released);
 *   9    a safe point (domain_reap_pending);
 *   10   a CPU loads / unloads a slot's vCPUs (sched_domain_loaded).
 * After every step check() aborts on a broken invariant:
 *   - dom0 is listed, privileged, never dying; a domU never became
 *     privileged;
 *   - every listed domain is registered and listed once;
 *   - pause counts stay <= 255;
 *   - a run-time domain never leaves the dying state once in it, and is
 *     torn down at most once;
 *   - a domain is freed only when dead (no frames left, no grant
 *     table) and unloaded, and a freed one is never listed;
 *   - frames_left never exceeds what the teardown counted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/domctl.h>
#include <keel/pv_mm.h>
#include <keel/sched.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/keel.h>

#define NR_SLOTS 2              /* with dom0 and one domU: FAKE_MAX_DOMAINS */
#define BAD_PTR 0x1000UL

static struct fake_domain f0, fu, slot[NR_SLOTS];
static bool slot_used[NR_SLOTS], slot_loaded[NR_SLOTS];
static unsigned int teardowns[NR_SLOTS];
static uint64_t counted[NR_SLOTS];
static uint64_t gt_dummy;
static const uint8_t *in_p;
static size_t in_n;

static uint64_t get(unsigned int bytes)
{
    uint64_t v = 0;
    unsigned int i;

    for (i = 0; i < bytes && in_n; i++, in_n--)
        v |= (uint64_t)*in_p++ << (8 * i);
    return v;
}

static void fail(const char *what, unsigned int x)
{
    fprintf(stderr, "domctl invariant broken: %s (%u)\n", what, x);
    abort();
}

static int slot_of(const struct domain *d)
{
    int i;

    for (i = 0; i < NR_SLOTS; i++)
        if (slot_used[i] && &slot[i].d == d)
            return i;
    return -1;
}

/* ---- what domctl.c and domain_life.c drive, faked ---- */

struct domain *domain_create_runtime(domid_t id, const struct xen_domctl_createdomain *cfg)
{
    int i;

    for (i = 0; i < NR_SLOTS && slot_used[i]; i++)
        ;
    if (i == NR_SLOTS)
        return NULL;                  /* out of memory */
    fake_domain_init(&slot[i], id, MIN(cfg->max_vcpus, 4u), false);
    slot[i].v[0].online = false;
    slot[i].d.runtime = true;
    slot[i].d.pause_count = 1;
    /* Sometimes a grant table another domain still pins (freed by step 8). */
    slot[i].d.gt = (get(1) & 1) ? (struct grant_table *)&gt_dummy : NULL;
    slot_used[i] = true;
    slot_loaded[i] = false;
    teardowns[i] = 0;
    counted[i] = 0;
    return &slot[i].d;
}

void domain_teardown(struct domain *d)
{
    int i = slot_of(d);

    if (i < 0)
        fail("teardown of a domain that is not a run-time slot", d->domain_id);
    if (++teardowns[i] > 1)
        fail("torn down twice", d->domain_id);
}

bool pv_relinquish_some(struct domain *d, uint64_t *pos)
{
    (void)d;
    (*pos)++;
    return get(1) & 1;
}

uint64_t pv_count_frames(const struct domain *d)
{
    uint64_t n = get(1) % 4;
    int i = slot_of(d);

    if (i >= 0)
        counted[i] = n;
    return n;
}

bool sched_domain_loaded(const struct domain *d)
{
    int i = slot_of(d);

    return i >= 0 && slot_loaded[i];
}

void resched_domain(struct domain *d)
{
    (void)d;
}

void domain_free(struct domain *d)
{
    int i = slot_of(d);

    if (i < 0)
        fail("freeing a domain that is not a run-time slot", d->domain_id);
    if (!d->dead || d->frames_left || d->gt || slot_loaded[i])
        fail("freed while not dead or still loaded", d->domain_id);
    fake_domain_fini(&slot[i]);
    slot_used[i] = false;
}

/* ---- steps ---- */

static domid_t pick_domid(void)
{
    uint8_t b = (uint8_t)get(1);

    switch (b % 6) {
    case 0: return 0;
    case 1: return fu.d.domain_id;
    case 2: case 3: {
        unsigned int i = (b >> 3) % NR_SLOTS;
        return slot_used[i] ? slot[i].d.domain_id : (domid_t)(10 + i);
    }
    case 4: return DOMID_INVALID;
    default: return (domid_t)get(2);
    }
}

static const uint32_t cmds[] = {
    XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain,
    XEN_DOMCTL_unpausedomain, XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
    XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext, XEN_DOMCTL_getvcpuinfo,
    XEN_DOMCTL_max_vcpus, XEN_DOMCTL_scheduler_op, XEN_DOMCTL_set_address_size,
    XEN_DOMCTL_get_address_size,
};

static struct vcpu_guest_context ctx_buf;

static void step_domctl(void)
{
    struct xen_domctl op;
    uint8_t c = (uint8_t)get(1);
    unsigned int i;

    memset(&op, 0, sizeof(op));
    fake_cpu_info.curr = (c & 0x80) ? &fu.v[0] : &f0.v[0];
    op.cmd = (c & 0x7f) < 0x70 ? cmds[(c & 0x7f) % ARRAY_SIZE(cmds)] : (uint32_t)get(4);
    op.interface_version = (c & 0x40) && !(get(1) & 7) ? (uint32_t)get(4)
                                                        : XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = pick_domid();
    for (i = 0; i < sizeof(op.u) && in_n; i++)
        op.u.pad[i] = (uint8_t)get(1);
    if (op.cmd == XEN_DOMCTL_createdomain && (c & 0x20)) {
        /* Mostly a good configuration, so creation happens. */
        memset(&op.u.createdomain, 0, sizeof(op.u.createdomain));
        op.u.createdomain.max_vcpus = 1 + (uint32_t)(get(1) % 4);
        op.u.createdomain.max_evtchn_port = 1023;
        op.u.createdomain.max_grant_frames = -1;
        op.u.createdomain.max_maptrack_frames = -1;
        op.u.createdomain.grant_opts = 1;
    }
    if (op.cmd == XEN_DOMCTL_setvcpucontext || op.cmd == XEN_DOMCTL_getvcpucontext) {
        switch (get(1) % 4) {
        case 0: op.u.vcpucontext.ctxt = BAD_PTR; break;
        case 1: op.u.vcpucontext.ctxt = 0; break;
        default:
            for (i = 0; i < sizeof(ctx_buf) && i < 64 && in_n; i++)
                ((uint8_t *)&ctx_buf)[512 + i] = (uint8_t)get(1);
            op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)&ctx_buf;
        }
        op.u.vcpucontext.vcpu %= 6;
    }
    if (op.cmd == XEN_DOMCTL_getdomaininfo || op.cmd == XEN_DOMCTL_scheduler_op)
        op.u.scheduler_op.u.v.vcpus = 0;
    (void)do_domctl((uint64_t)(uintptr_t)&op);
    fake_cpu_info.curr = &f0.v[0];
}

static void step_sysctl(void)
{
    struct xen_sysctl op;
    struct xen_domctl_getdomaininfo list[8];
    uint8_t c = (uint8_t)get(1);

    memset(&op, 0, sizeof(op));
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    op.cmd = c % 3 == 0 ? XEN_SYSCTL_getdomaininfolist : c % 3 == 1 ? XEN_SYSCTL_physinfo
                                                                    : (uint32_t)get(4);
    op.u.getdomaininfolist.first_domain = pick_domid();
    op.u.getdomaininfolist.max_domains = (uint32_t)(get(1) % 9);
    op.u.getdomaininfolist.buffer = (c & 0x80) ? BAD_PTR : (uint64_t)(uintptr_t)list;
    if ((c & 0x60) == 0x60) {
        /* KEEL_SYSCTL_vstats: any domain id and vCPU, a room of the
         * struct or a little less, into list or a faulting buffer. */
        struct keel_sysctl_vstats a = { .domain = pick_domid(), .vcpu = (uint32_t)get(4),
                                        .buffer = op.u.getdomaininfolist.buffer };
        _Static_assert(sizeof(list) >= sizeof(struct keel_vstats), "room for the counters");
        a.size = (uint32_t)sizeof(struct keel_vstats) - (get(1) & 1);
        if (get(1) & 1)
            a.vcpu = KEEL_VSTATS_DOMAIN;
        op.cmd = KEEL_SYSCTL_vstats;
        memcpy(op.u.pad, &a, sizeof(a));
    }
    (void)do_sysctl((uint64_t)(uintptr_t)&op);
}

static void check(void)
{
    const struct domain *d, *e;
    unsigned int i;

    if (domain_lookup(0) != &f0.d || !f0.d.is_privileged || f0.d.state == DOM_DYING)
        fail("dom0 lost", 0);
    for (d = domain_list; d; d = d->next) {
        if (domain_lookup(d->domain_id) != d)
            fail("listed but not registered", d->domain_id);
        for (e = d->next; e; e = e->next)
            if (e == d)
                fail("listed twice", d->domain_id);
        if (d->pause_count > 255)
            fail("pause count over 255", d->domain_id);
        if (d != &f0.d && d->is_privileged)
            fail("a domU became privileged", d->domain_id);
        if (d->dead && (d->frames_left || d->gt))
            fail("dead with frames or a grant table", d->domain_id);
    }
    for (i = 0; i < NR_SLOTS; i++) {
        if (!slot_used[i])
            continue;
        if (slot[i].d.frames_counted && slot[i].d.frames_left > counted[i])
            fail("frames_left above what was counted", slot[i].d.domain_id);
        if (teardowns[i] && slot[i].d.state != DOM_DYING)
            fail("torn down but not dying", slot[i].d.domain_id);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned int steps, i;
    static bool once;

    if (!once) {
        fake_console_quiet = true;
        once = true;
    }
    in_p = data;
    in_n = size;
    fake_domains_reset();
    memset(slot_used, 0, sizeof(slot_used));
    fake_domain_init(&f0, 0, 2, true);
    fake_domain_init(&fu, 1, 1, false);
    fake_cpu_info.curr = &f0.v[0];
    for (steps = 0; steps < 64 && in_n; steps++) {
        uint8_t k = (uint8_t)get(1) % 11;
        if (k <= 5)
            step_domctl();
        else if (k == 6)
            step_sysctl();
        else if (k == 7)
            domain_frame_released(pick_domid());
        else if (k == 8) {
            i = (unsigned int)get(1) % NR_SLOTS;
            if (slot_used[i]) {
                slot[i].d.gt = NULL;
                domain_gnttab_released(&slot[i].d);
            }
        } else if (k == 9)
            domain_reap_pending();
        else {
            i = (unsigned int)get(1) % NR_SLOTS;
            slot_loaded[i] = !slot_loaded[i];
        }
        check();
    }
    for (i = 0; i < NR_SLOTS; i++)
        if (slot_used[i]) {
            fake_domain_fini(&slot[i]);
            slot_used[i] = false;
        }
    fake_domain_fini(&fu);
    fake_domain_fini(&f0);
    return 0;
}
