#!/bin/sh
# Benchmark: the PV MMU paths timed from inside a guest (tests/guests/
# mmubench.c, pvclock time): mmu_update one entry per call and 16 per
# call (per entry), update_va_mapping with invlpg, a ptwr-emulated write
# of an L1 entry, pin + unpin of an L1.  Boots $BUILD/keel.elf with the
# guest as dom0 in QEMU (TCG unless --accel kvm) and prints one row per
# figure.  With --xen the same guest runs on Debian's Xen 4.17 instead
# (tests/boot/fetch-xen.sh), for reference.
#
#   sh bench/mmu.sh [--xen] [--accel tcg|kvm] [n=OPS]     (default n=20000)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
ACCEL=tcg
N=n=20000
HV=$BUILD/keel.elf
APPEND="console=com1 dom0_mem=64M"
NAME=keel
while [ $# -gt 0 ]; do
    case $1 in
    --xen) HV=$(sh "$TOP/tests/boot/fetch-xen.sh") || { echo "mmu.sh: cannot fetch Xen" >&2; exit 1; }
           APPEND="console=com1 dom0_mem=64M"; NAME=xen; shift ;;
    --accel) [ $# -ge 2 ] || { echo "mmu.sh: --accel needs a value" >&2; exit 2; }
             ACCEL=$2; shift 2 ;;
    n=[0-9]*) case ${1#n=} in *[!0-9]*|0*) echo "mmu.sh: '$1': n must be a positive number" >&2; exit 2 ;; esac
              N=$1; shift ;;
    *) echo "mmu.sh: unknown argument '$1' (expected --xen, --accel X or n=OPS)" >&2; exit 2 ;;
    esac
done
GUEST=$BUILD/guests/mmubench.elf
[ -f "$GUEST" ] || { echo "mmu.sh: $GUEST not built (make)" >&2; exit 1; }
LOG=$BUILD/boot-logs/bench-mmu-$NAME.log
mkdir -p "$(dirname "$LOG")"
sh "$TOP/tests/boot/run-qemu.sh" --hv "$HV" --append "$APPEND" \
    --dom0 "$GUEST $N" --timeout 300 --accel "$ACCEL" --log "$LOG" < /dev/null || {
    echo "mmu.sh: the benchmark guest failed (log $LOG)"; exit 1; }
printf '%-46s %10s %10s\n' "figure ($NAME, $ACCEL)" "ops" "ns/op"
# A row without its figures prints "?" and the script fails.
grep -a "# mmubench: " "$LOG" | sed 's/^# mmubench: //' |
    awk -F': ' '{ split($2, a, " ")
                  ops = a[1] ~ /^[0-9.]+$/ ? a[1] : "?"; ns = a[3] ~ /^[0-9.]+$/ ? a[3] : "?"
                  if (ops == "?" || ns == "?") bad = 1
                  n++; printf "%-46s %10s %10s\n", $1, ops, ns }
                END { if (n == 0) print "mmu.sh: no figures in the log" > "/dev/stderr"
                      exit (bad || n == 0) }'
