"""The values a project is made of: media, faces, events, markers, curves.

Values are frozen: an edit replaces the object, so undo keeps the old one and views receive
both (``event_changed(new, old)``) without copying the project.

``Event`` is a frozen ``msgspec.Struct`` (issue 17: a million events): the project-file
decoder builds events straight from the JSON bytes, checking types and the schema's ranges
as it goes (its annotations carry them), with no dict per event and no conversion; events are
not tracked by the cyclic GC (they hold no containers), so a million of them add nothing to
a collection. ``dataclasses.replace``/``fields`` keep working on it (see ``_dataclass_view``).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from annotator.model.facs import ActionUnit, Intensity, Side, au_label, au_name


class EventKind(enum.Enum):
    AU = "au"
    EMOTION = "emotion"
    NOTE = "note"


DEFAULT_EMOTIONS: tuple[str, ...] = (
    "happiness",
    "sadness",
    "fear",
    "anger",
    "surprise",
    "disgust",
    "contempt",
    "neutral",
)

FACE_COLOURS = ("#e6553a", "#3a8ee6", "#4cb050", "#b05cc8", "#e6a23a", "#3ac8c0", "#c83a6e")


@dataclass(frozen=True, slots=True)
class Media:
    id: str
    path: str  # relative to the project file when possible, POSIX separators
    sha256: str = ""
    width: int = 0
    height: int = 0
    frame_count: int = 0
    fps: Fraction = Fraction(25)
    codec: str = ""
    vfr: bool = False
    sync_frame: int | None = None  # alignment point for takes side by side
    landmarks: str = ""  # per-frame face landmark cache (``annotator track``), relative path


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A keyframed face rectangle in video pixels; boxes between keyframes interpolate."""

    media: str
    frame: int
    x: float
    y: float
    w: float
    h: float
    source: str = ""  # "" = keyed by hand, "track" = placed by ``annotator track``


@dataclass(frozen=True, slots=True)
class Face:
    id: str
    name: str
    colour: str = FACE_COLOURS[0]
    boxes: tuple[FaceBox, ...] = ()

    def box_at(self, media: str, frame: int) -> tuple[float, float, float, float] | None:
        """Linear interpolation between the keyframes around ``frame`` (held at the ends)."""
        keys = sorted((b for b in self.boxes if b.media == media), key=lambda b: b.frame)
        if not keys:
            return None
        if frame <= keys[0].frame:
            k = keys[0]
            return (k.x, k.y, k.w, k.h)
        for a, b in zip(keys, keys[1:], strict=False):
            if a.frame <= frame <= b.frame:
                t = (frame - a.frame) / (b.frame - a.frame) if b.frame != a.frame else 0.0
                return tuple(  # type: ignore[return-value]
                    av + (bv - av) * t
                    for av, bv in ((a.x, b.x), (a.y, b.y), (a.w, b.w), (a.h, b.h))
                )
        k = keys[-1]
        return (k.x, k.y, k.w, k.h)


class Decision(enum.Enum):
    AGREED = "agreed"  # a majority of coders matched (merge decided)
    ACCEPTED = "accepted"  # the adjudicator took one coder's version as it was
    COMBINED = "combined"  # frames of one coder's version, code of another's
    EDITED = "edited"  # the adjudicator changed it by hand
    REJECTED = "rejected"  # the adjudicator kept no event


