# test_console_drain: console output buffered and paced (issue 11, defect 4).
test_console_drain_SRCS := hypervisor/common/console.c hypervisor/common/console_backend.c \
	hypervisor/common/lib.c hypervisor/arch/fake/mm.c hypervisor/arch/fake/domain.c \
	hypervisor/arch/fake/cpu.c hypervisor/common/tlbflush.c hypervisor/arch/fake/host.c
