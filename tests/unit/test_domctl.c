/*
 * Unit tests for hypervisor/common/domctl.c and sysctl.c: decoding and
 * validation of __HYPERVISOR_domctl / __HYPERVISOR_sysctl in Xen's order
 * (interface version, domain, permission, per-command ranges), domain
 * iteration (getdomaininfo's "least id >= asked", getdomaininfolist), what
 * getdomaininfo/getvcpuinfo report, and what reaches the scheduler.
 * Domains: dom0 (privileged, 2 vCPUs), d2 (2 vCPUs, one never created),
 * d5 (1 vCPU).  Hypercall arguments are host structures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/domctl.h>
#include <keel/domain.h>
#include <keel/smp.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/sched.h>
#include <public/keel.h>

#define BAD_PTR 0x1000UL
#define XEN_DOMCTL_settimeoffset_nr 24  /* not implemented: -ENOSYS */
/* BAD_PTR faults (below FAKE_GUEST_FAULT_BELOW) */

static struct fake_domain f0, f2, f5;
static struct domain *d0, *d2, *d5;

static int setup(void **state)
{
    unsigned int i;

    (void)state;
    fake_domains_reset();
    fake_domain_init(&f0, 0, 2, true);
    fake_domain_init(&f2, 2, 2, false);
    fake_domain_init(&f5, 5, 1, false);
    d0 = &f0.d;
    d2 = &f2.d;
    d5 = &f5.d;
    d2->vcpu[1] = NULL;                 /* max_vcpus 2, vCPU 1 never created */
    for (i = 0; i < 2; i++) {
        f0.v[i].runstate.state = RUNSTATE_offline;
        f2.v[i].runstate.state = RUNSTATE_offline;
    }
    f5.v[0].runstate.state = RUNSTATE_runnable;
    f0.v[0].runstate.state = RUNSTATE_running;   /* the caller */
    f2.v[0].runstate.state = RUNSTATE_runnable;
    d0->weight = d2->weight = d5->weight = 256;
    fake_cpu_info.curr = &f0.v[0];
    fake_now = 0;
    fake_sched_adjusts = fake_sched_pauses = fake_sched_unpauses = 0;
    fake_sched_affinities = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&f0);
    fake_domain_fini(&f2);
    fake_domain_fini(&f5);
    return 0;
}

static struct xen_domctl dc(uint32_t cmd, domid_t dom)
{
    struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = dom;
    return op;
}

static long domctl(struct xen_domctl *op)
{
    return do_domctl((uint64_t)(uintptr_t)op);
}

static struct xen_sysctl sc(uint32_t cmd)
{
    struct xen_sysctl op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return op;
}

static long sysctl(struct xen_sysctl *op)
{
    return do_sysctl((uint64_t)(uintptr_t)op);
}

static void test_interface_version_first(void **state)
{
    static const uint32_t bad[] = { 0, 0x14, 0x16, 0x15000000 };
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        struct xen_domctl op = dc(XEN_DOMCTL_getdomaininfo, 0);
        struct xen_sysctl s = sc(XEN_SYSCTL_sched_id);
        op.interface_version = bad[i];
        s.interface_version = bad[i];
        assert_int_equal(domctl(&op), -XEN_EACCES);
        assert_int_equal(sysctl(&s), -XEN_EACCES);
        /* Before the domain lookup and the permission check, as Xen. */
        op = dc(XEN_DOMCTL_pausedomain, 77);
        op.interface_version = bad[i];
        fake_cpu_info.curr = &f5.v[0];
        assert_int_equal(domctl(&op), -XEN_EACCES);
        assert_int_equal(sysctl(&s), -XEN_EACCES);
        fake_cpu_info.curr = &f0.v[0];
    }
}

static void test_bad_op_pointer(void **state)
{
    (void)state;
    assert_int_equal(do_domctl(BAD_PTR), -XEN_EFAULT);
    assert_int_equal(do_sysctl(BAD_PTR), -XEN_EFAULT);
}

static void test_unprivileged_refused(void **state)
{
    static const uint32_t cmds[] = {
        XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_pausedomain, XEN_DOMCTL_unpausedomain,
        XEN_DOMCTL_max_mem, XEN_DOMCTL_getvcpuinfo, XEN_DOMCTL_scheduler_op,
        XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_max_vcpus,
        XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext, XEN_DOMCTL_set_address_size,
        XEN_DOMCTL_setvcpuaffinity, XEN_DOMCTL_getvcpuaffinity,
    };
    static const uint32_t scmds[] = {
        XEN_SYSCTL_getdomaininfolist, XEN_SYSCTL_sched_id, XEN_SYSCTL_physinfo,
        XEN_SYSCTL_readconsole, KEEL_SYSCTL_vstats,
    };
    unsigned int i;

    (void)state;
    fake_cpu_info.curr = &f5.v[0];
    for (i = 0; i < ARRAY_SIZE(cmds); i++) {
        struct xen_domctl op = dc(cmds[i], 2);
        op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
        op.u.max_mem.max_memkb = 4096;
        assert_int_equal(domctl(&op), -XEN_EPERM);
        op = dc(cmds[i], 5);            /* its own domain too */
        assert_int_equal(domctl(&op), -XEN_EPERM);
    }
    for (i = 0; i < ARRAY_SIZE(scmds); i++) {
        struct xen_sysctl s = sc(scmds[i]);
        assert_int_equal(sysctl(&s), -XEN_EPERM);
    }
    /* Xen looks the domain up before it checks the caller. */
    {
        struct xen_domctl op = dc(XEN_DOMCTL_pausedomain, 3);
        assert_int_equal(domctl(&op), -XEN_ESRCH);
    }
    assert_int_equal(d2->pause_count, 0);
    assert_int_equal(fake_sched_pauses + fake_sched_adjusts, 0);
    assert_int_equal(d2->max_pages, 0);
}

