"""Preview copy build speed: decode ahead in a thread vs decode, scale and encode in turn.

Run: ``.venv/bin/python bench/bench_proxy_build.py [--frames 1000] [--rounds 2]
[--video PATH]`` (default: the 30-minute 1080p file of ``media_files.long_clip()``).

Both ways write real proxy segments (``proxy_build._write_segment``: x264 superfast, crf 25,
8-frame GOPs, checked and renamed) from the same source frames of the middle of the
video, alternately, ``--rounds`` times. The baseline is the build before the
``proxy-decode`` thread: the encoder's thread also decoded and scaled each frame. Printed:
frames/s and CPU ms a frame of each, and the ratio. Five 2-minute sessions of the
30-minute file need about 75 frames/s while the app is open (``bench_proxy_sessions.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import media_files

from annotator.media import proxy_build
from annotator.media.proxy import proxy_size


def _serial(frames: Iterator[Any], size: tuple[int, int]) -> Iterator[Any]:
    for frame in frames:
        yield frame.reformat(width=size[0], height=size[1], format="yuv420p")


def one(
    video: Path, index: Any, start: int, count: int, size: tuple[int, int], ahead: bool, out: Path
) -> tuple[float, float]:
    """(frames/s, CPU ms a frame) of writing ``count`` frames from ``start``."""
    seg = 250
    frames, _ = proxy_build._frames_from(video, index, start)
    it: Any = proxy_build._ScaledAhead(frames, size, None) if ahead else _serial(frames, size)
    out.mkdir(parents=True, exist_ok=True)
    c0, t0 = os.times(), time.perf_counter()
    try:
        for s in range(start, start + count, seg):
            n = min(seg, start + count - s)
            proxy_build._write_segment(out, s, n, it, size, 25, "superfast", None)
    finally:
        it.close()
        if not ahead:
            frames.close()
    wall = time.perf_counter() - t0
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    shutil.rmtree(out, ignore_errors=True)
    return count / wall, 1000 * cpu / count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--video", type=Path, default=None)
    args = ap.parse_args()
    video = args.video or media_files.long_clip()
    tmp = Path(tempfile.mkdtemp(prefix="facet-proxy-build-"))
    try:
        index = proxy_build._index(video, tmp / "index")
        w, h = proxy_size(*_dimensions(video))
        start = max(0, index.frame_count // 2 - args.frames // 2)
        count = min(args.frames, index.frame_count - start)
        print(
            f"{video.name}: {index.frame_count} frames, proxy {w}x{h}, frames {start}.."
            f"{start + count - 1}; load average {os.getloadavg()}"
        )
        got: dict[str, list[tuple[float, float]]] = {"serial (baseline)": [], "ahead": []}
        for r in range(args.rounds):
            for name in got:
                fps, cpu = one(video, index, start, count, (w, h), name == "ahead", tmp / "p")
                got[name].append((fps, cpu))
                print(f"  round {r + 1} {name}: {fps:.1f} frames/s, {cpu:.1f} ms CPU a frame")
        med = {k: statistics.median(f for f, _ in v) for k, v in got.items()}
        for k, v in got.items():
            print(
                f"{k}: median {med[k]:.1f} frames/s, {statistics.median(c for _, c in v):.1f} "
                "ms CPU a frame"
            )
        print(
            f"ahead / serial: {med['ahead'] / med['serial (baseline)']:.2f}x; "
            f"load average {os.getloadavg()}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _dimensions(video: Path) -> tuple[int, int]:
    import av

    with av.open(str(video)) as c:
        vs = c.streams.video[0]
        return vs.codec_context.width, vs.codec_context.height


if __name__ == "__main__":
    sys.exit(main())
