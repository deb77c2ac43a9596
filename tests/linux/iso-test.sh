#!/bin/sh
# The resource-isolation kit end to end (issue 17; tests/linux/run-all.sh
# linux-iso): runs in the Linux dom0 (busybox sh) as /bin/iso-test when
# init.sh sees keel.isotest=1, on ONE physical CPU (so that the victim
# and the aggressor contend).  Makes dom0 the control domain
# (keel-dom0-up), then:
#  1. keel top --json against the counters read directly (keel vstats):
#     top's cumulative figures lie between two direct reads around it, and
#     its interval figures (steal %, preemptions/s) are what its two
#     samples' counters give;
#  2. keel bench isolation with a short experiment (probe-cpu against a
#     CPU hog, 0 and 1 aggressors, 3 settings, 2 repetitions) and checks
#     that the CSVs, the summary and the SVG are well formed and that the
#     figures are physically consistent: the victim's runstate times add
#     up to dom0's wall clock within 1 % in every repetition; the capped
#     aggressor's CPU share is its cap within 10 %; the victim with the
#     higher weight loses less than the one with the lower weight.
# Prints "iso-test: ..." lines; exit status 0 only if every check held.
PATH=/bin
fail() { echo "iso-test: FAIL: $*"; exit 1; }
say() { echo "iso-test: $*"; }

keel-dom0-up || fail "keel-dom0-up"
n=0
until [ -s /run/keel/consoled.pid ]; do
    n=$((n + 1)); [ "$n" -lt 50 ] || fail "keel-consoled did not start"
    sleep 0.1
done

# bench/isolation-example.sh (keel.isoexample=1): the worked example of
# docs/isolation.md, its report printed on the console for the script.
if grep -q 'keel\.isoexample=1' /proc/cmdline; then
    keel bench isolation /etc/keel/isolation-example.iso -o /tmp/example 2> /tmp/example.err
    rc=$?
    sed 's/^/iso-test: example: /' /tmp/example.err
    [ "$rc" -eq 0 ] || fail "the worked example exited with status $rc"
    for f in /tmp/example/*.csv /tmp/example/*.txt /tmp/example/*.svg /tmp/example/*.md; do
        sed "s|^|ISO-FILE $(basename "$f"): |" "$f"
    done
    say "example done"
fi
# bench/isolation-example.sh with ISO_EXAMPLE=aggr (keel.isoexample=aggr):
# the short experiments of docs/isolation.md's "Aggressors", one per
# /etc/keel/aggr/NAME.iso, each report printed as ISO-FILE NAME/FILE lines;
# one that fails is reported and the others still run.  Then it stops:
# the checks below are not run in this mode.
if grep -q 'keel\.isoexample=aggr' /proc/cmdline; then
    # keel.isoaggr=A,B,...: only these, in this order.
    only=$(sed -n 's/.*keel\.isoaggr=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
    list=/etc/keel/aggr/*.iso
    [ -n "$only" ] && list=$(for a in $only; do echo "/etc/keel/aggr/$a.iso"; done)
    for x in $list; do
        a=$(basename "$x" .iso)
        keel bench isolation "$x" -o "/tmp/aggr-$a" 2> "/tmp/aggr-$a.err"
        rc=$?
        sed "s/^/iso-test: $a: /" "/tmp/aggr-$a.err"
        if [ "$rc" -ne 0 ]; then
            say "aggressor $a: keel bench isolation exited with status $rc"
            tail -n 25 "/tmp/aggr-$a/console-iso-aggr1.log" 2>/dev/null | sed "s/^/iso-test: $a: aggr1: /"
            continue
        fi
        for f in "/tmp/aggr-$a"/*.csv "/tmp/aggr-$a"/*.txt "/tmp/aggr-$a"/*.svg "/tmp/aggr-$a"/*.md; do
            sed "s|^|ISO-FILE $a/$(basename "$f"): |" "$f"
        done
        say "aggressor $a done"
    done
    say "example done"
    exit 0
fi
# ---- 1. keel top --json against keel vstats ----
# field NAME FILE: the first "NAME":value in FILE (dom0 comes first: by id).
field() { awk -v k="\"$1\":" '{ i = index($0, k); if (i) { s = substr($0, i + length(k)); sub(/[^0-9.].*/, "", s); print s; exit } }' "$2"; }
keel vstats 0 --json > /tmp/vs-a.json || fail "keel vstats 0 exited with status $?"
keel top --json -d 1 -i 2 > /tmp/top.json || fail "keel top --json exited with status $?"
keel vstats 0 --json > /tmp/vs-b.json || fail "keel vstats 0 (again) exited with status $?"
[ "$(wc -l < /tmp/top.json)" -eq 2 ] || fail "keel top --json -i 2 printed $(wc -l < /tmp/top.json) lines, want 2"
head -n 1 /tmp/top.json > /tmp/top1.json
tail -n 1 /tmp/top.json > /tmp/top2.json
grep -q '"interval_s":' /tmp/top2.json || fail "keel top --json has no interval_s: $(cat /tmp/top2.json)"
for f in running_ns runnable_ns blocked_ns offline_ns preemptions migrations flushes_caused flushes_suffered; do
    a=$(field "$f" /tmp/vs-a.json); t1=$(field "$f" /tmp/top1.json)
    t2=$(field "$f" /tmp/top2.json); b=$(field "$f" /tmp/vs-b.json)
    [ -n "$a" ] && [ -n "$t1" ] && [ -n "$t2" ] && [ -n "$b" ] || fail "$f missing from keel vstats or keel top --json"
    [ "$a" -le "$t1" ] && [ "$t1" -le "$t2" ] && [ "$t2" -le "$b" ] ||
        fail "$f: keel top's $t1, $t2 not between the direct reads $a and $b"
