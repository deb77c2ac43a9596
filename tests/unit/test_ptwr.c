/*
 * Unit tests for hypervisor/arch/x86_64/ptwr.c: the write-fault
 * emulation of page-table writes.  The guest's address space is
 * L4 2 -> L3 3 -> L2 4 -> L1 5, whose entry 0 maps frame 6 (an L1 table
 * validated through L2 entry 1) read-only at va 0: a write fault at va
 * 8 + off targets entry 1 of frame 6.  The instruction bytes are a host
 * buffer (guest virtual address = host pointer in the fake layer).
 */
#include "test_pvmm_world.h"

#include <keel/iomem.h>
#include <keel/mmcfg.h>

bool pv_ptwr_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr);
bool pv_mmio_ro_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr);

/* common/mmcfg.c's part (tests/unit/test_mmcfg.c): a recorder here. */
static struct { unsigned int calls, size; uint64_t maddr, val; int rc; } ro_write;

int mmio_ro_write(const struct domain *d, uint64_t maddr, unsigned int size, uint64_t val)
{
    (void)d;
    ro_write.calls++;
    ro_write.maddr = maddr;
    ro_write.size = size;
    ro_write.val = val;
    return ro_write.rc;
}

#define PT 6
#define E0 pte(10, PRO)                 /* 0xa005 */
#define E0RW pte(10, PRW)               /* 0xa007 */
#define NX (1UL << 63)
#define FL 0x8d5UL                      /* CF PF AF ZF SF OF */
#define ZF 0x40UL
#define PF 0x04UL
#define CF 0x01UL
#define SF 0x80UL
#define KEEP ~0UL                       /* register expected unchanged */

struct row {
    const char *what;
    uint8_t code[8];
    unsigned int len;                   /* 0: must be refused */
    unsigned int off;                   /* byte offset of the access in entry 1 */
    uint64_t init, rax, rcx, r8;
    uint64_t entry;                     /* expected entry afterwards */
    uint64_t exp_rax, exp_rcx;          /* KEEP: unchanged */
    uint64_t flags;                     /* expected CF..OF, or KEEP */
};

