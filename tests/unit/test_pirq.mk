# test_pirq: common/pirq.c with event_channel.c, and physdev.c's
# PHYSDEVOP_pirq_eoi_gmfn_v2 (frame references on the real pv_mm.c).
test_pirq_SRCS := $(test_evtchn_SRCS) hypervisor/arch/x86_64/physdev.c
