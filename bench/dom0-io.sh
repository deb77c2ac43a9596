#!/bin/sh
# Benchmark: dom0's device I/O (issue 13, "Benchmarks"): the stock Debian
# kernel with one initramfs (bench/dom0-io-init.sh as /init) booted three
# ways with the same QEMU command line apart from what each needs
# (QEMU pc, TCG, -cpu max,-smap, -m 1024, -smp 1, a virtio-blk-pci disk
# in slot 4 and a virtio-net-pci NIC in slot 5):
#
#   native  QEMU boots the kernel itself (-kernel vmlinuz, console=ttyS0)
#   keel    Keel (console=com1 dom0_mem=768M), the kernel as a full dom0
#           (ACPI and PCI on, console=hvc0)
#   xen     Debian's Xen 4.17 (tests/boot/fetch-xen.sh, console=com1
#           dom0_mem=768M,max:768M), the kernel as its dom0, console=hvc0
#
# In each boot dom0 loads the kernel package's virtio drivers and measures
#   disk    dd if=/dev/vda bs=1M count=DD_MIB iflag=direct (O_DIRECT;
#           the disk a read-only raw image of DD_MIB (512) MiB of random
#           bytes, in the host's page cache after the first boot)
#   tcp-rx  NET_MIB (128) MiB from the host into dom0
#   tcp-tx  NET_MIB MiB from dom0 to the host
# (MB/s, MB = 10^6 bytes, timed by dom0's CLOCK_MONOTONIC) and for each
# the interrupts per second of the device's lines in /proc/interrupts
# (the interrupt path: each one an MSI-X vector natively and under Xen,
# a pirq's event on Keel).  The network is QEMU's user network with
# restrict=on and one hostfwd from 127.0.0.1 on the host to dom0's port
# 5001, where the host's end (bench/dom0io.c, `dom0io client`) connects:
# no packet leaves the machine.  The host's own timing of the transfers
# is printed too, as a check of the guest clocks: a boot in which dom0's
# time for the transfers is more than 5 % off the host's is not used.
#
#   sh bench/dom0-io.sh [--runs R] [--dd-mib M] [--net-mib M] [--skip MODE,...]
#
# The boots are interleaved (native, keel, xen, native, ...), R of each
# (default 3); each figure is the median of its runs with [min-max], then
# the ratios keel/native and xen/native of the medians, and whether Keel's
# ratio is at or better than Xen's (for throughput: at or above).  A
# missing figure prints '?' and the exit status is 1.  Logs:
# $BUILD/boot-logs/bench-dom0-io-MODE-runR.log (the host's end:
# ...-host.out).  Environment: BUILD, DOM0IO_TIMEOUT (seconds per boot,
# default 900), DOM0_EXTRA (words added to the kernel's command line in
# all three, e.g. pci=nomsi: every device on its INTx line).  Under TCG
# the figures are emulation-bound: compare ratios within one run, not
# absolute numbers across hosts.  docs/benchmarks.md has the figures.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
LOGS=$BUILD/boot-logs
W=$BUILD/bench/dom0-io
TIMEOUT=${DOM0IO_TIMEOUT:-900}
RUNS=3
DD_MIB=512
NET_MIB=128
SKIP=""
MODES_ALL="native keel xen"
die() { echo "dom0-io: $*" >&2; exit 1; }
usage() { echo "usage: $0 [--runs R] [--dd-mib M] [--net-mib M] [--skip MODE,...]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --runs) RUNS=$2 ;;
    --dd-mib) DD_MIB=$2 ;;
    --net-mib) NET_MIB=$2 ;;
    --skip) SKIP=$2 ;;
    *) echo "dom0-io: unknown argument '$1'" >&2; usage ;;
    esac
    shift 2
done
for n in "$RUNS" "$DD_MIB" "$NET_MIB" "$TIMEOUT"; do
    case $n in ''|*[!0-9]*|0) echo "dom0-io: '$n' is not a positive number" >&2; usage ;; esac
