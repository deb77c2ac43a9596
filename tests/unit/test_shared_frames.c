/*
 * Frames shared across the hypervisor/guest boundary (docs/security.md,
 * classes 1 and 2), on the real pv_mm.c, grant_table.c, console_backend.c
 * and reservation.c against the fake machine of test_pvmm_world.h
 * (domain A owns frames 1..39, B 40..47):
 *
 *  - class 1: a hypervisor page shared with a guest (grant-table frames
 *    made by the real grow_table(); a hypervisor-heap frame owned by A)
 *    never becomes a page table or a descriptor page, however the guest
 *    asks (pin, an upper entry, set_gdt's type), stays mappable writable
 *    and read-only, and is freed once its owner is gone and the last
 *    mapping went;
 *  - class 2: the console backend holds a general and a writable type
 *    reference on the guest's ring from attach to detach, so the guest
 *    can neither pin the ring as a table nor give it back, and after
 *    detach the backend no longer touches the frame; slots are reused.
 */
#include "test_pvmm_world.h"
#include <keel/grant_table.h>
#include <keel/console_backend.h>
#include <keel/reservation.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/io/console.h>

#define A_L4 1
#define A_L3 2
#define A_L2 3
#define A_L1 4
#define RING 20           /* A's console ring */
#define XEN_FRAME 50      /* a hypervisor-heap frame owned by A */

static void as(struct domain *d)
{
    fake_cpu_info.curr = d->vcpu[0];
}

static int setup(void **state)
{
    world_setup(state);
    fake_alloc_budget = ~0u;
    fake_guest_hole_start = fake_guest_hole_end = 0;
    da->tot_pages = A_LAST;
    da->max_pages = A_LAST;
    /* A's address space: L4 1 -> L3 2 -> L2 3 -> L1 4 (pinned L4). */
    build_tables(A_L4, A_L3, A_L2, A_L1);
    assert_int_equal(pv_pin_table(da, _mfn(A_L4), PGT_l4), 0);
    return 0;
}

static int teardown(void **state)
{
    return world_teardown(state);
}

static long mmu1(uint64_t ptr, uint64_t val)
{
    struct mmu_update u = { .ptr = ptr, .val = val };

    return do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF);
}

static long mmuext1(unsigned int cmd, uint64_t mfn)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

    return do_mmuext_op((uint64_t)&op, 1, 0, DOMID_SELF);
}

static uint64_t l1_slot(unsigned int i)
{
    return ((uint64_t)A_L1 << 12) + 8 * i;
}

/* Every way A can ask for a frame to become a table or descriptor page
 * is refused, and the frame table is left as it was. */
static void assert_never_table(unsigned int m)
{
    static const unsigned int pins[] = { MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
                                         MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE };
    struct page_info before = *pg(m);
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(pins); i++)
        assert_int_equal(mmuext1(pins[i], m), -XEN_EINVAL);
    /* An L2 entry pointing at it asks for the L1 type. */
    assert_int_equal(mmu1(((uint64_t)A_L2 << 12) + 8 * 5, pte(m, PRW)), -XEN_EINVAL);
    /* NEW_BASEPTR asks for the L4 type. */
    assert_int_equal(mmuext1(MMUEXT_NEW_BASEPTR, m), -XEN_EINVAL);
    /* set_gdt and SET_LDT ask for the descriptor type. */
    mm_lock_acquire();
    assert_int_equal(get_page_and_type(_mfn(m), da, PGT_seg_desc), -XEN_EINVAL);
    mm_lock_release();
    assert_int_equal(pg(m)->count, before.count);
    assert_int_equal(pg(m)->type, before.type);
    assert_int_equal(pg(m)->type_count, before.type_count);
    assert_false(pg(m)->flags & PGC_pinned);
    check_consistency();
}

