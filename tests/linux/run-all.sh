#!/bin/sh
# Boot tests with the stock Debian 12 Linux kernel (tests/linux).
#
#   run-all.sh [--native] [--accel tcg|kvm] [NAME...]
#
# Tests:
#   linux-domus   dom0 plus 2 Linux domUs (the last with 2 vCPUs) from a boot description;
#                 every kernel must log the FIFO event ABI, except linux1,
#                 booted with xen.fifo_events=0, which must use 2-level
#   linux-many    the same with 8 domUs of 128 MiB on 2 physical CPUs
#                 (LINUX_MANY, LINUX_MANY_MIB, LINUX_MANY_SMP)
#   linux-smp     dom0 with 2 vCPUs on one physical CPU
#   linux-smp2    dom0 with 2 vCPUs on 2 physical CPUs (QEMU -smp 2)
#   linux-dom0    Keel ($BUILD/keel.elf) with dom0 = Debian's vmlinuz and
#                 our initramfs (busybox + workload), dom0_mem=512M, QEMU
#                 -m 1024.  Passes iff the guest prints "VERDICT: PASS",
#                 the kernel log shows no panic/oops/BUG/warning, and dom0's
#                 poweroff reaches Keel (ACPI S5 and QEMU exit status 0;
#                 or SCHEDOP_shutdown and exit status 33).
#   linux-acpi-pc, linux-acpi-q35
#                 dom0 with ACPI, PCI and MSI on, on QEMU -machine pc /
#                 q35: "ACPI: Interpreter enabled", PCI devices found (no
#                 "Failed to add"), the SCI (GSI 9) as a xen-pirq
#                 whose /proc/interrupts count rises when the harness presses
#                 QEMU's power button (system_powerdown on the monitor
#                 socket), and dom0's poweroff through ACPI S5
#                 (XENPF_enter_acpi_sleep) ending QEMU with status 0.
#   linux-disk-pc, linux-disk-q35, linux-net-pc
#                 devices on legacy interrupts and MSI (issue 13, M3), dom0
#                 with ACPI and PCI on, the initramfs of build-initramfs.sh
#                 --disk: an 8 MiB raw image of random bytes, read-only, on
#                 pc's PIIX IDE (ata_piix, ISA IRQ 14, edge) or q35's
#                 ICH9 AHCI (ahci on MSI: an MSI pirq of Keel's);
#                 dom0 reads the whole /dev/sda and its sha256 must
#                 be the image's, and the driver's /proc/interrupts line a
#                 xen-pirq with a count above 0 (on q35 a xen-pirq -msi,
#                 and Keel's report must count MSI interrupts; q35 also
#                 has the image on a virtio-blk-pci, read whole with the
#                 same sha256, its request queue a xen-pirq -msi-x).
#                 linux-net-pc: an e1000 on QEMU's user network with
#                 restrict=on (no packet leaves QEMU); dom0 pings the
#                 gateway 10.0.2.2 and eth0's interrupt count must rise,
#                 on a level GSI it shares with a second e1000, while
#                 it reads the image through an AHCI on MSI; dom0 has 2
#                 vCPUs on QEMU -smp 2 and both pirqs are moved to
#                 vCPU 1 (its /proc/interrupts counts must rise).
#   linux-ctl     dom0 as the control domain (issue 14): the initramfs of
#                 build-initramfs.sh --tools, whose /bin/ctl-test
#                 (tests/linux/ctl-test.sh) loads the Xen device modules
#                 and drives the hypervisor with dom0-tools' `keel`;
#                 dom0_mem=768M, QEMU -m 1536, 2 CPUs
#   linux-blk     dom0's disks for domUs (issue 15): the initramfs of
#                 build-initramfs.sh --blk, whose /bin/blk-test
#                 (tests/linux/blk-test.sh) loads loop and xen-blkback and
#                 boots 4 domUs at once, each with root on xvda from its
#                 own ext4 image (made with Debian's mkfs.ext4), twice,
#                 data intact and e2fsck clean, hot-plugs a second disk,
#                 destroys one mid-I/O, attacks blkback from a hostile
#                 blkfront and checks nothing is left; dom0_mem=768M,
#                 QEMU -m 1536, 2 CPUs (LINUX_BLK_TIMEOUT, default 900)
#   linux-vif     dom0's network backends (issue 15, docs/network.md):
#                 the --tools initramfs with keel.ctltest=vif runs
#                 /bin/ctl-vif (tests/linux/ctl-vif.sh): dom0 with PCI on,
#                 its e1000 (QEMU user network, restrict=on) on the bridge
#                 xenbr0, 2 Linux domUs with vif= lines and xen-netfront
#                 ping dom0, the gateway and each other and exchange 1 MiB
#                 files over TCP with sha256 checks; network-attach/
#                 -list/-detach; a destroy mid-transfer leaves no vif,
#                 backend directory or dying domain; a third domU playing
#                 a hostile netfront (hostile-fe.c) is disabled by
#                 netback alone; dom0_mem=768M,
#                 QEMU -m 1536 -smp 2 (LINUX_VIF_TIMEOUT, default 480)
#   linux-iso     the resource-isolation kit (issue 17): the --tools
#                 initramfs' /bin/iso-test (tests/linux/iso-test.sh) checks
#                 keel top --json against keel vstats and runs a short
#                 keel bench isolation on ONE physical CPU, checking its
#                 CSV/SVG report and its physical consistency, then the
#                 disk probe against a network flood over a dom0-only
#                 bridge with keel top's disk/net columns checked against
#                 sysfs; dom0_mem=512M, QEMU -m 1024, -smp 1
#                 (LINUX_ISO_TIMEOUT, default 420 s)
#   linux-native  (only with --native or by name) the same kernel and
#                 initramfs booted directly by QEMU, for comparison.
# Without NAMEs the default set runs: linux-dom0, linux-smp2, linux-many,
# linux-acpi-pc, linux-acpi-q35, linux-disk-pc, linux-disk-q35,
# linux-net-pc, linux-ctl, linux-blk, linux-vif, linux-iso, plus linux-native with
# --native.  Logs: $BUILD/boot-logs/NAME.log.  Environment:
#   LINUX_WORKLOAD  extra kernel words, e.g. "keel.forks=10000 keel.memmib=96"
#   KEEL_APPEND     Keel's command line (default: console=com1 dom0_mem=512M)
#   LINUX_TIMEOUT   seconds per test (default 170)
#   LINUX_DEV_SMP   QEMU's -smp for linux-disk-*/linux-net-pc (default 1,
#                   2 for linux-net-pc; above 1, dom0_max_vcpus=2 is added
#                   to Keel's command line and the disk's and NIC's pirqs
#                   are moved to vCPU 1, which must count interrupts)
# Prints one PASS/FAIL line per test (with the guest's and the
# hypervisor's last lines after a failure) and a closing count; exits 1
# if any test failed, 2 on usage errors.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD
HERE=$TOP/tests/linux
RUNQEMU=$TOP/tests/boot/run-qemu.sh
# SMAP hidden (-smap, --smap off): QEMU 7.2's TCG reads the frame of a
# native iretq at CPL3 (Linux's sync_core) as a supervisor access, which a
# hypervisor's SMAP refuses.  Keel's own test guests run with SMAP.
LOGDIR=$BUILD/boot-logs
ACCEL=tcg; NATIVE=0
TIMEOUT=${LINUX_TIMEOUT:-170}
WORKLOAD=${LINUX_WORKLOAD:-}
HV_APPEND=${KEEL_APPEND:-console=com1 dom0_mem=512M}
# dom0's command line: ACPI on (issue 13, stage M1), no PCI or swiotlb.
# (With acpi=off, as in LINUX-PV-ABI.md F.7, the built-in rtc_cmos now
# reaches the RTC, as under Xen, and takes Linux IRQ 8, which is then also
# the console's event-channel IRQ: no console; docs/benchmarks.md.)
DOM0_ARGS="console=hvc0 pci=off swiotlb=noforce"
NATIVE_ARGS="console=ttyS0 panic=-1"
# Lines of the console log that mean the kernel is unwell.
COMPLAINTS='Kernel panic|Oops|BUG:|WARNING:|Call Trace:|general protection fault|segfault at|soft lockup|hard LOCKUP|rcu: INFO|blocked for more than'