static void test_unknown_commands(void **state)
{
    static const uint32_t cmds[] = {
        XEN_DOMCTL_settimeoffset_nr, 22 /* hypercall_init */, 0, 6, 1000, 0xffffffffu,
    };
    static const uint32_t scmds[] = { 0, 2, 5, 7, 29, 0x4b01, 0x4bff, 0xffffffffu };
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(cmds); i++) {
        struct xen_domctl op = dc(cmds[i], 2);
        assert_int_equal(domctl(&op), -XEN_ENOSYS);
        op = dc(cmds[i], 4);            /* no such domain: found out first */
        assert_int_equal(domctl(&op), -XEN_ESRCH);
    }
    for (i = 0; i < ARRAY_SIZE(scmds); i++) {
        struct xen_sysctl s = sc(scmds[i]);
        assert_int_equal(sysctl(&s), -XEN_ENOSYS);
    }
}

/*
 * XEN_SYSCTL_readconsole as Xen's read_console_ring: a full read from the
 * oldest byte, incremental reads from the index returned, a small buffer
 * gets count bytes and the index to go on from, clear drops what was read,
 * an index no longer in the ring starts at the oldest byte, a bad buffer
 * is -EFAULT.
 */
static void test_readconsole(void **state)
{
    char buf[64];
    struct xen_sysctl s;
    struct xen_sysctl_readconsole *r = &s.u.readconsole;

    (void)state;
    fake_conring_reset();
    fake_conring_add("(KEEL) one\n(KEEL) two\n");
    s = sc(XEN_SYSCTL_readconsole);
    set_xen_guest_handle(r->buffer, buf);
    r->count = sizeof(buf);
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(r->count, 22);
    assert_memory_equal(buf, "(KEEL) one\n(KEEL) two\n", 22);
    assert_int_equal(r->index, 22);

    /* Incremental from the end: nothing new, then only the new line. */
    r->incremental = 1;
    r->count = sizeof(buf);
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(r->count, 0);
    fake_conring_add("(KEEL) three\n");
    r->count = sizeof(buf);
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(r->count, 13);
    assert_memory_equal(buf, "(KEEL) three\n", 13);
    assert_int_equal(r->index, 35);

    /* A short buffer: count bytes, then the rest from the index. */
    r->incremental = 0;
    r->count = 5;
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(r->count, 5);
    assert_int_equal(r->index, 5);
    r->incremental = 1;
    r->count = sizeof(buf);
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(r->count, 30);
    assert_memory_equal(buf, ") one\n", 6);

    /* An index outside the ring reads everything kept. */
    r->index = 1000;
    r->count = sizeof(buf);
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(r->count, 35);

    /* clear: what was read is gone for the next reader. */
    r->incremental = 0;
    r->clear = 1;
    r->count = 11;
    assert_int_equal(sysctl(&s), 0);
    r->clear = 0;
    r->count = sizeof(buf);
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(r->count, 24);
    assert_memory_equal(buf, "(KEEL) two\n", 11);

    /* A buffer the caller cannot write. */
    s = sc(XEN_SYSCTL_readconsole);
    r->buffer = BAD_PTR;
    r->count = 8;
    assert_int_equal(sysctl(&s), -XEN_EFAULT);
    fake_conring_reset();
}

static void test_bad_domain(void **state)
{
    static const domid_t ids[] = { 1, 3, 6, DOMID_SELF, DOMID_IO, DOMID_INVALID, 0xffff };
    static const uint32_t cmds[] = {
        XEN_DOMCTL_pausedomain, XEN_DOMCTL_unpausedomain, XEN_DOMCTL_max_mem,
        XEN_DOMCTL_getvcpuinfo, XEN_DOMCTL_scheduler_op,
    };
    unsigned int i, j;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(ids); i++)
        for (j = 0; j < ARRAY_SIZE(cmds); j++) {
            struct xen_domctl op = dc(cmds[j], ids[i]);
            op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
            assert_int_equal(domctl(&op), -XEN_ESRCH);
        }
}

static void test_getdomaininfo_iterates(void **state)
{
    static const struct { domid_t ask; long rc; domid_t got; } t[] = {
        { 0, 0, 0 }, { 1, 0, 2 }, { 2, 0, 2 }, { 3, 0, 5 }, { 5, 0, 5 },
        { 6, -XEN_ESRCH, 6 }, { 0x7fef, -XEN_ESRCH, 0x7fef },
        { DOMID_FIRST_RESERVED, -XEN_EINVAL, DOMID_SELF }, { DOMID_IDLE, -XEN_EINVAL, DOMID_IDLE },
        { 0xffff, -XEN_EINVAL, 0xffff },
    };
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(t); i++) {
        struct xen_domctl op = dc(XEN_DOMCTL_getdomaininfo, t[i].ask);
        op.u.getdomaininfo.domain = 0x4444;
        assert_int_equal(domctl(&op), t[i].rc);
        assert_int_equal(op.domain, t[i].got);
        if (!t[i].rc)
            assert_int_equal(op.u.getdomaininfo.domain, t[i].got);
        else
            assert_int_equal(op.u.getdomaininfo.domain, 0x4444);   /* not written */
    }
}