/* Class 1: the grant-table frames the real grow_table() shares with A. */
static void test_grant_frames_never_tables(void **state)
{
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 2 };
    xen_pfn_t frames[2] = { 0, 0 };
    unsigned int i, frees;
    (void)state;

    as(da);
    assert_int_equal(gnttab_init(da), 0);
    set_xen_guest_handle(st.frame_list, frames);
    assert_int_equal(do_grant_table_op(GNTTABOP_setup_table, (uint64_t)&st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    for (i = 0; i < 2; i++) {
        unsigned int m = (unsigned int)frames[i];

        assert_true(m > B_LAST && m < FAKE_NR_FRAMES);
        assert_int_equal(pg(m)->owner, DOM_A);
        assert_true(pg(m)->flags & PGC_xen_heap);
        /* A fresh grant frame is all zeroes: a valid, empty table. */
        assert_never_table(m);
    }
    /* It stays plain memory A maps writable (to write grant entries)... */
    assert_int_equal(mmu1(l1_slot(0), pte(frames[0], PRW)), 0);
    assert_int_equal(mmu1(l1_slot(1), pte(frames[0], PRO)), 0);
    check_consistency();
    assert_never_table((unsigned int)frames[0]);
    /* ... and reaches the allocator once A is gone and the last mapping
     * went, not before. */
    frees = fake_frees;
    gnttab_destroy(da);
    assert_int_equal(fake_frees, frees + 1);          /* frames[1]: unmapped */
    assert_int_equal(pg(frames[1])->owner, OWNER_NONE);
    assert_int_equal(pg(frames[0])->owner, DOM_A);
    assert_int_equal(mmu1(l1_slot(0), 0), 0);
    assert_int_equal(fake_frees, frees + 1);
    assert_int_equal(mmu1(l1_slot(1), 0), 0);
    assert_int_equal(fake_frees, frees + 2);
    assert_int_equal(pg(frames[0])->owner, OWNER_NONE);
    check_consistency();
}

/* Class 1, defence in depth: a hypervisor-heap frame owned by a guest
 * refuses every type but writable even with no type reference on it
 * (as the shared_info page was made before the permanent type). */
static void test_xen_heap_frame_refused_outright(void **state)
{
    (void)state;

    as(da);
    fake_frame_table[XEN_FRAME] = (struct page_info){
        .owner = DOM_A, .count = 1, .flags = PGC_allocated | PGC_xen_heap };
    assert_int_equal(mmuext1(MMUEXT_PIN_L1_TABLE, XEN_FRAME), -XEN_EINVAL);
    assert_int_equal(mmuext1(MMUEXT_PIN_L4_TABLE, XEN_FRAME), -XEN_EINVAL);
    mm_lock_acquire();
    assert_int_equal(get_page_type(pg(XEN_FRAME), PGT_l1, da), -XEN_EINVAL);
    assert_int_equal(get_page_type(pg(XEN_FRAME), PGT_seg_desc, da), -XEN_EINVAL);
    assert_int_equal(get_page_type(pg(XEN_FRAME), PGT_writable, da), 0);
    put_page_type(pg(XEN_FRAME), da);
    mm_lock_release();
    assert_int_equal(pg(XEN_FRAME)->type_count, 0);
    assert_false(pg(XEN_FRAME)->flags & PGC_pinned);
}

/* ---- class 2: the console backend's ring ---- */

static struct xencons_interface *ring(void)
{
    return (struct xencons_interface *)fake_frame(_mfn(RING));
}

static void put_out(const char *s)
{
    struct xencons_interface *r = ring();

    while (*s)
        r->out[r->out_prod++ % sizeof(r->out)] = *s++;
}

static long decrease(uint64_t mfn)
{
    uint64_t list[1] = { mfn };
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, list);
    return memory_reservation_op(XENMEM_decrease_reservation, 0, (uint64_t)&r);
}