usage() { echo "usage: $0 [--native] [--accel tcg|kvm] [linux-dom0|linux-native ...]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --native) NATIVE=1; shift ;;
    --accel) [ $# -ge 2 ] || usage; ACCEL=$2; shift 2 ;;
    -*) echo "run-all: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
done
case $TIMEOUT in ''|*[!0-9]*) echo "run-all: LINUX_TIMEOUT '$TIMEOUT' is not a number" >&2; exit 2 ;; esac
if [ $# -gt 0 ]; then
    TESTS="$*"
else
    TESTS="linux-dom0 linux-smp2 linux-many linux-acpi-pc linux-acpi-q35 linux-ctl linux-blk"
    TESTS="$TESTS linux-disk-pc linux-disk-q35 linux-net-pc linux-vif linux-iso"
    [ "$NATIVE" -eq 1 ] && TESTS="$TESTS linux-native"
fi
for t in $TESTS; do
    case $t in linux-dom0|linux-smp|linux-smp2|linux-domus|linux-many|linux-native|linux-acpi-pc|linux-acpi-q35|linux-ctl|linux-vif|linux-iso) ;;
    linux-blk) ;;
    linux-disk-pc|linux-disk-q35|linux-net-pc) ;; *) echo "run-all: unknown test '$t'" >&2; usage ;; esac
done

