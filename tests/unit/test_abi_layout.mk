# test_abi_layout: Keel's public headers against Xen's (/usr/include/xen,
# Debian package libxen-dev).
test_abi_layout_SRCS := tests/unit/abi_layout_xen.c tests/unit/abi_layout_keel.c

# Each public header must also compile on its own, freestanding, with both
# compilers (as the hypervisor and the test guests build it), as gnu11 with
# -Wpadded (all padding must be explicit), as strict c11 -Wpedantic, and
# from assembly.  The stamp
# is a prerequisite of the test binary, so `make all` checks it.
ABI_PUBLIC_DIR := $(TOP)/hypervisor/include/public
ABI_PUBLIC_HDRS := $(patsubst $(TOP)/hypervisor/include/%,%,\
	$(wildcard $(ABI_PUBLIC_DIR)/*.h $(ABI_PUBLIC_DIR)/io/*.h))
ABI_ALONE_FLAGS := -ffreestanding -Wall -Wextra -Werror -I$(TOP)/hypervisor/include

$(OUT)/abi_headers_alone.stamp: $(addprefix $(TOP)/hypervisor/include/,$(ABI_PUBLIC_HDRS)) \
		test_abi_layout.mk abi_layout_asm.S | $(OUT)
	@set -e; for cc in gcc clang; do \
		for h in $(ABI_PUBLIC_HDRS); do \
			for std in "gnu11 -Wpadded" "c11 -Wpedantic"; do \
				printf '#include <%s>\nint abi_alone;\n' $$h | \
					$$cc -x c -std=$$std $(ABI_ALONE_FLAGS) -c -o /dev/null - || \
					{ echo "abi: $$h does not compile alone ($$cc -std=$$std)"; exit 1; }; \
			done; \
			printf '#include <%s>\n' $$h | \
				$$cc -x assembler-with-cpp -D__ASSEMBLY__ $(ABI_ALONE_FLAGS) -c -o /dev/null - || \
				{ echo "abi: $$h is not usable from assembly ($$cc)"; exit 1; }; \
		done; \
		$$cc -D__ASSEMBLY__ $(ABI_ALONE_FLAGS) -c -o /dev/null abi_layout_asm.S || \
			{ echo "abi: abi_layout_asm.S does not assemble ($$cc)"; exit 1; }; \
	done
	@touch $@

$(OUT)/test_abi_layout: $(OUT)/abi_headers_alone.stamp
$(OUT)/test_abi_layout: abi_layout.h abi_layout_gen.h abi_layout_list.h
