"""ELAN import as a plan the user sees first: each tier gets a role and a face.

:func:`propose` reads the document's tiers and proposes, per tier, a *role* (``au``,
``emotion``, ``note``, ``marker``, ``dialogue``, ``apex`` or ``skip``) and the face its
events go on; the CLI prints the proposal with ``--dry-run``, the GUI shows it in a dialog
where both can be changed; :func:`plan_from_choices` then turns it into an
:class:`ImportPlan`.

Defaults, so that gaze or gesture codes (``1``, ``2``) and word tokens (``001``) never turn
into AU events unless mapped:

- ``au`` only for tiers whose id or linguistic type names FACS or AU (``A AU``,
  ``face1/AU``, type ``facs``), or whose values are all FACS codes written with an AU prefix
  (``AU6+AU12``); ``--au-tiers PATTERN`` replaces that rule;
- ``emotion`` for tiers that name emotions, or whose values are all known emotion labels;
- ``apex`` for child tiers named ``... apex`` (Facet's own export); ``dialogue`` for the
  ``dialogue`` tier; ``skip`` for ``--skip-tiers PATTERN``; ``note`` otherwise.

Faces: ``--faces-from participant`` (default) takes the tier's ``PARTICIPANT`` (a child
tier without one inherits its parent's), else the top tier's name without its kind word;
``--faces-from tier`` ignores participants. Existing faces are matched by id or name.

Times: media milliseconds (``TIME_ORIGIN`` added by the reader) minus the video's first
frame time, then frames half-open: an annotation ``[start, end)`` holds the frames whose
middle lies in it (``Timebase.frames_in``), so contiguous segments stay contiguous.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from annotator.io.eaf_read import EafDocument, EafTier, read_eaf
from annotator.io.importing import ImportFileError, ImportPlan, find_face, new_face
from annotator.model import Event, EventKind, Marker, MarkerKind, Project, parse_code
from annotator.model.entities import DEFAULT_EMOTIONS, au_events

ROLES = ("au", "emotion", "note", "marker", "dialogue", "apex", "skip")
FACES_FROM = ("participant", "tier")
DIALOGUE_TIER = "dialogue"
KNOWN_EMOTIONS = frozenset(DEFAULT_EMOTIONS) | {"repression", "positive", "negative"}
_APEX_RE = re.compile(r"(?:^|[\s/_\-:.|])apex(?:\s*\(\d+\))?\s*$", re.IGNORECASE)
_KIND_RE = re.compile(
    r"(?:^|[\s/_\-:.|])(au|aus|facs|emotions?|notes?|comments?)"
    r"(?:\s*\(\d+\))?\s*$",
    re.IGNORECASE,
)
_NAMES_FACS = re.compile(r"(?:^|[^a-z0-9])(au|aus|facs)(?:[^a-z0-9]|$)", re.IGNORECASE)
_NAMES_EMOTION = re.compile(r"emotion", re.IGNORECASE)
_AU_PREFIXED = re.compile(
    r"\s*(?:[LRTBUA]?\s*AU\s*\d{1,2}[A-E]?\s*(?:[+,;]\s*|\s+|$))+", re.IGNORECASE
)


def tier_kind(tier_id: str) -> tuple[str, EventKind | None]:
    """``("A", AU)`` for ``A AU``, ``face1/AU``, ``A AU (2)``; ``(tier_id, None)`` otherwise."""
    m = _KIND_RE.search(tier_id)
    if not m:
        return tier_id.strip(), None
    word = m.group(1).lower()
    prefix = tier_id[: m.start()].strip(" /_-:.|")
    kind = (
        EventKind.AU
        if word in ("au", "aus", "facs")
        else EventKind.EMOTION
        if word.startswith("emotion")
        else EventKind.NOTE
    )
    return prefix or tier_id.strip(), kind


def is_facs(value: str) -> bool:
    parsed = parse_code(value)
    return bool(parsed.units) and not any(w.startswith("ignored text") for w in parsed.warnings)


@dataclass
class EafOptions:
    faces_from: str = "participant"
    au_tiers: str | None = None  # regular expression searched in the tier id
    skip_tiers: str | None = None
    roles: dict[str, str] = field(default_factory=dict)  # tier id -> role (user's choice)
    faces: dict[str, str] = field(default_factory=dict)  # tier id -> face id or name


@dataclass
class TierChoice:
    """One row of the import plan: what a tier becomes."""

    tier: str
    role: str
    face: str  # face id or name the events go on ("" for dialogue, marker, skip)
    reason: str
    annotations: int
    participant: str = ""
    linguistic_type: str = ""
    parent: str | None = None
    constraint: str = ""
    values: tuple[str, ...] = ()  # a few distinct values, for the user to judge
    face_id: str = ""  # id for a new face (the top tier's name); "": from ``face``

    def line(self) -> str:
        where = (
            f" -> face {self.face}"
            if self.face and self.role not in ("skip", "dialogue", "marker")
            else ""
        )
        sample = ", ".join(repr(v) for v in self.values[:4])
        return (
            f"tier {self.tier!r} ({self.annotations} annotations"
            + (f"; {sample}" if sample else "")
            + f"): {self.role}{where} [{self.reason}]"
        )


def _pattern(text: str | None, what: str) -> re.Pattern[str] | None:
    if not text:
        return None
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as e:
        raise ValueError(f"{what} {text!r}: not a regular expression ({e})") from None


def _values(tier: EafTier) -> list[str]:
    return [a.value.strip() for a in tier.annotations if a.value.strip()]


def _default_role(
    doc: EafDocument,
    tier: EafTier,
    au: re.Pattern[str] | None,
    skip: re.Pattern[str] | None,
    known: set[str],
) -> tuple[str, str]:
    values = _values(tier)
    if skip is not None and skip.search(tier.id):
        return "skip", "matches --skip-tiers"
    if _APEX_RE.search(tier.id) and (tier.parent or len(tier.id.split()) > 1):
        return "apex", "apex tier"
    if re.fullmatch(rf"{DIALOGUE_TIER}(?:\s*\(\d+\))?", tier.id.strip(), re.IGNORECASE):
        return "dialogue", "dialogue tier"
    if au is not None:
        if au.search(tier.id):
            return "au", "matches --au-tiers"
    elif _NAMES_FACS.search(tier.id) or _NAMES_FACS.search(tier.linguistic_type):
        return "au", "tier or type names FACS/AU"
    elif values and all(_AU_PREFIXED.fullmatch(v) and is_facs(v) for v in values):
        return "au", "every value is an AU-prefixed FACS code"
    if _NAMES_EMOTION.search(tier.id) or _NAMES_EMOTION.search(tier.linguistic_type):
        return "emotion", "tier or type names emotion"
    if values and all(v.casefold() in known for v in values):
        return "emotion", "every value is an emotion label"
    if values and all(is_facs(v) for v in values):
        return "note", "values look like numbers or codes, but the tier does not say FACS/AU"
    return "note", "default"


def _face_label(doc: EafDocument, tier: EafTier, faces_from: str) -> str:
    """Participant (inherited from the parent chain), else the top tier's name."""
    if faces_from == "participant":
        t: EafTier | None = tier
        seen: set[str] = set()
        while t is not None and t.id not in seen:
            if t.participant:
                return t.participant
            seen.add(t.id)
            t = doc.tiers.get(t.parent) if t.parent else None
    root = doc.root_of(tier.id)
    if root.face_id:
        return root.face_id
    name = root.id
    m = _APEX_RE.search(name)
    if m:
        name = name[: m.start()]
    return tier_kind(name.strip(" /_-:.|") or root.id)[0]


