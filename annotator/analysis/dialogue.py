"""Spoken dialogue against the video: which line is on screen at a frame, and where an
emotion event overlaps a line (the expression-versus-dialogue check: a smile during a sad
line, a flash of anger while someone else speaks).

Dialogue is the project's ``DIALOGUE`` markers of a take: SRT cues (``annotator import srt``)
and ELAN tiers imported with the dialogue role. Frames are inclusive on both sides, like
events, so an event from 10 to 20 and a line from 20 to 30 overlap on frame 20.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from annotator.model import EventKind, Marker, MarkerKind, Project

Span = tuple[int, int, int]  # (first frame, last frame, id), inclusive


def dialogue_markers(project: Project, media_id: str) -> list[Marker]:
    """The take's dialogue lines in time order."""
    return sorted(
        (
            m
            for m in project.markers.values()
            if m.kind is MarkerKind.DIALOGUE and m.media == media_id
        ),
        key=lambda m: (m.start_frame, m.end_frame, m.id),
    )


class SpanIndex:
    """Inclusive spans sorted by start with a running maximum of ends: the spans touching a
    frame range are found by two bisects, whatever the number of lines."""

    __slots__ = ("ends", "ids", "max_ends", "starts")

    def __init__(self, spans: Iterable[Span]) -> None:
        rows = sorted(spans)
        self.starts = [r[0] for r in rows]
        self.ends = [r[1] for r in rows]
        self.ids = [r[2] for r in rows]
        self.max_ends = list(accumulate(self.ends, max))

    def __len__(self) -> int:
        return len(self.ids)

    def touching(self, first: int, last: int) -> list[int]:
        """Positions of the spans sharing a frame with ``[first, last]``, in start order."""
        lo = bisect_left(self.max_ends, first)
        hi = bisect_right(self.starts, last)
        return [i for i in range(lo, hi) if self.ends[i] >= first]


class CueIndex:
    """The dialogue lines of one take, for "which line is on screen at frame f"."""

    def __init__(self, markers: Sequence[Marker]) -> None:
        self.markers = {m.id: m for m in markers}
        self.index = SpanIndex((m.start_frame, m.end_frame, m.id) for m in markers)

    @classmethod
    def of(cls, project: Project, media_id: str) -> CueIndex:
        return cls(dialogue_markers(project, media_id))

    def __len__(self) -> int:
        return len(self.index)

    def at(self, frame: int) -> list[Marker]:
        """Every line whose frames contain ``frame`` (usually one), earliest first."""
        return [self.markers[self.index.ids[i]] for i in self.index.touching(frame, frame)]

    def text_at(self, frame: int) -> str:
        """The text on screen at ``frame``: overlapping lines stacked, "" when none."""
        return "\n".join(m.text for m in self.at(frame) if m.text.strip())


@dataclass(frozen=True, slots=True)
class DialogueOverlap:
    """Frames ``start_frame..end_frame`` (inclusive) where emotion event ``event_id`` of
    ``face`` runs while dialogue marker ``marker_id`` is spoken."""

    event_id: int
    marker_id: int
    face: str
    emotion: str
    start_frame: int
    end_frame: int
    text: str

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame + 1


def overlap_spans(events: Iterable[Span], cues: SpanIndex) -> list[tuple[int, int, int, int]]:
    """``(first, last, event id, cue id)`` for every event span and cue sharing frames."""
    out = []
    for on, off, eid in events:
        for i in cues.touching(on, off):
            out.append((max(on, cues.starts[i]), min(off, cues.ends[i]), eid, cues.ids[i]))
    return out


def emotion_dialogue_overlaps(project: Project, media_id: str) -> list[DialogueOverlap]:
    """Every emotion event of the take that overlaps a dialogue line, with the shared
    frames, in time order."""
    cues = CueIndex.of(project, media_id)
    if not len(cues):
        return []
    events = {
        e.id: e
        for e in project.events.values()
        if e.kind is EventKind.EMOTION and e.media == media_id
    }
    spans = overlap_spans(
        ((e.onset_frame, e.offset_frame, e.id) for e in events.values()), cues.index
    )
    out = [
        DialogueOverlap(
            eid,
            mid,
            events[eid].face,
            events[eid].emotion or "",
            first,
            last,
            cues.markers[mid].text,
        )
        for first, last, eid, mid in spans
    ]
    out.sort(key=lambda o: (o.start_frame, o.end_frame, o.event_id, o.marker_id))
    return out


def overlap_summary(overlaps: Sequence[DialogueOverlap], project: Project) -> str:
    """One line for the status bar and reports: how many emotion events overlap dialogue."""
    if not overlaps:
        return "no emotion event overlaps dialogue"
    events = len({o.event_id for o in overlaps})
    lines = len({o.marker_id for o in overlaps})
    frames = sum(o.frames for o in overlaps)
    faces = sorted({o.face for o in overlaps})
    names = ", ".join(project.faces[f].name if f in project.faces else f for f in faces)
    return (
        f"{events} emotion event{'s' if events != 1 else ''} overlap {lines} dialogue "
        f"line{'s' if lines != 1 else ''} ({frames} frames; {names})"
    )
