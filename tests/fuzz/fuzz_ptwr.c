/*
 * libFuzzer harness: the writable-pagetable emulator (ptwr.c: its
 * instruction decoder and the update it makes) on the host.  World:
 * pvmm_world.h; the faulting access goes to L1 table 5, which L1 4 entry
 * 8 maps read-only at va 0x8000.  Input:
 *   entry index (1 byte), byte offset in the entry (1), error code (1),
 *   the entry's initial value (frame 1 byte, flags 2), 15 instruction
 *   bytes, rax rcx rdx rbx rsp rbp rsi rdi r8..r15 (8 bytes each),
 *   rflags (2 bytes).
 * Invariants, besides world_check(): a refused write changes nothing
 * (table, registers, frame table); an emulated one advances rip by 1..15,
 * changes no other entry of the table, only the arithmetic flags of
 * rflags, and at most two general registers (rax and one operand).
 */
#include "pvmm_world.h"

bool pv_ptwr_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr);

#define TARGET 5
#define TARGET_VA 0x8000UL
#define FLAGS_ARITH 0x8d5UL

static uint8_t insn[32];
static uint64_t before[512];
static struct page_info ft_before[FAKE_NR_FRAMES];

static uint64_t *gpr(struct guest_regs *r, unsigned int i)
{
    uint64_t *map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi,
                          &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
                          &r->r14, &r->r15 };
    return map[i];
}

static void check_result(bool ok, const struct guest_regs *r0, struct guest_regs *r,
                         unsigned int idx)
{
    const uint64_t *t = fake_frame(_mfn(TARGET));
    unsigned int i, changed = 0;

    if (!ok) {
        if (memcmp(r0, r, sizeof(*r)) || memcmp(before, t, sizeof(before)) ||
            memcmp(ft_before, fake_frame_table, sizeof(ft_before)))
            w_fail("a refused ptwr write changed state", TARGET, idx, 0);
        return;
    }
    if (r->rip <= r0->rip || r->rip > r0->rip + 15)
        w_fail("ptwr advanced rip outside the instruction", TARGET, idx, r->rip - r0->rip);
    for (i = 0; i < 512; i++)
        if (i != idx && t[i] != before[i])
            w_fail("ptwr changed another entry", TARGET, i, t[i]);
    if ((r->rflags ^ r0->rflags) & ~FLAGS_ARITH)
        w_fail("ptwr changed non-arithmetic flags", TARGET, idx, r->rflags);
    for (i = 1; i < 16; i++)
        if (*gpr(r, i) != *gpr((struct guest_regs *)r0, i))
            changed++;
    if (changed > 1)
        w_fail("ptwr changed more than one operand register", TARGET, idx, changed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct w_in in = { data, size };
    struct guest_regs regs, regs0;
    unsigned int idx, off, i;
    struct mmu_update u;
    uint64_t addr;
    bool ok;

    if (size < 6 + 15)
        return 0;
    fake_panic_jmp = &w_panic_jmp;
    if (setjmp(w_panic_jmp)) {
        fprintf(stderr, "ptwr: BUG_ON/panic in the hypervisor code\n");
        abort();
    }
    world_init(false);
    idx = (unsigned int)w_get(&in, 1) % 16;
    off = (unsigned int)w_get(&in, 1) & 7;
    memset(&regs, 0, sizeof(regs));
    regs.error_code = w_get(&in, 1) & 0x1f;
    if (regs.error_code == 0)
        regs.error_code = 3;            /* the common case: a write, protection */
    u.ptr = wpte(TARGET, 0) + idx * 8;
    u.val = wpte(w_get(&in, 1) % FAKE_NR_FRAMES, w_get(&in, 2) & 0xfff);
    (void)do_mmu_update((uint64_t)&u, 1, 0, DOMID_SELF);   /* refused: stays 0 */
    memset(insn, 0x90, sizeof(insn));
    memcpy(insn, in.p, 15);
    in.p += 15;
    in.n -= 15;
    regs.rip = (uint64_t)insn;
    for (i = 0; i < 16; i++)
        *gpr(&regs, i) = w_get(&in, 8);
    regs.rflags = (w_get(&in, 2) & 0xfd7) | 0x202;
    fake_guest_hole_start = (uintptr_t)&insn[32];
    fake_guest_hole_end = fake_guest_hole_start + (1UL << 30);   /* not the host stack */
    world_check();
    memcpy(before, fake_frame(_mfn(TARGET)), sizeof(before));
    memcpy(ft_before, fake_frame_table, sizeof(ft_before));
    regs0 = regs;
    addr = TARGET_VA + idx * 8 + off;
    ok = pv_ptwr_emulate(&w_fa.v[0], &regs, addr);
    if (getenv("PVMM_TRACE"))
        fprintf(stderr, "ptwr: %s, entry %#lx -> %#lx, rip +%lu\n", ok ? "emulated" : "refused",
                (unsigned long)before[idx], (unsigned long)fake_frame(_mfn(TARGET))[idx],
                (unsigned long)(regs.rip - regs0.rip));
    check_result(ok, &regs0, &regs, idx);
    world_check();
    world_fini();
    fake_panic_jmp = NULL;
    return 0;
}
