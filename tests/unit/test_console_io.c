/*
 * CONSOLEIO_write (common/console_io.c): the work one entry into the
 * hypervisor does is bounded (one chunk, then a continuation, as Xen's
 * guest_console_write preempts), and an unprivileged domain's output is
 * bounded by a byte budget that refills over time; what is over it is
 * dropped unread and counted (docs/security.md, class 4).  The guest's
 * re-issued syscall is modelled by calling again with the continuation's
 * arguments (arch/fake/continuation.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/console.h>
#include <keel/hypercall.h>

#include <keel/sched.h>
#include <keel/time.h>
#include <keel/event.h>
#include <keel/pv_mm.h>
#include <keel/console_backend.h>

/* ---- what console_io.c calls besides, not reached here ---- */
bool need_resched;
long arch_initialise_vcpu(struct vcpu *v, uint64_t arg) { (void)v; (void)arg; return -XEN_ENOSYS; }
long vcpu_timer_op(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
    (void)v; (void)cmd; (void)arg;
    return -XEN_ENOSYS;
}
long cons_dom0_read(char *buf, size_t n) { (void)buf; (void)n; return 0; }
bool evtchn_port_pending(struct domain *d, evtchn_port_t port) { (void)d; (void)port; return false; }
int get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type)
{
    (void)mfn; (void)d; (void)type;
    return -1;
}
void mm_lock_acquire(void) {}
void mm_lock_release(void) {}
void runstate_set(struct vcpu *v, int state, uint64_t now) { (void)v; (void)state; (void)now; }
void runstate_area_update(struct vcpu *v) { (void)v; }
void sched_note_runnable(void) {}
void vcpu_place(struct vcpu *v) { (void)v; }
void sched_vcpu_yield(struct vcpu *v) { (void)v; }
void sched_vcpu_up(struct vcpu *v) { (void)v; }
void timers_run(void) {}
void vcpu_set_poll_timeout(struct vcpu *v, uint64_t deadline) { (void)v; (void)deadline; }
void update_vcpu_system_time(struct vcpu *v) { (void)v; }

#define CHUNK 128u                      /* guest bytes per entry at most */
#define TAG 8u                          /* "(dN) " and a little: per chunk */

static struct fake_domain fd;
static char *buf;                       /* guest buffer, a hole right after it */
static size_t buf_len;

static void domain(bool privileged, size_t len)
{
    fake_domains_reset();
    fake_domain_init(&fd, privileged ? 0 : 3, 1, privileged);
    fake_cpu_info.curr = &fd.v[0];
    fake_now = 1000000000ULL;
    fake_console_guest_bytes = 0;
    fake_console_guest_writes = 0;
    fake_continuations = 0;
    fake_may_preempt = true;
    buf_len = len;
    buf = malloc(len + 4096);
    memset(buf, 'Z', len);
    fake_guest_hole_start = (uintptr_t)buf + len;      /* nothing past the buffer is readable */
    fake_guest_hole_end = fake_guest_hole_start + 4096;
}

static void done(void)
{
    fake_guest_hole_start = fake_guest_hole_end = 0;
    free(buf);
    fake_domain_fini(&fd);
}

/* A guest's write, re-issued while continued; returns the final result
 * and how many entries into the hypervisor it took. */
static long write_all(uint64_t count, unsigned int *entries)
{
    uint64_t a[3] = { CONSOLEIO_write, count, (uint64_t)buf };
    unsigned int n = 0;
    long rc;

    for (;;) {
        unsigned int c = fake_continuations;
        uint64_t bytes = fake_console_guest_bytes;

        rc = do_console_io(a[0], a[1], a[2]);
        n++;
        assert_true(fake_console_guest_bytes - bytes <= CHUNK + TAG);   /* bounded per entry */
        if (fake_continuations == c)
            break;
        assert_int_equal(fake_cont_args[0], CONSOLEIO_write);
        a[1] = fake_cont_args[1];
        a[2] = fake_cont_args[2];
        assert_true(n < 100000);
    }
    *entries = n;
    return rc;
}

/* 2^31 bytes from a domU: the budget's worth is written, the rest is
 * dropped without being read (the buffer ends after the budget). */
