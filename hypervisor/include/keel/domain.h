/*
 * Domains and virtual CPUs.
 *
 * Locking: domain_list_lock protects the domain list; a domain's own
 * fields are changed only by its vCPUs (on the CPU running them) or with
 * d->lock held.  One vCPU runs on at most one physical CPU at a time.
 */
#ifndef KEEL_DOMAIN_H
#define KEEL_DOMAIN_H
#include <keel/types.h>
#include <keel/spinlock.h>
#include <keel/mm.h>
#include <public/xen.h>
#include <public/vcpu.h>
#include <public/errno.h>
#include <asm/regs.h>
#include <keel/event.h>
#include <keel/timer.h>
#include <keel/vstats.h>
#include <keel/smp.h>

#define MAX_VCPUS 32          /* XEN_LEGACY_MAX_VCPUS: vcpu_info slots in shared_info */
#define GUEST_GDT_FRAMES 14   /* FIRST_RESERVED_GDT_ENTRY / 512 */
#define GUEST_LDT_ENTRIES 8192 /* Xen's limit for MMUEXT_SET_LDT */
#define GUEST_LDT_FRAMES 16   /* GUEST_LDT_ENTRIES * 8 / PAGE_SIZE */

struct vcpu {
    struct domain *domain;
    unsigned int vcpu_id;
    bool online;
    bool initialised;             /* has a context (vCPU 0: from the builder) */
    bool polling;                 /* in SCHEDOP_poll */
    uint64_t poll_deadline;       /* system time, 0 = none */
    evtchn_port_t poll_ports[8];
    unsigned int nr_poll_ports;
    bool kernel_mode;             /* guest kernel (true) or guest user mode */
    bool blocked;
    bool is_running;              /* loaded on a physical CPU (processor) */
    bool yielding;                /* SCHEDOP_yield: biased in the next pick */
    unsigned int processor;       /* the CPU it runs or last ran on */

    struct guest_regs regs;       /* saved while descheduled */
    uint64_t fs_base, gs_base_kernel, gs_base_user;
    uint16_t ds, es, fs, gs;      /* selectors, saved on deschedule */

    mfn_t guest_table;            /* kernel L4 (holds a type ref) */
    mfn_t guest_table_user;       /* user L4, or INVALID_MFN */
    /* A page table whose release or failed validation this vCPU is
     * still undoing, preemptibly (Xen's old_guest_table), and the error
     * to report once it is done (0: a release).  NULL: none. */
    struct page_info *pt_undo;
    int pt_undo_rc;

    uint64_t kernel_ss, kernel_sp;                 /* stack_switch */
    struct trap_info trap_ctxt[256];
    uint64_t event_callback, failsafe_callback, syscall_callback;
    bool failsafe_mask_events, syscall_mask_events;

    struct vcpu_info *vcpu_info;  /* hypervisor mapping of the current vcpu_info */
    mfn_t vcpu_info_mfn;          /* INVALID_MFN while in shared_info */
    uint64_t runstate_guest;      /* guest virtual address, 0 if none */
    struct vcpu_runstate_info runstate;

    mfn_t gdt_frames[GUEST_GDT_FRAMES];
    unsigned int gdt_ents;
    uint64_t ldt_base;            /* MMUEXT_SET_LDT (mm_lock) */
    unsigned int ldt_ents;
    mfn_t ldt_frames[GUEST_LDT_FRAMES];   /* seg_desc type refs, or INVALID_MFN */

    bool fpu_ts;                  /* guest's virtual CR0.TS */
    uint8_t *fpu_state;           /* 512-byte FXSAVE image, 16-byte aligned */
    unsigned int iopl;            /* virtual IOPL (physdev_op set_iopl) */
    uint64_t iobmp;               /* guest I/O bitmap (set_iobitmap): kernel va */
    unsigned int iobmp_limit;     /* ... ports it covers, 0: none */
    uint64_t cr4_shadow;          /* what the guest last wrote to CR4 */
    uint64_t dr[4], dr6, dr7;     /* guest debug registers (keel/debugreg.h) */

