#!/bin/sh
# Benchmark: domain creation from dom0, Keel's `keel create` against Xen
# 4.17's `xl create` (issue 14, "Benchmarks"), in the same QEMU (TCG,
# -cpu max,-smap, -m 4096, -smp 1) with the same Debian 12 kernel as dom0
# and as domU, the same dom0 initramfs (bench/create-dom0.sh as /init)
# and the same xl.cfg:
#
#   keel   Keel (console=com1 dom0_mem=1024M); dom0 runs keel-xenstored,
#          keel-consoled, and `keel create`
#   xen    Debian's Xen 4.17 hypervisor (tests/boot/fetch-xen.sh,
#          console=com1 dom0_mem=1024M,max:1024M); dom0 runs Debian's own
#          toolstack from xen-utils-4.17 (C xenstored, xen-init-dom0,
#          xenconsoled --log=guest, xl), unpacked here with its libraries
#
# dom0 has 1 GiB (with 512 MiB the 16-domU phase of xl failed; with 1 GiB
# it still does, see docs/benchmarks.md: not a lack of dom0 memory).
# The domU: 128 MiB (keel.bench_mib), 1 vCPU, the Debian vmlinuz (bzImage,
# XZ payload) and a small initramfs whose /init prints KEEL-BENCH-INIT and
# powers off; console=hvc0.  In dom0, bench/create_watch.c takes t0 just
# before the first create and polls the console daemon's log of each
# guest every 5 ms; the figures are seconds from t0 to
#   created  the (last) create command returned
#   first    the (last) guest's first complete console line
#   init     the (last) guest's init marker
# for three phases per boot: "cold" (one domU, the first create after
# boot), "warm" (one more), "multi" (16 domUs, keel.bench_n, created
# back to back without waiting for one another).
#
#   sh bench/create.sh [--runs R] [--skip keel|xen] [--n N]
#
# The boots are interleaved (keel, xen, keel, xen, ...), R each (default
# 3: Xen under TCG is slow); each figure is the median of its R runs with
# the spread (min-max), and the ratio xl/keel of the medians.  A missing
# figure prints '?' and the exit status is 1.  Logs:
# $BUILD/boot-logs/bench-create-MODE-runR.log.  Environment: BUILD,
# CREATE_TIMEOUT (seconds per boot, default 1500).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
RUNQEMU=$TOP/tests/boot/run-qemu.sh
LOGS=$BUILD/boot-logs
W=$BUILD/bench/create
TIMEOUT=${CREATE_TIMEOUT:-1500}
RUNS=3
N=16
SKIP=""
DOM0_ARGS="console=hvc0 pci=off swiotlb=noforce initcall_blacklist=cmos_init"
die() { echo "bench-create: $*" >&2; exit 1; }
usage() { echo "usage: $0 [--runs R] [--skip keel|xen] [--n N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --runs) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
    --skip) [ $# -ge 2 ] || usage; SKIP=$2; shift 2 ;;
    --n) [ $# -ge 2 ] || usage; N=$2; shift 2 ;;
    *) echo "bench-create: unknown argument '$1'" >&2; usage ;;
    esac
done
case $RUNS in ''|*[!0-9]*|0) die "--runs '$RUNS' is not a positive number" ;; esac
case $N in ''|*[!0-9]*|0) die "--n '$N' is not a positive number" ;; esac
[ "$N" -le 64 ] || die "--n $N: at most 64"
case $SKIP in ''|keel|xen) ;; *) usage ;; esac
case $TIMEOUT in ''|*[!0-9]*) die "CREATE_TIMEOUT '$TIMEOUT' is not a number" ;; esac

# What this needs on the host (scripts/deps.sh's way: apt only for what
# is missing), then Keel itself.
sh "$TOP/scripts/deps.sh" || die "scripts/deps.sh failed"
[ -f "$BUILD/keel.elf" ] || die "$BUILD/keel.elf not built (run make)"
VMLINUZ=$(sh "$TOP/tests/linux/fetch-kernel.sh") || exit 1
XEN=$(sh "$TOP/tests/boot/fetch-xen.sh") || die "cannot fetch Xen 4.17 (tests/boot/fetch-xen.sh)"

