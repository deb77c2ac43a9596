#!/bin/sh
# The scheduler's own cost on the host (bench/sched_pick.c): one schedule()
# in a yield loop and one block/wake-up round, with 8 to 1024 vCPUs, the
# real common/sched.c built against the fake arch (-O2, no sanitizers).
# Prints one line per size; docs/benchmarks.md has measured figures.
#
#   sh bench/sched-pick.sh          BUILD=... honoured; CC=... too
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
CC=${CC:-gcc}
OUT=$BUILD/bench
mkdir -p "$OUT"
H=$TOP/hypervisor
$CC -std=gnu11 -O2 -Wall -Wextra -Werror -DKEEL_HOST_TEST -I"$H/include" -I"$H/arch/fake/include" \
    -o "$OUT/sched_pick" "$TOP/bench/sched_pick.c" "$H/common/sched.c" "$H/common/vstats.c" "$H/arch/fake/cpu.c" \
    "$H/common/tlbflush.c" "$H/arch/fake/mm.c" "$H/arch/fake/console.c" "$H/arch/fake/domain.c" \
    "$H/arch/fake/guest_access.c" "$H/arch/fake/host.c" -lcmocka
"$OUT/sched_pick"
