/*
 * Domain and vCPU life cycle.  Locking: domain_list_lock protects the
 * list; d->lock protects d->state.  Crashing a domain never touches
 * another one; dom0's end ends the machine, as Xen's hardware domain.
 */
#include <keel/domain.h>
#include <keel/debugreg.h>
#include <public/event_channel.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <keel/pv_mm.h>
#include <keel/stats.h>
#include <keel/grant_table.h>
#include <keel/console_backend.h>
#include <public/domctl.h>
void arch_fpu_init_state(uint8_t *state);
#include <public/sched.h>

struct domain *dom0;
struct domain *domain_list;
static spinlock_t domain_list_lock = SPIN_LOCK_UNLOCKED;

struct domain *domain_create_ports(domid_t id, const char *name, unsigned int max_vcpus,
                                   bool privileged, unsigned int max_evtchns)
{
    struct domain *d = xzalloc(struct domain);
    mfn_t si;

    if (!d)
        return NULL;
    si = alloc_frame();
    if (mfn_eq(si, INVALID_MFN)) {
        xfree(d);
        return NULL;
    }
    d->domain_id = id;
    memcpy(d->name, name, MIN(strlen(name), sizeof(d->name) - 1));
    d->is_privileged = privileged;
    d->max_vcpus = MIN(max_vcpus, (unsigned int)MAX_VCPUS);
    d->weight = 256;                  /* Xen's default weight */
    d->max_grant_frames = GNTTAB_MAX_FRAMES;
    d->max_grant_version = GNTTAB_MAX_VERSION;   /* Xen's gnttab=max-ver default */
    spin_lock_init(&d->lock);
    /* shared_info: a hypervisor page the domain may map (Xen's xenheap page
     * shared with the guest), writable only, never a table or descriptor
     * page (docs/security.md, class 1).  It counts as the domain's, not in
     * tot_pages, and stays allocated while the struct domain exists. */
    d->shared_info_mfn = si;
    d->shared_info = mfn_to_virt(si);
    pv_share_xen_frame(si, d);
    if (evtchn_init(d, max_evtchns) || gnttab_init(d)) {
        evtchn_free(d);
        *mfn_to_page(si) = (struct page_info){ .owner = OWNER_XEN };
        free_frame(si);
        xfree(d);
        return NULL;
    }
    domain_set_wallclock(d);
    spin_lock(&domain_list_lock);
    d->next = domain_list;
    domain_list = d;
    spin_unlock(&domain_list_lock);
    return d;
}

struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus,
                             bool privileged)
{
    /* Xen puts no port limit on the hardware domain; a domU gets xl's. */
    return domain_create_ports(id, name, max_vcpus, privileged,
                               privileged ? EVTCHN_FIFO_NR_CHANNELS : DEFAULT_MAX_EVTCHNS);
}

static void vcpu_release(struct vcpu *v);

struct domain *domain_create_runtime(domid_t id, const struct xen_domctl_createdomain *cfg)
{
    unsigned int ports = MIN(cfg->max_evtchn_port, DEFAULT_MAX_EVTCHNS - 1) + 1;
    char name[16];
    struct domain *d;
    unsigned int i;

    snprintf(name, sizeof(name), "d%u", id);
    d = domain_create_ports(id, name, cfg->max_vcpus, false, MAX(ports, 2u));
    if (!d)
        return NULL;
    /* Xen: grant_table_init's max_version, from grant_opts (checked by
     * domctl); read at set_version. */
    d->max_grant_version = XEN_DOMCTL_GRANT_version(cfg->grant_opts);
    d->runtime = true;
    d->pause_count = 1;           /* Xen: paused by the system controller */
    d->max_pages = 0;
    memcpy(d->handle, cfg->handle, sizeof(d->handle));
    if (cfg->max_grant_frames > 0)
        d->max_grant_frames = (unsigned int)cfg->max_grant_frames;
    for (i = 0; i < d->max_vcpus; i++) {
        if (!vcpu_create(d, i)) {
            /* Nothing of it is visible yet besides its id: undo at once. */
            d->state = DOM_DYING;
            domain_teardown(d);
            domain_free(d);
            return NULL;
        }
    }
    printk("domain %u created by the control domain (%u vCPUs)\n", id, d->max_vcpus);
    return d;
}