passed=0; failed=0; failures=""
fail_all() {    # REASON: every selected test fails for one reason
    for t in $TESTS; do
        echo "FAIL $t: $1"
        failed=$((failed + 1)); failures="$failures $t"
    done
}
clean() { tr -d '\r\033' | awk 1; }

# After a failure: where the guest stopped, and what the hypervisor said.
diagnose() {    # LOG
    first=$(grep -a -n -m 1 -E "$COMPLAINTS" "$1" | cut -d: -f1)
    if [ -n "$first" ]; then
        echo "---- first kernel complaint (line $first of $1)"
        sed -n "$first,$((first + 29))p" "$1" | clean
    fi
    echo "---- guest: last 40 lines"
    grep -a -v '^(KEEL)' "$1" | tail -n 40 | clean
    n=$(grep -a -c '^(KEEL)' "$1")
    echo "---- hypervisor: (KEEL) lines ($n in all; at most the last 60 shown)"
    grep -a '^(KEEL)' "$1" | tail -n 60 | clean
    echo "----"
}

# dom0 (Linux, small workload, lingering) plus $DOMUS Linux domUs started
# from a boot description written by keel-bootdesc; each domU runs the
# small workload and must print its own "[name] VERDICT: PASS".
DOMUS=${LINUX_DOMUS:-2}
SMALL="keel.forks=200 keel.mmaps=200 keel.pipes=2000 keel.memprocs=2 keel.memmib=16"
run_domus() {    # LOG
    w=$BUILD/linux-domus
    mkdir -p "$w"
    cfgs=""
    i=1
    while [ "$i" -le "$DOMUS" ]; do
        # The last domU has 2 vCPUs: SMP bring-up and IPIs in a domU too.
        nv=1
        [ "$i" -eq "$DOMUS" ] && nv=2
        # The first domU forces the 2-level event ABI; the others (and
        # dom0) take FIFO, as Linux does when the hypervisor offers it.
        abi=""
        [ "$i" -eq 1 ] && abi=" xen.fifo_events=0"
        cat > "$w/linux$i.cfg" <<EOC
name = "linux$i"
memory = ${DOMU_MIB:-160}
vcpus = $nv
kernel = "$VMLINUZ"
ramdisk = "$INITRD"
cmdline = "console=hvc0 $SMALL$abi"
EOC
        cfgs="$cfgs $w/linux$i.cfg"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    mods=$("$BUILD/bin/keel-bootdesc" -o "$w/boot.dtb" --dom0-initrd "$INITRD" \
           --qemu-initrd "$VMLINUZ" "$DOM0_ARGS $SMALL keel.linger=$((5 + 5 * DOMUS))" $cfgs) || {
        echo "FAIL linux-domus: keel-bootdesc failed"; return 1; }
    timeout "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -cpu max,-smap -smp "${QEMU_SMP:-1}" -m "${QEMU_MIB:-1536}" \
        -display none -monitor none -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$BUILD/keel.elf" \
        -append "$HV_APPEND" -initrd "$mods" < /dev/null > "$1" 2>&1
    qrc=$?
    i=1
    while [ "$i" -le "$DOMUS" ]; do
        grep -a -q "^\[linux$i\] VERDICT: PASS" "$1" || { echo "FAIL linux-domus: linux$i gave no PASS verdict"; return 1; }
        if [ "$i" -eq "$DOMUS" ] && ! grep -a -q "^\[linux$i\] linux-guest: cpus: 2" "$1"; then
            echo "FAIL linux-domus: linux$i did not see its 2 vCPUs"; return 1
        fi
        i=$((i + 1))
    done
    grep -a -q '^VERDICT: PASS' "$1" || { echo "FAIL linux-domus: dom0 gave no PASS verdict"; return 1; }
    if [ "$qrc" -eq 0 ] && grep -a -q 'ACPI: dom0 enters S5' "$1"; then
        echo "PASS linux-domus (dom0 powered off by ACPI S5)"
    elif [ "$qrc" -eq 33 ]; then
        echo "PASS linux-domus (hypervisor exit: dom0 shutdown reason 0 (poweroff))"
    else
        echo "FAIL linux-domus: QEMU exit $qrc"; return 1
    fi
}

