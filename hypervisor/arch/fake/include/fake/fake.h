/*
 * The fake architecture layer (hypervisor/arch/fake): what tests use to
 * set up and inspect the state the hypervisor code runs against.
 *
 *  - machine memory: FAKE_NR_FRAMES host pages (fake_machine_mem) are the
 *    direct map, so mfn_to_virt() works; the frame table covers them;
 *  - the CPU: struct fake_cpu (asm/processor.h) and fake_cpu_info
 *    (`current`);
 *  - guest memory: a guest virtual address is a host pointer;
 *    copy_guest_raw() faults (returns non-zero) below FAKE_GUEST_FAULT_BELOW,
 *    and keel/guest_access.h itself refuses hypervisor addresses;
 *  - domains: fake_domain_init() builds a domain with vCPUs and a
 *    shared_info page; domain_lookup() finds the ones registered, and
 *    domain_list holds them (newest first);
 *  - host facts: fake_now is get_s_time(); TSC kHz and frame counts.
 */
#ifndef FAKE_FAKE_H
#define FAKE_FAKE_H
#include <keel/domain.h>
#include <asm/processor.h>
#include <public/domctl.h>
#include <setjmp.h>

/* ---- machine memory and the frame table (mm.c) ---- */
extern struct page_info fake_frame_table[FAKE_NR_FRAMES];
extern uint64_t fake_m2p[FAKE_NR_FRAMES];
#define FAKE_HV_SLOT_MARK 0x0abc000000000067UL  /* | slot << 12 in filled HV slots */
void fake_mm_reset(void);                        /* all frames free, memory zeroed */
void fake_frame_assign(mfn_t mfn, domid_t owner);/* allocated to owner, count 1 */
uint64_t *fake_frame(mfn_t mfn);                 /* the frame's 512 entries */
unsigned int fake_mm_fill_calls(void);

/* ---- the frame allocator (frame_alloc.c) ---- */
extern unsigned int fake_alloc_budget, fake_allocs, fake_alloc_limit_calls,
    fake_alloc_last_memflags;
extern uint64_t fake_alloc_last_limit;
extern unsigned int fake_frees;                  /* free_frame() calls (mm.c) */

/* ---- continuations (continuation.c) ---- */
extern bool fake_may_preempt, fake_preempt_due;
extern unsigned int fake_continuations;
extern uint64_t fake_cont_args[4];

/* ---- the CPU (cpu.c) ---- */
extern struct cpu_info fake_cpu_info;
/* flush_tlb_others() calls and flush_tlb_mask() calls naming another CPU;
 * flush IPIs (one per other CPU flushed by flush_tlb_mask, which also
 * records the flush in tlbflush_time) and the last mask. */
extern unsigned int fake_remote_flushes, fake_flush_ipis;
extern uint64_t fake_last_flush_mask;
extern void (*fake_cpu_idle)(bool halt);           /* arch_cpu_idle() (host.c) */
extern uint64_t fake_lock_held_cycles;           /* hv_lock_held_cycles() */
extern bool fake_hv_lock_held;                   /* hv_lock_held(); true by default */
extern unsigned int fake_hv_locks;               /* hv_lock() calls */
extern unsigned int fake_lockless_exits;         /* return_to_guest_lockless() calls */
extern unsigned int fake_gs_syncs;               /* guest_gs_sync() calls */
extern unsigned int fake_kicks;                  /* cpu_kick() calls */

/* ---- domains (domain.c) ---- */
#define FAKE_MAX_DOMAINS 4
struct fake_domain {
    struct domain d;
    struct vcpu v[4];
    struct shared_info *si;
};
void fake_domain_init(struct fake_domain *fd, domid_t id, unsigned int nr_vcpus,
                      bool privileged);
void fake_domain_fini(struct fake_domain *fd);
void fake_domains_reset(void);                   /* unregister all */
extern unsigned int fake_frames_released, fake_kills, fake_vcpu_resets, fake_set_contexts;
extern long fake_kill_rc, fake_set_context_rc, fake_vcpu_reset_rc;
extern struct domain *fake_created, *fake_last_killed;
extern domid_t fake_created_id;
extern struct xen_domctl_createdomain fake_created_cfg;
extern struct vcpu_guest_context fake_last_context;
extern bool fake_context_pinned;
extern unsigned int fake_domain_crashes;
extern const char *fake_domain_crash_why;

