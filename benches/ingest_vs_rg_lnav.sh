#!/usr/bin/env bash
# Log ingest (detect + frame + timestamp, no report) against `rg -c ''` (the
# floor: reading the files and splitting lines) and lnav's headless load
# (`lnav -n`), on the same files of at least 1 GB, in one run: MB/s of each,
# the ratios, and peak RSS (/usr/bin/time -f %M). outsidein runs twice:
# streaming (records visited, none kept) and with every record copied out
# into an owned Record as `analyze` and `timeline` frame (INGEST_OWNED=1);
# the ratios to rg and lnav are the streaming figure's.
#
#   benches/ingest_vs_rg_lnav.sh [DIR]
#
# DIR (default /tmp/ingest-1g) is filled when empty: the four 1M-line Loghub
# files of `python3 shared/bench/make_big.py --truth --out /tmp/loghub-big`
# (HDFS, BGL, Spark, OpenSSH: raw lines with their headers), and the sample
# bundle's nginx access, Postgres and app (pino JSON) logs, each written over
# and over to about 140 MB. THREADS (default 2) sets outsidein's and rg's
# threads. outsidein's figure is the best of three runs inside one process
# (INGEST_RUNS); rg's and lnav's are one run each, after the files were read
# once so that all read from the page cache. lnav reads LNAV_MB (default 300)
# MB of the files, the first ones in the list, unless LNAV_MB=all: it loads
# about 10 MB/s here, so the whole set would take minutes.
# INGEST_BENCH=path runs that bench executable instead of building this
# tree's (a before/after table: keep the old one aside, run both in turn).
# Needs: ripgrep, lnav (Debian packages), /usr/bin/time.
set -euo pipefail
dir=${1:-/tmp/ingest-1g}
threads=${THREADS:-2}
big=${LOGHUB_BIG:-/tmp/loghub-big}
cd "$(dirname "$0")/.."
bundle=fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs

mkdir -p "$dir"
if [ -z "$(ls -A "$dir")" ]; then
    for sys in HDFS BGL Spark OpenSSH; do
        [ -f "$big/${sys}_big.log" ] ||
            python3 ../shared/bench/make_big.py --truth --out "$big"
        ln -s "$big/${sys}_big.log" "$dir/${sys}_big.log"
    done
    repeat() { # SRC DEST: SRC written over and over to about 140 MB
        local n=$((140000000 / $(stat -c %s "$1")))
        for _ in $(seq "$n"); do cat "$1"; done >"$2"
    }
    repeat "$bundle/nginx/access.log" "$dir/nginx-access.log"
    repeat "$bundle/postgresql/postgresql.log" "$dir/postgresql.log"
    repeat "$bundle/app/api-1.log" "$dir/app-api-1.log"
    repeat "$bundle/app/api-2.log" "$dir/app-api-2.log"
fi
mapfile -t files < <(find -L "$dir" -maxdepth 1 -type f -name '*.log' | sort)
bytes=$(cat "${files[@]}" | wc -c)
cat "${files[@]}" >/dev/null # into the page cache
mb=$(echo "$bytes / 1000000" | bc -l)

bench=${INGEST_BENCH:-$(cargo bench -q --bench ingest --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\/deps\/ingest-[^"]*\)".*/\1/p' | tail -1)}

timed() { # prints "seconds peak_kb" of the command, its output dropped
    /usr/bin/time -f '%e %M' -o /tmp/ingest-time.$$ "$@" >/dev/null 2>&1
    cat /tmp/ingest-time.$$
}

ours_out=$(RAYON_NUM_THREADS=$threads INGEST_FILES=$(
    IFS=:
    echo "${files[*]}"
) /usr/bin/time -f '%M' -o /tmp/ingest-ours.$$ "$bench")
read -r _ ours_s ours_mbs records lines no_time ours_anon_kb <<<"$ours_out"
ours_kb=$(cat /tmp/ingest-ours.$$)
# The same with every record copied out into an owned Record, as
# `analyze` and `timeline` frame (`logs::frame`).
owned_out=$(INGEST_OWNED=1 RAYON_NUM_THREADS=$threads INGEST_FILES=$(
    IFS=:
    echo "${files[*]}"
) /usr/bin/time -f '%M' -o /tmp/ingest-ours.$$ "$bench")
read -r _ _ owned_mbs _ _ _ _ <<<"$owned_out"
owned_kb=$(cat /tmp/ingest-ours.$$)
read -r rg_s rg_kb < <(timed rg -j "$threads" -c '' "${files[@]}")

lnav_files=()
lnav_bytes=0
for f in "${files[@]}"; do
    if [ "${LNAV_MB:-300}" != all ] && [ "$lnav_bytes" -ge $((${LNAV_MB:-300} * 1000000)) ]; then
        break
    fi
    lnav_files+=("$f")
    lnav_bytes=$((lnav_bytes + $(stat -L -c %s "$f")))
done
read -r lnav_s lnav_kb < <(timed lnav -n "${lnav_files[@]}")

rate() { echo "$1 / 1000000 / $2" | bc -l; }
rg_mbs=$(rate "$bytes" "$rg_s")
lnav_mbs=$(rate "$lnav_bytes" "$lnav_s")
echo "load: $(uptime | sed 's/.*load average: //')"
printf 'input: %d files, %.0f MB, %s lines, %s records (%s without a time)\n' \
    "${#files[@]}" "$mb" "$lines" "$records" "$no_time"
printf '| tool | input MB | MB/s | peak RSS MiB | outsidein / tool |\n|---|---|---|---|---|\n'
printf '| outsidein (%s threads, best of 3) | %.0f | %.0f | %.0f | 1 |\n' \
    "$threads" "$mb" "$ours_mbs" "$(echo "$ours_kb / 1024" | bc -l)"
printf '| outsidein, records copied out as analyze does (INGEST_OWNED=1) | %.0f | %.0f | %.0f | %.2f |\n' \
    "$mb" "$owned_mbs" "$(echo "$owned_kb / 1024" | bc -l)" "$(echo "$ours_mbs / $owned_mbs" | bc -l)"
printf '| rg -c %s (%s threads) | %.0f | %.0f | %.0f | %.2f |\n' "''" \
    "$threads" "$mb" "$rg_mbs" "$(echo "$rg_kb / 1024" | bc -l)" "$(echo "$ours_mbs / $rg_mbs" | bc -l)"
printf '| lnav -n (%d files) | %.0f | %.0f | %.0f | %.2f |\n' "${#lnav_files[@]}" \
    "$(echo "$lnav_bytes / 1000000" | bc -l)" "$lnav_mbs" "$(echo "$lnav_kb / 1024" | bc -l)" \
    "$(echo "$ours_mbs / $lnav_mbs" | bc -l)"
printf 'outsidein anonymous memory (RssAnon, most after a file): %.0f MiB\n' \
    "$(echo "$ours_anon_kb / 1024" | bc -l)"
rm -f /tmp/ingest-time.$$ /tmp/ingest-ours.$$
