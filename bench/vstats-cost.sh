#!/bin/sh
# The cost of the interference counters (issue 17, docs/isolation.md) on
# the scheduler's path, on the host: bench/sched_pick.c (one schedule() in
# a yield loop; one block + schedule() + wake-up round) built from this
# tree (as it is, uncommitted changes included) and from BASE (default
# main, before the counters), against the fake arch at -O2, run alternately ROUNDS times (default 5); prints the median
# ns of each figure for each tree and the difference.  Then a loop of the
# per-event work alone: a runstate change with the wake-up histogram
# (vstat_runstate) and a hypercall's family count, in ns per operation.
#
#   sh bench/vstats-cost.sh [BASE]      ROUNDS=N, BUILD=..., CC=... honoured
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
CC=${CC:-gcc}
BASE=${1:-main}
ROUNDS=${ROUNDS:-5}
OUT=$BUILD/bench/vstats-cost
rm -rf "$OUT" && mkdir -p "$OUT/base"
git -C "$TOP" archive "$BASE" hypervisor bench | tar -x -C "$OUT/base" ||
    { echo "vstats-cost: cannot export $BASE" >&2; exit 1; }
build() {    # TREE OUTPUT
    H=$1/hypervisor
    extra=""
    [ -f "$H/common/vstats.c" ] && extra="$H/common/vstats.c"
    # The stubs the benchmark needs for whichever tree (the timer hooks
    # came after sched_pick.c was written).
    grep -q vcpu_timers_switch_out "$1/bench/sched_pick.c" ||
        printf 'void vcpu_timers_switch_out(struct vcpu *v) { (void)v; }\nvoid vcpu_timers_switch_in(struct vcpu *v) { (void)v; }\n' >> "$1/bench/sched_pick.c"
    # shellcheck disable=SC2086
    $CC -std=gnu11 -O2 -Wall -Wextra -Werror -DKEEL_HOST_TEST -I"$H/include" -I"$H/arch/fake/include" \
        -o "$2" "$1/bench/sched_pick.c" "$H/common/sched.c" $extra "$H/arch/fake/cpu.c" \
        "$H/common/tlbflush.c" "$H/arch/fake/mm.c" "$H/arch/fake/console.c" "$H/arch/fake/domain.c" \
        "$H/arch/fake/guest_access.c" "$H/arch/fake/host.c" -lcmocka
}
mkdir -p "$OUT/head"
cp -r "$TOP/hypervisor" "$TOP/bench" "$OUT/head/"   # the working tree
build "$OUT/base" "$OUT/base.bin"
build "$OUT/head" "$OUT/head.bin"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
    "$OUT/base.bin" | sed 's/^/base /' >> "$OUT/runs"
    "$OUT/head.bin" | sed 's/^/head /' >> "$OUT/runs"
    i=$((i + 1))
done
# "head   64 vCPUs: schedule()    130 ns, ...; block + schedule() + wake-up    416 ns, ..."
awk '{ tree = $1; n = $2; s = $5; w = $0; sub(/.*wake-up */, "", w); sub(/ ns.*/, "", w)
       S[tree, n, ++c[tree, n]] = s; W[tree, n, c[tree, n]] = w; sizes[n] = 1 }
function med(A, t, n, k,   i, j, x, v) {
    for (i = 1; i <= k; i++) v[i] = A[t, n, i]
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { x = v[i]; v[i] = v[j]; v[j] = x }
    return v[int((k + 1) / 2)] }
END {
    printf "%6s  %-28s %-28s\n", "vCPUs", "schedule() base/head ns", "block+wake base/head ns"
    for (n in sizes) {
        k = c["head", n]
        bs = med(S, "base", n, k); hs = med(S, "head", n, k); bw = med(W, "base", n, k); hw = med(W, "head", n, k)
        printf "%6s  %5d / %5d (%+4d)          %5d / %5d (%+4d)\n", n, bs, hs, hs - bs, bw, hw, hw - bw
    } }' "$OUT/runs" | sort -n
cat > "$OUT/ops.c" <<'EOC'
#include <stdio.h>
#include <time.h>
#include <keel/vstats.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
int main(void)
{
    static struct vcpu_runstate_info r; static struct vstat s;
    volatile uint64_t nr = 24; unsigned long i, n = 20000000; double t0, t1, t2;
    t0 = now();
    for (i = 0; i < n; i++) {   /* blocked -> runnable -> running: 2 changes, 1 histogram sample */
        vstat_runstate(&r, &s, RUNSTATE_blocked, i * 300);
        vstat_runstate(&r, &s, RUNSTATE_runnable, i * 300 + 100);
        vstat_runstate(&r, &s, RUNSTATE_running, i * 300 + 200);
    }
    t1 = now();
    for (i = 0; i < n; i++)
        s.hypercalls[vstat_family(nr + (i & 7))]++;
    t2 = now();
    printf("vstat_runstate: %.1f ns per state change (with the wake-up histogram); "
           "hypercall family count: %.1f ns per hypercall\n", (t1 - t0) / (3.0 * n), (t2 - t1) / n);
    return s.wake_hist[6] == 0;
}
EOC
$CC -std=gnu11 -O2 -I"$OUT/head/hypervisor/include" -o "$OUT/ops" "$OUT/ops.c" "$OUT/head/hypervisor/common/vstats.c"
"$OUT/ops"
