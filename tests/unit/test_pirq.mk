test_pirq_SRCS := $(test_evtchn_SRCS)
