#!/bin/sh
# Self-test of run-qemu.sh: boot tiny multiboot images (no hypervisor)
# that print a verdict line on COM1 and exit QEMU through port 0xf4 the
# way Keel does, and check the harness's verdicts and exit statuses.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
CC=${CC:-gcc}
OUT=$BUILD/boot-selftest
mkdir -p "$OUT"
fails=0

# mkimg NAME TEXT EXITVAL: an image printing TEXT then writing EXITVAL
# (empty: none, hang) to port 0xf4.
mkimg() {
    {
        printf '\t.code32\n\t.p2align 2\n\t.long 0x1BADB002, 0, -(0x1BADB002)\n'
        printf '\t.globl _start\n_start:\tmov $0x3f8, %%dx\n\tlea msg, %%esi\n'
        printf '1:\tlodsb\n\ttest %%al, %%al\n\tjz 2f\n\tout %%al, %%dx\n\tjmp 1b\n2:\n'
        [ -n "$3" ] && printf '\tmov $%s, %%eax\n\tout %%eax, $0xf4\n' "$3"
        printf '3:\thlt\n\tjmp 3b\nmsg:\t.asciz "%s\\n"\n' "$2"
    } > "$OUT/$1.S"
    $CC -m32 -c -o "$OUT/$1.o" "$OUT/$1.S" &&
        ld -m elf_i386 -Ttext 0x100000 -e _start -o "$OUT/$1.elf" "$OUT/$1.o"
}

# expect NAME STATUS PATTERN: run image NAME, want exit STATUS and PATTERN.
expect() {
    out=$(sh "$TOP/tests/boot/run-qemu.sh" --hv "$OUT/$1.elf" --dom0 "$OUT/$1.elf" \
        --log "$OUT/$1.log" --timeout "${4:-10}")
    rc=$?
    if [ "$rc" -eq "$2" ] && printf '%s\n' "$out" | head -n 1 | grep -q "$3"; then
        echo "ok - harness: $1"
    else
        echo "not ok - harness: $1: status $rc, output: $(printf '%s' "$out" | head -n 1)"
        fails=$((fails + 1))
    fi
}

mkimg pass-poweroff "VERDICT: PASS" 0x10 || exit 1
mkimg fail-crash "VERDICT: FAIL (1 failures)" 0x13 || exit 1
mkimg crash-noverdict "no verdict here" 0x13 || exit 1
mkimg pass-crash "VERDICT: PASS" 0x13 || exit 1
mkimg pass-hang "VERDICT: PASS" "" || exit 1
mkimg hang "nothing" "" || exit 1
expect pass-poweroff 0 'PASS.*reason 0 (poweroff)'
expect fail-crash 1 'FAIL.*VERDICT: FAIL.*reason 3 (crash)'
expect crash-noverdict 1 'FAIL.*no verdict.*reason 3 (crash)'
expect pass-crash 1 'FAIL.*passing guest powers off'
expect pass-hang 0 'PASS.*stopped after the verdict'
expect hang 1 'FAIL.*timed out after 2s' 2
[ "$fails" -eq 0 ]
