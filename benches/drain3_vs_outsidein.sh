#!/usr/bin/env bash
# Drain3 (PyPI, default config) and outsidein's miner on the same files, one
# run: lines/s of each and the ratio. Times the work on lines already read
# into memory; outsidein's figure is the best of three processes that mine
# the file once each (as the CLI does), Drain3's is one run.
#
#   benches/drain3_vs_outsidein.sh [DIR] ["log content"]
#
# DIR holds <System>_big.content and .log from
#   python3 shared/bench/make_big.py --truth --out DIR     (default /tmp/loghub-big)
# `log` is the raw lines, header and all, as the issue sets the race: Drain3
# is given each raw line; outsidein detects the format, cuts each line's
# header off and mines the messages, all of it timed (as
# `outsidein signatures FILE` does, output aside; the built-in formats'
# regexes are compiled before the clock starts, as Drain3's TemplateMiner
# is made before its own). `content` is the message
# part alone, given to both (what outsidein's miner gets after the header
# split): mining alone. Both kinds by default, raw first.
# outsidein runs twice: grouping alone (which template each line has, what
# `outsidein signatures` prints and what Drain3 computes: the ratio), and
# with the statistics of every template's variables that `analyze` reports
# (distinct values, the most frequent: "+stats", ratio beside it).
# THREADS (default 2) sets outsidein's rayon threads; its peak RSS
# (/usr/bin/time -f %M, the whole process with the file read in; the
# highest of the three) is printed beside it, and the load average at the
# end;
# DRAIN3_VENV (default /work/venv-drain3, outside the repo) is created with
# `pip install drain3` when missing.
set -euo pipefail
dir=${1:-/tmp/loghub-big}
kinds=${2:-log content}
threads=${THREADS:-2}
venv=${DRAIN3_VENV:-/work/venv-drain3}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q drain3
fi
cd "$(dirname "$0")/.."
bench=$(cargo bench -q --bench signatures --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*signatures[^"]*\)".*/\1/p' | tail -1)

drain3() {
    "$venv/bin/python" - "$1" <<'PY'
import logging, sys, time
logging.disable(logging.WARNING)  # "config file not found, using defaults"
from drain3 import TemplateMiner
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
miner = TemplateMiner()
start = time.perf_counter()
for line in lines:
    miner.add_log_message(line)
secs = time.perf_counter() - start
print(len(lines), f"{secs:.2f}", f"{len(lines) / secs:.0f}", len(miner.drain.clusters))
PY
}

ours() { # FILE STATS: lines seconds lines/s groups peak_KiB: the best of
    # three processes that mine once each, and the highest peak RSS of the
    # three; STATS=1 mines with the variables' statistics
    local best=0 line peak=0 rss
    for _ in 1 2 3; do
        RAYON_NUM_THREADS=$threads SIG_BENCH_RUNS=1 SIG_BENCH_FILES=$1 SIG_BENCH_STATS=$2 \
            /usr/bin/time -f '%M' -o /tmp/sig-rss.$$ "$bench" >/tmp/sig-out.$$
        read -r _ n secs rate groups </tmp/sig-out.$$
        rss=$(cat /tmp/sig-rss.$$)
        [ "$rss" -gt "$peak" ] && peak=$rss
        if [ "$rate" -gt "$best" ]; then
            best=$rate
            line="$n $secs $rate $groups"
        fi
    done
    echo "$line $peak"
}

printf '| %-8s | %-7s | %9s | %13s | %8s | %15s | %8s | %7s | %8s | %15s | %7s | %8s |\n' \
    system input lines "Drain3 lines/s" "groups" "outsidein lines/s" "groups" ratio \
    "RSS MiB" "+stats lines/s" ratio "RSS MiB"
printf '|%s|\n' "----------|---------|-----------|----------------|----------|-------------------|----------|---------|----------|-----------------|---------|----------"
for kind in $kinds; do for sys in HDFS BGL Spark OpenSSH; do
    f="$dir/${sys}_big.$kind"
    [ -f "$f" ] || { echo "missing $f" >&2; continue; }
    read -r n _ d3 d3g < <(drain3 "$f")
    read -r _ _ oi oig rss < <(ours "$f" 0)
    read -r _ _ os _ srss < <(ours "$f" 1)
    printf '| %-8s | %-7s | %9s | %14s | %8s | %17s | %8s | %6.0fx | %8.0f | %15s | %6.0fx | %8.0f |\n' \
        "$sys" "$kind" "$n" "$d3" "$d3g" "$oi" "$oig" "$(echo "$oi / $d3" | bc -l)" \
        "$(echo "$rss / 1024" | bc -l)" "$os" "$(echo "$os / $d3" | bc -l)" \
        "$(echo "$srss / 1024" | bc -l)"
done; done
rm -f /tmp/sig-rss.$$ /tmp/sig-out.$$
echo "load: $(uptime | sed 's/.*load average: //')"
