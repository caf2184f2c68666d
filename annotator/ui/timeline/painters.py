"""One small painter per layer, run in a fixed order in one QPainter (OpenShot ``paint/``).

Order: lanes, events (bars, apex ticks, badges), previews, selection, ruler, playhead,
labels. Painters read the cached geometry and the project; they never change either.
Zoomed out, a lane with more bars than pixels is drawn as a coverage profile instead of
bar by bar, which keeps 100,000 events inside the frame budget.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QImage, QPainter, QPen

from annotator.model.entities import Event, EventKind
from annotator.model.project import Project
from annotator.model.timebase import MICRO_MAX_S, Timebase
from annotator.ui.timeline.cache import TimelineCache, face_key
from annotator.ui.timeline.curve_lane import paint_curve
from annotator.ui.timeline.dialogue_marks import paint_dialogue_marks
from annotator.ui.timeline.drag import Span
from annotator.ui.timeline.lanes import Lane, LaneIndex, LaneKey, LaneKind, coverage_depth
from annotator.ui.timeline.overlay_paint import paint_overlay
from annotator.ui.timeline.ruler import ticks
from annotator.ui.timeline.view import HEADER_PX, RULER_PX, TimelineView
from annotator.ui.timeline.waveform_lane import paint_waveform

BG = QColor("#1d1e22")
LANE_A = QColor("#25272c")
LANE_B = QColor("#2a2c32")
FACE_ROW = QColor("#33363d")
HEADER_BG = QColor("#2b2d33")
RULER_BG = QColor("#31343b")
TEXT = QColor("#d9dbe0")
DIM_TEXT = QColor("#9aa0aa")
SELECT = QColor("#ffe14d")
DUPLICATE = QColor("#ff4d4d")
PLAYHEAD = QColor("#ff3b30")
LOOP = QColor("#34c759")
LOOP_BAND = QColor(52, 199, 89, 110)
MICRO = QColor("#4de1ff")
LANE_SELECTED = QColor(255, 225, 77, 28)
INTENSITY_ALPHA = {None: 150, "A": 90, "B": 130, "C": 170, "D": 210, "E": 250}
BARS_PER_PX_LIMIT = 0.125  # more candidates than width/8 in a lane: draw coverage instead


@dataclass(slots=True)
class PaintContext:
    view: TimelineView
    cache: TimelineCache
    project: Project
    selected: Collection[int] = ()
    selected_lane: LaneKey | None = None
    hover: int | None = None
    preview: dict[int, Span] = field(default_factory=dict)
    create_span: tuple[LaneKey, int, int] | None = None  # lane, onset, offset while dragging
    pending: tuple[LaneKey, int, int | None, int] | None = None  # lane, onset, apex, offset
    playhead: int = 0
    timecode: Callable[[int], str] = str
    timebase: Timebase | None = None
    font: QFont = field(default_factory=QFont)
    loop: tuple[int | None, int | None] = (None, None)  # A-B loop frames (inclusive)


def paint_all(p: QPainter, ctx: PaintContext) -> None:
    p.fillRect(0, 0, ctx.view.width_px, ctx.view.height_px, BG)
    lanes = ctx.view.visible_lanes()
    p.save()
    p.setClipRect(QRectF(HEADER_PX, RULER_PX, ctx.view.track_width_px, ctx.view.height_px))
    paint_lanes(p, ctx, lanes)
    for lane in lanes:
        paint_lane_events(p, ctx, lane)
        if lane.kind is LaneKind.EMOTION:
            paint_dialogue_marks(p, ctx.view, ctx.cache, lane)
    paint_previews(p, ctx)
    p.restore()
    paint_headers(p, ctx, lanes)
    paint_ruler(p, ctx)
    paint_playhead(p, ctx)


def paint_lanes(p: QPainter, ctx: PaintContext, lanes: list[Lane]) -> None:
    v = ctx.view
    for i, lane in enumerate(lanes):
        y = v.y_of_lane(lane)
        colour = FACE_ROW if lane.kind is LaneKind.FACE else (LANE_A if i % 2 else LANE_B)
        p.fillRect(QRectF(HEADER_PX, y, v.track_width_px, lane.height_px), colour)
        if lane.key == ctx.selected_lane:
            p.fillRect(QRectF(HEADER_PX, y, v.track_width_px, lane.height_px), LANE_SELECTED)
    # frames past the end of the video are not part of it
    x_end = v.x_of(v.frame_count)
    if x_end < v.width_px:
        p.fillRect(QRectF(x_end, RULER_PX, v.width_px - x_end, v.height_px), QColor(0, 0, 0, 90))


def _bar_rect(v: TimelineView, y: float, h: float, on: int, off: int) -> QRectF:
    x0 = v.x_of(on)
    x1 = v.x_of(off + 1)
    return QRectF(x0, y + 3, max(1.0, x1 - x0 - (1 if x1 - x0 > 3 else 0)), h - 6)


def paint_lane_events(p: QPainter, ctx: PaintContext, lane: Lane) -> None:
    v, cache = ctx.view, ctx.cache
    if ctx.timebase is None:
        ctx.timebase = cache.timebase()
    if lane.kind is LaneKind.CURVE:
        p.setFont(ctx.font)
        paint_curve(p, v, lane, cache.curves)
        return
    if lane.kind is LaneKind.WAVEFORM:
        p.setFont(ctx.font)
        paint_waveform(p, v, lane, cache.waveform, ctx.timebase)
        return
    key = face_key(lane.face) if lane.kind is LaneKind.FACE else lane.key
    index = cache.indexes.get(key)
    if index is None or not len(index):
        return
    f0, f1 = v.visible_frames()
    rng = index.visible(f0, f1)
    if lane.kind is LaneKind.OVERLAY:
        source = cache.overlays.get(lane.key)
        if source is not None:
            p.setFont(ctx.font)
            paint_overlay(p, v, lane, source, index, rng)
        return
    y = v.y_of_lane(lane)
    base = QColor(lane.colour if lane.kind is not LaneKind.MARKERS else "#c9a227")
    if lane.kind is LaneKind.FACE or len(rng) > v.track_width_px * BARS_PER_PX_LIMIT:
        _paint_coverage(p, v, index, rng, y, lane.height_px, base)
        return
    if lane.kind is LaneKind.MARKERS:
        _paint_markers(p, ctx, index, rng, y, lane.height_px, base)
        return
    events = ctx.project.events
    # micro (<= 0.5 s) by frame count where the rate settles it; timestamps only near the edge
    fps = float(ctx.timebase.fps) or 25.0
    micro_sure = int(MICRO_MAX_S * fps * 0.9)
    micro_maybe = int(MICRO_MAX_S * fps * 1.1) + 1
    by_alpha: dict[int, list[QRectF]] = {}
    micro_rects: list[QRectF] = []
    apex_lines: list[QLineF] = []
    labelled: list[tuple[QRectF, Event]] = []
    hidden = ctx.preview
    for i in rng:
        if index.offsets[i] < f0:
            continue
        eid = index.ids[i]
        if eid in hidden:
            continue
        e = events[eid]
        r = _bar_rect(v, y, lane.height_px, e.onset_frame, e.offset_frame)
        alpha = INTENSITY_ALPHA[e.intensity.value if e.intensity else None]
        by_alpha.setdefault(alpha, []).append(r)
        n = e.offset_frame - e.onset_frame + 1
        if n <= micro_sure or (
            n <= micro_maybe
            and ctx.timebase.duration_s(e.onset_frame, e.offset_frame) <= MICRO_MAX_S + 1e-6
        ):
            micro_rects.append(r)
        if e.apex_frame is not None:
            xa = v.x_of(e.apex_frame + 0.5)
            apex_lines.append(QLineF(xa, r.top() - 2, xa, r.bottom() + 2))
        if r.width() >= 22 or eid in ctx.selected or eid in cache.duplicates:
            labelled.append((r, e))
    p.setPen(Qt.PenStyle.NoPen)
    for alpha, rects in by_alpha.items():
        c = QColor(base)
        c.setAlpha(alpha)
        p.setBrush(c)
        p.drawRects(rects)
    if micro_rects:
        p.setBrush(QBrush(QColor(77, 225, 255, 150), Qt.BrushStyle.BDiagPattern))
        p.drawRects(micro_rects)
        p.setBrush(MICRO)
        p.drawRects([QRectF(r.left(), r.top(), r.width(), 2) for r in micro_rects])
    if apex_lines:
        p.setPen(QPen(QColor("#ffffff"), 2))
        p.drawLines(apex_lines)
    _paint_bar_details(p, ctx, labelled)


def _paint_bar_details(p: QPainter, ctx: PaintContext, bars: list[tuple[QRectF, Event]]) -> None:
    """Intensity letter, side badge, text label, duplicate flag and selection outline."""
    fm = QFontMetrics(ctx.font)
    p.setFont(ctx.font)
    widths: dict[str, int] = {}
    for r, e in bars:
        left = max(r.left(), float(HEADER_PX))  # keep labels readable when the bar starts off view
        x = left + 3
        if e.side is not None and r.right() - left >= 16:
            badge = QRectF(left + 2, r.top() + 2, 11, r.height() - 4)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#f5f5f5"))
            p.drawRoundedRect(badge, 2, 2)
            p.setPen(QColor("#111111"))
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, e.side.value)
            x = badge.right() + 3
        text = _bar_text(e)
        room = r.right() - x - 2
        if text and room > 8:
            w = widths.get(text)
            if w is None:
                w = widths[text] = fm.horizontalAdvance(text)
            if w > room:  # eliding is costly: only for the few labels that do not fit
                text = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(room))
            p.setPen(QColor("#ffffff"))
            p.drawText(QPointF(x, r.center().y() + fm.ascent() / 2 - 1), text)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if e.id in ctx.cache.duplicates:
            p.setPen(QPen(DUPLICATE, 2, Qt.PenStyle.DashLine))
            p.drawRect(r.adjusted(1, 1, -1, -1))
        if e.id in ctx.selected:
            p.setPen(QPen(SELECT, 2))
            p.drawRect(r.adjusted(-1, -1, 1, 1))
        elif e.id == ctx.hover:
            p.setPen(QPen(QColor(255, 255, 255, 160), 1))
            p.drawRect(r)


def _bar_text(e: Event) -> str:
    if e.kind is EventKind.AU:
        inten = e.intensity.value if e.intensity else ""
        return f"{e.au}{inten}"
    if e.kind is EventKind.EMOTION:
        return e.emotion or ""
    return e.note


def _paint_coverage(
    p: QPainter, v: TimelineView, index: LaneIndex, rng: range, y: int, h: int, base: QColor
) -> None:
    """Zoomed out: one image row per lane, alpha by how many events cover each pixel."""
    depth = coverage_depth(index, rng, v.left_frame, v.px_per_frame, v.track_width_px)
    alpha = np.where(depth > 0, np.minimum(250, 110 + 45 * (depth - 1)), 0).astype(np.uint32)
    if not alpha.any():
        return
    r, g, b = base.red(), base.green(), base.blue()
    argb = (
        (alpha << 24) | ((r * alpha // 255) << 16) | ((g * alpha // 255) << 8) | (b * alpha // 255)
    )
    row = np.ascontiguousarray(argb, dtype=np.uint32)
    img = QImage(row.tobytes(), len(row), 1, QImage.Format.Format_ARGB32_Premultiplied)
    p.drawImage(QRectF(HEADER_PX, y + 4, len(row), h - 8), img)


def _paint_markers(
    p: QPainter,
    ctx: PaintContext,
    index,
    rng: range,
    y: int,
    h: int,  # type: ignore[no-untyped-def]
    base: QColor,
) -> None:
    v = ctx.view
    p.setFont(ctx.font)
    for i in rng:
        m = ctx.project.markers.get(index.ids[i])
        if m is None:
            continue
        x0, x1 = v.x_of(m.start_frame), v.x_of(m.end_frame + 1)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(base)
        p.drawRect(QRectF(x0, y + 3, max(2.0, x1 - x0), h - 6))
        if m.text and x1 - x0 > 20:
            p.setPen(QColor("#111111"))
            p.drawText(QRectF(x0 + 3, y, x1 - x0 - 4, h), Qt.AlignmentFlag.AlignVCenter, m.text)


def paint_previews(p: QPainter, ctx: PaintContext) -> None:
    """Dragged bars where they would land, the bar being drawn, and the pending mark."""
    v = ctx.view
    pen = QPen(SELECT, 1.5, Qt.PenStyle.DashLine)
    for eid, (on, ap, off) in ctx.preview.items():
        e = ctx.project.events.get(eid)
        lane = ctx.cache.lane(e.lane_key) if e else None
        if lane is None:
            continue
        r = _bar_rect(v, v.y_of_lane(lane), lane.height_px, on, off)
        fill = QColor(lane.colour)
        fill.setAlpha(200)
        p.setPen(pen)
        p.setBrush(fill)
        p.drawRect(r)
        if ap is not None:
            xa = v.x_of(ap + 0.5)
            p.setPen(QPen(QColor("#ffffff"), 2))
            p.drawLine(QPointF(xa, r.top() - 2), QPointF(xa, r.bottom() + 2))
        _paint_frame_label(p, ctx, r, f"{on}–{off}")
    for spec in (ctx.create_span, ctx.pending and (ctx.pending[0], ctx.pending[1], ctx.pending[3])):
        if not spec:
            continue
        key, on, off = spec
        lane = ctx.cache.lane(key)
        if lane is None:
            continue
        r = _bar_rect(v, v.y_of_lane(lane), lane.height_px, min(on, off), max(on, off))
        p.setPen(QPen(SELECT, 1.5, Qt.PenStyle.DashLine))
        p.setBrush(QColor(255, 225, 77, 60))
        p.drawRect(r)
        _paint_frame_label(p, ctx, r, f"{min(on, off)}–{max(on, off)}")
    if ctx.pending and ctx.pending[2] is not None:
        lane = ctx.cache.lane(ctx.pending[0])
        if lane is not None:
            xa = v.x_of(ctx.pending[2] + 0.5)
            y = v.y_of_lane(lane)
            p.setPen(QPen(SELECT, 2))
            p.drawLine(QPointF(xa, y + 1), QPointF(xa, y + lane.height_px - 1))


def _paint_frame_label(p: QPainter, ctx: PaintContext, r: QRectF, text: str) -> None:
    fm = QFontMetrics(ctx.font)
    w = fm.horizontalAdvance(text) + 8
    box = QRectF(r.left(), r.top() - fm.height() - 2, w, fm.height() + 2)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 200))
    p.drawRect(box)
    p.setPen(SELECT)
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def paint_headers(p: QPainter, ctx: PaintContext, lanes: list[Lane]) -> None:
    v = ctx.view
    p.fillRect(QRectF(0, RULER_PX, HEADER_PX, v.height_px), HEADER_BG)
    p.setFont(ctx.font)
    fm = QFontMetrics(ctx.font)
    for lane in lanes:
        y = v.y_of_lane(lane)
        rect = QRectF(0, y, HEADER_PX, lane.height_px)
        if lane.kind is LaneKind.FACE:
            p.fillRect(rect, FACE_ROW)
            p.fillRect(QRectF(0, y, 5, lane.height_px), QColor(lane.colour))
            arrow = "▸" if lane.face in ctx.cache.collapsed else "▾"
            count = ctx.cache.event_count(lane.face)
            label = f"{arrow} {lane.label}  ({count})"
            p.setPen(TEXT)
        else:
            p.fillRect(QRectF(0, y, 3, lane.height_px), QColor(lane.colour))
            label = lane.label
            bright = (LaneKind.AU, LaneKind.OVERLAY, LaneKind.WAVEFORM)
            p.setPen(TEXT if lane.kind in bright else DIM_TEXT)
        if lane.key == ctx.selected_lane:
            p.fillRect(rect, QColor(255, 225, 77, 60))
        top_rows = (LaneKind.FACE, LaneKind.MARKERS, LaneKind.OVERLAY, LaneKind.WAVEFORM)
        indent = 10 if lane.kind in top_rows else 18
        p.drawText(
            rect.adjusted(indent, 0, -4, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            fm.elidedText(label, Qt.TextElideMode.ElideRight, HEADER_PX - indent - 6),
        )
    p.setPen(QColor("#15161a"))
    p.drawLine(HEADER_PX - 1, RULER_PX, HEADER_PX - 1, v.height_px)


def paint_ruler(p: QPainter, ctx: PaintContext) -> None:
    v = ctx.view
    p.fillRect(QRectF(0, 0, v.width_px, RULER_PX), RULER_BG)
    f0, f1 = v.visible_frames()
    p.setFont(ctx.font)
    p.save()
    p.setClipRect(QRectF(HEADER_PX, 0, v.track_width_px, RULER_PX))
    major_lines: list[QLineF] = []
    minor_lines: list[QLineF] = []
    for t in ticks(f0, f1 + 1, v.px_per_frame, v.fps):
        x = v.x_of(t.frame)
        if t.major:
            major_lines.append(QLineF(x, RULER_PX - 12, x, RULER_PX))
            if t.label:
                p.setPen(TEXT)
                p.drawText(QPointF(x + 3, RULER_PX - 14), t.label)
        else:
            minor_lines.append(QLineF(x, RULER_PX - 5, x, RULER_PX))
    p.setPen(QPen(DIM_TEXT, 1))
    p.drawLines(minor_lines)
    p.setPen(QPen(TEXT, 1))
    p.drawLines(major_lines)
    paint_loop(p, ctx)
    p.restore()
    # corner: current frame and timecode
    p.fillRect(QRectF(0, 0, HEADER_PX, RULER_PX), QColor("#23252a"))
    p.setPen(TEXT)
    p.drawText(
        QRectF(8, 0, HEADER_PX - 10, RULER_PX),
        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
        f"frame {ctx.playhead}   {ctx.timecode(ctx.playhead)}",
    )


def paint_loop(p: QPainter, ctx: PaintContext) -> None:
    """The A-B loop on the ruler: a band from the start of A to the end of B, and a flag at
    each end that is set (one end alone shows its flag only)."""
    a, b = ctx.loop
    if a is None and b is None:
        return
    v = ctx.view
    if a is not None and b is not None:
        x0, x1 = v.x_of(a), v.x_of(b + 1)
        p.fillRect(QRectF(x0, RULER_PX - 8, max(x1 - x0, 1.0), 8), LOOP_BAND)
    fm = QFontMetrics(ctx.font)
    for frame, label, right in ((a, "A", False), (b, "B", True)):
        if frame is None:
            continue
        x = v.x_of(frame + 1) if right else v.x_of(frame)
        p.setPen(QPen(LOOP, 2))
        p.drawLine(QPointF(x, 0), QPointF(x, RULER_PX))
        w = fm.horizontalAdvance(label) + 6
        box = QRectF(x - w if right else x, RULER_PX - fm.height() - 9, w, fm.height())
        p.fillRect(box, LOOP)
        p.setPen(QColor("#000000"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)


def paint_playhead(p: QPainter, ctx: PaintContext) -> None:
    v = ctx.view
    x = v.x_of(ctx.playhead)
    if x < HEADER_PX - 1 or x > v.width_px:
        return
    w = v.px_per_frame
    if w >= 4:  # the whole current frame, so "which frame" is never ambiguous
        p.fillRect(QRectF(x, RULER_PX, w, v.height_px), QColor(255, 59, 48, 40))
    p.setPen(QPen(PLAYHEAD, 1.5))
    p.drawLine(QPointF(x, 0), QPointF(x, v.height_px))
    # the exact frame under the playhead, on the ruler: scrubbing always shows where it is
    fm = QFontMetrics(ctx.font)
    text = str(ctx.playhead)
    box = QRectF(x + max(w, 1.0) + 1, 1, fm.horizontalAdvance(text) + 8, fm.height() + 2)
    if box.right() > v.width_px:
        box.moveRight(x - 1)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(PLAYHEAD)
    p.drawRoundedRect(box, 3, 3)
    p.setPen(QColor("#ffffff"))
    p.setFont(ctx.font)
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
