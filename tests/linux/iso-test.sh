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
#     higher weight loses less than the one with the lower weight;
#  3. the split drivers: dom0 loads loop, xen-blkback, the bridge and
#     xen-netback and puts 10.0.2.15 on a bridge xenbr0 of its own (no
#     uplink: nothing leaves dom0); keel bench isolation runs the disk
#     probe (the victim's xvdb) against a TCP flood to dom0 (netflood;
#     0 and 1 aggressors, 2 repetitions); while the flood runs, keel top
#     -b and --json are read between direct reads of the aggressor's vif
#     and the victim's vbd counters in sysfs: every cumulative network and
#     disk figure lies between the direct reads, the rates are what the
#     counters give and are not zero; the report is well formed and its
#     reps.csv shows the probe's I/O and the flood's traffic.
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
        # What an aggressor says about itself (isoprog.c's ISO-INFO lines).
        grep -a -h '^ISO-INFO' "/tmp/aggr-$a/console-iso-aggr1.log" 2>/dev/null | tr -d '\r' |
            sed "s/^/iso-test: $a: aggr1: /"
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
# xentop's columns, names and widths, up to its VBD_WSECT.
head -n 1 /tmp/top.txt | grep -q '^      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT NETTX(k/s) NETRX(k/s) VBD_RD/s VBD_WR/s ' ||
    fail "keel top -b header does not start with xentop's columns: $(head -n 1 /tmp/top.txt)"
awk -v a="$a" -v b="$b" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
    $1 == "Domain-0" { found = 1; s = $col["STEAL(%)"]
        if ($3 < a || $3 > b) { print "CPU(sec) " $3 " not in " a ".." b; exit 1 }
        if (s !~ /^[0-9.]+$/ || s > 100) { print "STEAL(%) " s; exit 1 } }
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

# ---- 3. the disk probe against a network flood; keel top's backend columns ----
for m in loop xen-blkback llc stp bridge xen-netback; do
    insmod "/lib/modules/$m.ko" || fail "insmod $m.ko"
done
brctl addbr xenbr0 && ifconfig xenbr0 10.0.2.15 netmask 255.255.255.0 up || fail "cannot set up xenbr0"
cat > /tmp/split.iso <<'EOF'
# linux-iso: the disk probe against a TCP flood to dom0.
name = split
probe = probe-disk
aggressor = netflood
aggressors = 0, 1
repetitions = 2
duration = 2
warmup = 1
interval_ms = 250
memory = 96
bridge = xenbr0
guest_ip = 10.0.2.100
disk_mib = 16
EOF
keel bench isolation /tmp/split.iso -o /tmp/split 2> /tmp/split.err &
bench=$!
up() { cut -d' ' -f1 /proc/uptime; }
split_fail() {
    kill -CONT "$bench" 2>/dev/null
    sed 's/^/iso-test: split: /' /tmp/split.err
    fail "$*"
}
# Wait for the domUs (their first repetition alone), then for the flood
# (n = 1): the aggressor's vif counting what it sends.
n=0
until grep -q 'probe-disk default n=0 rep 0' /tmp/split.err; do
    n=$((n + 1))
    [ "$n" -lt 3000 ] && kill -0 "$bench" 2>/dev/null || split_fail "keel bench isolation (split) did not start"
    sleep 0.1
done
V=$(keel list | awk '$1 == "iso-victim" { print $2 }')
A=$(keel list | awk '$1 == "iso-aggr1" { print $2 }')
[ -n "$V" ] && [ -n "$A" ] || split_fail "no iso-victim or iso-aggr1 in keel list"
VIF=/sys/class/net/vif$A.0/statistics
VBD=$(ls -d /sys/bus/xen-backend/devices/vbd-$V-* 2>/dev/null | head -n 1)/statistics
[ -r "$VIF/rx_bytes" ] || split_fail "no $VIF/rx_bytes (the aggressor's vif)"
[ -r "$VBD/rd_req" ] || split_fail "no vbd-$V-*/statistics (the victim's disk)"
sent0=$(cat "$VIF/rx_bytes")
n=0
until grep -q 'probe-disk default n=0 rep 1' /tmp/split.err && [ "$(cat "$VIF/rx_bytes")" -gt $((sent0 + 262144)) ]; do
    n=$((n + 1))
    [ "$n" -lt 3000 ] && kill -0 "$bench" 2>/dev/null || split_fail "the flood did not start (vif$A.0 rx_bytes $(cat "$VIF/rx_bytes"))"
    sleep 0.1
