#!/bin/sh
# Command-line tests of keel-bootdesc: outputs, every validation error,
# and a round trip through the hypervisor's own parser (--dump).
# usage: cli-test.sh PATH/TO/keel-bootdesc
set -u
BD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d /tmp/keel-bootdesc-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0; fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_out NAME WANT CMD...: exit 0 and stdout == WANT
expect_out() {
    name=$1; want=$2; shift 2
    got=$("$@" 2>err.txt); rc=$?
    if [ $rc -ne 0 ]; then bad "$name: exit $rc: $(cat err.txt)"
    elif [ "$got" != "$want" ]; then bad "$name: got:"; echo "$got"; echo "--- want:"; echo "$want"
    else ok; fi
}
# expect_err NAME WANT CMD...: non-zero exit and stderr's last line == WANT
expect_err() {
    name=$1; want=$2; shift 2
    "$@" >out.txt 2>err.txt; rc=$?
    got=$(tail -n 1 err.txt)
    if [ $rc -eq 0 ]; then bad "$name: exit 0 (want an error)"
    elif [ "$got" != "$want" ]; then bad "$name: got \"$got\", want \"$want\""
    else ok; fi
}

printf 'kernel-one' > k1; printf 'ramdisk' > r1; printf 'kernel-two' > k2
printf 'dom0' > vmlinuz0; printf 'initrd0' > initrd0
cat > web.cfg <<'X'
# web server
name = "web"
memory = 256
maxmem = 512
vcpus = 2
kernel = "k1"
ramdisk = 'r1'
root = "/dev/xvda1"; extra = "console=hvc0"
weight = 512
cap = 100
vif = [ 'bridge=br0',
        'mac=00:16:3e:00:00:01',
      ]
X
cat > db.cfg <<'X'
name = 'db'
kernel = 'k2'
cmdline = 'console=hvc0 a=b,c'
X

# --- outputs -------------------------------------------------------------
expect_out list "# multiboot modules, in this order (module 0 first)
0	DOM0_KERNEL DOM0_ARGS	# dom0 kernel
1	boot.dtb	# boot description
2	k1	# web: kernel
3	r1	# web: ramdisk
4	k2	# db: kernel" "$BD" -o boot.dtb web.cfg db.cfg
grep -q "web.cfg:11: vif: warning: unknown key, ignored" err.txt && ok || bad "vif warning"
[ "$(grep -c warning err.txt)" = 1 ] && ok || bad "one warning only"
expect_out dump "domain web: memory-kib=262144 max-memory-kib=524288 vcpus=2 kernel-module=2 ramdisk-module=3 weight=512 cap=100 cmdline=\"root=/dev/xvda1 console=hvc0\"
domain db: memory-kib=131072 max-memory-kib=131072 vcpus=1 kernel-module=4 weight=256 cap=0 cmdline=\"console=hvc0 a=b,c\"" \
    "$BD" --dump boot.dtb 5
expect_err dump-too-few-modules "boot.dtb: boot description: domains/domU2: kernel-module: no such multiboot module (got 4)" \
    "$BD" --dump boot.dtb 4
expect_out qemu "vmlinuz0 console=hvc0 dom0_mem=1G,initrd0,boot.dtb,k1,r1,k2" \
    "$BD" -o boot.dtb --qemu-initrd vmlinuz0 "console=hvc0 dom0_mem=1G" initrd0 web.cfg db.cfg
# with a dom0 initrd the DTB is module 2 and the domU modules shift by one
expect_out dump-shifted "domain web: memory-kib=262144 max-memory-kib=524288 vcpus=2 kernel-module=3 ramdisk-module=4 weight=512 cap=100 cmdline=\"root=/dev/xvda1 console=hvc0\"
domain db: memory-kib=131072 max-memory-kib=131072 vcpus=1 kernel-module=5 weight=256 cap=0 cmdline=\"console=hvc0 a=b,c\"" \
    "$BD" --dump boot.dtb 6
expect_out qemu-no-initrd "vmlinuz0 console=hvc0,boot.dtb,k2" \
    "$BD" -o boot.dtb --qemu-initrd vmlinuz0 "console=hvc0" db.cfg
expect_out qemu-dom0-initrd-option "vmlinuz0,initrd0,boot.dtb,k2" \
    "$BD" -o boot.dtb --dom0-initrd initrd0 --qemu-initrd vmlinuz0 "" db.cfg
expect_out grub "	multiboot2 /boot/keel.elf console=com1
	module2 vmlinuz0 console=hvc0 root=/dev/sda1
	module2 initrd0
	module2 boot.dtb
	module2 k2" \
    "$BD" -o boot.dtb --grub vmlinuz0 "console=hvc0 root=/dev/sda1" initrd0 \
    --hypervisor-args console=com1 db.cfg
