#!/bin/sh
# Run the boot tests against real Xen 4.17 (the reference) and, if
# $BUILD/keel.elf exists, against Keel, then show the lines where the
# guests' TAP output differs.  Arguments: test names (default: all).
# Exit status 0 only if both runs passed and no guest's output differs.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
sh "$TOP/tests/boot/run-all.sh" --xen "$@"; xrc=$?
[ -f "$BUILD/keel.elf" ] || { echo "compare-xen: no $BUILD/keel.elf, Xen results only"; exit $xrc; }
sh "$TOP/tests/boot/run-all.sh" "$@"; krc=$?
differ=0
tap() { grep -a -E '^(ok|not ok) [0-9]+ - |^VERDICT' "$1" 2>/dev/null | tr -d '\r'; }
for x in "$BUILD"/boot-logs/xen-*.log; do
    k=$BUILD/boot-logs/${x##*/xen-}
    [ -f "$k" ] || continue
    tap "$x" > "$x.tap"; tap "$k" > "$k.tap"
    if ! cmp -s "$x.tap" "$k.tap"; then
        echo "=== ${k##*/}: Xen (-) vs Keel (+)"
        diff -u "$x.tap" "$k.tap" | tail -n +3
        differ=1
    fi
done
[ "$differ" -eq 0 ] || echo "compare-xen: Keel's guest output differs from Xen's (above)"
[ "$xrc" -eq 0 ] && [ "$krc" -eq 0 ] && [ "$differ" -eq 0 ]
