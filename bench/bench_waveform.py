"""Audio waveform: computing the peaks, and painting the audio lane of a two-hour take.

1. Peaks of the real samples with audio (``media.waveform.compute_waveform``) against a
   plain PyAV decode of the same audio that keeps nothing (the floor: what decoding costs).
2. The audio lane of a two-hour take (synthetic peaks, 720,000 buckets) painted through the
   real ``TimelineCanvas`` into an offscreen QImage, fitted and at single frames, against a
   naive lane that draws one vertical line per 1/100 s bucket in view, in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_waveform.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av
import numpy as np
from PySide6.QtCore import QLineF
from PySide6.QtGui import QColor, QImage, QPainter, QUndoStack
from PySide6.QtWidgets import QApplication

from annotator.media.waveform import Waveform, build_levels, compute_waveform
from annotator.model import Media, Project
from annotator.ui.timeline.canvas import TimelineCanvas
from annotator.ui.timeline.lanes import WAVEFORM_KEY
from annotator.ui.timeline.selection import EventSelection
from annotator.ui.timeline.waveform_lane import WaveformState, paint_waveform

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("FACET_SAMPLES") or ROOT.parent / "shared" / "samples")
FILES = [
    "third_party/ACT409_clip1.mp4",
    "video/pyfeat_WolfgangLanger_Pexels.mp4",
    "video/face_recognition_short_hamilton_clip.mp4",
]
FPS = Fraction(25)
FRAMES = 180_000  # two hours
REPEAT = 10


def plain_decode(path: Path) -> float:
    t = time.perf_counter()
    with av.open(str(path)) as c:
        for _frame in c.decode(c.streams.audio[0]):
            pass
    return time.perf_counter() - t


def bench_compute() -> None:
    print("peaks: compute_waveform vs plain PyAV decode of the audio (best of 3)")
    for name in FILES:
        path = SAMPLES / name
        if not path.exists():
            print(f"  {name}: missing, skipped")
            continue
        ours = min(_timed(lambda p=path: compute_waveform(p)) for _ in range(3))
        floor = min(plain_decode(path) for _ in range(3))
        w = compute_waveform(path)
        assert w is not None
        print(
            f"  {name}: {w.duration_s:.1f} s of audio, {ours * 1000:.0f} ms "
            f"(plain decode {floor * 1000:.0f} ms, x{ours / floor:.2f}); "
            f"{sum(len(lv) for lv in w.levels)} buckets in {len(w.levels)} levels"
        )


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def naive_lane(p: QPainter, canvas: TimelineCanvas, wave: Waveform) -> None:
    """One line per level-0 bucket in view (what drawing without the pyramid costs)."""
    v = canvas.view
    lane = canvas.cache.lane(WAVEFORM_KEY)
    assert lane is not None
    f0, f1 = v.visible_frames()
    b0, b1 = int(f0 / 25 * 100), int((f1 + 1) / 25 * 100)
    data = wave.levels[0][b0:b1]
    mid = v.y_of_lane(lane) + lane.height_px / 2
    xs = v.x_of(np.arange(b0, b0 + len(data)) / 100 * 25)
    p.setPen(QColor("#5fb4a8"))
    p.drawLines(
        [
            QLineF(x, mid - hi * 12, x, mid - lo * 12)
            for x, lo, hi in zip(xs.tolist(), data[:, 0].tolist(), data[:, 1].tolist(), strict=True)
        ]
    )


def bench_paint() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    rng = np.random.default_rng(1)
    n = FRAMES * 100 // 25
    env = np.abs(np.sin(np.arange(n) / 700.0)).astype(np.float32)
    noise = rng.uniform(0.2, 1.0, n).astype(np.float32)
    lv = np.stack([-env * noise, env * noise], 1)
    wave = Waveform(start_s=0.0, sample_rate=48000, channels=2, levels=build_levels(lv))
    p = Project("bench")
    p.add_media(Media("m1", "bench.mp4", frame_count=FRAMES, fps=FPS))
    canvas = TimelineCanvas(p, QUndoStack(), EventSelection())
    canvas.resize(1600, 300)
    state = WaveformState()
    state.set_wave("bench.mp4", wave)
    canvas.set_waveform(state)
    canvas.ensure()
    img = QImage(1600, 300, QImage.Format.Format_ARGB32_Premultiplied)
    print(f"paint: audio lane of a two-hour take ({n} buckets), 1600 px wide, median of {REPEAT}")
    for label, zoom in (("fitted (2 h in view)", None), ("single frames", 20)):
        if zoom is None:
            canvas.view.zoom_to_fit()
        else:
            canvas.view.zoom_to_frames(zoom, FRAMES // 2)
        ours, naive, lane_only = [], [], []
        lane = canvas.cache.lane(WAVEFORM_KEY)
        tb = canvas.cache.timebase()
        for _ in range(REPEAT):
            painter = QPainter(img)
            t = time.perf_counter()
            paint_waveform(painter, canvas.view, lane, state, tb)
            lane_only.append(time.perf_counter() - t)
            painter.end()
            painter = QPainter(img)
            t = time.perf_counter()
            canvas.render_into(painter)
            ours.append(time.perf_counter() - t)
            painter.end()
            painter = QPainter(img)
            t = time.perf_counter()
            naive_lane(painter, canvas, wave)
            naive.append(time.perf_counter() - t)
            painter.end()
        print(
            f"  {label}: audio lane {statistics.median(lane_only) * 1000:.1f} ms, "
            f"whole timeline paint {statistics.median(ours) * 1000:.1f} ms; "
            f"naive lane alone (one line per bucket) {statistics.median(naive) * 1000:.1f} ms"
        )
    del app


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} (2-core box)")
    bench_compute()
    bench_paint()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