[ "$(od -An -tx1 -N4 boot.dtb | tr -d ' ')" = d00dfeed ] && ok || bad "DTB magic"

# --- errors --------------------------------------------------------------
rm -f boot.dtb
printf 'kernel = "k1"\n' > noname.cfg
expect_err no-name "noname.cfg:2: name: missing (required)" "$BD" -o boot.dtb noname.cfg
[ ! -e boot.dtb ] && ok || bad "DTB written despite an error"
printf 'name = "web"\nkernel = "k2"\n' > web2.cfg
expect_err duplicate 'web2.cfg:1: name: duplicate domain name "web" (also in web.cfg)' \
    "$BD" -o boot.dtb web.cfg web2.cfg
printf 'name = "a"\nkernel = "nope"\n' > nokernel.cfg
expect_err no-kernel-file "nokernel.cfg:2: kernel: nope: No such file or directory" \
    "$BD" -o boot.dtb nokernel.cfg
printf 'name = "a"\nkernel = "k1"\nramdisk = "."\n' > dirramdisk.cfg
expect_err ramdisk-dir "dirramdisk.cfg:3: ramdisk: .: not a regular file" \
    "$BD" -o boot.dtb dirramdisk.cfg
printf 'name = "a"\nkernel = "k1"\nmemory = 15\n' > mem.cfg
expect_err memory "mem.cfg:3: memory: out of range 16..1048576 (got 15)" "$BD" -o boot.dtb mem.cfg
printf 'name = "a"\nkernel = "k1"\nvcpus = 129\n' > vcpus.cfg
expect_err vcpus "vcpus.cfg:3: vcpus: out of range 1..128 (got 129)" "$BD" -o boot.dtb vcpus.cfg
printf 'name = "a"\nkernel = "k1"\ntype = "hvm"\n' > hvm.cfg
expect_err type 'hvm.cfg:3: type: "hvm" not supported (only "pv")' "$BD" -o boot.dtb hvm.cfg
printf 'name = "a"\nkernel = "k1\n' > syntax.cfg
expect_err syntax "syntax.cfg:2: kernel: unterminated string" "$BD" -o boot.dtb syntax.cfg
expect_err missing-cfg "nosuch.cfg:0: file: No such file or directory" "$BD" -o boot.dtb nosuch.cfg
printf 'k' > 'k,1'
printf 'name = "a"\nkernel = "k,1"\n' > comma.cfg
expect_err qemu-comma-path 'keel-bootdesc: a: kernel path "k,1": QEMU splits -initrd at '"','"': rename the file' \
    "$BD" -o boot.dtb --qemu-initrd vmlinuz0 "" comma.cfg
expect_err qemu-comma-args 'keel-bootdesc: dom0 kernel arguments "a=1,2": QEMU splits -initrd at '"','" \
    "$BD" -o boot.dtb --qemu-initrd vmlinuz0 "a=1,2" db.cfg
printf 'k' > 'k 1'
printf 'name = "a"\nkernel = "k 1"\n' > space.cfg
expect_err qemu-space-path "keel-bootdesc: a: kernel path \"k 1\": QEMU ends a module's file name at a space" \
    "$BD" -o boot.dtb --qemu-initrd vmlinuz0 "" space.cfg
expect_err grub-special 'keel-bootdesc: dom0 kernel arguments "a=$x": holds a character GRUB interprets' \
    "$BD" -o boot.dtb --grub vmlinuz0 'a=$x' db.cfg
[ ! -e boot.dtb ] && ok || bad "DTB written despite an output error"
# the list output has no such limits
expect_out list-comma "# multiboot modules, in this order (module 0 first)
0	DOM0_KERNEL DOM0_ARGS	# dom0 kernel
1	boot.dtb	# boot description
2	k,1	# a: kernel" "$BD" -o boot.dtb comma.cfg
expect_err no-output "keel-bootdesc: no domU config given" sh -c "'$BD' -o boot.dtb 2>&1 | head -n 1 >&2; exit 2"
expect_err no-o "-o OUT.dtb is required" sh -c "'$BD' db.cfg 2>&1 | head -n 1 | sed 's/^keel-bootdesc: //' >&2; exit 2"
expect_err bad-option "keel-bootdesc: --frob: unknown option or missing argument" \
    sh -c "'$BD' --frob db.cfg 2>&1 | head -n 1 >&2; exit 2"
expect_err unwritable "keel-bootdesc: nodir/boot.dtb: cannot write: No such file or directory" \
    "$BD" -o nodir/boot.dtb db.cfg
printf 'not a dtb' > junk.dtb
expect_err dump-junk "junk.dtb: boot description: malformed device tree at byte 0: truncated header" \
    "$BD" --dump junk.dtb
expect_err dump-bad-number "keel-bootdesc: NR_MODULES: not a number: 5x" "$BD" --dump junk.dtb 5x

echo "keel-bootdesc CLI tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
