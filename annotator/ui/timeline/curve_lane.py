"""Curve lanes on the timeline: painting a curve under its face and dragging its threshold.

The data and view state live in ``curves.CurveStore``; this module only draws it (a line,
or a min/max band per pixel column when more frames than pixels are in view, the runs above
the threshold shaded) and turns a drag near the threshold line into ``set_threshold``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen

from annotator.ui.timeline.curves import CurveData, CurveStore
from annotator.ui.timeline.lanes import Lane, LaneKind
from annotator.ui.timeline.view import TimelineView

TEXT = QColor("#d9dbe0")


def _y(c: CurveData, value: np.ndarray | float, top: float, h: float) -> Any:
    return top + h - 3 - (np.asarray(value) - c.lo) / max(c.hi - c.lo, 1e-9) * (h - 6)


def curve_of(store: CurveStore | None, lane: Lane) -> CurveData | None:
    if store is None or lane.kind is not LaneKind.CURVE:
        return None
    return store.curves.get((lane.face, lane.label))


def paint_curve(p: QPainter, v: TimelineView, lane: Lane, store: CurveStore | None) -> None:
    c = curve_of(store, lane)
    if c is None or store is None:
        return
    top, h = float(v.y_of_lane(lane)), float(lane.height_px)
    f0, f1 = v.visible_frames()
    a, b = max(f0, c.start_frame), min(f1, c.end_frame)
    colour = QColor(lane.colour)
    thr = store.thresholds.get((lane.face, lane.label), c.hi)
    y_thr = float(_y(c, thr, top, h))
    if a <= b:
        vals = c.values[a - c.start_frame : b - c.start_frame + 1]
        frames = np.arange(a, b + 1)
        shade = QColor(colour)
        shade.setAlpha(50)
        above = np.nan_to_num(vals, nan=-np.inf) > thr
        if above.any():
            d = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
            for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
                x0, x1 = v.x_of(frames[s]), v.x_of(frames[e - 1] + 1)
                p.fillRect(QRectF(x0, top + 1, max(1.0, x1 - x0), h - 2), shade)
        p.setPen(QPen(colour, 1.5))
        if v.px_per_frame >= 1.0:
            _polyline(p, v, c, frames, vals, top, h)
        else:
            _band(p, v, c, frames, vals, top, h)
    pen = QPen(QColor("#ffe14d"), 1, Qt.PenStyle.DashLine)
    p.setPen(pen)
    p.drawLine(QLineF(v.x_of(f0), y_thr, v.x_of(f1 + 1), y_thr))
    fm = QFontMetrics(p.font())
    label = f"{thr:.3g}"
    p.setPen(TEXT)
    p.drawText(
        QPointF(
            v.x_of(f1 + 1) - fm.horizontalAdvance(label) - 18, max(top + fm.ascent(), y_thr - 2)
        ),
        label,
    )


def _polyline(
    p: QPainter,
    v: TimelineView,
    c: CurveData,
    frames: np.ndarray,
    vals: np.ndarray,
    top: float,
    h: float,
) -> None:
    xs = v.x_of(frames + 0.5)
    ys = _y(c, vals, top, h)
    path = QPainterPath()
    pen_down = False
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        if not math.isfinite(y):
            pen_down = False
            continue
        if pen_down:
            path.lineTo(x, y)
        else:
            path.moveTo(x, y)
            pen_down = True
    p.drawPath(path)


def _band(
    p: QPainter,
    v: TimelineView,
    c: CurveData,
    frames: np.ndarray,
    vals: np.ndarray,
    top: float,
    h: float,
) -> None:
    """More frames than pixels: each pixel column shows the min..max of its frames."""
    cols = np.floor((frames - v.left_frame) * v.px_per_frame).astype(np.int64)
    finite = np.isfinite(vals)
    if not finite.any():
        return
    cols, vals = cols[finite], vals[finite]
    starts = np.flatnonzero(np.diff(np.concatenate([[-1], cols])) != 0)
    mins = np.minimum.reduceat(vals, starts)
    maxs = np.maximum.reduceat(vals, starts)
    x = cols[starts] + 0.5 + v.x_of(v.left_frame)
    y0, y1 = _y(c, mins, top, h), _y(c, maxs, top, h)
    p.drawLines(
        [
            QLineF(float(a), float(b), float(a), float(d) - 0.5)
            for a, b, d in zip(x.tolist(), y0.tolist(), y1.tolist(), strict=True)
        ]
    )


@dataclass(slots=True)
class ThresholdDrag:
    lane: Lane
    curve: CurveData


def press(canvas: Any, lane: Lane, y: float) -> bool:
    """Start dragging the threshold when the press is near its line; True when taken."""
    store = canvas.cache.curves
    c = curve_of(store, lane)
    if c is None:
        return False
    # a press anywhere on the lane moves the line there and drags it (a 1-pixel line on a
    # 44-pixel lane is not worth hunting for)
    canvas._curve_drag = ThresholdDrag(lane, c)
    move(canvas, y)
    canvas.setCursor(Qt.CursorShape.SizeVerCursor)
    return True


def move(canvas: Any, y: float) -> bool:
    drag: ThresholdDrag | None = getattr(canvas, "_curve_drag", None)
    if drag is None:
        return False
    lane, c = drag.lane, drag.curve
    top, h = float(canvas.view.y_of_lane(lane)), float(lane.height_px)
    frac = (top + h - 3 - y) / max(h - 6, 1.0)
    value = c.lo + min(1.0, max(0.0, frac)) * (c.hi - c.lo)
    canvas.cache.curves.set_threshold(lane.face, lane.label, value)
    canvas.update()
    return True


def release(canvas: Any) -> bool:
    if getattr(canvas, "_curve_drag", None) is None:
        return False
    canvas._curve_drag = None
    canvas.unsetCursor()
    return True
