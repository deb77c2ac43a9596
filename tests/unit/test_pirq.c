/*
 * Unit tests for hypervisor/common/pirq.c (the GSI/pirq state machine) and
 * its event-channel side (EVTCHNOP_bind_pirq, close, status, bind_vcpu in
 * common/event_channel.c), against fake IO-APIC pins (arch/fake/irq.c).
 * The hardware domain is H (id 0, privileged); U (id 1) is a domU.
 * Set-up as Keel's IO-APIC driver does on QEMU pc: 24 pins, SCI on GSI 9,
 * GSI 0/2/4 kept by the hypervisor, ISA pins programmed at boot (9 level).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/event.h>
#include <keel/irq.h>
#include <keel/mm.h>
#include <keel/pv_mm.h>
#include <keel/hypercall.h>
#include <public/event_channel.h>
#include <public/physdev.h>

static struct fake_domain fh, fu;
static struct domain *dh, *du;

static int setup(void **state)
{
    unsigned int i;

    (void)state;
    fake_mm_reset();
    fake_domains_reset();
    fake_domain_init(&fh, 0, 2, true);
    fake_domain_init(&fu, 1, 1, false);
    dh = &fh.d;
    du = &fu.d;
    assert_int_equal(evtchn_init(dh, 64), 0);
    assert_int_equal(evtchn_init(du, 64), 0);
    fake_cpu_info.curr = &fh.v[0];
    fake_pins_reset();
    irq_reset();
    irq_gsi_init(24, 9);
    irq_gsi_reserve(0);
    irq_gsi_reserve(2);
    irq_gsi_reserve(4);
    for (i = 1; i < 16; i++)
        if (i != 2 && i != 4)
            irq_gsi_boot_program(i, i == 9, false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&fh);
    fake_domain_fini(&fu);
    return 0;
}

static void as(struct domain *d)
{
    fake_cpu_info.curr = d->vcpu[0];
}

static int map(struct domain *d, int gsi, int pirq)
{
    int out = -12345, rc = irq_map_gsi(d, gsi, pirq, &out);
    if (!rc)
        assert_int_equal(out, gsi);
    else
        assert_int_equal(out, -12345);     /* nothing written on failure */
    return rc;
}

static long bind(struct domain *d, uint32_t pirq, uint32_t *port)
{
    struct evtchn_bind_pirq b = { .pirq = pirq, .flags = BIND_PIRQ__WILL_SHARE };
    long rc;

    as(d);
    rc = do_event_channel_op(EVTCHNOP_bind_pirq, (uint64_t)&b);
    if (port)
        *port = b.port;
    return rc;
}

static long evclose(struct domain *d, uint32_t port)
{
    struct evtchn_close c = { .port = port };
    as(d);
    return do_event_channel_op(EVTCHNOP_close, (uint64_t)&c);
}