def propose(
    doc: EafDocument, project: Project, options: EafOptions | None = None
) -> list[TierChoice]:
    opts = options or EafOptions()
    if opts.faces_from not in FACES_FROM:
        raise ValueError(f"--faces-from {opts.faces_from!r}: use participant or tier")
    au = _pattern(opts.au_tiers, "--au-tiers")
    skip = _pattern(opts.skip_tiers, "--skip-tiers")
    known = {v.casefold() for v in KNOWN_EMOTIONS} | {
        v.casefold() for v in project.vocabulary.emotions
    }
    out = []
    for tier in doc.tiers.values():
        role, reason = _default_role(doc, tier, au, skip, known)
        if tier.id in opts.roles:
            role, reason = opts.roles[tier.id], "chosen"
            if role not in ROLES:
                raise ValueError(f"tier {tier.id!r}: role {role!r}: use one of {', '.join(ROLES)}")
        face = opts.faces.get(tier.id) or (
            ""
            if role in ("dialogue", "marker", "skip")
            else _face_label(doc, tier, opts.faces_from)
        )
        face_id = opts.faces.get(tier.id) or _face_label(doc, tier, "tier")
        out.append(
            TierChoice(
                tier.id,
                role,
                face,
                reason,
                len(tier.annotations),
                tier.participant,
                tier.linguistic_type,
                tier.parent,
                tier.constraint,
                tuple(dict.fromkeys(_values(tier)))[:6],
                face_id if face else "",
            )
        )
    return out


