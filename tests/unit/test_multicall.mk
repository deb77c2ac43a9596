# The same sources as test_hypercall_args (the multicall path through the
# real dispatcher), linked non-PIE for the same reason (see there).
test_multicall_SRCS = $(test_hypercall_args_SRCS)
$(OUT)/test_multicall: CFLAGS += -fno-pie
$(OUT)/test_multicall: LDLIBS += -no-pie