# dom0 with ACPI and PCI on: the M2 command line of FULL-DOM0-ABI.md (no
# acpi=off, no pci=off, MSI on: no device here uses it; Linux finds the RSDP
# itself in the BIOS area).  The guest waits for the
# power button; the harness presses it through the QEMU monitor as soon as
# the guest says so, then QEMU must end by dom0's ACPI S5 (status 0).
ACPI_ARGS="console=hvc0 swiotlb=noforce"
run_acpi() {    # LOG MACHINE NAME
    sock=$BUILD/linux-acpi-$2.sock
    rm -f "$sock"
    timeout "$TIMEOUT" qemu-system-x86_64 -machine "$2" -accel "$ACCEL" -cpu max,-smap -m 1024 \
        -display none -monitor "unix:$sock,server,nowait" -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$BUILD/keel.elf" \
        -append "$HV_APPEND" -initrd "$VMLINUZ $ACPI_ARGS $SMALL keel.acpitest=60,$INITRD" \
        < /dev/null > "$1" 2>&1 &
    qpid=$!
    pressed=0
    while kill -0 "$qpid" 2>/dev/null; do
        if [ "$pressed" -eq 0 ] && grep -a -q 'waiting for the power button' "$1"; then
            python3 -c 'import socket,sys,time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(0.3)
s.sendall(b"system_powerdown\n"); time.sleep(0.5); s.close()' "$sock" || {
                echo "FAIL $3: cannot reach the QEMU monitor at $sock"; kill "$qpid"; wait "$qpid"; return 1; }
            pressed=1
        fi
        sleep 0.2
    done
    wait "$qpid"
    qrc=$?
    rm -f "$sock"
    grep -a -q 'ACPI: Interpreter enabled' "$1" || { echo "FAIL $3: no 'ACPI: Interpreter enabled'"; return 1; }
    [ "$pressed" -eq 1 ] || { echo "FAIL $3: the guest never waited for the power button (QEMU exit $qrc)"; return 1; }
    line=$(grep -a 'linux-guest: acpi line:' "$1" | tail -n 1 | clean)
    printf '%s' "$line" | grep -q 'xen-pirq.* acpi$' || { echo "FAIL $3: no xen-pirq acpi line in /proc/interrupts ($line)"; return 1; }
    grep -a -q 'linux-guest: acpi: SCI count rose' "$1" || { echo "FAIL $3: the SCI count did not rise on system_powerdown"; return 1; }
    grep -a -q '^VERDICT: PASS' "$1" || { echo "FAIL $3: no PASS verdict"; return 1; }
    # The CMOS RTC through the hypervisor's 0x70/0x71 latch emulation.
    grep -a -q 'linux-guest: hwclock: .* 20[0-9][0-9]' "$1" || { echo "FAIL $3: hwclock did not read the RTC"; return 1; }
    # PCI through the emulated 0xcf8/0xcfc (and ECAM on q35).
    grep -a -q 'linux-guest: pci devices: [1-9]' "$1" || { echo "FAIL $3: dom0 found no PCI device"; return 1; }
    if grep -a -q 'Failed to add' "$1"; then echo "FAIL $3: $(grep -a -m 1 'Failed to add' "$1" | clean)"; return 1; fi
    grep -a -q 'ACPI: dom0 enters S5' "$1" || { echo "FAIL $3: dom0's poweroff did not reach XENPF_enter_acpi_sleep (QEMU exit $qrc)"; return 1; }
    [ "$qrc" -eq 0 ] || { echo "FAIL $3: QEMU exit $qrc, not 0 (ACPI power-off)"; return 1; }
    echo "PASS $3 ($(grep -a 'linux-guest: acpi: SCI' "$1" | clean | sed 's/linux-guest: acpi: //'); ACPI S5 power-off)"
}

