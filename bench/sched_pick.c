/*
 * Host microbenchmark of the real scheduler (hypervisor/common/sched.c,
 * built against the fake arch as the unit tests are, but optimised and
 * without sanitizers): the cost of one schedule() in a yield loop, and of
 * one wake-up, with n CPU-bound vCPUs on one simulated CPU.  The
 * architecture under it (context switch, timers) is stubbed out, so the
 * figures are the scheduler's own work: pick, queue, accounting.
 * Run by bench/sched-pick.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fake/fake.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/time.h>

struct vcpu *cpu_curr(unsigned int c) { return c == 0 ? fake_cpu_info.curr : NULL; }
void context_switch_out(void)
{
    if (current)
        current->is_running = false;
    current = NULL;
}
void context_switch_to(struct vcpu *next)
{
    context_switch_out();
    current = next;
    next->is_running = true;
    next->processor = 0;
}
void sched_preempt_at(uint64_t when) { (void)when; }
void sched_set_slice(uint64_t len, bool needed) { (void)len; (void)needed; }
void timers_run(void) {}
void vcpu_timers_switch_out(struct vcpu *v) { (void)v; }
void vcpu_timers_switch_in(struct vcpu *v) { (void)v; }
void hv_lock(void) {}
void hv_unlock(void) {}
void flush_tlb_serve(void) {}
bool domain_destroy_step(struct domain *d) { (void)d; return true; }
__noreturn void machine_power_off(unsigned int reason) { (void)reason; exit(1); }

struct bdom {
    struct domain d;
    struct vcpu v[32];
    struct shared_info si;
};

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static struct bdom *world(unsigned int n)
{
    unsigned int nd = (n + 31) / 32, i, j;
    struct bdom *b = calloc(nd, sizeof(*b));

    if (!b)
        exit(1);
    fake_domains_reset();
    for (i = 0; i < nd; i++) {
        struct domain *d = &b[i].d;
        d->domain_id = (domid_t)i;
        d->state = DOM_RUNNING;
        d->shared_info = &b[i].si;
        d->weight = 256;
        d->max_vcpus = MIN(32, n - 32 * i);
        for (j = 0; j < d->max_vcpus; j++) {
            struct vcpu *v = &b[i].v[j];
            v->domain = d;
            v->vcpu_id = j;
            v->online = v->initialised = true;
            v->vcpu_info = &b[i].si.vcpu_info[j];
            d->vcpu[j] = v;
        }
        d->next = domain_list;
        domain_list = d;
        if (!dom0)
            dom0 = d;
    }
    fake_cpu_info.cpu_id = 0;
    fake_cpu_info.curr = NULL;
    sched_init_queue();
    schedule();
    return b;
}

static void bench(unsigned int n)
{
    const unsigned int iters = 200000;
    struct bdom *b = world(n);
    struct vcpu *sleeper;
    unsigned long v0;
    double t0, per_sched, per_wake;
    unsigned int i;

    /* yield loop: every call switches to the next least virtual time */
    v0 = sched_visits;
    t0 = now_ns();
    for (i = 0; i < iters; i++) {
        fake_now += 100000;
        sched_vcpu_yield(current);
        schedule();
    }
    per_sched = (now_ns() - t0) / iters;
    printf("%5u vCPUs: schedule() %6.0f ns, %4.1f vCPU visits", n, per_sched,
           (double)(sched_visits - v0) / iters);
    /* wake-up: the running vCPU blocks, is woken, runs again */
    v0 = sched_visits;
    t0 = now_ns();
    for (i = 0; i < iters; i++) {
        sleeper = current;
        fake_now += 100000;
        sleeper->blocked = true;
        schedule();
        fake_now += 1000;
        vcpu_wake(sleeper);
    }
    per_wake = (now_ns() - t0) / iters;
    printf("; block + schedule() + wake-up %6.0f ns, %4.1f visits\n", per_wake,
           (double)(sched_visits - v0) / iters);
    fake_domains_reset();
    free(b);
}

int main(void)
{
    static const unsigned int sizes[] = { 8, 64, 256, 1024 };
    unsigned int i;

    fake_console_quiet = true;
    fake_now = 1000000000UL;
    pcpus[0].online = true;
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        bench(sizes[i]);
    return 0;
}
