/*
 * keel bench isolation (issue 17, docs/isolation.md): the experiment
 * file, the statistics and the report (CSV, summary, SVG plots), apart
 * from the runner (keel/bench_iso.c) so that the host tests
 * (tests/unit/test_isoreport.c) check them without a hypervisor.
 */
#ifndef KEEL_ISOREPORT_H
#define KEEL_ISOREPORT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ISO_MAX 16          /* probes, counts, settings */
#define ISO_MAX_REPS 100
#define ISO_MAX_AGGR 8      /* aggressor domUs */

struct iso_setting {
    char name[32];
    unsigned int victim_weight, aggressor_weight;   /* 1..65535, default 256 */
    unsigned int victim_cap, aggressor_cap;         /* percent of a CPU, 0 none */
    /* hard affinity of every vCPU (xl's CPU list, cpulist.h), "" = all */
    char victim_pin[64], aggressor_pin[64];
};

struct iso_exp {
    char name[64];
    char kernel[256], ramdisk[256];
    unsigned int memory_mib;
    char probes[ISO_MAX][16];
    int nprobes;
    char aggressor[16];
    unsigned int aggressor_vcpus;   /* vCPUs per aggressor domU: 1..8, default 1 (updown 2) */
    int counts[ISO_MAX];
    int ncounts;
    struct iso_setting settings[ISO_MAX];
    int nsettings;
    unsigned int reps;
    double duration, warmup;        /* seconds per repetition, before a point */
    unsigned int interval_ms;       /* the probe's reporting interval */
    /* Domains whose probe or aggressor uses the network (probe-net,
     * netflood) get a vif on dom0's bridge, the victim guest_ip and
     * aggressor N guest_ip + N (host order; 0: derived from the bridge's
     * address, last byte 100); those using a disk (probe-disk, diskflood)
     * get a fresh disk_mib MiB raw image as xvdb. */
    char bridge[16];                /* default xenbr0 */
    uint32_t guest_ip;
    unsigned int disk_mib;          /* default 16 */
};

/*
 * Parse an experiment file (docs/isolation.md): key = value lines, '#'
 * comments.  0, or -1 with "PATH:LINE: KEY: problem" in err.
 */
int iso_exp_parse(FILE *f, const char *path, struct iso_exp *e, char *err, size_t errlen);

/* Whether the probe's figure is a rate (higher is better) or a latency. */
int iso_probe_is_rate(const char *probe);
int iso_probe_known(const char *probe);
int iso_aggressor_known(const char *aggr);
/* The mode (a probe or an aggressor) needs a disk (xvdb), a vif. */
int iso_mode_needs_disk(const char *mode);
int iso_mode_needs_net(const char *mode);

/* One repetition of one point: the victim's figure and what the
 * hypervisor's counters say about the interval. */
struct iso_rep {
    int probe, setting, count, rep;
    double mean;                    /* the probe's samples' mean */
    unsigned int nsamples;
    uint64_t wall_ns;               /* dom0's clock over the repetition */
    uint64_t victim_rs[4];          /* the victim's runstate deltas (ns) */
    double aggressor_share;         /* mean CPU share of the running aggressors, or -1 */
    uint64_t wake_p50_ns, wake_p99_ns;  /* the victim's wake-ups in the interval */
    uint64_t preemptions;
    /* From dom0's backends over the repetition (lib/backstats.c): the
     * victim's and the running aggressors' mean network traffic (KiB/s,
     * sent + received) and disk requests (reads + writes per second);
     * -1: unknown (no aggressor running, sysfs unreadable). */
    double victim_net_kibs, victim_vbd_reqs, aggressor_net_kibs, aggressor_vbd_reqs;
};

/* Mean and 95 % confidence half-width (Student's t) of x[0..n-1]. */
void iso_mean_ci(const double *x, int n, double *mean, double *half);
/* Student's t for a two-sided 95 % interval with df degrees of freedom. */
double iso_t95(int df);

/* One row of the summary table. */
struct iso_point {
    int probe, setting, count, n;
    double mean, half;              /* the figure, its 95 % CI half-width */
    double slowdown, slowdown_half; /* vs the same setting with the least count; 1 = none */
};

/* Summarise reps into points (one per probe, setting, count in the
 * experiment's order).  Returns how many. */
int iso_summarise(const struct iso_exp *e, const struct iso_rep *reps, int nreps,
                  struct iso_point *out, int max);

/* The report files' contents. */
void iso_write_reps_csv(FILE *f, const struct iso_exp *e, const struct iso_rep *reps, int n);
void iso_write_summary(FILE *f, const struct iso_exp *e, const struct iso_point *p, int n, int csv);
/* One SVG plot: slowdown against the number of aggressors for probe,
 * one line (with CI bars) per setting. */
void iso_write_svg(FILE *f, const struct iso_exp *e, int probe, const struct iso_point *p, int n);

#endif
