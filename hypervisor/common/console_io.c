/*
 * console_io: a guest's writes to and dom0's reads from the hypervisor
 * console (a domU's output is budgeted and tagged).  Copy in, validate,
 * act on the current domain.  No locks beyond those of the callees.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/guest_access.h>
#include <keel/sched.h>
#include <keel/smp.h>
#include <keel/pv_mm.h>
#include <keel/time.h>
#include <keel/console_backend.h>
#include <public/sched.h>
#include <public/vcpu.h>

#define CONSOLE_CHUNK 128
#define NS_PER_SEC 1000000000ULL

/*
 * An unprivileged domain's console budget (a token bucket): full at the
 * first write, refilled at CONSOLE_DOMU_RATE bytes a second up to
 * CONSOLE_DOMU_BURST.  Returns the bytes it may write now.
 */
static uint64_t console_budget(struct domain *d)
{
    uint64_t now = get_s_time(), elapsed, add;

    if (!d->console_started) {
        d->console_started = true;
        d->console_tokens = CONSOLE_DOMU_BURST;
        d->console_stamp = now;
        return d->console_tokens;
    }
    elapsed = now > d->console_stamp ? now - d->console_stamp : 0;
    elapsed = MIN(elapsed, 16 * NS_PER_SEC);      /* enough to refill; no overflow */
    add = elapsed * CONSOLE_DOMU_RATE / NS_PER_SEC;
    if (add) {                                    /* else keep the stamp: fractions add up */
        d->console_tokens = MIN(d->console_tokens + add, (uint64_t)CONSOLE_DOMU_BURST);
        d->console_stamp = now;
    }
    return d->console_tokens;
}

/*
 * A domU's bytes on the hypervisor console.  Every line starts with the
 * domain's tag, like Xen's "(d1) ": the chunk's start and the start of
 * each line in it, so a domU cannot forge a line of another domain or of
 * the hypervisor; and only printable characters, tabs and newlines pass,
 * as in Xen's guest_console_write (no terminal escapes).
 */
static void domu_console_chunk(const struct domain *d, const char *buf, size_t n)
{
    char out[CONSOLE_CHUNK * 10 + 16];       /* tag (<= 9) + 1 per byte */
    char tag[16];
    size_t o = 0, i;
    int t = snprintf(tag, sizeof(tag), "(d%u) ", d->domain_id);
    bool line_start = true;

    for (i = 0; i < n; i++) {
        char c = buf[i];

        if (line_start) {
            memcpy(out + o, tag, (size_t)t);
            o += (size_t)t;
            line_start = false;
        }
        if (c == '\n') {
            out[o++] = c;
            line_start = true;
        } else if ((c >= 0x20 && c < 0x7f) || c == '\t') {
            out[o++] = c;
        }
    }
    console_line_write(out, o);       /* it starts with the tag */
}

/*
 * CONSOLEIO_write.  Xen 4.17 refuses it to a domain without privilege
 * (the dummy XSM policy's xsm_console_io is XSM_PRIV unless the domain
 * is_console or the build has CONFIG_VERBOSE_DEBUG), and a debug build
 * prints a domU's lines at guest debug level, rate-limited.  Keel's test
 * guests report through it as domUs, so Keel keeps it for them but
 * bounds it: at most the domain's budget (console_budget) is written,
 * the rest of a write is dropped without being read and counted in
 * d->console_dropped (reported when the domain is destroyed).  dom0's
 * output is written as it comes, as Xen's hardware domain's.
 *
 * One entry into the hypervisor writes one chunk; a longer write is
 * continued with the rest (Xen's guest_console_write preempts between
 * chunks too), so no write holds the hypervisor lock for more than
 * CONSOLE_CHUNK bytes of serial output.
 */
static long con_write(uint64_t buffer, uint64_t count)
{
    char buf[CONSOLE_CHUNK + 8];
    struct domain *d = current->domain;
    size_t n;

    if (!d->is_privileged) {
        uint64_t avail = console_budget(d);
        if (count > avail) {
            if (!d->console_dropped)
                gdprintk("d%u: console output over budget, dropping\n", d->domain_id);
            d->console_dropped += count - avail;
            count = avail;
        }
    }
    if (!count)
        return 0;
    n = MIN(count, (uint64_t)CONSOLE_CHUNK);
    if (copy_from_guest(buf, buffer, n))
        return -XEN_EFAULT;
    if (d->is_privileged) {
        console_guest_write(buf, n);
    } else {
        domu_console_chunk(d, buf, n);
        d->console_tokens -= n;
    }
    if (count > n)
        hypercall_continue(CONSOLEIO_write, count - n, buffer + n, 0);
    return 0;
}

static long con_read(uint64_t buffer, uint64_t count)
{
    char buf[CONSOLE_CHUNK];
    long total = 0;

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    while ((uint64_t)total < count) {
        size_t n = (size_t)cons_dom0_read(buf, MIN(sizeof(buf), count - (uint64_t)total));
        if (!n)
            break;
        if (copy_to_guest(buffer + (uint64_t)total, buf, n))
            return -XEN_EFAULT;
        total += (long)n;
    }
    return total;
}

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer)
{
    if (count > (1UL << 31))
        return -XEN_EINVAL;
    switch (cmd) {
    case CONSOLEIO_write:
        return con_write(buffer, count);
    case CONSOLEIO_read:
        return con_read(buffer, count);
    default:
        return -XEN_ENOSYS;
    }
}
