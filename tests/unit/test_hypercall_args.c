/*
 * Argument validation of hypercalls (hypercall.c, version.c, vm_assist.c,
 * pv_hypercalls.c, and mmu_update through the dispatch table): bad
 * values are refused with the errno Xen uses, bad guest pointers give
 * -EFAULT, and what is copied out is exactly what the ABI says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/hypercall.h>
#include <public/version.h>
#include <public/physdev.h>
#include <public/callback.h>
#include <asm/traps.h>

#define HV_PTR 0xffff800000001000UL     /* in the hypervisor's area */
#define NONCANON 0x0000800000000000UL

static struct fake_domain fa;

static int setup(void **state)
{
    (void)state;
    fake_mm_reset();
    fake_domains_reset();
    fake_cpu_reset();
    fake_domain_init(&fa, 1, 1, false);
    fake_cpu_info.curr = &fa.v[0];
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&fa);
    return 0;
}

static void test_set_trap_table(void **state)
{
    struct trap_info t[4] = {
        { .vector = 14, .flags = 0, .cs = 0xe033, .address = 0xffffffff81001000UL },
        { .vector = 3, .flags = 3, .cs = 0xe033, .address = 0xffffffff81002000UL },
        { .vector = 6, .address = 0 },                         /* terminator */
        { .vector = 7, .address = 0xffffffff81003000UL },
    };
    struct vcpu *v = &fa.v[0];

    (void)state;
    assert_int_equal(do_set_trap_table((uint64_t)t), 0);
    assert_int_equal(v->trap_ctxt[14].address, 0xffffffff81001000UL);
    assert_int_equal(v->trap_ctxt[3].flags, 3);
    assert_int_equal(v->trap_ctxt[7].address, 0);              /* after the terminator */
    t[0].vector = 13;
    t[0].address = 0x0000800000001000UL;                       /* non-canonical */
    assert_int_equal(do_set_trap_table((uint64_t)t), -XEN_EINVAL);
    assert_int_equal(v->trap_ctxt[13].address, 0);
    t[0].address = 0xffff7fffffffffffUL;
    assert_int_equal(do_set_trap_table((uint64_t)t), -XEN_EINVAL);
    assert_int_equal(do_set_trap_table(HV_PTR), -XEN_EFAULT);
    assert_int_equal(do_set_trap_table(NONCANON), -XEN_EFAULT);
    assert_int_equal(do_set_trap_table(0x20), -XEN_EFAULT);     /* unmapped */
    assert_int_equal(do_set_trap_table(0), 0);                  /* NULL clears the table */
    assert_int_equal(v->trap_ctxt[14].address, 0);
}

/* A refused table changes nothing (issue 16: validation before effects):
 * the entries before the bad one are not installed, whether the bad one
 * is non-canonical or cannot be read. */
static void test_set_trap_table_refused_changes_nothing(void **state)
{
    struct trap_info t[3] = {
        { .vector = 14, .cs = 0xe033, .address = 0xffffffff81001000UL },
        { .vector = 13, .cs = 0xe033, .address = 0x0000800000001000UL },   /* non-canonical */
        { .vector = 6, .address = 0 },
    };
    struct trap_info old = { .vector = 14, .cs = 0xe033, .address = 0xffffffff81009000UL };
    struct vcpu *v = &fa.v[0];

    (void)state;
    v->trap_ctxt[14] = old;
    assert_int_equal(do_set_trap_table((uint64_t)t), -XEN_EINVAL);
    assert_int_equal(v->trap_ctxt[14].address, old.address);
    assert_int_equal(v->trap_ctxt[13].address, 0);
    /* The second entry cannot be read (a hole in guest memory). */
    t[1] = t[0];
    fake_guest_hole_start = (uintptr_t)&t[1];
    fake_guest_hole_end = (uintptr_t)&t[2];
    assert_int_equal(do_set_trap_table((uint64_t)t), -XEN_EFAULT);
    fake_guest_hole_start = fake_guest_hole_end = 0;
    assert_int_equal(v->trap_ctxt[14].address, old.address);
}

