/* Fake domains: registered in a small table for domain_lookup() and
 * prepended to domain_list, as domain_create() does. */
#include <fake/fake.h>
#include <keel/lib.h>
#include <stdlib.h>

struct domain *dom0;
struct domain *domain_list;
static struct domain *registered[FAKE_MAX_DOMAINS];
unsigned int fake_domain_crashes;
const char *fake_domain_crash_why;

void fake_domains_reset(void)
{
    memset(registered, 0, sizeof(registered));
    dom0 = NULL;
    domain_list = NULL;
    fake_domain_crashes = 0;
    fake_domain_crash_why = NULL;
}

void fake_domain_init(struct fake_domain *fd, domid_t id, unsigned int nr_vcpus,
                      bool privileged)
{
    unsigned int i;

    memset(fd, 0, sizeof(*fd));
    if (nr_vcpus > ARRAY_SIZE(fd->v))
        nr_vcpus = ARRAY_SIZE(fd->v);
    fd->si = calloc(1, sizeof(*fd->si));
    fd->d.domain_id = id;
    fd->d.is_privileged = privileged;
    fd->d.state = DOM_RUNNING;
    fd->d.shared_info = fd->si;
    fd->d.shared_info_mfn = INVALID_MFN;
    fd->d.max_vcpus = nr_vcpus;
    for (i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = &fd->v[i];
        unsigned int g;
        v->domain = &fd->d;
        v->vcpu_id = i;
        v->online = i == 0;
        v->kernel_mode = true;
        v->guest_table = INVALID_MFN;
        v->guest_table_user = INVALID_MFN;
        v->pt_undo = NULL;
        v->pt_undo_rc = 0;
        v->vcpu_info = &fd->si->vcpu_info[i];
        v->vcpu_info_mfn = INVALID_MFN;
        for (g = 0; g < GUEST_GDT_FRAMES; g++)
            v->gdt_frames[g] = INVALID_MFN;
        for (g = 0; g < GUEST_LDT_FRAMES; g++)
            v->ldt_frames[g] = INVALID_MFN;
        fd->d.vcpu[i] = v;
    }
    for (i = 0; i < FAKE_MAX_DOMAINS; i++) {
        if (!registered[i] || registered[i]->domain_id == id) {
            registered[i] = &fd->d;
            break;
        }
    }
    if (privileged && !dom0)
        dom0 = &fd->d;
    fd->d.next = domain_list;         /* the list code walks (domctl, sysctl) */
    domain_list = &fd->d;
}

/* The memory of event_channel.c's port table and FIFO state, whether or
 * not the test called evtchn_destroy() (which also drops frame references). */
static void fake_evtchn_free(struct domain *d)
{
    unsigned int i;

    if (d->evtchn_bucket)
        for (i = 0; i < (d->max_evtchns + EVTCHNS_PER_BUCKET - 1) / EVTCHNS_PER_BUCKET; i++)
            free(d->evtchn_bucket[i]);
    free(d->evtchn_bucket);
    free(d->evtchn_fifo);
    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            free(d->vcpu[i]->evtchn_fifo);
}

void fake_domain_fini(struct fake_domain *fd)
{
    unsigned int i;

    for (i = 0; i < FAKE_MAX_DOMAINS; i++)
        if (registered[i] == &fd->d)
            registered[i] = NULL;
    if (dom0 == &fd->d)
        dom0 = NULL;
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
        if (*pp == &fd->d) {
            *pp = fd->d.next;
            break;
        }
    fake_evtchn_free(&fd->d);
    free(fd->si);
    memset(fd, 0, sizeof(*fd));
}

struct domain *domain_lookup(domid_t id)
{
    unsigned int i;

    for (i = 0; i < FAKE_MAX_DOMAINS; i++)
        if (registered[i] && registered[i]->domain_id == id)
            return registered[i];
    return NULL;
}

void domain_crash(struct domain *d, const char *why)
{
    fake_domain_crashes++;
    fake_domain_crash_why = why;
    d->state = DOM_SHUTDOWN;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    d->state = DOM_SHUTDOWN;
    d->shutdown_reason = reason;
}

/* ---- run-time domain lifetime (common/domain_life.c, domain.c) ----
 * Weak: a test that links the real domain_life.c gets it instead.  The
 * fakes record what domctl.c asked for. */
unsigned int fake_frames_released, fake_kills, fake_vcpu_resets, fake_set_contexts;
long fake_kill_rc, fake_vcpu_reset_rc;
struct domain *fake_created, *fake_last_killed;
domid_t fake_created_id;
struct xen_domctl_createdomain fake_created_cfg;
struct vcpu_guest_context fake_last_context;
long fake_set_context_rc;
bool fake_context_pinned;

__attribute__((weak)) void domain_frame_released(domid_t owner)
{
    (void)owner;
    fake_frames_released++;
}

__attribute__((weak)) void domain_gnttab_released(struct domain *d)
{
    (void)d;
}

__attribute__((weak)) bool domain_reap_due;

__attribute__((weak)) void domain_reap_pending_slow(void)
{
    domain_reap_due = false;
}

__attribute__((weak)) bool domain_id_free(domid_t id)
{
    return domain_lookup(id) == NULL;
}

/* Returns fake_created (set by the test; NULL = out of memory). */
__attribute__((weak)) struct domain *domain_create_runtime(domid_t id,
                                                          const struct xen_domctl_createdomain *cfg)
{
    fake_created_id = id;
    fake_created_cfg = *cfg;
    return fake_created;
}

__attribute__((weak)) long domain_kill(struct domain *d)
{
    fake_kills++;
    fake_last_killed = d;
    return fake_kill_rc;
}

__attribute__((weak)) long domain_vcpu_reset(struct vcpu *v)
{
    fake_vcpu_resets++;
    v->initialised = false;
    return fake_vcpu_reset_rc;
}

__attribute__((weak)) long arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c,
                                                 bool pinned_l4)
{
    fake_set_contexts++;
    fake_last_context = *c;
    fake_context_pinned = pinned_l4;
    if (!fake_set_context_rc)
        v->initialised = true;
    return fake_set_context_rc;
}

__attribute__((weak)) void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
    memset(c, 0, sizeof(*c));
    c->user_regs.rip = v->regs.rip;
    c->flags = v->online ? VGCF_online : 0;
}
