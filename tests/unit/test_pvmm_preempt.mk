test_pvmm_preempt_SRCS := $(test_pvmm_SRCS) hypervisor/arch/x86_64/ptwr.c \
	hypervisor/arch/x86_64/vcpu_initialise.c
$(OUT)/test_pvmm_preempt: CFLAGS += -DFAKE_NR_FRAMES=256u