# Devices on their legacy interrupts and MSI (issue 13, M3): dom0 with
# ACPI, PCI and MSI on reads a known disk image through ata_piix (pc,
# ISA IRQ 14) or ahci (q35, MSI), or pings QEMU's user-network gateway
# through an e1000 (restrict=on: no packet leaves QEMU; INTx).  The run
# ends by dom0's ACPI S5 (QEMU status 0).
# Linux's swiotlb on (no swiotlb=noforce): 32-bit DMA (PIIX's BMDMA,
# e1000) bounces through buffers made machine-contiguous below 4 GiB by
# XENMEM_exchange.
DEV_ARGS="console=hvc0"
run_dev() {    # LOG MACHINE NAME
    img=$BUILD/linux-disk.img
    if [ ! -f "$img" ] || [ ! -f "$img.sha256" ]; then
        head -c 8388608 /dev/urandom > "$img.tmp" && chmod 444 "$img.tmp" && sha256sum < "$img.tmp" | cut -d' ' -f1 > "$img.sha256" &&
            mv "$img.tmp" "$img" || { echo "FAIL $3: cannot write $img"; return 1; }
    fi
    want=$(cat "$img.sha256")
    case $3 in
    linux-net-*)
        # The e1000s in slots 3 and 7 share PCI link LNKD (PIIX: link =
        # (slot + pin) mod 4), hence one level GSI (the second on its own
        # restricted user network); the AHCI in slot 5 has MSI.
        words="keel.nettest=1 keel.disktest=ahci"
        dev="-nic none -netdev user,id=n0,restrict=on -device e1000,netdev=n0,addr=3"
        dev="$dev -netdev user,id=n1,restrict=on -device e1000,netdev=n1,addr=7 -device ahci,id=ahci0,addr=5"
        dev="$dev -drive file=$img,format=raw,if=none,id=d0,snapshot=on -device ide-hd,drive=d0,bus=ahci0.0" ;;
    *)  words="keel.disktest=ata_piix"; [ "$2" = q35 ] && words="keel.disktest=ahci keel.virtiotest=1"
        # QEMU 7.2's ide-hd refuses a read-only drive: snapshot=on keeps
        # every write in a temporary overlay, the image stays as written.
        dev="-nic none -drive file=$img,format=raw,if=none,id=d0,snapshot=on -device ide-hd,drive=d0,bus=ide.0"
        # q35: the same image again on a virtio-blk-pci, whose queues are
        # on MSI-X (Keel's map_pirq with a table_base).
        [ "$2" = q35 ] && dev="$dev -drive file=$img,format=raw,if=none,id=d1,readonly=on -device virtio-blk-pci,drive=d1" ;;
    esac
    # linux-net-pc runs dom0 with 2 vCPUs on 2 CPUs (issue 13): the
    # disk's MSI pirq and the NICs' level pirq are moved to vCPU 1
    # (init.sh), so their events are delivered there and their EOIs come
    # from there while the interrupts arrive on CPU 0.
    smp=${LINUX_DEV_SMP:-1}; hv=$HV_APPEND
    [ "$3" = linux-net-pc ] && smp=${LINUX_DEV_SMP:-2}
    if [ "$smp" -gt 1 ]; then
        case " $hv " in *" dom0_max_vcpus="*) ;; *) hv="$hv dom0_max_vcpus=2" ;; esac
    fi
    # shellcheck disable=SC2086
    timeout "$TIMEOUT" qemu-system-x86_64 -machine "$2" -accel "$ACCEL" -cpu max,-smap -m 1024 \
        -smp "$smp" -display none -monitor none -serial stdio -no-reboot $dev \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$BUILD/keel.elf" \
        -append "$hv" -initrd "$VMLINUZ $DEV_ARGS $SMALL $words,$DEV_INITRD" \
        < /dev/null > "$1" 2>&1
    qrc=$?
    # 2 vCPUs: dom0 saw them, and the pirqs moved to vCPU 1 counted
    # interrupts there (the second count of their /proc/interrupts line).
    if [ "$smp" -gt 1 ] && case " $hv " in *" dom0_max_vcpus=2 "*) true ;; *) false ;; esac; then
        grep -a -q 'linux-guest: cpus: 2' "$1" || { echo "FAIL $3: dom0 did not see 2 vCPUs"; return 1; }
        for w in disk net; do
            [ "$w" = net ] && [ "${3#linux-net}" = "$3" ] && continue
            grep -a -q "linux-guest: $w irq [0-9]* on cpu1" "$1" || { echo "FAIL $3: the $w's pirq was not moved to vCPU 1"; return 1; }
            l=$(grep -a "linux-guest: $w irq:" "$1" | head -n 1 | clean | sed "s/linux-guest: $w irq: *//")
            c1=$(printf '%s' "$l" | awk '{ print $3 }')
            case $c1 in ''|*[!0-9]*|0) echo "FAIL $3: no $w interrupt delivered to vCPU 1 ($l)"; return 1 ;; esac
        done
    fi
    case $3 in
    linux-net-*)
        grep -a -q 'linux-guest: net: ping 10.0.2.2 answered' "$1" || { echo "FAIL $3: dom0's ping of 10.0.2.2 got no answer"; return 1; }
        grep -a -q 'linux-guest: net: eth0 interrupts rose' "$1" || { echo "FAIL $3: eth0's interrupt count did not rise as a xen-pirq"; return 1; }
        what=$(grep -a 'linux-guest: net irq:' "$1" | head -n 1 | clean | sed 's/linux-guest: net irq: *//')
        printf '%s' "$what" | grep -q 'eth0.*eth1\|eth1.*eth0' || { echo "FAIL $3: eth0 and eth1 do not share an interrupt ($what)"; return 1; }
        # The AHCI's interrupt is an MSI (Keel's map_pirq of type MSI_SEG).
        line=$(grep -a 'linux-guest: disk irq:' "$1" | head -n 1 | clean)
        printf '%s' "$line" | grep -q 'xen-pirq *-msi ' || { echo "FAIL $3: the AHCI's interrupt is not an MSI pirq (${line:-no line})"; return 1; }
        grep -a -q '^(KEEL) irq: MSI pirq [0-9]*: [1-9]' "$1" || { echo "FAIL $3: Keel counted no MSI interrupt"; return 1; }
        what="$what; $(printf '%s' "$line" | sed 's/linux-guest: disk irq: *//')"
        got=$(grep -a 'linux-guest: disk sha256:' "$1" | tail -n 1 | clean | sed 's/.*sha256: //')
        [ "$got" = "$want" ] || { echo "FAIL $3: dom0 read sha256 '${got:-nothing}', the image's is $want"; return 1; } ;;
    *)
        got=$(grep -a 'linux-guest: disk sha256:' "$1" | tail -n 1 | clean | sed 's/.*sha256: //')
        [ "$got" = "$want" ] || { echo "FAIL $3: dom0 read sha256 '${got:-nothing}', the image's is $want"; return 1; }
        line=$(grep -a 'linux-guest: disk irq:' "$1" | head -n 1 | clean)
        printf '%s' "$line" | grep -q 'xen-pirq' || { echo "FAIL $3: the disk's interrupt is not a xen-pirq (${line:-no line})"; return 1; }
        what=$(printf '%s' "$line" | sed 's/linux-guest: disk irq: *//')
        # q35's AHCI has MSI: Keel's map_pirq of type MSI_SEG, and Keel's
        # own count of that pirq's interrupts at the power-off.
        if [ "$2" = q35 ]; then
            printf '%s' "$line" | grep -q 'xen-pirq *-msi ' || { echo "FAIL $3: the AHCI's interrupt is not an MSI pirq ($line)"; return 1; }
            grep -a -q '^(KEEL) irq: MSI pirq [0-9]*: [1-9]' "$1" || { echo "FAIL $3: Keel counted no MSI interrupt"; return 1; }
            # The virtio-blk-pci: the same bytes, its request queue on an
            # MSI-X pirq (before MSI-X, virtio-pci fell back to INTx).
            got=$(grep -a 'linux-guest: virtio sha256:' "$1" | tail -n 1 | clean | sed 's/.*sha256: //')
            [ "$got" = "$want" ] || { echo "FAIL $3: dom0 read sha256 '${got:-nothing}' from the virtio disk, the image's is $want"; return 1; }
            vline=$(grep -a 'linux-guest: virtio irq:' "$1" | grep -a 'req' | head -n 1 | clean)
            printf '%s' "$vline" | grep -q 'xen-pirq *-msi-x ' || { echo "FAIL $3: the virtio disk's interrupt is not an MSI-X pirq (${vline:-no line})"; return 1; }
            what="$what; $(printf '%s' "$vline" | sed 's/linux-guest: virtio irq: *//')"
        fi
        # PIIX's bus-master DMA has a 32-bit mask: it needs the swiotlb.
        if grep -a -q 'falling back to PIO' "$1"; then echo "FAIL $3: $(grep -a -m 1 'falling back to PIO' "$1" | clean)"; return 1; fi ;;
    esac
    grep -a -q '^VERDICT: PASS' "$1" || { echo "FAIL $3: no PASS verdict"; return 1; }
    # Keel's count per GSI at the S5 (irq_report): level interrupts that
    # came while their EOI was awaited mean the pin was not masked.
    grep -a -q -E '^\(KEEL\) irq: (GSI|MSI pirq) ' "$1" || { echo "FAIL $3: Keel reported no device interrupt at the power-off"; return 1; }
    early=$(grep -a '^(KEEL) irq: GSI ' "$1" | clean | grep -v ', 0 while awaiting the EOI$' | head -n 1)
    [ -z "$early" ] || { echo "FAIL $3: interrupts while the pin should be masked: $early"; return 1; }
    # An interrupt storm (a level line not held masked until the EOI) or
    # interrupts no driver claims make Linux disable the line.
    if grep -a -q -E 'nobody cared|Disabling IRQ #' "$1"; then
        echo "FAIL $3: $(grep -a -m 1 -E 'nobody cared|Disabling IRQ #' "$1" | clean)"; return 1
    fi
    # With QEMU -smp 2 (LINUX_DEV_SMP) QEMU may act on the PM1a write
    # after dom0, told 0, went on to SCHEDOP_shutdown: Keel's exit (33).
    grep -a -q 'ACPI: dom0 enters S5' "$1" &&
        { [ "$qrc" -eq 0 ] || { [ "$qrc" -eq 33 ] && grep -a -q 'dom0 shutdown reason 0' "$1"; }; } ||
        { echo "FAIL $3: dom0's poweroff did not end QEMU by ACPI S5 (QEMU exit $qrc)"; return 1; }
    echo "PASS $3 ($what; ACPI S5 power-off)"
}