# ---- the initramfs: the --tools one (busybox, keel, keel-xenstored,
# keel-consoled, the Xen modules, /boot/vmlinuz) with create-dom0.sh as
# /init, the stopwatch, the domUs' initrd and Xen's toolstack in /opt/xen.
sh "$TOP/tests/linux/build-initramfs.sh" --tools > /dev/null || die "build-initramfs.sh --tools failed"
mkdir -p "$W" "$LOGS" || die "cannot create $W"
R=$W/root
rm -rf "$R"
cp -a "$BUILD/linux/root-ctl" "$R" || die "cannot copy $BUILD/linux/root-ctl"
rm -f "$R/boot/initrd.gz"
cp "$TOP/bench/create-dom0.sh" "$R/init" && chmod 755 "$R/init" || die "cannot install /init"
${CC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$R/bin/create-watch" "$TOP/bench/create_watch.c" ||
    die "cannot build bench/create_watch.c"
# /dev and /dev/console, in front of the other archives.
sh "$TOP/tests/linux/dev-cpio.sh" "$W/dev.cpio" || die "cannot write $W/dev.cpio"
# The domUs' initramfs: busybox and a /init that prints the marker.
D=$W/domu
rm -rf "$D" && mkdir -p "$D/bin" || die "cannot create $D"
cp /bin/busybox "$D/bin/busybox" && ln -s busybox "$D/bin/sh" && ln -s busybox "$D/bin/poweroff" ||
    die "cannot copy busybox"
printf '#!/bin/sh\necho KEEL-BENCH-INIT\n/bin/poweroff -f\n' > "$D/init" && chmod 755 "$D/init" ||
    die "cannot write the domUs' /init"
(cd "$D" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$W/domu.cpio" ||
    die "cpio failed in $D"
cat "$W/dev.cpio" "$W/domu.cpio" | gzip -9 -n > "$R/boot/bench-domu.gz" || die "gzip of the domUs' initrd failed"
# Xen's toolstack and its libraries in /opt/xen (bench/xen-toolstack.sh).
sh "$TOP/bench/xen-toolstack.sh" "$R" || die "bench/xen-toolstack.sh failed"
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$W/dom0.cpio" ||
    die "cpio failed in $R"
cat "$W/dev.cpio" "$W/dom0.cpio" | gzip -1 -n > "$W/initrd.gz" || die "gzip of dom0's initrd failed"
rm -f "$W/dev.cpio" "$W/dom0.cpio" "$W/domu.cpio"
INITRD=$W/initrd.gz
WORDS="keel.bench_n=$N${CREATE_WORDS:+ $CREATE_WORDS}"

run() {   # MODE LOG
    case $1 in
    keel) sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=1024M" \
              --dom0 "$VMLINUZ $DOM0_ARGS keel.bench=keel $WORDS" --initrd "$INITRD" \
              --mem 4096 --smp 1 --timeout "$TIMEOUT" --smap off --log "$2" ;;
    xen) sh "$RUNQEMU" --hv "$XEN" --append "console=com1 dom0_mem=1024M,max:1024M" \
              --dom0 "$VMLINUZ $DOM0_ARGS keel.bench=xen $WORDS" --initrd "$INITRD" \
              --mem 4096 --smp 1 --timeout "$TIMEOUT" --smap off --log "$2" ;;
    esac
}
MODES="keel xen"
[ -n "$SKIP" ] && MODES=$(echo "$MODES" | tr ' ' '\n' | grep -v "^$SKIP\$" | tr '\n' ' ')
failed=""
r=1
while [ "$r" -le "$RUNS" ]; do
    for m in $MODES; do
        log=$LOGS/bench-create-$m-run$r.log
        start=$(date +%s)
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        out=$(run "$m" "$log")
        rc=$?
        echo "$m run $r: $(printf '%s\n' "$out" | head -n 1) ($(( $(date +%s) - start )) s, load before $load; log $log)"
        grep -a 'create-bench: RESULT' "$log" | tr -d '\r' | sed 's/^.*create-bench: /  /'
        if [ "$rc" -ne 0 ]; then
            failed="$failed $m-run$r"
            grep -a 'create-bench:' "$log" | tail -n 5 | tr -d '\r'
        fi
    done
    r=$((r + 1))
done

# fig MODE PHASE FIELD: the field's values over the runs, one a line.
fig() {
    i=1
    while [ "$i" -le "$RUNS" ]; do
        f=$LOGS/bench-create-$1-run$i.log
        [ -f "$f" ] && grep -a "create-bench: RESULT $1 $2 " "$f" | tr -d '\r' | tail -n 1 |
            sed -n "s/.* $3 \([0-9.]*\).*/\1/p"
        i=$((i + 1))
    done
}
# stats: "median min max" of the numbers on stdin (RUNS of them, else "?").
. "$TOP/bench/stats.sh"
stats() { bench_median "$RUNS" 2; }
missing=""
echo
echo "bench-create: $(date -u '+%Y-%m-%d %H:%M UTC'), $RUNS run(s) each, median (min-max) in seconds from the first create;"
echo "  TCG -cpu max,-smap -m 4096 -smp 1, host load now $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) host CPUs"
printf '%-7s %-8s %-22s %-22s %7s\n' phase figure keel xl xl/keel
for p in cold warm multi; do
    for f in created first init; do
        # shellcheck disable=SC2046  # stats prints three words
        set -- $(fig keel "$p" "$f" | stats); km=$1; kr="$1 ($2-$3)"
        # shellcheck disable=SC2046
        set -- $(fig xen "$p" "$f" | stats); xm=$1; xr="$1 ($2-$3)"
        case " $SKIP " in *" keel "*) kr=-; km=- ;; *) [ "$km" = "?" ] && missing="$missing keel-$p-$f" ;; esac
        case " $SKIP " in *" xen "*) xr=-; xm=- ;; *) [ "$xm" = "?" ] && missing="$missing xen-$p-$f" ;; esac
        ratio=$(awk -v k="$km" -v x="$xm" 'BEGIN { if (k !~ /^[0-9.]+$/ || x !~ /^[0-9.]+$/ || k + 0 == 0) print "?"; else printf "%.1f", x / k }')
        label=$p; [ "$p" = multi ] && label="multi$N"
        printf '%-7s %-8s %-22s %-22s %7s\n' "$label" "$f" "$kr" "$xr" "$ratio"
    done
done
[ -z "$failed" ] || echo "bench-create: failed runs:$failed"
[ -z "$missing" ] || echo "bench-create: missing figures:$missing"
[ -z "$failed$missing" ]