    evtchn_port_t virq_to_evtchn[NR_VIRQS];
    struct evtchn_fifo_vcpu *evtchn_fifo;   /* FIFO ABI queues (event_fifo.c), or NULL */
    /* Timers (common/timer.c), on the queue of the CPU the vCPU runs or
     * last ran on: the single-shot timer, the periodic timer (armed only
     * while the vCPU runs, as in Xen) and the SCHEDOP_poll timeout. */
    struct timer singleshot_timer, periodic_timer, poll_timer;
    uint64_t periodic_period;     /* ns, 0 = none */
    uint64_t periodic_last;       /* system time of the last tick's slot */
    uint64_t vruntime;            /* weighted ns of CPU (scheduler) */
    uint64_t last_charged;        /* system time the CPU time was last charged */
    /* run queue (common/sched.c): position in the heap (1-based, 0 = not
     * queued); parked while its domain is over its cap */
    unsigned int rq_pos;
    bool rq_parked;
    struct vcpu *rq_parked_next;
    /* Affinity (XEN_DOMCTL_setvcpuaffinity), one bit per CPU, stored as
     * the CPUs NOT in the mask so that a zeroed vCPU has Xen's default
     * (every CPU): use vcpu_hard_affinity()/vcpu_soft_affinity().  The
     * scheduler runs v only on CPUs of its hard mask; the soft mask is
     * kept and reported, not used.  A waiting vCPU whose hard mask leaves
     * out an online CPU waits on a list (rq_pinq) instead of the heap. */
    uint64_t hard_excluded, soft_excluded;
    bool rq_pinq;
    struct vcpu *rq_pinq_next;
    struct vstat vs;              /* interference counters (keel/vstats.h) */
};

/* v's hard and soft affinity as set (Xen's default: every CPU), and
 * whether its hard mask lets it run on CPU c. */
static inline uint64_t vcpu_hard_affinity(const struct vcpu *v)
{
    return ~v->hard_excluded & CPU_MASK_ALL;
}

static inline uint64_t vcpu_soft_affinity(const struct vcpu *v)
{
    return ~v->soft_excluded & CPU_MASK_ALL;
}

static inline bool vcpu_may_run_on(const struct vcpu *v, unsigned int c)
{
    return c >= NR_CPUS_MAX || (vcpu_hard_affinity(v) >> c & 1);
}

/* Xen's VM_ASSIST_VALID for 64-bit PV guests. */
#define VM_ASSIST_VALID_PV64 ((1UL << VMASST_TYPE_4gb_segments) | \
    (1UL << VMASST_TYPE_4gb_segments_notify) | (1UL << VMASST_TYPE_writable_pagetables) | \
    (1UL << VMASST_TYPE_pae_extended_cr3) | (1UL << VMASST_TYPE_architectural_iopl) | \
    (1UL << VMASST_TYPE_runstate_update_flag) | (1UL << VMASST_TYPE_m2p_strict))

enum domain_state { DOM_RUNNING, DOM_SHUTDOWN, DOM_DYING };

struct domain {
    domid_t domain_id;
    char name[64];
    bool is_privileged;
    uint8_t rtc_index;                 /* latched CMOS index (port 0x70, emulate.c) */
    uint32_t pci_cf8;                  /* latched PCI CONFIG_ADDRESS (port 0xcf8, emulate.c) */
    enum domain_state state;
    unsigned int shutdown_reason;
    bool shut_down;                    /* it did shut down (reason valid) */
    spinlock_t lock;

    struct shared_info *shared_info;   /* hypervisor mapping */
    mfn_t shared_info_mfn;
    unsigned long vm_assist;

    uint64_t tot_pages, max_pages;     /* frames held / allowed (mm_lock) */
    uint64_t ballooned_pages;          /* given back by decrease_reservation, not yet
                                          taken again (mm_lock; keel/vstats.h) */
    mfn_t *p2m;                        /* builder's initial pfn -> mfn (not updated
                                          by memory_op reservation changes) */
    uint64_t p2m_size;

    uint32_t weight, cap;              /* scheduler: share, percent of a CPU (0 none) */
    unsigned int pause_count;          /* control-domain pauses (domctl, d->lock); >0: no vCPU runs */
    uint64_t cpu_time;                 /* ns of CPU used, all vCPUs */
    uint64_t cap_used;                 /* ns used in the current cap period */
    /* Event channels (common/event_channel.c, evtchn_lock): ports below
     * valid_evtchns have a struct evtchn, allocated EVTCHNS_PER_BUCKET at
     * a time; max_evtchns is the domain's limit (Xen's max_evtchns). */
    struct evtchn **evtchn_bucket;
    unsigned int valid_evtchns, max_evtchns;
    const struct evtchn_port_ops *evtchn_port_ops;   /* 2-level or FIFO */
    struct evtchn_fifo_domain *evtchn_fifo;          /* FIFO event array, or NULL */
    /* PHYSDEVOP_pirq_eoi_gmfn_v2's page (common/pirq.c): bit n set = pirq
     * n needs PHYSDEVOP_eoi.  NULL: none; else a general + writable type
     * reference on eoi_map_mfn, dropped by evtchn_destroy. */
    unsigned long *pirq_eoi_map;
    mfn_t pirq_eoi_map_mfn;
    struct grant_table *gt;            /* common/grant_table.c */
    /* CONSOLEIO_write budget when unprivileged (common/console_io.c) */
    bool console_started;
    uint64_t console_tokens, console_stamp, console_dropped;

    struct vcpu *vcpu[MAX_VCPUS];
    unsigned int max_vcpus;
    struct domain *next;

