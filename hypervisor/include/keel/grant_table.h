/*
 * Grant tables, versions 1 and 2 (common/grant_table.c; the ABI is in
 * public/grant_table.h, the design in docs/grant-tables.md).
 */
#ifndef KEEL_GRANT_TABLE_H
#define KEEL_GRANT_TABLE_H
#include <keel/types.h>

struct domain;
struct vcpu;

/* Limits.  Xen's defaults are 64 grant frames for dom0 and 32 for domUs
 * (max_grant_frames); Keel uses 32 for every domain. */
#define GNTTAB_MAX_FRAMES      32u
#define GNTTAB_INITIAL_FRAMES  1u      /* Xen's INITIAL_NR_GRANT_FRAMES */
#define GNTTAB_MAPTRACK_PAGES  8u      /* maptrack pages per domain */
#define GNTTAB_MAPTRACK_PER_PAGE 512u   /* 8-byte maptrack entries */
#define GNTTAB_MAX_HANDLES     (GNTTAB_MAPTRACK_PAGES * GNTTAB_MAPTRACK_PER_PAGE)
/* Version 2: 16-byte entries (256 a frame) and a separate array of 2-byte
 * status words (2048 a frame); Xen's grant_to_status_frames(). */
#define GNTTAB_V2_PER_FRAME    256u
#define GNTTAB_STATUS_PER_FRAME 2048u
#define GNTTAB_STATUS_FRAMES(nr) \
    (((nr) * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME)
#define GNTTAB_MAX_STATUS_FRAMES GNTTAB_STATUS_FRAMES(GNTTAB_MAX_FRAMES)
/* Highest version offered (Xen's gnttab=max-ver default); a domain's own
 * limit is d->max_grant_version (createdomain's grant_opts). */
#define GNTTAB_MAX_VERSION     2u

/*
 * Give d a grant table with GNTTAB_INITIAL_FRAMES shared frames.
 * Returns 0 or -XEN_ENOMEM.  Called from domain_create; cannot block.
 */
int gnttab_init(struct domain *d);

/*
 * A dying domain (from domain_destroy_step, before its memory goes):
 * forget the mappings it holds of other domains' grants (their pins;
 * references held by its page-table entries go with its tables), refuse
 * new uses of its own grants (GNTST_bad_domain) and drop the allocation
 * reference of its shared frames.  Active entries that other domains
 * still pin stay until they unmap; the granted frames stay allocated
 * until their last reference goes.  Takes gnttab_lock and mm_lock.
 */
void gnttab_destroy(struct domain *d);

/* __HYPERVISOR_grant_table_op(cmd, uop, count). */
long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count);

/* Provided by arch/x86_64/pv_mm.c (call with mm_lock held): */
/* The L1 entry mapping va in v's current page tables, or NULL. */
uint64_t *pv_guest_l1e(struct vcpu *v, uint64_t va);
/* Drop the references an L1 entry holds, as when a guest zaps it. */
void pv_put_l1e_refs(uint64_t e);
#endif