/* rdx holds the address in every form (ModRM rm=2); the emulator uses cr2. */
static const struct row rows[] = {
    { "mov %rcx,(%rdx)", { 0x48, 0x89, 0x0a }, 3, 0, E0, 0, pte(11, PRW), 0,
      pte(11, PRW), KEEP, KEEP, KEEP },
    { "mov %ecx,(%rdx)", { 0x89, 0x0a }, 2, 0, E0 | NX, 0, pte(11, PRW), 0,
      pte(11, PRW) | NX, KEEP, KEEP, KEEP },
    { "mov %ecx,4(%rdx): high half", { 0x89, 0x4a, 0x04 }, 3, 4, E0 | NX, 0, 0, 0,
      E0, KEEP, KEEP, KEEP },
    { "mov %cx,(%rdx) (0x66)", { 0x66, 0x89, 0x0a }, 3, 0, E0, 0, 0xffffb007, 0,
      pte(11, PRW), KEEP, KEEP, KEEP },
    { "mov %cl,(%rdx)", { 0x88, 0x0a }, 2, 0, E0, 0, 0xff07, 0, E0RW, KEEP, KEEP, KEEP },
    { "mov %r8,(%rdx) (REX.WR)", { 0x4c, 0x89, 0x02 }, 3, 0, E0, 0, 0, pte(12, PRO),
      pte(12, PRO), KEEP, KEEP, KEEP },
    { "ds: mov %rcx,(%rdx)", { 0x3e, 0x48, 0x89, 0x0a }, 4, 0, E0, 0, 0, 0, 0, KEEP, KEEP, KEEP },
    { "movq $imm32,(%rdx)", { 0x48, 0xc7, 0x02, 0x07, 0xb0, 0, 0 }, 7, 0, E0 | NX, 0, 0, 0,
      pte(11, PRW), KEEP, KEEP, KEEP },
    { "movl $0x80000000,4(%rdx)", { 0xc7, 0x42, 0x04, 0, 0, 0, 0x80 }, 7, 4, E0, 0, 0, 0,
      E0 | NX, KEEP, KEEP, KEEP },
    { "movb $7,(%rdx)", { 0xc6, 0x02, 0x07 }, 3, 0, E0, 0, 0, 0, E0RW, KEEP, KEEP, KEEP },
    { "xchg %rcx,(%rdx)", { 0x48, 0x87, 0x0a }, 3, 0, E0, 0, pte(11, PRW), 0,
      pte(11, PRW), KEEP, E0, KEEP },
    { "xchg %ecx,(%rdx) zero-extends", { 0x87, 0x0a }, 2, 0, E0 | NX, 0, 0xffffffff00000000UL, 0,
      NX, KEEP, E0, KEEP },
    { "xchg %cx,(%rdx) merges", { 0x66, 0x87, 0x0a }, 3, 0, E0, 0, 0x1111222233330000UL, 0,
      0, KEEP, 0x111122223333a005UL, KEEP },
    { "lock cmpxchg %rcx,(%rdx): equal", { 0xf0, 0x48, 0x0f, 0xb1, 0x0a }, 5, 0, E0, E0,
      pte(11, PRW), 0, pte(11, PRW), KEEP, KEEP, KEEP },
    { "lock cmpxchg %rcx,(%rdx): different", { 0xf0, 0x48, 0x0f, 0xb1, 0x0a }, 5, 0, E0, 0x1234,
      pte(11, PRW), 0, E0, E0, KEEP, KEEP },
    { "cmpxchg %ecx: different, eax zero-extended", { 0x0f, 0xb1, 0x0a }, 3, 0, E0 | NX,
      0xffffffff00001234UL, 0, 0, E0 | NX, E0, KEEP, KEEP },
    { "cmpxchg %cl: equal", { 0x0f, 0xb0, 0x0a }, 3, 0, E0, 0x77705, 0x07, 0, E0RW, KEEP,
      KEEP, KEEP },
    { "lock and %rcx,(%rdx)", { 0xf0, 0x48, 0x21, 0x0a }, 4, 0, E0RW, 0, ~RW, 0, E0, KEEP, KEEP,
      PF },
    { "lock or %rcx,(%rdx)", { 0xf0, 0x48, 0x09, 0x0a }, 4, 0, E0, 0, RW, 0, E0RW, KEEP, KEEP,
      0 },
    { "xor %rcx,(%rdx): result 0", { 0x48, 0x31, 0x0a }, 3, 0, E0, 0, E0, 0, 0, KEEP, KEEP,
      ZF | PF },
    { "xor to set NX: SF", { 0x48, 0x31, 0x0a }, 3, 0, E0, 0, NX, 0, E0 | NX, KEEP, KEEP, SF | PF },
    { "lock orb $2,(%rdx)", { 0xf0, 0x80, 0x0a, 0x02 }, 4, 0, E0, 0, 0, 0, E0RW, KEEP, KEEP, 0 },
    { "lock andb $0xfd,(%rdx)", { 0xf0, 0x80, 0x22, 0xfd }, 4, 0, E0RW, 0, 0, 0, E0, KEEP, KEEP,
      PF },
    { "andq $-3 (imm8 sign-extended) keeps NX", { 0x48, 0x83, 0x22, 0xfd }, 4, 0, E0RW | NX, 0, 0,
      0, E0 | NX, KEEP, KEEP, SF | PF },
    { "orq $imm32", { 0x48, 0x81, 0x0a, 0x02, 0, 0, 0 }, 7, 0, E0, 0, 0, 0, E0RW, KEEP, KEEP, 0 },
    { "xorw $imm16", { 0x66, 0x81, 0x32, 0x02, 0x00 }, 5, 0, E0, 0, 0, 0, E0RW, KEEP, KEEP, SF },
    { "lock bts %rcx,(%rdx)", { 0xf0, 0x48, 0x0f, 0xab, 0x0a }, 5, 0, E0, 0, 1, 0, E0RW, KEEP,
      KEEP, KEEP },
    { "lock btr %rcx,(%rdx)", { 0xf0, 0x48, 0x0f, 0xb3, 0x0a }, 5, 0, E0RW, 0, 1, 0, E0, KEEP,
      KEEP, KEEP },
    { "btc %rcx,(%rdx) bit 63", { 0x48, 0x0f, 0xbb, 0x0a }, 4, 0, E0, 0, 63, 0, E0 | NX, KEEP,
      KEEP, KEEP },
    { "lock btsq $1,(%rdx)", { 0xf0, 0x48, 0x0f, 0xba, 0x2a, 0x01 }, 6, 0, E0, 0, 0, 0, E0RW,
      KEEP, KEEP, KEEP },
    { "btrl $1,(%rdx)", { 0x0f, 0xba, 0x32, 0x01 }, 4, 0, E0RW, 0, 0, 0, E0, KEEP, KEEP, KEEP },
    { "btcl $31,4(%rdx)", { 0x0f, 0xba, 0x7a, 0x04, 0x1f }, 5, 4, E0, 0, 0, 0, E0 | NX, KEEP,
      KEEP, KEEP },
    { "SIB + disp32: mov %rcx,0x10(%rdx,%rax,1)", { 0x48, 0x89, 0x8c, 0x02, 0x10, 0, 0, 0 }, 8,
      0, E0, 0, E0RW, 0, E0RW, KEEP, KEEP, KEEP },
    /* refused: the caller bounces the #PF */
    { "movsq", { 0x48, 0xa5 }, 0, 0, E0, 0, 0, 0, E0, KEEP, KEEP, KEEP },
    { "add %rcx,(%rdx)", { 0x48, 0x01, 0x0a }, 0, 0, E0, 0, 2, 0, E0, KEEP, KEEP, KEEP },
    { "mov %rcx,%rdx (mod=3)", { 0x48, 0x89, 0xca }, 0, 0, E0, 0, 2, 0, E0, KEEP, KEEP, KEEP },
    { "bt $1,(%rdx) (no write)", { 0x0f, 0xba, 0x22, 0x01 }, 0, 0, E0, 0, 0, 0, E0, KEEP, KEEP,
      KEEP },
    { "mov $imm,(%rdx) with /1", { 0xc6, 0x0a, 0x07 }, 0, 0, E0, 0, 0, 0, E0, KEEP, KEEP, KEEP },
    { "adc $imm8 (0x83 /2)", { 0x48, 0x83, 0x12, 0x01 }, 0, 0, E0, 0, 0, 0, E0, KEEP, KEEP, KEEP },
    { "gs: mov %rcx,(%rdx)", { 0x65, 0x48, 0x89, 0x0a }, 0, 0, E0, 0, 0, 0, E0, KEEP, KEEP, KEEP },
    { "mov %rcx,4(%rdx): crosses the entry", { 0x48, 0x89, 0x4a, 0x04 }, 0, 4, E0, 0, 0, 0, E0,
      KEEP, KEEP, KEEP },
    { "bts %rcx with bit 64", { 0x48, 0x0f, 0xab, 0x0a }, 0, 0, E0, 0, 64, 0, E0, KEEP, KEEP,
      KEEP },
    { "mov of a foreign frame", { 0x48, 0x89, 0x0a }, 0, 0, E0, 0, pte(B_FIRST, PRO), 0, E0,
      KEEP, KEEP, KEEP },
    { "mov of a RW map of a page table", { 0x48, 0x89, 0x0a }, 0, 0, E0, 0, pte(5, PRW), 0, E0,
      KEEP, KEEP, KEEP },
    { "or of PSE into an L1 entry is PAT: accepted", { 0x48, 0x09, 0x0a }, 3, 0, E0, 0, 0x80, 0,
      E0 | 0x80, KEEP, KEEP, 0 },
};