/*
 * XEN_DOMCTL_setvcpucontext with no context (the vCPU is down): forget
 * its context.  Its page tables go in bounded steps (-XEN_ERESTART: the
 * domctl is continued); it cannot be brought up meanwhile.
 */
long domain_vcpu_reset(struct vcpu *v)
{
    int rc;

    v->initialised = false;
    mm_lock_acquire();
    rc = pv_vcpu_drop_tables(v);
    mm_lock_release();
    if (rc)
        return rc;
    vcpu_release(v);
    v->initialised = false;
    v->online = false;
    return 0;
}

bool domain_id_free(domid_t id)
{
    struct domain *d;
    bool busy = false;

    spin_lock(&domain_list_lock);
    for (d = domain_list; d; d = d->next)
        busy |= d->domain_id == id;
    spin_unlock(&domain_list_lock);
    return !busy;
}

struct domain *domain_lookup(domid_t id)
{
    struct domain *d;

    if (id == DOMID_SELF)
        return current->domain;
    spin_lock(&domain_list_lock);
    for (d = domain_list; d; d = d->next)
        if (d->domain_id == id)
            break;
    spin_unlock(&domain_list_lock);
    return d;
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
    struct vcpu *v;
    unsigned int i;

    if (id >= d->max_vcpus || d->vcpu[id])
        return NULL;
    v = xzalloc(struct vcpu);
    if (!v)
        return NULL;
    v->domain = d;
    v->vcpu_id = id;
    v->kernel_mode = true;
    v->guest_table = INVALID_MFN;
    v->guest_table_user = INVALID_MFN;
    v->vcpu_info_mfn = INVALID_MFN;
    v->vcpu_info = &d->shared_info->vcpu_info[id];
    v->vcpu_info->evtchn_upcall_mask = 1;
    for (i = 0; i < GUEST_GDT_FRAMES; i++)
        v->gdt_frames[i] = INVALID_MFN;
    for (i = 0; i < GUEST_LDT_FRAMES; i++)
        v->ldt_frames[i] = INVALID_MFN;
    v->cr4_shadow = (1UL << 5) | (1UL << 9) | (1UL << 10);  /* PAE, OSFXSR, OSXMMEXCPT */
    v->dr6 = X86_DR6_DEFAULT;
    v->dr7 = X86_DR7_DEFAULT;
    v->runstate.state = RUNSTATE_offline;
    v->fpu_state = xzalloc_bytes(512);      /* 512-byte bucket: 512-aligned */
    if (!v->fpu_state) {
        xfree(v);
        return NULL;
    }
    arch_fpu_init_state(v->fpu_state);
    if (sched_vcpu_init(v)) {
        xfree(v->fpu_state);
        xfree(v);
        return NULL;
    }
    d->vcpu[id] = v;
    return v;
}

static const char *const shutdown_names[] = {
    "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset",
};

static const char *reason_name(unsigned int r)
{
    return r < ARRAY_SIZE(shutdown_names) ? shutdown_names[r] : "unknown";
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    unsigned int i;

    spin_lock(&d->lock);
    if (d->state != DOM_RUNNING) {
        spin_unlock(&d->lock);
        return;
    }
    d->state = DOM_SHUTDOWN;
    d->shut_down = true;
    d->shutdown_reason = reason;
    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            d->vcpu[i]->online = false;
    spin_unlock(&d->lock);
    resched_domain(d);          /* its vCPUs running on other CPUs stop there */
    if (d != dom0 && dom0)      /* Xen: the toolstack learns of it by VIRQ_DOM_EXC */
        send_guest_global_virq(dom0, VIRQ_DOM_EXC);
    printk("domain %u (%s) shut down: %s (%u), cpu time %lu us\n", d->domain_id, d->name,
           reason_name(reason), reason, d->cpu_time / 1000);
    stats_dump();
    if (d == dom0)
        machine_power_off(reason);
}

/*
 * Drop what a vCPU holds besides its page tables: GDT and LDT frames,
 * vcpu_info page.  Its page-table references (base pointers, what it was
 * undoing) go preemptibly: a dying domain's with its memory
 * (pv_relinquish_memory_step), a reset vCPU's first
 * (domain_vcpu_reset).
 */
