/*
 * console_io, sched_op and vcpu_op: copy in, validate, act on the
 * current domain or vCPU.  No locks beyond those of the callees.
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

/* SCHEDOP_block: atomically unmask events and wait for one. */
static long sched_block(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_mask = 0;
    if (v->vcpu_info->evtchn_upcall_pending)
        return 0;
    v->blocked = true;
    return 0;
}

/*
 * SCHEDOP_poll: sleep until one of the ports is pending (masked or not:
 * Linux's PV spinlocks poll with events off) or the timeout (absolute
 * system time, 0 = none) passes.  At most 8 ports, as we need.
 */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll sp;
    unsigned int i;

    if (copy_from_guest(&sp, arg, sizeof(sp)))
        return -XEN_EFAULT;
    if (sp.nr_ports > ARRAY_SIZE(v->poll_ports))
        return -XEN_EINVAL;
    if (sp.nr_ports && copy_from_guest(v->poll_ports, sp.ports,
                                       sp.nr_ports * sizeof(evtchn_port_t)))
        return -XEN_EFAULT;
    for (i = 0; i < sp.nr_ports; i++) {
        if (v->poll_ports[i] >= v->domain->max_evtchns)
            return -XEN_EINVAL;
        if (evtchn_port_pending(v->domain, v->poll_ports[i]))
            return 0;
    }
    if (sp.timeout && sp.timeout <= get_s_time())
        return 0;
    v->nr_poll_ports = sp.nr_ports;
    v->poll_deadline = sp.timeout;
    v->polling = true;
    v->blocked = true;
    vcpu_set_poll_timeout(v, sp.timeout);
    return 0;
}

/*
 * SCHEDOP_remote_shutdown (Xen's public/sched.h, common/sched.c): the
 * control domain stops another domain as if that domain had called
 * SCHEDOP_shutdown; the scheduler reaps it as usual.  As Xen: the domain
 * is looked up by id only (DOMID_SELF and the other reserved ids are
 * -ESRCH), the lookup comes before the permission check (XSM_DM_PRIV:
 * -EPERM for any caller but the control domain), an already shut-down
 * domain is left as it is, and the reason is kept to 8 bits.  dom0 may
 * name itself: the machine then powers off, as Xen's hardware domain
 * shutdown does.
 */
static long sched_remote_shutdown(uint64_t arg)
{
    struct sched_remote_shutdown rs;
    struct domain *d;

    if (copy_from_guest(&rs, arg, sizeof(rs)))
        return -XEN_EFAULT;
    if (rs.domain_id >= DOMID_FIRST_RESERVED || !(d = domain_lookup(rs.domain_id)))
        return -XEN_ESRCH;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    domain_shutdown(d, rs.reason & 0xff);
    return 0;
}

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current;
    struct sched_shutdown sd;

    switch (cmd) {
    case SCHEDOP_yield:
        sched_vcpu_yield(v);
        return 0;
    case SCHEDOP_block:
        return sched_block(v);
    case SCHEDOP_shutdown:
        if (copy_from_guest(&sd, arg, sizeof(sd)))
            return -XEN_EFAULT;
        domain_shutdown(v->domain, sd.reason & 0xff);
        return 0;
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_remote_shutdown:
        return sched_remote_shutdown(arg);
    case SCHEDOP_shutdown_code:
        if (copy_from_guest(&sd, arg, sizeof(sd)))
            return -XEN_EFAULT;
        v->domain->shutdown_reason = sd.reason & 0xff;
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

static long register_vcpu_info(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct vcpu_info *new;
    mfn_t mfn;
    int rc;

    if (copy_from_guest(&info, arg, sizeof(info)))
        return -XEN_EFAULT;
    /* Xen: a vcpu_info that would cross the page end is -ENXIO. */
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info))
        return -XEN_ENXIO;
    if (info.rsvd)
        return -XEN_EINVAL;
    if (!mfn_eq(v->vcpu_info_mfn, INVALID_MFN))
        return -XEN_EINVAL;          /* Xen allows one registration */
    if (v != current && v->online)
        return -XEN_EINVAL;          /* Xen: yourself, or a vCPU that is down */
    mfn = _mfn(info.mfn);            /* PV: the frame number is a machine frame */
    mm_lock_acquire();
    rc = get_page_and_type(mfn, v->domain, PGT_writable);
    mm_lock_release();
    if (rc)
        return -XEN_EINVAL;
    new = (struct vcpu_info *)((char *)mfn_to_virt(mfn) + info.offset);
    memcpy(new, v->vcpu_info, sizeof(*new));
    /* As Xen: mark everything pending so no event is lost in the move. */
    new->evtchn_upcall_pending = 1;
    new->evtchn_pending_sel = ~0UL;
    v->vcpu_info = new;
    v->vcpu_info_mfn = mfn;
    update_vcpu_system_time(v);
    return 0;
}

static bool other_vcpu_up(const struct domain *d, const struct vcpu *v)
{
    unsigned int i;

    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i] != v && d->vcpu[i]->online)
            return true;
    return false;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpuid, uint64_t arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;
    struct vcpu_register_runstate_memory_area area;

    if (vcpuid >= d->max_vcpus || !(v = d->vcpu[vcpuid]))
        return -XEN_ENOENT;
    switch (cmd) {
    case VCPUOP_is_up:
        return v->online ? 1 : 0;
    case VCPUOP_initialise: {
        /* Validating the new L4 may stop half-way (pv_mm.c): continue,
         * as Xen does (-ERESTART -> hypercall continuation). */
        long rc = arch_initialise_vcpu(v, arg);
        if (rc == -XEN_ERESTART) {
            hypercall_continue(cmd, vcpuid, arg, 0);
            return 0;
        }
        return rc;
    }
    case VCPUOP_up:
        if (!v->initialised)
            return -XEN_EINVAL;
        if (!v->online) {
            v->online = true;
            /* Downed from another vCPU and still on its CPU, which has not
             * taken the kick yet: it just goes on running (its runstate
             * is still running; runnable here would stick until its CPU
             * next schedules). */
            if (v->is_running)
                return 0;
            v->blocked = false;
            sched_vcpu_up(v);           /* keeps its own virtual time */
        }
        return 0;
    case VCPUOP_down:
        if (!other_vcpu_up(d, v)) {
            /* As Xen: the last vCPU going down powers the domain off
             * (else it would sit with nothing to run, never reaped). */
            domain_shutdown(d, SHUTDOWN_poweroff);
            return 0;
        }
        v->online = false;
        if (v->is_running && v != current)
            cpu_kick(v->processor);     /* it leaves that CPU on its way out */
        else if (v != current)
            runstate_set(v, RUNSTATE_offline, get_s_time());
        return 0;
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, arg);
    case VCPUOP_register_runstate_memory_area:
        if (copy_from_guest(&area, arg, sizeof(area)))
            return -XEN_EFAULT;
        if (area.addr.v && !guest_range_ok(area.addr.v, sizeof(v->runstate)))
            return -XEN_EFAULT;
        v->runstate_guest = area.addr.v;
        runstate_area_update(v);
        return 0;
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer:
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
        return vcpu_timer_op(v, (unsigned int)cmd, arg);
    case VCPUOP_get_runstate_info:
        return copy_to_guest(arg, &v->runstate, sizeof(v->runstate)) ? -XEN_EFAULT : 0;
    default:
        return -XEN_ENOSYS;
    }
}
