"""Timeline paint time with 100,000 events across 20 lanes, culled vs paint-everything.

Renders the real ``TimelineCanvas`` into an offscreen QImage at several zoom levels and
compares with a naive painter that draws every event as its own rectangle (no bisect
culling, no coverage profile) in the same run. Target: <= 16 ms per paint at any zoom.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_timeline.py
"""

from __future__ import annotations

import os
import random
import statistics
import time
from fractions import Fraction

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QUndoStack
from PySide6.QtWidgets import QApplication

from annotator.model import Event, EventKind, Intensity, Media, Project, Side
from annotator.ui.timeline.canvas import TimelineCanvas
from annotator.ui.timeline.selection import EventSelection

N_EVENTS = 100_000
FPS = Fraction(25)
FRAMES = 180_000  # two hours
WIDTH, HEIGHT = 1600, 640
AUS = (1, 2, 4, 6, 7, 12, 15, 25)  # 2 faces x (8 AU lanes + emotion + notes) = 20 lanes
REPEAT = 15


def build_project(seed: int = 7) -> Project:
    rng = random.Random(seed)
    p = Project("bench")
    p.add_media(Media("m1", "bench.mp4", frame_count=FRAMES, fps=FPS))
    p.add_face(name="Left person")
    p.add_face(name="Right person")
    lanes = [
        (f, k, au)
        for f in ("A", "B")
        for k, au in [
            *((EventKind.AU, a) for a in AUS),
            (EventKind.EMOTION, None),
            (EventKind.NOTE, None),
        ]
    ]
    per_lane = N_EVENTS // len(lanes)
    eid = 0
    for face, kind, au in lanes:
        spacing = FRAMES / per_lane
        for i in range(per_lane):
            on = int(i * spacing + rng.random() * spacing * 0.3)
            off = min(FRAMES - 1, on + rng.randint(3, int(spacing * 0.9)))
            eid += 1
            ev = Event(
                eid,
                face,
                kind,
                on,
                off,
                rng.choice([None, (on + off) // 2]),
                au=au,
                intensity=rng.choice([None, *Intensity]) if au else None,
                side=rng.choice([None, None, Side.L, Side.R]) if au else None,
                emotion=rng.choice(["happiness", "fear", "anger"])
                if au is None and kind is EventKind.EMOTION
                else None,
                note="n" if kind is EventKind.NOTE else "",
            )
            p.events[eid] = ev  # bulk load as a file load would, without signals
    assert len(p.events) == N_EVENTS
    return p


def naive_paint(p: QPainter, canvas: TimelineCanvas) -> None:
    """Baseline: every event drawn, every time, as its own rect and apex line."""
    v = canvas.view
    p.fillRect(0, 0, v.width_px, v.height_px, QColor("#1d1e22"))
    lanes = {ln.key: ln for ln in canvas.cache.lanes}
    p.setPen(Qt.PenStyle.NoPen)
    for e in canvas.project.events.values():
        lane = lanes[e.lane_key]
        y = v.y_of_lane(lane)
        x0, x1 = v.x_of(e.onset_frame), v.x_of(e.offset_frame + 1)
        p.setBrush(QColor(lane.colour))
        p.drawRect(QRectF(x0, y + 3, max(1.0, x1 - x0), lane.height_px - 6))
        if e.apex_frame is not None:
            xa = v.x_of(e.apex_frame + 0.5)
            p.drawLine(int(xa), y + 1, int(xa), y + lane.height_px - 1)


def time_ms(fn, repeat: int = REPEAT) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    project = build_project()
    build_s = time.perf_counter() - t0
    canvas = TimelineCanvas(project, QUndoStack(), EventSelection())
    canvas.resize(WIDTH, HEIGHT)
    canvas.view.width_px, canvas.view.height_px = WIDTH, HEIGHT
    t0 = time.perf_counter()
    canvas.ensure()
    index_ms = (time.perf_counter() - t0) * 1000
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    n_lanes = sum(1 for ln in canvas.cache.lanes if ln.kind.value in ("au", "emotion", "note"))
    print(
        f"{len(project.events):,} events in {n_lanes} lanes, {FRAMES:,} frames; "
        f"project built in {build_s:.1f} s, lane indexes in {index_ms:.0f} ms"
    )
    print(f"{'zoom':<22}{'frames in view':>16}{'culled ms':>12}{'naive ms':>11}{'speed-up':>10}")
    zooms = [
        ("whole video", None),
        ("10 minutes", 15_000),
        ("5 minutes", 7_500),
        ("3 minutes", 4_500),
        ("1 minute", 1_500),
        ("10 seconds", 250),
        ("1 second", 25),
        ("single frames", 12),
    ]
    worst = 0.0
    for label, frames in zooms:
        if frames is None:
            canvas.view.zoom_to_fit()
        else:
            canvas.view.zoom_to_frames(frames, FRAMES * 0.37)
        canvas.playhead = int(canvas.view.visible_frames()[0] + 5)

        def culled() -> None:
            p = QPainter(image)
            try:
                canvas.render_into(p)
            finally:
                p.end()

        def naive() -> None:
            p = QPainter(image)
            try:
                naive_paint(p, canvas)
            finally:
                p.end()

        culled()  # warm caches
        c_ms = time_ms(culled)
        n_ms = time_ms(naive, repeat=3)
        worst = max(worst, c_ms)
        f0, f1 = canvas.view.visible_frames()
        print(f"{label:<22}{f1 - f0 + 1:>16,}{c_ms:>12.2f}{n_ms:>11.1f}{n_ms / c_ms:>9.0f}x")
    # an edit dirties one lane: cost of the next ensure()
    some = next(iter(project.events.values()))
    project.update_event(some.id, offset_frame=some.offset_frame)
    t0 = time.perf_counter()
    canvas.ensure()
    edit_ms = (time.perf_counter() - t0) * 1000
    v = canvas.view
    t_hit = time_ms(lambda: [v.hit_test(300 + i, 120, canvas.cache.indexes) for i in range(100)])
    print(f"re-index after one edit: {edit_ms:.2f} ms; hit test: {t_hit * 10:.1f} µs")
    print(f"worst paint {worst:.2f} ms -> {'OK' if worst <= 16 else 'OVER'} (target <= 16 ms)")
    del app


if __name__ == "__main__":
    main()
