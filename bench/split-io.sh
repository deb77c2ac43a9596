#!/bin/sh
# Benchmark: disk and network throughput through the split drivers
# (issue 15), Keel against Xen 4.17 and against no hypervisor.  The same
# Debian kernel and the same --blk initramfs (with Xen's toolstack added
# in /opt/xen, bench/xen-toolstack.sh) booted three ways in the same QEMU
# (TCG, -cpu max,-smap, -m 1536, -smp 2):
#   native  QEMU boots the kernel itself (console=ttyS0 mem=768M): dom0's
#           own figures only
#   keel    Keel (console=com1 dom0_mem=768M dom0_max_vcpus=2), the
#           kernel as dom0
#   xen     Debian's Xen 4.17 (tests/boot/fetch-xen.sh, console=com1
#           dom0_mem=768M,max:768M), the kernel as its dom0 with Xen's
#           own toolstack (xenstored, xenconsoled, `xl create`)
# dom0's /bin/split-bench (bench/split-io-dom0.sh, keel.bench=MODE)
# creates, under keel and xen, from the same xl.cfg files, two 128 MiB
# domUs (bench/split-io-guest.sh) with xen-blkfront/xen-netfront against
# dom0's stock xen-blkback/xen-netback, and measures once per boot:
#   disk, in domU u1 on xvdb (a 64 MiB raw image in dom0's tmpfs, on a
#   loop device) and in dom0 on the same image through a loop device:
#     seqwrite/seqread  dd, 1 MiB blocks, O_DIRECT (MB/s, MB = 10^6 B)
#     randread/randwrite  bench/splitio.c, 4 KiB at random aligned
#                       offsets, O_DIRECT, queue depth 1 (IOPS)
#   TCP (bench/splitio.c, 64 MiB, rate at the receiver):
#     tcp-domU-dom0     u1 -> dom0 over vif and the bridge xenbr0
#     tcp-domU-domU     u1 -> u2 over the bridge
#     tcp-dom0-lo       dom0 -> dom0 over lo (the reference)
# Natively only dom0's figures exist.  No network device: the TCP
# figures stay inside the machine's dom0 and domUs.
#
#   sh bench/split-io.sh [--runs R] [--mib M] [--secs S] [--skip MODE,...] [--report]
#
# --report boots nothing: it prints the tables again from the logs of the
# last R rounds (a boot whose log shows no "split-bench: done" or fails
# the clock check is left out).
#
# The boots are interleaved and the order rotates every round (native
# keel xen, keel xen native, xen native keel, ...), R rounds (default 3).
# Prints each figure's median over the rounds with [min-max] (and n=N
# when only N of the R boots of a mode finished and passed the clock
# check; their failures are listed and the exit status is 1), then the
# ratios domU/dom0 (for TCP: over dom0's lo) and domU/native for Keel and
# for Xen, and Keel's ratio over Xen's (K/X; at or above 1.00 is the aim).
# A figure that could not be read prints '?' and the script exits 1.
# Environment: BUILD, SPLITIO_TIMEOUT (seconds per boot, default 1200),
# SPLITIO_LOGS (the logs' directory, default $BUILD/boot-logs),
# SPLITIO_KEEL_ARGS (words added to Keel's command line; default
# dom0_max_vcpus=2, so that dom0 has 2 vCPUs as Xen's (one per CPU, Xen's
# default) and native's 2 CPUs; empty: Keel's default of 1).
# Logs: $SPLITIO_LOGS/bench-split-io-MODE-runR.log.  Under TCG the
# figures are emulation-bound: compare ratios, not absolute numbers,
# with other hosts.  docs/benchmarks.md has the figures.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
LOGS=${SPLITIO_LOGS:-$BUILD/boot-logs}
W=$BUILD/bench/split-io
TIMEOUT=${SPLITIO_TIMEOUT:-1200}
RUNS=3; MIB=64; SECS=4; SKIP=""; REPORT=0
MODES_ALL="native keel xen"
die() { echo "split-io: $*" >&2; exit 1; }
usage() { echo "usage: $0 [--runs R] [--mib M] [--secs S] [--skip MODE,...] [--report]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ "$1" = --report ] && { REPORT=1; shift; continue; }
    [ $# -ge 2 ] || usage
    case $1 in
    --runs) RUNS=$2 ;;
    --mib) MIB=$2 ;;
    --secs) SECS=$2 ;;
    --skip) SKIP=$(printf '%s' "$2" | tr ',' ' ') ;;
    *) echo "split-io: unknown argument '$1'" >&2; usage ;;
    esac
    shift 2