done
SKIP=$(printf '%s' "$SKIP" | tr ',' ' ')
MODES=""
for s in $SKIP; do
    case " $MODES_ALL " in *" $s "*) ;; *) echo "dom0-io: unknown mode '$s'" >&2; usage ;; esac
done
for m in $MODES_ALL; do
    case " $SKIP " in *" $m "*) ;; *) MODES="$MODES $m" ;; esac
done
[ -n "$MODES" ] || usage
selected() { case " $MODES " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- what the boots need: Keel, the helper, the kernel, Xen.
[ -f "$BUILD/keel.elf" ] || die "$BUILD/keel.elf not built (run make)"
make -s -C "$TOP/bench" BUILD="$BUILD" >&2 || die "make -C bench failed"
DOM0IO=$BUILD/bench/dom0io
VMLINUZ=$(sh "$TOP/tests/linux/fetch-kernel.sh") || exit 1
MODS=$(sh "$TOP/tests/linux/fetch-kernel.sh" --modules) || exit 1
XEN=""
if selected xen; then
    XEN=$(sh "$TOP/tests/boot/fetch-xen.sh") || die "cannot fetch Xen 4.17 (tests/boot/fetch-xen.sh)"
fi
command -v python3 > /dev/null || die "python3 not found (it picks a free port for the hostfwd)"

# ---- the initramfs: the tests' plain one (busybox), dom0-io-init.sh as
# /init, dom0io, and the virtio drivers from the kernel package.
sh "$TOP/tests/linux/build-initramfs.sh" > /dev/null || die "build-initramfs.sh failed"
mkdir -p "$W" "$LOGS" || die "cannot create $W"
R=$W/root
rm -rf "$R"
cp -a "$BUILD/linux/root" "$R" || die "cannot copy $BUILD/linux/root"
rm -rf "$R/lib/modules" "$R/bin/workload" "$R/bin/isoprog"
mkdir -p "$R/lib/modules" || die "cannot create $R/lib/modules"
cp "$TOP/bench/dom0-io-init.sh" "$R/init" && chmod 755 "$R/init" || die "cannot install /init"
cp "$DOM0IO" "$R/bin/dom0io" || die "cannot copy $DOM0IO"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
         drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \
         net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
    cp "$MODS/kernel/$m.ko" "$R/lib/modules/" || die "cannot copy $m.ko"
done
# /dev and /dev/console, in front of the other archives.
sh "$TOP/tests/linux/dev-cpio.sh" "$W/dev.cpio" || die "cannot write $W/dev.cpio"
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$W/root.cpio" ||
    die "cpio failed in $R"
cat "$W/dev.cpio" "$W/root.cpio" | gzip -9 -n > "$W/initrd.gz.tmp" && mv "$W/initrd.gz.tmp" "$W/initrd.gz" ||
    die "gzip of the initrd failed"
rm -f "$W/dev.cpio" "$W/root.cpio"
INITRD=$W/initrd.gz
# The disk: DD_MIB MiB of random bytes, read-only to QEMU.
IMG=$W/disk.img
if [ "$(stat -c %s "$IMG" 2>/dev/null)" != $((DD_MIB * 1048576)) ]; then
    rm -f "$IMG"
    head -c $((DD_MIB * 1048576)) /dev/urandom > "$IMG.tmp" && mv "$IMG.tmp" "$IMG" || die "cannot write $IMG"
fi
WORDS="keel.dd_mib=$DD_MIB keel.net_mib=$NET_MIB${DOM0_EXTRA:+ $DOM0_EXTRA}"

# A free TCP port on 127.0.0.1 for the hostfwd (QEMU binds it again at once).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# boot MODE LOG: one boot, the host's end started when dom0 listens; 0 if
# dom0 said "dom0-io: done".
boot() {
    port=$(free_port) || { echo "cannot find a free port"; return 1; }
    case $1 in
    native) k=$VMLINUZ; a="console=ttyS0 $WORDS"; i=$INITRD ;;
    keel) k=$BUILD/keel.elf; a="console=com1 dom0_mem=768M"; i="$VMLINUZ console=hvc0 $WORDS,$INITRD" ;;
    xen) k=$XEN; a="console=com1 dom0_mem=768M,max:768M"; i="$VMLINUZ console=hvc0 $WORDS,$INITRD" ;;
    esac
    : > "$2"
    qemu-system-x86_64 -machine pc -accel tcg -cpu max,-smap -smp 1 -m 1024 \
        -display none -monitor none -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -drive "file=$IMG,format=raw,if=none,id=d0,readonly=on" -device virtio-blk-pci,drive=d0,addr=4 \
        -nic none -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:5001" \
        -device virtio-net-pci,netdev=n0,addr=5 \
        -kernel "$k" -append "$a" -initrd "$i" < /dev/null >> "$2" 2>&1 &
    qpid=$!
    cpid=""; t=0; grace=-1; why=""
    while kill -0 "$qpid" 2>/dev/null; do
        if [ -z "$cpid" ] && grep -a -q 'dom0io: listening' "$2"; then
            "$DOM0IO" client 127.0.0.1 "$port" 300 > "${2%.log}-host.out" 2>&1 &
            cpid=$!
        fi
        # After dom0's last line, 10 s for its power-off (Xen may halt instead).
        [ "$grace" -lt 0 ] && grep -a -q -E 'dom0-io: (done|FAIL)' "$2" && grace=50
        [ "$grace" -eq 0 ] && { why=" (QEMU stopped after dom0's last line)"; break; }
        [ "$grace" -gt 0 ] && grace=$((grace - 1))
        t=$((t + 1))
        [ "$t" -gt $((TIMEOUT * 5)) ] && { why=" (timed out after $TIMEOUT s)"; break; }
        sleep 0.2
    done
    kill "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    if [ -n "$cpid" ]; then
        kill "$cpid" 2>/dev/null
        wait "$cpid" 2>/dev/null
    fi
    if grep -a -q 'dom0-io: done' "$2"; then
        echo "done$why"
        return 0
    fi
    echo "FAIL: $(grep -a -E 'dom0-io: FAIL|dom0io: error' "$2" | tail -n 1 | tr -d '\r')$why"
    return 1
}

