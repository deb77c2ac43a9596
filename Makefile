# Keel: one top-level Makefile.  Each part has its own Makefile and is
# driven from here with BUILD (absolute) and CC passed down.
#
#   make            build everything: build/keel.elf, build/bin/*, test guests
#   make test       run every test suite (unit, xenbus, boot tests)
#   make CC=clang BUILD=build-clang    the same tree built with clang
ifeq ($(origin CC),default)
CC := gcc
endif
BUILD ?= build
override BUILD := $(abspath $(BUILD))
export CC BUILD

# Parts, in build order.  A part is a directory with a Makefile that
# understands `all`, `test` and `clean`.
PARTS := $(patsubst %/Makefile,%,$(wildcard hypervisor/Makefile xenbus/Makefile \
	dom0-tools/Makefile tests/guests/Makefile tests/unit/Makefile bench/Makefile))

.PHONY: all test clean $(PARTS)
all: $(PARTS)
$(PARTS):
	$(MAKE) -C $@ all BUILD=$(BUILD) CC=$(CC)

test: all
	sh tests/run-all.sh

clean:
	rm -rf $(BUILD)
