/*
 * libFuzzer harness: the PV MMU hypercalls (arch/x86_64/pv_mm.c and the
 * ptwr path of ptwr.c) on the host, against arch/fake.  The input is a
 * sequence of steps run by domain A of pvmm_world.h:
 *
 *   byte 0      bit 0: A is privileged (may map B's frames and I/O memory)
 *   then steps: kind byte, then its arguments
 *     0 mmu_update: count, foreigndom, pointer choices, entries (ptr, val)
 *     1 mmuext_op: count, foreigndom, pointer choices, ops (cmd, arg1, arg2)
 *     2 update_va_mapping: va, val, flags
 *     3 update_va_mapping_otherdomain: va, val, flags, domid
 *     4 a ptwr write fault: va, error code, 15 instruction bytes, registers
 *     5 switch guest kernel/user mode
 *     6 switch to the other vCPU of A
 *     7 mmu_update with raw 64-bit ptr/val
 *     8 the hypervisor at work on the frames it shares or uses: the real
 *       console backend drains A's ring, and an event sets a pending bit
 *       in A's shared_info as evtchn_set_pending() does (port)
 *     9 memory_op decrease/increase_reservation (real reservation.c):
 *       op, count, frames
 *    10 grant_table_op (real grant_table.c), one byte b: b < 0xc0
 *       setup_table for b % 6 frames, so A gets more hypervisor frames
 *       shared with it; 0xc0-0xdf set_version(1 + (b & 1)), which makes
 *       or frees v2 status frames (also shared with A; going back to v1
 *       while A maps one must fail, XSA-255/379); 0xe0-0xff
 *       get_status_frames for b % 3 frames
 *    11 preemption on (byte bit 0: the lock-hold time is always up, so
 *       page-table work stops every PT_PREEMPT_MIN entries) or off (bit 1 clear)
 *    12 re-issue the last continuation of mmu_update/mmuext_op, as the
 *       guest does (and one not re-issued is abandoned), so partially
 *       validated tables meet every other step
 *    13 event channels (real event_channel.c and event_fifo.c, 2048
 *       ports): FIFO init_control (frame, offset, vCPU), expand_array,
 *       bind_ipi, send, close, unmask, set_priority, bind_vcpu, reset, or
 *       A scribbling on a frame its FIFO state holds (word, value)
 * At the end, A's vCPUs and memory are torn down with whatever is half
 * done, and no partial state may survive.
 *
 * Guest pointers are host pointers into one buffer (the "guest memory");
 * the 64 GiB after it are a hole that faults, so counts beyond the buffer
 * are safe; a pointer choice can also be NULL, a faulting page, a
 * non-canonical address or one in the hypervisor's area.
 * After every step pvmm_world.h's world_check() runs; a single-entry
 * call that fails must also leave the frame table exactly as it was.
 * PVMM_TRACE=1 in the environment prints each step's result.
 */
#include "pvmm_world.h"
#include <keel/reservation.h>
#include <public/memory.h>
#include <public/grant_table.h>
#include <public/event_channel.h>
#include <keel/event.h>

bool pv_ptwr_emulate(struct vcpu *v, struct guest_regs *regs, uint64_t addr);

#define MAX_BATCH 8
#define MAX_STEPS 48
/* The hole after the guest buffer: more than any batch can reach
 * (2^31 entries of 24 bytes), well short of the host stack, where the
 * hypervisor code's own buffers are (the fake checks both sides). */
#define GUEST_HOLE (64UL << 30)

static struct {
    struct mmu_update reqs[MAX_BATCH];
    struct mmuext_op ops[MAX_BATCH];
    uint64_t vcpumask;
    uint32_t done;
    uint8_t insn[32];
    struct xen_memory_reservation res;
    uint64_t extents[4];
    struct gnttab_setup_table st;
    struct gnttab_set_version sv;
    struct gnttab_get_status_frames gs;
    xen_pfn_t gframes[GNTTAB_MAX_FRAMES];
} __attribute__((aligned(64))) gmem;

static struct page_info snapshot[FAKE_NR_FRAMES];

/* The frame tables are equal but for the TLB-staleness marks and their
 * stamps: a refused call may have taken and dropped a type, which only
 * asks for a flush before the frame's next type change (pv_mm.c,
 * flush_stale; keel/tlbflush.h). */
