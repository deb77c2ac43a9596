#!/bin/sh
# Density: how many Linux domUs of 128 MiB (the least Debian's kernel
# allows, docs/linux-guests.md) boot and complete the small workload next
# to a Linux dom0, in QEMU -m 4096 -smp 2 (TCG) with Keel
# "console=com1 dom0_mem=256M".
#
#   sh bench/linux-density.sh [N]
#
# Without N the first try is an estimate: (4096 - 256 - 64) MiB / 128 MiB.
# A try boots dom0 (tiny workload, then lingering) plus N domUs from a
# boot description (tests/linux/run-all.sh's run_domus, 1 vCPU each) and
# succeeds when dom0 got its 256 MiB (Keel gives dom0 only what the
# domUs leave) and every domU prints "[linuxI] VERDICT: PASS".  When Keel
# refuses domUs at build time, the next try is the number it did start;
# when dom0 was squeezed or a started guest failed, N - 1.  Ends with
#   "N domUs of 128 MiB fit in 4 GiB: all completed their workload"
# and the memory figures from Keel's boot lines: the hypervisor's own use
# (RAM minus free at boot), dom0's, and the memory each domU took from
# the allocator beyond its 128 MiB.  Logs: $BUILD/boot-logs/density-N.log.
# Environment: BUILD, DENSITY_TIMEOUT (seconds per try, default 1200),
# DENSITY_MIB (domU size, default 128), DENSITY_QEMU_MIB (default 4096).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
LOGS=$BUILD/boot-logs
W=$BUILD/density
TIMEOUT=${DENSITY_TIMEOUT:-1200}
MIB=${DENSITY_MIB:-128}
QMIB=${DENSITY_QEMU_MIB:-4096}
DOM0_MIB=256
HV_APPEND="console=com1 dom0_mem=${DOM0_MIB}M"
# watchdog_thresh=60 (soft lockups reported after 120 s, not 20 s): with
# ~28 vCPUs on 2 CPUs each guest gets ~7 % of a CPU, so a CPU-bound second
# of boot (unpacking the initramfs) takes ~20 s of wall time and the default
# detector calls that a soft lockup (seen: "BUG: soft lockup - CPU#0 stuck
# for 22s! [swapper/0:1]"), which /init counts as a kernel complaint.
WD="watchdog_thresh=60"
DOM0_ARGS="console=hvc0 pci=off swiotlb=noforce $WD"
SMALL="$WD keel.forks=200 keel.mmaps=200 keel.pipes=2000 keel.memprocs=2 keel.memmib=16"
for v in "$TIMEOUT" "$MIB" "$QMIB" "${1:-1}"; do
    case $v in ''|*[!0-9]*) echo "linux-density: '$v' is not a number" >&2; exit 2 ;; esac
done
if [ ! -f "$BUILD/keel.elf" ] || [ ! -x "$BUILD/bin/keel-bootdesc" ]; then
    echo "linux-density: $BUILD/keel.elf or keel-bootdesc not built (run make)" >&2; exit 1
fi
VMLINUZ=$(sh "$TOP/tests/linux/fetch-kernel.sh") || exit 1
INITRD=$(sh "$TOP/tests/linux/build-initramfs.sh") || exit 1
mkdir -p "$LOGS" "$W"
N=${1:-$(( (QMIB - DOM0_MIB - 64) / MIB ))}

# dom0_mib LOG: dom0's memory as Keel built it (0 if not built).  Keel gives
# dom0 what the domUs leave, so a dom0 below dom0_mem means "too many".
dom0_mib() {
    p=$(grep -a -m 1 '^(KEEL) d0: .* pages' "$1" | sed -n 's/.* \([0-9]*\) pages,.*/\1/p')
    echo $(( ${p:-0} / 256 ))
}

