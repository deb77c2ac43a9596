#!/bin/sh
# Benchmark: the same Debian kernel, initramfs and workload (fork+exec,
# mmap churn, pipe ping-pong, memory checksum, plus the microbenchmarks
# null syscall / page fault / memory bandwidth) run in four ways under the
# same QEMU settings (TCG, -cpu max,-smap, -m 1536, -smp 1), one after
# the other in one invocation:
#
#   native     the kernel booted directly by QEMU
#   keel-dom0  Keel (console=com1 dom0_mem=512M), the kernel as dom0
#   keel-domu  Keel (dom0_mem=256M): dom0 runs a tiny workload and lingers
#              asleep; a 512 MiB, 1-vCPU Linux domU from the boot
#              description runs the workload
#   xen-dom0   Debian's Xen 4.17 (tests/boot/fetch-xen.sh), command line
#              "console=com1 dom0_mem=512M,max:512M", the kernel as dom0
#              with one extra word, initcall_blacklist=cmos_init: under Xen
#              with acpi=off the console's event-channel IRQ is given
#              number 8, which rtc_cmos then takes ("genirq: Flags
#              mismatch irq 8 ... hvc_console vs rtc0"), and /init has no
#              console; without the RTC driver the IRQ is free.
#
# Prints each figure per column and the ratios keel-dom0/native,
# keel-domu/native and xen/native (for bandwidth native/X, so that above 1
# always means "slower than native"); a '!' marks a figure where a Keel
# ratio is above Xen's.  With --runs R the four boots are repeated R times
# (interleaved) and each figure is the best of its column's runs (least
# time, most bandwidth): load from other processes only ever adds time
# under TCG.  Logs: $BUILD/boot-logs/bench-linux-COLUMN-runR.log.
#
#   sh bench/linux-vs-native.sh [--skip native,keel-dom0,keel-domu,xen-dom0]
#                               [--runs R] [--accel tcg|kvm] [keel.NAME=VALUE ...]
#   e.g. sh bench/linux-vs-native.sh --skip xen-dom0 keel.forks=5000
#
# Environment: BUILD, LINUX_TIMEOUT (seconds per boot, default 300),
# KEEL_EXTRA / XEN_EXTRA (words added to the hypervisor's command line,
# e.g. KEEL_EXTRA=stats for Keel's hypercall/trap counters).
# Exit status 1 if a selected run failed (its column then shows '?').
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
RUNQEMU=$TOP/tests/boot/run-qemu.sh
LOGS=$BUILD/boot-logs
TIMEOUT=${LINUX_TIMEOUT:-300}
ACCEL=tcg
MEM=1536
SKIP=""
RUNS=1
DOM0_ARGS="console=hvc0 pci=off swiotlb=noforce"
# Dom0 of the domU run: nearly nothing to do, then asleep until QEMU is stopped.
IDLE_DOM0="keel.forks=10 keel.mmaps=0 keel.pipes=0 keel.memprocs=0 keel.sleeps=0 keel.linger=3600"
DOMU_MIB=512
COLUMNS_ALL="native keel-dom0 keel-domu xen-dom0"

usage() { echo "usage: $0 [--skip COL,...] [--accel tcg|kvm] [keel.NAME=VALUE ...]  (COL: $COLUMNS_ALL)" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --skip) [ $# -ge 2 ] || usage; SKIP=$(printf '%s' "$2" | tr ',' ' '); shift 2 ;;
    --accel) [ $# -ge 2 ] || usage; ACCEL=$2; shift 2 ;;
    --runs) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
    keel.*=*) break ;;
    *) echo "linux-vs-native: unknown argument '$1'" >&2; usage ;;
    esac
done
for a in "$@"; do
    case $a in keel.*=*) ;; *) echo "linux-vs-native: '$a' is not keel.NAME=VALUE" >&2; usage ;; esac
done
for s in $SKIP; do
    case " $COLUMNS_ALL " in *" $s "*) ;; *) echo "linux-vs-native: unknown column '$s'" >&2; usage ;; esac
done
case $TIMEOUT in ''|*[!0-9]*) echo "linux-vs-native: LINUX_TIMEOUT '$TIMEOUT' is not a number" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*|0) echo "linux-vs-native: --runs '$RUNS' is not a positive number" >&2; exit 2 ;; esac
case $ACCEL in tcg) CPU=max,-smap ;; kvm) CPU=host,-smap ;; *) usage ;; esac
WORK="keel.micro=1${*:+ $*}"
selected() { case " $SKIP " in *" $1 "*) return 1 ;; esac; return 0; }