done
# keel top is read while the flood runs: the runner is stopped meanwhile
# (the domUs, the console readers and dom0's peer run on), so that on a
# slow host the repetitions do not end before the reads do.  Only that
# repetition's duration grows, its figures stay consistent.
kill -STOP "$bench"
say "the flood runs ($(up) s): keel top against sysfs"
# direct: the counters read from sysfs, "name value" pairs on one line
# (the vif's rx is the guest's tx).
direct() {
    tx=$(cat "$VIF/rx_bytes"); rx=$(cat "$VIF/tx_bytes")
    printf 'nettx_k %s netrx_k %s nettx %s netrx %s' $((tx / 1024)) $((rx / 1024)) "$tx" "$rx"
    for f in rd_req wr_req rd_sect wr_sect oo_req; do printf ' %s %s' "$f" "$(cat "$VBD/$f")"; done
    echo
}
direct > /tmp/d1
keel top -b -d 1 -i 1 > /tmp/topb.txt || split_fail "keel top -b exited with status $?"
direct > /tmp/d2
keel top --json -d 1 -i 2 > /tmp/topj.json || split_fail "keel top --json exited with status $?"
direct > /tmp/d3
kill -CONT "$bench"
sed 's/^/iso-test: top: /' /tmp/topb.txt
# The batch table, columns found by their header: the aggressor's
# NETTX(k), NETRX(k) and the victim's VBD_* between the direct reads;
# the rates not zero and not above what the counters allow.
awk -v d1="$(cat /tmp/d1)" -v d2="$(cat /tmp/d2)" '
function get(s, k,   n, a, i) { n = split(s, a, " "); for (i = 1; i < n; i += 2) if (a[i] == k) return a[i + 1] + 0; return -1 }
function between(what, x, k) { if (x !~ /^[0-9]+$/ || x < get(d1, k) || x > get(d2, k)) { print what " " x " not in " get(d1, k) ".." get(d2, k); bad = 1 } }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$1 == "iso-aggr1" { a = 1
    if ($col["NETS"] != 1) { print "aggressor NETS " $col["NETS"]; bad = 1 }
    between("aggressor NETTX(k)", $col["NETTX(k)"], "nettx_k"); between("aggressor NETRX(k)", $col["NETRX(k)"], "netrx_k")
    r = $col["NETTX(k/s)"]; lim = (get(d2, "nettx") - get(d1, "nettx")) / 1024 + 1
    if (r !~ /^[0-9.]+$/ || r <= 0 || r > lim) { print "aggressor NETTX(k/s) " r " not in (0, " lim "]"; bad = 1 }
    if ($col["VBDS"] != 0) { print "aggressor VBDS " $col["VBDS"]; bad = 1 } }
$1 == "iso-victim" { v = 1
    if ($col["VBDS"] != 1 || $col["NETS"] != 0) { print "victim VBDS " $col["VBDS"] " NETS " $col["NETS"]; bad = 1 }
    between("victim VBD_RD", $col["VBD_RD"], "rd_req"); between("victim VBD_WR", $col["VBD_WR"], "wr_req")
    between("victim VBD_RSECT", $col["VBD_RSECT"], "rd_sect"); between("victim VBD_WSECT", $col["VBD_WSECT"], "wr_sect")
    between("victim VBD_OO", $col["VBD_OO"], "oo_req")
    r = $col["VBD_RD/s"]; w = $col["VBD_WR/s"]
    if (r !~ /^[0-9.]+$/ || r <= 0 || w !~ /^[0-9.]+$/ || w <= 0) { print "victim VBD_RD/s " r " VBD_WR/s " w; bad = 1 }
    if (r > get(d2, "rd_req") - get(d1, "rd_req") + 1) { print "victim VBD_RD/s " r " above the counters"; bad = 1 } }
END { if (!a || !v) { print "no iso-aggr1 or iso-victim row"; bad = 1 } exit bad }' /tmp/topb.txt > /tmp/topcheck ||
    split_fail "keel top -b's network and disk columns disagree with sysfs: $(cat /tmp/topcheck)"
say "keel top -b: the aggressor's NETTX(k) and the victim's VBD_* lie between the sysfs reads, rates not zero"
# The JSON: the same between the later reads, and each rate the
# difference of its two samples' counters over interval_s.
[ "$(wc -l < /tmp/topj.json)" -eq 2 ] || fail "keel top --json -i 2 printed $(wc -l < /tmp/topj.json) lines"
# domobj NAME LINE: that domain's object in line LINE of keel top --json.
domobj() { sed -n "${2}p" /tmp/topj.json | awk -v n="\"name\":\"$1\"" 'BEGIN { RS = "}" } index($0, n) { print; exit }'; }
iv=$(tail -n 1 /tmp/topj.json | sed -n 's/^{"interval_s":\([0-9.]*\),.*/\1/p')
awk -v a1="$(domobj iso-aggr1 1)" -v a2="$(domobj iso-aggr1 2)" -v v1="$(domobj iso-victim 1)" \
    -v v2="$(domobj iso-victim 2)" -v iv="$iv" -v d2="$(cat /tmp/d2)" -v d3="$(cat /tmp/d3)" '
