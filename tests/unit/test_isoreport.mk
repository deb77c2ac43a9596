test_isoreport_SRCS := dom0-tools/lib/isoreport.c dom0-tools/lib/cpulist.c
$(OUT)/test_isoreport: LDLIBS += -lm
