test_unpack_SRCS := dom0-tools/lib/kunpack.c
$(OUT)/test_unpack: LDLIBS += -llzma -lz -lzstd
