#!/bin/sh
# Boot a hypervisor with one dom0 kernel in QEMU and wait for its verdict.
#
#   run-qemu.sh --hv IMAGE --dom0 'KERNEL [dom0 cmdline]' --log FILE
#               [--append 'hv cmdline'] [--initrd PATH] [--smp N]
#               [--mem MB] [--timeout S] [--accel tcg|kvm] [--smap on|off]
#               [--devices 'QEMU device options']
#
# QEMU's multiboot loader boots IMAGE; the first module is the dom0
# kernel (its string is dom0's command line), the optional second one
# the initrd.  The serial console goes to FILE.  The run ends when the
# log shows a "VERDICT:" line (QEMU is then given a moment to exit on its
# own, then killed: real Xen halts instead of exiting), when QEMU exits,
# or at the timeout.  Exit status: 0 only if the log has "VERDICT: PASS"
# and no "VERDICT: FAIL"; 1 otherwise (2 on usage errors).
#
# Keel's exit convention: on dom0 shutdown Keel writes 0x10 + reason to
# the isa-debug-exit port 0xf4, so QEMU exits with ((0x10+reason)<<1)|1;
# the reason is reported.
#
# The CPU is QEMU's `max` (TCG) or `host` (KVM) with SMAP, so Keel runs
# with SMEP and SMAP on; `--smap off` hides SMAP, for Xen 4.17 under TCG
# (run-all.sh --xen), which does not boot with it.
set -u
usage() { echo "usage: $0 --hv IMAGE --dom0 'KERNEL [args]' --log FILE [--append S] [--initrd P] [--smp N] [--mem MB] [--timeout S] [--accel tcg|kvm] [--smap on|off] [--devices S]" >&2; exit 2; }

HV= APPEND= DOM0= INITRD= DEVICES= SMP=${KEEL_SMP:-1} MEM=512 TIMEOUT=60 LOG= ACCEL=tcg SMAP=on
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "run-qemu: option $1 needs a value" >&2; usage; }
    case $1 in
    --hv) HV=$2 ;;
    --append) APPEND=$2 ;;
    --dom0) DOM0=$2 ;;
    --initrd) INITRD=$2 ;;
    --smp) SMP=$2 ;;
    --mem) MEM=$2 ;;
    --timeout) TIMEOUT=$2 ;;
    --log) LOG=$2 ;;
    --accel) ACCEL=$2 ;;
    --smap) SMAP=$2 ;;
    --devices) DEVICES=$2 ;;
    *) echo "run-qemu: unknown option $1" >&2; usage ;;
    esac
    shift 2
done
[ -n "$HV" ] && [ -n "$DOM0" ] && [ -n "$LOG" ] || usage
for n in "$SMP" "$MEM" "$TIMEOUT"; do
    case $n in ''|*[!0-9]*) echo "run-qemu: '$n' is not a number" >&2; usage ;; esac
done
case $ACCEL in
tcg) CPU=max ;;
kvm) CPU=host ;;
*) echo "run-qemu: --accel must be tcg or kvm, not '$ACCEL'" >&2; usage ;;
esac
case $SMAP in
on) ;;
off) CPU=$CPU,-smap ;;
*) echo "run-qemu: --smap must be on or off, not '$SMAP'" >&2; usage ;;
esac
name=$(basename "$LOG" .log)
if [ ! -f "$HV" ]; then
    echo "FAIL $name: hypervisor image '$HV' does not exist"
    exit 1
fi
kernel=${DOM0%% *}
if [ ! -f "$kernel" ]; then
    echo "FAIL $name: dom0 kernel '$kernel' does not exist"
    exit 1
fi
if [ -n "$INITRD" ] && [ ! -f "$INITRD" ]; then
    echo "FAIL $name: initrd '$INITRD' does not exist"
    exit 1
fi
# QEMU separates multiboot modules with ',' and reads ',,' as a comma.
modules=$(printf '%s' "$DOM0" | sed 's/,/,,/g')
[ -n "$INITRD" ] && modules="$modules,$(printf '%s' "$INITRD" | sed 's/,/,,/g')"

mkdir -p "$(dirname "$LOG")"
: > "$LOG"
# $DEVICES: several options, split on purpose.
# shellcheck disable=SC2086
qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -smp "$SMP" -m "$MEM" \
    -display none -monitor none -serial stdio -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 $DEVICES \
    -kernel "$HV" -append "$APPEND" -initrd "$modules" \
    < /dev/null >> "$LOG" 2>&1 &
qpid=$!

# Poll in 0.2 s steps: verdict, QEMU exit, or timeout.
ticks=$((TIMEOUT * 5)); t=0; status=running; grace=-1
while :; do
    if ! kill -0 "$qpid" 2>/dev/null; then
        wait "$qpid"; qrc=$?; status=exited; break
    fi
    if [ "$grace" -lt 0 ] && grep -qa 'VERDICT:' "$LOG"; then
        grace=10	# 2 s for the hypervisor to exit by itself
    fi
    # Real Xen announces that it halts/reboots instead of exiting QEMU.
    if [ "$grace" -gt 0 ] && grep -qa 'Dom0 .*: \(halting\|rebooting\) machine' "$LOG"; then
        grace=0
    fi
    if [ "$grace" -eq 0 ]; then
        status=killed; break
    fi
    [ "$grace" -gt 0 ] && grace=$((grace - 1))
    t=$((t + 1))
    if [ "$t" -ge "$ticks" ]; then
        status=timeout; break
    fi
    sleep 0.2
done
if [ "$status" != exited ]; then
    kill "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
fi

msg=""
reason_name=""
case $status in
timeout) msg="timed out after ${TIMEOUT}s" ;;
killed) msg="QEMU stopped after the verdict" ;;
exited)
    if [ $((qrc & 1)) -eq 1 ] && [ "$qrc" -ge $(((0x10 << 1) | 1)) ] && [ "$qrc" -le $(((0x15 << 1) | 1)) ]; then
        reason=$(((qrc >> 1) - 0x10))
        set -- poweroff reboot suspend crash watchdog soft_reset
        shift "$reason"
        reason_name=$1
        msg="hypervisor exit: dom0 shutdown reason $reason ($1)"
    else
        msg="QEMU exited with status $qrc"
    fi ;;
esac

if grep -qa 'VERDICT: PASS' "$LOG" && ! grep -qa 'VERDICT: FAIL' "$LOG"; then
    if [ -z "$reason_name" ] || [ "$reason_name" = poweroff ]; then
        echo "PASS $name ($msg)"
        exit 0
    fi
    msg="$msg, but a passing guest powers off"
fi
verdict=$(grep -a 'VERDICT:' "$LOG" | head -n 1 | tr -d '\r')
echo "FAIL $name: ${verdict:-no verdict} ($msg); log kept in $LOG"
echo "---- last 40 lines of $LOG"
tail -n 40 "$LOG" | tr -d '\033' | awk 1
echo "----"
exit 1
