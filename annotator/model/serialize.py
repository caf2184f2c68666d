"""Project <-> plain JSON-ready dicts, and migration of older schema versions.

Validation against ``schemas/project.schema.json`` happens in ``annotator.io.project_file``
before these functions see the data, so here a malformed document is a programming error.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from annotator.model.entities import (
    Curve,
    Event,
    EventKind,
    Face,
    FaceBox,
    Marker,
    MarkerKind,
    Media,
    Shape,
    Vocabulary,
)
from annotator.model.facs import Intensity, Side
from annotator.model.project import SCHEMA_VERSION, Project
from annotator.model.team import (
    TeamInfo,
    dispute_from_dict,
    dispute_to_dict,
    provenance_from_dict,
    provenance_to_dict,
)


def fraction_str(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


def parse_fraction(text: str | float) -> Fraction:
    if isinstance(text, str):
        return Fraction(text)
    return Fraction(text).limit_denominator(100000)


def _opt(d: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "" and value != ():
        d[key] = value


def event_to_dict(e: Event) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": e.id,
        "face": e.face,
        "media": e.media,
        "kind": e.kind.value,
        "onset_frame": e.onset_frame,
        "apex_frame": e.apex_frame,
        "offset_frame": e.offset_frame,
    }
    if e.kind is EventKind.AU:
        d["au"] = e.au
        d["intensity"] = e.intensity.value if e.intensity else None
        d["side"] = e.side.value if e.side else None
        d["code"] = e.code
    _opt(d, "emotion", e.emotion)
    _opt(d, "confidence", e.confidence)
    _opt(d, "annotator", e.annotator)
    _opt(d, "note", e.note)
    if e.provenance is not None:
        d["provenance"] = provenance_to_dict(e.provenance)
    return d


_KINDS = {k.value: k for k in EventKind}
_INTENSITIES: dict[Any, Intensity | None] = {i.value: i for i in Intensity}
_SIDES: dict[Any, Side | None] = {s.value: s for s in Side}


def event_from_dict(d: dict[str, Any]) -> Event:
    # Plain dict lookups instead of Enum(value) calls: loading 100,000 events stays fast.
    return Event(
        id=int(d["id"]),
        face=d["face"],
        kind=_KINDS[d["kind"]],
        onset_frame=int(d["onset_frame"]),
        offset_frame=int(d["offset_frame"]),
        apex_frame=d.get("apex_frame"),
        media=d.get("media", "m1"),
        au=d.get("au"),
        intensity=_INTENSITIES.get(d.get("intensity")),
        side=_SIDES.get(d.get("side")),
        code=d.get("code", ""),
        emotion=d.get("emotion"),
        confidence=d.get("confidence"),
        annotator=d.get("annotator", ""),
        note=d.get("note", ""),
        provenance=provenance_from_dict(d["provenance"]) if "provenance" in d else None,
    )


def _vocabulary_dict(v: Vocabulary) -> dict[str, Any]:
    d: dict[str, Any] = {"emotions": list(v.emotions)}
    _opt(d, "aus", list(v.aus) or None)
    _opt(d, "colours", dict(v.colours) or None)
    _opt(d, "code_hotkeys", dict(v.code_hotkeys) or None)
    return d


def project_to_dict(p: Project, with_events: bool = True) -> dict[str, Any]:
    """``with_events=False``: ``"events"`` is left empty (the saver encodes them in chunks)."""
    d = _project_dict(p, with_events)
    if p.team is not None:
        d["team"] = p.team.as_dict()
    if p.disputes:
        d["disputes"] = [
            dispute_to_dict(x, event_to_dict)
            for x in sorted(p.disputes.values(), key=lambda x: x.id)
        ]
    return d


def _project_dict(p: Project, with_events: bool = True) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "title": p.title,
        "annotator": p.annotator,
        "created": p.created,
        "modified": p.modified,
        "media": [
            {
                "id": m.id,
                "path": m.path,
                "sha256": m.sha256,
                "width": m.width,
                "height": m.height,
                "frame_count": m.frame_count,
                "fps": fraction_str(m.fps),
                "codec": m.codec,
                "vfr": m.vfr,
                **({"sync_frame": m.sync_frame} if m.sync_frame is not None else {}),
                **({"landmarks": m.landmarks} if m.landmarks else {}),
            }
            for m in p.media.values()
        ],
        "faces": [
            {
                "id": f.id,
                "name": f.name,
                "colour": f.colour,
                "boxes": [
                    {
                        "media": b.media,
                        "frame": b.frame,
                        "x": b.x,
                        "y": b.y,
                        "w": b.w,
                        "h": b.h,
                        **({"source": b.source} if b.source else {}),
                    }
                    for b in f.boxes
                ],
            }
            for f in p.faces.values()
        ],
        "vocabulary": _vocabulary_dict(p.vocabulary),
        "events": [event_to_dict(e) for e in sorted(p.events.values(), key=lambda e: e.id)]
        if with_events
        else [],
        "markers": [
            {
                "id": m.id,
                "kind": m.kind.value,
                "media": m.media,
                "start_frame": m.start_frame,
                "end_frame": m.end_frame,
                "text": m.text,
                "author": m.author,
                "drawing": [
                    {"type": s.type, "points": [list(pt) for pt in s.points], "colour": s.colour}
                    for s in m.drawing
                ],
            }
            for m in sorted(p.markers.values(), key=lambda m: m.id)
        ],
        "curves": [
            {
                "face": c.face,
                "media": c.media,
                "name": c.name,
                "start_frame": c.start_frame,
                "values": list(c.values),
                "source": c.source,
            }
            for c in p.curves
        ],
    }


def project_from_dict(d: dict[str, Any], events: dict[int, Event] | None = None) -> Project:
    """Build a project from a schema-valid, migrated document, without emitting signals.

    ``events``: already built from ``d["events"]`` (the loader builds them in the same pass
    that checks them)."""
    p = Project(title=d.get("title", "Untitled"), annotator=d.get("annotator", ""))
    p.created = d.get("created", p.created)
    p.modified = d.get("modified", p.modified)
    for m in d.get("media", []):
        p.media[m["id"]] = Media(
            id=m["id"],
            path=m["path"],
            sha256=m.get("sha256", ""),
            width=m.get("width", 0),
            height=m.get("height", 0),
            frame_count=m.get("frame_count", 0),
            fps=parse_fraction(m.get("fps", "25/1")),
            codec=m.get("codec", ""),
            vfr=m.get("vfr", False),
            sync_frame=m.get("sync_frame"),
            landmarks=m.get("landmarks", ""),
        )
    for f in d.get("faces", []):
        boxes = tuple(FaceBox(**b) for b in f.get("boxes", []))
        p.faces[f["id"]] = Face(f["id"], f.get("name", f["id"]), f.get("colour", "#e6553a"), boxes)
    v = d.get("vocabulary", {})
    p.vocabulary = Vocabulary(
        list(v.get("emotions", Vocabulary().emotions)),
        [int(a) for a in v.get("aus", [])],
        dict(v.get("colours", {})),
        dict(v.get("code_hotkeys", {})),
    )
    if events is not None:
        p.events = events
    else:
        for e in d.get("events", []):
            ev = event_from_dict(e)
            p.events[ev.id] = ev
    for m in d.get("markers", []):
        drawing = tuple(
            Shape(s["type"], tuple(tuple(pt) for pt in s["points"]), s.get("colour", "#ffcc00"))
            for s in m.get("drawing", [])
        )
        mk = Marker(
            id=m["id"],
            kind=MarkerKind(m["kind"]),
            start_frame=m["start_frame"],
            end_frame=m["end_frame"],
            media=m.get("media", "m1"),
            text=m.get("text", ""),
            author=m.get("author", ""),
            drawing=drawing,
        )
        p.markers[mk.id] = mk
    for c in d.get("curves", []):
        p.curves.append(
            Curve(
                c["face"],
                c["name"],
                c["start_frame"],
                tuple(c["values"]),
                c.get("media", "m1"),
                c.get("source", ""),
            )
        )
    if "team" in d:
        p.team = TeamInfo.from_dict(d["team"])
    for x in d.get("disputes", []):
        dispute = dispute_from_dict(x, event_from_dict)
        p.disputes[dispute.id] = dispute
    return p


def migrate(d: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Bring an older document up to ``SCHEMA_VERSION``; returns it and what was changed."""
    notes: list[str] = []
    version = d.get("schema_version", 1)
    if version == 1:
        # v1 stored fps as a float and events had no media: the one video was implicit.
        d = dict(d)
        media = [dict(m) for m in d.get("media", [])]
        for i, m in enumerate(media):
            m.setdefault("id", f"m{i + 1}")
            if not isinstance(m.get("fps", "25/1"), str):
                m["fps"] = fraction_str(parse_fraction(m["fps"]))
        d["media"] = media
        first = media[0]["id"] if media else "m1"
        d["events"] = [{**e, "media": e.get("media", first)} for e in d.get("events", [])]
        d.setdefault("markers", [])
        d.setdefault("curves", [])
        d["schema_version"] = 2
        notes.append("migrated from schema version 1 to 2")
        version = 2
    return d, notes
