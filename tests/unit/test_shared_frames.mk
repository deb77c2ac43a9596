# test_shared_frames: hypervisor frames shared with guests and the console
# backend's ring (docs/security.md, classes 1 and 2).
test_shared_frames_SRCS := hypervisor/common/iomem.c hypervisor/arch/x86_64/pv_mm.c hypervisor/arch/x86_64/pv_ldt.c \
	hypervisor/common/grant_table.c hypervisor/common/console_backend.c \
	hypervisor/common/reservation.c hypervisor/arch/fake/cons_io.c \
	hypervisor/arch/fake/frame_alloc.c hypervisor/arch/fake/continuation.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/console.c \
	hypervisor/arch/fake/domain.c hypervisor/arch/fake/guest_access.c \
	hypervisor/arch/fake/traps.c hypervisor/arch/fake/sched.c hypervisor/arch/fake/seg_desc.c \
	hypervisor/arch/fake/host.c
