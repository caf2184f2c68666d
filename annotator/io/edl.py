"""Markers for editors: a CSV with timecodes and a CMX3600 EDL with marker comments.

Editors bring review notes into their NLE as markers. CMX3600 has no marker record, so
each marker is written as a one-event cut on the record timeline at the marker's frames,
followed by the comment lines editors' tools read back: ``* FROM CLIP NAME:``,
``* LOC: <timecode> <colour> <name>`` (Avid and Resolve turn it into a marker) and
``* COMMENT:`` (Premiere and others show it as the event's note). Timecodes come from the
frame index (SMPTE, drop-frame with ``;`` at 29.97 and 59.94, ``FCM: DROP FRAME``); the
record out point is exclusive, as in every EDL.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

from annotator.io.common import ExportSource, media_name, write_atomic
from annotator.model import Marker, MarkerKind, Project
from annotator.model.timecode import frame_to_smpte, is_drop_frame
from annotator.safe_output import safe_cell

CSV_COLUMNS = (
    "id",
    "kind",
    "media",
    "start_frame",
    "end_frame",
    "start_tc",
    "end_tc",
    "start_s",
    "duration_s",
    "author",
    "text",
    "shapes",
)

#: Marker colour per kind, using names Avid and Resolve both accept on ``* LOC:`` lines.
LOC_COLOURS = {
    MarkerKind.NOTE: "YELLOW",
    MarkerKind.DIALOGUE: "BLUE",
    MarkerKind.CUT: "RED",
    MarkerKind.MARKER: "GREEN",
}

MAX_EDL_EVENTS = 999  # CMX3600 event numbers have three digits


def editor_markers(project: Project, media: str | None = None) -> list[Marker]:
    """Markers of one media (all when ``None``) in timeline order."""
    return sorted(
        (m for m in project.markers.values() if media is None or m.media == media),
        key=lambda m: (m.media, m.start_frame, m.end_frame, m.id),
    )


def _one_line(text: str, limit: int | None = None) -> str:
    """EDL lines are single lines of plain ASCII (older NLEs read nothing else): collapse
    whitespace, transliterate accents (``é`` -> ``e``), drop what has no ASCII form."""
    line = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    line = "".join(ch if ch.isprintable() else " " for ch in line)
    line = re.sub(r"\s+", " ", line).strip()
    return line[:limit] if limit else line


def markers_csv(project: Project, media: str | None = None) -> str:
    """One row per marker: frames, SMPTE timecodes, seconds from real timestamps, text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for m in editor_markers(project, media):
        fps = project.media[m.media].fps if m.media in project.media else 25
        tb = project.timebase(m.media)
        w.writerow(
            [
                m.id,
                m.kind.value,
                safe_cell(m.media),
                m.start_frame,
                m.end_frame,
                frame_to_smpte(m.start_frame, fps),
                frame_to_smpte(m.end_frame, fps),
                f"{tb.time_s(m.start_frame):.6f}",
                f"{tb.duration_s(m.start_frame, m.end_frame):.6f}",
                safe_cell(m.author),
                safe_cell(m.text),
                len(m.drawing),
            ]
        )
    return buf.getvalue()


def edl_text(
    project: Project, media: str | None = None, *, title: str | None = None, reel: str = "AX"
) -> str:
    """A CMX3600 EDL of ``media``'s markers (default: the primary video)."""
    m = project.media.get(media) if media else project.primary_media
    if m is None:
        raise ValueError("the project has no video to take timecodes from")
    fps = m.fps
    drop = is_drop_frame(fps)
    markers = editor_markers(project, m.id)
    if len(markers) > MAX_EDL_EVENTS:
        raise ValueError(
            f"{len(markers)} markers: a CMX3600 EDL holds at most "
            f"{MAX_EDL_EVENTS} events; export markers-csv instead"
        )
    clip = _one_line(media_name(project, m.id))
    lines = [
        f"TITLE: {_one_line(title or project.title, 70) or 'Facet markers'}",
        f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}",
        "",
    ]
    for n, mk in enumerate(markers, start=1):
        tc_in = frame_to_smpte(mk.start_frame, fps)
        tc_out = frame_to_smpte(mk.end_frame + 1, fps)
        reel_ = _one_line(reel, 8) or "AX"
        lines.append(f"{n:03d}  {reel_:<8} {'V':<5} {'C':<8} {tc_in} {tc_out} {tc_in} {tc_out}")
        lines.append(f"* FROM CLIP NAME: {clip}")
        name = _one_line(mk.text) or mk.kind.value
        lines.append(f"* LOC: {tc_in} {LOC_COLOURS[mk.kind]:<7} {name}")
        comment = f"{mk.kind.value}"
        if mk.author:
            comment += f" by {_one_line(mk.author)}"
        if mk.text:
            comment += f": {_one_line(mk.text)}"
        lines.append(f"* COMMENT: {comment}")
        lines.append("")
    return "\r\n".join(lines)


def export_markers_csv(
    project: Project, out: str | os.PathLike[str], *, source: ExportSource | None = None, **_: Any
) -> Path:
    return write_atomic(Path(out), markers_csv(project))


def export_edl(
    project: Project, out: str | os.PathLike[str], *, source: ExportSource | None = None, **_: Any
) -> Path:
    return write_atomic(Path(out), edl_text(project), encoding="ascii", newline="")
