test_keel_records_SRCS := dom0-tools/keel/records.c
$(OUT)/test_keel_records: CFLAGS += -I$(TOP)/dom0-tools/include -I$(TOP)/dom0-tools/keel
