# shellcheck shell=sh
# Shared by the bench/ scripts (sourced, not run; no side effects).

# bench_median WANT DECIMALS: "median min max" of the numbers on stdin
# (one a line), each with DECIMALS decimals; "? ? ?" when there are fewer
# than WANT of them or none, so that a missing figure prints "?", never 0.
bench_median() {
    sort -n | awk -v want="$1" -v d="$2" '{ v[NR] = $1 } END {
        if (NR < want || NR == 0) { print "? ? ?"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        f = "%." d "f %." d "f %." d "f\n"
        printf f, m, v[1], v[NR] }'
}