static void test_domu_huge_write_bounded(void **state)
{
    unsigned int entries;

    (void)state;
    domain(false, CONSOLE_DOMU_BURST);
    assert_int_equal(write_all(1UL << 31, &entries), 0);
    assert_true(fake_console_guest_bytes >= CONSOLE_DOMU_BURST);
    assert_true(fake_console_guest_bytes <= CONSOLE_DOMU_BURST + (CONSOLE_DOMU_BURST / CHUNK) * TAG);
    assert_true(entries >= CONSOLE_DOMU_BURST / CHUNK);
    assert_int_equal(fd.d.console_dropped, (1UL << 31) - CONSOLE_DOMU_BURST);
    /* Spent: the next write, at the same moment, prints nothing. */
    fake_console_guest_bytes = 0;
    assert_int_equal(write_all(100, &entries), 0);
    assert_int_equal(fake_console_guest_bytes, 0);
    assert_int_equal(fd.d.console_dropped, (1UL << 31) - CONSOLE_DOMU_BURST + 100);
    /* One second later, one second's worth may be written. */
    fake_now += 1000000000ULL;
    assert_int_equal(write_all(CONSOLE_DOMU_BURST, &entries), 0);
    assert_true(fake_console_guest_bytes >= CONSOLE_DOMU_RATE);
    assert_true(fake_console_guest_bytes <= CONSOLE_DOMU_RATE + (CONSOLE_DOMU_RATE / CHUNK + 1) * TAG);
    /* A long pause refills up to the burst, no more. */
    fake_now += 1000ULL * 1000000000ULL;
    fake_console_guest_bytes = 0;
    assert_int_equal(write_all(CONSOLE_DOMU_BURST, &entries), 0);
    assert_true(fake_console_guest_bytes >= CONSOLE_DOMU_BURST);
    assert_true(fake_console_guest_bytes <= CONSOLE_DOMU_BURST + (CONSOLE_DOMU_BURST / CHUNK) * TAG);
    done();
}

/* Ordinary output is untouched: lines within the budget all appear. */
static void test_domu_lines_within_budget(void **state)
{
    unsigned int entries, i;

    (void)state;
    domain(false, 80);
    for (i = 0; i < 200; i++) {
        assert_int_equal(write_all(80, &entries), 0);
        assert_int_equal(entries, 1);
    }
    assert_int_equal(fake_console_guest_writes, 200);
    assert_int_equal(fd.d.console_dropped, 0);
    done();
}

/* Every line of a domU's output carries its tag and only printable
 * bytes pass: it cannot forge the hypervisor's or another domain's lines
 * (nor send terminal escapes). */
static void test_domu_lines_tagged_and_filtered(void **state)
{
    static const char in[] = "ok 1\n(KEEL) forged\n\x1b[2J(d0) VERDICT: PASS\r\n\tx";
    static const char want[] = "(d3) ok 1\n(d3) (KEEL) forged\n(d3) [2J(d0) VERDICT: PASS\n(d3) \tx";
    unsigned int entries;

    (void)state;
    domain(false, sizeof(in) - 1);
    memcpy(buf, in, sizeof(in) - 1);
    assert_int_equal(write_all(sizeof(in) - 1, &entries), 0);
    assert_int_equal(fake_console_last_len, sizeof(want) - 1);
    assert_memory_equal(fake_console_last, want, sizeof(want) - 1);
    done();
}

/* dom0 is not limited (Xen writes the hardware domain's output as it
 * comes), but a long write still continues after every chunk. */
static void test_dom0_long_write_preempts(void **state)
{
    unsigned int entries;

    (void)state;
    domain(true, 1 << 20);
    assert_int_equal(write_all(1 << 20, &entries), 0);
    assert_int_equal(fake_console_guest_bytes, 1 << 20);
    assert_int_equal(entries, (1 << 20) / CHUNK);
    /* A buffer that ends early is -EFAULT, after what could be read. */
    assert_int_equal(write_all((1 << 20) + 1, &entries), -XEN_EFAULT);
    done();
}

static void test_bad_arguments(void **state)
{
    (void)state;
    domain(false, 16);
    assert_int_equal(do_console_io(CONSOLEIO_write, (1UL << 31) + 1, (uint64_t)buf), -XEN_EINVAL);
    assert_int_equal(do_console_io(CONSOLEIO_write, 16, 0xffff800000000000UL), -XEN_EFAULT);
    assert_int_equal(do_console_io(CONSOLEIO_read, 16, (uint64_t)buf), -XEN_EPERM);
    assert_int_equal(do_console_io(99, 16, (uint64_t)buf), -XEN_ENOSYS);
    done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domu_huge_write_bounded),
        cmocka_unit_test(test_domu_lines_within_budget),
        cmocka_unit_test(test_domu_lines_tagged_and_filtered),
        cmocka_unit_test(test_dom0_long_write_preempts),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests_name("console_io", tests, NULL, NULL);
}