# try N: boot dom0 + N domUs; sets STARTED (domUs Keel built) and PASSED.
try() {
    n=$1; log=$LOGS/density-$n.log; cfgs=""; i=1
    rm -f "$W"/linux*.cfg
    while [ "$i" -le "$n" ]; do
        cat > "$W/linux$i.cfg" <<EOC
name = "linux$i"
memory = $MIB
vcpus = 1
kernel = "$VMLINUZ"
ramdisk = "$INITRD"
cmdline = "console=hvc0 $SMALL"
EOC
        cfgs="$cfgs $W/linux$i.cfg"; i=$((i + 1))
    done
    # shellcheck disable=SC2086
    mods=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --dom0-initrd "$INITRD" \
           --qemu-initrd "$VMLINUZ" "$DOM0_ARGS keel.forks=10 keel.mmaps=0 keel.pipes=0 keel.memprocs=0 keel.sleeps=0 keel.linger=3600" \
           $cfgs) || { echo "linux-density: keel-bootdesc failed" >&2; exit 1; }
    start=$(date +%s)
    qemu-system-x86_64 -accel tcg -cpu max,-smap -smp 2 -m "$QMIB" -display none -monitor none \
        -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$BUILD/keel.elf" -append "$HV_APPEND" -initrd "$mods" < /dev/null > "$log" 2>&1 &
    qpid=$!
    t=0; STARTED=-1
    while kill -0 "$qpid" 2>/dev/null; do
        sleep 1; t=$((t + 1))
        # dom0 is built first: squeezed means too many, no need to wait.
        d0=$(dom0_mib "$log")
        [ "$d0" -gt 0 ] && [ "$d0" -lt "$DOM0_MIB" ] && break
        if [ "$STARTED" -lt 0 ] && grep -a -q 'starting dom0' "$log"; then
            STARTED=$(grep -a -c '^(KEEL) domU [0-9]* (linux[0-9]*): .* started' "$log")
            [ "$STARTED" -lt "$n" ] && break    # refused at build time: no need to wait
        fi
        done_n=$(grep -a -c '^\[linux[0-9]*\] VERDICT:' "$log")
        [ "$done_n" -ge "$n" ] && { sleep 2; break; }
        [ "$t" -ge "$TIMEOUT" ] && { echo "  try $n: timeout after $TIMEOUT s"; break; }
    done
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
    [ "$STARTED" -ge 0 ] || STARTED=$(grep -a -c '^(KEEL) domU [0-9]* (linux[0-9]*): .* started' "$log")
    PASSED=$(grep -a -c '^\[linux[0-9]*\] VERDICT: PASS' "$log")
    D0=$(dom0_mib "$log")
    echo "  try $n: dom0 ${D0} MiB, $STARTED domUs started, $PASSED passed, $(( $(date +%s) - start )) s (log $log)"
    grep -a -E '^\(KEEL\) (domU .*not started|dom0 kernel: .*cannot|cannot start dom0)' "$log" |
        head -n 3 | tr -d '\r' | sed 's/^/    /'
}

echo "linux-density: $(date -u '+%Y-%m-%d %H:%M UTC'), QEMU TCG -m $QMIB -smp 2, dom0 $DOM0_MIB MiB, domUs of $MIB MiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
while [ "$N" -gt 0 ]; do
    try "$N"
    [ "$D0" -ge "$DOM0_MIB" ] && [ "$STARTED" -eq "$N" ] && [ "$PASSED" -eq "$N" ] && break
    if [ "$D0" -ge "$DOM0_MIB" ] && [ "$STARTED" -gt 0 ] && [ "$STARTED" -lt "$N" ]; then
        N=$STARTED      # the builder refused the rest for lack of memory
    else
        N=$((N - 1))    # dom0 squeezed or not built, or a guest failed
    fi
done
[ "$N" -gt 0 ] || { echo "linux-density: not even one domU completed its workload"; exit 1; }
log=$LOGS/density-$N.log
echo "$N domUs of $MIB MiB fit in $((QMIB / 1024)) GiB: all completed their workload"
# Memory: Keel's "memory: F MiB free of T MiB" at boot and "... started; F MiB free" per domU;
# the boot modules (a kernel and an initrd per domain, and the description) stay allocated.
modmib=$(( ( ($(stat -c %s "$VMLINUZ") + $(stat -c %s "$INITRD")) * (N + 1) + $(stat -c %s "$W/boot.dtb") ) >> 20 ))
awk -v n="$N" -v mib="$MIB" -v qmib="$QMIB" -v d0="$DOM0_MIB" -v mods="$modmib" '
    /^\(KEEL\) memory: .* MiB free of/ { boot = $3 }
    /^\(KEEL\) domU [0-9]* .* started; [0-9]* MiB free/ { f[++k] = $(NF - 2) }
    END {
        if (!boot || k < 2) { print "memory: Keel printed no free-memory figures"; exit }
        per = (f[1] - f[k]) / (k - 1)
        printf "memory: in use at boot %d MiB of %d MiB RAM: boot modules %d MiB (kernel + initrd per domain), hypervisor %d MiB;\n", qmib - boot, qmib, mods, qmib - boot - mods
        printf "        dom0 (%d MiB) + the first domU took %d MiB;\n", d0, boot - f[1]
        printf "        each domU took %.1f MiB (%.1f MiB beyond its %d MiB); %d MiB left free after %d domUs\n", per, per - mib, mib, f[k], k
    }' "$log"
