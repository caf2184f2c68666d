"""ELAN ``.eaf`` export and import through pympi-ling (``import pympi``).

Export: one tier per face and kind (``A AU``, ``A emotion``, ``A note``; ``PARTICIPANT`` is
the face's name). AU events with the same span become one annotation whose value is the
ascending code string (``6B+12C``); ELAN does not allow overlapping annotations on one
tier, so overlapping spans go to extra tiers ``A AU (2)``, ``A AU (3)``. Times are whole ms
from the real frame timestamps: start of the onset frame to the end of the offset frame.

pympi quirks fixed here (see ``shared/FORMATS.md``): it writes FORMAT 2.8 (we write 3.0 and
the 3.0 schema location), omits ``TIME_UNITS``, names the property ``lastUsedAnnotation``
(ELAN reads ``lastUsedAnnotationId``), guesses MIME types only for a few extensions, and
``to_file`` renames an existing file to ``.bak``; we serialise with ``to_string`` and write
atomically instead. Its parser reports a broken file as a bare ``Exception`` without a
line, so files are checked with ElementTree first to name the line and column.

``TIME_ORIGIN`` is written when the video's first frame is not at 0 (its first PTS), so
ELAN's media time = annotation time + TIME_ORIGIN lands on the same frames.

Import (``eaf_read.py``, ``eaf_import.py``): our own tolerant reader, then a plan of tier
roles and faces the user sees before it is applied.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from annotator.io.common import ExportSource, write_atomic
from annotator.io.eaf_import import DIALOGUE_TIER
from annotator.io.media_link import resolve
from annotator.model import Event, EventKind, Face, MarkerKind, Project, Timebase, parse_code
from annotator.model.facs import normalise

MIME_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/quicktime",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    "webm": "video/webm",
    "mpg": "video/mpeg",
    "mpeg": "video/mpeg",
    "wmv": "video/x-ms-wmv",
    "mts": "video/MP2T",
    "ts": "video/MP2T",
    "wav": "audio/x-wav",
    "mp3": "audio/mpeg",
}
KIND_WORDS = {EventKind.AU: "AU", EventKind.EMOTION: "emotion", EventKind.NOTE: "note"}
LING_TYPES = {EventKind.AU: "facs", EventKind.EMOTION: "emotion-lt", EventKind.NOTE: "note-lt"}


def ms(seconds: float) -> int:
    return round(seconds * 1000)


def event_span_ms(tb: Timebase, e: Event) -> tuple[int, int]:
    start = ms(tb.time_s(e.onset_frame))
    end = ms(tb.end_s(e.offset_frame))
    return start, max(end, start + 1)  # EAF refuses zero-length annotations


def _pack(spans: list[tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
    """Greedy interval partitioning: the fewest tiers with no overlap inside a tier."""
    tiers: list[list[tuple[Any, ...]]] = []
    for span in sorted(spans, key=lambda s: (s[0], s[1], str(s[2]))):
        for tier in tiers:
            if tier[-1][1] <= span[0]:
                tier.append(span)
                break
        else:
            tiers.append([span])
    return tiers


def events_by_face_and_kind(
    project: Project, media_id: str
) -> Iterator[tuple[Face, EventKind, list[Event]]]:
    """Each face's events on ``media_id`` by kind (AU, emotion, note; project order): the
    events of one tier family (``A AU``, ``A AU (2)``...); kinds without events left out."""
    for face in project.faces.values():
        evs = [e for e in project.events.values() if e.face == face.id and e.media == media_id]
        for kind in (EventKind.AU, EventKind.EMOTION, EventKind.NOTE):
            kind_evs = [e for e in evs if e.kind is kind]
            if kind_evs:
                yield face, kind, kind_evs


def annotation_spans(
    events: list[Event], kind: EventKind, span: Callable[[Event], tuple[Any, Any]]
) -> list[tuple[Any, ...]]:
    """``(start, end, label, apex_frame)`` per annotation, times from ``span(event)``: AU
    events with the same span and apex are one annotation whose label is their ascending
    code (``6B+12C``); an emotion or note event is one, labelled with its emotion or note."""
    spans: list[tuple[Any, ...]] = []
    if kind is EventKind.AU:
        groups: dict[tuple[tuple[Any, Any], int | None], list[Event]] = defaultdict(list)
        for e in events:
            groups[(span(e), e.apex_frame)].append(e)
        for ((start, end), apex), group in groups.items():
            units = [parse_code(e.au_code).units[0] for e in group if e.au_code]
            spans.append((start, end, normalise(units), apex))
    else:
        for e in events:
            start, end = span(e)
            label = e.emotion if kind is EventKind.EMOTION else e.note
            spans.append((start, end, label, e.apex_frame))
    return spans


def _media_descriptor(
    project: Project, source: ExportSource | None, out: Path, portable: bool
) -> dict[str, str] | None:
    media = project.primary_media
    if media is None:
        return None
    video = (source.video(media.id) if source else None) or resolve(
        media, source.project_path if source else None
    )
    video = Path(video)
    ext = video.suffix.lower().lstrip(".")
    if portable:
        url, rel = f"file:///{video.name}", f"./{video.name}"
    else:
        absolute = video.resolve()
        url = absolute.as_uri()
        try:
            rel = "./" + Path(os.path.relpath(absolute, out.resolve().parent)).as_posix()
        except ValueError:
            rel = url
    return {
        "MEDIA_URL": url,
        "RELATIVE_MEDIA_URL": rel,
        "MIME_TYPE": MIME_TYPES.get(ext, "unknown"),
    }


def build_eaf(
    project: Project, out: Path, source: ExportSource | None = None, *, portable: bool = False
) -> Any:
    import pympi

    eaf = pympi.Elan.Eaf(author=project.annotator or "Facet")
    eaf.adocument.update(
        {
            "VERSION": "3.0",
            "FORMAT": "3.0",
            "DATE": project.modified,
            "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd",
        }
    )
    eaf.header["TIME_UNITS"] = "milliseconds"
    eaf.remove_tier("default")
    desc = _media_descriptor(project, source, out, portable)
    origin = 0
    if project.primary_media is not None:
        origin = ms(project.timebase(project.primary_media.id).start_s)
    if desc:
        eaf.add_linked_file(
            desc["MEDIA_URL"],
            relpath=desc["RELATIVE_MEDIA_URL"],
            mimetype=desc["MIME_TYPE"],
            time_origin=origin or None,
        )
    eaf.add_language("eng", "http://cdb.iso.org/lg/CDB-00130975-001", "English (eng)")
    eaf.add_controlled_vocabulary("emotion")
    eaf.add_cv_description("emotion", "eng", "Emotion labels of the Facet project")
    for i, label in enumerate(project.vocabulary.emotions):
        eaf.add_cv_entry("emotion", f"cveid{i}", [(label, "eng", None)])
    eaf.add_linguistic_type("facs")
    eaf.linguistic_types["emotion-lt"] = {
        "LINGUISTIC_TYPE_ID": "emotion-lt",
        "TIME_ALIGNABLE": "true",
        "GRAPHIC_REFERENCES": "false",
        "CONTROLLED_VOCABULARY_REF": "emotion",
    }
    eaf.add_linguistic_type("note-lt")
    eaf.add_linguistic_type("apex-lt", constraints="Included_In")
    eaf.remove_linguistic_type("default-lt")

    media_id = project.primary_media.id if project.primary_media else "m1"
    tb = project.timebase(media_id)
    for face, kind, kind_evs in events_by_face_and_kind(project, media_id):
        spans = annotation_spans(kind_evs, kind, lambda e: event_span_ms(tb, e))
        annotators = sorted({e.annotator for e in kind_evs if e.annotator})
        for n, tier_spans in enumerate(_pack(spans), start=1):
            tier_id = f"{face.id} {KIND_WORDS[kind]}" + (f" ({n})" if n > 1 else "")
            eaf.add_tier(
                tier_id,
                ling=LING_TYPES[kind],
                part=face.name,
                ann=", ".join(annotators) or project.annotator or None,
            )
            for start, end, value, _apex in tier_spans:
                eaf.add_annotation(tier_id, start, end, value or "")
            apexes = [
                (ms(tb.time_s(a)), ms(tb.end_s(a)), v)
                for _s, _e, v, a in tier_spans
                if a is not None
            ]
            if apexes:  # EAF has no points: an apex is its frame's span, on a child tier
                eaf.add_tier(f"{tier_id} apex", ling="apex-lt", parent=tier_id, part=face.name)
                for start, end, value in apexes:
                    eaf.add_annotation(f"{tier_id} apex", start, max(end, start + 1), value or "")
    dialogue = [
        m for m in project.markers.values() if m.kind is MarkerKind.DIALOGUE and m.media == media_id
    ]
    marks = [(ms(tb.time_s(m.start_frame)), ms(tb.end_s(m.end_frame)), m.text) for m in dialogue]
    for n, tier_spans in enumerate(_pack(marks), start=1):
        tier_id = DIALOGUE_TIER + (f" ({n})" if n > 1 else "")
        eaf.add_tier(tier_id, ling=LING_TYPES[EventKind.NOTE])
        for start, end, text in tier_spans:
            eaf.add_annotation(tier_id, start, max(end, start + 1), text)
    eaf.properties = [("lastUsedAnnotationId", eaf.maxaid if eaf.annotations else 0)]
    return eaf


def eaf_text(
    project: Project, out: Path, source: ExportSource | None = None, *, portable: bool = False
) -> str:
    import pympi

    eaf = build_eaf(project, out, source, portable=portable)
    body: str = pympi.Elan.to_string(eaf)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def export_eaf(
    project: Project,
    out: str | os.PathLike[str],
    *,
    source: ExportSource | None = None,
    portable: bool = False,
    **_: Any,
) -> Path:
    out = Path(out)
    return write_atomic(out, eaf_text(project, out, source, portable=portable), newline="\n")


# ------------------------------------------------------------------ import
# The reader and the import plan live in eaf_read.py and eaf_import.py; these names stay here.
from annotator.io.eaf_import import (  # noqa: E402  re-exported old names
    EafOptions,
    is_facs,
    plan_eaf_import,
    tier_kind,
)

__all__ = ["EafOptions", "eaf_text", "export_eaf", "is_facs", "plan_eaf_import", "tier_kind"]