static void test_getdomaininfo_fields(void **state)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo *gi = &op.u.getdomaininfo;
    static const uint8_t zero[16];

    (void)state;
    d2->tot_pages = 8192;
    d2->max_pages = 8448;
    d2->shared_info_mfn = _mfn(0x1234);
    f2.v[0].runstate.time[RUNSTATE_running] = 5000000;
    f2.v[0].runstate.time[RUNSTATE_runnable] = 7000000;    /* not CPU time */
    fake_now = 90000000;
    op = dc(XEN_DOMCTL_getdomaininfo, 2);
    memset(&op.u, 0xaa, sizeof(op.u));
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(gi->domain, 2);
    assert_int_equal(gi->flags, 0);           /* one online vCPU, runnable, not on a CPU */
    assert_int_equal(gi->tot_pages, 8192);
    assert_int_equal(gi->max_pages, 8448);
    assert_int_equal(gi->shared_info_frame, 0x1234);
    assert_int_equal(gi->cpu_time, 5000000);
    assert_int_equal(gi->nr_online_vcpus, 1);
    assert_int_equal(gi->max_vcpu_id, 0);     /* vCPU 1 does not exist */
    assert_int_equal(gi->ssidref, 0);
    assert_int_equal(gi->cpupool, 0);
    assert_int_equal(gi->outstanding_pages + gi->shr_pages + gi->paged_pages, 0);
    assert_memory_equal(gi->handle, zero, 16);
    assert_int_equal(gi->arch_config.emulation_flags, 0);

    /* The caller's own domain: running, CPU time includes the current stint. */
    f0.v[0].runstate.time[RUNSTATE_running] = 1000;
    f0.v[0].runstate.state_entry_time = 80000000;
    f0.v[1].online = true;
    f0.v[1].blocked = true;
    f0.v[1].runstate.state = RUNSTATE_blocked;
    f0.v[1].runstate.time[RUNSTATE_running] = 300;
    op = dc(XEN_DOMCTL_getdomaininfo, 0);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(gi->flags, XEN_DOMINF_running);
    assert_int_equal(gi->cpu_time, 1000 + 10000000 + 300);
    assert_int_equal(gi->nr_online_vcpus, 2);
    assert_int_equal(gi->max_vcpu_id, 1);

    /* All online vCPUs blocked: blocked.  Paused: paused too. */
    f2.v[0].blocked = true;
    d2->pause_count = 1;
    op = dc(XEN_DOMCTL_getdomaininfo, 2);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(gi->flags, XEN_DOMINF_blocked | XEN_DOMINF_paused);

    /* Shut down with a reason; then destroyed (dying). */
    d2->pause_count = 0;
    f2.v[0].online = false;
    d2->state = DOM_SHUTDOWN;
    d2->shutdown_reason = SHUTDOWN_reboot;
    op = dc(XEN_DOMCTL_getdomaininfo, 2);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(gi->flags, XEN_DOMINF_shutdown | (SHUTDOWN_reboot << XEN_DOMINF_shutdownshift));
    assert_int_equal(gi->nr_online_vcpus, 0);
    d2->state = DOM_DYING;
    d2->shutdown_reason = SHUTDOWN_crash;
    op = dc(XEN_DOMCTL_getdomaininfo, 1);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(op.domain, 2);
    assert_int_equal(gi->flags, XEN_DOMINF_shutdown | XEN_DOMINF_dying |
                                (SHUTDOWN_crash << XEN_DOMINF_shutdownshift));
}

static void test_getdomaininfolist(void **state)
{
    struct xen_domctl_getdomaininfo buf[4];
    struct xen_sysctl s;
    struct xen_sysctl_getdomaininfolist *l = &s.u.getdomaininfolist;

    (void)state;
    memset(buf, 0xee, sizeof(buf));
    s = sc(XEN_SYSCTL_getdomaininfolist);
    l->first_domain = 0;
    l->max_domains = 4;
    l->buffer = (uint64_t)(uintptr_t)buf;
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(l->num_domains, 3);
    assert_int_equal(buf[0].domain, 0);
    assert_int_equal(buf[1].domain, 2);
    assert_int_equal(buf[2].domain, 5);
    assert_int_equal(buf[3].domain, 0xeeee);      /* untouched */
    assert_int_equal(buf[0].flags, XEN_DOMINF_running);

    memset(buf, 0xee, sizeof(buf));
    l->first_domain = 1;
    l->max_domains = 1;
    l->num_domains = 99;
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(l->num_domains, 1);
    assert_int_equal(buf[0].domain, 2);
    assert_int_equal(buf[1].domain, 0xeeee);

    l->first_domain = 3;
    l->max_domains = 4;
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(l->num_domains, 1);
    assert_int_equal(buf[0].domain, 5);

    l->first_domain = 6;                          /* none left */
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(l->num_domains, 0);
    l->first_domain = 0xffff;
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(l->num_domains, 0);

    l->first_domain = 0;
    l->max_domains = 0;
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(l->num_domains, 0);

    l->max_domains = 4;
    l->buffer = BAD_PTR;
    assert_int_equal(sysctl(&s), -XEN_EFAULT);
    /* A buffer that faults half-way: the first entries are written. */
    memset(buf, 0xee, sizeof(buf));
    l->buffer = (uint64_t)(uintptr_t)buf;
    fake_guest_hole_start = (uintptr_t)&buf[1];
    fake_guest_hole_end = (uintptr_t)&buf[2];
    assert_int_equal(sysctl(&s), -XEN_EFAULT);
    fake_guest_hole_start = fake_guest_hole_end = 0;
    assert_int_equal(buf[0].domain, 0);
    assert_int_equal(buf[1].domain, 0xeeee);
}

static void test_sched_id_and_physinfo(void **state)
{
    struct xen_sysctl s;

    (void)state;
    s = sc(XEN_SYSCTL_sched_id);
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(s.u.sched_id.sched_id, XEN_SCHEDULER_CREDIT2);

    fake_tsc_khz = 2400123;
    fake_total_frames = 131072;
    fake_free_frames = 100000;
    s = sc(XEN_SYSCTL_physinfo);
    memset(&s.u, 0xaa, sizeof(s.u));
    assert_int_equal(sysctl(&s), 0);
    assert_int_equal(s.u.physinfo.nr_cpus, 1);
    assert_int_equal(s.u.physinfo.max_cpu_id, 0);
    assert_int_equal(s.u.physinfo.cpu_khz, 2400123);
    assert_int_equal(s.u.physinfo.total_pages, 131072);
    assert_int_equal(s.u.physinfo.free_pages, 100000);
    assert_int_equal(s.u.physinfo.max_mfn, FAKE_NR_FRAMES - 1);
    assert_true(s.u.physinfo.capabilities & XEN_SYSCTL_PHYSCAP_pv);
    assert_false(s.u.physinfo.capabilities & XEN_SYSCTL_PHYSCAP_hvm);
    /* Both grant-table versions offered (Xen's default gnttab=max-ver:2). */
    assert_true(s.u.physinfo.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v1);
    assert_true(s.u.physinfo.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2);
    assert_int_equal(s.u.physinfo.hw_cap[7], 0);
}

