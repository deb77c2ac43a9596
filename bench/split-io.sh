#!/bin/sh
# Benchmark: disk and network throughput through the split drivers
# (issue 15).  One boot of Keel under QEMU (TCG, -cpu max,-smap, -m 1536,
# -smp 2, dom0_mem=768M) with dom0 = the Debian kernel and the --blk
# initramfs, whose /bin/split-bench (bench/split-io-dom0.sh) creates two
# 128 MiB domUs (bench/split-io-guest.sh) with xen-blkfront/xen-netfront
# against dom0's stock xen-blkback/xen-netback, and measures, R times
# interleaved:
#   disk, in domU u1 on xvdb (a 64 MiB raw image in dom0's tmpfs, on a
#   loop device) and in dom0 on the same image through a loop device:
#     seqwrite/seqread  dd, 1 MiB blocks, O_DIRECT (MB/s, MB = 10^6 B)
#     randread/randwrite  bench/splitio.c, 4 KiB at random aligned
#                       offsets, O_DIRECT, queue depth 1 (IOPS)
#   TCP (bench/splitio.c, 64 MiB, rate at the receiver):
#     tcp-domU-dom0     u1 -> dom0 over vif and the bridge xenbr0
#     tcp-domU-domU     u1 -> u2 over the bridge
#     tcp-dom0-lo       dom0 -> dom0 over lo (reference)
# Prints each figure's median over the R runs with its spread (min-max),
# and the ratios domU/dom0 for the disk figures and domU-domU and
# domU-dom0 over dom0's lo for TCP (1.00 = as fast as dom0).  A figure
# that could not be read prints '?' and the script exits 1 (bench/common.sh).
#
#   sh bench/split-io.sh [--runs R] [--mib M] [--secs S]
#
# Environment: BUILD, SPLITIO_TIMEOUT (seconds, default 1200).
# Log: $BUILD/boot-logs/bench-split-io.log.  Under TCG the figures are
# emulation-bound: compare ratios, not absolute numbers, with other hosts.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
RUNS=5; MIB=64; SECS=4
usage() { echo "usage: $0 [--runs R] [--mib M] [--secs S]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --runs) RUNS=$2 ;;
    --mib) MIB=$2 ;;
    --secs) SECS=$2 ;;
    *) usage ;;
    esac
    shift 2
done
for n in "$RUNS" "$MIB" "$SECS"; do
    case $n in ''|*[!0-9]*|0) echo "split-io: '$n' is not a positive number" >&2; usage ;; esac
done
BENCH_MISSING=""
bench_missing() { BENCH_MISSING="$BENCH_MISSING $1"; }
[ -f "$BUILD/keel.elf" ] || { echo "split-io: $BUILD/keel.elf not built (run make)" >&2; exit 1; }
VMLINUZ=$(sh "$TOP/tests/linux/fetch-kernel.sh") || exit 1
INITRD=$(sh "$TOP/tests/linux/build-initramfs.sh" --blk) || exit 1
LOG=$BUILD/boot-logs/bench-split-io.log
mkdir -p "$BUILD/boot-logs"
echo "split-io: $RUNS runs, image $MIB MiB, random I/O $SECS s; host load $(cut -d' ' -f1-3 /proc/loadavg)"
sh "$TOP/tests/boot/run-qemu.sh" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=768M" \
    --dom0 "$VMLINUZ console=hvc0 pci=off swiotlb=noforce keel.blktest=bench keel.runs=$RUNS keel.mib=$MIB keel.secs=$SECS" \
    --initrd "$INITRD" --smp 2 --mem 1536 --timeout "${SPLITIO_TIMEOUT:-1200}" --smap off --log "$LOG" > /dev/null
grep -a -q '^split-bench: done' "$LOG" || {
    echo "split-io: the run did not finish (log $LOG):" >&2
    grep -a -E '^split-bench|^VERDICT' "$LOG" | tail -n 15 >&2; }
echo "split-io: host load after the run $(cut -d' ' -f1-3 /proc/loadavg)"

# stats FIGURE: "median min max" of FIGURE's values, or nothing.
stats() {
    tr -d '\r' < "$LOG" | sed -n "s/^split-bench: $1 [0-9]* \([0-9.][0-9.]*\)\$/\1/p" | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) exit; m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%s %s %s %d\n", m, v[1], v[NR], NR }'
}
row() {    # LABEL FIGURE UNIT: prints the figure, sets $med
    s=$(stats "$2")
    if [ -z "$s" ]; then
        med=""; bench_missing "$2"
        printf '%-22s %10s %-5s %s\n' "$1" '?' "$3" ''
    else
        set -- "$1" "$2" "$3" $s
        med=$4
        printf '%-22s %10s %-5s (min %s, max %s, %d runs)\n' "$1" "$4" "$3" "$5" "$6" "$7"
    fi
}
ratio() {    # LABEL A B
    if [ -z "$2" ] || [ -z "$3" ]; then
        printf '%-22s %10s\n' "$1" '?'; bench_missing "$1"
    else
        awk -v l="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%-22s %10.2f\n", l, a / b; else printf "%-22s %10s\n", l, "?" }'
    fi
}
for w in seqwrite seqread randread randwrite; do
    unit=MB/s; case $w in rand*) unit=IOPS ;; esac
    row "domU $w" "domU-$w" "$unit"; a=$med
    row "dom0 $w" "dom0-$w" "$unit"; b=$med
    ratio "  ratio domU/dom0" "$a" "$b"
done
row "TCP domU->dom0" tcp-domU-dom0 MB/s; n1=$med
row "TCP domU->domU" tcp-domU-domU MB/s; n2=$med
row "TCP dom0->dom0 (lo)" tcp-dom0-lo MB/s; n0=$med
ratio "  domU->dom0 / lo" "$n1" "$n0"
ratio "  domU->domU / lo" "$n2" "$n0"
[ -z "$BENCH_MISSING" ] && exit 0
echo "split-io: missing figures:$BENCH_MISSING (log $LOG)" >&2
exit 1
