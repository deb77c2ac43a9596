#!/bin/sh
# /init of the tests/linux initramfs (busybox sh, PID 1).
# Runs /bin/workload with the keel.NAME=VALUE words of the kernel command
# line as NAME=VALUE arguments, prints one "VERDICT:" line, powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "linux-guest: uname: $(uname -a)"
echo "linux-guest: cpuinfo $(grep -m 1 '^flags' /proc/cpuinfo)"
echo "linux-guest: cmdline: $(cat /proc/cmdline)"
echo "linux-guest: memory: $(grep -m 1 '^MemTotal' /proc/meminfo)"
echo "linux-guest: cpus: $(grep -c '^processor' /proc/cpuinfo)"
args=""
linger=0
shell=0
acpitest=0
ctltest=0
for w in $(cat /proc/cmdline); do
    case $w in
    keel.shell=1) shell=1 ;;                      # interactive demo: a shell, no workload
    keel.linger=*) linger=${w#keel.linger=} ;;   # stay up this many seconds after the verdict
    keel.acpitest=*) acpitest=${w#keel.acpitest=} ;;  # wait this long for an ACPI power-button SCI
    keel.ctltest=1) ctltest=1 ;;                  # dom0's control plane (/bin/ctl-test) instead of the workload
    keel.*=*) args="$args ${w#keel.}" ;;
    esac
done
if [ "$shell" = 1 ]; then
    hostname "$(sed -n 's/.*keel.name=\([^ ]*\).*/\1/p' /proc/cmdline)"
    echo
    echo "Keel demo: this is $(hostname), Linux $(uname -r) on Keel, $(grep -c '^processor' /proc/cpuinfo) vCPU(s)."
    echo "Type CTRL-a three times to switch the serial console between dom0 and the domUs."
    echo "In dom0, 'poweroff -f' (or leaving its shell) powers the machine off."
    while :; do
        setsid cttyhack sh -l
        [ "$(hostname)" = dom0 ] && break
    done
    poweroff -f
fi
# The ACPI SCI as a pirq (linux-acpi-*): its /proc/interrupts count must
# rise when the harness presses QEMU's power button (system_powerdown).
sci_count() { awk '/ acpi$/ { print $2; exit }' /proc/interrupts; }
acpi_rc=0
if [ "$acpitest" -gt 0 ] 2>/dev/null; then
    # The power button's fixed event is enabled by its driver (a module).
    insmod /lib/modules/button.ko || echo "linux-guest: insmod button.ko failed"
    echo "linux-guest: acpi line: $(grep ' acpi$' /proc/interrupts)"
    echo "linux-guest: hwclock: $(hwclock -r 2>&1)"
    echo "linux-guest: pci devices: $(ls /sys/bus/pci/devices 2>/dev/null | wc -l)"
    before=$(sci_count)
    echo "linux-guest: waiting for the power button (SCI count ${before:-none})"
    t=0
    while [ "$t" -lt $((acpitest * 5)) ]; do
        now=$(sci_count)
        [ -n "$now" ] && [ -n "$before" ] && [ "$now" -gt "$before" ] && break
        sleep 0.2
        t=$((t + 1))
    done
    echo "linux-guest: acpi line: $(grep ' acpi$' /proc/interrupts)"
    if [ -n "$before" ] && [ -n "$now" ] && [ "$now" -gt "$before" ]; then
        echo "linux-guest: acpi: SCI count rose from $before to $now"
    else
        echo "linux-guest: acpi: SCI count did not rise (${before:-none} -> ${now:-none})"
        acpi_rc=1
    fi
fi
if [ "$ctltest" = 1 ]; then
    echo "linux-guest: running /bin/ctl-test"
    /bin/ctl-test
    rc=$?
else
    echo "linux-guest: running /bin/workload$args"
    # shellcheck disable=SC2086
    /bin/workload $args
    rc=$?
fi
# A kernel complaint fails the run even if every user-space check passed.
bad=$(dmesg | grep -m 1 -E 'BUG:|Oops|WARNING:|Call Trace|general protection|segfault at|soft lockup|hung_task|rcu.*stall')
if [ "$rc" -ne 0 ]; then
    echo "VERDICT: FAIL (workload or ctl-test exited with status $rc)"
elif [ "$acpi_rc" -ne 0 ]; then
    echo "VERDICT: FAIL (no ACPI SCI after the power button)"
elif [ -n "$bad" ]; then
    echo "VERDICT: FAIL (kernel log: $bad)"
else
    echo "VERDICT: PASS"
fi
# Per-CPU time: shows whether the work ran on every vCPU.
grep '^cpu[0-9]' /proc/stat | while read -r c u n s rest; do
    echo "linux-guest: $c busy $((u + n + s)) ticks"
done
[ "$linger" -gt 0 ] 2>/dev/null && sleep "$linger"
poweroff -f
echo "linux-guest: poweroff -f returned; halting"
while :; do sleep 3600; done
