test_isoreport_SRCS := dom0-tools/lib/isoreport.c
$(OUT)/test_isoreport: LDLIBS += -lm
