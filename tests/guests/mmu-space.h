/*
 * Shared by the stress and mmubench guests: building extra address spaces
 * out of the guest's free frames with the PV MMU hypercalls.
 *
 * A space is L4 -> L3 -> L2 -> NL1 L1 tables, each mapping NPG data
 * frames read-write at SPACE_VA (L4 slot SPACE_SLOT), L1 j's data pages at
 * SPACE_VA + j * 2 MiB; entry NPG + j of L1 0 maps L1 j read-only (so the
 * guest can write its own entries there, emulated by ptwr).  The other
 * guest L4 slots are copied from the boot L4, so the kernel stays mapped
 * when the space becomes the base pointer.  Tables are written through a
 * window page of the image remapped read-write onto each frame in turn,
 * then unmapped before the space is pinned (a page table must have no
 * writable mapping).
 */
#ifndef MMU_SPACE_H
#define MMU_SPACE_H
#include "lib/guest.h"

#define NL1 4
#define NPG 16
#define SPACE_SLOT 1UL
#define SPACE_VA (SPACE_SLOT << 39)
#define SPACE_FRAMES (3 + NL1 + NL1 * NPG)
#define PTE_RW_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_RO_FLAGS (_PAGE_PRESENT | _PAGE_ACCESSED)

struct space {
	unsigned long l4, l3, l2, l1[NL1];
	unsigned long data[NL1 * NPG];      /* data page p is at space_va(p) */
};

static uint8_t mmu_window[4096] PAGE_ALIGNED;
static unsigned long pool[8 * SPACE_FRAMES], pool_n;

static inline uint64_t space_va(unsigned int p)
{
	return SPACE_VA + (uint64_t)(p / NPG) * (2UL << 20) + (uint64_t)(p % NPG) * 4096;
}

/* Where L1 j of the current space is visible read-only. */
static inline uint64_t *l1_view(unsigned int j)
{
	return (uint64_t *)(SPACE_VA + (uint64_t)(NPG + j) * 4096);
}

static inline long mmuext1(unsigned int cmd, unsigned long arg)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static inline long mmu1(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { .ptr = ptr, .val = val };

	return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
}

/* Machine address of entry i of table frame mfn (an mmu_update ptr). */
static inline uint64_t entry_maddr(unsigned long mfn, unsigned int i)
{
	return ((uint64_t)mfn << 12) + 8UL * i;
}

/* Free frames past the bootstrap region, from the top of memory down. */
static inline void pool_init(unsigned long want)
{
	const unsigned long *mfn_list = (const unsigned long *)start_info->mfn_list;
	unsigned long first = va_to_pfn((void *)start_info->pt_base) + start_info->nr_pt_frames + 128;
	unsigned long pfn = start_info->nr_pages;

	if (want > ARRAY_SIZE(pool))
		guest_crash("pool_init: more frames asked than the pool holds");
	while (pool_n < want && pfn-- > first) {
		unsigned long m = mfn_list[pfn];

		if (m == start_info->console.domU.mfn || m == start_info->store_mfn ||
		    m == (start_info->shared_info >> 12))
			continue;
		pool[pool_n++] = m;
	}
	if (pool_n < want)
		guest_crash("pool_init: not enough free frames");
}

static inline uint64_t *window_map(unsigned long mfn)
{
	if (HYPERVISOR_update_va_mapping((unsigned long)mmu_window, (mfn << 12) | PTE_RW_FLAGS,
					 UVMF_INVLPG))
		guest_crash("window_map: update_va_mapping refused");
	return (uint64_t *)mmu_window;
}

/* Back to the window's own frame: the last table written loses its RW map. */
static inline void window_unmap(void)
{
	if (set_page_rw(mmu_window, true))
		guest_crash("window_unmap: update_va_mapping refused");
}

static inline void space_alloc(struct space *s, unsigned int k)
{
	const unsigned long *f = &pool[k * SPACE_FRAMES];
	unsigned int j, p;

	if ((k + 1) * SPACE_FRAMES > pool_n)
		guest_crash("space_alloc: pool too small");
	s->l4 = f[0];
	s->l3 = f[1];
	s->l2 = f[2];
	for (j = 0; j < NL1; j++)
		s->l1[j] = f[3 + j];
	for (p = 0; p < NL1 * NPG; p++)
		s->data[p] = f[3 + NL1 + p];
}

/* Write the tables of s (not yet pinned). */
static inline void space_write(const struct space *s)
{
	const uint64_t *boot_l4 = (const uint64_t *)start_info->pt_base;
	unsigned int i, j;
	uint64_t *t;

	t = window_map(s->l4);
	for (i = 0; i < 512; i++)
		t[i] = (i >= 256 && i <= 271) ? 0 : boot_l4[i];
	t[SPACE_SLOT] = ((uint64_t)s->l3 << 12) | PTE_RW_FLAGS;
	t = window_map(s->l3);
	memset(t, 0, 4096);
	t[0] = ((uint64_t)s->l2 << 12) | PTE_RW_FLAGS;
	t = window_map(s->l2);
	memset(t, 0, 4096);
	for (j = 0; j < NL1; j++)
		t[j] = ((uint64_t)s->l1[j] << 12) | PTE_RW_FLAGS;
	for (j = 0; j < NL1; j++) {
		t = window_map(s->l1[j]);
		memset(t, 0, 4096);
		for (i = 0; i < NPG; i++)
			t[i] = ((uint64_t)s->data[j * NPG + i] << 12) | PTE_RW_FLAGS;
		if (j == 0)
			for (i = 0; i < NL1; i++)
				t[NPG + i] = ((uint64_t)s->l1[i] << 12) | PTE_RO_FLAGS;
	}
	window_unmap();
}

/* Make s (pinned) the kernel and user base pointer. */
static inline long space_switch_to(const struct space *s)
{
	struct mmuext_op ops[2] = {
		{ .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = s->l4 },
		{ .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = s->l4 },
	};

	return HYPERVISOR_mmuext_op(ops, 2, NULL, DOMID_SELF);
}

/* Back to the boot L4 (and no user L4). */
static inline long space_switch_home(void)
{
	struct mmuext_op ops[2] = {
		{ .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = va_to_mfn((void *)start_info->pt_base) },
		{ .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = 0 },
	};

	return HYPERVISOR_mmuext_op(ops, 2, NULL, DOMID_SELF);
}
#endif