static void setup_space(struct vcpu *v, uint64_t init)
{
    build_tables(2, 3, 4, 5);
    tab(4)[1] = pte(PT, PRW);                 /* frame 6 is an L1 */
    tab(5)[0] = pte(PT, PRO);                 /* ...mapped read-only at va 0 */
    tab(PT)[1] = init;
    tab(PT)[2] = pte(10, PRO);
    assert_int_equal(pv_new_guest_cr3(v, _mfn(2)), 0);
    assert_int_equal(pg(PT)->type, PGT_l1);
}

static void teardown_space(struct vcpu *v)
{
    put_page_and_type(v->guest_table, da);
    v->guest_table = INVALID_MFN;
    check_baseline();
}

static void run_row(const struct row *r)
{
    struct vcpu *v = &fa.v[0];
    struct guest_regs regs = { 0 };
    uint8_t code[32];
    /* ZF clear before a cmpxchg that must set it, all flags set otherwise */
    const uint64_t rflags0 = strstr(r->what, ": equal") ? 0x202 : 0x202 | FL;
    bool ok;

    memset(code, 0x90, sizeof(code));
    memcpy(code, r->code, sizeof(r->code));
    setup_space(v, r->init);
    regs.rip = (uint64_t)code;
    regs.error_code = 3;                      /* write, protection */
    regs.rax = r->rax;
    regs.rcx = r->rcx;
    regs.r8 = r->r8;
    regs.rdx = 8;
    regs.rsp = 0x5555;
    regs.rflags = rflags0;
    ok = pv_ptwr_emulate(v, &regs, 8 + r->off);
    if (ok != (r->len != 0))
        fail_msg("%s: handled %d", r->what, ok);
    if (tab(PT)[1] != r->entry)
        fail_msg("%s: entry %lx, expected %lx", r->what, tab(PT)[1], r->entry);
    assert_int_equal(tab(PT)[2], pte(10, PRO));
    assert_int_equal(regs.rip, (uint64_t)code + r->len);
    assert_int_equal(regs.rax, r->exp_rax == KEEP ? r->rax : r->exp_rax);
    assert_int_equal(regs.rcx, r->exp_rcx == KEEP ? r->rcx : r->exp_rcx);
    assert_int_equal(regs.rdx, 8);
    assert_int_equal(regs.rsp, 0x5555);
    if (!r->len)
        assert_int_equal(regs.rflags, rflags0);
    else if (r->flags != KEEP)
        assert_int_equal(regs.rflags, (rflags0 & ~FL) | r->flags);
    else if (strstr(r->what, "cmpxchg"))
        assert_int_equal(regs.rflags & ZF, r->entry != r->init ? ZF : 0);
    else if (strstr(r->what, "bt"))
        assert_int_equal(regs.rflags & CF,
                         (r->init ^ r->entry) & r->init ? CF : 0);
    else
        assert_int_equal(regs.rflags, rflags0);
    check_consistency();
    teardown_space(v);
}

