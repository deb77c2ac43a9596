#!/bin/sh
# The hypervisor microbenchmarks, one after the other (about 30 s under
# TCG): hypercall round trips, event-channel round trips, context switches
# between domains, grant copy/map costs; then the scheduler's own cost on
# the host (sched-pick).  Each prints its own table;
# docs/benchmarks.md says what each figure means.  Not run by `make test`.
# The slower whole-system comparisons are run by name:
# bench/linux-vs-native.sh, bench/xenstore/run.sh, bench/create.sh.
#
#   sh bench/run-all.sh            BUILD=... honoured; exit 1 if one failed
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
failed=""
for b in hypercall evtchn-rtt ctxswitch grant-copy; do
    echo "=== bench/$b.sh"
    sh "$HERE/$b.sh" || failed="$failed $b"
done
echo "=== bench/sched-pick.sh (host)"
sh "$HERE/sched-pick.sh" || failed="$failed sched-pick"
[ -z "$failed" ] || { echo "benchmarks failed:$failed"; exit 1; }
