#!/bin/sh
# The README's demo command: install dependencies, build, then boot Keel
# in QEMU (TCG).
#
#   sh scripts/demo.sh          on a terminal: Debian's stock kernel as dom0
#                               (2 vCPUs) with its own disk and NIC, plus two
#                               Linux domUs, and you are at dom0's shell on
#                               the serial console (CTRL-a three times
#                               switches to each domU's console and back;
#                               `poweroff -f` in dom0 ends the demo).  dom0
#                               mounts its disk, puts its NIC on the bridge
#                               xenbr0, serves a file with busybox httpd and
#                               creates the domU "web" (keel create
#                               /mnt/disk/keel/web.cfg), which boots from its
#                               disk xvda and fetches that file over xenbr0.
#                               Without a terminal: the test-guest demo below.
#   sh scripts/demo.sh --check  the same machine without a terminal: dom0
#                               checks its disk and NIC and web's fetch
#                               (keel.demo=check), then powers off; this
#                               script checks those lines on the console
#                               (log: build/demo/check.log) and exits 0 only
#                               if all held (the `demo` suite of make test;
#                               DEMO_TIMEOUT seconds, default 420).
#   sh scripts/demo.sh GUEST    a test guest as dom0 (hello, abi, traps, user,
#                               events): it prints one line per check and
#                               powers the machine off.
# QEMU's network is its user network with restrict=on: no packet leaves
# the machine (and no port is forwarded).
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -s -j"$(nproc)" all

# isa-debug-exit: QEMU's status is ((0x10 + dom0's shutdown reason) << 1) | 1.
explain() {
    case $1 in
    33) echo "demo: dom0 powered off"; return 0 ;;
    0) echo "demo: dom0 powered off (ACPI S5)"; return 0 ;;
    39) echo "demo: dom0 crashed"; return 1 ;;
    124) echo "demo: timed out"; return 1 ;;
    *) echo "demo: QEMU exited with status $1"; return 1 ;;
    esac
}

QEMU="qemu-system-x86_64 -accel tcg -cpu max,-smap -display none -monitor none \
      -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -kernel build/keel.elf"

# The Linux demo: Keel on 2 CPUs (QEMU pc), dom0 = Debian's kernel with
# ACPI and PCI on (no pci=off, Linux's swiotlb on) and 2 vCPUs, its disk
# (build/linux/demo-disk.img on QEMU's AHCI; snapshot=on: dom0's writes
# last until QEMU exits, the image is rebuilt on every run) and its NIC
# (an e1000 on QEMU's user network, restrict=on); linux1 and linux2 boot
# with it from the boot description.  keel.demo=MODE tells dom0's /init
# (tests/linux/init.sh) what to run: 1 the interactive demo, check the
# checks.  demo_qemu then boots it.
linux_demo() {    # MODE
    vmlinuz=$(sh tests/linux/fetch-kernel.sh)
    initrd=$(BUILD=$PWD/build sh tests/linux/build-initramfs.sh)
    # dom0's initramfs: the control plane (keel, keel-xenstored,
    # keel-consoled, the kernel and the plain initrd for run-time domUs),
    # its disk and NIC drivers and /bin/keel-demo; it also writes dom0's
    # disk image (tests/linux/build-initramfs.sh --demo).
    dom0rd=$(BUILD=$PWD/build sh tests/linux/build-initramfs.sh --demo)
    mkdir -p build/demo
    cfgs=""
    for n in 1 2; do
        cat > build/demo/linux$n.cfg <<EOC
name = "linux$n"
memory = 128
vcpus = 1
kernel = "$vmlinuz"
ramdisk = "$initrd"
cmdline = "console=hvc0 keel.shell=1 keel.name=linux$n quiet"
EOC
        cfgs="$cfgs build/demo/linux$n.cfg"
    done
    # shellcheck disable=SC2086
    mods=$(build/bin/keel-bootdesc -o "build/demo/boot-$1.dtb" --dom0-initrd "$dom0rd" \
           --qemu-initrd "$vmlinuz" \
           "console=hvc0 keel.shell=1 keel.tools=1 keel.demo=$1 keel.name=dom0 quiet" $cfgs)
    DEMO_MODS=$mods
}
demo_qemu() {    # [COMMAND-PREFIX...], after linux_demo
    # shellcheck disable=SC2086
    "$@" $QEMU -machine pc -smp 2 -m 1536 -nic none -netdev user,id=n0,restrict=on -device e1000,netdev=n0 \
        -device ahci,id=ahci0 -drive file=build/linux/demo-disk.img,format=raw,if=none,id=d0,snapshot=on \
        -device ide-hd,drive=d0,bus=ahci0.0 \
        -append "console=com1 dom0_mem=640M dom0_max_vcpus=2" -initrd "$DEMO_MODS"
}

