"""Bench spotting throughput on a 720p video against a naive baseline in the same run.

Run: ``.venv/bin/python bench/bench_spotting.py [--seconds 20] [--repeat 1]``

The clip (cached in /tmp/facet-bench) is the demo's two drawn faces scaled to 1280x720,
25 fps, H.264 (veryfast, GOP 50), looping the demo's expressions, with face boxes scaled
from the demo project. Three runs, each over every frame:

* ``spot (boxes)``: the shipped path: sequential PyAV decode, luma plane as is, integer
  crops, shift-compensated difference (``annotator.analysis.spotting.spot``).
* ``spot (Haar)``: the same with the bundled OpenCV face detector instead of boxes.
* ``naive``: what one writes first: ``FrameSource.frame(i)`` per frame (RGB conversion),
  float grey of the whole frame, float crops and the same shift search.

Requirement (issue 7): >= 4x real time for 720p on this 2-core machine. Numbers are wall
clock on whatever else the machine is doing; read the ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotator.analysis.spotting import spot
from annotator.demo import FACES, N_FRAMES, face_centre, render_frame
from annotator.media import FrameSource
from annotator.model import Face, FaceBox, Media, Project

SIZE = (1280, 720)
FPS = 25
SCALE = SIZE[0] / 640


def make_clip(path: Path, n: int) -> None:
    import cv2

    from annotator.media.encode import VideoWriter, x264_params

    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.mp4")
    options = {"preset": "veryfast", "crf": "20", "x264-params": x264_params(gop=50)}
    with VideoWriter(tmp, size=SIZE, fps=FPS, options=options) as writer:
        for i in range(n):
            writer.write(
                cv2.resize(render_frame(i % N_FRAMES), SIZE, interpolation=cv2.INTER_LINEAR)
            )
    tmp.replace(path)


def project_for(n: int) -> Project:
    p = Project()
    p.add_media(Media("m1", "clip.mp4", frame_count=n, fps=Fraction(FPS)))
    for fid, (name, colour, _x) in FACES.items():
        boxes = []
        for f in range(0, n, 25):
            cx, cy = face_centre(fid, f % N_FRAMES)
            boxes.append(
                FaceBox("m1", f, (cx - 95) * SCALE, (cy - 120) * SCALE, 190 * SCALE, 240 * SCALE)
            )
        p.add_face(Face(fid, name, colour, tuple(boxes)))
    return p


def naive(path: Path, project: Project) -> int:
    """Random-access RGB frames, float grey, float crops, the same 3x3 shift search."""
    found = 0
    with FrameSource(path, prefetch=False) as src:
        prev = None
        for i in range(src.frame_count):
            rgb = src.frame(i)
            grey = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
            if prev is not None:
                for face in project.faces.values():
                    x, y, w, h = (int(round(v)) for v in face.box_at("m1", i))  # type: ignore[union-attr]
                    cur, old = grey[y : y + h, x : x + w], prev[y : y + h, x : x + w]
                    c = cur[1:-1, 1:-1]
                    best = min(
                        float(np.abs(c - old[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx]).mean())
                        for dy in (-1, 0, 1)
                        for dx in (-1, 0, 1)
                    )
                    found += best > 1.0
            prev = grey
    return found


def timed(label: str, fn, frames: int, duration_s: float) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(
        f"{label:<16} {dt:7.2f} s  {frames / dt:7.1f} fps  {duration_s / dt:6.2f}x real time"
        f"  ({out})"
    )
    return dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()
    n = args.seconds * FPS
    clip = Path("/tmp/facet-bench") / f"spot720_{n}.mp4"
    make_clip(clip, n)
    project = project_for(n)
    duration = n / FPS
    print(f"clip {clip} {SIZE[0]}x{SIZE[1]} {n} frames = {duration:.1f} s")
    FrameSource(clip, prefetch=False).close()  # build the PTS index once, outside the timings
    fast = timed(
        "spot (boxes)",
        lambda: f"{len(spot(clip, project=project).candidates)} candidates",
        n,
        duration,
    )
    timed("spot (Haar)", lambda: f"{len(spot(clip).candidates)} candidates", n, duration)
    if not args.skip_naive:
        slow = timed("naive", lambda: f"{naive(clip, project)} moving face-frames", n, duration)
        print(f"speed-up of spot over naive: {slow / fast:.1f}x")
    ok = duration / fast >= 4
    print(
        f"requirement >= 4x real time at 720p: {'met' if ok else 'NOT met'} "
        f"({duration / fast:.1f}x)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
