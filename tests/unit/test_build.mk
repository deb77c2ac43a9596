test_build_SRCS := dom0-tools/lib/build.c dom0-tools/lib/kcache.c dom0-tools/lib/kunpack.c \
	hypervisor/common/bzimage.c hypervisor/common/xz_dec.c hypervisor/common/elf.c \
	hypervisor/common/pv_layout.c
$(OUT)/test_build: CFLAGS += -I$(TOP)/dom0-tools/include
$(OUT)/test_build: LDLIBS += -llzma -lz -lzstd