VMLINUZ=$(sh "$TOP/tests/linux/fetch-kernel.sh") || exit 1
INITRD=$(sh "$TOP/tests/linux/build-initramfs.sh") || exit 1
mkdir -p "$LOGS" "$BUILD/bench"
failed=""

# run_native / run_keel_dom0 / run_xen_dom0: one boot each via run-qemu.sh.
run_native() {
    sh "$RUNQEMU" --hv "$VMLINUZ" --append "console=ttyS0 panic=-1 $WORK" --dom0 "$INITRD" \
        --mem "$MEM" --smp 1 --timeout "$TIMEOUT" --accel "$ACCEL" --log "$1"
}
run_keel_dom0() {
    [ -f "$BUILD/keel.elf" ] || { echo "FAIL: $BUILD/keel.elf not built (run make)"; return 1; }
    sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=512M${KEEL_EXTRA:+ $KEEL_EXTRA}" \
        --dom0 "$VMLINUZ $DOM0_ARGS $WORK" --initrd "$INITRD" \
        --mem "$MEM" --smp 1 --timeout "$TIMEOUT" --accel "$ACCEL" --log "$1"
}
run_xen_dom0() {
    xen=$(sh "$TOP/tests/boot/fetch-xen.sh") || { echo "FAIL: cannot fetch Xen"; return 1; }
    sh "$RUNQEMU" --hv "$xen" --append "console=com1 dom0_mem=512M,max:512M${XEN_EXTRA:+ $XEN_EXTRA}" \
        --dom0 "$VMLINUZ $DOM0_ARGS initcall_blacklist=cmos_init $WORK" --initrd "$INITRD" \
        --mem "$MEM" --smp 1 --timeout "$TIMEOUT" --accel "$ACCEL" --log "$1"
}
# The domU run: QEMU is stopped once the domU has printed its verdict (dom0
# lingers); passes iff the domU says VERDICT: PASS.
run_keel_domu() {
    log=$1
    [ -f "$BUILD/keel.elf" ] || { echo "FAIL: $BUILD/keel.elf not built (run make)"; return 1; }
    w=$BUILD/bench
    cat > "$w/linux-bench-domu.cfg" <<EOC
name = "linux1"
memory = $DOMU_MIB
vcpus = 1
kernel = "$VMLINUZ"
ramdisk = "$INITRD"
cmdline = "console=hvc0 $WORK"
EOC
    mods=$("$BUILD/bin/keel-bootdesc" -o "$w/linux-bench.dtb" --dom0-initrd "$INITRD" \
           --qemu-initrd "$VMLINUZ" "$DOM0_ARGS $IDLE_DOM0" "$w/linux-bench-domu.cfg") ||
        { echo "FAIL: keel-bootdesc failed"; return 1; }
    qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -smp 1 -m "$MEM" -display none -monitor none \
        -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$BUILD/keel.elf" -append "console=com1 dom0_mem=256M${KEEL_EXTRA:+ $KEEL_EXTRA}" \
        -initrd "$mods" < /dev/null > "$log" 2>&1 &
    qpid=$!
    t=0; v=0
    while kill -0 "$qpid" 2>/dev/null; do
        # After the verdict, give the domU's poweroff (and with KEEL_EXTRA=stats
        # the counters Keel prints then) up to 10 s to reach the log.
        if grep -a -q '^\[linux1\] VERDICT:' "$log"; then
            v=$((v + 1))
            grep -a -q 'domain 1 (linux1) shut down' "$log" && { sleep 0.5; break; }
            [ "$v" -ge 50 ] && break
        fi
        t=$((t + 1))
        [ "$t" -gt $((TIMEOUT * 5)) ] && { echo "FAIL: no domU verdict after $TIMEOUT s"; break; }
        sleep 0.2
    done
    kill "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    grep -a -q '^\[linux1\] VERDICT: PASS' "$log" || {
        echo "FAIL: the domU gave no PASS verdict; log $log"; tail -n 20 "$log"; return 1; }
    echo "PASS keel-domu"
}