# clock_check LOG: dom0's time for the TCP transfers against the host's.
# dom0's figures are timed by its own clock: a run in which it is more
# than 5 % off the host's (a hypervisor's TSC calibration gone wrong) is
# reported and its figures are not used.
clock_check() {
    tr -d '\r' < "$1" | awk -v host="${1%.log}-host.out" '
        /dom0-io: RESULT tcp-[rt]x / { for (i = 1; i < NF; i++) if ($i == "secs") g += $(i + 1) }
        END {
            while ((getline l < host) > 0) {
                n = split(l, f, " ")
                for (i = 1; i < n; i++) if (f[i] == "secs") h += f[i + 1]
            }
            if (g <= 0 || h <= 0) { print "clock: no TCP timings to compare"; exit }
            r = g / h
            printf "clock: dom0 timed the TCP transfers at %.3f of the host'"'"'s time", r
            if (r < 0.95 || r > 1.05) printf " (wrong: this run'"'"'s figures are not used)"
            printf "\n" }'
}

echo "dom0-io: $RUNS run(s) of $MODES; disk $DD_MIB MiB, TCP $NET_MIB MiB each way; $(nproc) host CPUs"
failed=""
r=1
while [ "$r" -le "$RUNS" ]; do
    for m in $MODES; do
        log=$LOGS/bench-dom0-io-$m-run$r.log
        start=$(date +%s)
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        out=$(boot "$m" "$log")
        rc=$?
        echo "$m run $r: $out ($(( $(date +%s) - start )) s, load before $load; log $log)"
        tr -d '\r' < "$log" | sed -n 's/^.*dom0-io: RESULT /  /p'
        if [ "$rc" -eq 0 ]; then
            ck=$(clock_check "$log")
            echo "  $ck"
            case $ck in *wrong*) rc=1 ;; esac
        fi
        [ "$rc" -eq 0 ] || failed="$failed $m-run$r"
    done
    r=$((r + 1))
