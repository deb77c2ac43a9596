# test_evtchn_fifo: the FIFO event-channel ABI on the real pv_mm.c (frame
# references on control blocks and event-array pages).
test_evtchn_fifo_SRCS := $(test_evtchn_SRCS)
$(OUT)/test_evtchn_fifo: LDLIBS += -lpthread
