/*
 * Interference counters per vCPU (issue 17), cheap enough to leave on:
 * each hook is an increment or two under the hypervisor lock.  The
 * arithmetic (runstate accounting, the wake-up latency histogram and its
 * percentiles) is here, apart from the hooks, so that the host tests and
 * the dom0 tools (keel top) use the same code.  Public layout:
 * public/keel.h (struct keel_vstats, KEEL_SYSCTL_vstats).
 */
#ifndef KEEL_VSTATS_H
#define KEEL_VSTATS_H
#include <keel/types.h>
#include <public/vcpu.h>
#include <public/keel.h>

struct vstat {
    uint64_t woke_at;             /* system time it went blocked -> runnable, 0 none */
    uint64_t wake_hist[KEEL_VSTATS_HIST];
    uint64_t preemptions, migrations;
    uint64_t hypercalls[KEEL_NR_HCF];
    uint64_t pt_updates, flushes_caused, flushes_suffered;
    uint64_t events_sent, events_received, grant_maps, grant_copies;
};

/*
 * Move r to state at now, charging the time in the old state.  Time never
 * runs backwards for one vCPU: a now earlier than the last entry (a vCPU
 * that moved to a CPU whose clock reads a little behind) counts as the
 * entry time, so the four times always add up to the last entry time
 * minus the first, whatever CPUs the vCPU ran on.  A blocked -> runnable
 * -> running path records its latency in s's histogram.
 */
void vstat_runstate(struct vcpu_runstate_info *r, struct vstat *s, int state, uint64_t now);

/* r's times as of now (the current state's time so far included). */
void vstat_runstate_now(const struct vcpu_runstate_info *r, uint64_t now, uint64_t out[4]);

/* The histogram bucket of a latency of ns. */
unsigned int vstat_bucket(uint64_t ns);
void vstat_hist_add(uint64_t hist[KEEL_VSTATS_HIST], uint64_t ns);
/*
 * The pct-th percentile (0..100) of the samples in hist, in ns,
 * interpolated linearly within its bucket; 0 without samples.
 */
uint64_t vstat_percentile(const uint64_t hist[KEEL_VSTATS_HIST], unsigned int pct);

/* Which KEEL_HCF_* family hypercall nr belongs to. */
static inline unsigned int vstat_family(uint64_t nr)
{
    switch (nr) {
    case __HYPERVISOR_mmu_update: case __HYPERVISOR_update_va_mapping:
    case __HYPERVISOR_update_va_mapping_otherdomain: case __HYPERVISOR_mmuext_op:
    case __HYPERVISOR_set_gdt: case __HYPERVISOR_update_descriptor:
    case __HYPERVISOR_stack_switch:
        return KEEL_HCF_MMU;
    case __HYPERVISOR_sched_op: case __HYPERVISOR_set_timer_op: case __HYPERVISOR_vcpu_op:
        return KEEL_HCF_SCHED;
    case __HYPERVISOR_event_channel_op:
        return KEEL_HCF_EVTCHN;
    case __HYPERVISOR_grant_table_op:
        return KEEL_HCF_GRANT;
    case __HYPERVISOR_memory_op:
        return KEEL_HCF_MEMORY;
    case __HYPERVISOR_console_io:
        return KEEL_HCF_CONSOLE;
    case __HYPERVISOR_domctl: case __HYPERVISOR_sysctl: case __HYPERVISOR_platform_op:
        return KEEL_HCF_CONTROL;
    case __HYPERVISOR_multicall:
        return KEEL_HCF_MULTI;
    default:
        return KEEL_HCF_OTHER;
    }
}

/* Fill out from one vCPU's counters (memory fields are left to the caller). */
void vstat_fill(struct keel_vstats *out, const struct vcpu_runstate_info *r,
                const struct vstat *s, uint64_t now);
/* Add one vCPU's figures in a into the totals t (counts and times). */
void vstat_sum(struct keel_vstats *t, const struct keel_vstats *a);

#endif
