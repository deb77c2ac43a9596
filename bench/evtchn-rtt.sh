#!/bin/sh
# Event-channel round trip between two domUs (tests/guests/evt-ping.c and
# evt-pong.c, bench=1): ping sends, pong answers, ping times each round
# with pvclock.  Three runs, one per way of waiting, both sides alike:
#   block  SCHEDOP_block, the event delivered as an upcall (how Linux waits)
#   poll   SCHEDOP_poll on the masked port, no upcall
#   spin   spinning on the pending bit with SCHEDOP_yield (one CPU: a
#          spinner must yield or its peer never runs)
# Prints mean, median and least round trip in us, and each mode's median
# over block's (the median: a loaded host preempting QEMU inflates means).  ROUNDS (default 2000) round trips per run.
#
#   sh bench/evtchn-rtt.sh            BUILD=... honoured
set -u
. "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-2000}
printf '%-8s %12s %12s %12s %10s\n' mode mean-us median-us min-us vs-block
base=""
for m in block:1 poll:2 spin:3; do
    name=${m%%:*}; num=${m#*:}
    bench_cfg ping evt-ping "bench=1 mode=$num rounds=$ROUNDS"
    bench_cfg pong evt-pong ""
    log=$BUILD/boot-logs/bench-evtchn-$name.log
    bench_boot "$log" ping pong || exit 1
    mean=$(bench_field "$log" "evt-result: mode=$name" rtt-mean-ns)
    med=$(bench_field "$log" "evt-result: mode=$name" rtt-median-ns)
    min=$(bench_field "$log" "evt-spread: mode=$name" rtt-min-ns)
    for f in mean med min; do eval "[ -n \"\$$f\" ]" || bench_missing "$name-$f"; done
    [ -n "$base" ] || base=$med
    r=$(awk -v a="$med" -v b="$base" 'BEGIN { if (a && b) printf "%.2f", a / b; else print "?" }')
    printf '%-8s %12s %12s %12s %10s\n' "$name" "$(us "$mean")" "$(us "$med")" "$(us "$min")" "$r"
done
bench_exit
