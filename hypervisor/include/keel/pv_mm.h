/*
 * The PV MMU: reference and type counting of guest frames, validation of
 * guest page tables, and the hypercalls that change them.  See
 * arch/x86_64/pv_mm.c for the rules and their reasons.
 */
#ifndef KEEL_PV_MM_H
#define KEEL_PV_MM_H
#include <keel/domain.h>

bool get_page(struct page_info *pg, struct domain *d);
void put_page(struct page_info *pg);
int get_page_type(struct page_info *pg, unsigned int type, struct domain *d);
void put_page_type(struct page_info *pg, struct domain *d);
int get_page_and_type(mfn_t mfn, struct domain *d, unsigned int type);
void put_page_and_type(mfn_t mfn, struct domain *d);
bool frame_is_io(mfn_t mfn);
/* Hypervisor frames shared with a guest (shared_info, grant-table frames):
 * a permanent writable type, so never a page table or descriptor page. */
void pv_share_xen_frame(mfn_t mfn, struct domain *d);
void pv_unshare_xen_frame(mfn_t mfn);       /* mm_lock held */
void mm_lock_acquire(void);
void mm_lock_release(void);

int pv_new_guest_cr3(struct vcpu *v, mfn_t mfn);
/* The L1TF rule for not-present entries (pv_mm.c): the CPU's physical
 * address width and the end of the highest memory-map range.  Boot only. */
void pv_l1tf_init(unsigned int paddr_bits, uint64_t top_of_memory);
/* LDTs (arch/x86_64/pv_ldt.c, ldt.c). */
int pv_set_ldt(struct vcpu *v, uint64_t base, unsigned int ents);
void pv_ldt_put_frames(struct vcpu *v);     /* mm_lock held */
/* Map v's LDT frames into this CPU's LDT window and load LDTR (or a null
 * LDT); on every switch to v and after SET_LDT.  Interrupts off or v current. */
void ldt_load(struct vcpu *v);
int pv_pin_table(struct domain *d, mfn_t mfn, unsigned int type);
void pv_relinquish_memory(struct domain *d);
bool pv_relinquish_memory_step(struct domain *d, uint64_t *pos, uint64_t budget);

/*
 * Preemptible page-table (de)validation (pv_mm.c, Xen's PGT_partial):
 * at most PT_PREEMPT_ENTRIES table entries, or HYPERCALL_PREEMPT_NS of
 * lock hold once PT_PREEMPT_MIN are done, per hypercall; the operation returns -XEN_ERESTART and is
 * re-issued.  pv_pt_begin() starts a hypercall's budget (every entry
 * point that can validate tables calls it).
 */
#define PT_PREEMPT_ENTRIES 2048u
#define PT_PREEMPT_MIN 256u         /* entries before elapsed time counts */
void pv_pt_begin(void);
bool pv_pt_budget_spent(void);
/* What v left to undo (an interrupted release, a failed validation):
 * 0 none left, -XEN_ERESTART not yet, else the failure's error.  mm_lock held. */
int pv_pt_finish_undo(struct vcpu *v);
bool pv_pt_undo_pending(const struct vcpu *v);
void pv_vcpu_release_tables(struct vcpu *v);     /* unbounded; tests; mm_lock held */
/* A live domain's vCPU reset: its tables, preemptibly (0 or -XEN_ERESTART). */
int pv_vcpu_drop_tables(struct vcpu *v);        /* mm_lock held */
/* VCPUOP_initialise's L4 reference, taken by vCPU `by` (mm_lock held). */
int pv_get_l4_for_context(struct vcpu *by, mfn_t mfn);
/* Drop a table reference of by's operation, which fails with rc (0: it
 * does not); a release that stops goes on in by's undo slot and the
 * result is -XEN_ERESTART (rc is reported when it is done), else rc.
 * mm_lock held. */
int pv_put_table_ref(struct vcpu *by, mfn_t mfn, int rc);
/* Frame-table entries a teardown step looks at (and so frames it may
 * free): with PT_PREEMPT_ENTRIES, a step's bound. */
#define RELINQUISH_CHUNK 512
bool pv_relinquish_some(struct domain *d, uint64_t *pos);
uint64_t pv_count_frames(const struct domain *d);

long do_mmu_update(uint64_t ureqs, uint64_t count, uint64_t pdone, uint64_t foreigndom);
long do_mmuext_op(uint64_t uops, uint64_t count, uint64_t pdone, uint64_t foreigndom);
long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long do_update_va_mapping_otherdomain(uint64_t va, uint64_t val, uint64_t flags,
                                      uint64_t domid);
#endif