static void vcpu_release(struct vcpu *v)
{
    struct domain *d = v->domain;
    unsigned int i;

    mm_lock_acquire();
    for (i = 0; i < GUEST_GDT_FRAMES; i++) {
        if (!mfn_eq(v->gdt_frames[i], INVALID_MFN))
            put_page_and_type(v->gdt_frames[i], d);
        v->gdt_frames[i] = INVALID_MFN;
    }
    for (i = 0; i < GUEST_LDT_FRAMES; i++) {
        if (!mfn_eq(v->ldt_frames[i], INVALID_MFN))
            put_page_and_type(v->ldt_frames[i], d);
        v->ldt_frames[i] = INVALID_MFN;
    }
    v->ldt_ents = 0;
    if (!mfn_eq(v->vcpu_info_mfn, INVALID_MFN))
        put_page_and_type(v->vcpu_info_mfn, d);
    v->vcpu_info_mfn = INVALID_MFN;
    v->vcpu_info = &d->shared_info->vcpu_info[v->vcpu_id];
    mm_lock_release();
    vcpu_timers_kill(v);
}

/* Frames of the frame table looked at per step of a teardown (besides
 * at most PT_PREEMPT_ENTRIES page-table entries devalidated). */
#define DESTROY_STEP_FRAMES RELINQUISH_CHUNK

/*
 * Where a dying domain's shared_info and vcpu_info pointers go once the
 * page is given up (domain_teardown): a stray write by the hypervisor
 * then lands here, never in a frame that may already belong to someone
 * else.
 */
static struct shared_info dead_shared_info __aligned(PAGE_SIZE);

/*
 * Release what a dying domain holds besides its memory.  A run-time
 * domain also gives up its shared_info page (freed when the last mapping
 * of it goes: its frames are waited for, domain_life.c); a boot-time
 * one keeps it with its struct.
 */
void domain_teardown(struct domain *d)
{
    unsigned int i;

    evtchn_destroy(d);
    for (i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            vcpu_release(d->vcpu[i]);
    gnttab_destroy(d);
    cons_backend_detach(d);
    if (d->runtime) {
        d->shared_info = &dead_shared_info;
        for (i = 0; i < d->max_vcpus; i++)
            if (d->vcpu[i])
                d->vcpu[i]->vcpu_info = &dead_shared_info.vcpu_info[i];
        mm_lock_acquire();
        pv_unshare_xen_frame(d->shared_info_mfn);
        mm_lock_release();
    }
}

/*
 * Tear down a boot-time domU that has shut down (run-time domains go
 * through XEN_DOMCTL_destroydomain, domain_life.c), a bounded step per call (never
 * the running one's frames while it runs: the caller is the scheduler,
 * off that domain's page tables).  The first step drops what the domain
 * holds besides its memory (event channels, vCPU references, grants,
 * console); the next ones give its memory back to the allocator a slice
 * of the frame table at a time, as references drop.  True when done.
 */
bool domain_destroy_step(struct domain *d)
{
    if (d == dom0)
        return true;
    if (d->state == DOM_SHUTDOWN) {
        d->state = DOM_DYING;
        d->destroy_pos = 0;
        domain_teardown(d);
        return false;
    }
    if (d->state != DOM_DYING || d->destroy_pos == ~0UL)
        return true;
    if (!pv_relinquish_memory_step(d, &d->destroy_pos, DESTROY_STEP_FRAMES))
        return false;
    d->destroy_pos = ~0UL;
    if (d->console_dropped)    /* once per domain: CONSOLEIO_write over budget */
        printk("domain %u (%s): %lu bytes of console output dropped\n", d->domain_id,
               d->name, d->console_dropped);
    printk("domain %u (%s) destroyed, %lu MiB freed, cpu time %lu us\n", d->domain_id,
           d->name, d->tot_pages >> 8, d->cpu_time / 1000);
    d->tot_pages = 0;
    return true;
}

void domain_free(struct domain *d)
{
    struct domain **pp;
    unsigned int i;

    sched_domain_free(d);
    spin_lock(&domain_list_lock);
    for (pp = &domain_list; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    spin_unlock(&domain_list_lock);
    for (i = 0; i < MAX_VCPUS; i++) {
        if (!d->vcpu[i])
            continue;
        xfree(d->vcpu[i]->fpu_state);
        xfree(d->vcpu[i]);
    }
    evtchn_free(d);
    xfree(d->p2m);
    xfree(d);
}

void domain_crash(struct domain *d, const char *why)
{
    if (d->state != DOM_RUNNING)
        return;
    printk("domain %u (%s) crashed: %s\n", d->domain_id, d->name, why);
    domain_shutdown(d, SHUTDOWN_crash);
}