static void test_table(void **state)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(rows); i++) {
        print_message("  %s\n", rows[i].what);
        world_setup(state);
        run_row(&rows[i]);
        world_teardown(state);
    }
}

/* Faults that are not ptwr cases are left to the guest. */
static void test_not_ptwr(void **state)
{
    struct vcpu *v = &fa.v[0];
    struct guest_regs regs = { 0 };
    uint8_t code[16] = { 0x48, 0x89, 0x0a, 0x90, 0x90, 0x90, 0x90, 0x90,
                         0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };

    (void)state;
    tab(5)[1] = pte(13, PRO);                 /* va 0x1000: an ordinary read-only page */
    tab(5)[2] = pte(14, PRW);                 /* va 0x2000: writable */
    setup_space(v, E0);
    regs.rip = (uint64_t)code;
    regs.rcx = 0x1234;
    regs.error_code = 3;
    assert_false(pv_ptwr_emulate(v, &regs, 0x1008));
    assert_false(pv_ptwr_emulate(v, &regs, 0x2008));
    assert_false(pv_ptwr_emulate(v, &regs, 0x3008));            /* not present */
    assert_false(pv_ptwr_emulate(v, &regs, 0x400008));          /* no L1 */
    assert_false(pv_ptwr_emulate(v, &regs, 0xffff830000000008UL));
    regs.error_code = 1;                                         /* a read fault */
    assert_false(pv_ptwr_emulate(v, &regs, 8));
    regs.error_code = 2;                                         /* not-present fault */
    assert_false(pv_ptwr_emulate(v, &regs, 8));
    regs.error_code = 3;
    v->kernel_mode = false;                                      /* guest user mode */
    assert_false(pv_ptwr_emulate(v, &regs, 8));
    v->kernel_mode = true;
    regs.rip = 0x100;                                            /* unreadable code */
    assert_false(pv_ptwr_emulate(v, &regs, 8));
    assert_int_equal(tab(PT)[1], E0);
    /* the code at the very end of readable memory: fewer than 15 bytes */
    fake_guest_hole_start = (uintptr_t)&code[16];
    fake_guest_hole_end = fake_guest_hole_start + 4096;
    regs.rip = (uint64_t)&code[13];
    code[13] = 0x89;
    code[14] = 0x0a;
    code[15] = 0x90;
    regs.rcx = pte(11, PRO);
    assert_true(pv_ptwr_emulate(v, &regs, 8));
    fake_guest_hole_start = fake_guest_hole_end = 0;
    assert_int_equal(tab(PT)[1], pte(11, PRO));
    assert_int_equal(regs.rip, (uint64_t)&code[15]);
    teardown_space(v);
}