static struct xen_domctl sched_op(domid_t dom, uint32_t id, uint32_t cmd, uint16_t w, uint16_t cap)
{
    struct xen_domctl op = dc(XEN_DOMCTL_scheduler_op, dom);

    op.u.scheduler_op.sched_id = id;
    op.u.scheduler_op.cmd = cmd;
    op.u.scheduler_op.u.credit2.weight = w;
    op.u.scheduler_op.u.credit2.cap = cap;
    return op;
}

static void test_scheduler_op(void **state)
{
    static const uint32_t other_ids[] = {
        0, XEN_SCHEDULER_CREDIT, XEN_SCHEDULER_ARINC653, XEN_SCHEDULER_RTDS, XEN_SCHEDULER_NULL, 99,
    };
    struct xen_domctl op;
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(other_ids); i++) {
        op = sched_op(2, other_ids[i], XEN_DOMCTL_SCHEDOP_putinfo, 512, 0);
        assert_int_equal(domctl(&op), -XEN_EINVAL);
    }
    assert_int_equal(fake_sched_adjusts, 0);

    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 768, 50);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d2->weight, 768);
    assert_int_equal(d2->cap, 50);
    assert_int_equal(d5->weight, 256);
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_getinfo, 1, 1);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(op.u.scheduler_op.u.credit2.weight, 768);
    assert_int_equal(op.u.scheduler_op.u.credit2.cap, 50);

    /* weight 0 keeps the weight; cap 0 removes the cap. */
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 0, 0);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d2->weight, 768);
    assert_int_equal(d2->cap, 0);
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 65535, 0);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d2->weight, 65535);
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 1, 0);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d2->weight, 1);

    /* cap: at most 100 per vCPU (d2 has 2, d5 has 1); refused: no change. */
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 300, 200);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d2->cap, 200);
    i = fake_sched_adjusts;
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 400, 201);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = sched_op(5, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 400, 101);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = sched_op(5, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 400, 0xffff);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    assert_int_equal(fake_sched_adjusts, i);
    assert_int_equal(d2->weight, 300);
    assert_int_equal(d5->weight, 256);
    assert_int_equal(d5->cap, 0);
    op = sched_op(5, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putinfo, 0, 100);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d5->cap, 100);

    /* credit2 has no per-vCPU parameters; unknown commands. */
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putvcpuinfo, 1, 1);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_getvcpuinfo, 1, 1);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = sched_op(2, XEN_SCHEDULER_CREDIT2, 4, 1, 1);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    assert_int_equal(d2->weight, 300);
}

static void test_pause_unpause(void **state)
{
    struct xen_domctl op;
    unsigned int i;

    (void)state;
    op = dc(XEN_DOMCTL_pausedomain, 0);            /* the caller's own domain */
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    assert_int_equal(d0->pause_count, 0);

    op = dc(XEN_DOMCTL_unpausedomain, 2);          /* not paused */
    assert_int_equal(domctl(&op), -XEN_EINVAL);

    op = dc(XEN_DOMCTL_pausedomain, 2);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d2->pause_count, 1);
    assert_int_equal(fake_sched_pauses, 1);
    assert_int_equal(domctl(&op), 0);              /* counted: no second park */
    assert_int_equal(d2->pause_count, 2);
    assert_int_equal(fake_sched_pauses, 1);
    assert_int_equal(d5->pause_count, 0);

    op = dc(XEN_DOMCTL_unpausedomain, 2);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(fake_sched_unpauses, 0);       /* still paused once */
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d2->pause_count, 0);
    assert_int_equal(fake_sched_unpauses, 1);
    assert_int_equal(domctl(&op), -XEN_EINVAL);

    /* Xen's limit of 255 control pauses. */
    op = dc(XEN_DOMCTL_pausedomain, 5);
    for (i = 0; i < 255; i++)
        assert_int_equal(domctl(&op), 0);
    assert_int_equal(domctl(&op), -XEN_EOVERFLOW);
    assert_int_equal(d5->pause_count, 255);
}

/* domctl and sysctl run under the hypervisor lock (docs/hypervisor.md,
 * "Locking"): called without it, they stop at their ASSERT before
 * changing anything. */
static void test_lock_asserted(void **state)
{
    struct xen_domctl op = dc(XEN_DOMCTL_pausedomain, 2);
    struct xen_sysctl so = sc(XEN_SYSCTL_physinfo);
    jmp_buf jb;

    (void)state;
    fake_panics = 0;
    fake_hv_lock_held = false;
    fake_panic_jmp = &jb;
    if (!setjmp(jb))
        domctl(&op);
    assert_int_equal(fake_panics, 1);
    assert_int_equal(d2->pause_count, 0);
    if (!setjmp(jb))
        sysctl(&so);
    assert_int_equal(fake_panics, 2);
    fake_panic_jmp = NULL;
    fake_hv_lock_held = true;
    assert_int_equal(domctl(&op), 0);               /* with the lock: as before */
    assert_int_equal(d2->pause_count, 1);
    assert_int_equal(fake_panics, 2);
}

static void test_getvcpuinfo(void **state)
{
    struct xen_domctl op;
    struct xen_domctl_getvcpuinfo *vi = &op.u.getvcpuinfo;

    (void)state;
    op = dc(XEN_DOMCTL_getvcpuinfo, 2);
    vi->vcpu = 2;                                  /* >= max_vcpus */
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    vi->vcpu = 0xffffffffu;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    vi->vcpu = 1;                                  /* within max, never created */
    assert_int_equal(domctl(&op), -XEN_ESRCH);

    f2.v[0].runstate.time[RUNSTATE_running] = 4242;
    vi->vcpu = 0;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(vi->online, 1);
    assert_int_equal(vi->blocked, 0);
    assert_int_equal(vi->running, 0);
    assert_int_equal(vi->cpu_time, 4242);
    assert_int_equal(vi->cpu, 0);

    fake_now = 1000;
    f0.v[0].runstate.state_entry_time = 400;
    op = dc(XEN_DOMCTL_getvcpuinfo, 0);
    vi->vcpu = 0;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(vi->running, 1);
    assert_int_equal(vi->cpu_time, 600);
    vi->vcpu = 1;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(vi->online, 0);
}