done
# Interval figures from the two samples' counters, as top computes them.
awk -v f1="$(cat /tmp/top1.json)" -v f2="$(cat /tmp/top2.json)" '
function get(s, k,   m) { if (match(s, "\"" k "\":[0-9.]+")) { m = substr(s, RSTART, RLENGTH); sub(/.*:/, "", m); return m + 0 } return -1 }
BEGIN {
    tot = 0
    split("running_ns runnable_ns blocked_ns offline_ns", ks, " ")
    for (i = 1; i <= 4; i++) tot += get(f2, ks[i]) - get(f1, ks[i])
    steal = tot ? 100 * (get(f2, "runnable_ns") - get(f1, "runnable_ns")) / tot : 0
    pre = (get(f2, "preemptions") - get(f1, "preemptions")) / get(f2, "interval_s")
    top_steal = get(f2, "steal_pct"); top_pre = get(f2, "preempt_per_s")
    # top reads dom0 wall time between its samples; the counters, the
    # hypervisor clock at each read: equal up to the read latency (2 %).
    if (top_steal < 0 || (steal - top_steal > 0.5 || top_steal - steal > 0.5)) { print "steal " top_steal " vs " steal; exit 1 }
    d = pre - top_pre; if (d < 0) d = -d
    if (d > 0.02 * pre + 1) { print "preempt/s " top_pre " vs " pre; exit 1 }
    printf "steal %.2f%% preempt/s %.1f\n", top_steal, top_pre
}' > /tmp/topcheck || fail "keel top's interval figures disagree with its counters: $(cat /tmp/topcheck)"
say "keel top --json agrees with keel vstats ($(cat /tmp/topcheck))"
# The text table: dom0's CPU(sec) between two direct reads of its
# running time, its STEAL(%) a percentage.
a=$(keel vstats 0 | awk '$1 == "running_ns" { print int($2 / 1e9) }')
keel top -b -d 1 -i 1 -s steal > /tmp/top.txt || fail "keel top -b exited with status $?"
b=$(keel vstats 0 | awk '$1 == "running_ns" { print int($2 / 1e9) }')
head -n 1 /tmp/top.txt | grep -q 'STEAL(%) WAKE50(us) WAKE99(us) PREEMPT/s   FLUSH/s$' ||
    fail "keel top -b header lacks the interference columns: $(head -n 1 /tmp/top.txt)"
awk -v a="$a" -v b="$b" '$1 == "Domain-0" { found = 1
        if ($3 < a || $3 > b) { print "CPU(sec) " $3 " not in " a ".." b; exit 1 }
        if ($10 !~ /^[0-9.]+$/ || $10 > 100) { print "STEAL(%) " $10; exit 1 } }
    END { if (!found) { print "no Domain-0 row"; exit 1 } }' /tmp/top.txt > /tmp/topcheck ||
    fail "keel top -b disagrees with keel vstats: $(cat /tmp/topcheck)"