# Network backends (issue 15): dom0 as the control domain with PCI on and
# an e1000 on QEMU's user network (restrict=on: no packet leaves QEMU),
# which tests/linux/ctl-vif.sh puts on the bridge xenbr0 that its domUs'
# vifs join.  Passes iff dom0 prints "VERDICT: PASS" and powers off.
# MSI is on (no pci=nomsi since issue 13), though its e1000 has none.
VIF_ARGS="console=hvc0"
run_vif() {    # LOG
    timeout "${LINUX_VIF_TIMEOUT:-480}" qemu-system-x86_64 -machine pc -accel "$ACCEL" -cpu max,-smap -m 1536 \
        -smp 2 -display none -monitor none -serial stdio -no-reboot \
        -nic none -netdev user,id=n0,restrict=on -device e1000,netdev=n0 \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$BUILD/keel.elf" \
        -append "console=com1 dom0_mem=768M" -initrd "$VMLINUZ $VIF_ARGS keel.ctltest=vif,$CTL_INITRD" \
        < /dev/null > "$1" 2>&1
    qrc=$?
    grep -a -q '^VERDICT: PASS' "$1" || { echo "FAIL linux-vif: no PASS verdict (QEMU exit $qrc)"; return 1; }
    if [ "$qrc" -eq 0 ] && grep -a -q 'ACPI: dom0 enters S5' "$1"; then
        echo "PASS linux-vif (dom0 powered off by ACPI S5)"
    elif [ "$qrc" -eq 33 ]; then
        echo "PASS linux-vif (hypervisor exit: dom0 shutdown reason 0 (poweroff))"
    else
        echo "FAIL linux-vif: QEMU exit $qrc"; return 1
    fi
}