done
for n in "$RUNS" "$MIB" "$SECS" "$TIMEOUT"; do
    case $n in ''|*[!0-9]*|0) echo "split-io: '$n' is not a positive number" >&2; usage ;; esac
done
for s in $SKIP; do
    case " $MODES_ALL " in *" $s "*) ;; *) echo "split-io: unknown mode '$s'" >&2; usage ;; esac
done
selected() { case " $SKIP " in *" $1 "*) return 1 ;; esac; return 0; }

# clock_check LOG: dom0's time from clock-start to clock-end against the
# host's (noted when the harness saw each line, every 0.2 s or later
# under load): every figure is timed by the guests' clocks, so a boot in
# which dom0's is more than 5 % (or 1 s, on a short native span) off the
# host's (a hypervisor's time gone wrong) is not used.
clock_check() {
    tr -d '\r' < "$1" | awk '
        /split-bench: clock-start / { g0 = $NF } /split-bench: clock-end / { g1 = $NF }
        /host-clock / { h0 = $(NF - 1); h1 = $NF }
        END {
            if (g1 <= g0 || h1 <= h0) { print "clock: no timings to compare (wrong: not used)"; exit }
            r = (g1 - g0) / (h1 - h0)
            printf "clock: dom0 timed the measurements (%.0f s) at %.3f of the host'"'"'s time", h1 - h0, r
            # 5 %, or 1 s of the harness'"'"'s polling on a short span.
            tol = 1 / (h1 - h0); if (tol < 0.05) tol = 0.05
            if (r < 1 - tol || r > 1 + tol) printf " (wrong: this boot'"'"'s figures are not used)"
            printf "\n" }'
}
if [ "$REPORT" -eq 0 ]; then
[ -f "$BUILD/keel.elf" ] || die "$BUILD/keel.elf not built (run make)"
VMLINUZ=$(sh "$TOP/tests/linux/fetch-kernel.sh") || exit 1
XEN=$(sh "$TOP/tests/boot/fetch-xen.sh") || die "cannot fetch Xen 4.17 (tests/boot/fetch-xen.sh)"
BLK=$(sh "$TOP/tests/linux/build-initramfs.sh" --blk) || die "build-initramfs.sh --blk failed"
# The same initramfs for the three boots: the --blk one and an archive
# with Xen's toolstack and hotplug scripts (the kernel unpacks both).
mkdir -p "$W" "$LOGS" || die "cannot create $W"
rm -rf "$W/xen-root" && mkdir -p "$W/xen-root" || die "cannot create $W/xen-root"
sh "$TOP/bench/xen-toolstack.sh" "$W/xen-root" || die "bench/xen-toolstack.sh failed"
(cd "$W/xen-root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -1 -n > "$W/xen.cpio.gz" || die "cpio of $W/xen-root failed"
cat "$BLK" "$W/xen.cpio.gz" > "$W/initrd.gz" || die "cannot write $W/initrd.gz"
INITRD=$W/initrd.gz
DOM0="pci=off swiotlb=noforce keel.blktest=bench keel.runs=1 keel.mib=$MIB keel.secs=$SECS"

# boot MODE ROUND LOG: one boot, stopped 3 s after dom0's last line;
# 0 if split-bench said done.
boot() {
    case $1 in
    native) k=$VMLINUZ; a="console=ttyS0 mem=768M $DOM0 keel.bench=native keel.round=$2"; i=$INITRD ;;
    keel) k=$BUILD/keel.elf; a="console=com1 dom0_mem=768M ${SPLITIO_KEEL_ARGS-dom0_max_vcpus=2}"
          i="$VMLINUZ console=hvc0 $DOM0 keel.bench=keel keel.round=$2,$INITRD" ;;
    xen) k=$XEN; a="console=com1 dom0_mem=768M,max:768M"
         i="$VMLINUZ console=hvc0 $DOM0 keel.bench=xen keel.round=$2,$INITRD" ;;
    esac
    : > "$3"
    qemu-system-x86_64 -accel tcg -cpu max,-smap -smp 2 -m 1536 \
        -display none -monitor none -serial stdio -no-reboot -nic none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$k" -append "$a" -initrd "$i" < /dev/null >> "$3" 2>&1 &
    qpid=$!
    t=0; grace=-1; why=""; h0=""; h1=""
    while kill -0 "$qpid" 2>/dev/null; do
        [ -z "$h0" ] && grep -a -q 'split-bench: clock-start' "$3" && h0=$(date +%s.%N)
        [ -z "$h1" ] && grep -a -q 'split-bench: clock-end' "$3" && h1=$(date +%s.%N)
        [ "$grace" -lt 0 ] && grep -a -q -E 'split-bench: (done|FAIL)|VERDICT:' "$3" && grace=15
        [ "$grace" -eq 0 ] && break
        [ "$grace" -gt 0 ] && grace=$((grace - 1))
        t=$((t + 1))
        [ "$t" -gt $((TIMEOUT * 5)) ] && { why=" (timed out after $TIMEOUT s)"; break; }
        sleep 0.2
    done
    kill "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    # QEMU may exit (natively) within one poll of dom0's last lines.
    [ -z "$h0" ] && grep -a -q 'split-bench: clock-start' "$3" && h0=$(date +%s.%N)
    [ -z "$h1" ] && grep -a -q 'split-bench: clock-end' "$3" && h1=$(date +%s.%N)
    printf '\nhost-clock %s %s\n' "$h0" "$h1" >> "$3"    # after a line cut short
    grep -a -q 'split-bench: done' "$3" && { echo "done"; return 0; }
    echo "FAIL: $(grep -a -E 'split-bench: FAIL|VERDICT' "$3" | head -n 1 | tr -d '\r')$why"
    return 1
}

