/*
 * Temporary private subset of Xen's public ABI (identifiers as in Xen's
 * xen/include/public/), used until hypervisor/include/public/ exists.
 * To be deleted once the guests build against the public headers.
 */
#ifndef GUEST_XEN_MIN_H
#define GUEST_XEN_MIN_H

#include <stdint.h>

typedef unsigned long xen_pfn_t;
typedef unsigned long xen_ulong_t;
typedef uint16_t domid_t;

#define __HYPERVISOR_set_trap_table        0
#define __HYPERVISOR_mmu_update            1
#define __HYPERVISOR_set_gdt               2
#define __HYPERVISOR_stack_switch          3
#define __HYPERVISOR_set_callbacks         4
#define __HYPERVISOR_fpu_taskswitch        5
#define __HYPERVISOR_update_descriptor    10
#define __HYPERVISOR_memory_op            12
#define __HYPERVISOR_multicall            13
#define __HYPERVISOR_update_va_mapping    14
#define __HYPERVISOR_xen_version          17
#define __HYPERVISOR_console_io           18
#define __HYPERVISOR_vm_assist            21
#define __HYPERVISOR_iret                 23
#define __HYPERVISOR_vcpu_op              24
#define __HYPERVISOR_set_segment_base     25
#define __HYPERVISOR_mmuext_op            26
#define __HYPERVISOR_sched_op             29
#define __HYPERVISOR_callback_op          30
#define __HYPERVISOR_event_channel_op     32
#define __HYPERVISOR_physdev_op           33

#define FLAT_KERNEL_CS64 0xe033
#define FLAT_KERNEL_DS64 0xe02b
#define FLAT_KERNEL_SS64 0xe02b
#define FLAT_USER_CS64   0xe033
#define FLAT_USER_SS64   0xe02b
#define FLAT_RING3_CS64  0xe033
#define FLAT_RING3_DS64  0x0000
#define FLAT_RING3_SS64  0xe02b
#define FLAT_KERNEL_CS   FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS   FLAT_KERNEL_SS64
#define FIRST_RESERVED_GDT_ENTRY 7168

#define HYPERVISOR_VIRT_START 0xffff800000000000UL
#define HYPERVISOR_VIRT_END   0xffff880000000000UL
#define MACH2PHYS_VIRT_START  0xffff800000000000UL

#define SIF_PRIVILEGED    (1 << 0)
#define SIF_INITDOMAIN    (1 << 1)
#define SIF_MULTIBOOT_MOD (1 << 2)
#define SIF_MOD_START_PFN (1 << 3)

struct start_info {
	char magic[32];
	unsigned long nr_pages;
	unsigned long shared_info;
	uint32_t flags;
	xen_pfn_t store_mfn;
	uint32_t store_evtchn;
	union {
		struct {
			xen_pfn_t mfn;
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off;
			uint32_t info_size;
		} dom0;
	} console;
	unsigned long pt_base;
	unsigned long nr_pt_frames;
	unsigned long mfn_list;
	unsigned long mod_start;
	unsigned long mod_len;
	int8_t cmd_line[1024];
	unsigned long first_p2m_pfn;
	unsigned long nr_p2m_frames;
};
typedef struct start_info start_info_t;

struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};

struct arch_vcpu_info {
	unsigned long cr2;
	unsigned long pad;
};

struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};

#define XEN_LEGACY_MAX_VCPUS 32
struct arch_shared_info {
	unsigned long max_pfn;
	xen_pfn_t pfn_to_mfn_frame_list_list;
	unsigned long nmi_reason;
	unsigned long p2m_cr3;
	unsigned long p2m_vaddr;
	unsigned long p2m_generation;
};

struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[64];
	xen_ulong_t evtchn_mask[64];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
};

struct trap_info {
	uint8_t vector;
	uint8_t flags;
	uint16_t cs;
	unsigned long address;
};