# dom0's poweroff ended the run: through SCHEDOP_shutdown (Keel's exit port,
# status 33), or, with ACPI on, through XENPF_enter_acpi_sleep(S5), after
# which QEMU exits with status 0 (ACPI power-off).
powered_off() {    # STATUS-LINE LOG
    printf '%s' "$1" | grep -q 'dom0 shutdown reason 0 (poweroff)' && return 0
    printf '%s' "$1" | grep -q 'dom0 powered off by ACPI S5' && return 0    # run_domus checked it
    printf '%s' "$1" | grep -q 'QEMU exited with status 0' && grep -a -q 'ACPI: dom0 enters S5' "$2"
}

# The event-channel ABI each kernel chose must be FIFO, except linux1 of
# linux-domus/linux-many, booted with xen.fifo_events=0: 2-level.  Prints
# what is wrong, nothing if all is right.
FIFO_MSG='xen:events: Using FIFO-based ABI'
TWOL_MSG='xen:events: Using 2-level ABI'
check_abi() {    # NAME LOG
    grep -a -v '^\[linux' "$2" | grep -a -q "$FIFO_MSG" || { echo "dom0 did not use the FIFO event ABI"; return; }
    case $1 in
    linux-domus) n=${LINUX_DOMUS:-2} ;;
    linux-many) n=${LINUX_MANY:-8} ;;
    *) return ;;
    esac
    grep -a -q "^\[linux1\] .*$TWOL_MSG" "$2" || { echo "linux1 (xen.fifo_events=0) did not use the 2-level event ABI"; return; }
    i=2
    while [ "$i" -le "$n" ]; do
        grep -a -q "^\[linux$i\] .*$FIFO_MSG" "$2" || { echo "linux$i did not use the FIFO event ABI"; return; }
        i=$((i + 1))
    done
}