static void test_max_mem(void **state)
{
    struct xen_domctl op;

    (void)state;
    op = dc(XEN_DOMCTL_max_mem, 5);
    op.u.max_mem.max_memkb = 65536 + 3;            /* rounded down to pages */
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d5->max_pages, 16384);
    op.u.max_mem.max_memkb = 0;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d5->max_pages, 0);
    op.u.max_mem.max_memkb = ~0UL;                 /* Xen's unsigned int limit */
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(d5->max_pages, UINT32_MAX);
    assert_int_equal(d2->max_pages, 0);
}

/* ---- createdomain, destroydomain, max_vcpus, address size, vCPU contexts ---- */

/* libxl 4.17's configuration for a PV guest (TOOLSTACK-ABI.md 3.2). */
static struct xen_domctl create_op(domid_t dom)
{
    struct xen_domctl op = dc(XEN_DOMCTL_createdomain, dom);
    struct xen_domctl_createdomain *c = &op.u.createdomain;

    c->max_vcpus = 2;
    c->max_evtchn_port = 1023;
    c->max_grant_frames = -1;
    c->max_maptrack_frames = -1;
    c->grant_opts = XEN_DOMCTL_GRANT_version(1);
    c->handle[0] = 0xab;
    return op;
}

static void test_createdomain_config_checks(void **state)
{
    static const struct { const char *what; unsigned int field; int64_t v; } bad[] = {
        { "hvm", 0, XEN_DOMCTL_CDF_hvm }, { "hap", 0, XEN_DOMCTL_CDF_hap },
        { "iommu", 0, XEN_DOMCTL_CDF_iommu }, { "vpmu", 0, XEN_DOMCTL_CDF_vpmu },
        { "nested", 0, XEN_DOMCTL_CDF_nested_virt }, { "s3", 0, XEN_DOMCTL_CDF_s3_integrity },
        { "unknown flag", 0, 1 << 8 }, { "iommu_opts", 1, 1 }, { "max_vcpus 0", 2, 0 },
        { "max_vcpus 33", 2, 33 }, { "max_vcpus huge", 2, 0xffffffff },
        { "grant frames 0", 3, 0 }, { "grant frames 33", 3, 33 }, { "maptrack 9", 4, 9 },
        { "grant v3", 5, 3 }, { "grant v0", 5, 0 }, { "grant opts junk", 5, 0x11 },
        { "vmtrace", 6, 4096 }, { "cpupool", 7, 1 }, { "emulation PIT", 8, 1 << 8 },
        { "misc flag", 9, 2 },
    };
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        struct xen_domctl op = create_op(0);
        struct xen_domctl_createdomain *c = &op.u.createdomain;
        switch (bad[i].field) {
        case 0: c->flags = (uint32_t)bad[i].v; break;
        case 1: c->iommu_opts = (uint32_t)bad[i].v; break;
        case 2: c->max_vcpus = (uint32_t)bad[i].v; break;
        case 3: c->max_grant_frames = (int32_t)bad[i].v; break;
        case 4: c->max_maptrack_frames = (int32_t)bad[i].v; break;
        case 5: c->grant_opts = (uint32_t)bad[i].v; break;
        case 6: c->vmtrace_size = (uint32_t)bad[i].v; break;
        case 7: c->cpupool_id = (uint32_t)bad[i].v; break;
        case 8: c->arch.emulation_flags = (uint32_t)bad[i].v; break;
        case 9: c->arch.misc_flags = (uint32_t)bad[i].v; break;
        }
        fake_created_id = 0xeeee;
        if (domctl(&op) != -XEN_EINVAL)
            fail_msg("%s: not refused", bad[i].what);
        assert_int_equal(fake_created_id, 0xeeee);    /* nothing created */
    }
}

static void test_createdomain_ids(void **state)
{
    struct fake_domain fnew;
    struct xen_domctl op;

    (void)state;
    fake_domain_init(&fnew, 0x7777, 1, false);         /* what the fake "creates" */
    fake_created = &fnew.d;
    /* Accepted as libxl sends it; op.domain comes back; flags Xen accepts for PV. */
    op = create_op(DOMID_INVALID);
    op.u.createdomain.flags = XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_oos_off;
    op.u.createdomain.arch.misc_flags = XEN_X86_MSR_RELAXED;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(op.domain, 1);                    /* ids 0, 2, 5 are taken */
    assert_int_equal(fake_created_id, 1);
    assert_int_equal(fake_created_cfg.max_vcpus, 2);
    assert_int_equal(fake_created_cfg.handle[0], 0xab);
    /* The rover moves on, skipping ids in use. */
    op = create_op(0);
    op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(2);   /* xl's default */
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(op.domain, 3);
    assert_int_equal(fake_created_cfg.grant_opts, 2);
    /* An explicit id: free (taken as is) or busy (-EEXIST). */
    op = create_op(9);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(op.domain, 9);
    op = create_op(2);
    assert_int_equal(domctl(&op), -XEN_EEXIST);
    assert_int_equal(op.domain, 2);
    /* Out of memory, and a domU asking. */
    fake_created = NULL;
    op = create_op(0);
    assert_int_equal(domctl(&op), -XEN_ENOMEM);
    fake_cpu_info.curr = &f5.v[0];
    op = create_op(0);
    assert_int_equal(domctl(&op), -XEN_EPERM);
    fake_cpu_info.curr = &f0.v[0];
    fake_domain_fini(&fnew);
}