r=1
while [ "$r" -le "$RUNS" ]; do
  for c in $COLUMNS_ALL; do
    selected "$c" || continue
    log=$LOGS/bench-linux-$c-run$r.log
    start=$(date +%s)
    case $c in
    native) out=$(run_native "$log") ;;
    keel-dom0) out=$(run_keel_dom0 "$log") ;;
    keel-domu) out=$(run_keel_domu "$log") ;;
    xen-dom0) out=$(run_xen_dom0 "$log") ;;
    esac
    rc=$?
    echo "$c run $r: $(printf '%s\n' "$out" | head -n 1) ($(( $(date +%s) - start )) s; log $log)"
    [ "$rc" -eq 0 ] || { printf '%s\n' "$out" | tail -n +2; failed="$failed $c-run$r"; }
  done
  r=$((r + 1))
done

# fig1 LOG COLUMN PATTERN SED: the figure from one log (the domU's lines
# carry the console backend's "[linux1] " prefix; dom0's are then ignored).
fig1() {
    if [ "$2" = keel-domu ]; then
        grep -a "^\[linux1\] .*$3" "$1"
    else
        grep -a "$3" "$1" | grep -a -v '^\['
    fi | tail -n 1 | tr -d '\r' | sed -n "$4"
}
# fig COLUMN PATTERN SED INVERT: the best figure of the column's passing runs.
fig() {
    case " $SKIP " in *" $1 "*) return ;; esac
    i=1
    while [ "$i" -le "$RUNS" ]; do
        log=$LOGS/bench-linux-$1-run$i.log
        case " $failed " in *" $1-run$i "*) ;; *) [ -f "$log" ] && fig1 "$log" "$1" "$2" "$3" ;; esac
        i=$((i + 1))
    done | awk -v inv="$4" 'NF { if (best == "" || (inv ? $1 > best : $1 < best)) best = $1 }
                            END { if (best != "") print best }'
}
ratio() {   # NATIVE X INVERT
    awk -v n="$1" -v x="$2" -v inv="$3" 'BEGIN {
        if (n == "" || x == "" || n + 0 == 0 || x + 0 == 0) { print "-"; exit }
        printf "%.2f", inv ? n / x : x / n }'
}
row() {   # NAME PATTERN SED INVERT
    n=$(fig native "$2" "$3" "$4"); k=$(fig keel-dom0 "$2" "$3" "$4")
    u=$(fig keel-domu "$2" "$3" "$4"); x=$(fig xen-dom0 "$2" "$3" "$4")
    rk=$(ratio "$n" "$k" "$4"); ru=$(ratio "$n" "$u" "$4"); rx=$(ratio "$n" "$x" "$4")
    mark=$(awk -v a="$rk" -v b="$ru" -v x="$rx" 'BEGIN {
        if (x != "-" && ((a != "-" && a + 0 > x + 0) || (b != "-" && b + 0 > x + 0))) print "!" }')
    printf '%-24s %9s %9s %9s %9s  %6s %6s %6s %s\n' "$1" "${n:--}" "${k:--}" "${u:--}" "${x:--}" \
        "$rk" "$ru" "$rx" "$mark"
}
echo
echo "linux-vs-native: $(date -u '+%Y-%m-%d %H:%M UTC'), best of $RUNS run(s), accel $ACCEL, -m $MEM -smp 1, load $(cut -d' ' -f1-3 /proc/loadavg), workload: $WORK"
printf '%-24s %9s %9s %9s %9s  %6s %6s %6s\n' figure native keel-dom0 keel-domu xen-dom0 K0/n KU/n X/n
row "fork+exec (us)" "fork-exec:" 's/.*(\([0-9.]*\) us each).*/\1/p' 0
row "mmap churn total (s)" "mmap-mprotect:" 's/.* in \([0-9.]*\) s,.*/\1/p' 0
row "pipe round trip (us)" "pipe-pingpong:" 's/.*(\([0-9.]*\) us each).*/\1/p' 0
row "memory checksum (s)" "memory-checksum:" 's/.* in \([0-9.]*\) s;.*/\1/p' 0
row "null syscall (ns)" "null-syscall" 's/.*null-syscall \([0-9.]*\) ns.*/\1/p' 0
row "page fault (us)" "page-fault" 's/.*page-fault \([0-9.]*\) us.*/\1/p' 0
row "memory bandwidth (MiB/s)" "memory-bandwidth" 's/.*memory-bandwidth \([0-9.]*\) MiB.*/\1/p' 1
row "whole workload (s)" "workload: total" 's/.*failed, \([0-9.]*\) s.*/\1/p' 0
echo "(K0 = Keel dom0, KU = Keel domU, X = Xen 4.17 dom0; ratios over native, bandwidth inverted;"
echo " '!' = a Keel ratio above Xen's)"
[ -z "$failed" ] || { echo "linux-vs-native: failed:$failed"; exit 1; }
