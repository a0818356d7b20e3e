#!/usr/bin/env bash
# `outsidein batch` over COUNT generated bundles (default 200) on THREADS
# threads (default 2): bundles per minute, and the peak resident memory as
# /usr/bin/time sees it and as batch records it (run.json, VmHWM).
#
#   benches/batch.sh [COUNT] [SMALL]
#
# The bundles come from benches/gen_bundles.py, made from the sample bundle
# and, when ../shared is there, memory-and-disk (times shifted by days,
# hosts renamed, log volume scaled); SMALL=--small makes the small kind
# the memory test uses. Everything is written under a temporary folder,
# removed at the end. Release build.
set -euo pipefail
count=${1:-200}
small=${2:-}
threads=${THREADS:-2}
cd "$(dirname "$0")/.."
shared=""
for s in "${OUTSIDEIN_SHARED:-}" ../shared /work/shared; do
    if [ -n "$s" ] && [ -f "$s/bundles/memory-and-disk.tar.gz" ]; then
        shared="$s/bundles/memory-and-disk.tar.gz"
        break
    fi
done
cargo build -q --release
bin="${CARGO_TARGET_DIR:-target}/release/outsidein"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 benches/gen_bundles.py --count "$count" $small --out "$tmp/in" \
    fixtures/sample-bundle.tar.gz $shared
bytes=$(du -sb "$tmp/in" | cut -f1)
start=$(date +%s.%N)
/usr/bin/time -f %M -o "$tmp/rss" "$bin" batch "$tmp/in" -o "$tmp/out" -j "$threads" 2>"$tmp/log"
end=$(date +%s.%N)
python3 - "$count" "$start" "$end" "$(cat "$tmp/rss")" "$tmp/out/run.json" "$bytes" "$threads" <<'PY'
import json, sys
count, start, end, rss, run, size, threads = sys.argv[1:]
secs = float(end) - float(start)
info = json.load(open(run))
print(f"bundles: {count} ({int(size) / 1e6:.1f} MB of archives), threads: {threads}")
print(f"analyzed: {info['analyzed']}, failed: {info['failed']}, duplicates: {info['duplicates']}")
print(f"wall: {secs:.1f} s, {int(count) / secs * 60:.0f} bundles/minute")
print(f"peak RSS: {int(rss) / 1024:.0f} MiB (/usr/bin/time), {info['peak_rss_kib'] / 1024:.0f} MiB (run.json)")
PY
