/*
 * keel bench isolation: experiment file, statistics, report writers
 * (include/isoreport.h).
 */
#include "isoreport.h"
#include "cpulist.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const probes[] = { "probe-timer", "probe-cpu", "probe-mem", "probe-disk", "probe-net" };
/* cpu .. hcall, diskflood, netflood: issue 17's; updown .. grant: one
 * per attack of issue 11 (docs/isolation.md, "Aggressors"). */
static const char *const aggressors[] = { "cpu", "mem", "fork", "hcall", "updown", "ptchurn",
                                          "balloon", "memop", "console", "timer", "evtchn",
                                          "grant", "diskflood", "netflood" };

int iso_mode_needs_disk(const char *mode)
{
    return !strcmp(mode, "probe-disk") || !strcmp(mode, "diskflood");
}

int iso_mode_needs_net(const char *mode)
{
    return !strcmp(mode, "probe-net") || !strcmp(mode, "netflood");
}

int iso_probe_known(const char *p)
{
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        if (!strcmp(p, probes[i]))
            return 1;
    return 0;
}

int iso_aggressor_known(const char *a)
{
    for (size_t i = 0; i < sizeof(aggressors) / sizeof(aggressors[0]); i++)
        if (!strcmp(a, aggressors[i]))
            return 1;
    return 0;
}

int iso_probe_is_rate(const char *p)
{
    return strcmp(p, "probe-timer") && strcmp(p, "probe-disk") && strcmp(p, "probe-net");
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = 0;
    return s;
}

static int fail(char *err, size_t len, const char *path, int line, const char *key,
                const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, len, "%s:%d: %s: %s", path, line, key, msg);
    return -1;
}