# Lines of the console log that mean a kernel is unwell (as in
# tests/linux/run-all.sh).
COMPLAINTS='Kernel panic|Oops|BUG:|WARNING:|Call Trace:|general protection fault|segfault at|soft lockup|hard LOCKUP|rcu: INFO|blocked for more than'
check() {
    start=$(date +%s)
    linux_demo check
    log=build/demo/check.log
    echo "demo --check: booting the demo's machine (log: $log)"
    set +e
    demo_qemu timeout "${DEMO_TIMEOUT:-420}" < /dev/null > "$log" 2>&1
    qrc=$?
    set -e
    secs=$(( $(date +%s) - start ))
    want=$(cat build/linux/demo-disk.sha256)
    clean() { tr -d '\r\033' < "$log" | awk 1; }
    why=""
    if ! clean | grep -q "^demo: dom0's disk: /dev/sda (.*, ahci: [1-9][0-9]* interrupts on xen-pirq .*), ext4 on /mnt/disk"; then
        why="no line for dom0's disk (ahci on a xen-pirq with interrupts, ext4 mounted)"
    elif ! clean | grep -q "^demo: dom0's NIC: eth0 (e1000: [1-9][0-9]* interrupts on xen-pirq.*) on the bridge xenbr0"; then
        why="no line for dom0's NIC (e1000 on a xen-pirq with interrupts, on xenbr0)"
    elif ! clean | grep -q "^demo: keel create /mnt/disk/keel/web.cfg: domain web"; then
        why="dom0 did not create web"
    elif ! clean | grep -q "^\[web\] demo-guest: fetched http://10.0.2.15/hello.bin from dom0 over xenbr0: 1048576 bytes, sha256 $want: OK"; then
        why="web's fetch line with the sha256 $want is missing"
    elif ! clean | grep -q '^\[linux1\] Keel demo: this is linux1' || ! clean | grep -q '^\[linux2\] Keel demo: this is linux2'; then
        why="linux1 or linux2 did not reach its shell"
    elif ! clean | grep -q '^VERDICT: PASS'; then
        why="dom0 gave no PASS verdict"
    elif bad=$(clean | grep -m 1 -E "$COMPLAINTS") && [ -n "$bad" ]; then
        why="the console shows: $bad"
    elif ! how=$(explain "$qrc"); then
        why=$how
    fi
    if [ -n "$why" ]; then
        echo "demo --check: FAIL after $secs s: $why"
        echo "---- last 40 lines of $log"
        clean | tail -n 40
        return 1
    fi
    clean | grep -E "^demo: dom0's (disk|NIC)|^\[web\] demo-guest: fetched"
    echo "demo --check: PASS ($how; run $secs s)"
}

if [ "${1:-}" = --check ]; then
    check
    exit $?
fi

if [ $# -eq 0 ] && [ -t 0 ] && [ -t 1 ]; then
    linux_demo 1
    echo "demo: Keel on 2 CPUs with Debian's kernel as dom0 (2 vCPUs, its own disk and NIC) and two domUs;"
    echo "demo: dom0 then creates the domU web from its disk (keel create /mnt/disk/keel/web.cfg), which"
    echo "demo: fetches a file from dom0 over the bridge xenbr0.  Wait for the shell prompt."
    echo "demo: in dom0, manage domUs as with xl: keel create -c /etc/keel/debian.cfg (CTRL-] leaves its"
    echo "demo: console), keel list, keel console web, keel top, keel destroy debian."
    set +e
    demo_qemu
    explain $?
    exit $?
fi

guest=${1:-abi}
[ -f "build/guests/$guest.elf" ] || { echo "demo: no guest '$guest' (try hello, abi, traps, user, events)" >&2; exit 2; }
echo "demo: booting build/keel.elf with build/guests/$guest.elf as dom0 (exits when dom0 powers off)"
set +e
# shellcheck disable=SC2086
$QEMU -m 512 -append "console=com1 dom0_mem=64M" \
    -initrd "build/guests/$guest.elf keel-test a=1 b=two" < /dev/null
explain $?
