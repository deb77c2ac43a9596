# shellcheck shell=sh
# Shared by the bench/ scripts that boot Keel with test-guest domUs
# (sourced, not run).  Every run uses the same QEMU settings: TCG,
# -cpu max,-smap, 512 MiB, one CPU, Keel with dom0_mem=64M; dom0 is the
# idle guest (asleep), the domUs 32 MiB with one vCPU each.
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
BW=$BUILD/bench
mkdir -p "$BW" "$BUILD/boot-logs"
for f in "$BUILD/keel.elf" "$BUILD/bin/keel-bootdesc" "$G/idle.elf"; do
    [ -f "$f" ] || { echo "bench: $f not built (run make)" >&2; exit 1; }
done

# bench_cfg NAME ELF CMDLINE: an xl.cfg for one domU, in $BW/NAME.cfg
bench_cfg() {
    [ -f "$G/$2.elf" ] || { echo "bench: $G/$2.elf not built (make -C tests/guests)" >&2; exit 1; }
    cat > "$BW/$1.cfg" <<EOC
name = "$1"
memory = 32
vcpus = 1
kernel = "$G/$2.elf"
cmdline = "$3"
EOC
}

# bench_boot LOG NAME...: boot dom0 + the domUs NAME... (their cfgs from
# bench_cfg, in domain-id order) and stop QEMU once every domU has printed
# its verdict (dom0 would sleep 300 s); succeeds when all are PASS.
bench_boot() {
    log=$1; shift
    cfgs=""
    for n in "$@"; do cfgs="$cfgs $BW/$n.cfg"; done
    # shellcheck disable=SC2086
    mods=$("$BUILD/bin/keel-bootdesc" -o "$BW/boot.dtb" --qemu-initrd "$G/idle.elf" \
        "wait=300000" $cfgs) || { echo "bench: keel-bootdesc failed" >&2; return 1; }
    qemu-system-x86_64 -accel tcg -cpu max,-smap -m 512 -smp 1 -display none \
        -monitor none -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$BUILD/keel.elf" -append "console=com1 dom0_mem=64M" -initrd "$mods" \
        < /dev/null > "$log" 2>&1 &
    qpid=$!
    ticks=0
    while kill -0 "$qpid" 2>/dev/null; do
        [ "$(grep -ac '^(d[0-9]*) VERDICT:' "$log")" -ge $# ] && break
        ticks=$((ticks + 1))
        [ "$ticks" -gt 1500 ] && { echo "bench: no verdicts after 300 s (log $log)" >&2; break; }
        sleep 0.2
    done
    kill "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    i=1
    for n in "$@"; do
        grep -aq "^(d$i) VERDICT: PASS" "$log" || {
            echo "bench: domain $i ($n) did not pass (log $log)" >&2
            grep -a "^(d$i) not ok" "$log" | head -5 >&2
            return 1; }
        i=$((i + 1))
    done
}

# bench_field LOG PATTERN KEY: the number after KEY on the last line matching PATTERN
bench_field() {
    grep -a "$2" "$1" | tail -n 1 | sed -n "s/.* $3 \([0-9.]*\).*/\1/p"
}

# us NS: nanoseconds as microseconds with one decimal; "?" when missing
us() { awk -v n="$1" 'BEGIN { if (n == "") print "?"; else printf "%.1f", n / 1000 }'; }

# A figure that could not be read prints "?" and makes the script fail:
# bench_missing records it, bench_exit ends with status 1 if any was.
BENCH_MISSING=""
bench_missing() { BENCH_MISSING="$BENCH_MISSING $1"; }
# bench_need NAME VALUE: VALUE unchanged, or "?" (recorded as missing) when empty
bench_need() { if [ -n "$2" ]; then printf '%s' "$2"; else bench_missing "$1"; printf '?'; fi; }
bench_exit() {
    [ -z "$BENCH_MISSING" ] && exit 0
    echo "bench: missing figures:$BENCH_MISSING" >&2
    exit 1
}