static void test_destroydomain_checks(void **state)
{
    struct xen_domctl op;

    (void)state;
    d5->runtime = true;
    fake_kills = 0;
    fake_kill_rc = 0;
    op = dc(XEN_DOMCTL_destroydomain, 0);             /* itself, and dom0 */
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = dc(XEN_DOMCTL_destroydomain, 2);             /* a boot-time domU */
    assert_int_equal(domctl(&op), -XEN_EPERM);
    op = dc(XEN_DOMCTL_destroydomain, 4);
    assert_int_equal(domctl(&op), -XEN_ESRCH);
    assert_int_equal(fake_kills, 0);
    fake_cpu_info.curr = &f2.v[0];                    /* a domU */
    op = dc(XEN_DOMCTL_destroydomain, 5);
    assert_int_equal(domctl(&op), -XEN_EPERM);
    op = dc(XEN_DOMCTL_destroydomain, 0);
    assert_int_equal(domctl(&op), -XEN_EPERM);
    fake_cpu_info.curr = &f0.v[0];
    assert_int_equal(fake_kills, 0);
    /* Preemptible: -ERESTART from the teardown becomes a continuation. */
    fake_kill_rc = -XEN_ERESTART;
    fake_continuations = 0;
    op = dc(XEN_DOMCTL_destroydomain, 5);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(fake_cont_args[0], (uint64_t)(uintptr_t)&op);
    fake_kill_rc = 0;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(fake_kills, 2);
    assert_ptr_equal(fake_last_killed, d5);
    assert_int_equal(fake_continuations, 1);
}

static void test_max_vcpus_and_address_size(void **state)
{
    struct xen_domctl op;

    (void)state;
    op = dc(XEN_DOMCTL_max_vcpus, 2);
    op.u.max_vcpus.max = 2;
    assert_int_equal(domctl(&op), 0);
    op.u.max_vcpus.max = 1;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op.u.max_vcpus.max = 3;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = dc(XEN_DOMCTL_set_address_size, 2);
    op.u.address_size.size = 64;
    assert_int_equal(domctl(&op), 0);
    op.u.address_size.size = 32;                      /* 32-bit PV: not offered */
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op.u.address_size.size = 0;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = dc(XEN_DOMCTL_get_address_size, 2);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(op.u.address_size.size, 64);
}

static struct vcpu_guest_context good_ctx;

static void test_setvcpucontext_checks(void **state)
{
    struct xen_domctl op;
    struct vcpu_guest_context c;

    (void)state;
    memset(&good_ctx, 0, sizeof(good_ctx));
    good_ctx.flags = VGCF_in_kernel | VGCF_online;
    good_ctx.user_regs.rip = 0xffffffff80200000UL;
    good_ctx.ctrlreg[3] = 0x1234000;
    f2.v[0].online = false;
    fake_set_contexts = 0;
    fake_set_context_rc = 0;
    /* Its own domain, a vCPU out of range or never created: -EINVAL. */
    op = dc(XEN_DOMCTL_setvcpucontext, 0);
    op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)&good_ctx;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op.domain = 2;
    op.u.vcpucontext.vcpu = 2;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op.u.vcpucontext.vcpu = 1;                        /* d2's vCPU 1 does not exist */
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op.u.vcpucontext.vcpu = 0;
    op.u.vcpucontext.ctxt = BAD_PTR;
    assert_int_equal(domctl(&op), -XEN_EFAULT);
    /* Xen's checks of the domctl itself: in kernel mode, no user L4, vm_assist. */
    op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)&c;
    c = good_ctx;
    c.flags = VGCF_online;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    c = good_ctx;
    c.ctrlreg[1] = 0x5000;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    c = good_ctx;
    c.vm_assist = 1UL << 40;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    assert_int_equal(fake_set_contexts, 0);
    /* The shared validation refuses: nothing changes. */
    fake_set_context_rc = -XEN_EINVAL;
    c = good_ctx;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    assert_false(f2.v[0].online);
    /* Accepted: VCPUOP_initialise's checks with a pinned L4 required. */
    fake_set_context_rc = 0;
    c.vm_assist = 1UL << VMASST_TYPE_writable_pagetables;
    assert_int_equal(domctl(&op), 0);
    assert_true(fake_context_pinned);
    assert_int_equal(fake_last_context.user_regs.rip, good_ctx.user_regs.rip);
    assert_true(f2.v[0].online);
    assert_int_equal(d2->vm_assist, 1UL << VMASST_TYPE_writable_pagetables);
    /* Reset (no context): refused while it is up, done when down. */
    op.u.vcpucontext.ctxt = 0;
    assert_int_equal(domctl(&op), -XEN_EBUSY);
    f2.v[0].online = false;
    fake_vcpu_resets = 0;
    /* Down but still loaded on a CPU (VCPUOP_down not yet acted on there):
     * its page tables are in use. */
    f2.v[0].is_running = true;
    assert_int_equal(domctl(&op), -XEN_EBUSY);
    assert_int_equal(fake_vcpu_resets, 0);
    f2.v[0].is_running = false;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(fake_vcpu_resets, 1);
    /* Its page tables go preemptibly: -ERESTART becomes a continuation. */
    fake_vcpu_reset_rc = -XEN_ERESTART;
    fake_continuations = 0;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(fake_continuations, 1);
    assert_int_equal(fake_cont_args[0], (uint64_t)(uintptr_t)&op);
    fake_vcpu_reset_rc = 0;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(fake_vcpu_resets, 3);
    assert_int_equal(fake_continuations, 1);
    /* A domain that has shut down takes no new context. */
    d2->state = DOM_SHUTDOWN;
    op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)&good_ctx;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
}

static void test_getvcpucontext(void **state)
{
    struct xen_domctl op;
    struct vcpu_guest_context c;

    (void)state;
    op = dc(XEN_DOMCTL_getvcpucontext, 2);
    op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)&c;
    f2.v[0].initialised = false;
    assert_int_equal(domctl(&op), -XEN_ENODATA);
    f2.v[0].initialised = true;
    f2.v[0].is_running = true;
    assert_int_equal(domctl(&op), -XEN_EBUSY);
    f2.v[0].is_running = false;
    f2.v[0].regs.rip = 0x4242;
    op.u.vcpucontext.ctxt = BAD_PTR;
    assert_int_equal(domctl(&op), -XEN_EFAULT);
    op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)&c;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(c.user_regs.rip, 0x4242);
    op.u.vcpucontext.vcpu = 1;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = dc(XEN_DOMCTL_getvcpucontext, 0);           /* itself */
    op.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)&c;
    assert_int_equal(domctl(&op), -XEN_EINVAL);
}

