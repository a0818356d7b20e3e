#!/usr/bin/env bash
# Drain3 (PyPI, default config) and outsidein's miner on the same files, one
# run: lines/s of each and the ratio. Times the work on lines already read
# into memory.
#
# The two take turns, so that both are timed under the same conditions:
# Drain3 mines the file in BLOCKS (default 10) slices, one miner for the
# whole file, and waits after each slice (the wait untimed) while
# outsidein mines the whole file once in a process of its own (as the CLI
# does), then once more with statistics. Drain3's rate is the file's
# lines over its summed times; outsidein's is the lines of all its runs
# over their summed times (the best single run is printed beside it).
# The machine is shared and its speed swings, in stretches of one second
# to tens of seconds: one run a process took 0.14 to 0.16 s on OpenSSH's
# million lines in most seconds and 0.20 to 0.28 s in some stretches, and
# a long Drain3 run followed by a few runs of ours (how this script
# measured before, taking our best of three) compared two different
# stretches of time.
#
#   benches/drain3_vs_outsidein.sh [DIR] ["log content"]
#
# DIR holds <System>_big.content and .log from
#   python3 shared/bench/make_big.py --truth --out DIR     (default /tmp/loghub-big)
# (a path without `:`, where the bench splits its list of files). Lines are
# read as outsidein reads them, at line feeds, empty ones left out; a file
# whose count differs between the two is named on standard error.
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
# highest of its processes) is printed beside it, and the load average at
# the end;
# DRAIN3_VENV (default /work/venv-drain3, outside the repo) is created with
# `pip install drain3` when missing.
set -euo pipefail
dir=${1:-/tmp/loghub-big}
[ -d "$dir" ] || { echo "no folder $dir" >&2; exit 2; }
dir=$(cd "$dir" && pwd)
kinds=${2:-log content}
threads=${THREADS:-2}
blocks=${BLOCKS:-10}
[ "$blocks" -ge 1 ] 2>/dev/null || { echo "BLOCKS must be 1 or more" >&2; exit 2; }
venv=${DRAIN3_VENV:-/work/venv-drain3}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q drain3
fi
cd "$(dirname "$0")/.."
# Builds the bench of the working tree when it is not built (its progress
# on standard error).
bench=$(cargo bench -q --bench signatures --no-run --message-format=json |
    sed -n 's/.*"executable":"\([^"]*signatures[^"]*\)".*/\1/p' | tail -1)
[ -x "$bench" ] || { echo "cargo gave no bench executable" >&2; exit 1; }
tmp=$(mktemp -d)
d3pid=
trap 'rm -rf "$tmp"; [ -z "$d3pid" ] || kill "$d3pid" 2>/dev/null || true' EXIT

# Drain3 over FILE in BLOCKS slices: prints `block` after each slice and
# reads a line before the next; at the end `lines seconds lines/s groups`.
cat >"$tmp/race.py" <<'PY'
import logging, sys, time
logging.disable(logging.WARNING)  # "config file not found, using defaults"
from drain3 import TemplateMiner
# Lines as outsidein reads them: cut at line feeds only (not at the other
# breaks `splitlines` knows), empty ones left out.
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
lines = [line.removesuffix("\r") for line in text.split("\n")]
lines = [line for line in lines if line]
blocks = int(sys.argv[2])
miner = TemplateMiner()
step = max(1, -(-len(lines) // blocks))
secs = 0.0
for at in range(0, len(lines), step):
    part = lines[at:at + step]
    start = time.perf_counter()
    for line in part:
        miner.add_log_message(line)
    secs += time.perf_counter() - start
    print("block", flush=True)
    sys.stdin.readline()
print(len(lines), f"{secs:.2f}", f"{len(lines) / max(secs, 1e-9):.0f}", len(miner.drain.clusters), flush=True)
PY

once() { # FILE STATS: one process that mines FILE once; appends
    # `lines seconds groups peak_KiB` to $tmp/runs.STATS (the seconds from
    # the bench's own rate, not its printed seconds, rounded to the
    # millisecond)
    RAYON_NUM_THREADS=$threads SIG_BENCH_RUNS=1 SIG_BENCH_FILES=$1 SIG_BENCH_STATS=$2 \
        /usr/bin/time -f '%M' -o "$tmp/rss" "$bench" >"$tmp/out" ||
        { echo "outsidein's bench failed on $1" >&2; exit 1; }
    # `path lines seconds lines/s groups`, the path maybe with spaces.
    awk -v rss="$(cat "$tmp/rss")" '{ printf "%s %.9f %s %s\n", $(NF-3), $(NF-3) / $(NF-1), $NF, rss }' \
        "$tmp/out" >>"$tmp/runs.$2"
}

summary() { # STATS: `lines_a_run lines/s best_lines/s groups runs peak_KiB`
    awk '{ n += $1; s += $2; r = $1 / $2; if (r > best) best = r;
           if ($4 > peak) peak = $4; g = $3; lines = $1 }
         END { printf "%d %.0f %.0f %s %d %d\n", lines, n / s, best, g, NR, peak }' "$tmp/runs.$1"
}

printf '| %-8s | %-7s | %9s | %8s | %6s | %11s | %4s | %10s | %6s | %6s | %7s | %10s | %6s | %7s |\n' \
    system input lines "Drain3/s" groups "outsidein/s" runs "best run/s" groups ratio \
    "RSS MiB" "+stats/s" ratio "RSS MiB"
printf '|%s|\n' "----------|---------|-----------|----------|--------|-------------|------|------------|--------|--------|---------|------------|--------|---------"
rows=0
for kind in $kinds; do for sys in HDFS BGL Spark OpenSSH; do
    f="$dir/${sys}_big.$kind"
    [ -s "$f" ] || { echo "missing or empty: $f" >&2; continue; }
    rm -f "$tmp/runs.0" "$tmp/runs.1"
    d3line=
    coproc D3 { "$venv/bin/python" "$tmp/race.py" "$f" "$blocks"; }
    d3pid=$D3_PID
    while read -r word rest <&"${D3[0]}"; do
        [ "$word" = block ] || { d3line="$word $rest"; break; }
        once "$f" 0
        once "$f" 1
        echo go >&"${D3[1]}"
    done
    wait "$d3pid" || { echo "Drain3 failed on $f" >&2; exit 1; }
    d3pid=
    read -r n _ d3 d3g <<<"$d3line"
    read -r on oi best oig runs rss < <(summary 0)
    read -r _ os _ _ _ srss < <(summary 1)
    [ "$on" = "$n" ] || echo "$f: Drain3 read $n lines, outsidein $on" >&2
    printf '| %-8s | %-7s | %9s | %8s | %6s | %11s | %4s | %10s | %6s | %5.0fx | %7.0f | %10s | %5.0fx | %7.0f |\n' \
        "$sys" "$kind" "$n" "$d3" "$d3g" "$oi" "$runs" "$best" "$oig" "$(echo "$oi / $d3" | bc -l)" \
        "$(echo "$rss / 1024" | bc -l)" "$os" "$(echo "$os / $d3" | bc -l)" \
        "$(echo "$srss / 1024" | bc -l)"
    rows=$((rows + 1))
done; done
[ "$rows" -gt 0 ] || { echo "no input found in $dir for kinds: $kinds" >&2; exit 1; }
echo "runs: outsidein's processes for each system and kind, as many with statistics; THREADS=$threads"
echo "load: $(uptime | sed 's/.*load average: //')"
