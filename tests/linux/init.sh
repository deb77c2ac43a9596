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
blktest=0
disktest=
nettest=0
virtiotest=0
for w in $(cat /proc/cmdline); do
    case $w in
    keel.shell=1) shell=1 ;;                      # interactive demo: a shell, no workload
    keel.linger=*) linger=${w#keel.linger=} ;;   # stay up this many seconds after the verdict
    keel.acpitest=*) acpitest=${w#keel.acpitest=} ;;  # wait this long for an ACPI power-button SCI
    keel.ctltest=1) ctltest=1 ;;                  # dom0's control plane (/bin/ctl-test) instead of the workload
    keel.blktest=1) blktest=1 ;;                  # dom0's disk scenario (/bin/blk-test) instead of the workload
    keel.blktest=bench) blktest=bench ;;          # bench/split-io.sh's dom0 (/bin/split-bench)
    keel.ctltest=vif) ctltest=vif ;;              # dom0's network backends (/bin/ctl-vif, linux-vif)
    keel.isotest=1) ctltest=1; ctlprog=/bin/iso-test ;;  # the isolation kit (/bin/iso-test) instead
    keel.tools=1) tools=1 ;;                      # with keel.shell=1: start dom0's daemons first (keel-dom0-up)
    keel.demo=*) demo=${w#keel.demo=} ;;         # with keel.tools=1: the demo's dom0 (/bin/keel-demo; =check: checked, then poweroff)
    keel.disktest=*) disktest=${w#keel.disktest=} ;;  # read /dev/sda through this driver (ata_piix, ahci)
    keel.nettest=1) nettest=1 ;;                  # e1000: ping QEMU's user-network gateway
    keel.virtiotest=1) virtiotest=1 ;;            # virtio-blk-pci: read /dev/vda, its MSI-X pirqs
    keel.iso=*) iso=${w#keel.iso=} ;;             # keel bench isolation: run /bin/isoprog MODE, nothing else
    keel.iso_interval=*) iso_interval=${w#keel.iso_interval=} ;;
    keel.iso_ip=*) iso_ip=${w#keel.iso_ip=} ;;    # probe-net, netflood: eth0's address,
    keel.iso_mask=*) iso_mask=${w#keel.iso_mask=} ;;  # its netmask,
    keel.iso_peer=*) iso_peer=${w#keel.iso_peer=} ;;  # dom0's echo and discard peer
    keel.*=*) args="$args ${w#keel.}" ;;
    esac
done
if [ -n "${iso:-}" ]; then
    # A probe or aggressor of `keel bench isolation` (isoprog.c): it runs
    # until the runner destroys the domain.  The memop, evtchn and grant
    # aggressors need /dev/xen/privcmd, /dev/xen/evtchn and
    # /dev/xen/gntalloc with /dev/xen/gntdev; probe-disk
    # and diskflood the disk xvdb (xen-blkfront; isoprog waits for it),
    # probe-net and netflood eth0 (xen-netfront) with keel.iso_ip.
    case $iso in
    memop) insmod /lib/modules/xen-privcmd.ko || echo "linux-guest: insmod xen-privcmd.ko failed" ;;
    evtchn) insmod /lib/modules/xen-evtchn.ko || echo "linux-guest: insmod xen-evtchn.ko failed" ;;
    grant) for m in xen-gntalloc xen-gntdev; do
               insmod /lib/modules/$m.ko || echo "linux-guest: insmod $m.ko failed"
           done ;;
    probe-disk|diskflood) insmod /lib/modules/xen-blkfront.ko || echo "linux-guest: insmod xen-blkfront.ko failed" ;;
    probe-net|netflood)
        insmod /lib/modules/xen-netfront.ko || echo "linux-guest: insmod xen-netfront.ko failed"
        n=0
        until [ -e /sys/class/net/eth0 ] || [ "$n" -ge 300 ]; do n=$((n + 1)); sleep 0.1; done
        ifconfig lo 127.0.0.1 up
        ifconfig eth0 "${iso_ip:-}" netmask "${iso_mask:-255.255.255.0}" up ||
            echo "linux-guest: ifconfig eth0 ${iso_ip:-(no keel.iso_ip)} failed" ;;
    esac
    exec /bin/isoprog "$iso" "${iso_interval:-500}" ${iso_peer:+"$iso_peer"}
