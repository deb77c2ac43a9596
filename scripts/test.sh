#!/bin/sh
# The README's test command: install dependencies, build everything with
# gcc (and check that clang builds it too), then run every test.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -j"$(nproc)" all
make -j"$(nproc)" CC=clang BUILD=build-clang all
make test