/* An unsigned whole number in [lo, hi]. */
static int num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (!isdigit((unsigned char)*s))
        return -1;
    v = strtoul(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int seconds(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);

    if (end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int copy(char *dst, size_t len, const char *src)
{
    if (strlen(src) >= len)
        return -1;
    strcpy(dst, src);
    return 0;
}

/* "NAME: key=value key=value ..." */
static int parse_setting(char *v, struct iso_setting *s, char *err, size_t errlen,
                         const char *path, int line)
{
    char *colon = strchr(v, ':'), *tok, *save = NULL;

    memset(s, 0, sizeof(*s));
    s->victim_weight = s->aggressor_weight = 256;
    if (!colon)
        return fail(err, errlen, path, line, "setting", "expected 'NAME: key=value ...'");
    *colon = 0;
    v = trim(v);
    if (!*v || copy(s->name, sizeof(s->name), v) < 0)
        return fail(err, errlen, path, line, "setting", "a name of 1 to 31 characters is needed");
    for (const char *c = v; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
            return fail(err, errlen, path, line, "setting", "name '%s': letters, digits, - and _ only", v);
    for (tok = strtok_r(colon + 1, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        unsigned long n;

        if (!eq)
            return fail(err, errlen, path, line, "setting", "'%s': expected key=value", tok);
        *eq = 0;
        if (!strcmp(tok, "victim_weight") || !strcmp(tok, "aggressor_weight")) {
            if (num(eq + 1, 1, 65535, &n) < 0)
                return fail(err, errlen, path, line, tok, "'%s': a weight is 1..65535", eq + 1);
            *(tok[0] == 'v' ? &s->victim_weight : &s->aggressor_weight) = (unsigned int)n;
        } else if (!strcmp(tok, "victim_cap") || !strcmp(tok, "aggressor_cap")) {
            if (num(eq + 1, 0, 100, &n) < 0)
                return fail(err, errlen, path, line, tok, "'%s': a cap is 0..100 (percent of a CPU)", eq + 1);
            *(tok[0] == 'v' ? &s->victim_cap : &s->aggressor_cap) = (unsigned int)n;
        } else if (!strcmp(tok, "pin") || !strcmp(tok, "victim_pin") || !strcmp(tok, "aggressor_pin")) {
            char why[160];
            uint64_t m;
            if (cpulist_parse(eq + 1, 0, &m, why, sizeof(why)) < 0)
                return fail(err, errlen, path, line, tok, "%s", why);
            if (strlen(eq + 1) >= sizeof(s->victim_pin))
                return fail(err, errlen, path, line, tok, "CPU list longer than %zu characters",
                            sizeof(s->victim_pin) - 1);
            if (tok[0] != 'a')
                strcpy(s->victim_pin, eq + 1);
            if (tok[0] != 'v')
                strcpy(s->aggressor_pin, eq + 1);
        } else {
            return fail(err, errlen, path, line, tok, "unknown setting key (victim_weight, "
                        "aggressor_weight, victim_cap, aggressor_cap, pin, victim_pin, "
                        "aggressor_pin)");
        }
    }
    return 0;
}

int iso_exp_parse(FILE *f, const char *path, struct iso_exp *e, char *err, size_t errlen)
{
    char buf[1024];
    int line = 0, have_probe = 0, have_aggr = 0, have_counts = 0, vcpus_line = 0;

    memset(e, 0, sizeof(*e));
    strcpy(e->name, "experiment");
    strcpy(e->kernel, "/boot/vmlinuz");
    strcpy(e->ramdisk, "/boot/initrd.gz");
    e->memory_mib = 96;
    e->reps = 3;
    e->duration = 5;
    e->warmup = 1;
    e->interval_ms = 500;
    strcpy(e->bridge, "xenbr0");
    e->disk_mib = 16;
    while (fgets(buf, sizeof(buf), f)) {
        char *k, *v, *eq, *hash;
        unsigned long n;

        line++;
        if (!strchr(buf, '\n') && !feof(f))
            return fail(err, errlen, path, line, "line", "longer than %zu characters", sizeof(buf) - 2);
        if ((hash = strchr(buf, '#')))
            *hash = 0;
        k = trim(buf);
        if (!*k)
            continue;
        eq = strchr(k, '=');
        if (!eq)
            return fail(err, errlen, path, line, k, "expected KEY = VALUE");
        *eq = 0;
        k = trim(k);
        v = trim(eq + 1);
        if (!*v)
            return fail(err, errlen, path, line, k, "no value");
        if (!strcmp(k, "name")) {
            if (copy(e->name, sizeof(e->name), v) < 0)
                return fail(err, errlen, path, line, k, "longer than 63 characters");
        } else if (!strcmp(k, "kernel") || !strcmp(k, "ramdisk")) {
            if (copy(k[0] == 'k' ? e->kernel : e->ramdisk, sizeof(e->kernel), v) < 0 || strchr(v, '"'))
                return fail(err, errlen, path, line, k, "a path of at most 255 characters without '\"'");
        } else if (!strcmp(k, "memory")) {
            if (num(v, 32, 4096, &n) < 0)
                return fail(err, errlen, path, line, k, "'%s': MiB from 32 to 4096", v);
            e->memory_mib = (unsigned int)n;
        } else if (!strcmp(k, "probe") || !strcmp(k, "probes")) {
            char *tok, *save = NULL;
            for (tok = strtok_r(v, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
                if (!iso_probe_known(tok))
                    return fail(err, errlen, path, line, k, "'%s': unknown probe (probe-timer, probe-cpu, "
                                "probe-mem, probe-disk, probe-net)", tok);
                if (e->nprobes == ISO_MAX)
                    return fail(err, errlen, path, line, k, "more than %d probes", ISO_MAX);
                strcpy(e->probes[e->nprobes++], tok);
            }
            have_probe = 1;
        } else if (!strcmp(k, "aggressor")) {
            if (!iso_aggressor_known(v))
                return fail(err, errlen, path, line, k, "'%s': unknown aggressor (cpu, mem, fork, hcall, "
                            "updown, ptchurn, balloon, memop, console, timer, evtchn, grant, "
                            "diskflood, netflood)", v);
            strcpy(e->aggressor, v);
            have_aggr = 1;
        } else if (!strcmp(k, "aggressor_vcpus")) {
            if (num(v, 1, 8, &n) < 0)
                return fail(err, errlen, path, line, k, "'%s': 1..8 vCPUs", v);
            e->aggressor_vcpus = (unsigned int)n;
            vcpus_line = line;
        } else if (!strcmp(k, "aggressors")) {
            char *tok, *save = NULL;
            e->ncounts = 0;
            for (tok = strtok_r(v, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
                if (num(tok, 0, 8, &n) < 0)
                    return fail(err, errlen, path, line, k, "'%s': a count of aggressors is 0..8", tok);
                if (e->ncounts && (int)n <= e->counts[e->ncounts - 1])
                    return fail(err, errlen, path, line, k, "counts must increase");
                if (e->ncounts == ISO_MAX)
                    return fail(err, errlen, path, line, k, "more than %d counts", ISO_MAX);
                e->counts[e->ncounts++] = (int)n;
            }
            have_counts = 1;
        } else if (!strcmp(k, "setting")) {
            if (e->nsettings == ISO_MAX)
                return fail(err, errlen, path, line, k, "more than %d settings", ISO_MAX);
            if (parse_setting(v, &e->settings[e->nsettings], err, errlen, path, line) < 0)
                return -1;
            for (int i = 0; i < e->nsettings; i++)
                if (!strcmp(e->settings[i].name, e->settings[e->nsettings].name))
                    return fail(err, errlen, path, line, k, "'%s' named twice", e->settings[i].name);
            e->nsettings++;
        } else if (!strcmp(k, "repetitions")) {
            if (num(v, 1, ISO_MAX_REPS, &n) < 0)
                return fail(err, errlen, path, line, k, "'%s': 1..%d", v, ISO_MAX_REPS);
            e->reps = (unsigned int)n;
        } else if (!strcmp(k, "duration") || !strcmp(k, "warmup")) {
            if (seconds(v, k[0] == 'd' ? 0.5 : 0, 3600, k[0] == 'd' ? &e->duration : &e->warmup) < 0)
                return fail(err, errlen, path, line, k, "'%s': seconds (duration 0.5..3600, warmup 0..3600)", v);
        } else if (!strcmp(k, "bridge")) {
            if (strlen(v) >= 16 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_.-") != strlen(v))
                return fail(err, errlen, path, line, k, "'%s': an interface name (1 to 15 letters, "
                            "digits, '_', '.', '-')", v);
            strcpy(e->bridge, v);
        } else if (!strcmp(k, "guest_ip")) {
            struct in_addr a;
            if (inet_pton(AF_INET, v, &a) != 1)
                return fail(err, errlen, path, line, k, "'%s': an IPv4 address (a.b.c.d)", v);
            if ((ntohl(a.s_addr) & 0xff) + ISO_MAX_AGGR > 254)
                return fail(err, errlen, path, line, k, "'%s': the last byte leaves no room for %d "
                            "aggressors (at most %d)", v, ISO_MAX_AGGR, 254 - ISO_MAX_AGGR);
            e->guest_ip = ntohl(a.s_addr);
        } else if (!strcmp(k, "disk_mib")) {
            if (num(v, 1, 4096, &n) < 0)
                return fail(err, errlen, path, line, k, "'%s': MiB from 1 to 4096", v);
            e->disk_mib = (unsigned int)n;
        } else if (!strcmp(k, "interval_ms")) {
            if (num(v, 50, 60000, &n) < 0)
                return fail(err, errlen, path, line, k, "'%s': 50..60000", v);
            e->interval_ms = (unsigned int)n;
        } else {
            return fail(err, errlen, path, line, k, "unknown key (name, kernel, ramdisk, memory, probe, "
                        "aggressor, aggressor_vcpus, aggressors, setting, repetitions, duration, warmup, "
                        "interval_ms, bridge, guest_ip, disk_mib)");
        }
    }
    if (!have_probe)
        return fail(err, errlen, path, line, "probe", "missing");
    if (!have_aggr)
        return fail(err, errlen, path, line, "aggressor", "missing");
    if (!have_counts)
        return fail(err, errlen, path, line, "aggressors", "missing (e.g. aggressors = 0, 1, 2)");
    /* updown takes CPUs 1.. down and up: it needs a second vCPU. */
    if (!e->aggressor_vcpus)
        e->aggressor_vcpus = strcmp(e->aggressor, "updown") ? 1 : 2;
    else if (e->aggressor_vcpus < 2 && !strcmp(e->aggressor, "updown"))
        return fail(err, errlen, path, vcpus_line, "aggressor_vcpus", "updown needs at least 2");
    if (e->duration * 1000 < 2 * e->interval_ms)
        return fail(err, errlen, path, line, "duration", "shorter than two probe intervals");
    if (!e->nsettings) {
        strcpy(e->settings[0].name, "default");
        e->settings[0].victim_weight = e->settings[0].aggressor_weight = 256;
        e->nsettings = 1;
    }
    return 0;
}

/* Two-sided 95 % Student's t, df 1..30; 1.96 beyond. */
double iso_t95(int df)
{
    static const double t[31] = { 0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
        2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };

    if (df < 1)
        return 0;
    return df <= 30 ? t[df] : 1.96;
}

void iso_mean_ci(const double *x, int n, double *mean, double *half)
{
    double s = 0, ss = 0;
    int i;

    *mean = *half = 0;
    if (n <= 0)
        return;
    for (i = 0; i < n; i++)
        s += x[i];
    *mean = s / n;
    if (n < 2)
        return;
    for (i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *half = iso_t95(n - 1) * sqrt(ss / (n - 1)) / sqrt((double)n);
}

int iso_summarise(const struct iso_exp *e, const struct iso_rep *reps, int nreps,
                  struct iso_point *out, int max)
{
    double x[ISO_MAX_REPS];
    int n = 0;

    for (int p = 0; p < e->nprobes; p++)
        for (int s = 0; s < e->nsettings; s++) {
            int base = n;
            for (int c = 0; c < e->ncounts && n < max; c++) {
                struct iso_point *pt = &out[n++];
                int k = 0;

                memset(pt, 0, sizeof(*pt));
                pt->probe = p;
                pt->setting = s;
                pt->count = e->counts[c];
                for (int r = 0; r < nreps; r++)
                    if (reps[r].probe == p && reps[r].setting == s && reps[r].count == e->counts[c] &&
                        reps[r].nsamples && k < ISO_MAX_REPS)
                        x[k++] = reps[r].mean;
                pt->n = k;
                iso_mean_ci(x, k, &pt->mean, &pt->half);
            }
            /* Slowdown against the least count of this setting (alone,
             * when the counts start at 0): alone/x for rates, x/alone
             * for latencies; its CI from the two relative errors. */
            for (int i = base; i < n; i++) {
                const struct iso_point *a = &out[base];
                struct iso_point *pt = &out[i];
                double num = iso_probe_is_rate(e->probes[p]) ? a->mean : pt->mean;
                double den = iso_probe_is_rate(e->probes[p]) ? pt->mean : a->mean;

                if (den <= 0 || num <= 0 || !pt->n || !a->n) {
                    pt->slowdown = pt->slowdown_half = -1;
                    continue;
                }
                pt->slowdown = num / den;
                pt->slowdown_half = i == base ? 0 :
                    pt->slowdown * sqrt(pow(pt->half / pt->mean, 2) + pow(a->half / a->mean, 2));
            }
        }
    return n;
}

void iso_write_reps_csv(FILE *f, const struct iso_exp *e, const struct iso_rep *reps, int n)
{
    fprintf(f, "probe,setting,aggressors,rep,mean,samples,wall_ns,victim_running_ns,"
               "victim_runnable_ns,victim_blocked_ns,victim_offline_ns,aggressor_cpu_share,"
               "victim_wake_p50_ns,victim_wake_p99_ns,victim_preemptions,victim_net_kib_s,"
               "victim_vbd_req_s,aggressor_net_kib_s,aggressor_vbd_req_s\n");
    for (int i = 0; i < n; i++) {
        const struct iso_rep *r = &reps[i];
        fprintf(f, "%s,%s,%d,%d,%.3f,%u,%llu,%llu,%llu,%llu,%llu,", e->probes[r->probe],
                e->settings[r->setting].name, r->count, r->rep, r->mean, r->nsamples,
                (unsigned long long)r->wall_ns, (unsigned long long)r->victim_rs[0],
                (unsigned long long)r->victim_rs[1], (unsigned long long)r->victim_rs[2],
                (unsigned long long)r->victim_rs[3]);
        if (r->aggressor_share < 0)
            fprintf(f, ",");
        else
            fprintf(f, "%.4f,", r->aggressor_share);
        fprintf(f, "%llu,%llu,%llu,", (unsigned long long)r->wake_p50_ns,
                (unsigned long long)r->wake_p99_ns, (unsigned long long)r->preemptions);
        /* The backends' rates (tx + rx; reads + writes), empty if unknown. */
        for (int k = 0; k < 4; k++) {
            double x = k == 0 ? r->victim_net_kibs : k == 1 ? r->victim_vbd_reqs :
                       k == 2 ? r->aggressor_net_kibs : r->aggressor_vbd_reqs;
            if (x >= 0)
                fprintf(f, "%.1f", x);
            fprintf(f, k == 3 ? "\n" : ",");
        }
    }
}

static const char *unit(const char *probe)
{
    return !strcmp(probe, "probe-timer") ? "us overshoot" :
           !strcmp(probe, "probe-cpu") ? "M iter/s" :
           !strcmp(probe, "probe-disk") ? "us per I/O" :
           !strcmp(probe, "probe-net") ? "us round trip" : "MB/s";
}

void iso_write_summary(FILE *f, const struct iso_exp *e, const struct iso_point *p, int n, int csv)
{
    if (csv)
        fprintf(f, "probe,setting,aggressors,reps,mean,ci95,slowdown,slowdown_ci95\n");
    else
        fprintf(f, "%-12s %-12s %4s %4s %14s %12s  %-14s %s\n", "PROBE", "SETTING", "AGGR", "REPS",
                "MEAN", "+-95%CI", "UNIT", "SLOWDOWN vs alone (+-95%CI)");
    for (int i = 0; i < n; i++) {
        const char *probe = e->probes[p[i].probe], *set = e->settings[p[i].setting].name;
        if (csv)
            fprintf(f, "%s,%s,%d,%d,%.3f,%.3f,%.4f,%.4f\n", probe, set, p[i].count, p[i].n,
                    p[i].mean, p[i].half, p[i].slowdown, p[i].slowdown_half);
        else if (p[i].slowdown < 0)
            fprintf(f, "%-12s %-12s %4d %4d %14.3f %12.3f  %-14s -\n", probe, set, p[i].count,
                    p[i].n, p[i].mean, p[i].half, unit(probe));
        else
            fprintf(f, "%-12s %-12s %4d %4d %14.3f %12.3f  %-14s %.3f (+-%.3f)\n", probe, set,
                    p[i].count, p[i].n, p[i].mean, p[i].half, unit(probe), p[i].slowdown,
                    p[i].slowdown_half);
    }
}

#define SVG_W 640
#define SVG_H 420
#define PL 70           /* plot area: left, right, top, bottom margins */
#define PR 170
#define PT 40
#define PB 60

static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f" };

/* Text for SVG: the characters XML reserves, escaped. */
static void xml(FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

void iso_write_svg(FILE *f, const struct iso_exp *e, int probe, const struct iso_point *p, int n)
{
    double xmax = e->counts[e->ncounts - 1], xmin = e->counts[0], ymax = 1.0, ymin = 0;
    double w = SVG_W - PL - PR, h = SVG_H - PT - PB;
    int i, s, t;

    for (i = 0; i < n; i++)
        if (p[i].probe == probe && p[i].slowdown >= 0 && p[i].slowdown + p[i].slowdown_half > ymax)
            ymax = p[i].slowdown + p[i].slowdown_half;
    ymax = ceil(ymax * 4) / 4 + 0.25;
    if (xmax <= xmin)
        xmax = xmin + 1;
#define X(v) (PL + ((v) - xmin) / (xmax - xmin) * w)
#define Y(v) (PT + h - ((v) - ymin) / (ymax - ymin) * h)
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            SVG_W, SVG_H, SVG_W, SVG_H);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", SVG_W, SVG_H);
    fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"14\">", PL);
    xml(f, e->name);
    fprintf(f, ": %s slowdown vs number of %s aggressors</text>\n", e->probes[probe], e->aggressor);
    /* Axes, grid and ticks. */
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", PL, PT + h,
            PL + w, PT + h);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>\n", PL, PT, PL, PT + h);
    for (t = 0; t < e->ncounts; t++)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n", X(e->counts[t]),
                PT + h + 18, e->counts[t]);
    for (double y = 0; y <= ymax + 1e-9; y += ymax > 4 ? 1 : 0.25) {
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", PL, Y(y),
                PL + w, Y(y));
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", PL - 6, Y(y) + 4, y);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">aggressors (%s)</text>\n", PL + w / 2,
            SVG_H - 20, e->aggressor);
    fprintf(f, "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">"
               "slowdown vs alone (1 = none)</text>\n", PT + h / 2, PT + h / 2);
    /* One line per setting, with 95 % CI bars. */
    for (s = 0; s < e->nsettings; s++) {
        const char *c = colours[s % (int)(sizeof(colours) / sizeof(colours[0]))];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c);
        for (i = 0; i < n; i++)
            if (p[i].probe == probe && p[i].setting == s && p[i].slowdown >= 0)
                fprintf(f, "%.1f,%.1f ", X(p[i].count), Y(p[i].slowdown));
        fprintf(f, "\"/>\n");
        for (i = 0; i < n; i++) {
            if (p[i].probe != probe || p[i].setting != s || p[i].slowdown < 0)
                continue;
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", X(p[i].count),
                    Y(p[i].slowdown), c);
            if (p[i].slowdown_half > 0)
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                        X(p[i].count), Y(p[i].slowdown - p[i].slowdown_half), X(p[i].count),
                        Y(p[i].slowdown + p[i].slowdown_half), c);
        }
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                PL + w + 15, PT + 10 + 18 * s, PL + w + 35, PT + 10 + 18 * s, c);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\">", PL + w + 40, PT + 14 + 18 * s);
        xml(f, e->settings[s].name);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</svg>\n");
#undef X
#undef Y
}