static bool frame_table_same(const struct page_info *a, const struct page_info *b)
{
    const uint32_t stale = PGC_stale_writable | PGC_stale_table;
    unsigned int i;

    for (i = 0; i < FAKE_NR_FRAMES; i++) {
        struct page_info x = a[i], y = b[i];
        x.flags &= ~stale;
        y.flags &= ~stale;
        x.tlbflush_timestamp = y.tlbflush_timestamp = 0;
        if (memcmp(&x, &y, sizeof(x)))
            return false;
    }
    return true;
}

static uint64_t guest_ptr(struct w_in *in, uint64_t good)
{
    switch (w_get(in, 1) % 10) {
    case 0: return 0;
    case 1: return 0x1000;                          /* unmapped */
    case 2: return 0x0000800000000000UL;            /* non-canonical */
    case 3: return 0xffff830000000000UL;            /* hypervisor */
    case 4: return (uint64_t)(&gmem + 1) - 4;       /* runs into the hole */
    default: return good;
    }
}

static uint64_t foreign_dom(struct w_in *in)
{
    switch (w_get(in, 1) % 8) {
    case 0: return W_DOM_A;
    case 1: return W_DOM_B;
    case 2: return DOMID_IO;
    case 3: return 3;                               /* no such domain */
    case 4: return w_get(in, 8);
    default: return DOMID_SELF;
    }
}

static uint64_t batch_count(struct w_in *in)
{
    uint8_t b = (uint8_t)w_get(in, 1);

    if (b == 0xff)
        return w_get(in, 8);                        /* anything, even huge */
    if (b == 0xfe)
        return HYPERCALL_PREEMPTED | (w_get(in, 1) % (MAX_BATCH + 1));
    return b % (MAX_BATCH + 1);
}

/* ptr of an mmu_update: a machine address of an entry, with a command. */
static uint64_t mmu_ptr(struct w_in *in)
{
    uint64_t mfn = w_frame(in), idx = w_get(in, 2) & 0x1ff, cmd = w_get(in, 1);

    return (mfn << 12) | (idx << 3) | ((cmd & 0x80) ? (cmd & 7) : (cmd % 3 == 1 ? 2 : 0));
}

static long step_mmu_update(struct w_in *in, bool raw, uint64_t *count)
{
    uint64_t n = batch_count(in), dom = foreign_dom(in), i;
    uint64_t list = guest_ptr(in, (uint64_t)gmem.reqs), pdone = guest_ptr(in, (uint64_t)&gmem.done);

    for (i = 0; i < MAX_BATCH; i++) {
        gmem.reqs[i].ptr = raw ? w_get(in, 8) : mmu_ptr(in);
        gmem.reqs[i].val = raw ? w_get(in, 8) : w_entry(in);
        if (i + 1 >= (n & 0xffff))
            break;
    }
    gmem.done = (uint32_t)w_get(in, 1);
    *count = n;
    return do_mmu_update(list, n, pdone, dom);
}

static long step_mmuext(struct w_in *in, uint64_t *count)
{
    uint64_t n = batch_count(in), dom = foreign_dom(in), i;
    uint64_t list = guest_ptr(in, (uint64_t)gmem.ops), pdone = guest_ptr(in, (uint64_t)&gmem.done);

    for (i = 0; i < MAX_BATCH; i++) {
        uint8_t c = (uint8_t)w_get(in, 1);
        struct mmuext_op *op = &gmem.ops[i];

        memset(op, 0, sizeof(*op));
        op->cmd = c < 0xf0 ? c % 21 : (uint32_t)w_get(in, 4);
        if (op->cmd == MMUEXT_INVLPG_LOCAL || op->cmd == MMUEXT_INVLPG_ALL ||
            op->cmd == MMUEXT_INVLPG_MULTI || op->cmd == MMUEXT_SET_LDT)
            op->arg1.linear_addr = w_va(in);
        else
            op->arg1.mfn = w_frame(in);
        if (op->cmd == MMUEXT_TLB_FLUSH_MULTI || op->cmd == MMUEXT_INVLPG_MULTI)
            op->arg2.vcpumask = guest_ptr(in, (uint64_t)&gmem.vcpumask);
        else
            op->arg2.nr_ents = (unsigned int)w_get(in, 2);
        if (i + 1 >= (n & 0xffff))
            break;
    }
    *count = n;
    return do_mmuext_op(list, n, pdone, dom);
}

