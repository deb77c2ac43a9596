#!/bin/sh
# Grant-table costs between two domUs (tests/guests/gbench-src.c grants 16
# pages read-only to gbench-dst.c, which times with pvclock):
#   GNTTABOP_copy of 4 KiB pages from the granter into its own, 16 ops per
#   hypercall and 1 per hypercall: MiB/s, and the ratio batch16/batch1;
#   GNTTABOP_map_grant_ref + unmap_grant_ref of a page (read-only host
#   mapping), 16 per hypercall and 1 per hypercall: us per page.
# Each figure is the best of 5 passes of ROUNDS (default 60) copies of the
# 16 pages, ROUNDS/4+1 maps and unmaps.
#
#   sh bench/grant-copy.sh            BUILD=... honoured
set -u
. "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-60}
bench_cfg gsrc gbench-src ""
bench_cfg gdst gbench-dst "rounds=$ROUNDS"
log=$BUILD/boot-logs/bench-grant.log
bench_boot "$log" gsrc gdst || exit 1
c16=$(bench_field "$log" "copy-4k batch=16" kib-per-s)
c1=$(bench_field "$log" "copy-4k batch=1" kib-per-s)
m16=$(bench_field "$log" "map batch=16" map-ns)
u16=$(bench_field "$log" "map batch=16" unmap-ns)
m1=$(bench_field "$log" "map batch=1" map-ns)
u1=$(bench_field "$log" "map batch=1" unmap-ns)
for f in c16 c1 m16 u16 m1 u1; do eval "[ -n \"\$$f\" ]" || bench_missing "$f"; done
# f(x, scale): x / scale with one decimal, or "?" when the figure is missing
awk -v a="$c16" -v b="$c1" -v m="$m16" -v u="$u16" -v m1="$m1" -v u1="$u1" '
function f(x, s) { return x == "" ? "?" : sprintf("%.1f", x / s) }
function sum(x, y) { return (x == "" || y == "") ? "" : x + y }
BEGIN {
    printf "GNTTABOP_copy 4 KiB, 16 per call: %8s MiB/s\n", f(a, 1024)
    printf "GNTTABOP_copy 4 KiB,  1 per call: %8s MiB/s\n", f(b, 1024)
    printf "batch16/batch1: %s\n", (a != "" && b > 0) ? sprintf("%.2f", a / b) : "?"
    printf "map+unmap, 16 per call: %7s us/page (map %s, unmap %s)\n", f(sum(m, u), 1000), f(m, 1000), f(u, 1000)
    printf "map+unmap,  1 per call: %7s us/page (map %s, unmap %s)\n", f(sum(m1, u1), 1000), f(m1, 1000), f(u1, 1000) }'
bench_exit
