"""Hover text for a timeline bar: every field of the event, frames with their timecode;
shorter lines for markers and overlay items."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from annotator.model.entities import EventKind
from annotator.model.facs import au_label, au_name
from annotator.model.project import Project
from annotator.ui.timeline.lanes import LaneKind
from annotator.ui.timeline.view import Hit

if TYPE_CHECKING:
    from annotator.ui.timeline.canvas import TimelineCanvas


def hover_text(canvas: TimelineCanvas, hit: Hit) -> str:
    """What the tooltip says over ``hit``: an event, a marker or an overlay item; "" hides."""
    if hit.lane is not None and hit.lane.kind is LaneKind.WAVEFORM:
        from annotator.ui.timeline.waveform_lane import tooltip as audio_tooltip

        return audio_tooltip(canvas.cache.waveform, hit.frame, canvas.cache.timebase())
    if hit.event_id is None or hit.lane is None:
        return ""
    if hit.lane.kind is LaneKind.OVERLAY:
        from annotator.ui.timeline.overlay_input import tooltip

        return tooltip(canvas, hit)
    if hit.lane.kind is LaneKind.MARKERS:
        m = canvas.project.markers.get(hit.event_id)
        return f"{m.kind.value} {m.start_frame}–{m.end_frame}: {m.text}" if m else ""
    text = canvas.describe(hit.event_id)
    if hit.lane.kind is LaneKind.EMOTION and text.endswith("</table>"):
        from annotator.ui.timeline.dialogue_marks import tooltip_rows

        text = text[: -len("</table>")] + tooltip_rows(canvas.cache, hit.event_id) + "</table>"
    return text


def describe_event(
    project: Project, event_id: int, tc: Callable[[int], str], duplicate: bool = False
) -> str:
    e = project.events[event_id]
    face = project.faces.get(e.face)
    what = f"{au_label(e.au)} {au_name(e.au)}" if e.au is not None else e.describe()
    rows = [
        ("Event", f"#{e.id} {what} ({e.kind.value})"),
        ("Face", face.name if face else e.face),
        ("Onset", f"{e.onset_frame}  ({tc(e.onset_frame)})"),
        ("Apex", "—" if e.apex_frame is None else f"{e.apex_frame}  ({tc(e.apex_frame)})"),
        ("Offset", f"{e.offset_frame}  ({tc(e.offset_frame)})"),
        (
            "Duration",
            (f"{e.duration_frames} frames, {project.duration_s(e):.3f} s ({project.scale(e)})"),
        ),
    ]
    if e.kind is EventKind.AU:
        rows += [
            ("Intensity", e.intensity.value if e.intensity else "unrated"),
            ("Side", e.side.value if e.side else "both"),
            ("Code", e.code or e.au_code),
        ]
    if e.confidence is not None:
        rows.append(("Confidence", f"{e.confidence:.2f}"))
    if e.annotator:
        rows.append(("Annotator", e.annotator))
    if e.note:
        rows.append(("Note", e.note))
    if duplicate:
        rows.append(("⚠", "overlaps another event of the same AU on this face"))
    body = "".join(
        f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in rows
    )
    return f"<table>{body}</table>"