static void test_dying_and_shutdown_flags(void **state)
{
    struct xen_domctl op;

    (void)state;
    d5->runtime = true;
    d5->state = DOM_DYING;                 /* destroyed while running: dying only */
    op = dc(XEN_DOMCTL_getdomaininfo, 5);
    assert_int_equal(domctl(&op), 0);
    assert_true(op.u.getdomaininfo.flags & XEN_DOMINF_dying);
    assert_false(op.u.getdomaininfo.flags & XEN_DOMINF_shutdown);
    d5->shut_down = true;                  /* shut down (crash), then destroyed */
    d5->shutdown_reason = SHUTDOWN_crash;
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(op.u.getdomaininfo.flags & (XEN_DOMINF_dying | XEN_DOMINF_shutdown |
                                                 (0xff << XEN_DOMINF_shutdownshift)),
                     XEN_DOMINF_dying | XEN_DOMINF_shutdown |
                     (SHUTDOWN_crash << XEN_DOMINF_shutdownshift));
}

/*
 * KEEL_SYSCTL_vstats (public/keel.h): argument checks in Xen's style
 * (-EINVAL for padding, a short buffer or a vCPU id out of range, -ESRCH
 * for no such domain or vCPU, -EFAULT for the buffer), then one vCPU's
 * runstate times as of now and its counters, or the domain's sums.
 */
static long vstats_call(domid_t dom, uint32_t vcpu, struct keel_vstats *buf, uint32_t size,
                        struct keel_sysctl_vstats *out)
{
    struct xen_sysctl s = sc(KEEL_SYSCTL_vstats);
    struct keel_sysctl_vstats a = { .domain = dom, .vcpu = vcpu,
                                    .buffer = (uint64_t)(uintptr_t)buf, .size = size };
    long rc;

    memcpy(s.u.pad, &a, sizeof(a));
    rc = sysctl(&s);
    memcpy(out, s.u.pad, sizeof(*out));
    return rc;
}

static void test_vstats(void **state)
{
    struct keel_vstats v;
    struct keel_sysctl_vstats a;
    struct xen_sysctl s;

    (void)state;
    assert_int_equal(vstats_call(2, 0, &v, sizeof(v) - 1, &a), -XEN_EINVAL);
    assert_int_equal(vstats_call(4, 0, &v, sizeof(v), &a), -XEN_ESRCH);
    assert_int_equal(vstats_call(DOMID_SELF, 0, &v, sizeof(v), &a), -XEN_ESRCH);
    assert_int_equal(vstats_call(2, 2, &v, sizeof(v), &a), -XEN_EINVAL);
    assert_int_equal(vstats_call(2, 1, &v, sizeof(v), &a), -XEN_ESRCH);   /* never created */
    assert_int_equal(vstats_call(2, 0, (struct keel_vstats *)BAD_PTR, sizeof(v), &a),
                     -XEN_EFAULT);
    s = sc(KEEL_SYSCTL_vstats);
    {
        struct keel_sysctl_vstats bad = { .domain = 2, .pad0 = 1,
                                          .buffer = (uint64_t)(uintptr_t)&v, .size = sizeof(v) };
        memcpy(s.u.pad, &bad, sizeof(bad));
        assert_int_equal(sysctl(&s), -XEN_EINVAL);
        bad.pad0 = 0;
        bad.pad1 = 7;
        memcpy(s.u.pad, &bad, sizeof(bad));
        assert_int_equal(sysctl(&s), -XEN_EINVAL);
    }
    /* d2's vCPU 0: runnable since 100 ns, 40 ns run before; counters. */
    f2.v[0].runstate.state_entry_time = 100;
    f2.v[0].runstate.time[RUNSTATE_running] = 40;
    f2.v[0].vs.preemptions = 3;
    f2.v[0].vs.wake_hist[10] = 2;
    f2.v[0].vs.flushes_suffered = 5;
    d2->tot_pages = 50;
    d2->max_pages = 64;
    d2->ballooned_pages = 14;
    fake_now = 1000;
    memset(&v, 0xaa, sizeof(v));
    assert_int_equal(vstats_call(2, 0, &v, sizeof(v) + 100, &a), 0);
    assert_int_equal(a.size, sizeof(v));
    assert_int_equal(v.version, KEEL_VSTATS_VERSION);
    assert_int_equal(v.nr_vcpus, 1);
    assert_int_equal(v.now, 1000);
    assert_int_equal(v.runstate[RUNSTATE_running], 40);
    assert_int_equal(v.runstate[RUNSTATE_runnable], 900);
    assert_int_equal(v.preemptions, 3);
    assert_int_equal(v.wake_hist[10], 2);
    assert_int_equal(v.flushes_suffered, 5);
    assert_int_equal(v.tot_pages, 50);
    assert_int_equal(v.max_pages, 64);
    assert_int_equal(v.ballooned_pages, 14);
    /* d0's totals: two vCPUs summed. */
    f0.v[0].vs.events_sent = 4;
    f0.v[1].vs.events_sent = 6;
    assert_int_equal(vstats_call(0, KEEL_VSTATS_DOMAIN, &v, sizeof(v), &a), 0);
    assert_int_equal(v.nr_vcpus, 2);
    assert_int_equal(v.events_sent, 10);
    /* Not for an unprivileged caller. */
    fake_cpu_info.curr = &f5.v[0];
    assert_int_equal(vstats_call(0, 0, &v, sizeof(v), &a), -XEN_EPERM);
}

/* ---- XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity, on 2 online CPUs ---- */

static void two_cpus(void)
{
    pcpus[1].online = true;
    nr_cpus_online = 2;
}

static int teardown_cpus(void **state)
{
    pcpus[1].online = false;
    nr_cpus_online = 1;
    return teardown(state);
}

