"""Emotion during dialogue: a band along the bottom of an emotion lane wherever one of its
events overlaps a dialogue line of the take (the expression-versus-dialogue check), and the
tooltip rows that name the line.

The overlaps come from ``analysis.dialogue.overlap_spans`` over the events in view (the
lane's index) and the take's dialogue lines (``TimelineCache.dialogue_cues``), so the cost
is what is on screen, not the project.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter

from annotator.analysis.dialogue import overlap_spans
from annotator.ui.timeline.cache import TimelineCache
from annotator.ui.timeline.lanes import Lane, LaneKind
from annotator.ui.timeline.view import TimelineView

SPEECH = QColor("#3a8ee6")  # the dialogue colour of the scene breakdown
SPEECH_EDGE = QColor("#cfe5ff")
BAND_PX = 4


def overlaps_in_view(
    v: TimelineView, cache: TimelineCache, lane: Lane
) -> list[tuple[int, int, int, int]]:
    """``(first, last, event id, marker id)`` of the lane's events in view that overlap a
    dialogue line."""
    if lane.kind is not LaneKind.EMOTION:
        return []
    index = cache.indexes.get(lane.key)
    if index is None or not len(index):
        return []
    cues = cache.dialogue_cues()
    if not len(cues):
        return []
    f0, f1 = v.visible_frames()
    rng = index.visible(f0, f1)
    events = (
        (index.onsets[i], index.offsets[i], index.ids[i]) for i in rng if index.offsets[i] >= f0
    )
    return overlap_spans(events, cues)


def band_rects(v: TimelineView, lane: Lane, spans: list[tuple[int, int, int, int]]) -> list[QRectF]:
    """One rectangle per run of overlapping frames, merged where they touch on screen."""
    y = v.y_of_lane(lane) + lane.height_px - BAND_PX - 1
    runs: list[list[float]] = []
    for a, b in sorted((v.x_of(s[0]), v.x_of(s[1] + 1)) for s in spans):
        if runs and a <= runs[-1][1] + 1:
            runs[-1][1] = max(runs[-1][1], b)
        else:
            runs.append([a, b])
    return [QRectF(a, y, max(2.0, b - a), BAND_PX) for a, b in runs]


def paint_dialogue_marks(p: QPainter, v: TimelineView, cache: TimelineCache, lane: Lane) -> None:
    spans = overlaps_in_view(v, cache, lane)
    if not spans:
        return
    rects = band_rects(v, lane, spans)
    p.setPen(SPEECH_EDGE)
    p.setBrush(SPEECH)
    p.drawRects(rects)


def tooltip_rows(cache: TimelineCache, event_id: int) -> str:
    """HTML table rows naming the dialogue lines an emotion event overlaps ("" if none)."""
    e = cache.project.events.get(event_id)
    if e is None or e.media != cache.media_id or e.kind.value != "emotion":
        return ""
    cues = cache.dialogue_cues()
    rows = []
    for first, last, _eid, mid in overlap_spans([(e.onset_frame, e.offset_frame, e.id)], cues):
        m = cache.project.markers.get(mid)
        text = " / ".join(m.text.splitlines()) if m else ""
        if len(text) > 80:
            text = text[:79] + "…"
        rows.append(
            "<tr><td><b>During dialogue</b></td>"
            f"<td>frames {first}–{last}: “{html.escape(text)}”</td></tr>"
        )
    return "".join(rows)
