/*
 * Fake host facts: system time (set by the test), the TSC frequency and
 * the allocator's frame counts, for code that reports them (sysctl) or
 * timestamps (domctl's CPU time).
 */
#include <fake/fake.h>
#include <keel/time.h>
#include <keel/mm.h>
#include <keel/smp.h>

uint64_t fake_now;
uint64_t fake_tsc_khz = 2000000;
uint64_t fake_total_frames = FAKE_NR_FRAMES, fake_free_frames = FAKE_NR_FRAMES / 2;

uint64_t get_s_time(void)
{
    return fake_now;
}

uint64_t tsc_khz(void)
{
    return fake_tsc_khz;
}

uint64_t total_frame_count(void)
{
    return fake_total_frames;
}

uint64_t free_frame_count(void)
{
    return fake_free_frames;
}

/* An idle CPU's wait (keel/smp.h): the test's hook, if it set one (it may
 * advance fake_now or wake a vCPU, as an interrupt would). */
void (*fake_cpu_idle)(bool halt);

void arch_cpu_idle(bool halt)
{
    if (fake_cpu_idle)
        fake_cpu_idle(halt);
}
