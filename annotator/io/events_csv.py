"""Events CSV: one row per event, for pandas, R and spreadsheets.

Frames are inclusive and canonical; seconds are derived from the video's real timestamps:
``onset_s``/``apex_s``/``offset_s`` are the presentation times of those frames and
``duration_s`` runs from the start of the onset frame to the end of the offset frame.
Text cells that a spreadsheet would evaluate (starting ``=``, ``+``, ``-``, ``@``, tab, CR)
get a leading single quote; numeric columns are written as plain numbers.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from annotator.io.common import timebases, write_atomic
from annotator.model import Event, EventKind, Project, Timebase
from annotator.model.timebase import scale_of
from annotator.safe_output import safe_cell

COLUMNS: tuple[str, ...] = (
    "event_id", "face", "kind", "label", "au", "intensity", "side", "code",
    "onset_frame", "apex_frame", "offset_frame", "onset_s", "apex_s", "offset_s",
    "duration_frames", "duration_s", "scale", "annotator", "confidence", "note",
)
NUMERIC = frozenset({
    "event_id", "au", "onset_frame", "apex_frame", "offset_frame", "onset_s", "apex_s",
    "offset_s", "duration_frames", "duration_s", "confidence",
})


def _s(x: float) -> float:
    """Seconds rounded to the microsecond: enough for 1000 fps, stable across platforms."""
    return round(x, 6)


def event_row(project: Project, e: Event, tb: Timebase | None = None) -> dict[str, Any]:
    tb = tb or project.timebase(e.media)
    duration = tb.duration_s(e.onset_frame, e.offset_frame)
    code = ""
    if e.kind is EventKind.AU:
        code = e.code or e.au_code
    return {
        "event_id": e.id,
        "face": e.face,
        "kind": e.kind.value,
        "label": e.label,
        "au": e.au if e.kind is EventKind.AU else None,
        "intensity": e.intensity.value if e.intensity else "",
        "side": e.side.value if e.side else "",
        "code": code,
        "onset_frame": e.onset_frame,
        "apex_frame": e.apex_frame,
        "offset_frame": e.offset_frame,
        "onset_s": _s(tb.time_s(e.onset_frame)),
        "apex_s": _s(tb.time_s(e.apex_frame)) if e.apex_frame is not None else None,
        "offset_s": _s(tb.time_s(e.offset_frame)),
        "duration_frames": e.duration_frames,
        "duration_s": _s(duration),
        "scale": scale_of(duration),
        "annotator": e.annotator,
        "confidence": e.confidence,
        "note": e.note,
    }


def ordered_events(project: Project, ids: set[int] | None = None) -> list[Event]:
    """Events by media, onset, face, then id: the order every table export uses."""
    evs = [e for e in project.events.values() if ids is None or e.id in ids]
    return sorted(evs, key=lambda e: (e.media, e.onset_frame, e.face, e.offset_frame, e.id))


def events_csv_text(project: Project) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)  # RFC 4180
    w.writerow(COLUMNS)
    tbs = timebases(project)
    for e in ordered_events(project):
        row = event_row(project, e, tbs.get(e.media))
        w.writerow(
            "" if row[c] is None else (row[c] if c in NUMERIC else safe_cell(str(row[c])))
            for c in COLUMNS
        )
    return buf.getvalue()


def export_events_csv(project: Project, out: str | os.PathLike[str], **_: Any) -> Path:
    return write_atomic(out, events_csv_text(project))
