#!/bin/sh
# Run the wire fuzzer for SECONDS with the seed corpus; a crash fails.
#   sh fuzz/run.sh FUZZER SECONDS WORKDIR
set -u
FUZZER=$1; SECONDS_=$2; WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK/corpus" "$WORK/artifacts"
if "$FUZZER" -max_total_time="$SECONDS_" -timeout=5 -rss_limit_mb=1024 \
        -print_final_stats=0 -artifact_prefix="$WORK/artifacts/" \
        "$WORK/corpus" "$HERE/corpus" > "$WORK/fuzz.log" 2>&1; then
    echo "fuzz: PASS ($(grep -c . "$WORK/fuzz.log") log lines, ${SECONDS_}s)"
else
    tail -40 "$WORK/fuzz.log"
    echo "fuzz: FAIL (crash input in $WORK/artifacts/)"
    exit 1
fi