/* *strict: a refusal must leave everything unchanged.  Not so with a
 * flush bitmap pointer: as in Xen, the entry is updated first and a bad
 * bitmap is reported afterwards (-EFAULT). */
static long step_uvm(struct w_in *in, bool other, bool *strict)
{
    uint64_t va = w_va(in), val = w_entry(in), fl = w_get(in, 1);
    uint64_t flags = (fl & 7) | ((fl & 8) ? guest_ptr(in, (uint64_t)&gmem.vcpumask) & ~7UL : 0);

    *strict = !(flags & ~7UL);

    if (other)
        return do_update_va_mapping_otherdomain(va, val, flags, foreign_dom(in));
    return do_update_va_mapping(va, val, flags);
}

/* The last continuation asked for, and of which hypercall (0: none). */
static unsigned int last_cont_kind;
static uint64_t last_cont[4];

static void note_continuation(unsigned int kind, unsigned int before)
{
    if (fake_continuations != before) {
        last_cont_kind = kind;
        memcpy(last_cont, fake_cont_args, sizeof(last_cont));
    }
}

/* A table half (de)validated, or a vCPU's undo slot in use. */
static bool anything_half_done(void)
{
    unsigned int m, i;

    for (m = 0; m < FAKE_NR_FRAMES; m++)
        if (fake_frame_table[m].flags & PGC_partial)
            return true;
    for (i = 0; i < w_fa.d.max_vcpus; i++)
        if (w_fa.v[i].pt_undo)
            return true;
    return false;
}

static long step_preempt_mode(struct w_in *in)
{
    uint8_t b = (uint8_t)w_get(in, 1);

    fake_may_preempt = b & 2;
    fake_preempt_due = b & 1;
    return 0;
}

static long step_reissue(void)
{
    unsigned int kind = last_cont_kind, before = fake_continuations;
    long rc;

    if (!kind)
        return 0;
    last_cont_kind = 0;
    if (kind == 1)
        rc = do_mmuext_op(last_cont[0], last_cont[1], last_cont[2], last_cont[3]);
    else
        rc = do_mmu_update(last_cont[0], last_cont[1], last_cont[2], last_cont[3]);
    note_continuation(kind, before);
    return rc;
}

/* A dies with whatever is half done: nothing partial may survive.  A
 * privileged A may have left a pin of B's table half done (foreign pins
 * are preemptible too): B is torn down after it, and must leave nothing
 * partial either. */
static void teardown_check(void)
{
    unsigned int m, i;

    mm_lock_acquire();
    for (i = 0; i < w_fa.d.max_vcpus; i++)
        pv_vcpu_release_tables(&w_fa.v[i]);
    mm_lock_release();
    world_check();
    pv_relinquish_memory(&w_fa.d);
    if (w_privileged)
        pv_relinquish_memory(&w_fb.d);
    for (m = 0; m < FAKE_NR_FRAMES; m++)
        if (fake_frame_table[m].flags & (PGC_partial | PGC_partial_held | PGC_partial_entry))
            w_fail("a partial table survived the domain's teardown", m, 0,
                   fake_frame_table[m].flags);
}

static long step_ptwr(struct w_in *in)
{
    struct guest_regs regs;
    uint64_t va = w_va(in), rip0;
    bool ok;

    memset(&regs, 0, sizeof(regs));
    regs.error_code = (w_get(in, 1) & 1) ? w_get(in, 1) & 0x1f : 3;
    memset(gmem.insn, 0x90, sizeof(gmem.insn));
    memcpy(gmem.insn, in->p, in->n < 15 ? in->n : 15);
    in->p += in->n < 15 ? in->n : 15;
    in->n -= in->n < 15 ? in->n : 15;
    regs.rip = rip0 = (uint64_t)gmem.insn;
    regs.rax = w_entry(in);
    regs.rcx = w_entry(in);
    regs.rdx = w_get(in, 8);
    regs.rbx = w_get(in, 8);
    regs.rsp = w_entry(in);
    regs.r8 = w_entry(in);
    regs.rflags = 0x202;
    ok = pv_ptwr_emulate(current, &regs, va);
    if (ok && (regs.rip <= rip0 || regs.rip > rip0 + 15))
        w_fail("ptwr advanced rip outside the instruction", 0, 0, regs.rip - rip0);
    if (!ok && regs.rip != rip0)
        w_fail("refused ptwr moved rip", 0, 0, regs.rip - rip0);
    return ok ? 0 : -1;
}

