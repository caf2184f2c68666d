"""Bench ``annotator track`` against plain decoding of the same file, and its memory.

Run: ``.venv/bin/python bench/bench_track.py [--loop-frames 9000] [--hour]``

1. Speed, per clip, in the same run: ``decode`` is the tracker's own decoding loop
   (``iter_rgb``: PyAV, every frame converted to RGB) with nothing done per frame;
   ``track`` is ``track_video`` (decode in a second thread + BlazeFace every 0.3 s + Face
   Mesh per face per frame + eye model every 2nd frame + signals), models run by LiteRT. "x real time" = video seconds / wall seconds.
   Requirement (issue 12): track >= 1x real time on a single-face 640x360 clip
   (pyfeat_WolfgangLanger_Pexels.mp4) and >= 0.5x on 1080p with up to four faces
   (facenet_pytorch_crowd_1080p25.mp4, 3-5 tracked faces at a time).
2. Memory: the single-face clip's frames looped (decoded once, fed again and again with
   increasing frame numbers) for ``--loop-frames`` frames (``--hour``: 90 000, an hour at
   25 fps), landmarks spooled to disk as ``annotator track`` does; the process's peak RSS
   and current RSS are printed every 10 % so growth per frame can be read off (from the
   current RSS), and extrapolated to an hour.

Numbers are wall clock on a shared 2-core machine: read the ratios, and the load average
printed with them. The CPU seconds (process and tracking thread) are printed too: on a machine
shared by several busy processes they say what the wall time would be on idle cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotator.analysis.tracking import iter_rgb, track_video
from annotator.analysis.video import VideoInfo
from annotator.io.landmarks import Spool

SAMPLES = Path(os.environ.get("FACET_SAMPLES") or ROOT.parent / "shared" / "samples")
CLIPS = [
    ("video/pyfeat_WolfgangLanger_Pexels.mp4", 1.0),
    ("video/facenet_pytorch_crowd_1080p25.mp4", 0.5),
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now_mb() -> float:
    """Current resident set size (VmRSS), not the peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(fn):  # type: ignore[no-untyped-def]
    """(result, wall s, process CPU s over all threads, this thread's CPU s)."""
    w, c, m = time.perf_counter(), time.process_time(), time.thread_time()
    r = fn()
    return r, time.perf_counter() - w, time.process_time() - c, time.thread_time() - m


def speed(rel: str, need: float) -> bool:
    info = VideoInfo.of(SAMPLES / rel)
    secs = info.frame_count / float(info.fps)
    cores = os.cpu_count() or 2
    n, dec, dec_cpu, _ = timed(lambda: sum(1 for _ in iter_rgb(info, [])))
    r, trk, trk_cpu, trk_main = timed(lambda: track_video(info))
    # what the wall time would be with the machine to ourselves: the busier of the
    # tracking thread and the decode thread, or all CPU spread over the cores
    idle = max(trk_main, trk_cpu / cores)
    faces = [len(a) for a in r.tracks]
    ok = secs / trk >= need
    print(
        f"{Path(rel).name}: {info.width}x{info.height}, {n} frames, {secs:.1f} s, "
        f"{len(r.tracks)} tracks {faces}"
    )
    print(
        f"  decode {dec:6.2f} s  {n / dec:6.1f} fps  {secs / dec:5.2f}x real time "
        f"(CPU {dec_cpu:.2f} s)"
    )
    print(
        f"  track  {trk:6.2f} s  {n / trk:6.1f} fps  {secs / trk:5.2f}x real time "
        f"(need >= {need}x: {'ok' if ok else 'MISSED'}); track/decode = {trk / dec:.1f}"
    )
    print(
        f"  track CPU {trk_cpu:.2f} s in all threads, {trk_main:.2f} s in the tracking thread "
        f"-> {secs / idle:.2f}x real time on {cores} idle cores "
        f"({'ok' if secs / idle >= need else 'MISSED'}); CPU track/decode = "
        f"{trk_cpu / max(dec_cpu, 1e-9):.1f}"
    )
    print(f"  load average {load()}")
    return ok


def memory(frames_total: int) -> None:
    path = SAMPLES / CLIPS[0][0]
    base = VideoInfo.of(path)
    pool = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= 120:
                break
            pool.append(f.to_ndarray(format="rgb24"))
    # a ping-pong loop (forward then backward) so the face never jumps at the seam
    cycle = pool + pool[-2:0:-1]
    info = dataclasses.replace(
        base, frame_count=frames_total, pts=np.arange(frames_total, dtype=np.int64)
    )
    marks = []
    start = time.perf_counter()

    def feed():  # type: ignore[no-untyped-def]
        for i in range(frames_total):
            if i % max(1, frames_total // 10) == 0:
                marks.append((i, rss_mb(), rss_now_mb(), time.perf_counter() - start))
            yield i, cycle[i % len(cycle)]

    with tempfile.TemporaryDirectory() as tmp:
        spool = Spool(tmp)
        try:
            r = track_video(info, sink=spool, frames=feed())
            spool_mb = spool.path.stat().st_size / 1e6
        finally:
            spool.close()
    marks.append((frames_total, rss_mb(), rss_now_mb(), time.perf_counter() - start))
    print(
        f"memory: {frames_total} looped 640x360 frames ({frames_total / 25 / 60:.0f} min at "
        f"25 fps), {len(r.tracks)} track(s), spool on disk {spool_mb:.0f} MB"
    )
    for i, mb, now, s in marks:
        print(f"  frame {i:6d}: peak RSS {mb:7.1f} MB, RSS now {now:7.1f} MB  ({s:6.0f} s)")
    # the last mark is taken after the tracker is freed: growth is read between in-loop marks
    (i0, _, m0, _), (i1, _, m1, _) = marks[1], marks[-2]
    per = (m1 - m0) * 1e6 / max(i1 - i0, 1)
    print(
        f"  growth after the first 10 %: {per:.0f} bytes per frame -> "
        f"{per * 90_000 / 1e6:.0f} MB more for an hour at 25 fps; load average {load()}"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loop-frames", type=int, default=9000)
    ap.add_argument("--hour", action="store_true", help="loop 90 000 frames (an hour)")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    ok = args.no_speed or all([speed(rel, need) for rel, need in CLIPS])
    if not args.no_memory:
        memory(90_000 if args.hour else args.loop_frames)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
