/* CPU lists as xl's (include/cpulist.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* As xl's parse_range: N or N-M (M >= N), nothing after. */
static int parse_range(const char *s, unsigned long *a, unsigned long *b)
{
    char *end;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    *a = *b = strtoul(s, &end, 10);
    if (errno)
        return -1;
    if (*end == '-') {
        const char *n = end + 1;
        if (*n < '0' || *n > '9')
            return -1;
        *b = strtoul(n, &end, 10);
        if (errno || *b < *a)
            return -1;
    }
    return *end ? -1 : 0;
}

static uint64_t all_cpus(unsigned int nr_cpus)
{
    return nr_cpus == 0 || nr_cpus >= 64 ? ~0ULL : (1ULL << nr_cpus) - 1;
}

static int entry(const char *tok, unsigned int nr_cpus, uint64_t *mask, char *err, size_t errlen)
{
    const char *s = tok;
    unsigned long a, b, limit = nr_cpus ? nr_cpus : CPULIST_MAX_CPUS;
    int neg = 0, nodes = 0;
    uint64_t bits;

    if (*s == '^') {
        neg = 1;
        s++;
    }
    if (!strncmp(s, "nodes:", 6)) {
        nodes = 1;
        s += 6;
    } else if (!strncmp(s, "node:", 5)) {
        nodes = 1;
        s += 5;
    }
    if (!strcmp(s, "all")) {
        if (neg)
            return fail(err, errlen, "'%s': \"^\" and \"all\" cannot be combined", tok);
        *mask |= all_cpus(nr_cpus);
        return 0;
    }
    if (parse_range(s, &a, &b) < 0)
        return fail(err, errlen, "'%s': invalid CPU range (N, N-M, all, ^N)", tok);
    if (nodes) {
        if (b > 0)
            return fail(err, errlen, "'%s': no such NUMA node (the host has node 0)", tok);
        bits = all_cpus(nr_cpus);
    } else {
        if (b >= limit) {
            if (nr_cpus)
                return fail(err, errlen, "'%s': no such CPU (the host has %u)", tok, nr_cpus);
            return fail(err, errlen, "'%s': CPUs are 0..%u", tok, CPULIST_MAX_CPUS - 1);
        }
        bits = (b - a + 1 >= 64 ? ~0ULL : ((1ULL << (b - a + 1)) - 1)) << a;
    }
    if (neg)
        *mask &= ~bits;
    else
        *mask |= bits;
    return 0;
}

int cpulist_parse(const char *s, unsigned int nr_cpus, uint64_t *mask, char *err, size_t errlen)
{
    char buf[256], *tok, *save = NULL;

    *mask = 0;
    if (strlen(s) >= sizeof(buf))
        return fail(err, errlen, "CPU list too long");
    if (!*s)
        return fail(err, errlen, "empty CPU list");
    strcpy(buf, s);
    if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
        return fail(err, errlen, "'%s': empty entry in the CPU list", s);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (entry(tok, nr_cpus, mask, err, errlen) < 0)
            return -1;
    if (!*mask)
        return fail(err, errlen, "'%s': no CPU left", s);
    return 0;
}

void cpulist_format(uint64_t mask, unsigned int nr_cpus, char *buf, size_t len)
{
    size_t used = 0;
    unsigned int i = 0;
    int first = 1;

    if (nr_cpus > CPULIST_MAX_CPUS)
        nr_cpus = CPULIST_MAX_CPUS;
    if (len)
        buf[0] = 0;
    if (nr_cpus && (mask & all_cpus(nr_cpus)) == all_cpus(nr_cpus)) {
        snprintf(buf, len, "all");
        return;
    }
    while (i < nr_cpus) {
        unsigned int j;
        if (!(mask >> i & 1)) {
            i++;
            continue;
        }
        for (j = i; j + 1 < nr_cpus && (mask >> (j + 1) & 1); j++)
            ;
        if (used < len)
            used += (size_t)snprintf(buf + used, len - used, j > i ? "%s%u-%u" : "%s%u",
                                     first ? "" : ",", i, j);
        first = 0;
        i = j + 1;
    }
    if (first)
        snprintf(buf, len, "none");
}