/* What the hypervisor writes on its own: the console backend's drain of
 * A's ring (real code) and an event's pending bit in A's shared_info (as
 * evtchn_set_pending: ports 0-4095, a bit in evtchn_pending). */
static long step_hypervisor(struct w_in *in)
{
    unsigned int port = (unsigned int)w_get(in, 2) % 4096;

    cons_backend_poll();
    __atomic_fetch_or(&w_fa.d.shared_info->evtchn_pending[port / 64], 1UL << (port % 64),
                      __ATOMIC_SEQ_CST);
    return 0;
}

static long step_reservation(struct w_in *in)
{
    unsigned int op = (w_get(in, 1) & 1) ? XENMEM_increase_reservation
                                         : XENMEM_decrease_reservation;
    unsigned int i, n = (unsigned int)w_get(in, 1) % (ARRAY_SIZE(gmem.extents) + 1);

    for (i = 0; i < ARRAY_SIZE(gmem.extents); i++)
        gmem.extents[i] = w_frame(in);
    gmem.res = (struct xen_memory_reservation){ .nr_extents = n, .domid = DOMID_SELF };
    set_xen_guest_handle(gmem.res.extent_start, gmem.extents);
    return memory_reservation_op(op, 0, (uint64_t)&gmem.res);
}

static long step_grant(struct w_in *in)
{
    uint8_t b = (uint8_t)w_get(in, 1);

    if (b >= 0xe0) {
        gmem.gs = (struct gnttab_get_status_frames){ .dom = DOMID_SELF, .nr_frames = b % 3u };
        set_xen_guest_handle(gmem.gs.frame_list, gmem.gframes);
        return do_grant_table_op(GNTTABOP_get_status_frames, (uint64_t)&gmem.gs, 1);
    }
    if (b >= 0xc0) {
        gmem.sv = (struct gnttab_set_version){ .version = 1u + (b & 1u) };
        return do_grant_table_op(GNTTABOP_set_version, (uint64_t)&gmem.sv, 1);
    }
    gmem.st = (struct gnttab_setup_table){ .dom = DOMID_SELF, .nr_frames = b % 6u };
    set_xen_guest_handle(gmem.st.frame_list, gmem.gframes);
    return do_grant_table_op(GNTTABOP_setup_table, (uint64_t)&gmem.st, 1);
}

static long evtchn1(unsigned int cmd, void *arg)
{
    return do_event_channel_op(cmd, (uint64_t)arg);
}

static long step_evtchn(struct w_in *in, bool *single)
{
    evtchn_port_t port = (evtchn_port_t)(w_get(in, 2) % 2100);
    unsigned int sub = (unsigned int)w_get(in, 1) % 11;

    *single = sub <= 1;
    switch (sub) {
    case 0: {
        struct evtchn_init_control ic = { .control_gfn = w_frame(in),
                                          .offset = (uint32_t)w_get(in, 2) * 8 % 4200,
                                          .vcpu = (uint32_t)w_get(in, 1) % 3 };
        return evtchn1(EVTCHNOP_init_control, &ic);
    }
    case 1: {
        struct evtchn_expand_array ea = { .array_gfn = w_frame(in) };
        return evtchn1(EVTCHNOP_expand_array, &ea);
    }
    case 2: {
        struct evtchn_bind_ipi ip = { .vcpu = (uint32_t)w_get(in, 1) % 3 };
        return evtchn1(EVTCHNOP_bind_ipi, &ip);
    }
    case 3: {
        struct evtchn_send sd = { .port = port };
        return evtchn1(EVTCHNOP_send, &sd);
    }
    case 4: {
        struct evtchn_close cl = { .port = port };
        return evtchn1(EVTCHNOP_close, &cl);
    }
    case 5: {
        struct evtchn_unmask um = { .port = port };
        return evtchn1(EVTCHNOP_unmask, &um);
    }
    case 6: {
        struct evtchn_set_priority sp = { .port = port, .priority = (uint32_t)w_get(in, 1) % 18 };
        return evtchn1(EVTCHNOP_set_priority, &sp);
    }
    case 7: {
        struct evtchn_bind_vcpu bc = { .port = port, .vcpu = (uint32_t)w_get(in, 1) % 3 };
        return evtchn1(EVTCHNOP_bind_vcpu, &bc);
    }
    case 8: {
        struct evtchn_reset rs = { .dom = DOMID_SELF };
        return evtchn1(EVTCHNOP_reset, &rs);
    }
    default: {
        /* the guest writes a word of a frame its FIFO state holds */
        mfn_t held[64];
        unsigned int n = evtchn_fifo_frames(&w_fa.d, held, 64);
        uint32_t *w;
        if (!n)
            return 0;
        w = (uint32_t *)fake_frame(held[w_get(in, 1) % n]) + w_get(in, 2) % 1024;
        *w = (uint32_t)w_get(in, 4);
        return 0;
    }
    }
}

