/*
 * Unit tests for hypervisor/arch/x86_64/pv_strio.c: ins/outs emulation for
 * PV guests.  Guest virtual addresses are host pointers (arch/fake); an
 * address below FAKE_GUEST_FAULT_BELOW is unmapped.  Expected behaviour
 * is Xen 4.17's (x86_emulate + emul-priv-op.c rep_ins/rep_outs): an
 * SS-relative operand outside guest space raises #SS(0), any other #GP(0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/pv_strio.h>
#include <asm/traps.h>
#include <asm/processor.h>

#define NONCANON 0x8000000000000000UL
#define HV_SLOT 0xffff830000001000UL     /* the direct map: not guest space */
#define RIP0 0x1000UL

static uint8_t buf[64] __attribute__((aligned(16)));

static struct guest_regs regs_for(uint64_t rsi, uint64_t rdi, uint64_t rcx)
{
    struct guest_regs r;

    memset(&r, 0, sizeof(r));
    r.rsi = rsi;
    r.rdi = rdi;
    r.rcx = rcx;
    r.rip = RIP0;
    r.rflags = 0x202;
    return r;
}

static struct pv_strio insb(void)
{
    struct pv_strio s = { .is_in = true, .size = 1, .seg = PV_SEG_ES, .len = 1 };
    return s;
}

static struct pv_strio outsb(enum pv_seg seg, unsigned int len)
{
    struct pv_strio s = { .is_in = false, .size = 1, .seg = seg, .len = len };
    return s;
}

static void test_ins_writes_ones(void **state)
{
    struct guest_regs r = regs_for(0, (uint64_t)buf, 0);
    struct pv_strio s = insb();
    struct pv_fault f;

    (void)state;
    memset(buf, 0, sizeof(buf));
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_DONE);
    assert_int_equal(buf[0], 0xff);
    assert_int_equal(buf[1], 0);
    assert_true(r.rdi == (uint64_t)buf + 1);
    assert_true(r.rip == RIP0 + 1);

    /* insl: four bytes; insw with 0x66: two. */
    s.size = 4;
    r = regs_for(0, (uint64_t)buf + 8, 0);
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_DONE);
    assert_int_equal(buf[8] & buf[9] & buf[10] & buf[11], 0xff);
    assert_int_equal(buf[12], 0);
    assert_true(r.rdi == (uint64_t)buf + 12);
}

static void test_rep_and_df(void **state)
{
    struct guest_regs r = regs_for(0, (uint64_t)buf + 4, 3);
    struct pv_strio s = insb();
    struct pv_fault f;

    (void)state;
    memset(buf, 0, sizeof(buf));
    s.rep = true;
    s.len = 2;
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_DONE);
    assert_int_equal(buf[4] & buf[5] & buf[6], 0xff);
    assert_int_equal(buf[7], 0);
    assert_true(r.rcx == 0 && r.rdi == (uint64_t)buf + 7 && r.rip == RIP0 + 2);

    /* DF set: rdi goes down. */
    memset(buf, 0, sizeof(buf));
    r = regs_for(0, (uint64_t)buf + 20, 2);
    r.rflags |= X86_EFLAGS_DF;
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_DONE);
    assert_int_equal(buf[20] & buf[19], 0xff);
    assert_int_equal(buf[18], 0);
    assert_true(r.rdi == (uint64_t)buf + 18);

    /* rep with rcx 0: nothing, but the instruction completes. */
    r = regs_for(0, 0x10, 0);
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_DONE);
    assert_true(r.rdi == 0x10 && r.rip == RIP0 + 2);

    /* A long rep stops after max_reps with rip unchanged (re-executed). */
    r = regs_for(0, (uint64_t)buf, 40);
    assert_int_equal(pv_strio_run(&r, &s, 16, &f), PV_STRIO_PARTIAL);
    assert_true(r.rcx == 24 && r.rdi == (uint64_t)buf + 16 && r.rip == RIP0);
    assert_int_equal(pv_strio_run(&r, &s, 32, &f), PV_STRIO_DONE);
    assert_true(r.rcx == 0 && r.rdi == (uint64_t)buf + 40 && r.rip == RIP0 + 2);
}

