/*
 * CPU lists as xl reads and prints them (tools/xl/xl_parse.c
 * parse_cpurange, xl_vcpu.c print_bitmap in Xen 4.17): entries separated
 * by commas, each N, N-M or "all", a leading '^' removing instead of
 * adding, applied left to right to an empty set ("0-3,^2" is 0, 1, 3);
 * "node:"/"nodes:" with node 0 or "all" (Keel's one NUMA node) mean every
 * CPU.  Bit n of a mask is CPU n; CPUs 0..63.
 */
#ifndef KEEL_CPULIST_H
#define KEEL_CPULIST_H
#include <stddef.h>
#include <stdint.h>

#define CPULIST_MAX_CPUS 64

/*
 * Parse s into *mask.  nr_cpus: the host's CPUs (a CPU named at or past it
 * is an error; "all" is CPUs 0..nr_cpus-1), or 0 when unknown (syntax only;
 * "all" is every bit).  0, or -1 with a one-line reason in err (no
 * prefix): "'5': no such CPU (the host has 2)".  An empty result is an
 * error too ("no CPU left").
 */
int cpulist_parse(const char *s, unsigned int nr_cpus, uint64_t *mask, char *err, size_t errlen);

/* mask over nr_cpus CPUs as xl's print_bitmap: "all", "none", "0-2,5". */
void cpulist_format(uint64_t mask, unsigned int nr_cpus, char *buf, size_t len);
#endif