static void test_vm_assist(void **state)
{
    static const struct { uint64_t cmd, type; long rc; } rows[] = {
        { VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0 },
        { VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3, 0 },
        { VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag, 0 },
        { VMASST_CMD_enable, VMASST_TYPE_m2p_strict, 0 },
        { VMASST_CMD_enable, 6, -XEN_EINVAL },
        { VMASST_CMD_enable, 31, -XEN_EINVAL },
        { VMASST_CMD_enable, 63, -XEN_EINVAL },
        { VMASST_CMD_enable, 64, -XEN_EINVAL },
        { VMASST_CMD_enable, ~0UL, -XEN_EINVAL },
        { 2, VMASST_TYPE_writable_pagetables, -XEN_ENOSYS },
        { VMASST_CMD_disable, VMASST_TYPE_pae_extended_cr3, 0 },
    };
    unsigned int i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(rows); i++)
        assert_int_equal(do_vm_assist(rows[i].cmd, rows[i].type), rows[i].rc);
    assert_int_equal(fa.d.vm_assist, (1UL << VMASST_TYPE_writable_pagetables) |
                                     (1UL << VMASST_TYPE_runstate_update_flag) |
                                     (1UL << VMASST_TYPE_m2p_strict));
}

static void test_xen_version(void **state)
{
    char buf[1100];
    struct xen_feature_info fi = { .submap_idx = 1 };

    (void)state;
    assert_int_equal(do_xen_version(XENVER_version, 0), (4 << 16) | 17);
    assert_int_equal(do_xen_version(XENVER_pagesize, 0), 4096);
    /* strings: the whole fixed-size array, zero padded, nothing beyond it */
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(do_xen_version(XENVER_extraversion, (uint64_t)buf), 0);
    assert_string_equal(buf, ".0-keel");
    for (unsigned int i = 7; i < 16; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal((uint8_t)buf[16], 0xaa);
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(do_xen_version(XENVER_capabilities, (uint64_t)buf), 0);
    assert_string_equal(buf, "xen-3.0-x86_64 ");
    assert_int_equal(buf[1023], 0);
    assert_int_equal((uint8_t)buf[1024], 0xaa);
    /* features: submap 0 only; the index in the buffer is left alone */
    assert_int_equal(do_xen_version(XENVER_get_features, (uint64_t)&fi), -XEN_EINVAL);
    fi.submap_idx = 0;
    fi.submap = 0xdeadbeef;
    assert_int_equal(do_xen_version(XENVER_get_features, (uint64_t)&fi), 0);
    assert_int_equal(fi.submap_idx, 0);
    assert_int_equal(fi.submap & ~((1u << XENFEAT_mmu_pt_update_preserve_ad) |
                                   (1u << XENFEAT_gnttab_map_avail_bits)), 0);
    assert_true(fi.submap & (1u << XENFEAT_mmu_pt_update_preserve_ad));
    fa.d.is_privileged = true;
    assert_int_equal(do_xen_version(XENVER_get_features, (uint64_t)&fi), 0);
    assert_true(fi.submap & (1u << XENFEAT_dom0));
    /* command line: privileged only */
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(do_xen_version(XENVER_commandline, (uint64_t)buf), 0);
    assert_string_equal(buf, "loglvl=debug");
    fa.d.is_privileged = false;
    assert_int_equal(do_xen_version(XENVER_commandline, (uint64_t)buf), -XEN_EPERM);
    /* bad pointers, unknown commands */
    assert_int_equal(do_xen_version(XENVER_extraversion, HV_PTR), -XEN_EFAULT);
    assert_int_equal(do_xen_version(XENVER_get_features, HV_PTR), -XEN_EFAULT);
    assert_int_equal(do_xen_version(XENVER_capabilities, 0x00007ffffffffe00UL), -XEN_EFAULT);
    assert_int_equal(do_xen_version(XENVER_compile_info, 0x100), -XEN_EFAULT);
    assert_int_equal(do_xen_version(XENVER_build_id, (uint64_t)buf), -XEN_ENODATA);
    assert_int_equal(do_xen_version(99, (uint64_t)buf), -XEN_ENOSYS);
}

static void test_physdev_iopl(void **state)
{
    struct physdev_set_iopl io;
    unsigned int i;

    (void)state;
    for (i = 0; i <= 3; i++) {
        io.iopl = i;
        assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, (uint64_t)&io), 0);
        assert_int_equal(fa.v[0].iopl, i);
    }
    io.iopl = 4;
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, (uint64_t)&io), -XEN_EINVAL);
    io.iopl = 0x80000000u;
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, (uint64_t)&io), -XEN_EINVAL);
    assert_int_equal(fa.v[0].iopl, 3);
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, HV_PTR), -XEN_EFAULT);
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, 0), -XEN_EFAULT);
    assert_int_equal(do_physdev_op(1000, (uint64_t)&io), -XEN_ENOSYS);
}