# ---- 2. keel bench isolation ----
cat > /tmp/smoke.iso <<'EOF'
# linux-iso: one probe, one aggressor, three settings, two repetitions.
name = smoke
probe = probe-cpu
aggressor = cpu
aggressors = 0, 1
setting = light: victim_weight=128
setting = heavy: victim_weight=512
setting = capped: aggressor_cap=25
repetitions = 2
duration = 2
warmup = 1
interval_ms = 250
memory = 96
EOF
keel bench isolation /tmp/smoke.iso -o /tmp/iso 2> /tmp/bench.err
rc=$?
sed 's/^/iso-test: bench: /' /tmp/bench.err
[ "$rc" -eq 0 ] || fail "keel bench isolation exited with status $rc"
for f in samples.csv reps.csv summary.csv summary.txt probe-cpu.svg report.md; do
    [ -s "/tmp/iso/$f" ] || fail "the report has no $f"
done
sed 's/^/iso-test: summary: /' /tmp/iso/summary.txt
# CSVs: the header, then rows with as many fields, numbers where numbers go.
awk -F, 'NR == 1 { if ($0 != "probe,setting,aggressors,rep,seq,t_s,value") exit 1; next }
         NF != 7 || $7 !~ /^[0-9.]+$/ || $7 + 0 <= 0 { exit 1 } END { if (NR < 13) exit 1 }' \
    /tmp/iso/samples.csv || fail "samples.csv is not well formed (or has under 12 samples)"
awk -F, 'NR == 1 { n = NF; next } NF != n { exit 1 } END { if (NR != 13) exit 1 }' /tmp/iso/reps.csv ||
    fail "reps.csv is not 1 header + 12 repetitions of equal width"
awk -F, 'NR > 1 && NF != 8 { exit 1 } END { if (NR != 7) exit 1 }' /tmp/iso/summary.csv ||
    fail "summary.csv is not 1 header + 6 points"
head -c 5 /tmp/iso/probe-cpu.svg | grep -q '<?xml' && tail -n 1 /tmp/iso/probe-cpu.svg | grep -q '^</svg>$' ||
    fail "probe-cpu.svg does not start with <?xml and end with </svg>"
[ "$(grep -c '<polyline' /tmp/iso/probe-cpu.svg)" -eq 3 ] || fail "probe-cpu.svg has not one line per setting"
grep -q '^- Keel commit: [0-9a-f]' /tmp/iso/report.md || fail "report.md names no commit"
grep -q '^- Machine: 1 physical CPU' /tmp/iso/report.md || fail "report.md does not describe the machine"
# Physical consistency.
awk -F, 'NR > 1 { s = $8 + $9 + $10 + $11; d = s - $7; if (d < 0) d = -d
                  if (d > 0.01 * $7) { print "rep " NR - 1 ": runstates " s " ns vs wall " $7 " ns"; bad = 1 } }
         END { exit bad }' /tmp/iso/reps.csv > /tmp/rs || fail "runstate times do not add up to wall time: $(cat /tmp/rs)"
say "runstate times add up to wall time within 1 % in all 12 repetitions"
share=$(awk -F, '$2 == "capped" && $3 == 1 { s += $12; n++ } END { if (n) printf "%.4f", s / n }' /tmp/iso/reps.csv)
awk -v s="$share" 'BEGIN { exit !(s >= 0.225 && s <= 0.275) }' ||
    fail "the aggressor capped at 25 % got a CPU share of ${share:-nothing} (want 0.25 +-10 %)"
say "the capped aggressor's CPU share: $share (cap 0.25)"
light=$(awk -F, '$2 == "light" && $3 == 1 { print $7 }' /tmp/iso/summary.csv)
heavy=$(awk -F, '$2 == "heavy" && $3 == 1 { print $7 }' /tmp/iso/summary.csv)
awk -v l="$light" -v h="$heavy" 'BEGIN { exit !(h > 0 && l > 0 && h < l) }' ||
    fail "the victim with weight 512 slowed down ${heavy:-?}x, not less than with weight 128 (${light:-?}x)"
say "slowdown with one CPU hog: weight 512 ${heavy}x < weight 128 ${light}x"
say "PASS"
