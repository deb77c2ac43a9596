#!/bin/sh
# Benchmark: the same Debian kernel, initramfs and workload (fork+exec,
# mmap churn, pipe ping-pong, memory checksum, plus the microbenchmarks
# null syscall / page fault / memory bandwidth) booted natively by QEMU and
# as Keel's dom0, under the same QEMU settings (TCG), one after the other.
# Prints each figure and the ratio Keel/native (for bandwidth: native/Keel,
# so that above 1 always means "Keel is slower").
#
#   sh bench/linux-vs-native.sh [keel.NAME=VALUE ...]   e.g. keel.forks=5000
#
# For reference (issue 6): Xen 4.17 booted the same way ran a fork+exec,
# memory-checksum and timer workload as dom0 2.8x slower than native.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$TOP/build}
WORK="keel.micro=1 $*"
LINUX_WORKLOAD="$WORK" sh "$TOP/tests/linux/run-all.sh" linux-native linux-dom0 || {
    echo "bench: a run failed (see above)"; exit 1; }
fig() {   # LOG PATTERN FIELD-SED
    grep -a "$2" "$BUILD/boot-logs/$1.log" | tail -n 1 | sed -n "$3"
}
row() {   # NAME PATTERN SED UNIT INVERT
    n=$(fig linux-native "$2" "$3"); k=$(fig linux-dom0 "$2" "$3")
    if [ -z "$n" ] || [ -z "$k" ]; then
        printf '%-22s %14s %14s %8s\n' "$1" "${n:-?}" "${k:-?}" "?"
        return
    fi
    r=$(awk -v n="$n" -v k="$k" -v inv="$5" 'BEGIN { if (inv) printf "%.2f", n / k; else printf "%.2f", k / n }')
    printf '%-22s %10s %-3s %10s %-3s %8s\n' "$1" "$n" "$4" "$k" "$4" "$r"
}
printf '%-22s %14s %14s %8s\n' "figure" "native" "keel dom0" "ratio"
row "fork+exec" "fork-exec:" 's/.*(\([0-9.]*\) us each).*/\1/p' us 0
row "mmap churn (total)" "mmap-mprotect:" 's/.* in \([0-9.]*\) s,.*/\1/p' s 0
row "pipe round trip" "pipe-pingpong:" 's/.*(\([0-9.]*\) us each).*/\1/p' us 0
row "memory checksum" "memory-checksum:" 's/.* in \([0-9.]*\) s;.*/\1/p' s 0
row "null syscall" "null-syscall" 's/.*null-syscall \([0-9.]*\) ns.*/\1/p' ns 0
row "page fault" "page-fault" 's/.*page-fault \([0-9.]*\) us.*/\1/p' us 0
row "memory bandwidth" "memory-bandwidth" 's/.*memory-bandwidth \([0-9.]*\) MiB.*/\1/p' MiB/s 1
row "whole workload" "workload: total" 's/.*failed, \([0-9.]*\) s.*/\1/p' s 0
