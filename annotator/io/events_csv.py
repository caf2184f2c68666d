"""Events CSV: one row per event, for pandas, R and spreadsheets.

Frames are inclusive and canonical; seconds are derived from the video's real timestamps:
``onset_s``/``apex_s``/``offset_s`` are the presentation times of those frames and
``duration_s`` runs from the start of the onset frame to the end of the offset frame.
``scale`` is micro or macro by the rule named in ``micro_rule`` (``annotator.model.scale``;
default ``total-0.5s``). ``offset_s`` is the start of the offset frame here and in the
spotting candidates CSV; ``duration_s`` is the one that runs to the offset frame's end.
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
from annotator.io.importing import ImportFileError, ImportPlan, find_face, new_face, read_utf8
from annotator.model import Event, EventKind, Intensity, Project, Side, Timebase
from annotator.model.scale import MicroRule, micro_rule
from annotator.safe_output import safe_cell, unsafe_cell

COLUMNS: tuple[str, ...] = (
    "event_id",
    "face",
    "kind",
    "label",
    "au",
    "intensity",
    "side",
    "code",
    "onset_frame",
    "apex_frame",
    "offset_frame",
    "onset_s",
    "apex_s",
    "offset_s",
    "duration_frames",
    "duration_s",
    "scale",
    "annotator",
    "confidence",
    "note",
    "micro_rule",
)
NUMERIC = frozenset(
    {
        "event_id",
        "au",
        "onset_frame",
        "apex_frame",
        "offset_frame",
        "onset_s",
        "apex_s",
        "offset_s",
        "duration_frames",
        "duration_s",
        "confidence",
    }
)


def _s(x: float) -> float:
    """Seconds rounded to the microsecond: enough for 1000 fps, stable across platforms."""
    return round(x, 6)


def event_row(
    project: Project, e: Event, tb: Timebase | None = None, rule: MicroRule | None = None
) -> dict[str, Any]:
    tb = tb or project.timebase(e.media)
    rule = rule or micro_rule()
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
        "scale": rule.scale(tb, e.onset_frame, e.offset_frame, e.apex_frame),
        "annotator": e.annotator,
        "confidence": e.confidence,
        "note": e.note,
        "micro_rule": rule.name,
    }


def ordered_events(project: Project, ids: set[int] | None = None) -> list[Event]:
    """Events by media, onset, face, then id: the order every table export uses."""
    evs = [e for e in project.events.values() if ids is None or e.id in ids]
    return sorted(evs, key=lambda e: (e.media, e.onset_frame, e.face, e.offset_frame, e.id))


def events_csv_text(project: Project, micro: str | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)  # RFC 4180
    w.writerow(COLUMNS)
    tbs = timebases(project)
    rule = micro_rule(micro)
    for e in ordered_events(project):
        row = event_row(project, e, tbs.get(e.media), rule)
        w.writerow(
            "" if row[c] is None else (row[c] if c in NUMERIC else safe_cell(str(row[c])))
            for c in COLUMNS
        )
    return buf.getvalue()


def export_events_csv(
    project: Project, out: str | os.PathLike[str], *, micro: str | None = None, **_: Any
) -> Path:
    return write_atomic(out, events_csv_text(project, micro))


# ------------------------------------------------------------------ import
def plan_events_csv_import(project: Project, path: Path) -> ImportPlan:
    """Facet's own events CSV back into events: frames are canonical (seconds, durations
    and scales are derived, so they are not read); faces are matched by id or created.
    Exporting what was imported into an empty project gives the same file again."""
    path = Path(path)
    name = path.name
    rows = list(csv.reader(io.StringIO(read_utf8(path))))
    if not rows:
        raise ImportFileError(f"{name}: empty file")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("face", "kind", "onset_frame", "offset_frame") if c not in header]
    if missing:
        raise ImportFileError(
            f"{name}: line 1: not a Facet events CSV (no column {', '.join(missing)})"
        )
    media = project.primary_media
    if media is None:
        raise ImportFileError(f"{name}: the project has no video to put the events on")
    plan = ImportPlan(source=name)
    for i, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        r = {h: unsafe_cell(row[k]) if k < len(row) else "" for k, h in enumerate(header)}
        where = f"{name}: line {i}"
        try:
            kind = EventKind(r["kind"])
        except ValueError:
            raise ImportFileError(
                f"{where}: kind {r['kind']!r}: expected au, emotion or note"
            ) from None

        def number(col: str, cast: Any = int, r: dict[str, str] = r, where: str = where) -> Any:
            v = r.get(col, "").strip()
            if not v:
                return None
            try:
                return cast(v)
            except ValueError:
                raise ImportFileError(f"{where}: {col} {v!r} is not a number") from None

        onset, offset = number("onset_frame"), number("offset_frame")
        if onset is None or offset is None:
            raise ImportFileError(f"{where}: onset_frame and offset_frame are required")
        fid = r["face"].strip()
        face = find_face(project, plan, fid) or new_face(project, plan, fid, fid)
        try:
            intensity = Intensity(r["intensity"]) if r.get("intensity") else None
            side = Side(r["side"]) if r.get("side") else None
        except ValueError as e:
            raise ImportFileError(f"{where}: {e}") from None
        emotion = r.get("label", "") if kind is EventKind.EMOTION else None
        if emotion and emotion not in project.vocabulary.emotions and emotion not in plan.labels:
            plan.labels.append(emotion)
        plan.events.append(
            Event(
                id=number("event_id") or 0,
                face=face.id,
                kind=kind,
                onset_frame=onset,
                offset_frame=offset,
                apex_frame=number("apex_frame"),
                media=media.id,
                au=number("au") if kind is EventKind.AU else None,
                intensity=intensity,
                side=side,
                code=r.get("code", "") if kind is EventKind.AU else "",
                emotion=emotion,
                confidence=number("confidence", float),
                annotator=r.get("annotator", ""),
                note=r.get("note", ""),
            )
        )
    return plan
