"""Painter for overlay lanes (candidates, cuts): reads the source's items, draws, changes nothing.

Items in view come from the lane's ``LaneIndex`` like events, so a lane of thousands of
candidates costs only what is on screen. Pending items are outlined and hatched in their
face colour so they read as "proposed", accepted ones are solid like real events, rejected
ones fade to a dashed grey outline (kept, so the decision stays visible and reversible).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPen

from annotator.ui.timeline.lanes import Lane, LaneIndex
from annotator.ui.timeline.overlays import ItemState, OverlayItem, OverlaySource, Style
from annotator.ui.timeline.view import TimelineView

SELECT = QColor("#ffe14d")
DIM = QColor("#9aa0aa")
REJECTED = QColor(200, 200, 200, 220)
KNOCKED_OUT = QColor(20, 21, 24, 170)  # a rejected item darkens what it covers
_MARKS = {ItemState.ACCEPTED: "✓ ", ItemState.REJECTED: "✗ "}
# overlapping items (two faces moving together) all stay visible: solid accepted bars
# underneath, translucent hatched pending ones over them, outline-only rejected on top
_ORDER = {ItemState.ACCEPTED: 0, ItemState.MARK: 1, ItemState.PENDING: 1, ItemState.REJECTED: 2}


def paint_overlay(
    p: QPainter, v: TimelineView, lane: Lane, source: OverlaySource, index: LaneIndex, rng: range
) -> None:
    """Draw the items of ``rng`` (indexes into ``index``) on ``lane``."""
    items = source.items()
    f0 = v.visible_frames()[0]
    shown = [index.ids[i] for i in rng if index.offsets[i] >= f0 and index.ids[i] < len(items)]
    y = v.y_of_lane(lane)
    current = source.current()
    if source.style is Style.LINES:
        _paint_lines(p, v, items, shown, y, lane.height_px, current)
    else:
        _paint_bars(p, v, items, shown, y, lane.height_px, current)


def _rect(v: TimelineView, y: float, h: float, it: OverlayItem) -> QRectF:
    x0, x1 = v.x_of(it.start_frame), v.x_of(it.end_frame + 1)
    return QRectF(x0, y + 3, max(2.0, x1 - x0 - (1 if x1 - x0 > 3 else 0)), h - 6)


def _paint_bars(
    p: QPainter,
    v: TimelineView,
    seq: Sequence[OverlayItem],
    shown: list[int],
    y: int,
    h: int,
    current: int | None,
) -> None:
    fm = QFontMetrics(p.font())
    apex: list[QLineF] = []
    for i in sorted(shown, key=lambda i: (i == current, _ORDER[seq[i].state])):
        it: OverlayItem = seq[i]
        r = _rect(v, y, h, it)
        colour = QColor(it.colour)
        if it.state is ItemState.REJECTED:
            p.setBrush(KNOCKED_OUT)
            p.setPen(QPen(REJECTED, 1.5, Qt.PenStyle.DashLine))
            p.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5))
        elif it.state is ItemState.ACCEPTED:
            colour.setAlpha(210)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRect(r)
        else:
            fill = QColor(colour)
            fill.setAlpha(45)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill)
            p.drawRect(r)
            p.setBrush(QBrush(colour, Qt.BrushStyle.BDiagPattern))
            p.drawRect(r)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(colour, 1.5))
            p.drawRect(r.adjusted(0.75, 0.75, -0.75, -0.75))
        if it.apex_frame is not None and it.state is not ItemState.REJECTED:
            xa = v.x_of(it.apex_frame + 0.5)
            apex.append(QLineF(xa, r.top() - 2, xa, r.bottom() + 2))
        text = _MARKS.get(it.state, "") + it.label
        room = int(r.width() - 6)
        if text and (room >= 30 or fm.horizontalAdvance(text) <= room):  # never a bare "…"
            p.setPen(DIM if it.state is ItemState.REJECTED else QColor("#ffffff"))
            p.drawText(
                QPointF(r.left() + 3, r.center().y() + fm.ascent() / 2 - 1),
                fm.elidedText(text, Qt.TextElideMode.ElideRight, room),
            )
        if i == current:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(SELECT, 2))
            p.drawRect(r.adjusted(-1, -1, 1, 1))
    if apex:
        p.setPen(QPen(QColor("#ffffff"), 2))
        p.drawLines(apex)


def _paint_lines(
    p: QPainter,
    v: TimelineView,
    seq: Sequence[OverlayItem],
    shown: list[int],
    y: int,
    h: int,
    current: int | None,
) -> None:
    """One line per item at its first frame, with its label (the shot number) beside it
    when there is room before the next line."""
    fm = QFontMetrics(p.font())
    xs = [v.x_of(seq[i].start_frame) for i in shown]
    lines = [QLineF(x, y + 2, x, y + h - 2) for x in xs]
    colour = QColor(seq[shown[0]].colour) if shown else DIM
    p.setPen(QPen(colour, 2))
    p.drawLines(lines)
    for n, i in enumerate(shown):
        it: OverlayItem = seq[i]
        x = xs[n]
        room = (xs[n + 1] if n + 1 < len(xs) else v.width_px) - x - 6
        if it.label:
            for text in (f"shot {it.label}", it.label):
                w = fm.horizontalAdvance(text)
                if w <= room:
                    p.setPen(colour)
                    p.drawText(QPointF(x + 4, y + h / 2 + fm.ascent() / 2 - 1), text)
                    break
        if i == current:
            p.setPen(QPen(SELECT, 3))
            p.drawLine(QPointF(x, y + 1), QPointF(x, y + h - 1))