struct multicall_entry {
	xen_ulong_t op, result;
	xen_ulong_t args[6];
};

struct mmu_update {
	uint64_t ptr;
	uint64_t val;
};
#define MMU_NORMAL_PT_UPDATE 0
#define MMU_MACHPHYS_UPDATE  1

#define MMUEXT_PIN_L1_TABLE      0
#define MMUEXT_PIN_L2_TABLE      1
#define MMUEXT_PIN_L3_TABLE      2
#define MMUEXT_PIN_L4_TABLE      3
#define MMUEXT_UNPIN_TABLE       4
#define MMUEXT_NEW_BASEPTR       5
#define MMUEXT_TLB_FLUSH_LOCAL   6
#define MMUEXT_INVLPG_LOCAL      7
#define MMUEXT_NEW_USER_BASEPTR 15
struct mmuext_op {
	unsigned int cmd;
	union {
		xen_pfn_t mfn;
		unsigned long linear_addr;
	} arg1;
	union {
		unsigned int nr_ents;
		const void *vcpumask;
		xen_pfn_t src_mfn;
	} arg2;
};

#define UVMF_NONE        0
#define UVMF_TLB_FLUSH   1
#define UVMF_INVLPG      2
#define UVMF_LOCAL       0

#define DOMID_SELF 0x7ff0

#define XENVER_version      0
#define XENVER_extraversion 1
#define XENVER_capabilities 3
#define XENVER_get_features 6
#define XENVER_pagesize     7
typedef char xen_extraversion_t[16];
typedef char xen_capabilities_info_t[1024];
struct xen_feature_info {
	unsigned int submap_idx;
	uint32_t submap;
};
#define XENFEAT_writable_page_tables       0
#define XENFEAT_auto_translated_physmap    2
#define XENFEAT_mmu_pt_update_preserve_ad  5
#define XENFEAT_gnttab_map_avail_bits      7
#define XENFEAT_dom0                      11

#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

#define VMASST_CMD_enable  0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_4gb_segments        0
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_runstate_update_flag 5

#define VCPUOP_up                            1
#define VCPUOP_is_up                         3
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_register_vcpu_info           10
struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset;
	uint32_t rsvd;
};
struct vcpu_runstate_info {
	int state;
	uint64_t state_entry_time;
	uint64_t time[4];
};
struct vcpu_register_runstate_memory_area {
	union {
		struct vcpu_runstate_info *v;
		uint64_t p;
	} addr;
};

#define SEGBASE_FS          0
#define SEGBASE_GS_USER     1
#define SEGBASE_GS_KERNEL   2
#define SEGBASE_GS_USER_SEL 3

#define SCHEDOP_yield    0
#define SCHEDOP_shutdown 2
struct sched_shutdown {
	unsigned int reason;
};
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot   1
#define SHUTDOWN_suspend  2
#define SHUTDOWN_crash    3

#define CALLBACKOP_register   0
#define CALLBACKOP_unregister 1
#define CALLBACKTYPE_event    0
#define CALLBACKTYPE_failsafe 1
#define CALLBACKTYPE_syscall  2
#define CALLBACKTYPE_nmi      4
#define CALLBACKF_mask_events (1 << 0)
struct callback_register {
	uint16_t type;
	uint16_t flags;
	unsigned long address;
};
struct callback_unregister {
	uint16_t type;
	uint16_t _unused;
};

#define PHYSDEVOP_set_iopl 6
struct physdev_set_iopl {
	uint32_t iopl;
};

#define VGCF_in_syscall (1 << 8)

#define XEN_EPERM    1
#define XEN_ENOENT   2
#define XEN_ESRCH    3
#define XEN_ENXIO    6
#define XEN_E2BIG    7
#define XEN_EFAULT  14
#define XEN_EBUSY   16
#define XEN_EINVAL  22
#define XEN_ENOSYS  38
#define XEN_EOPNOTSUPP 95

#endif
