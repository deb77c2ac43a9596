#!/bin/sh
# The README's test command: install dependencies, build everything with
# gcc (and check that clang builds it too), then run every test.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
# Debian's own xenstored (unpacked, not installed) for the store daemon's
# side-by-side compatibility tests; they fall back to recorded answers
# if it cannot be fetched.
make -s -C xenbus debian-xenstored || echo "test: Debian's xenstored unavailable; compat tests use recorded answers"
make -j"$(nproc)" all
make -j"$(nproc)" CC=clang BUILD=build-clang all
make test