fi
if [ "$shell" = 1 ]; then
    hostname "$(sed -n 's/.*keel.name=\([^ ]*\).*/\1/p' /proc/cmdline)"
    [ "${tools:-0}" = 1 ] && keel-dom0-up
    # The demo (scripts/demo.sh): dom0's disk and NIC, the bridge, and a
    # domU booted from its disk that fetches a file from dom0.  demo.sh
    # --check boots the same and powers off after the checks.
    if [ "${demo:-}" = check ]; then
        if keel-demo check; then echo "VERDICT: PASS"; else echo "VERDICT: FAIL (keel-demo check)"; fi
        poweroff -f
    elif [ -n "${demo:-}" ]; then
        keel-demo
    fi
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
# Devices on their legacy interrupts (linux-disk-*, issue 13 M3): the
# drivers of build-initramfs.sh --disk; the whole disk's sha256 for the
# harness to compare, and its /proc/interrupts line, which must be a
# xen-pirq with a count above 0.
dev_rc=0
irq_line_ok() {    # NAME: the /proc/interrupts lines naming NAME (or NAME[...]) are xen-pirqs, one with a count > 0
    awk -v n="$1" '{ hit = 0
        for (i = 2; i <= NF; i++) { f = $i; sub(/,$/, "", f); if (f == n || index(f, n "[") == 1) hit = 1 }
        if (!hit || $1 !~ /^[0-9]+:$/) next
        seen = 1; sum = 0
        for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) sum += $i
        if (sum > 0) fired = 1
        if ($0 !~ /xen-pirq/) bad = 1 }
        END { exit !(seen && fired && !bad) }' /proc/interrupts
}
irq_lines() {    # NAME
    grep -E "[ ,]$1(\\[[^]]*\\])?(,|\$)" /proc/interrupts
}
irq_count() {    # NAME: NAME's line's count, summed over the CPUs
    irq_lines "$1" | awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) sum += $i; print sum; exit }'
}
if [ -n "$disktest" ]; then
    for m in scsi_common scsi_mod libata crc64 crc64-rocksoft crct10dif_common crc-t10dif t10-pi sd_mod; do
        insmod /lib/modules/disk/$m.ko || echo "linux-guest: insmod $m.ko failed"
    done
    [ "$disktest" = ahci ] && { insmod /lib/modules/disk/libahci.ko || echo "linux-guest: insmod libahci.ko failed"; }
    insmod "/lib/modules/disk/$disktest.ko" || echo "linux-guest: insmod $disktest.ko failed"
    t=0
    while [ ! -b /dev/sda ] && [ "$t" -lt 300 ]; do sleep 0.2; t=$((t + 1)); done
    if [ -b /dev/sda ]; then
        echo "linux-guest: disk size: $(cat /sys/block/sda/size) sectors"
        # With 2 vCPUs the disk's pirq goes to vCPU 1 (EVTCHNOP_bind_vcpu):
        # its events arrive there and its EOIs come from there.
        n=$(irq_lines "$disktest" | awk -F: '{ gsub(/ /, "", $1); print $1; exit }')
        if [ "$(grep -c '^processor' /proc/cpuinfo)" -gt 1 ] && [ -n "$n" ]; then
            echo 2 > "/proc/irq/$n/smp_affinity" && echo "linux-guest: disk irq $n on cpu1"
        fi
        # In the background, so that with keel.nettest the NIC works at
        # the same time (linux-net-pc: both on one GSI).
        (sha256sum < /dev/sda | cut -d' ' -f1 > /tmp/disk.sha256) &
        disk_pid=$!
    else
        echo "linux-guest: disk: no /dev/sda"
        dev_rc=1
    fi
