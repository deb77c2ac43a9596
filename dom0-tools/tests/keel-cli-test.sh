#!/bin/sh
# Command-line tests of keel that need no hypervisor: usage, --help for
# every verb, and every argument error caught before privcmd is opened
# (one line naming the problem, exit status 1, as xl's EXIT_FAILURE); a
# verb that needs the hypervisor off dom0 says which device is missing.
# (The verbs themselves run against Keel in tests/linux linux-ctl.)
# usage: keel-cli-test.sh PATH/TO/keel
set -u
K=$1
pass=0; fail=0
T=$(mktemp -d /tmp/keel-cli-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_err NAME WANT CMD...: exit 1 and stderr == WANT (one line)
expect_err() {
    name=$1; want=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"; rc=$?
    got=$(cat "$T/err")
    if [ $rc -ne 1 ]; then bad "$name: exit $rc (want 1)"
    elif [ "$got" != "$want" ]; then bad "$name: got \"$got\", want \"$want\""
    else ok; fi
}
# expect_ok NAME GREP CMD...: exit 0 and stdout matches GREP
expect_ok() {
    name=$1; pat=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"; rc=$?
    if [ $rc -ne 0 ]; then bad "$name: exit $rc: $(cat "$T/err")"
    elif ! grep -q -- "$pat" "$T/out"; then bad "$name: output does not match '$pat': $(head -c 300 "$T/out")"
    else ok; fi
}

expect_ok help 'Verbs:' "$K" help
expect_ok --help 'Verbs:' "$K" --help
for v in $("$K" help | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p'); do
    expect_ok "$v --help" "^Usage: keel $v" "$K" "$v" --help
done
[ "$("$K" help | grep -c '^  [a-z]')" -ge 7 ] && ok || bad "keel help lists fewer than 7 verbs"
# The man page (dom0-tools/man/keel.1) has an item for every verb keel knows.
MAN=$(dirname "$0")/../man/keel.1
items=$(awk 'prev == ".TP" { print } { prev = $0 }' "$MAN" | sed 's/\\-/-/g')
for v in $("$K" help | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p'); do
    printf '%s\n' "$items" | grep -q -w -- "$v" && ok || bad "the man page $MAN has no item for '$v'"
done
"$K" > /dev/null 2>&1; [ $? -eq 1 ] && ok || bad "keel without a verb: exit not 1"
expect_err unknown-verb "keel: unknown verb 'frobnicate' (keel help lists them)" "$K" frobnicate
expect_err list-arg "keel list: unknown argument '--bogus'" "$K" list --bogus
expect_err info-arg "keel info: unexpected argument 'x'" "$K" info x
expect_err dmesg-arg "keel dmesg: unknown argument '-x'" "$K" dmesg -x
expect_err mem-max-usage "keel mem-max: usage: keel mem-max DOMAIN AMOUNT" "$K" mem-max 0
expect_err mem-max-size "keel mem-max: 12q: invalid memory size (a number with b, k, m, g or t)" "$K" mem-max 0 12q
expect_err mem-max-neg "keel mem-max: -5: invalid memory size (a number with b, k, m, g or t)" "$K" mem-max 0 -5
expect_err mem-max-suffix "keel mem-max: 1gb: invalid memory size (a number with b, k, m, g or t)" "$K" mem-max 0 1gb
expect_err sched-w0 "keel sched-credit2: -w 0: weight must be 1..65535" "$K" sched-credit2 -d 0 -w 0
expect_err sched-wbig "keel sched-credit2: -w 70000: weight must be 1..65535" "$K" sched-credit2 -d 0 -w 70000
expect_err sched-cap "keel sched-credit2: -c x: cap must be a percentage >= 0" "$K" sched-credit2 -d 0 -c x
expect_err sched-nod "keel sched-credit2: -w and -c need -d DOMAIN" "$K" sched-credit2 -w 5
expect_err sched-opt "keel sched-credit2: -z: expected -d DOMAIN, -w WEIGHT or -c CAP" "$K" sched-credit2 -z 1
expect_err top-d0 "keel top: -d 0: expected seconds from 0.1 to 86400" "$K" top -d 0
expect_err top-s "keel top: -s bogus: unknown column (name, id, cpu, mem, nettx, netrx, vbdrd, vbdwr, steal, wake50, wake99, preempt, flush)" "$K" top -s bogus
expect_err bench-usage "keel bench: usage: keel bench isolation EXPERIMENT [-o DIR]" "$K" bench
expect_err bench-nofile "keel bench isolation: $T/none.iso: No such file or directory" "$K" bench isolation "$T/none.iso"
printf 'probe = probe-cpu\naggressor = cpu\naggressors = 0, 1\nsetting = a: pin=1-0\n' > "$T/pin.iso"
expect_err bench-pin "keel bench isolation: $T/pin.iso:4: pin: '1-0': invalid CPU range (N, N-M, all, ^N)" "$K" bench isolation "$T/pin.iso"
printf 'probe = probe-disc\n' > "$T/disk.iso"
expect_err bench-disk "keel bench isolation: $T/disk.iso:1: probe: 'probe-disc': unknown probe (probe-timer, probe-cpu, probe-mem, probe-disk, probe-net)" "$K" bench isolation "$T/disk.iso"
printf 'probe = probe-net\naggressor = netflood\naggressors = 0, 1\nguest_ip = 10.0.2.300\n' > "$T/ip.iso"
expect_err bench-ip "keel bench isolation: $T/ip.iso:4: guest_ip: '10.0.2.300': an IPv4 address (a.b.c.d)" "$K" bench isolation "$T/ip.iso"
printf 'probe = probe-cpu\naggressor = updown\naggressor_vcpus = 1\naggressors = 0, 1\n' > "$T/updown.iso"
expect_err bench-updown "keel bench isolation: $T/updown.iso:3: aggressor_vcpus: updown needs at least 2" "$K" bench isolation "$T/updown.iso"
expect_err vstats-usage "keel vstats: which domain? (keel vstats DOMAIN [VCPU] [--json])" "$K" vstats
expect_err vstats-vcpu "keel vstats: VCPU 'x': expected a vCPU number" "$K" vstats 0 x
expect_err top-i "keel top: -i x: expected a whole number of iterations" "$K" top -i x
expect_err top-arg "keel top: unknown argument '-q' (keel top [-b|--batch] [--json] [-d SECONDS] [-i N] [-s COLUMN])" "$K" top -q
expect_err shutdown-usage "keel shutdown: usage: keel shutdown [-w] DOMAIN" "$K" shutdown
expect_err shutdown-opt "keel shutdown: usage: keel shutdown [-w] DOMAIN" "$K" shutdown -x 1
expect_err reboot-two "keel reboot: usage: keel reboot [-w] DOMAIN" "$K" reboot 1 2
expect_err mem-set-usage "keel mem-set: usage: keel mem-set DOMAIN AMOUNT" "$K" mem-set 1
expect_err mem-set-zero "keel mem-set: 0: invalid memory size (a number with b, k, m, g or t)" "$K" mem-set 1 0
expect_err vcpu-set-zero "keel vcpu-set: 0: expected a number of vCPUs >= 1" "$K" vcpu-set 1 0
expect_err vcpu-set-usage "keel vcpu-set: usage: keel vcpu-set DOMAIN VCPUS" "$K" vcpu-set 1
expect_err create-nofile "keel create: no configuration file given" "$K" create
expect_err create-opt "keel create: unknown option '-x'" "$K" create -x f.cfg
expect_err create-kv "keel create: 'memory' is not KEY=VALUE" "$K" create f.cfg memory
expect_err destroy-none "keel destroy: expects exactly one domain (name or id)" "$K" destroy
expect_err pause-two "keel pause: expects exactly one domain (name or id)" "$K" pause a b
expect_err console-none "keel console: no domain given" "$K" console
expect_err console-type "keel console: -t serial: only the pv console exists" "$K" console -t serial d1
expect_err console-timeout "keel console: --timeout: 'x' is not a number of seconds" "$K" console --timeout x d1
expect_err console-extra "keel console: unexpected argument 'b'" "$K" console a b
expect_err block-attach-usage "keel block-attach: usage: block-attach DOMAIN DISKSPEC..." "$K" block-attach d1
expect_err block-attach-spec "keel block-attach: disk: format: 'qcow2' is not supported by keel (raw only)" \
    "$K" block-attach d1 format=qcow2 vdev=xvdb target=/img
expect_err block-attach-vdev "keel block-attach: disk: vdev: 'vda' is not a virtual disk name (xvda, hdb, sdc, d0p1)" \
    "$K" block-attach d1 'file:/img,vda,r'
expect_err block-attach-novdev "keel block-attach: disk: vdev: missing (e.g. vdev=xvda)" "$K" block-attach d1 /img
expect_err block-detach-usage "keel block-detach: usage: block-detach [-f] DOMAIN DEVID|VDEV" "$K" block-detach d1
expect_err block-detach-vdev "keel block-detach: 'floppy' is not a device id or virtual disk name" \
    "$K" block-detach -f d1 floppy
expect_err block-list-usage "keel block-list: usage: block-list DOMAIN..." "$K" block-list
expect_err network-attach-none "keel network-attach: expects a domain and a vif spec (e.g. bridge=xenbr0 mac=00:16:3e:00:00:01)" \
    "$K" network-attach
expect_err network-attach-mac "keel network-attach: mac: 'zz' is not a MAC address (xx:xx:xx:xx:xx:xx)" \
    "$K" network-attach d1 bridge=xenbr0 mac=zz
expect_err network-attach-type "keel network-attach: type: 'ioemu' not supported (a PV guest has only type=vif)" \
    "$K" network-attach d1 type=ioemu
expect_err network-detach-usage "keel network-detach: expects a domain and a devid or MAC address" "$K" network-detach d1
expect_err network-list-none "keel network-list: expects at least one domain" "$K" network-list
U="keel vcpu-pin: usage: keel vcpu-pin [-f] DOMAIN VCPU|all HARD|- [SOFT|-]"
expect_err vcpu-pin-usage "$U" "$K" vcpu-pin 1 0
expect_err vcpu-pin-many "$U" "$K" vcpu-pin 1 0 1 1 1
expect_err vcpu-pin-opt "$U" "$K" vcpu-pin -x 1 0 1
expect_err vcpu-pin-vcpu "keel vcpu-pin: VCPU 'x': expected a vCPU number or all" "$K" vcpu-pin 1 x 0
expect_err vcpu-pin-range "keel vcpu-pin: '3-1': invalid CPU range (N, N-M, all, ^N)" "$K" vcpu-pin 1 0 3-1
expect_err vcpu-pin-junk "keel vcpu-pin: '1x': invalid CPU range (N, N-M, all, ^N)" "$K" vcpu-pin 1 all 0,1x
expect_err vcpu-pin-notall "keel vcpu-pin: '^all': \"^\" and \"all\" cannot be combined" "$K" vcpu-pin 1 0 'all,^all'
expect_err vcpu-pin-none "keel vcpu-pin: '0,^0': no CPU left" "$K" vcpu-pin 1 0 '0,^0'
expect_err vcpu-pin-big "keel vcpu-pin: '64': CPUs are 0..63" "$K" vcpu-pin 1 0 64
expect_err vcpu-pin-soft "keel vcpu-pin: 'x': invalid CPU range (N, N-M, all, ^N)" "$K" vcpu-pin 1 0 - x
expect_err vcpu-pin-comma "keel vcpu-pin: '0,,1': empty entry in the CPU list" "$K" vcpu-pin 1 0 0,,1
expect_err vcpu-pin-dashes "keel vcpu-pin: nothing to change (both masks are '-')" "$K" vcpu-pin 1 0 - -
expect_err vcpu-pin-node "keel vcpu-pin: 'node:1': no such NUMA node (the host has node 0)" "$K" vcpu-pin 1 0 node:1
expect_err vcpu-pin-privcmd "keel: cannot open $T/none: No such file or directory (is this dom0 with xen-privcmd loaded?)" \
    env KEEL_PRIVCMD="$T/none" "$K" vcpu-pin 1 all '0-3,^2' all
# Off dom0 (or with the module missing): one line naming the device.
expect_err no-privcmd "keel: cannot open $T/none: No such file or directory (is this dom0 with xen-privcmd loaded?)" \
    env KEEL_PRIVCMD="$T/none" "$K" list
echo "keel cli tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
