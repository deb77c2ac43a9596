#!/bin/sh
# The README's test command: install dependencies, build everything with
# gcc (and check that clang builds it too), then run every test.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
# Debian's own xenstored (unpacked, not installed) is the oracle of the
# store daemon's side-by-side compatibility tests: required here (a
# developer's `make test` without it falls back to recorded answers and
# says so).
make -s -C xenbus debian-xenstored
export KEEL_REQUIRE_XENSTORED=1
make -j"$(nproc)" all
make -j"$(nproc)" CC=clang BUILD=build-clang all
make test