static void test_addr32(void **state)
{
    struct guest_regs r = regs_for(0, 0xdead000000000010UL, 0xffffffff00000001UL);
    struct pv_strio s = insb();
    struct pv_fault f;

    (void)state;
    /* 0x67: edi and ecx; the upper halves are ignored and cleared. */
    s.rep = true;
    s.addr32 = true;
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_FAULT);
    assert_int_equal(f.vector, TRAP_page_fault);        /* 0x10 is unmapped */
    assert_true(f.cr2 == 0x10);
    assert_true(r.rcx == 0xffffffff00000001UL);         /* nothing done yet */
}

static void test_outs_reads_memory(void **state)
{
    struct guest_regs r = regs_for((uint64_t)buf, 0, 4);
    struct pv_strio s = outsb(PV_SEG_DS, 2);
    struct pv_fault f;

    (void)state;
    s.rep = true;
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_DONE);
    assert_true(r.rsi == (uint64_t)buf + 4 && r.rcx == 0 && r.rip == RIP0 + 2);
}

/* The issue-16 rule: outside guest space, SS-relative => #SS(0), else #GP(0). */
static void test_stack_segment_faults(void **state)
{
    static const struct { enum pv_seg seg; unsigned int vec; } rows[] = {
        { PV_SEG_SS, TRAP_stack_error }, { PV_SEG_DS, TRAP_gp_fault },
        { PV_SEG_ES, TRAP_gp_fault }, { PV_SEG_CS, TRAP_gp_fault },
        { PV_SEG_FS, TRAP_gp_fault }, { PV_SEG_GS, TRAP_gp_fault },
    };
    const uint64_t bad[] = { NONCANON, HV_SLOT, 0x0000800000000000UL };
    struct pv_fault f;

    (void)state;
    for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(pv_seg_fault_vector(rows[i].seg), rows[i].vec);
        for (unsigned int j = 0; j < 3; j++) {
            struct guest_regs r = regs_for(bad[j], 0, 5);
            struct pv_strio s = outsb(rows[i].seg, 2);

            s.rep = true;
            memset(&f, 0xa5, sizeof(f));
            assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_FAULT);
            assert_int_equal(f.vector, rows[i].vec);
            assert_true(f.error_code == 0);
            /* Nothing done: registers and rip as before. */
            assert_true(r.rsi == bad[j] && r.rcx == 5 && r.rip == RIP0);
        }
    }
    /* ins always uses ES: a non-canonical rdi is #GP(0). */
    {
        struct guest_regs r = regs_for(0, NONCANON, 0);
        struct pv_strio s = insb();

        assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_FAULT);
        assert_int_equal(f.vector, TRAP_gp_fault);
    }
    /* A base (FS) moves a canonical offset out of guest space. */
    {
        struct guest_regs r = regs_for(0x10, 0, 0);
        struct pv_strio s = outsb(PV_SEG_FS, 2);

        s.seg_base = NONCANON;
        assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_FAULT);
        assert_int_equal(f.vector, TRAP_gp_fault);
    }
}

static void test_page_faults(void **state)
{
    struct guest_regs r = regs_for(0x2000, 0, 3);
    struct pv_strio s = outsb(PV_SEG_SS, 2);
    struct pv_fault f;

    (void)state;
    /* Unmapped but in guest space: #PF, not #SS; read => error 0. */
    s.rep = true;
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_FAULT);
    assert_int_equal(f.vector, TRAP_page_fault);
    assert_true(f.error_code == 0 && f.cr2 == 0x2000);

    /* ins: write fault; the iterations before it are counted. */
    fake_guest_hole_start = (uintptr_t)buf + 8;
    fake_guest_hole_end = (uintptr_t)buf + 16;
    r = regs_for(0, (uint64_t)buf + 6, 4);
    s = insb();
    s.rep = true;
    assert_int_equal(pv_strio_run(&r, &s, PV_STRIO_MAX_REPS, &f), PV_STRIO_FAULT);
    fake_guest_hole_start = fake_guest_hole_end = 0;
    assert_int_equal(f.vector, TRAP_page_fault);
    assert_true(f.error_code == 2 && f.cr2 == (uint64_t)buf + 8);
    assert_true(r.rcx == 2 && r.rdi == (uint64_t)buf + 8 && r.rip == RIP0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ins_writes_ones),
        cmocka_unit_test(test_rep_and_df),
        cmocka_unit_test(test_addr32),
        cmocka_unit_test(test_outs_reads_memory),
        cmocka_unit_test(test_stack_segment_faults),
        cmocka_unit_test(test_page_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