done

# vals MODE FIGURE KEY: KEY's value in each run's FIGURE line, one a line.
vals() {
    i=1
    while [ "$i" -le "$RUNS" ]; do
        case " $failed " in *" $1-run$i "*) i=$((i + 1)); continue ;; esac
        f=$LOGS/bench-dom0-io-$1-run$i.log
        case $2 in
        host-*) f=${f%.log}-host.out; pat="dom0io: host ${2#host-} " ;;
        *) pat="dom0-io: RESULT $2 " ;;
        esac
        [ -f "$f" ] && tr -d '\r' < "$f" | grep -a "$pat" | tail -n 1 | sed -n "s/.* $3 \([0-9.]*\).*/\1/p"
        i=$((i + 1))
    done
}
# stats: "median min max" of the numbers on stdin, "? ? ?" unless all RUNS are there.
. "$TOP/bench/stats.sh"
stats() { bench_median "$RUNS" 1; }
ratio() { awk -v x="$1" -v n="$2" 'BEGIN { if (x == "-" || n == "-") print "-"; else if (x !~ /^[0-9.]+$/ || n !~ /^[0-9.]+$/ || n + 0 == 0) print "?"; else printf "%.2f", x / n }'; }
missing=""
# row LABEL FIGURE KEY JUDGE: JUDGE 1 says whether Keel's ratio is at or above Xen's.
row() {
    line=$(printf '%-20s' "$1")
    med_native=-; med_keel=-; med_xen=-
    for m in $MODES_ALL; do
        s=-
        if selected "$m"; then
            st=$(vals "$m" "$2" "$3" | stats)
            med=${st%% *}; rest=${st#* }; lo=${rest%% *}; hi=${rest#* }
            if [ "$med" = "?" ]; then
                s="?"; missing="$missing $m:$1"
            else
                s="$med [$lo-$hi]"
            fi
            case $m in native) med_native=$med ;; keel) med_keel=$med ;; xen) med_xen=$med ;; esac
        fi
        line="$line $(printf '%-22s' "$s")"
    done
    rk=$(ratio "$med_keel" "$med_native"); rx=$(ratio "$med_xen" "$med_native")
    case $4 in
    1) v=$(awk -v k="$rk" -v x="$rx" 'BEGIN { if (k == "?" || x == "?") print "?"; else if (k == "-" || x == "-") print "-"; else print (k + 0 >= x + 0 ? "yes" : "no") }') ;;
    *) v="-" ;;
    esac
    printf '%s %6s %6s  %s\n' "$line" "$rk" "$rx" "$v"
}
echo
echo "dom0-io: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?'), $RUNS run(s) each, median [min-max];"
echo "  QEMU pc, TCG -cpu max,-smap -m 1024 -smp 1, virtio-blk-pci + virtio-net-pci${DOM0_EXTRA:+, dom0 with $DOM0_EXTRA}; host load now $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) host CPUs"
printf '%-20s %-22s %-22s %-22s %6s %6s  %s\n' figure native keel xen K/n X/n 'K>=X'
row "disk MB/s" disk MBps 1
row "disk irq/s" disk irqps 0
row "tcp-rx MB/s" tcp-rx MBps 1
row "tcp-rx irq/s" tcp-rx irqps 0
row "tcp-tx MB/s" tcp-tx MBps 1
row "tcp-tx irq/s" tcp-tx irqps 0
row "tcp-rx MB/s (host)" host-tcp-rx MBps 1
row "tcp-tx MB/s (host)" host-tcp-tx MBps 1
echo "(K/n, X/n: Keel's and Xen's median over native's; K>=X: Keel's throughput ratio at or above Xen's;"
echo " irq/s: the device's interrupts per second in dom0's /proc/interrupts during the transfer, not judged)"
[ -z "$failed" ] || echo "dom0-io: failed runs:$failed"
[ -z "$missing" ] || echo "dom0-io: missing figures:$missing"
[ -z "$failed$missing" ]