/*
 * Regression (a fixed bug): byte-register operands 4-7 without a REX
 * prefix are AH, CH, DH, BH.  decode()/reg_ptr() once took them as
 * SPL/BPL/SIL/DIL (the low byte of rsp/rbp/rsi/rdi): `mov %ah,(%rdx)` with
 * ah = 0x07 must write 0x07, and wrote the low byte of rsp.
 */
static void test_high_byte_regs(void **state)
{
    static const struct row r = { "mov %ah,(%rdx)", { 0x88, 0x22 }, 2, 0, E0, 0x0700, 0, 0, E0RW,
                                  KEEP, KEEP, KEEP };

    (void)state;

    run_row(&r);
}

/*
 * Regression (a fixed bug): bt[src] with a register bit offset outside
 * the operand is refused (not a ptwr case).  The emulator once used
 * (unsigned int)src: an offset of 2^32 + 1 addresses memory 512 MiB away
 * on the CPU, but it changed bit 1 of this entry.
 */
static void test_bt_offset_outside_operand(void **state)
{
    static const struct row r = { "bts %rcx=2^32+1,(%rdx)", { 0x48, 0x0f, 0xab, 0x0a }, 0, 0, E0,
                                  0, (1UL << 32) + 1, 0, E0, KEEP, KEEP, KEEP };

    (void)state;

    run_row(&r);
}

/*
 * A store by the hardware domain's kernel to a read-only MMIO frame (an
 * ECAM window, an MSI-X table: keel/iomem.h's read-only set), Xen's
 * mmio_ro_do_page_fault: a plain mov of 1, 2, 4 or 8 bytes is handed to
 * mmio_ro_write with the machine address and value, and skipped if that
 * says done; anything else is the guest's fault.  va 0x1000 maps the
 * I/O frame F_IO read-only.
 */
