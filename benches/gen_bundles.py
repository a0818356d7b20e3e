#!/usr/bin/env python3
"""Makes an archive of many support bundles by varying real ones.

    gen_bundles.py --count 200 --out DIR BUNDLE [BUNDLE ...] [--small]

Each BUNDLE is a .tar.gz or a folder (fixtures/sample-bundle.tar.gz,
../shared/bundles/memory-and-disk.tar.gz). Bundle i is made from
BUNDLE[i % n] by:

- shifting every time by whole days (i // n + 1 days later): ISO dates,
  compact dates in names (20261204T162039Z, 20261204_162345), nginx
  access and error log dates, Redis dates, epoch seconds and milliseconds near the bundle's time,
  folder names and archive entry times;
- renaming its host (shop-demo-01 -> shop-demo-01-g007);
- scaling the volume of its logs by keeping every other line (0.5), every
  fourth (0.25) or writing each line twice (2.0), in turn; with --small,
  keeping one log line in twenty and one snapshot in four, so that
  hundreds of bundles stay quick to analyze in a test.

Written as DIR/bundle-NNNN.tar.gz. Deterministic: the same arguments give
the same bytes. Standard library only.
"""

import argparse
import datetime as dt
import gzip
import io
import os
import re
import sys
import tarfile

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
SCALES = [1.0, 0.5, 2.0, 0.25]
# Epochs between 2025-01-01 and 2028-01-01, in seconds or milliseconds.
EPOCH_LO, EPOCH_HI = 1735689600, 1830297600


def read_bundle(path):
    """(relative path, bytes, mtime) of each regular file."""
    files = []
    if os.path.isdir(path):
        for root, _, names in os.walk(path):
            for n in sorted(names):
                full = os.path.join(root, n)
                if os.path.isfile(full) and not os.path.islink(full):
                    rel = os.path.relpath(full, path).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        files.append((rel, f.read(), int(os.path.getmtime(full))))
    else:
        with tarfile.open(path, "r:*") as t:
            for m in t.getmembers():
                if m.isfile():
                    files.append((m.name, t.extractfile(m).read(), int(m.mtime)))
    files.sort()
    return files


_MON = "|".join(MONTHS)
# One pass over the text: each alternative is a time shape.
_TIMES = re.compile(
    r"(?P<iso>\b(20\d\d)([-/])([01]\d)\3([0-3]\d)(?!\d))"  # 2026-12-04, 2026/12/04
    r"|(?P<compact>(?<!\d)(20\d\d)([01]\d)([0-3]\d)(?=[T_-]))"  # 20261204T..., 20261204_...
    rf"|(?P<named>\b([0-3]?\d)([/ ])({_MON})\12(20\d\d)\b)"  # 04/Dec/2026, 04 Dec 2026
    r"|(?P<epoch>(?<![\d.])1[78]\d{8}(?:\d{3})?(?!\d))"  # epoch s or ms
)


def shift_text(s, days, old_host, new_host):
    delta = dt.timedelta(days=days)

    def one(m):
        if m["iso"]:
            d = dt.date(int(m[2]), int(m[4]), int(m[5])) + delta
            sep = m[3]
            return f"{d:%Y}{sep}{d:%m}{sep}{d:%d}"
        if m["compact"]:
            d = dt.date(int(m[7]), int(m[8]), int(m[9])) + delta
            return f"{d:%Y%m%d}"
        if m["named"]:
            d = dt.date(int(m[14]), MONTHS.index(m[13]) + 1, int(m[11])) + delta
            sep = m[12]
            return f"{d.day:02d}{sep}{MONTHS[d.month - 1]}{sep}{d.year}"
        v = int(m["epoch"])
        if EPOCH_LO <= v < EPOCH_HI:
            return str(v + days * 86400)
        if EPOCH_LO * 1000 <= v < EPOCH_HI * 1000:
            return str(v + days * 86400000)
        return m["epoch"]

    s = _TIMES.sub(one, s)
    if old_host:
        s = s.replace(old_host, new_host)
    return s


def scale_lines(text, factor):
    lines = text.splitlines(keepends=True)
    if factor >= 1:
        return "".join(l for l in lines for _ in range(int(factor)))
    # Keep line j when (j+1)*factor crosses an integer: evenly spread.
    return "".join(l for j, l in enumerate(lines) if int((j + 1) * factor) > int(j * factor))


def is_log(rel):
    name = rel.rsplit("/", 1)[-1]
    return "/logs/" in "/" + rel and (".log" in name)


def is_snapshot(rel):
    return "/system/" in "/" + rel or "/postgres/" in "/" + rel


def vary(files, i, n, small):
    days = i // n + 1
    top = files[0][0].split("/", 1)[0] if all("/" in f[0] for f in files) else ""
    m = re.match(r"sb_(.+?)_(\d{8})_(\d{6})$", top)
    old_host = m[1] if m else None
    new_host = f"{old_host}-g{i:03d}" if old_host else None
    factor = SCALES[i % len(SCALES)] * (0.05 if small else 1.0)
    out = []
    snap_seen = {}
    for rel, data, mtime in files:
        if small and is_snapshot(rel):
            kind = rel.rsplit("/", 1)[0]
            k = snap_seen.get(kind, 0)
            snap_seen[kind] = k + 1
            if k % 4:
                continue
        gz = rel.endswith(".gz")
        raw = gzip.decompress(data) if gz else data
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            if is_log(rel):
                text = scale_lines(text, factor)
            text = shift_text(text, days, old_host, new_host)
            raw = text.encode("utf-8")
        if gz:
            raw = gzip.compress(raw, mtime=0)
        new_rel = shift_text(rel, days, old_host, new_host)
        out.append((new_rel, raw, mtime + days * 86400))
    return out


def write_tar(path, files):
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as t:
            for rel, data, mtime in files:
                info = tarfile.TarInfo(rel)
                info.size = len(data)
                info.mtime = mtime
                info.mode = 0o644
                t.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--out", required=True)
    ap.add_argument("--small", action="store_true")
    ap.add_argument("bundles", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    sources = [read_bundle(b) for b in a.bundles]
    for i in range(a.count):
        files = vary(sources[i % len(sources)], i, len(sources), a.small)
        write_tar(os.path.join(a.out, f"bundle-{i:04d}.tar.gz"), files)
    print(f"{a.count} bundles in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