static void panic_to_abort(void)
{
    fprintf(stderr, "pvmm: BUG_ON/panic in the hypervisor code\n");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct w_in in = { data, size };
    unsigned int steps;
    static int trace = -1;

    if (trace < 0)
        trace = getenv("PVMM_TRACE") != NULL;

    fake_panic_jmp = &w_panic_jmp;
    if (setjmp(w_panic_jmp))
        panic_to_abort();
    world_init(w_get(&in, 1) & 1);
    fake_guest_hole_start = (uintptr_t)(&gmem + 1);
    fake_guest_hole_end = fake_guest_hole_start + GUEST_HOLE;
    world_check();
    fake_may_preempt = fake_preempt_due = false;
    last_cont_kind = 0;
    for (steps = 0; in.n && steps < MAX_STEPS; steps++) {
        uint8_t kind = (uint8_t)w_get(&in, 1) % 14;
        uint64_t count = 0;
        long rc = 0;
        bool single = false;
        unsigned int before = fake_continuations;
        bool half_done;

        memcpy(snapshot, fake_frame_table, sizeof(snapshot));
        half_done = anything_half_done();
        switch (kind) {
        case 0:
        case 7:
            rc = step_mmu_update(&in, kind == 7, &count);
            single = (count & ~HYPERCALL_PREEMPTED) == 1;
            note_continuation(2, before);
            break;
        case 1:
            rc = step_mmuext(&in, &count);
            single = (count & ~HYPERCALL_PREEMPTED) == 1;
            note_continuation(1, before);
            break;
        case 2:
        case 3:
            rc = step_uvm(&in, kind == 3, &single);
            break;
        case 4:
            rc = step_ptwr(&in);
            single = true;
            break;
        case 5:
            current->kernel_mode = !current->kernel_mode;
            break;
        case 6:
            fake_cpu_info.curr = current == &w_fa.v[0] ? &w_fa.v[1] : &w_fa.v[0];
            break;
        case 8:
            rc = step_hypervisor(&in);
            break;
        case 9:
            rc = step_reservation(&in);
            break;
        case 10:
            rc = step_grant(&in);
            break;
        case 11:
            rc = step_preempt_mode(&in);
            break;
        case 12:
            rc = step_reissue();
            break;
        case 13:
            rc = step_evtchn(&in, &single);
            break;
        }
        if (trace)
            fprintf(stderr, "step %u: kind %u rc %ld\n", steps, kind, rc);
        world_check();
        /* A refused call may also have finished undoing an earlier one
         * (pv_mm.c: its error is reported then), or adopted a half-done
         * validation and failed it: with preemption on, or with
         * anything half done before it (preemption turned off since;
         * found by fuzzing once foreign pins became preemptible, seed
         * found-undo-then-preemption-off). */
        if (single && rc && !fake_may_preempt && !half_done &&
            !frame_table_same(snapshot, fake_frame_table))
            w_fail("a refused single update changed the frame table", 0, kind, (uint64_t)rc);
    }
    teardown_check();
    world_fini();
    fake_may_preempt = fake_preempt_due = false;
    fake_panic_jmp = NULL;
    return 0;
}
