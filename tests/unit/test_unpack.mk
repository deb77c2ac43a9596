test_unpack_SRCS := dom0-tools/lib/kunpack.c hypervisor/common/xz_dec.c
$(OUT)/test_unpack: LDLIBS += -llzma -lz -lzstd
