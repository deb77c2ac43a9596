#!/bin/sh
# The README's demo command: install dependencies, build, then boot Keel
# in QEMU (TCG).
#
#   sh scripts/demo.sh          on a terminal: Debian's stock kernel as dom0
#                               plus two Linux domUs, and you are at dom0's
#                               shell on the serial console (CTRL-a three
#                               times switches to each domU's console and
#                               back; `poweroff -f` in dom0 ends the demo).
#                               Without a terminal: the test-guest demo below.
#   sh scripts/demo.sh GUEST    a test guest as dom0 (hello, abi, traps, user,
#                               events): it prints one line per check and
#                               powers the machine off.
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
    *) echo "demo: QEMU exited with status $1"; return 1 ;;
    esac
}

QEMU="qemu-system-x86_64 -accel tcg -cpu max,-smap -display none -monitor none \
      -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -kernel build/keel.elf"

if [ $# -eq 0 ] && [ -t 0 ] && [ -t 1 ]; then
    vmlinuz=$(sh tests/linux/fetch-kernel.sh)
    initrd=$(BUILD=$PWD/build sh tests/linux/build-initramfs.sh)
    # dom0's initramfs with the control plane (keel, keel-xenstored,
    # keel-consoled, the kernel and the plain initrd for run-time domUs).
    tools=$(BUILD=$PWD/build sh tests/linux/build-initramfs.sh --tools)
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
    mods=$(build/bin/keel-bootdesc -o build/demo/boot.dtb --dom0-initrd "$tools" \
           --qemu-initrd "$vmlinuz" \
           "console=hvc0 pci=off swiotlb=noforce keel.shell=1 keel.tools=1 keel.name=dom0 quiet" $cfgs)
    echo "demo: Keel on 2 CPUs with Debian's kernel as dom0 (2 vCPUs) and two domUs; wait for the shell prompt."
    echo "demo: in dom0, manage domUs as with xl: keel create -c /etc/keel/debian.cfg (CTRL-] leaves its"
    echo "demo: console), keel list, keel console debian, keel top, keel destroy debian."
    set +e
    # shellcheck disable=SC2086
    $QEMU -smp 2 -m 1536 -append "console=com1 dom0_mem=640M dom0_max_vcpus=2" -initrd "$mods"
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