/* A callback becomes an iret frame's rip: non-canonical is refused (as
 * Xen's register_guest_callback), and set_callbacks skips it. */
static void test_callbacks_canonical(void **state)
{
    struct callback_register r = { .type = CALLBACKTYPE_event, .address = NONCANON };
    struct vcpu *v = &fa.v[0];

    (void)state;
    v->event_callback = 0xffffffff80001000UL;
    assert_int_equal(do_callback_op(CALLBACKOP_register, (uint64_t)&r), -XEN_EINVAL);
    r.type = CALLBACKTYPE_syscall;
    assert_int_equal(do_callback_op(CALLBACKOP_register, (uint64_t)&r), -XEN_EINVAL);
    assert_int_equal(v->event_callback, 0xffffffff80001000UL);
    assert_int_equal(v->syscall_callback, 0);
    r.address = 0xffffffff80003000UL;
    assert_int_equal(do_callback_op(CALLBACKOP_register, (uint64_t)&r), 0);
    assert_int_equal(v->syscall_callback, 0xffffffff80003000UL);
    assert_int_equal(do_set_callbacks(NONCANON, 0xffffffff80002000UL, 1UL << 63), 0);
    assert_int_equal(v->event_callback, 0xffffffff80001000UL);
    assert_int_equal(v->failsafe_callback, 0xffffffff80002000UL);
    assert_int_equal(v->syscall_callback, 0xffffffff80003000UL);
}

static void test_multicall(void **state)
{
    struct mmu_update bad = { 0x1000 | 5, 0 };                 /* command 5: none */
    struct multicall_entry e[6] = {
        { .op = __HYPERVISOR_xen_version, .args = { XENVER_version } },
        { .op = __HYPERVISOR_iret },
        { .op = __HYPERVISOR_multicall },
        { .op = 63 },                                           /* not implemented */
        { .op = __HYPERVISOR_mmu_update, .args = { (uint64_t)&bad, 1, 0, DOMID_SELF } },
        { .op = 1000 },
    };
    unsigned int i;

    (void)state;
    e[2].args[0] = (uint64_t)e;
    e[2].args[1] = 6;
    for (i = 0; i < 6; i++)
        e[i].result = 0x5555;
    assert_int_equal(do_multicall((uint64_t)e, 6), 0);
    assert_int_equal(e[0].result, (4 << 16) | 17);
    assert_int_equal((long)e[1].result, -XEN_EINVAL);
    assert_int_equal((long)e[2].result, -XEN_EINVAL);
    assert_int_equal((long)e[3].result, -XEN_ENOSYS);
    assert_int_equal((long)e[4].result, -XEN_ENOSYS);
    assert_int_equal((long)e[5].result, -XEN_ENOSYS);
    assert_int_equal(e[0].op, __HYPERVISOR_xen_version);       /* only result is written */
    assert_int_equal(e[4].args[1], 1);
    /* stubbed families are reached through the same table */
    fake_stub_calls = 0;
    e[0].op = __HYPERVISOR_sched_op;
    assert_int_equal(do_multicall((uint64_t)e, 1), 0);
    assert_int_equal(fake_stub_calls, 1);
    assert_int_equal(fake_stub_last_nr, __HYPERVISOR_sched_op);
    /* bad list pointers; a list running into a hole stops there */
    assert_int_equal(do_multicall(HV_PTR, 1), -XEN_EFAULT);
    assert_int_equal(do_multicall(0x40, 1), -XEN_EFAULT);
    assert_int_equal(do_multicall((uint64_t)e, 0), 0);
    e[0].op = __HYPERVISOR_xen_version;
    e[1].op = __HYPERVISOR_xen_version;
    e[1].result = 0x5555;
    fake_guest_hole_start = (uintptr_t)&e[1];
    fake_guest_hole_end = fake_guest_hole_start + 1;
    assert_int_equal(do_multicall((uint64_t)e, 2), -XEN_EFAULT);
    fake_guest_hole_start = fake_guest_hole_end = 0;
    assert_int_equal(e[1].result, 0x5555);
    /* a call that stops the domain ends the batch */
    fa.d.state = DOM_SHUTDOWN;
    e[0].result = e[1].result = 0x5555;
    assert_int_equal(do_multicall((uint64_t)e, 2), 0);
    assert_int_equal(e[0].result, (4 << 16) | 17);
    assert_int_equal(e[1].result, 0x5555);
}

