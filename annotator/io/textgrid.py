"""Praat TextGrid export (long text format), through praatio (maintained, MIT).

Tiers as in the ELAN export: one interval tier per face and kind (``A AU``, ``A emotion``,
``A note``), AU events with one span joined into their ascending code string, overlapping
spans on extra tiers ``A AU (2)`` (a Praat interval tier cannot hold overlaps), gaps filled
with empty intervals as Praat expects; apexes as point tiers ``A AU apex`` (Praat has
points, unlike ELAN); dialogue markers on ``dialogue``. Times are seconds from the real
frame timestamps: start of the onset frame to the end of the offset frame, apex points at
the start of the apex frame; xmax is the end of the last frame.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from annotator.io.common import write_atomic
from annotator.io.eaf import KIND_WORDS, _pack, annotation_spans, events_by_face_and_kind
from annotator.model import Event, MarkerKind, Project


def _r(x: float) -> float:
    return round(x, 6)


def textgrid_text(project: Project) -> str:
    from praatio import textgrid

    media = project.primary_media
    mid = media.id if media else "m1"
    tb = project.timebase(mid)
    end_all = _r(tb.duration_total_s)
    tg = textgrid.Textgrid(0, end_all)

    def span(e: Event) -> tuple[float, float]:
        return _r(tb.time_s(e.onset_frame)), _r(tb.end_s(e.offset_frame))

    for face, kind, kind_evs in events_by_face_and_kind(project, mid):
        spans = [
            (s, t, label or "", a) for s, t, label, a in annotation_spans(kind_evs, kind, span)
        ]
        for n, tier_spans in enumerate(_pack(spans), start=1):
            name = f"{face.id} {KIND_WORDS[kind]}" + (f" ({n})" if n > 1 else "")
            tg.addTier(
                textgrid.IntervalTier(name, [(s, e, v) for s, e, v, _a in tier_spans], 0, end_all)
            )
            points = sorted({(_r(tb.time_s(a)), v) for _s, _e, v, a in tier_spans if a is not None})
            if points:
                tg.addTier(textgrid.PointTier(f"{name} apex", points, 0, end_all))
    dialogue = [
        (_r(tb.time_s(m.start_frame)), _r(tb.end_s(m.end_frame)), m.text)
        for m in project.markers.values()
        if m.kind is MarkerKind.DIALOGUE and m.media == mid
    ]
    for n, tier_spans in enumerate(_pack(dialogue), start=1):
        tg.addTier(
            textgrid.IntervalTier("dialogue" + (f" ({n})" if n > 1 else ""), tier_spans, 0, end_all)
        )
    with tempfile.TemporaryDirectory(prefix="facet-tg-") as tmp:  # save() is praatio's API
        path = Path(tmp) / "x.TextGrid"
        tg.save(
            str(path),
            "long_textgrid",
            includeBlankSpaces=True,
            minimumIntervalLength=None,
            reportingMode="silence",
        )
        return path.read_text("utf-8")


def export_textgrid(project: Project, out: str | os.PathLike[str], **_: Any) -> Path:
    return write_atomic(Path(out), textgrid_text(project), newline="\n")