    /* scheduler (common/sched.c): vCPUs parked over the cap, the list of
     * domains with parked vCPUs, the list of dead domains to reap */
    struct vcpu *parked;
    struct domain *parked_next;
    bool parked_listed, reap_listed;
    struct domain *reap_next;
    uint64_t destroy_pos;              /* domain_destroy_step(): where it is */
    /* The page table the teardown is devalidating, left partial when a
     * step's budget ran out (pv_relinquish_memory_step).  NULL: none. */
    struct page_info *pt_dying;
    /* Made by XEN_DOMCTL_createdomain: kept after shutdown until the
     * control domain destroys it, then freed once its last frame goes
     * (common/domain_life.c).  Boot-time domUs are reaped at shutdown. */
    bool runtime;
    bool torn_down;                    /* domain_kill: teardown done */
    bool frames_counted;               /* frames_left counts down to 0 */
    bool dead;                         /* nothing left: freed at a safe point */
    uint64_t frames_left;              /* frames of the dying domain not yet freed */
    uint64_t kill_pos;                 /* domain_kill's progress through the frame table */
    xen_domain_handle_t handle;        /* createdomain's UUID */
    unsigned int max_grant_frames;     /* createdomain's limit (GNTTAB_MAX_FRAMES at boot) */
    unsigned int max_grant_version;    /* createdomain's grant_opts version (2 at boot) */
};

/* Can v run now (online, not blocked, its domain running and not paused)?
 * Inline: every return to a guest asks it (the hypercall path, issue 16). */
static inline bool vcpu_runnable(const struct vcpu *v)
{
    return v && v->online && !v->blocked && v->domain->state == DOM_RUNNING &&
           !v->domain->pause_count;
}

/* Is an event upcall due: pending, not masked, a callback registered
 * (prepare_return_to_guest's delivery; LINUX-PV-ABI.md A.7)? */
static inline bool vcpu_upcall_due(const struct vcpu *v)
{
    const struct vcpu_info *vi = v->vcpu_info;

    return vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask && v->event_callback;
}

extern struct domain *dom0;
extern struct domain *domain_list;

struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus,
                             bool privileged);
/* As domain_create, with max_evtchns ports; NULL and nothing left over on failure. */
struct domain *domain_create_ports(domid_t id, const char *name, unsigned int max_vcpus,
                                   bool privileged, unsigned int max_evtchns);
/* XEN_DOMCTL_createdomain's domain (config checked by the caller): paused
 * by the controller, every vCPU down without a context, no memory. */
struct xen_domctl_createdomain;
struct domain *domain_create_runtime(domid_t id, const struct xen_domctl_createdomain *cfg);
/* Drop v's context (setvcpucontext with no context; v is down). */
long domain_vcpu_reset(struct vcpu *v);    /* 0 or -XEN_ERESTART */
/* Whether no domain (live, shut down or dying) has this id. */
bool domain_id_free(domid_t id);
/* Release what a dying domain holds besides its frames: event channels,
 * vCPU references, grant table, console, shared_info (domain.c). */
void domain_teardown(struct domain *d);
/* Unlink d and free its struct, vCPUs and tables (nothing of it may be
 * in use any more). */
void domain_free(struct domain *d);
/* Run-time domains' lifetime (common/domain_life.c). */
long domain_kill(struct domain *d);
void domain_frame_released(domid_t owner);
void domain_gnttab_released(struct domain *d);
/* Free the domains that died, at a safe point (no domain pointer held);
 * inline test, since it follows every hypercall. */
extern bool domain_reap_due;
void domain_reap_pending_slow(void);
static inline void domain_reap_pending(void)
{
    if (__builtin_expect(domain_reap_due, 0))
        domain_reap_pending_slow();
}
struct domain *domain_lookup(domid_t id);
/* A guest did something it cannot recover from: stop it, keep the rest. */
void domain_crash(struct domain *d, const char *why);
void domain_shutdown(struct domain *d, unsigned int reason);
/* Tear down a domain that has shut down, one bounded step per call:
 * true once it is all gone (the first call marks it DOM_DYING). */
bool domain_destroy_step(struct domain *d);
struct vcpu *vcpu_create(struct domain *d, unsigned int id);

static inline bool is_hypervisor_va(uint64_t va)
{
    return va >= HYPERVISOR_AREA_START && va < HYPERVISOR_AREA_END;
}
/*
 * VMASST_TYPE_architectural_iopl (public/xen.h): the virtual IOPL behaves
 * as EFLAGS.IOPL with the guest kernel as ring 0; iret loads it from the
 * frame and bounce frames show it (Xen 4.17).
 */
static inline bool vm_assist_architectural_iopl(const struct domain *d)
{
    return d->vm_assist & (1UL << VMASST_TYPE_architectural_iopl);
}

static inline bool is_canonical(uint64_t va)
{
    return ((int64_t)va >> 47) == 0 || ((int64_t)va >> 47) == -1;
}

#endif