/* ---- traps / context (traps.c) ---- */
extern unsigned int fake_cr3_loads;              /* vcpu_load_cr3() calls */
extern unsigned int fake_injected_vector, fake_injections;
extern unsigned int fake_ldt_loads;              /* ldt_load() calls */

/* ---- scheduler (sched.c) ---- */
extern unsigned int fake_wakes;
extern struct vcpu *fake_last_woken;
extern unsigned int fake_sched_adjusts, fake_sched_pauses, fake_sched_unpauses;
extern unsigned int fake_sched_affinities;

/* ---- host facts (host.c): time, TSC, frame counts ---- */
extern uint64_t fake_now, fake_tsc_khz, fake_total_frames, fake_free_frames;

/* ---- guest access (guest_access.c) ---- */
#define FAKE_GUEST_FAULT_BELOW 0x10000UL
extern unsigned int fake_guest_copies;
extern uintptr_t fake_guest_hole_start, fake_guest_hole_end;  /* also faults */

/* ---- console (console.c) ---- */
/* When armed, panic() (BUG_ON) longjmps here instead of failing the test. */
extern jmp_buf *fake_panic_jmp;
extern unsigned int fake_panics;
extern bool fake_console_quiet;                  /* drop printk output */
/* The message history ring behind XEN_SYSCTL_readconsole. */
void fake_conring_add(const char *s);
void fake_conring_reset(void);
extern uint64_t fake_console_guest_bytes;        /* console_guest_write(): bytes, */
extern unsigned int fake_console_guest_writes;   /* and calls */
extern char fake_console_last[2048];             /* the last call's bytes */
extern size_t fake_console_last_len;

/* ---- serial input and event notifications for console_backend.c (cons_io.c) ---- */
extern const char *fake_serial_in;               /* console_getc() reads it */
extern unsigned int fake_port_notifies, fake_global_virqs;
extern uint32_t fake_last_notified_port;

/* ---- segment descriptor pages (seg_desc.c, when pv_hypercalls.c is not linked) ---- */
extern int fake_seg_desc_rc;
extern unsigned int fake_seg_desc_calls;

/* ---- hypercall families not linked (hypercall_stubs.c): -ENOSYS, recorded ---- */
extern unsigned int fake_stub_calls;
extern uint64_t fake_stub_last_nr;
/* ---- IO-APIC pins (irq.c): what arch_gsi_program/arch_gsi_mask did ---- */
struct fake_pin { bool programmed, level, active_low, masked; unsigned int programs; };
extern struct fake_pin fake_pins[96];
void fake_pins_reset(void);                       /* every pin masked, unprogrammed */

/* ---- PCI configuration space (pci.c): bus 0, devfn < FAKE_PCI_DEVS ---- */
#define FAKE_PCI_DEVS 16
struct fake_pci_dev { bool present; uint8_t cfg[256]; uint8_t ro[256]; };  /* ro: bits writes keep */
extern struct fake_pci_dev fake_pci[FAKE_PCI_DEVS];
extern unsigned int fake_pci_writes;              /* arch_pci_conf_write calls */
extern uint32_t fake_dest_apic_id;                /* arch_irq_dest_apic_id */
void fake_pci_reset(void);                        /* no device, dest APIC ID 0, BAR zeroed */
/* Device memory behind BARs (arch_msix_map): FAKE_BAR_PAGES frames from
 * FAKE_BAR_MFN (past the fake RAM: I/O frames), and the mappings live. */
#define FAKE_BAR_MFN (FAKE_NR_FRAMES + 0x1000UL)
#define FAKE_BAR_PAGES 16
extern uint32_t fake_bar_mem[FAKE_BAR_PAGES * 1024];
extern int fake_msix_maps;                        /* arch_msix_map minus unmap calls */
/* ECAM (arch_pci_mmcfg_write): a q35-like window at FAKE_MCFG_MFN for the
 * tests to register; a write to bus 0 below register 256 lands in fake_pci
 * (read-only bits kept), every write is counted and the last recorded. */
#define FAKE_MCFG_MFN 0xb0000UL
extern unsigned int fake_mmcfg_writes;
extern struct fake_mmcfg_write { uint64_t maddr; unsigned int size; uint32_t val; } fake_mmcfg_last;

#endif