echo "split-io: $RUNS round(s); image $MIB MiB, random I/O $SECS s, TCP 64 MiB; $(nproc) host CPUs"
failed=""
r=1
while [ "$r" -le "$RUNS" ]; do
    # Rotate the order: round r starts with the ((r-1) mod 3)th mode.
    # shellcheck disable=SC2086  # the modes are words
    set -- $MODES_ALL
    k=$(( (r - 1) % 3 )); while [ "$k" -gt 0 ]; do m=$1; shift; set -- "$@" "$m"; k=$((k - 1)); done
    for m in "$@"; do
        selected "$m" || continue
        log=$LOGS/bench-split-io-$m-run$r.log
        start=$(date +%s)
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        out=$(boot "$m" "$r" "$log")
        rc=$?
        echo "$m round $r: $out ($(( $(date +%s) - start )) s, load before $load; log $log)"
        tr -d '\r' < "$log" | sed -n 's/^.*split-bench: \([a-zA-Z0-9-]* 1 .*\)$/  \1/p' | tr '\n' ' ' | fold -s -w 100
        echo
        # Kept (every figure was read) but said: a dom0 or domU process
        # that crashed, or a kernel complaint, during the boot.
        bad=$(tr -d '\r' < "$log" | grep -a -E 'segfault at|general protection|BUG:|Oops|soft lockup' | head -n 1)
        [ -n "$bad" ] && echo "  kernel log: $bad"
        if [ "$rc" -eq 0 ]; then
            ck=$(clock_check "$log")
            echo "  $ck"
            case $ck in *wrong*) rc=1 ;; esac
        fi
        [ "$rc" -eq 0 ] || failed="$failed $m-run$r"
    done
    r=$((r + 1))
done
else
    # --report: the verdicts again from the logs.
    failed=""
    r=1
    while [ "$r" -le "$RUNS" ]; do
        for m in $MODES_ALL; do
            selected "$m" || continue
            log=$LOGS/bench-split-io-$m-run$r.log
            if [ -f "$log" ] && grep -a -q 'split-bench: done' "$log"; then
                ck=$(clock_check "$log")
                echo "$m round $r: $ck"
                case $ck in *wrong*) failed="$failed $m-run$r" ;; esac
            else
                echo "$m round $r: no finished run in $log"
                failed="$failed $m-run$r"
            fi
        done
        r=$((r + 1))
    done
fi