static void test_dispatch_and_mmu_update(void **state)
{
    struct mmu_update req = { (5UL << 12) | 3, 0 };
    uint64_t a[5] = { (uint64_t)&req, 1, 0, DOMID_SELF, 0 };
    uint64_t none[5] = { 0 };
    unsigned int c;

    (void)state;
    fake_frame_assign(_mfn(5), 1);
    for (c = 3; c < 8; c++) {
        req.ptr = (5UL << 12) | c;
        assert_int_equal(hypercall_dispatch(__HYPERVISOR_mmu_update, a), -XEN_ENOSYS);
    }
    a[0] = HV_PTR;
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_mmu_update, a), -XEN_EFAULT);
    a[0] = (uint64_t)&req;
    a[2] = HV_PTR;                                             /* pdone not writable */
    req.ptr = 5UL << 12;
    /* Xen ignores a `done` it cannot write: the update stands, rc is 0. */
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_mmu_update, a), 0);
    assert_int_equal(hypercall_dispatch(NR_HYPERCALLS, none), -XEN_ENOSYS);
    assert_int_equal(hypercall_dispatch(~0UL, none), -XEN_ENOSYS);
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_iret, none), -XEN_ENOSYS);
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_xen_version, none), (4 << 16) | 17);
}

/* do_syscall's direct dispatch and the interference counters (keel
 * vstats): each hypercall counts once in its family, page-table entries
 * are counted by mmu_update on a batch's first issue and when the count
 * is valid, and by update_va_mapping one each. */
static void test_syscall_dispatch_counts(void **state)
{
    struct vcpu *v = current;
    struct guest_regs regs = { 0 };
    struct mmu_update req[3] = { { (5UL << 12) | 3, 0 }, { (5UL << 12) | 3, 0 },
                                 { (5UL << 12) | 3, 0 } };
    uint64_t a[5] = { (uint64_t)req, 3, 0, DOMID_SELF, 0 };
    uint64_t va[5] = { 0 };

    (void)state;
    v->kernel_mode = true;
    memset(&v->vs, 0, sizeof(v->vs));
    regs.rax = __HYPERVISOR_xen_version;
    regs.rdi = XENVER_version;
    regs.rip = 0x1000;
    do_syscall(&regs);
    assert_int_equal(regs.rax, (4 << 16) | 17);
    assert_int_equal(regs.rip, 0x1000);             /* not continued */
    regs.rax = NR_HYPERCALLS - 1;                   /* no handler */
    do_syscall(&regs);
    assert_int_equal((long)regs.rax, -XEN_ENOSYS);
    regs.rax = __HYPERVISOR_vm_assist;              /* two arguments, from rdi and rsi */
    regs.rdi = VMASST_CMD_enable;
    regs.rsi = 6;                                   /* a type Xen refuses */
    do_syscall(&regs);
    assert_int_equal((long)regs.rax, -XEN_EINVAL);
    regs.rax = __HYPERVISOR_vm_assist;
    regs.rsi = VMASST_TYPE_m2p_strict;
    do_syscall(&regs);
    assert_int_equal(regs.rax, 0);
    assert_int_equal(v->vs.hypercalls[KEEL_HCF_OTHER], 4);

    fake_frame_assign(_mfn(5), 1);
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_mmu_update, a), -XEN_ENOSYS);
    assert_int_equal(v->vs.pt_updates, 3);
    a[1] = 2 | HYPERCALL_PREEMPTED;                 /* a continuation: already counted */
    hypercall_dispatch(__HYPERVISOR_mmu_update, a);
    a[1] = 1UL << 32;                               /* invalid: not counted */
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_mmu_update, a), -XEN_EINVAL);
    assert_int_equal(v->vs.pt_updates, 3);
    hypercall_dispatch(__HYPERVISOR_update_va_mapping, va);
    assert_int_equal(v->vs.pt_updates, 4);
    assert_int_equal(v->vs.hypercalls[KEEL_HCF_MMU], 4);
    assert_int_equal(v->vs.hypercalls[KEEL_HCF_OTHER], 4);
}

/* hypercall_preempt_check: by the hypervisor lock's hold time, against
 * HYPERCALL_PREEMPT_NS at the TSC rate (fake: 2 GHz). */
