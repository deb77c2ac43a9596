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
    uint64_t cr4_shadow;          /* what the guest last wrote to CR4 */

    evtchn_port_t virq_to_evtchn[NR_VIRQS];
    uint64_t singleshot_deadline; /* system time, 0 = none */
    uint64_t periodic_period, periodic_next;
    uint64_t vruntime;            /* weighted ns of CPU (scheduler) */
    uint64_t last_charged;        /* system time the CPU time was last charged */
};

enum domain_state { DOM_RUNNING, DOM_SHUTDOWN, DOM_DYING };

struct domain {
    domid_t domain_id;
    char name[64];
    bool is_privileged;
    uint8_t rtc_index;                 /* latched CMOS index (port 0x70, emulate.c) */
    uint32_t pci_cf8;                  /* latched PCI CONFIG_ADDRESS (port 0xcf8, emulate.c) */
    enum domain_state state;
    unsigned int shutdown_reason;
    spinlock_t lock;

    struct shared_info *shared_info;   /* hypervisor mapping */
    mfn_t shared_info_mfn;
    unsigned long vm_assist;

    uint64_t tot_pages, max_pages;     /* frames held / allowed (mm_lock) */
    mfn_t *p2m;                        /* builder's initial pfn -> mfn (not updated
                                          by memory_op reservation changes) */
    uint64_t p2m_size;

    uint32_t weight, cap;              /* scheduler: share, percent of a CPU (0 none) */
    unsigned int pause_count;          /* control-domain pauses (domctl, d->lock); >0: no vCPU runs */
    uint64_t cpu_time;                 /* ns of CPU used, all vCPUs */
    uint64_t cap_used;                 /* ns used in the current cap period */
    struct evtchn *evtchn;             /* max_evtchns entries */
    unsigned int max_evtchns;
    struct grant_table *gt;            /* common/grant_table.c */
    /* CONSOLEIO_write budget when unprivileged (common/guest_ops.c) */
    bool console_started;
    uint64_t console_tokens, console_stamp, console_dropped;

    struct vcpu *vcpu[MAX_VCPUS];
    unsigned int max_vcpus;
    struct domain *next;
};

extern struct domain *dom0;
extern struct domain *domain_list;

struct domain *domain_create(domid_t id, const char *name, unsigned int max_vcpus,
                             bool privileged);
struct domain *domain_lookup(domid_t id);
/* A guest did something it cannot recover from: stop it, keep the rest. */
void domain_crash(struct domain *d, const char *why);
void domain_shutdown(struct domain *d, unsigned int reason);
void domain_destroy(struct domain *d);
struct vcpu *vcpu_create(struct domain *d, unsigned int id);

static inline bool is_hypervisor_va(uint64_t va)
{
    return va >= HYPERVISOR_AREA_START && va < HYPERVISOR_AREA_END;
}
static inline bool is_canonical(uint64_t va)
{
    return ((int64_t)va >> 47) == 0 || ((int64_t)va >> 47) == -1;
}

#endif
