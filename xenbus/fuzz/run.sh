#!/bin/sh
# Run the wire fuzzer for SECONDS with the seed corpus, then for a quarter
# of that (at least 5 s) with journal files built from the inputs too
# (FUZZ_JOURNAL_FILES=1: file I/O, slower); a crash fails.
#   sh fuzz/run.sh FUZZER SECONDS WORKDIR
set -u
FUZZER=$1; SECONDS_=$2; WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK/corpus" "$WORK/artifacts"
JSECS=$((SECONDS_ / 4)); [ "$JSECS" -lt 5 ] && JSECS=5
run() { # seconds log
    "$FUZZER" -max_total_time="$1" -timeout=5 -rss_limit_mb=1024 \
        -print_final_stats=0 -artifact_prefix="$WORK/artifacts/" \
        "$WORK/corpus" "$HERE/corpus" > "$2" 2>&1
}
if run "$SECONDS_" "$WORK/fuzz.log" &&
   FUZZ_JOURNAL_FILES=1 run "$JSECS" "$WORK/fuzz-journal.log"; then
    echo "fuzz: PASS ($(grep -c . "$WORK/fuzz.log") log lines, ${SECONDS_}s; journal files ${JSECS}s)"
else
    tail -40 "$WORK/fuzz.log" "$WORK/fuzz-journal.log" 2>/dev/null
    echo "fuzz: FAIL (crash input in $WORK/artifacts/)"
    exit 1
fi