static void mmio_case(struct vcpu *v, const uint8_t *insn, unsigned int len, uint64_t addr,
                      bool handled)
{
    struct guest_regs regs = { 0 };
    uint8_t code[16];

    memset(code, 0x90, sizeof(code));
    memcpy(code, insn, len);
    regs.rip = (uint64_t)code;
    regs.error_code = 3;
    regs.rcx = 0x1122334455667788UL;
    regs.rdx = addr;
    ro_write.calls = 0;
    assert_int_equal(pv_mmio_ro_emulate(v, &regs, addr), handled);
    assert_int_equal(regs.rip, (uint64_t)code + (handled ? len : 0));
    assert_int_equal(regs.rcx, 0x1122334455667788UL);
}

static void test_mmio_ro(void **state)
{
    static const uint8_t movl[] = { 0x89, 0x0a }, movw_imm[] = { 0x66, 0xc7, 0x02, 0x34, 0x12 },
                         movb_ch[] = { 0x88, 0x2a }, movq[] = { 0x48, 0x89, 0x0a },
                         xchg[] = { 0x87, 0x0a }, orl[] = { 0x09, 0x0a };
    struct vcpu *v = &fa.v[0];
    const uint64_t ma = (uint64_t)F_IO << PAGE_SHIFT;

    (void)state;
    da->is_privileged = true;                 /* the hardware domain may map I/O frames */
    tab(5)[1] = pte(F_IO, PRO);               /* va 0x1000: the read-only I/O frame */
    tab(5)[2] = pte(13, PRO);                 /* va 0x2000: an ordinary read-only page */
    setup_space(v, E0);
    iomem_reset();
    assert_int_equal(iomem_ro_add(F_IO, F_IO), 0);
    mmio_case(v, movl, sizeof(movl), 0x1044, true);
    assert_int_equal(ro_write.calls, 1);
    assert_int_equal(ro_write.maddr, ma | 0x44);
    assert_int_equal(ro_write.size, 4);
    assert_int_equal(ro_write.val, 0x55667788);
    mmio_case(v, movw_imm, sizeof(movw_imm), 0x1052, true);
    assert_int_equal(ro_write.maddr, ma | 0x52);
    assert_int_equal(ro_write.size, 2);
    assert_int_equal(ro_write.val, 0x1234);
    mmio_case(v, movb_ch, sizeof(movb_ch), 0x1053, true);
    assert_int_equal(ro_write.size, 1);
    assert_int_equal(ro_write.val, 0x77);     /* %ch */
    mmio_case(v, movq, sizeof(movq), 0x1008, true);
    assert_int_equal(ro_write.size, 8);
    assert_int_equal(ro_write.val, 0x1122334455667788UL);
    /* mmio_ro_write refuses it (misaligned, too wide): the guest's #PF. */
    ro_write.rc = -XEN_EINVAL;
    mmio_case(v, movl, sizeof(movl), 0x1042, false);
    assert_int_equal(ro_write.calls, 1);
    ro_write.rc = 0;
    /* Not plain stores: Xen's emulator has no read hook for these. */
    mmio_case(v, xchg, sizeof(xchg), 0x1044, false);
    mmio_case(v, orl, sizeof(orl), 0x1044, false);
    assert_int_equal(ro_write.calls, 0);
    /* An ordinary read-only page, a domU, guest user mode, a read fault. */
    mmio_case(v, movl, sizeof(movl), 0x2044, false);
    da->is_privileged = false;
    mmio_case(v, movl, sizeof(movl), 0x1044, false);
    da->is_privileged = true;
    v->kernel_mode = false;
    mmio_case(v, movl, sizeof(movl), 0x1044, false);
    v->kernel_mode = true;
    assert_int_equal(ro_write.calls, 0);
    /* The frame left the read-only set (an MSI-X table given back). */
    iomem_reset();
    mmio_case(v, movl, sizeof(movl), 0x1044, false);
    assert_int_equal(ro_write.calls, 0);
    teardown_space(v);
    da->is_privileged = false;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test_setup_teardown(test_not_ptwr, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_high_byte_regs, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_bt_offset_outside_operand, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_mmio_ro, world_setup, world_teardown),
    };
    return cmocka_run_group_tests_name("ptwr", tests, NULL, NULL);
}
