test_pvmm_preempt_SRCS := $(test_pvmm_SRCS)
$(OUT)/test_pvmm_preempt: CFLAGS += -DFAKE_NR_FRAMES=256u
