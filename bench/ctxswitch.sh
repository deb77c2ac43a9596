#!/bin/sh
# Context-switch cost between two domUs on Keel's one physical CPU
# (tests/guests/evt-ping.c and evt-pong.c, bench=1).  A round passes
# control ping -> pong -> ping, two domain switches; per switch = round / 2.
#   yield  no events: each side spins on the shared page's sequence word
#          with SCHEDOP_yield until the other has written it (the cheapest
#          hand-over the ABI offers; yields-per-round shows whether each
#          yield really switched: 1.00 = one per side per round)
#   event  EVTCHNOP_send, then SCHEDOP_block until the answer's upcall
#          (what a frontend/backend pair does)
# Prints mean and median per switch in us, and event/yield of the medians.
# ROUNDS (default 2000) rounds per run.
#
#   sh bench/ctxswitch.sh            BUILD=... honoured
set -u
. "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-2000}
printf '%-8s %14s %16s %16s\n' way mean-us/switch median-us/switch yields/round
for m in yield:4 event:1; do
    name=${m%%:*}; num=${m#*:}
    mode=$([ "$num" -eq 4 ] && echo yield || echo block)
    bench_cfg ping evt-ping "bench=1 mode=$num rounds=$ROUNDS"
    bench_cfg pong evt-pong ""
    log=$BUILD/boot-logs/bench-ctxswitch-$name.log
    bench_boot "$log" ping pong || exit 1
    mean=$(bench_field "$log" "evt-result: mode=$mode" rtt-mean-ns)
    med=$(bench_field "$log" "evt-result: mode=$mode" rtt-median-ns)
    y=$(bench_field "$log" "evt-spread: mode=$mode" yields-per-round-x100)
    eval "med_$name=\$med"
    for f in mean med y; do eval "[ -n \"\$$f\" ]" || bench_missing "$name-$f"; done
    printf '%-8s %14s %16s %16s\n' "$name" "$(us "${mean:+$((mean / 2))}")" "$(us "${med:+$((med / 2))}")" \
        "$(awk -v y="$y" 'BEGIN { if (y == "") print "?"; else printf "%.2f", y / 100 }')"
done
# shellcheck disable=SC2154
awk -v e="$med_event" -v y="$med_yield" 'BEGIN { if (e != "" && y > 0) printf "ratio event/yield (median): %.2f\n", e / y
    else print "ratio event/yield (median): ?" }'
bench_exit
