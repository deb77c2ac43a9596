/*
 * Feature bits reported by XENVER_get_features (submap 0).
 */
#ifndef __XEN_PUBLIC_FEATURES_H__
#define __XEN_PUBLIC_FEATURES_H__

#define XENFEAT_writable_page_tables       0  /* guest may write PTEs directly */
#define XENFEAT_writable_descriptor_tables 1  /* ... and GDT/LDT entries */
#define XENFEAT_auto_translated_physmap    2  /* hypervisor does P2M translation */
#define XENFEAT_supervisor_mode_kernel     3  /* guest kernel runs in ring 0 */
#define XENFEAT_pae_pgdir_above_4gb        4  /* PAE L3 may sit above 4 GiB */
#define XENFEAT_mmu_pt_update_preserve_ad  5  /* MMU_PT_UPDATE_PRESERVE_AD works */
#define XENFEAT_highmem_assist             6  /* MMUEXT highmem helpers */
#define XENFEAT_gnttab_map_avail_bits      7  /* GNTMAP_guest_avail bits kept */
#define XENFEAT_hvm_callback_vector        8
#define XENFEAT_hvm_safe_pvclock           9
#define XENFEAT_hvm_pirqs                 10
#define XENFEAT_dom0                      11  /* this domain is dom0 */
/* 12: retired (was grant_map_identity); never set. */
#define XENFEAT_memory_op_vnode_supported 13
#define XENFEAT_ARM_SMCCC_supported       14
#define XENFEAT_linux_rsdp_unrestricted   15
#define XENFEAT_not_direct_mapped         16
#define XENFEAT_direct_mapped             17

#define XENFEAT_NR_SUBMAPS 1

#endif /* __XEN_PUBLIC_FEATURES_H__ */
