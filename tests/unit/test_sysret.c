/*
 * guest_regs_sysret_ok (asm/regs.h): return_to_guest leaves by sysretq
 * only where sysretq gives the state iretq would give (rip from rcx,
 * rflags from r11 under the 0x3c7fd7 mask, flat selectors, canonical rip).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <asm/regs.h>

/* A frame as `syscall` from a 64-bit guest kernel leaves it. */
static struct guest_regs syscall_frame(void)
{
    struct guest_regs r = { 0 };

    r.rip = r.rcx = 0xffffffff81001234UL;
    r.rflags = r.r11 = 0x246;           /* IF ZF PF, bit 1 */
    r.cs = FLAT_RING3_CS64;
    r.ss = FLAT_RING3_DS;
    r.rsp = 0xffffc90000123f00UL;
    return r;
}

static void test_syscall_frame(void **state)
{
    struct guest_regs r = syscall_frame();

    (void)state;
    assert_true(guest_regs_sysret_ok(&r));
    r.rflags = r.r11 = 0x3247;          /* IOPL 3 is loaded by both */
    assert_true(guest_regs_sysret_ok(&r));
    r.rip = r.rcx = 0x00007fffffffe000UL;   /* a user address: still canonical */
    assert_true(guest_regs_sysret_ok(&r));
}

static void test_changed_frames_use_iret(void **state)
{
    static const uint64_t noncanonical[] = { 0x0000800000000000UL, 0xffff7fffffffffffUL,
                                             0x8000000000000000UL };
    /* rflags bits sysretq cannot load: RF (16), VM (17), reserved 3, 5, 15 */
    static const uint64_t bad_flags[] = { 0x10246, 0x20246, 0x24e, 0x266, 0x8246, 0x244 };
    struct guest_regs r;
    unsigned int i;

    (void)state;
    r = syscall_frame();
    r.rip -= 2;                          /* a continuation re-issues the syscall */
    assert_false(guest_regs_sysret_ok(&r));
    r = syscall_frame();
    r.r11 = 0x202;                       /* HYPERVISOR_iret restored another r11 */
    assert_false(guest_regs_sysret_ok(&r));
    r = syscall_frame();
    r.cs = FLAT_RING3_CS32;              /* a 32-bit code segment */
    assert_false(guest_regs_sysret_ok(&r));
    r = syscall_frame();
    r.ss = 0;
    assert_false(guest_regs_sysret_ok(&r));
    for (i = 0; i < sizeof(noncanonical) / sizeof(noncanonical[0]); i++) {
        r = syscall_frame();
        r.rip = r.rcx = noncanonical[i];  /* sysretq would #GP in ring 0 (Intel) */
        assert_false(guest_regs_sysret_ok(&r));
    }
    for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
        r = syscall_frame();
        r.rflags = r.r11 = bad_flags[i];
        assert_false(guest_regs_sysret_ok(&r));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syscall_frame),
        cmocka_unit_test(test_changed_frames_use_iret),
    };
    return cmocka_run_group_tests_name("sysret", tests, NULL, NULL);
}