static void test_console_ring_held(void **state)
{
    unsigned int pins[] = { MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE, MMUEXT_PIN_L3_TABLE,
                            MMUEXT_PIN_L4_TABLE };
    unsigned int i;
    (void)state;

    as(da);
    assert_int_equal(cons_backend_attach(da, _mfn(RING), 7), 0);
    held[RING]++;
    held_writable[RING]++;
    assert_int_equal(pg(RING)->count, 2);
    assert_int_equal(pg(RING)->type, PGT_writable);
    check_consistency();
    /* The backend drains what A writes. */
    put_out("hi\n");
    cons_backend_notify(da);
    assert_int_equal(ring()->out_cons, 3);
    /* A cannot make the ring a table (drain would rewrite entries)... */
    for (i = 0; i < ARRAY_SIZE(pins); i++)
        assert_int_equal(mmuext1(pins[i], RING), -XEN_EINVAL);
    mm_lock_acquire();
    assert_int_equal(get_page_and_type(_mfn(RING), da, PGT_seg_desc), -XEN_EINVAL);
    mm_lock_release();
    /* ... nor give it back (drain would write a free frame). */
    assert_int_equal(decrease(RING), 0);
    assert_int_equal(pg(RING)->owner, DOM_A);
    assert_true(pg(RING)->flags & PGC_allocated);
    assert_int_equal(da->tot_pages, A_LAST);
    /* A may still map it, read-only or writable. */
    assert_int_equal(mmu1(l1_slot(2), pte(RING, PRW)), 0);
    assert_int_equal(mmu1(l1_slot(3), pte(RING, PRO)), 0);
    check_consistency();
    assert_int_equal(mmu1(l1_slot(2), 0), 0);
    assert_int_equal(mmu1(l1_slot(3), 0), 0);

    /* Detach (domain_destroy_step): references dropped, ring no longer used. */
    cons_backend_detach(da);
    held[RING]--;
    held_writable[RING]--;
    assert_int_equal(pg(RING)->count, 1);
    assert_int_equal(pg(RING)->type_count, 0);
    check_consistency();
    put_out("more\n");
    cons_backend_notify(da);
    cons_backend_poll();
    assert_int_equal(ring()->out_cons, 3);
    cons_backend_detach(da);                /* twice: nothing more to drop */
    assert_int_equal(pg(RING)->count, 1);
    /* Now the frame is A's alone to give back. */
    assert_int_equal(decrease(RING), 1);
    assert_int_equal(pg(RING)->owner, OWNER_NONE);
}

/* A frame that is already a table, or not the domain's, is no ring. */
static void test_console_attach_refused(void **state)
{
    (void)state;

    as(da);
    assert_int_equal(mmuext1(MMUEXT_PIN_L1_TABLE, 21), 0);
    assert_int_equal(cons_backend_attach(da, _mfn(21), 7), -XEN_EINVAL);
    assert_int_equal(cons_backend_attach(da, _mfn(B_FIRST), 7), -XEN_EINVAL);
    assert_int_equal(cons_backend_attach(da, _mfn(FAKE_NR_FRAMES), 7), -XEN_EINVAL);
    check_consistency();
    assert_int_equal(mmuext1(MMUEXT_UNPIN_TABLE, 21), 0);
    cons_backend_detach(da);                /* nothing attached: no-op */
    check_consistency();
}

/* Domains come and go: a destroyed domain's slot is reused (the table
 * holds 64), and every attach/detach pair leaves the counts as they were. */
static void test_console_slots_reused(void **state)
{
    unsigned int i;
    (void)state;

    for (i = 0; i < 100; i++) {
        assert_int_equal(cons_backend_attach(da, _mfn(RING), 7), 0);
        assert_int_equal(pg(RING)->count, 2);
        cons_backend_detach(da);
    }
    assert_int_equal(pg(RING)->count, 1);
    assert_int_equal(pg(RING)->type_count, 0);
    check_consistency();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_grant_frames_never_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xen_heap_frame_refused_outright, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_ring_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_attach_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_slots_reused, setup, teardown),
    };
    (void)check_baseline;
    return cmocka_run_group_tests_name("shared_frames", tests, NULL, NULL);
}
