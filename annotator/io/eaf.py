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

Import: tiers map to faces by ``PARTICIPANT`` (matched against face ids and names), else
by the tier name without its kind word; values that parse as FACS codes become one AU
event per AU (raw code kept), other values emotions (known labels, or any value on an
``emotion`` tier) or notes. Milliseconds go back to frames with ``Timebase.index_at``,
half a millisecond inside the span, so EAF -> project -> EAF keeps every frame.
"""

from __future__ import annotations

import dataclasses
import os
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from annotator.io.common import ExportSource, write_atomic
from annotator.io.importing import ImportFileError, ImportPlan, find_face, new_face
from annotator.io.media_link import resolve
from annotator.model import Event, EventKind, Marker, MarkerKind, Project, Timebase, parse_code
from annotator.model.entities import DEFAULT_EMOTIONS
from annotator.model.facs import normalise

MIME_TYPES = {
    "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime",
    "mkv": "video/x-matroska", "avi": "video/x-msvideo", "webm": "video/webm",
    "mpg": "video/mpeg", "mpeg": "video/mpeg", "wmv": "video/x-ms-wmv",
    "mts": "video/MP2T", "ts": "video/MP2T", "wav": "audio/x-wav", "mp3": "audio/mpeg",
}
_APEX_RE = re.compile(r"(?:^|[\s/_\-:.|])apex(?:\s*\(\d+\))?\s*$", re.IGNORECASE)
DIALOGUE_TIER = "dialogue"  # dialogue markers (imported subtitles) travel on this tier
KIND_WORDS = {EventKind.AU: "AU", EventKind.EMOTION: "emotion", EventKind.NOTE: "note"}
LING_TYPES = {EventKind.AU: "facs", EventKind.EMOTION: "emotion-lt", EventKind.NOTE: "note-lt"}
#: Labels recognised as emotions on tiers that do not say what they hold.
KNOWN_EMOTIONS = frozenset(DEFAULT_EMOTIONS) | {"repression", "others", "positive", "negative"}
_HALF_MS = 0.00051  # half a millisecond (ms rounding) plus a margin for float noise


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


def _media_descriptor(project: Project, source: ExportSource | None, out: Path,
                      portable: bool) -> dict[str, str] | None:
    media = project.primary_media
    if media is None:
        return None
    video = (source.video(media.id) if source else None) or resolve(
        media, source.project_path if source else None)
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
    return {"MEDIA_URL": url, "RELATIVE_MEDIA_URL": rel,
            "MIME_TYPE": MIME_TYPES.get(ext, "unknown")}


def build_eaf(project: Project, out: Path, source: ExportSource | None = None, *,
              portable: bool = False) -> Any:
    import pympi

    eaf = pympi.Elan.Eaf(author=project.annotator or "Facet")
    eaf.adocument.update({
        "VERSION": "3.0", "FORMAT": "3.0", "DATE": project.modified,
        "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd",
    })
    eaf.header["TIME_UNITS"] = "milliseconds"
    eaf.remove_tier("default")
    desc = _media_descriptor(project, source, out, portable)
    if desc:
        eaf.add_linked_file(desc["MEDIA_URL"], relpath=desc["RELATIVE_MEDIA_URL"],
                            mimetype=desc["MIME_TYPE"])
    eaf.add_language("eng", "http://cdb.iso.org/lg/CDB-00130975-001", "English (eng)")
    eaf.add_controlled_vocabulary("emotion")
    eaf.add_cv_description("emotion", "eng", "Emotion labels of the Facet project")
    for i, label in enumerate(project.vocabulary.emotions):
        eaf.add_cv_entry("emotion", f"cveid{i}", [(label, "eng", None)])
    eaf.add_linguistic_type("facs")
    eaf.linguistic_types["emotion-lt"] = {
        "LINGUISTIC_TYPE_ID": "emotion-lt", "TIME_ALIGNABLE": "true",
        "GRAPHIC_REFERENCES": "false", "CONTROLLED_VOCABULARY_REF": "emotion"}
    eaf.add_linguistic_type("note-lt")
    eaf.add_linguistic_type("apex-lt", constraints="Included_In")
    eaf.remove_linguistic_type("default-lt")

    media_id = project.primary_media.id if project.primary_media else "m1"
    tb = project.timebase(media_id)
    for face in project.faces.values():
        evs = [e for e in project.events.values() if e.face == face.id and e.media == media_id]
        for kind in (EventKind.AU, EventKind.EMOTION, EventKind.NOTE):
            kind_evs = [e for e in evs if e.kind is kind]
            if not kind_evs:
                continue
            spans: list[tuple[Any, ...]] = []
            if kind is EventKind.AU:
                groups: dict[tuple[tuple[int, int], int | None], list[Event]] = defaultdict(list)
                for e in kind_evs:
                    groups[(event_span_ms(tb, e), e.apex_frame)].append(e)
                for ((start, end), apex), group in groups.items():
                    units = [parse_code(e.au_code).units[0] for e in group if e.au_code]
                    spans.append((start, end, normalise(units), apex))
            else:
                for e in kind_evs:
                    start, end = event_span_ms(tb, e)
                    spans.append((start, end, e.emotion if kind is EventKind.EMOTION else e.note,
                                  e.apex_frame))
            annotators = sorted({e.annotator for e in kind_evs if e.annotator})
            for n, tier_spans in enumerate(_pack(spans), start=1):
                tier_id = f"{face.id} {KIND_WORDS[kind]}" + (f" ({n})" if n > 1 else "")
                eaf.add_tier(tier_id, ling=LING_TYPES[kind], part=face.name,
                             ann=", ".join(annotators) or project.annotator or None)
                for start, end, value, _apex in tier_spans:
                    eaf.add_annotation(tier_id, start, end, value or "")
                apexes = [(ms(tb.time_s(a)), ms(tb.end_s(a)), v) for _s, _e, v, a in tier_spans
                          if a is not None]
                if apexes:  # EAF has no points: an apex is its frame's span, on a child tier
                    eaf.add_tier(f"{tier_id} apex", ling="apex-lt", parent=tier_id,
                                 part=face.name)
                    for start, end, value in apexes:
                        eaf.add_annotation(f"{tier_id} apex", start, max(end, start + 1),
                                           value or "")
    dialogue = [m for m in project.markers.values()
                if m.kind is MarkerKind.DIALOGUE and m.media == media_id]
    marks = [(ms(tb.time_s(m.start_frame)), ms(tb.end_s(m.end_frame)), m.text) for m in dialogue]
    for n, tier_spans in enumerate(_pack(marks), start=1):
        tier_id = DIALOGUE_TIER + (f" ({n})" if n > 1 else "")
        eaf.add_tier(tier_id, ling=LING_TYPES[EventKind.NOTE])
        for start, end, text in tier_spans:
            eaf.add_annotation(tier_id, start, max(end, start + 1), text)
    eaf.properties = [("lastUsedAnnotationId", eaf.maxaid if eaf.annotations else 0)]
    return eaf


def eaf_text(project: Project, out: Path, source: ExportSource | None = None, *,
             portable: bool = False) -> str:
    import pympi

    eaf = build_eaf(project, out, source, portable=portable)
    body = pympi.Elan.to_string(eaf)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def export_eaf(project: Project, out: str | os.PathLike[str], *,
               source: ExportSource | None = None, portable: bool = False, **_: Any) -> Path:
    out = Path(out)
    return write_atomic(out, eaf_text(project, out, source, portable=portable), newline="\n")


# ------------------------------------------------------------------ import
def _check_xml(path: Path) -> None:
    """Well-formedness first, so a broken file is reported with its line and column."""
    name = path.name
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line, col = e.position
        what = str(e).split(":")[0]
        if "no element found" in what:
            what = "file ends too early (truncated?)"
        elif "unclosed token" in what:
            what = "file ends inside a tag (truncated?)"
        elif "invalid token" in what:
            what = "invalid character or markup (not UTF-8 text, or not XML)"
        else:
            what = f"not well-formed XML ({what})"
        raise ImportFileError(f"{name}: line {line} column {col + 1}: {what}") from None
    if root.tag != "ANNOTATION_DOCUMENT":
        raise ImportFileError(f"{name}: <{root.tag}>: not an ELAN file "
                              "(the root element must be ANNOTATION_DOCUMENT)")


_KIND_RE = re.compile(r"(?:^|[\s/_\-:.|])(au|aus|facs|emotions?|notes?|comments?)"
                      r"(?:\s*\(\d+\))?\s*$", re.IGNORECASE)


def tier_kind(tier_id: str) -> tuple[str, EventKind | None]:
    """``("A", AU)`` for ``A AU``, ``face1/AU``, ``A AU (2)``; ``(tier_id, None)`` otherwise."""
    m = _KIND_RE.search(tier_id)
    if not m:
        return tier_id.strip(), None
    word = m.group(1).lower()
    prefix = tier_id[: m.start()].strip(" /_-:.|")
    kind = (EventKind.AU if word in ("au", "aus", "facs")
            else EventKind.EMOTION if word.startswith("emotion") else EventKind.NOTE)
    return prefix or tier_id.strip(), kind


def is_facs(value: str) -> bool:
    parsed = parse_code(value)
    return bool(parsed.units) and not any(w.startswith("ignored text") for w in parsed.warnings)


def _annotations(eaf: Any, tier_id: str) -> list[tuple[str, int | None, int | None, str]]:
    """``(annotation id, start ms, end ms, value)``; ref annotations take their parent's span."""
    align, ref = eaf.tiers[tier_id][0], eaf.tiers[tier_id][1]
    out = []
    for aid, (ts1, ts2, value, _svg) in align.items():
        out.append((aid, eaf.timeslots.get(ts1), eaf.timeslots.get(ts2), value or ""))
    for aid, (ref_id, value, _prev, _svg) in ref.items():
        try:
            ts1, ts2, _v, _s = eaf.get_parent_aligned_annotation(ref_id)
            out.append((aid, eaf.timeslots.get(ts1), eaf.timeslots.get(ts2), value or ""))
        except (KeyError, IndexError, TypeError):
            out.append((aid, None, None, value or ""))
    return out