static void test_preempt_check_by_time(void **state)
{
    uint64_t limit = HYPERCALL_PREEMPT_NS * fake_tsc_khz / 1000000;

    (void)state;
    fake_lock_held_cycles = 0;
    assert_false(hypercall_preempt_check());
    fake_lock_held_cycles = limit - 1;
    assert_false(hypercall_preempt_check());
    fake_lock_held_cycles = limit;
    assert_true(hypercall_preempt_check());
    fake_lock_held_cycles = 0;
}

/*
 * HYPERVISOR_iret: without VGCF_in_syscall the frame's rcx/r11 come back;
 * with it (a return from a system call) the guest finds rcx = rip and
 * r11 = rflags, as Xen's sysret exit leaves them, and the frame then
 * qualifies for Keel's sysret exit too (test_sysret).  Kernel to kernel
 * here (RPL 0 in cs): no mode switch.
 */
static void test_iret_in_syscall(void **state)
{
    struct iret_context f = { .rax = 7, .r11 = 0x11, .rcx = 0x22, .flags = 0,
                              .rip = 0xffffffff81000100UL, .cs = 0xe030,
                              .rflags = 0x3246 /* IOPL 3: cleared */, .rsp = 0, .ss = 0xe02b };
    struct guest_regs regs = { 0 };
    uint64_t stack[16];

    (void)state;
    f.rsp = (uint64_t)&stack[8];
    memcpy(stack, &f, sizeof(f));
    regs.rsp = (uint64_t)stack;
    assert_int_equal(do_iret(&regs), 7);
    assert_int_equal(regs.rip, f.rip);
    assert_int_equal(regs.cs, 0xe033);
    assert_int_equal(regs.rflags, 0x246);
    assert_int_equal(regs.rcx, 0x22);
    assert_int_equal(regs.r11, 0x11);

    f.flags = VGCF_in_syscall;
    memcpy(stack, &f, sizeof(f));
    memset(&regs, 0, sizeof(regs));
    regs.rsp = (uint64_t)stack;
    regs.rcx = 0x99;
    assert_int_equal(do_iret(&regs), 7);
    assert_int_equal(regs.rcx, f.rip);
    assert_int_equal(regs.r11, 0x246);
    assert_int_equal(regs.rsp, (uint64_t)&stack[8]);
}

/* A guest system call's two halves without the hypervisor lock
 * (do_syscall_entry, issue 16): the user syscall's bounce and
 * HYPERVISOR_iret leave lock-free; anything else due on the way out (an
 * event upcall, a reschedule, a pause), any call that must be refused,
 * and every other hypercall take the lock and return -1, so that
 * return_to_guest does the rest. */