function get(s, k,   n, a, i) { n = split(s, a, " "); for (i = 1; i < n; i += 2) if (a[i] == k) return a[i + 1] + 0; return -1 }
function js(s, k,   m) { if (match(s, "\"" k "\":[0-9.]+")) { m = substr(s, RSTART, RLENGTH); sub(/.*:/, "", m); return m + 0 } return -1 }
function between(what, x, k) { if (x < get(d2, k) || x > get(d3, k)) { print what " " x " not in " get(d2, k) ".." get(d3, k); bad = 1 } }
function rate(what, s1, s2, k, div,   want, got, d) { want = (js(s2, k) - js(s1, k)) / div / iv; got = js(s2, what)
    d = want - got; if (d < 0) d = -d; if (got < 0 || d > 0.01 * want + 0.1) { print what " " got " vs counters " want; bad = 1 } }
BEGIN {
    if (iv <= 0) { print "no interval_s"; exit 1 }
    between("net_tx_bytes", js(a1, "net_tx_bytes"), "nettx"); between("net_tx_bytes", js(a2, "net_tx_bytes"), "nettx")
    between("net_rx_bytes", js(a2, "net_rx_bytes"), "netrx")
    between("vbd_rd", js(v1, "vbd_rd"), "rd_req"); between("vbd_wr", js(v2, "vbd_wr"), "wr_req")
    between("vbd_rsect", js(v2, "vbd_rsect"), "rd_sect"); between("vbd_wsect", js(v2, "vbd_wsect"), "wr_sect")
    rate("net_tx_kib_per_s", a1, a2, "net_tx_bytes", 1024); rate("net_rx_kib_per_s", a1, a2, "net_rx_bytes", 1024)
    rate("vbd_rd_per_s", v1, v2, "vbd_rd", 1); rate("vbd_wr_per_s", v1, v2, "vbd_wr", 1)
    if (js(a2, "net_tx_kib_per_s") <= 0 || js(v2, "vbd_wr_per_s") <= 0) { print "a rate is zero during the flood"; bad = 1 }
    printf "the aggressor sent %.0f KiB/s, the victim made %.0f reads/s and %.0f writes/s\n", js(a2, "net_tx_kib_per_s"),
        js(v2, "vbd_rd_per_s"), js(v2, "vbd_wr_per_s")
    exit bad
}' > /tmp/topcheck || fail "keel top --json's network and disk figures disagree with sysfs: $(cat /tmp/topcheck)"
say "keel top --json agrees with sysfs: $(tail -n 1 /tmp/topcheck)"
wait "$bench"
rc=$?
sed 's/^/iso-test: split: /' /tmp/split.err
[ "$rc" -eq 0 ] || fail "keel bench isolation (split) exited with status $rc"
for f in samples.csv reps.csv summary.csv summary.txt probe-disk.svg report.md; do
    [ -s "/tmp/split/$f" ] || fail "the split report has no $f"
done
sed 's/^/iso-test: split summary: /' /tmp/split/summary.txt
awk -F, 'NR == 1 { next } NF != 7 || $1 != "probe-disk" || $7 !~ /^[0-9.]+$/ || $7 + 0 <= 0 { exit 1 }
         END { if (NR < 9) exit 1 }' /tmp/split/samples.csv || fail "split samples.csv is not well formed"
# reps.csv: 4 repetitions of 19 fields; the victim's disk requests in
# every one, the aggressor's traffic in those with it.
awk -F, 'NR == 1 { if (NF != 19 || $16 != "victim_net_kib_s" || $19 != "aggressor_vbd_req_s") exit 1; next }
         NF != 19 || !($17 > 0) { exit 1 } $3 == 1 && !($18 > 0) { exit 1 } $3 == 0 && $18 != "" { exit 1 }
         END { if (NR != 5) exit 1 }' /tmp/split/reps.csv ||
    fail "split reps.csv is not 4 repetitions with the victim's I/O and the flood's traffic: $(cat /tmp/split/reps.csv)"
awk -F, 'NR > 1 && NF != 8 { exit 1 } END { if (NR != 3) exit 1 }' /tmp/split/summary.csv ||
    fail "split summary.csv is not 1 header + 2 points"
head -c 5 /tmp/split/probe-disk.svg | grep -q '<?xml' && tail -n 1 /tmp/split/probe-disk.svg | grep -q '^</svg>$' &&
    [ "$(grep -c '<polyline' /tmp/split/probe-disk.svg)" -eq 1 ] || fail "probe-disk.svg is not one well-formed plot"
ls /tmp/split/disk-*.img > /dev/null 2>&1 && fail "the disk images were left behind"
say "split drivers: the flood sent $(awk -F, '$3 == 1 { s += $18; n++ } END { printf "%.0f", s / n }' /tmp/split/reps.csv) KiB/s;" \
    "the disk probe's slowdown $(awk -F, 'NR == 3 { print $7 }' /tmp/split/summary.csv)x"
say "PASS"
