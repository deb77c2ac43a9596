/*
 * Interference counters: the arithmetic (keel/vstats.h).  No locks and no
 * hypervisor state here: the callers hold the hypervisor lock.
 */
#include <keel/vstats.h>

void vstat_runstate(struct vcpu_runstate_info *r, struct vstat *s, int state, uint64_t now)
{
    int old = r->state;

    if (now < r->state_entry_time)
        now = r->state_entry_time;          /* monotonic per vCPU */
    if (old >= 0 && old < 4)
        r->time[old] += now - r->state_entry_time;
    if (old == RUNSTATE_blocked && state == RUNSTATE_runnable)
        s->woke_at = now;
    else if (old == RUNSTATE_runnable && state == RUNSTATE_running && s->woke_at) {
        vstat_hist_add(s->wake_hist, now - s->woke_at);
        s->woke_at = 0;
    } else if (state != RUNSTATE_runnable)
        s->woke_at = 0;                     /* paused or downed while waiting: no wake-up */
    r->state = state;
    r->state_entry_time = now;
}

void vstat_runstate_now(const struct vcpu_runstate_info *r, uint64_t now, uint64_t out[4])
{
    unsigned int i;

    for (i = 0; i < 4; i++)
        out[i] = r->time[i];
    if (r->state >= 0 && r->state < 4 && now > r->state_entry_time)
        out[r->state] += now - r->state_entry_time;
}

unsigned int vstat_bucket(uint64_t ns)
{
    unsigned int b;

    if (ns < 2)
        return 0;
    b = 63 - (unsigned int)__builtin_clzll(ns);     /* floor(log2(ns)) */
    return b < KEEL_VSTATS_HIST - 1 ? b : KEEL_VSTATS_HIST - 1;
}

void vstat_hist_add(uint64_t hist[KEEL_VSTATS_HIST], uint64_t ns)
{
    hist[vstat_bucket(ns)]++;
}

uint64_t vstat_percentile(const uint64_t hist[KEEL_VSTATS_HIST], unsigned int pct)
{
    uint64_t total = 0, rank, seen = 0, lo, width;
    unsigned int i;

    for (i = 0; i < KEEL_VSTATS_HIST; i++)
        total += hist[i];
    if (!total)
        return 0;
    if (pct > 100)
        pct = 100;
    /* The rank of the sample: ceil(pct% of total), at least the first. */
    rank = (total * pct + 99) / 100;
    if (rank == 0)
        rank = 1;
    for (i = 0; i < KEEL_VSTATS_HIST; i++) {
        if (seen + hist[i] >= rank)
            break;
        seen += hist[i];
    }
    lo = i ? 1ULL << i : 0;
    width = i ? 1ULL << i : 2;              /* [2^i, 2^(i+1)) or [0, 2) */
    /* The rank-th sample sits (rank - seen) of hist[i] into the bucket. */
    return lo + width * (rank - seen) / hist[i];
}

void vstat_fill(struct keel_vstats *out, const struct vcpu_runstate_info *r,
                const struct vstat *s, uint64_t now)
{
    unsigned int i;

    out->version = KEEL_VSTATS_VERSION;
    out->nr_vcpus = 1;
    out->now = now;
    vstat_runstate_now(r, now, out->runstate);
    for (i = 0; i < KEEL_VSTATS_HIST; i++)
        out->wake_hist[i] = s->wake_hist[i];
    out->preemptions = s->preemptions;
    out->migrations = s->migrations;
    for (i = 0; i < KEEL_NR_HCF; i++)
        out->hypercalls[i] = s->hypercalls[i];
    out->pt_updates = s->pt_updates;
    out->flushes_caused = s->flushes_caused;
    out->flushes_suffered = s->flushes_suffered;
    out->events_sent = s->events_sent;
    out->events_received = s->events_received;
    out->grant_maps = s->grant_maps;
    out->grant_copies = s->grant_copies;
}

void vstat_sum(struct keel_vstats *t, const struct keel_vstats *a)
{
    unsigned int i;

    t->version = KEEL_VSTATS_VERSION;
    t->nr_vcpus += a->nr_vcpus;
    t->now = a->now;
    for (i = 0; i < 4; i++)
        t->runstate[i] += a->runstate[i];
    for (i = 0; i < KEEL_VSTATS_HIST; i++)
        t->wake_hist[i] += a->wake_hist[i];
    t->preemptions += a->preemptions;
    t->migrations += a->migrations;
    for (i = 0; i < KEEL_NR_HCF; i++)
        t->hypercalls[i] += a->hypercalls[i];
    t->pt_updates += a->pt_updates;
    t->flushes_caused += a->flushes_caused;
    t->flushes_suffered += a->flushes_suffered;
    t->events_sent += a->events_sent;
    t->events_received += a->events_received;
    t->grant_maps += a->grant_maps;
    t->grant_copies += a->grant_copies;
}