static bool pending(struct domain *d, unsigned int port)
{
    return (d->shared_info->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void clear_pending(struct domain *d, unsigned int port)
{
    d->shared_info->evtchn_pending[port / 64] &= ~(1UL << (port % 64));
}

/* The interrupt handler's part (arch/x86_64/ioapic.c), then the delivery. */
static void fire(unsigned int gsi)
{
    if (irq_gsi_is_level(gsi))
        arch_gsi_mask(gsi, true);
    irq_gsi_raised(gsi);
    irq_deliver_pending();
}

static void test_map_rules(void **state)
{
    (void)state;
    assert_int_equal(map(dh, 9, 9), 0);
    assert_int_equal(map(dh, 9, 9), 0);            /* again: same answer */
    assert_int_equal(map(dh, 10, -1), 0);          /* any: pirq = GSI */
    assert_int_equal(map(dh, 11, 12), -XEN_EINVAL);/* pirq != GSI */
    assert_int_equal(map(dh, 0, 0), -XEN_EPERM);   /* the hypervisor's pins */
    assert_int_equal(map(dh, 2, 2), -XEN_EPERM);
    assert_int_equal(map(dh, 4, 4), -XEN_EPERM);
    assert_int_equal(map(dh, 24, 24), -XEN_EINVAL);/* no such pin */
    assert_int_equal(map(dh, -1, -1), -XEN_EINVAL);
    assert_int_equal(map(dh, 0x7fffffff, -1), -XEN_EINVAL);
    assert_int_equal(map(du, 9, 9), -XEN_EPERM);   /* a domU maps nothing */
    assert_int_equal(map(du, 5, 5), -XEN_EPERM);
    assert_int_equal(irq_unmap_pirq(dh, 10), 0);
    assert_int_equal(irq_unmap_pirq(dh, 10), -XEN_EINVAL);
    assert_int_equal(irq_unmap_pirq(dh, -5), -XEN_EINVAL);
    assert_int_equal(irq_unmap_pirq(du, 9), -XEN_EPERM);
}

static void test_setup_gsi(void **state)
{
    (void)state;
    assert_int_equal(irq_setup_gsi(dh, 9, 1, 1), 9);          /* SCI: Xen returns the GSI */
    /* An ISA pin set at boot: the first setup_gsi sets it again (a PCI
     * link routed to ISA IRQ 5, level per its _PRT entry), as Xen. */
    assert_false(fake_pins[5].level);
    assert_int_equal(irq_setup_gsi(dh, 5, 1, 1), 0);
    assert_true(fake_pins[5].level && fake_pins[5].active_low && fake_pins[5].masked);
    assert_int_equal(irq_setup_gsi(dh, 5, 0, 0), -XEN_EEXIST);/* once only */
    assert_true(fake_pins[5].level);
    /* A pin in use (bound) is not reprogrammed: -EEXIST, as Xen. */
    assert_int_equal(map(dh, 7, 7), 0);
    assert_int_equal(bind(dh, 7, NULL), 0);
    assert_int_equal(irq_setup_gsi(dh, 7, 1, 1), -XEN_EEXIST);
    assert_false(fake_pins[7].level);
    assert_false(fake_pins[7].masked);
    assert_int_equal(irq_setup_gsi(dh, 16, 1, 1), 0);
    assert_true(fake_pins[16].programmed && fake_pins[16].level && fake_pins[16].active_low);
    assert_true(fake_pins[16].masked);                        /* programmed masked */
    assert_int_equal(irq_setup_gsi(dh, 16, 0, 0), -XEN_EEXIST);/* once only */
    assert_true(fake_pins[16].level);                          /* unchanged */
    assert_int_equal(fake_pins[16].programs, 1);
    assert_int_equal(irq_setup_gsi(dh, 17, 2, 0), -XEN_EINVAL);
    assert_int_equal(irq_setup_gsi(dh, 17, 0, 7), -XEN_EINVAL);
    assert_int_equal(irq_setup_gsi(dh, 24, 1, 1), -XEN_EINVAL);
    assert_int_equal(irq_setup_gsi(dh, -3, 1, 1), -XEN_EINVAL);
    assert_int_equal(irq_setup_gsi(dh, 2, 0, 0), -XEN_EPERM);
    assert_int_equal(irq_setup_gsi(du, 18, 1, 1), -XEN_EPERM);
    assert_false(fake_pins[18].programmed);
}

static void test_bind_rules(void **state)
{
    uint32_t port, port2;
    struct evtchn_status st = { .dom = DOMID_SELF };

    (void)state;
    assert_int_equal(bind(dh, 9, &port), -XEN_EPERM);         /* not mapped */
    assert_int_equal(bind(dh, 5000, &port), -XEN_EINVAL);
    assert_int_equal(map(dh, 9, 9), 0);
    assert_true(fake_pins[9].masked);
    assert_int_equal(bind(du, 9, &port), -XEN_EPERM);         /* not U's */
    assert_int_equal(bind(dh, 9, &port), 0);
    assert_false(fake_pins[9].masked);                        /* startup unmasks */
    assert_int_equal(bind(dh, 9, &port2), -XEN_EEXIST);       /* one port per pirq */
    st.port = port;
    as(dh);
    assert_int_equal(do_event_channel_op(EVTCHNOP_status, (uint64_t)&st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_pirq);
    assert_int_equal(st.u.pirq, 9);
    assert_int_equal(irq_unmap_pirq(dh, 9), -XEN_EBUSY);      /* bound */
    assert_int_equal(evclose(dh, port), 0);
    assert_true(fake_pins[9].masked);                         /* shutdown masks */
    assert_int_equal(irq_unmap_pirq(dh, 9), 0);
    assert_int_equal(bind(dh, 9, &port), -XEN_EPERM);
    /* GSI 20: mapped, never set up: its mode is unknown. */
    assert_int_equal(map(dh, 20, 20), 0);
    assert_int_equal(bind(dh, 20, &port), -XEN_EINVAL);
    assert_true(fake_pins[20].masked);
}

static void test_level_eoi(void **state)
{
    uint32_t port, flags = 0;
    uint64_t n, early;

    (void)state;
    assert_int_equal(map(dh, 9, 9), 0);
    assert_int_equal(bind(dh, 9, &port), 0);
    assert_int_equal(irq_status_query(dh, 9, &flags), 0);
    assert_int_equal(flags, XENIRQSTAT_needs_eoi);
    assert_int_equal(irq_eoi(dh, 9), 0);                      /* nothing in flight: no-op */
    assert_false(fake_pins[9].masked);
    fire(9);
    assert_true(pending(dh, port));
    assert_true(fake_pins[9].masked);                         /* until the EOI */
    assert_int_equal(irq_eoi(du, 9), -XEN_EINVAL);            /* not U's: no unmask */
    assert_true(fake_pins[9].masked);
    assert_int_equal(irq_eoi(dh, 9), 0);
    assert_false(fake_pins[9].masked);
    assert_int_equal(irq_eoi(dh, 9), 0);                      /* twice: harmless */
    assert_false(fake_pins[9].masked);
    irq_gsi_counts(9, &n, &early);
    assert_int_equal(n, 1);
    assert_int_equal(early, 0);                               /* masked as it should be */
    /* A pin that fires again before the EOI (were it not masked: a
     * storm) is counted, for irq_report and the Linux device tests. */
    fire(9);
    irq_gsi_raised(9);
    irq_deliver_pending();
    irq_gsi_counts(9, &n, &early);
    assert_int_equal(n, 3);
    assert_int_equal(early, 1);
    assert_int_equal(irq_eoi(dh, 9), 0);
    /* Closed while in flight: masked, and a late EOI does not unmask. */
    clear_pending(dh, port);
    fire(9);
    assert_int_equal(evclose(dh, port), 0);
    assert_int_equal(irq_eoi(dh, 9), 0);
    assert_true(fake_pins[9].masked);
    /* Raised after the close: nothing delivered anywhere. */
    irq_gsi_raised(9);
    irq_deliver_pending();
    assert_false(pending(dh, port));
    assert_int_equal(irq_status_query(dh, NR_PIRQS, &flags), -XEN_EINVAL);
    assert_int_equal(irq_eoi(dh, 0xffffffffu), -XEN_EINVAL);
}

static void test_edge(void **state)
{
    uint32_t port;
    uint64_t n, early;

    (void)state;
    assert_int_equal(map(dh, 1, 1), 0);                       /* keyboard: ISA edge */
    assert_int_equal(bind(dh, 1, &port), 0);
    fire(1);
    fire(1);
    assert_true(pending(dh, port));
    assert_false(fake_pins[1].masked);                        /* edge: never masked */
    irq_gsi_counts(1, &n, &early);
    assert_int_equal(n, 2);
    assert_int_equal(early, 0);                               /* edge: never in flight */
    assert_int_equal(irq_eoi(dh, 1), 0);
    assert_false(fake_pins[1].masked);
}

static void test_bind_vcpu_and_stale_raise(void **state)
{
    uint32_t port;
    struct evtchn_bind_vcpu bv;

    (void)state;
    assert_int_equal(irq_setup_gsi(dh, 16, 1, 1), 0);
    assert_int_equal(map(dh, 16, 16), 0);
    /* A raise recorded before the bind is dropped by the bind. */
    irq_gsi_raised(16);
    assert_int_equal(bind(dh, 16, &port), 0);
    irq_deliver_pending();
    assert_false(pending(dh, port));
    bv = (struct evtchn_bind_vcpu){ .port = port, .vcpu = 1 };
    assert_int_equal(do_event_channel_op(EVTCHNOP_bind_vcpu, (uint64_t)&bv), 0);
    fire(16);
    assert_true(pending(dh, port));
    assert_true(fh.v[1].vcpu_info->evtchn_upcall_pending);    /* on vCPU 1 */
    assert_false(fh.v[0].vcpu_info->evtchn_upcall_pending);
}

/* A level interrupt latched before the pirq is bound (a shared line a
 * device asserts early, or one already in the local APIC when the pin
 * was masked): masked by the handler, delivered to nobody, not in
 * flight; the bind unmasks it and the next one is delivered. */
static void test_spurious_level(void **state)
{
    uint32_t port;

    (void)state;
    assert_int_equal(irq_setup_gsi(dh, 17, 1, 1), 0);
    fire(17);                                                 /* not even mapped */
    assert_true(fake_pins[17].masked);
    assert_int_equal(map(dh, 17, 17), 0);
    fire(17);                                                 /* mapped, not bound */
    assert_true(fake_pins[17].masked);
    assert_int_equal(irq_eoi(dh, 17), 0);                     /* nothing in flight */
    assert_true(fake_pins[17].masked);
    assert_int_equal(bind(dh, 17, &port), 0);
    assert_false(fake_pins[17].masked);
    assert_false(pending(dh, port));                          /* the early ones are gone */
    fire(17);
    assert_true(pending(dh, port));
    assert_true(fake_pins[17].masked);
    assert_int_equal(irq_eoi(dh, 17), 0);
    assert_false(fake_pins[17].masked);
    /* An unknown or reserved GSI's vector: nothing happens. */
    irq_gsi_raised(2);
    irq_gsi_raised(NR_GSIS);
    irq_deliver_pending();
}

/* The frames of the EOI-map test: H owns EOI_F and EOI_G, U owns EOI_U. */
#define EOI_F 5
#define EOI_G 6
#define EOI_U 7

static long eoi_gmfn(struct domain *d, uint64_t gmfn)
{
    struct physdev_pirq_eoi_gmfn g = { .gmfn = gmfn };

    as(d);
    return do_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, (uint64_t)&g);
}

static bool eoi_bit(unsigned int mfn, unsigned int pirq)
{
    const uint64_t *w = fake_frame(_mfn(mfn));
    return (w[pirq / 64] >> (pirq % 64)) & 1;
}

/* PHYSDEVOP_pirq_eoi_gmfn_v2 (Xen's physdev.c and pirq_guest_bind): one
 * page per domain, held writable until evtchn_destroy; binding sets a
 * level pirq's bit and clears an edge one's; pirqs bound before the
 * registration get theirs then. */
static void test_eoi_map(void **state)
{
    uint32_t p9, p1, p16;
    struct page_info *f = &frame_table[EOI_F];

    (void)state;
    fake_frame_assign(_mfn(EOI_F), 0);
    fake_frame_assign(_mfn(EOI_G), 0);
    fake_frame_assign(_mfn(EOI_U), 1);
    /* Bound before the registration: level GSI 16. */
    assert_int_equal(irq_setup_gsi(dh, 16, 1, 1), 0);
    assert_int_equal(map(dh, 16, 16), 0);
    assert_int_equal(bind(dh, 16, &p16), 0);
    /* Refused: no such frame, another domain's, one typed otherwise. */
    assert_int_equal(eoi_gmfn(dh, FAKE_NR_FRAMES), -XEN_EINVAL);
    assert_int_equal(eoi_gmfn(dh, ~0ULL), -XEN_EINVAL);
    assert_int_equal(eoi_gmfn(dh, EOI_U), -XEN_EINVAL);
    assert_int_equal(get_page_and_type(_mfn(EOI_G), dh, PGT_seg_desc), 0);
    assert_int_equal(eoi_gmfn(dh, EOI_G), -XEN_EINVAL);
    put_page_and_type(_mfn(EOI_G), dh);
    assert_int_equal(do_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, 0x10), -XEN_EFAULT);
    assert_null(dh->pirq_eoi_map);
    assert_int_equal(f->count, 1);
    /* Registered: held general + writable; GSI 16's bit set at once. */
    assert_int_equal(eoi_gmfn(dh, EOI_F), 0);
    assert_int_equal(f->count, 2);
    assert_int_equal(f->type, PGT_writable);
    assert_int_equal(f->type_count, 1);
    assert_true(eoi_bit(EOI_F, 16));
    /* Once per domain (Xen: -EBUSY), the second frame not kept. */
    assert_int_equal(eoi_gmfn(dh, EOI_G), -XEN_EBUSY);
    assert_int_equal(eoi_gmfn(dh, EOI_F), -XEN_EBUSY);
    assert_int_equal(frame_table[EOI_G].count, 1);
    assert_int_equal(frame_table[EOI_G].type_count, 0);
    assert_int_equal(f->count, 2);
    assert_int_equal(f->type_count, 1);
    /* A domU registers its own (Xen lets any PV domain). */
    assert_int_equal(eoi_gmfn(du, EOI_U), 0);
    /* Level: bit set; edge: bit cleared, whatever the guest left there. */
    ((uint64_t *)fake_frame(_mfn(EOI_F)))[0] |= 1UL << 1;
    assert_int_equal(map(dh, 9, 9), 0);
    assert_int_equal(bind(dh, 9, &p9), 0);
    assert_true(eoi_bit(EOI_F, 9));
    assert_int_equal(map(dh, 1, 1), 0);
    assert_int_equal(bind(dh, 1, &p1), 0);
    assert_false(eoi_bit(EOI_F, 1));
    assert_false(eoi_bit(EOI_U, 9));                          /* H's pirqs only */
    /* The level discipline is unchanged by the map. */
    fire(9);
    assert_true(fake_pins[9].masked);
    assert_int_equal(irq_eoi(dh, 9), 0);
    assert_false(fake_pins[9].masked);
    /* Destruction gives the frames back. */
    evtchn_destroy(dh);
    evtchn_destroy(du);
    assert_null(dh->pirq_eoi_map);
    assert_int_equal(f->count, 1);
    assert_int_equal(f->type_count, 0);
    assert_int_equal(frame_table[EOI_U].count, 1);
    assert_int_equal(frame_table[EOI_U].type_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_gsi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_eoi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_vcpu_and_stale_raise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eoi_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious_level, setup, teardown),
    };
    return cmocka_run_group_tests_name("pirq", tests, NULL, NULL);
}
