#!/usr/bin/env bash
# `analyze` by two builds of outsidein on the same bundles, side by side:
# wall and user seconds and peak resident memory of each run, and the
# ratio of the user times. Used to price a change to the analysis (the
# correlation sections cost about 15 % more user time and 7 % more memory
# on a million-line OpenSSH log, measured with BASE at 6012985).
#
#   benches/analyze_two_builds.sh BASE_BIN NEW_BIN BUNDLE...
#
# Build each binary with `cargo build --release` at its commit and copy it
# out of the target dir first. A million-line bundle:
#   python3 ../shared/bench/make_big.py --systems OpenSSH --lines 1000000 --out DIR
#   mkdir -p B/logs && ln DIR/OpenSSH_big.log B/logs/auth.log
# RUNS (default 3) runs of each, interleaved; THREADS (default 2).
set -euo pipefail
base=$1 new=$2
shift 2
runs=${RUNS:-3}
threads=${THREADS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for bundle in "$@"; do
    for i in $(seq "$runs"); do
        for which in base new; do
            bin=$base
            [ "$which" = new ] && bin=$new
            /usr/bin/time -f "$which %e %U %M" -o "$out/t" \
                "$bin" analyze "$bundle" -j "$threads" -o "$out/report.md" 2>/dev/null
            cat "$out/t" >> "$out/all"
        done
    done
    awk -v b="$bundle" '
        { wall[$1] += $2; user[$1] += $3; if ($4 > rss[$1]) rss[$1] = $4; n[$1]++ }
        END {
            printf "%s\n", b
            for (k in n) printf "  %-4s wall %.2f s  user %.2f s  peak %d KB (mean of %d)\n",
                k, wall[k] / n[k], user[k] / n[k], rss[k], n[k]
            printf "  user new/base %.2f  peak new/base %.2f\n",
                (user["new"] / n["new"]) / (user["base"] / n["base"]), rss["new"] / rss["base"]
        }' "$out/all"
    rm -f "$out/all"
done