class _AnnotationEvent(TypedDict):
    """The Event fields one ELAN annotation gives each of its events."""

    face: str
    onset_frame: int
    offset_frame: int
    media: str
    annotator: str


def plan_from_choices(
    project: Project, doc: EafDocument, choices: list[TierChoice], media_id: str | None = None
) -> ImportPlan:
    name = doc.name
    plan = ImportPlan(source=name)
    mid = media_id or (project.primary_media.id if project.primary_media else "m1")
    if mid not in project.media:
        raise ImportFileError(f"{name}: the project has no video to put the events on")
    tb = project.timebase(mid)
    shift_ms = tb.start_s * 1000  # media time of frame 0
    total_ms = tb.duration_total_s * 1000
    known = {v.casefold(): v for v in KNOWN_EMOTIONS} | {
        v.casefold(): v for v in project.vocabulary.emotions
    }
    made: dict[tuple[str, str], list[int]] = defaultdict(list)  # (tier, ann id) -> events
    untimed = 0
    apex_rows = []
    faces: dict[tuple[str, str], str] = {}
    by_tier = {c.tier: c for c in choices}
    for choice in choices:
        if choice.role == "skip" or choice.tier not in doc.tiers:
            continue
        tier = doc.tiers[choice.tier]
        face_id = ""
        if choice.role in ("au", "emotion", "note", "apex"):
            key = choice.face or tier.id
            fid = choice.face_id or key
            if (key, fid) not in faces:
                face = (
                    find_face(project, plan, key)
                    or find_face(project, plan, fid)
                    or new_face(project, plan, fid, key)
                )
                faces[(key, fid)] = face.id
            face_id = faces[(key, fid)]
        plan.mapping.append(choice.line())
        for ann in sorted(tier.annotations, key=lambda a: (a.start_ms or 0, a.id)):
            where = f"{name}: TIER {tier.id!r} ANNOTATION {ann.id}"
            if ann.start_ms is None or ann.end_ms is None:
                untimed += 1
                continue
            start, end = ann.start_ms - shift_ms, ann.end_ms - shift_ms
            if end < start:
                raise ImportFileError(
                    f"{where}: bad time span {ann.start_ms:.0f}-{ann.end_ms:.0f} ms"
                )
            if start < -0.5 or start >= total_ms or end > total_ms + 1.5:
                raise ImportFileError(
                    f"{where}: {start:.0f}-{end:.0f} ms is outside the video (0-{total_ms:.0f} ms)"
                )
            onset, offset = tb.frames_in(max(start, 0) / 1000, end / 1000)
            value = ann.value.strip()
            if choice.role == "apex":
                apex_rows.append((tier, face_id, onset, start, end, value))
                continue
            if choice.role in ("dialogue", "marker"):
                kind = MarkerKind.DIALOGUE if choice.role == "dialogue" else MarkerKind.MARKER
                plan.markers.append(
                    Marker(
                        id=0,
                        kind=kind,
                        start_frame=onset,
                        end_frame=offset,
                        media=mid,
                        text=value,
                        author=tier.annotator,
                    )
                )
                continue
            base: _AnnotationEvent = {
                "face": face_id,
                "onset_frame": onset,
                "offset_frame": offset,
                "media": mid,
                "annotator": tier.annotator,
            }
            idx = made[(tier.id, ann.id)]
            if choice.role == "au" and is_facs(value):
                parsed = parse_code(value)
                plan.warnings.extend(f"{where}: {w}" for w in parsed.warnings)
                for event in au_events(value, parsed.units, **base):
                    idx.append(len(plan.events))
                    plan.events.append(event)
            elif choice.role == "emotion" and value:
                label = known.get(value.casefold(), value)
                if label not in project.vocabulary.emotions and label not in plan.labels:
                    plan.labels.append(label)
                idx.append(len(plan.events))
                plan.events.append(Event(id=0, kind=EventKind.EMOTION, emotion=label, **base))
            else:
                if choice.role == "au" and value:
                    plan.warnings.append(f"{where}: {value!r} is not a FACS code: kept as a note")
                idx.append(len(plan.events))
                plan.events.append(Event(id=0, kind=EventKind.NOTE, note=value, **base))
    _set_apexes(plan, doc, by_tier, made, apex_rows, shift_ms)
    if untimed:
        plan.warnings.append(
            f"{name}: {untimed} annotations have no time (no aligned slot around them): skipped"
        )
    return plan


