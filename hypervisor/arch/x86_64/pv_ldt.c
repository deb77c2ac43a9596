/*
 * Guest LDTs: MMUEXT_SET_LDT for PV guests, after Xen's
 * (xen/arch/x86/mm.c MMUEXT_SET_LDT, xen/arch/x86/pv/descriptor-tables.c;
 * ABI: public/xen.h, struct mmuext_op arg1.linear_addr / arg2.nr_ents).
 *
 * Xen maps LDT pages lazily from its #PF handler.  Keel maps them
 * eagerly: SET_LDT walks the guest's kernel page tables for every page
 * of [linear_addr, linear_addr + nr_ents * 8), takes a segment-descriptor
 * type reference on each frame (validated like GDT frames by
 * validate_seg_desc_page, and refused while any writable mapping of it
 * exists), and keeps them until the next SET_LDT or the vCPU's teardown.
 * Differences from Xen, both on purpose: an LDT page that is not mapped
 * at SET_LDT time is refused with -EINVAL (Xen faults later, on first
 * use), and a later change of the guest mapping at linear_addr does not
 * change the LDT (it keeps the frames it took) until the next SET_LDT.
 * ldt_load() (arch/x86_64/ldt_window.c) maps the frames into the CPU's LDT
 * window and loads LDTR on every switch to the vCPU.
 *
 * Locking: mm_lock for the type references and v->ldt_*; a vCPU's LDT is
 * changed only by itself (SET_LDT) or at its teardown.
 */
#include <keel/pv_mm.h>
#include <keel/guest_access.h>
#include <keel/grant_table.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <asm/page.h>

/* Drop the references v's LDT holds.  mm_lock held. */
void pv_ldt_put_frames(struct vcpu *v)
{
    unsigned int i;

    for (i = 0; i < GUEST_LDT_FRAMES; i++) {
        if (!mfn_eq(v->ldt_frames[i], INVALID_MFN))
            put_page_and_type(v->ldt_frames[i], v->domain);
        v->ldt_frames[i] = INVALID_MFN;
    }
    v->ldt_base = 0;
    v->ldt_ents = 0;
}

/* Xen's checks: page-aligned base, at most 8192 entries, in guest space. */
static bool ldt_args_ok(uint64_t base, unsigned int ents)
{
    return !(base & (PAGE_SIZE - 1)) && ents <= GUEST_LDT_ENTRIES &&
           (!ents || (is_canonical(base) && guest_range_ok(base, (uint64_t)ents * 8)));
}

/* Take the descriptor-page references for nr pages from base.  mm_lock held. */
static int ldt_get_frames(struct vcpu *v, uint64_t base, unsigned int nr, mfn_t *frames)
{
    unsigned int i;

    for (i = 0; i < nr; i++) {
        uint64_t *pl1e = pv_guest_l1e(v, base + (uint64_t)i * PAGE_SIZE);
        uint64_t e = pl1e ? __atomic_load_n(pl1e, __ATOMIC_RELAXED) : 0;

        if (!(e & _PAGE_PRESENT) ||
            get_page_and_type(pte_mfn(e), v->domain, PGT_seg_desc)) {
            gdprintk("d%u: SET_LDT page %lx: %s\n", v->domain->domain_id,
                     base + (uint64_t)i * PAGE_SIZE, (e & _PAGE_PRESENT) ?
                     "not a valid descriptor page (writable mapping or bad entry)" :
                     "not mapped");
            while (i--)
                put_page_and_type(frames[i], v->domain);
            return -XEN_EINVAL;
        }
        frames[i] = pte_mfn(e);
    }
    return 0;
}

/*
 * MMUEXT_SET_LDT for v (the calling vCPU): install the LDT at base with
 * ents entries (0: none; base is then ignored, as in Xen).  The old LDT's
 * references are dropped only once the new one is in place.  Returns 0 or
 * -XEN_EINVAL.  Takes mm_lock.
 */
int pv_set_ldt(struct vcpu *v, uint64_t base, unsigned int ents)
{
    mfn_t frames[GUEST_LDT_FRAMES];
    unsigned int nr, i;
    int rc;

    if (!ents)
        base = 0;
    if (!ldt_args_ok(base, ents)) {
        gdprintk("d%u: bad SET_LDT args: base %lx, %u entries\n", v->domain->domain_id,
                 base, ents);
        return -XEN_EINVAL;
    }
    nr = (unsigned int)(((uint64_t)ents * 8 + PAGE_SIZE - 1) / PAGE_SIZE);
    mm_lock_acquire();
    rc = ldt_get_frames(v, base, nr, frames);
    if (!rc) {
        pv_ldt_put_frames(v);
        for (i = 0; i < nr; i++)
            v->ldt_frames[i] = frames[i];
        v->ldt_base = base;
        v->ldt_ents = ents;
    }
    mm_lock_release();
    if (!rc && v == current)
        ldt_load(v);
    return rc;
}