static void test_syscall_entry_lockless(void **state)
{
    struct vcpu *v = &fa.v[0];
    struct guest_regs regs = { 0 };
    struct iret_context f = { .rax = 39, .flags = VGCF_in_syscall, .rip = 0x401000,
                              .cs = 0xe033, .rflags = 0x202, .rsp = 0x7ff000, .ss = 0xe02b };
    uint64_t stack[16];

    (void)state;
    v->syscall_callback = 0xffffffff81000200UL;
    v->kernel_sp = 0xffffc90000004000UL;
    v->event_callback = 0xffffffff81000300UL;
    v->guest_table_user = _mfn(7);
    v->kernel_mode = false;
    fake_hv_lock_held = false;
    fake_hv_locks = fake_lockless_exits = 0;

    regs.rax = 39;                                  /* a user system call */
    assert_int_equal(do_syscall_entry(&regs), 1);
    assert_true(v->kernel_mode);
    assert_int_equal(regs.rip, v->syscall_callback);
    assert_int_equal(fake_hv_locks, 0);
    assert_int_equal(fake_lockless_exits, 1);

    memcpy(stack, &f, sizeof(f));                   /* ... and the kernel's iret */
    regs.rsp = (uint64_t)stack;
    regs.rax = __HYPERVISOR_iret;
    assert_int_equal(do_syscall_entry(&regs), 1);
    assert_false(v->kernel_mode);
    assert_int_equal(regs.rax, 39);
    assert_int_equal(regs.rip, 0x401000);
    assert_int_equal(fake_hv_locks, 0);

    /* An event upcall due after the bounce: done once, then the lock. */
    v->vcpu_info->evtchn_upcall_pending = 1;
    v->vcpu_info->evtchn_upcall_mask = 0;
    v->syscall_mask_events = false;
    regs.rax = 39;
    assert_int_equal(do_syscall_entry(&regs), -1);
    assert_true(v->kernel_mode);                    /* bounced once, not twice */
    assert_int_equal(fake_hv_locks, 1);
    assert_true(fake_hv_lock_held);
    v->vcpu_info->evtchn_upcall_pending = 0;

    /* A reschedule due. */
    fake_hv_lock_held = false;
    v->kernel_mode = false;
    this_pcpu()->need_resched = true;
    assert_int_equal(do_syscall_entry(&regs), -1);
    assert_int_equal(fake_hv_locks, 2);
    this_pcpu()->need_resched = false;

    /* The domain paused. */
    v->kernel_mode = false;
    v->domain->pause_count = 1;
    assert_int_equal(do_syscall_entry(&regs), -1);
    assert_int_equal(fake_hv_locks, 3);
    v->domain->pause_count = 0;

    /* No syscall callback: #UD, under the lock. */
    v->kernel_mode = false;
    v->syscall_callback = 0;
    fake_injections = 0;
    assert_int_equal(do_syscall_entry(&regs), -1);
    assert_int_equal(fake_hv_locks, 4);
    assert_int_equal(fake_injections, 1);
    assert_int_equal(fake_injected_vector, TRAP_invalid_op);

    /* An iret to user mode without user page tables: a crash, under the lock. */
    v->kernel_mode = true;
    v->guest_table_user = INVALID_MFN;
    regs.rsp = (uint64_t)stack;
    regs.rax = __HYPERVISOR_iret;
    fake_domain_crashes = 0;
    assert_int_equal(do_syscall_entry(&regs), -1);
    assert_int_equal(fake_hv_locks, 5);
    assert_int_equal(fake_domain_crashes, 1);
    assert_true(v->kernel_mode);

    /* Any other hypercall: under the lock. */
    fake_lockless_exits = 0;
    regs.rax = __HYPERVISOR_xen_version;
    regs.rdi = XENVER_version;
    assert_int_equal(do_syscall_entry(&regs), -1);
    assert_int_equal(regs.rax, (4 << 16) | 17);
    assert_int_equal(fake_hv_locks, 6);
    assert_int_equal(fake_lockless_exits, 0);
    fake_hv_lock_held = true;
}

/* set_segment_base: the GS bases are stored and, for the running vCPU,
 * made the active one at once (guest_gs_sync: the exit no longer
 * rewrites MSR_SHADOW_GS_BASE); a non-canonical base changes nothing. */
int pv_set_segment_base(struct vcpu *v, unsigned int which, uint64_t base);
static void test_set_segment_base_gs(void **state)
{
    struct vcpu *v = &fa.v[0];

    (void)state;
    fake_gs_syncs = 0;
    assert_int_equal(do_set_segment_base(SEGBASE_GS_KERNEL, 0xffff888000001000UL), 0);
    assert_int_equal(v->gs_base_kernel, 0xffff888000001000UL);
    assert_int_equal(fake_gs_syncs, 1);
    assert_int_equal(do_set_segment_base(SEGBASE_GS_USER, 0x7f0000001000UL), 0);
    assert_int_equal(v->gs_base_user, 0x7f0000001000UL);
    assert_int_equal(fake_gs_syncs, 2);
    assert_int_equal(do_set_segment_base(SEGBASE_GS_KERNEL, 0x0000800000000000UL), -XEN_EINVAL);
    assert_int_equal(v->gs_base_kernel, 0xffff888000001000UL);
    assert_int_equal(fake_gs_syncs, 2);
    /* Not the running vCPU: stored only. */
    fake_cpu_info.curr = NULL;
    assert_int_equal(pv_set_segment_base(v, SEGBASE_GS_KERNEL, 0x1000), 0);
    assert_int_equal(v->gs_base_kernel, 0x1000);
    assert_int_equal(fake_gs_syncs, 2);
    fake_cpu_info.curr = v;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_trap_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_trap_table_refused_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vm_assist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xen_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_physdev_iopl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multicall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dispatch_and_mmu_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syscall_dispatch_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preempt_check_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iret_in_syscall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syscall_entry_lockless, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_segment_base_gs, setup, teardown),
    };
    return cmocka_run_group_tests_name("hypercall_args", tests, NULL, NULL);
}