run_test() {    # NAME
    name=$1
    log=$LOGDIR/$name.log
    extra=""
    [ -n "$WORKLOAD" ] && extra=" $WORKLOAD"
    start=$(date +%s)
    case $name in
    linux-dom0)
        out=$(sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "$HV_APPEND" \
              --dom0 "$VMLINUZ $DOM0_ARGS$extra" --initrd "$INITRD" \
              --mem 1024 --timeout "$TIMEOUT" --accel "$ACCEL" --smap off --log "$log") ;;
    linux-smp)
        out=$(sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "$HV_APPEND dom0_max_vcpus=2" \
              --dom0 "$VMLINUZ $DOM0_ARGS$extra" --initrd "$INITRD" \
              --mem 1024 --timeout "$TIMEOUT" --accel "$ACCEL" --smap off --log "$log") ;;
    linux-smp2)
        # dom0 with 2 vCPUs on 2 physical CPUs: IPIs, TLB shootdowns.
        out=$(sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "$HV_APPEND dom0_max_vcpus=2" \
              --dom0 "$VMLINUZ $DOM0_ARGS$extra" --initrd "$INITRD" --smp 2 \
              --mem 1024 --timeout "${LINUX_SMP2_TIMEOUT:-300}" --accel "$ACCEL" --smap off --log "$log") ;;
    linux-domus)
        out=$(run_domus "$log") ;;
    linux-many)
        # Density (only by name): LINUX_MANY domUs of LINUX_MANY_MIB each.
        out=$(TIMEOUT=${LINUX_MANY_TIMEOUT:-420} DOMUS=${LINUX_MANY:-8} DOMU_MIB=${LINUX_MANY_MIB:-128} \
              QEMU_MIB=${LINUX_MANY_QEMU_MIB:-2048} QEMU_SMP=${LINUX_MANY_SMP:-2} \
              run_domus "$log" | sed 's/linux-domus/linux-many/') ;;

    linux-ctl)
        out=$(sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=768M" \
              --dom0 "$VMLINUZ $DOM0_ARGS keel.ctltest=1$extra" --initrd "$CTL_INITRD" --smp 2 \
              --mem 1536 --timeout "${LINUX_CTL_TIMEOUT:-400}" --accel "$ACCEL" --smap off --log "$log") ;;
    linux-blk)
        out=$(sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=768M" \
              --dom0 "$VMLINUZ $DOM0_ARGS keel.blktest=1$extra" --initrd "$BLK_INITRD" --smp 2 \
              --mem 1536 --timeout "${LINUX_BLK_TIMEOUT:-900}" --accel "$ACCEL" --smap off --log "$log") ;;
    linux-vif)
        out=$(run_vif "$log") ;;
    linux-iso)
        # One physical CPU: the victim and the aggressor contend for it.
        out=$(sh "$RUNQEMU" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=512M" \
              --dom0 "$VMLINUZ $DOM0_ARGS keel.isotest=1$extra" --initrd "$CTL_INITRD" --smp 1 \
              --mem 1024 --timeout "${LINUX_ISO_TIMEOUT:-420}" --accel "$ACCEL" --smap off --log "$log") ;;
    linux-acpi-pc|linux-acpi-q35)
        out=$(run_acpi "$log" "${name#linux-acpi-}" "$name") ;;
    linux-disk-pc|linux-disk-q35|linux-net-pc)
        out=$(run_dev "$log" "${name##*-}" "$name") ;;
    linux-native)
        # run-qemu.sh hands --hv to QEMU's -kernel, --append to -append and
        # --dom0 to -initrd: with the kernel as "hypervisor" that is a
        # plain Linux boot.  A poweroff exits QEMU with status 0.
        out=$(sh "$RUNQEMU" --hv "$VMLINUZ" --append "$NATIVE_ARGS$extra" \
              --dom0 "$INITRD" --mem 1024 --timeout "$TIMEOUT" --accel "$ACCEL" --smap off --log "$log") ;;
    esac
    rc=$?
    secs=$(( $(date +%s) - start ))
    status=$(printf '%s\n' "$out" | head -n 1)
    why=""
    if [ "$rc" -ne 0 ]; then
        why=${status#FAIL "$name": }
    elif [ "${name%2}" = linux-smp ] && ! grep -a -q 'linux-guest: cpus: 2' "$log"; then
        why="dom0 did not see 2 CPUs"
    elif [ "${name%2}" = linux-smp ] && ! grep -a -E -q 'linux-guest: cpu1 busy [1-9]' "$log"; then
        why="no work ran on the second vCPU"
    elif [ "${name#linux-acpi}" = "$name" ] && [ "${name#linux-disk}" = "$name" ] && [ "${name#linux-net}" = "$name" ] &&
         [ "$name" != linux-native ] && ! powered_off "$status" "$log"; then
        why="VERDICT: PASS but dom0's poweroff did not end the run (${status#PASS "$name" })"
    elif [ "$name" != linux-native ] && abi=$(check_abi "$name" "$log") && [ -n "$abi" ]; then
        why="VERDICT: PASS but $abi"
    elif bad=$(grep -a -m 1 -E "$COMPLAINTS" "$log" | clean) && [ -n "$bad" ]; then
        why="VERDICT: PASS but the console shows: $bad"
    fi
    total=$(grep -a 'workload: total:' "$log" | tail -n 1 | sed 's/.*failed, \([0-9.]*\) s.*/\1/')
    if [ -z "$why" ]; then
        echo "PASS $name (workload ${total:-?} s, run ${secs} s; log $log)"
        passed=$((passed + 1))
    else
        echo "FAIL $name after ${secs} s: $why"
        grep -a -E '^workload: .*(FAIL|watchdog)' "$log" | head -n 10 | clean
        diagnose "$log"
        failed=$((failed + 1)); failures="$failures $name"
    fi
}

mkdir -p "$LOGDIR"
if ! VMLINUZ=$(sh "$HERE/fetch-kernel.sh"); then
    fail_all "cannot fetch the Debian kernel (see the fetch-kernel line above)"
elif ! INITRD=$(sh "$HERE/build-initramfs.sh"); then
    fail_all "cannot build the initramfs (see the build-initramfs line above)"
elif ! CTL_INITRD=$(sh "$HERE/build-initramfs.sh" --tools); then
    fail_all "cannot build the control-plane initramfs (see the build-initramfs line above)"
elif ! DEV_INITRD=$(sh "$HERE/build-initramfs.sh" --disk); then
    fail_all "cannot build the device-test initramfs (see the build-initramfs line above)"
elif case " $TESTS " in *" linux-blk "*) ! BLK_INITRD=$(sh "$HERE/build-initramfs.sh" --blk) ;; *) false ;; esac; then
    fail_all "cannot build the disk-test initramfs (see the build-initramfs line above)"
else
    for t in $TESTS; do
        if [ "$t" = linux-dom0 ] && [ ! -f "$BUILD/keel.elf" ]; then
            echo "FAIL $t: $BUILD/keel.elf does not exist (run make first)"
            failed=$((failed + 1)); failures="$failures $t"
            continue
        fi
        run_test "$t"
    done
fi
echo "linux tests: $passed passed, $failed failed${failures:+ (failed:$failures)}"
[ "$failed" -eq 0 ]