fi
if [ "$nettest" = 1 ]; then
    insmod /lib/modules/disk/e1000.ko || echo "linux-guest: insmod e1000.ko failed"
    ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up || echo "linux-guest: net: ifconfig eth0 failed"
    # A second NIC (linux-net-pc: on eth0's level GSI) takes its interrupt
    # when up: the two then share one pirq.
    [ -e /sys/class/net/eth1 ] && { ifconfig eth1 up || echo "linux-guest: net: ifconfig eth1 failed"; }
    # With 2 vCPUs the NIC's level pirq goes to vCPU 1 too (EVTCHNOP_bind_vcpu):
    # its events arrive there and its PHYSDEVOP_eoi calls come from there.
    n=$(irq_lines eth0 | awk -F: '{ gsub(/ /, "", $1); print $1; exit }')
    if [ "$(grep -c '^processor' /proc/cpuinfo)" -gt 1 ] && [ -n "$n" ]; then
        echo 2 > "/proc/irq/$n/smp_affinity" && echo "linux-guest: net irq $n on cpu1"
    fi
    before=$(irq_count eth0)
    if ping -c 3 -w 20 10.0.2.2; then
        echo "linux-guest: net: ping 10.0.2.2 answered"
    else
        echo "linux-guest: net: ping 10.0.2.2 failed"
        dev_rc=1
    fi
    irq_lines eth0 | while read -r l; do echo "linux-guest: net irq: $l"; done
    after=$(irq_count eth0)
    if irq_line_ok eth0 && [ "${after:-0}" -gt "${before:-0}" ]; then
        echo "linux-guest: net: eth0 interrupts rose from ${before:-none} to $after"
    else
        echo "linux-guest: net: eth0 interrupts did not rise as a xen-pirq (${before:-none} -> ${after:-none})"
        dev_rc=1
    fi
fi
if [ -n "$disktest" ] && [ -b /dev/sda ]; then
    wait "$disk_pid"
    echo "linux-guest: disk sha256: $(cat /tmp/disk.sha256)"
    irq_lines "$disktest" | while read -r l; do echo "linux-guest: disk irq: $l"; done
    irq_line_ok "$disktest" || { echo "linux-guest: disk: no xen-pirq $disktest line with a count above 0"; dev_rc=1; }
fi
# virtio-blk-pci (linux-disk-q35): its queues on MSI-X, a pirq each
# through Keel's map_pirq with a table_base; the whole /dev/vda's sha256
# for the harness, and its /proc/interrupts lines, of which one
# xen-pirq -msi-x must have a count above 0.
if [ "$virtiotest" = 1 ]; then
    for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
        insmod /lib/modules/disk/$m.ko || echo "linux-guest: insmod $m.ko failed"
    done
    t=0
    while [ ! -b /dev/vda ] && [ "$t" -lt 300 ]; do sleep 0.2; t=$((t + 1)); done
    if [ -b /dev/vda ]; then
        echo "linux-guest: virtio sha256: $(sha256sum < /dev/vda | cut -d' ' -f1)"
        grep -E ' virtio[0-9]+-' /proc/interrupts | while read -r l; do echo "linux-guest: virtio irq: $l"; done
        grep -E ' virtio[0-9]+-req' /proc/interrupts | awk '/xen-pirq *-msi-x/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) sum += $i }
            END { exit !(sum > 0) }' || { echo "linux-guest: virtio: no xen-pirq -msi-x request line with a count above 0"; dev_rc=1; }
    else
        echo "linux-guest: virtio: no /dev/vda"
        dev_rc=1
    fi
fi
if [ "$ctltest" = 1 ]; then
    echo "linux-guest: running ${ctlprog:-/bin/ctl-test}"
    ${ctlprog:-/bin/ctl-test}
    rc=$?
elif [ "$blktest" = 1 ]; then
    echo "linux-guest: running /bin/blk-test"
    /bin/blk-test
    rc=$?
elif [ "$blktest" = bench ]; then
    echo "linux-guest: running /bin/split-bench"
    /bin/split-bench
    rc=$?
elif [ "$ctltest" = vif ]; then
    echo "linux-guest: running /bin/ctl-vif"
    /bin/ctl-vif
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
elif [ "$dev_rc" -ne 0 ]; then
    echo "VERDICT: FAIL (disk or network test)"
elif [ -n "$bad" ]; then
    echo "VERDICT: FAIL (kernel log: $bad)"
else
    echo "VERDICT: PASS"
fi
# Per-CPU time: shows whether the work ran on every vCPU.
grep '^cpu[0-9]' /proc/stat | while read -r c u n s rest; do
    echo "linux-guest: $c busy $((u + n + s)) ticks"
done
# While lingering, bring up CPUs the toolstack made available again
# (cpu/N/availability = online: Linux's cpu_hotplug.c only marks them
# present; udev's 40-vm-hotadd rule onlines them in a full distribution).
t=0
while [ "$t" -lt "$linger" ] 2>/dev/null; do
    for c in /sys/devices/system/cpu/cpu[1-9]*; do
        [ "$(cat "$c/online" 2>/dev/null)" = 0 ] && echo 1 > "$c/online" 2>/dev/null
    done
    sleep 1
    t=$((t + 1))
done
poweroff -f
echo "linux-guest: poweroff -f returned; halting"
while :; do sleep 3600; done
