"""First-open index time: MP4 sample tables (Facet) against the packet demux (the old way,
and what plain PyAV needs to list frames), same file, same run, interleaved.

Run: ``.venv/bin/python bench/bench_index.py [--rounds 3] [FILE ...]`` (default: the
30-minute 1080p bench file, made by ``bench/media_files.py long``). The file is read once
first, so both read it from the page cache. "facet" is ``FrameSource(path,
index_cache_dir=False)``: tables + first-frame decode + last-GOP packet check, and frame 0
ready. "demux" is the packet scan the index used before (every packet of the file).

"worker" is ``FrameSource(path, index_progress=...)`` (issue 17.4): the time until frame 0
is decoded and returned (the first picture) and until the index in the worker completes,
with the number of progress reports; run it on the Matroska remux too (``--mkv``: no
sample tables, the packet scan runs in the worker while frames already show).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import media_files

from annotator.media import FrameSource
from annotator.media.index_worker import IndexProgress
from annotator.media.pts_index import _index_from_packets, _verify


def facet(path: Path) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    with FrameSource(path, index_cache_dir=False, prefetch=False) as src:
        src.frame(0)
        return time.perf_counter() - t0, src.frame_count, src.index_method


def worker(path: Path) -> tuple[float, float, int, int, str]:
    """(first frame s, index complete s, frames, progress reports, method)."""
    reports: list[IndexProgress] = []
    t0 = time.perf_counter()
    with FrameSource(
        path, index_cache_dir=False, prefetch=False, index_progress=reports.append
    ) as src:
        src.frame(0)
        first = time.perf_counter() - t0
        src.wait_index(600)
        done = time.perf_counter() - t0
        return first, done, src.frame_count, len(reports), src.index_method


def demux(path: Path) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        pts, keys, ok = _index_from_packets(c, vs)
        ok = ok and _verify(c, vs, pts, keys)
    return time.perf_counter() - t0, len(pts), "packets" if ok else "packets (unverified)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mkv", action="store_true", help="also the Matroska remux")
    ap.add_argument("files", nargs="*", type=Path)
    args = ap.parse_args()
    files = args.files or [media_files.long_clip()]
    if args.mkv:
        files.append(media_files.long_mkv())
    print(f"load average before: {os.getloadavg()}")
    for path in files:
        path.read_bytes()
        res: dict[str, list[float]] = {"facet (blocking open)": [], "demux (old, packets)": []}
        counts = {}
        firsts: list[float] = []
        dones: list[float] = []
        wk: tuple[int, int, str] = (0, 0, "")
        for r in range(args.rounds):
            order = [("facet (blocking open)", facet), ("demux (old, packets)", demux)]
            for name, fn in order if r % 2 == 0 else order[::-1]:
                dt, n, how = fn(path)
                res[name].append(dt)
                counts[name] = (n, how)
            first, done, n, reports, how = worker(path)
            firsts.append(first)
            dones.append(done)
            wk = (n, reports, how)
        print(f"\n{path.name} ({path.stat().st_size / 1e6:.0f} MB), load {os.getloadavg()}")
        base = statistics.median(res["demux (old, packets)"])
        for name, xs in res.items():
            med = statistics.median(xs)
            n, how = counts[name]
            print(
                f"{name:24} median {med:6.2f} s  ({', '.join(f'{x:.2f}' for x in xs)})  "
                f"{n} frames via {how}  {base / med:4.1f}x"
            )
        print(
            f"{'worker: first frame':24} median {statistics.median(firsts):6.2f} s  "
            f"({', '.join(f'{x:.2f}' for x in firsts)})"
        )
        print(
            f"{'worker: index complete':24} median {statistics.median(dones):6.2f} s  "
            f"({', '.join(f'{x:.2f}' for x in dones)})  {wk[0]} frames via {wk[1 + 1]}, "
            f"{wk[1]} progress reports"
        )
        print(
            "first frame before the index completes: "
            f"{'yes' if statistics.median(firsts) < statistics.median(dones) else 'NO'}"
        )
        med = statistics.median(res["facet (blocking open)"])
        if counts["facet (blocking open)"][1] == "tables":
            print(f"target index of a 30-min 1080p file < 3 s: {'met' if med < 3 else 'MISSED'}")
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