# vals MODE FIGURE: the figure's value in each round's log, one a line.
vals() {
    i=1
    while [ "$i" -le "$RUNS" ]; do
        case " $failed " in *" $1-run$i "*) i=$((i + 1)); continue ;; esac
        f=$LOGS/bench-split-io-$1-run$i.log
        [ -f "$f" ] && tr -d '\r' < "$f" | sed -n "s/^.*split-bench: $2 1 \([0-9.][0-9.]*\)\$/\1/p" | tail -n 1
        i=$((i + 1))
    done
}
. "$TOP/bench/stats.sh"
missing=""
# med MODE FIGURE DECIMALS: sets $s ("median [min-max]", "?" or "-") and $m (median, "?" or "-").
med() {
    if ! selected "$1"; then s=-; m=-; return; fi
    n=$(vals "$1" "$2" | wc -l)
    st=$(vals "$1" "$2" | bench_median 1 "$3")
    m=${st%% *}; rest=${st#* }
    if [ "$m" = "?" ]; then s="?"; missing="$missing $1:$2"; else s="$m [${rest% *}-${rest#* }]"; fi
    # Fewer rounds than asked (a boot left out): how many.
    [ "$m" != "?" ] && [ "$n" -lt "$RUNS" ] && s="$s n=$n"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "?"; else printf "%.3f", a / b }'; }
kx() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "?"; else printf "%.2f%s", a / b, (a + 0 >= b + 0 ? "" : " (below)") }'; }

echo
echo "split-io: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?'), $RUNS round(s), median [min-max];"
echo "  QEMU TCG -cpu max,-smap -m 1536 -smp 2; host load now $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) host CPUs"
[ -z "$failed" ] || echo "  failed boots:$failed"
printf '%-20s %-22s %-22s %-22s %-22s %-22s\n' figure native keel-dom0 keel-domU xen-dom0 xen-domU
# Each row: LABEL DOM0-FIGURE DOMU-FIGURE DECIMALS; the ratios are kept for the second table.
ROWS="seqwrite-MB/s:dom0-seqwrite:domU-seqwrite:1 seqread-MB/s:dom0-seqread:domU-seqread:1
randread-IOPS:dom0-randread:domU-randread:0 randwrite-IOPS:dom0-randwrite:domU-randwrite:0
tcp-domU-dom0-MB/s:tcp-dom0-lo:tcp-domU-dom0:1 tcp-domU-domU-MB/s:tcp-dom0-lo:tcp-domU-domU:1"
RATIOS=""
for row in $ROWS; do
    IFS=: read -r label f0 fu d <<EOR
$row
EOR
    med native "$f0" "$d"; sn=$s; mn=$m
    med keel "$f0" "$d"; sk0=$s; mk0=$m
    med keel "$fu" "$d"; sku=$s; mku=$m
    med xen "$f0" "$d"; sx0=$s; mx0=$m
    med xen "$fu" "$d"; sxu=$s; mxu=$m
    printf '%-20s %-22s %-22s %-22s %-22s %-22s\n' "$label" "$sn" "$sk0" "$sku" "$sx0" "$sxu"
    rk=$(ratio "$mku" "$mk0"); rx=$(ratio "$mxu" "$mx0")
    nk=$(ratio "$mku" "$mn"); nx=$(ratio "$mxu" "$mn")
    dk=$(ratio "$mk0" "$mn"); dx=$(ratio "$mx0" "$mn")
    RATIOS="$RATIOS$(printf '%-20s %8s %8s %-14s %8s %8s %-14s %8s %8s' "$label" "$rk" "$rx" "$(kx "$rk" "$rx")" "$nk" "$nx" "$(kx "$nk" "$nx")" "$dk" "$dx")
"
done
echo "(the dom0 columns of the tcp rows are dom0's TCP to itself over lo, the reference; natively the same)"
echo
printf '%-20s %8s %8s %-14s %8s %8s %-14s %8s %8s\n' ratio K:U/0 X:U/0 'K/X' K:U/n X:U/n 'K/X' K:0/n X:0/n
printf '%s' "$RATIOS"
echo "(U/0: domU over dom0 in the same boot (TCP: over dom0's lo); U/n: domU over native; 0/n: dom0 over"
echo " native; K/X: Keel's ratio over Xen's, '(below)' when under 1.00)"
[ -z "$failed" ] || echo "split-io: failed boots:$failed"
[ -z "$missing" ] || echo "split-io: missing figures:$missing"
[ -z "$failed$missing" ]