MERGE = "merge"  # ``decided_by`` of decisions the merge rule took


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a gold event came from (``annotator.model.team`` re-exports it; it lives here
    because ``Event`` refers to it and the file decoder resolves the annotation)."""

    decision: Decision
    coders: tuple[str, ...]  # whose versions it came from
    decided_by: str = MERGE  # the adjudicator's name for decisions taken by hand
    dispute: int | None = None  # the dispute it settled

    def describe(self) -> str:
        """``agreed (ann, bob; merge)``, ``accepted bob (by cy)``: for the event table."""
        who = ", ".join(self.coders)
        if self.decision is Decision.AGREED:
            return f"agreed ({who}; {self.decided_by})"
        if self.decision is Decision.COMBINED:
            return f"combined {who} (by {self.decided_by})"
        return f"{self.decision.value} {who} (by {self.decided_by})".replace("  ", " ")


# The schema's ranges (schemas/project.schema.json, $defs/event), checked by the decoder only;
# constructing an Event checks nothing (id 0 asks Project.add_event for a fresh id).
_Frame = Annotated[int, Meta(ge=0)]
_Id = Annotated[str, Meta(min_length=1, max_length=64)]


class Event(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """An AU, emotion or note on one face, from onset to offset frame inclusive."""

    id: Annotated[int, Meta(ge=1)]
    face: _Id
    kind: EventKind
    onset_frame: _Frame
    offset_frame: _Frame
    apex_frame: _Frame | None = None
    media: _Id = "m1"
    au: Annotated[int, Meta(ge=0, le=99)] | None = None
    intensity: Intensity | None = None
    side: Side | None = None
    code: str = ""  # the FACS code string as typed
    emotion: Annotated[str, Meta(min_length=1)] | None = None
    confidence: Annotated[float, Meta(ge=0, le=1)] | None = None
    annotator: str = ""
    note: str = ""
    provenance: Provenance | None = None  # gold projects: which coders, decision, who decided

    @property
    def duration_frames(self) -> int:
        return self.offset_frame - self.onset_frame + 1

    @property
    def label(self) -> str:
        """``AU12`` for AUs, the emotion name for emotions, the note text for notes."""
        if self.kind is EventKind.AU and self.au is not None:
            return au_label(self.au)
        if self.kind is EventKind.EMOTION:
            return self.emotion or ""
        return self.note

    @property
    def au_code(self) -> str:
        """Canonical code of this single AU: side prefix, number, intensity (``R12A``)."""
        if self.au is None:
            return ""
        side = self.side.value if self.side else ""
        inten = self.intensity.value if self.intensity else ""
        return f"{side}{self.au}{inten}"

    @property
    def lane_key(self) -> tuple[str, str]:
        """Which timeline lane of its face the event sits on."""
        if self.kind is EventKind.AU:
            return (self.face, f"au:{self.au}")
        return (self.face, self.kind.value)

    def describe(self) -> str:
        if self.kind is EventKind.AU and self.au is not None:
            return f"{self.au_code} {au_name(self.au)}"
        return self.label


def _dataclass_view(cls: Any) -> None:
    """Give a Struct the ``__dataclass_fields__`` of an equivalent dataclass, so
    ``dataclasses.replace(event, ...)``, ``fields(Event)`` and ``asdict`` keep working
    (the code base edits events that way; a Struct is otherwise not a dataclass)."""
    names, defaults = cls.__struct_fields__, cls.__struct_defaults__
    first_default = len(names) - len(defaults)
    specs: list[Any] = [
        (n, Any) if i < first_default else (n, Any, field(default=defaults[i - first_default]))
        for i, n in enumerate(names)
    ]
    view: Any = dataclasses.make_dataclass(cls.__name__, specs)
    cls.__dataclass_fields__ = view.__dataclass_fields__


_dataclass_view(Event)


def au_events(
    code: str,
    units: Iterable[ActionUnit],
    *,
    face: str,
    onset_frame: int,
    offset_frame: int,
    apex_frame: int | None = None,
    media: str = "m1",
    annotator: str = "",
    note: str = "",
) -> list[Event]:
    """One AU event per unit of a FACS code (``6B+12C``: AU6 at B, AU12 at C), all on the
    same frames and each keeping the whole ``code`` as typed; ids 0 (the project assigns)."""
    return [
        Event(
            id=0,
            face=face,
            kind=EventKind.AU,
            onset_frame=onset_frame,
            offset_frame=offset_frame,
            apex_frame=apex_frame,
            media=media,
            au=u.number,
            intensity=u.intensity,
            side=u.side,
            code=code,
            annotator=annotator,
            note=note,
        )
        for u in units
    ]


class MarkerKind(enum.Enum):
    NOTE = "note"  # frame note for review (may carry a drawing)
    DIALOGUE = "dialogue"  # a subtitle line
    CUT = "cut"  # shot boundary
    MARKER = "marker"  # plain editor marker


@dataclass(frozen=True, slots=True)
class Shape:
    """A drawing on the picture, in video pixel coordinates so it survives zoom and resize."""

    type: str  # "arrow" | "circle" | "freehand" | "rect"
    points: tuple[tuple[float, float], ...]
    colour: str = "#ffcc00"


@dataclass(frozen=True, slots=True)
class Marker:
    id: int
    kind: MarkerKind
    start_frame: int
    end_frame: int
    media: str = "m1"
    text: str = ""
    author: str = ""
    drawing: tuple[Shape, ...] = ()


@dataclass(frozen=True, slots=True)
class Curve:
    """A per-frame signal under a face's lanes, e.g. an imported OpenFace AU intensity."""

    face: str
    name: str  # e.g. "AU12_r"
    start_frame: int
    values: tuple[float | None, ...]
    media: str = "m1"
    source: str = ""


@dataclass(slots=True)
class Vocabulary:
    emotions: list[str] = field(default_factory=lambda: list(DEFAULT_EMOTIONS))
    # a coding scheme's parts (``annotator scheme``); empty: not restricted / defaults
    aus: list[int] = field(default_factory=list)  # the AU set coders use
    colours: dict[str, str] = field(default_factory=dict)  # "au:12", "emotion:fear" -> #rrggbb
    code_hotkeys: dict[str, str] = field(default_factory=dict)  # key sequence -> code/label

    def shortcut_of(self, label: str) -> str:
        """Digit shortcut 1..9 in vocabulary order (empty past nine)."""
        try:
            i = self.emotions.index(label)
        except ValueError:
            return ""
        return str(i + 1) if i < 9 else ""