static struct xen_domctl aff(uint32_t cmd, domid_t dom, uint32_t vcpu, uint32_t flags,
                             uint8_t *hard, uint32_t hard_bits, uint8_t *soft, uint32_t soft_bits)
{
    struct xen_domctl op = dc(cmd, dom);

    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)(uintptr_t)hard;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = hard_bits;
    op.u.vcpuaffinity.cpumap_soft.bitmap = (uint64_t)(uintptr_t)soft;
    op.u.vcpuaffinity.cpumap_soft.nr_bits = soft_bits;
    return op;
}

/* Set the hard mask to CPU 1: the scheduler is told, the effective mask
 * is written back, get returns the masks as set (soft: the default, every
 * CPU); a wide buffer gets our bytes then zeros, bits past 2 CPUs are
 * dropped, nr_bits cuts the mask. */
static void test_vcpuaffinity_set_get(void **state)
{
    uint8_t h[4], s[4];
    struct xen_domctl op;

    (void)state;
    two_cpus();
    h[0] = 0x02;
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 8, NULL, 0);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(fake_sched_affinities, 1);
    assert_int_equal(vcpu_hard_affinity(&f2.v[0]), 0x2);
    assert_int_equal(h[0], 0x02);
    memset(h, 0xee, sizeof(h));
    memset(s, 0xee, sizeof(s));
    op = aff(XEN_DOMCTL_getvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT,
             h, 32, s, 32);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(h[0], 0x02);
    assert_int_equal(h[1] | h[2] | h[3], 0);        /* zero-filled */
    assert_int_equal(s[0], 0x03);                    /* default: both CPUs */
    assert_int_equal(s[1] | s[2] | s[3], 0);
    assert_int_equal(fake_sched_affinities, 1);      /* get changes nothing */
    /* Every bit set, 16 of them: only the 2 CPUs are kept and reported. */
    memset(h, 0xff, sizeof(h));
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 16, NULL, 0);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(vcpu_hard_affinity(&f2.v[0]), 0x3);
    assert_int_equal(h[0], 0x03);
    assert_int_equal(h[1], 0x00);
    assert_int_equal(h[2], 0xff);                    /* past nr_bits: untouched */
    /* nr_bits 1: only CPU 0 is read, whatever the byte says. */
    h[0] = 0xff;
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 1, NULL, 0);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(vcpu_hard_affinity(&f2.v[0]), 0x1);
    assert_int_equal(h[0], 0x01);
}

/* Soft alone: stored as given, reported back effective (soft & hard &
 * online), returned plain by get. */
static void test_vcpuaffinity_soft(void **state)
{
    uint8_t h[1] = { 0x02 }, s[1] = { 0x01 };
    struct xen_domctl op;

    (void)state;
    two_cpus();
    op = aff(XEN_DOMCTL_setvcpuaffinity, 5, 0, XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT,
             h, 8, s, 8);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(h[0], 0x02);
    assert_int_equal(s[0], 0x00);        /* CPU 0 is not in the hard mask */
    assert_int_equal(vcpu_soft_affinity(&f5.v[0]), 0x1);
    h[0] = s[0] = 0xee;
    op = aff(XEN_DOMCTL_getvcpuaffinity, 5, 0, XEN_VCPUAFFINITY_SOFT, h, 8, s, 8);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(s[0], 0x01);
    assert_int_equal(h[0], 0xee);        /* not asked for */
}

/* Refusals, each changing nothing: no HARD/SOFT flag, vCPU out of range
 * or absent, a hard mask with no online CPU (empty, only offline CPUs,
 * nr_bits 0), nr_bits past the limit, bitmap handles that fault (the soft
 * one after a good hard one too), an unprivileged caller. */
static void test_vcpuaffinity_refusals(void **state)
{
    uint8_t h[2], s[1] = { 0x01 };
    struct xen_domctl op;

    (void)state;
    two_cpus();
    h[0] = 0x01;
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, 0, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_FORCE, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_getvcpuaffinity, 2, 0, 0, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 2, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0xffffffffu, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_getvcpuaffinity, 2, 1, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_ESRCH);
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 1, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_ESRCH);
    h[0] = 0x00;
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    h[0] = 0x0c;                        /* CPUs 2 and 3: not online */
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    h[0] = 0x03;
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 0, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h,
             XEN_VCPUAFFINITY_MAX_BITS + 1, s, 8);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_getvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_SOFT, h, 8, s, 0xffffffffu);
    assert_int_equal(domctl(&op), -XEN_EINVAL);
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, (uint8_t *)BAD_PTR, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EFAULT);
    h[0] = 0x02;
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT,
             h, 8, (uint8_t *)BAD_PTR, 8);
    assert_int_equal(domctl(&op), -XEN_EFAULT);
    op = aff(XEN_DOMCTL_getvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, (uint8_t *)BAD_PTR, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EFAULT);
    fake_cpu_info.curr = &f5.v[0];
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), -XEN_EPERM);
    fake_cpu_info.curr = &f0.v[0];
    assert_int_equal(fake_sched_affinities, 0);
    assert_int_equal(vcpu_hard_affinity(&f2.v[0]), CPU_MASK_ALL);
    assert_int_equal(vcpu_soft_affinity(&f2.v[0]), CPU_MASK_ALL);
    /* A good call after all that works: the refusals left no state. */
    op = aff(XEN_DOMCTL_setvcpuaffinity, 2, 0, XEN_VCPUAFFINITY_HARD, h, 8, s, 8);
    assert_int_equal(domctl(&op), 0);
    assert_int_equal(vcpu_hard_affinity(&f2.v[0]), 0x2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_interface_version_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_op_pointer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readconsole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unprivileged_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getdomaininfo_iterates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getdomaininfo_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getdomaininfolist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sched_id_and_physinfo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scheduler_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_unpause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_asserted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getvcpuinfo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_mem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_createdomain_config_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_createdomain_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroydomain_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_vcpus_and_address_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setvcpucontext_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getvcpucontext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dying_and_shutdown_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vstats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vcpuaffinity_set_get, setup, teardown_cpus),
        cmocka_unit_test_setup_teardown(test_vcpuaffinity_soft, setup, teardown_cpus),
        cmocka_unit_test_setup_teardown(test_vcpuaffinity_refusals, setup, teardown_cpus),
    };
    fake_console_quiet = true;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