def _set_apexes(
    plan: ImportPlan,
    doc: EafDocument,
    choices: dict[str, TierChoice],
    made: dict[tuple[str, str], list[int]],
    rows: list,  # type: ignore[type-arg]
    shift: float,
) -> None:
    """An apex annotation marks the apex of the events made from the parent-tier annotation
    that holds it (exact even when same-AU events overlap: one tier holds no overlaps);
    without a parent tier, the events of the same face and value whose span holds it."""
    for tier, face, frame, start, end, value in rows:
        hits: list[int] = []
        parent = doc.tiers.get(tier.parent) if tier.parent else None
        if (
            parent is not None
            and choices.get(parent.id)
            and choices[parent.id].role not in ("skip", "apex")
        ):
            centre = (start + end) / 2 + shift
            for ann in parent.annotations:
                if ann.start_ms is None or ann.end_ms is None:
                    continue
                if ann.start_ms <= centre < ann.end_ms:
                    hits = [
                        i
                        for i in made.get((parent.id, ann.id), [])
                        if plan.events[i].apex_frame is None
                    ]
                    break
        else:
            hits = [
                i
                for i, e in enumerate(plan.events)
                if e.face == face
                and e.apex_frame is None
                and e.onset_frame <= frame <= e.offset_frame
                and value == (e.code if e.kind is EventKind.AU else e.emotion or e.note)
            ]
        hits = [
            i for i in hits if plan.events[i].onset_frame <= frame <= plan.events[i].offset_frame
        ]
        if not hits:
            plan.warnings.append(
                f"{plan.source}: TIER {tier.id!r}: apex at frame {frame} "
                f"({value!r}) matches no event: ignored"
            )
        for i in hits:
            plan.events[i] = dataclasses.replace(plan.events[i], apex_frame=frame)


def plan_eaf_import(
    project: Project, path: Path, media_id: str | None = None, options: EafOptions | None = None
) -> ImportPlan:
    doc = read_eaf(Path(path))
    choices = propose(doc, project, options)
    return plan_from_choices(project, doc, choices, media_id)


def plan_document(
    project: Project,
    doc: EafDocument,
    media_id: str | None = None,
    options: EafOptions | None = None,
) -> ImportPlan:
    """Plan a document read from any tier-shaped format (ELAN, BORIS, Datavyu)."""
    return plan_from_choices(project, doc, propose(doc, project, options), media_id)