def plan_eaf_import(project: Project, path: Path, media_id: str | None = None) -> ImportPlan:
    import pympi

    path = Path(path)
    name = path.name
    _check_xml(path)
    try:
        eaf = pympi.Elan.Eaf(str(path), suppress_version_warning=True)
    except Exception as e:  # noqa: BLE001 - pympi raises bare Exception and KeyError
        raise ImportFileError(f"{name}: not a readable ELAN file ({type(e).__name__}: {e})") \
            from None
    plan = ImportPlan(source=name)
    mid = media_id or (project.primary_media.id if project.primary_media else "m1")
    if mid not in project.media:
        raise ImportFileError(f"{name}: the project has no video to put the events on")
    tb = project.timebase(mid)
    total_ms = tb.duration_total_s * 1000
    vocab = {v.casefold(): v for v in project.vocabulary.emotions}
    known = {v.casefold(): v for v in KNOWN_EMOTIONS} | vocab
    unaligned = 0
    apexes: list[tuple[str, int, str]] = []
    for tier_id in sorted(eaf.tiers, key=lambda t: eaf.tiers[t][3]):
        attrs = eaf.tiers[tier_id][2]
        prefix, kind_hint = tier_kind(tier_id)
        participant = (attrs.get("PARTICIPANT") or "").strip()
        annotator = (attrs.get("ANNOTATOR") or "").strip()
        anns = _annotations(eaf, tier_id)
        if not anns:
            continue
        apex_tier = _APEX_RE.search(tier_id)
        if apex_tier:  # "A AU apex" (child of "A AU") or "A apex"
            prefix = tier_kind(tier_id[: apex_tier.start()].strip(" /_-:.|"))[0] or prefix
        is_dialogue = re.fullmatch(rf"{DIALOGUE_TIER}(?:\s*\(\d+\))?", tier_id.strip(),
                                   re.IGNORECASE) is not None
        face = None if is_dialogue else (
            (find_face(project, plan, participant) if participant else None)
            or find_face(project, plan, prefix)
            or new_face(project, plan, prefix, participant or prefix))
        for aid, start, end, value in sorted(anns, key=lambda a: (a[1] or 0, a[0])):
            where = f"{name}: TIER {tier_id!r} ANNOTATION {aid}"
            if start is None or end is None:
                unaligned += 1
                continue
            if start < 0 or end < start:
                raise ImportFileError(f"{where}: bad time span {start}-{end} ms")
            if start >= total_ms or end > total_ms + 1.5:
                raise ImportFileError(
                    f"{where}: {start}-{end} ms is outside the video (0-{total_ms:.0f} ms)")
            onset = tb.index_at(start / 1000 + _HALF_MS)
            offset = max(onset, tb.index_at(end / 1000 - _HALF_MS))
            value = value.strip()
            if apex_tier:
                apexes.append((face.id, onset, value))  # type: ignore[union-attr]
                continue
            if face is None:  # the dialogue tier
                plan.markers.append(Marker(id=0, kind=MarkerKind.DIALOGUE, start_frame=onset,
                                           end_frame=offset, media=mid, text=value,
                                           author=annotator))
                continue
            base = {"face": face.id, "onset_frame": onset, "offset_frame": offset,
                    "media": mid, "annotator": annotator}
            if kind_hint is not EventKind.NOTE and kind_hint is not EventKind.EMOTION \
                    and is_facs(value):
                parsed = parse_code(value)
                plan.warnings.extend(f"{where}: {w}" for w in parsed.warnings)
                for u in parsed.units:
                    plan.events.append(Event(id=0, kind=EventKind.AU, au=u.number,
                                             intensity=u.intensity, side=u.side, code=value,
                                             **base))
            elif value.casefold() in known or (kind_hint is EventKind.EMOTION and value):
                label = known.get(value.casefold(), value)
                if label not in project.vocabulary.emotions and label not in plan.labels:
                    plan.labels.append(label)
                plan.events.append(Event(id=0, kind=EventKind.EMOTION, emotion=label, **base))
            else:
                if kind_hint is EventKind.AU and value:
                    plan.warnings.append(f"{where}: {value!r} is not a FACS code: kept as a note")
                plan.events.append(Event(id=0, kind=EventKind.NOTE, note=value, **base))
    _set_apexes(plan, apexes)
    if unaligned:
        plan.warnings.append(f"{name}: {unaligned} annotations without times were skipped")
    return plan


def _set_apexes(plan: ImportPlan, apexes: list[tuple[str, int, str]]) -> None:
    """Apex tiers: each short annotation marks the apex of the events of the same face and
    value whose span holds it."""
    for face, frame, value in apexes:
        hits = [i for i, e in enumerate(plan.events)
                if e.face == face and e.apex_frame is None
                and e.onset_frame <= frame <= e.offset_frame
                and value == (e.code if e.kind is EventKind.AU else e.emotion or e.note)]
        if not hits:
            plan.warnings.append(f"{plan.source}: apex at frame {frame} ({value!r}) matches no "
                                 f"event of face {face}: ignored")
        for i in hits:
            plan.events[i] = dataclasses.replace(plan.events[i], apex_frame=frame)
