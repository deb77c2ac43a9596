/*
 * Multicall continuations (common/hypercall.c, Xen's common/multicall.c):
 * a batch inside a multicall preempts as it does outside one.  The
 * guest's `syscall` is driven through do_syscall() as the entry code
 * would, re-issued while the hypervisor asks for it (rip moved back over
 * the syscall), and the work done per entry into the hypervisor is
 * bounded.  The batch is a real mmu_update (pv_mm.c) of plain writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/hypercall.h>

void do_syscall(struct guest_regs *regs);

#define NR_REQS 1000u                       /* words written, into frames 5 and 6 */
#define SYSCALL_RIP 0x1000u

static struct fake_domain fa;
static struct mmu_update reqs[NR_REQS];

static int setup(void **state)
{
    (void)state;
    fake_mm_reset();
    fake_domains_reset();
    fake_cpu_reset();
    fake_domain_init(&fa, 1, 1, false);
    fake_cpu_info.curr = &fa.v[0];
    fake_frame_assign(_mfn(5), 1);
    fake_frame_assign(_mfn(6), 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_domain_fini(&fa);
    return 0;
}

static unsigned int words_written(void)
{
    unsigned int i, n = 0;

    for (i = 0; i < NR_REQS; i++)
        n += fake_frame(_mfn(5 + i / 512))[i % 512] == 0x1000 + i;
    return n;
}

/* One `syscall` of hypercall nr; true if the hypervisor asked for it to
 * be issued again (rip back on the syscall, arguments in the registers). */
static bool issue(struct guest_regs *r)
{
    r->rip = SYSCALL_RIP + 2;               /* just after the syscall, as the CPU leaves it */
    do_syscall(r);
    return r->rip == SYSCALL_RIP;
}

static void test_mmu_update_in_multicall_preempts(void **state)
{
    struct multicall_entry e[2] = {
        { .op = __HYPERVISOR_mmu_update, .args = { (uint64_t)reqs, NR_REQS, 0, DOMID_SELF } },
        { .op = __HYPERVISOR_xen_version, .args = { 0 } },
    };
    struct guest_regs r = { .rax = __HYPERVISOR_multicall, .rdi = (uint64_t)e, .rsi = 2 };
    unsigned int i, rounds = 0, before;

    (void)state;
    for (i = 0; i < NR_REQS; i++) {
        reqs[i].ptr = ((5UL + i / 512) << 12) + (i % 512) * 8;   /* plain write */
        reqs[i].val = 0x1000 + i;
    }
    e[0].result = e[1].result = 0x5555;
    /* First entry into the hypervisor: one chunk of the batch, no more. */
    assert_true(issue(&r));
    assert_int_equal(words_written(), HYPERCALL_CHUNK);
    assert_int_equal(r.rax, __HYPERVISOR_multicall);
    assert_int_equal(r.rdi, (uint64_t)&e[0]);                 /* resumes at the entry */
    assert_int_equal(r.rsi, 2);
    /* The entry now holds the sub-call's continuation, as in Xen. */
    assert_int_equal(e[0].args[0], (uint64_t)&reqs[HYPERCALL_CHUNK]);
    assert_int_equal(e[0].args[1], (NR_REQS - HYPERCALL_CHUNK) | HYPERCALL_PREEMPTED);
    assert_int_equal(e[0].args[3], DOMID_SELF);
    assert_int_equal(e[0].op, __HYPERVISOR_mmu_update);
    assert_int_equal(e[1].result, 0x5555);                    /* not reached yet */
    rounds = 1;
    do {
        before = words_written();
        rounds++;
        if (!issue(&r))
            break;
        assert_true(words_written() - before <= HYPERCALL_CHUNK);
    } while (rounds < 100);
    assert_int_equal(rounds, (NR_REQS + HYPERCALL_CHUNK - 1) / HYPERCALL_CHUNK);
    assert_int_equal(words_written(), NR_REQS);
    assert_int_equal(e[0].result, 0);
    assert_int_equal(e[1].result, (4 << 16) | 17);
}

/* Many cheap entries: the multicall continues itself every 64. */
static void test_long_multicall_continues(void **state)
{
    static struct multicall_entry e[200];
    struct guest_regs r = { .rax = __HYPERVISOR_multicall, .rdi = (uint64_t)e, .rsi = 200 };
    unsigned int i, rounds = 1;

    (void)state;
    for (i = 0; i < 200; i++)
        e[i] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .result = 0x5555 };
    while (issue(&r) && rounds < 10) {
        assert_int_equal(r.rdi, (uint64_t)&e[64 * rounds]);
        assert_int_equal(r.rsi, 200 - 64 * rounds);
        rounds++;
    }
    assert_int_equal(rounds, 4);
    for (i = 0; i < 200; i++)
        assert_int_equal(e[i].result, (4 << 16) | 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mmu_update_in_multicall_preempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_multicall_continues, setup, teardown),
    };
    return cmocka_run_group_tests_name("multicall", tests, NULL, NULL);
}
