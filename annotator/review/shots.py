"""Scene breakdown: shots from the cut markers, and a summary of what happens in each.

A ``CUT`` marker's ``start_frame`` is the first frame of a new shot (as the cut detector
writes them, or as an editor marks them by hand). Everything here is a pure function of
the project so the breakdown view, the HTML review and the tests agree.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from annotator.model import Event, EventKind, Marker, MarkerKind, Project
from annotator.model.timebase import MICRO_MAX_S


@dataclass(frozen=True, slots=True)
class Shot:
    index: int  # 1-based, as editors number shots
    start_frame: int
    end_frame: int  # inclusive


@dataclass(frozen=True, slots=True)
class ShotSummary:
    shot: Shot
    duration_s: float
    faces: tuple[str, ...]  # face ids with any event in the shot, in project order
    dominant_emotion: str | None  # most frames of emotion events inside the shot
    micro_expressions: int  # distinct (face, onset, offset) moments lasting <= 0.5 s
    events: int
    dialogue: tuple[str, ...]  # dialogue lines that start in the shot
    notes: tuple[str, ...]  # review notes that start in the shot


def cut_frames(project: Project, media: str) -> list[int]:
    """Sorted first frames of new shots (frame 0 is never a cut)."""
    return sorted(
        {
            m.start_frame
            for m in project.markers.values()
            if m.kind is MarkerKind.CUT and m.media == media and m.start_frame > 0
        }
    )


def shots_from_cuts(cuts: list[int], frame_count: int) -> list[Shot]:
    """Shots between cuts: [0, c1-1], [c1, c2-1], ... [cn, frame_count-1]."""
    if frame_count <= 0:
        return []
    starts = [0] + [c for c in sorted(set(cuts)) if 0 < c < frame_count]
    ends = [s - 1 for s in starts[1:]] + [frame_count - 1]
    return [Shot(i + 1, s, e) for i, (s, e) in enumerate(zip(starts, ends, strict=True))]


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    """Frames shared by two inclusive ranges."""
    return max(0, min(a1, b1) - max(a0, b0) + 1)


def summarise_shot(
    project: Project, media: str, shot: Shot, candidates: Iterable[Event] | None = None
) -> ShotSummary:
    """Duration from real timestamps; events counted when they overlap the shot.

    ``candidates`` (default: every event of the project) narrows the events looked at;
    :func:`breakdown` passes the few that can overlap the shot."""
    tb = project.timebase(media)
    pool = project.events.values() if candidates is None else candidates
    events: list[Event] = [
        e
        for e in pool
        if e.media == media
        and _overlap(e.onset_frame, e.offset_frame, shot.start_frame, shot.end_frame)
    ]
    face_ids = {e.face for e in events}
    faces = tuple(f for f in project.faces if f in face_ids)
    frames_of: Counter[str] = Counter()
    for e in events:
        if e.kind is EventKind.EMOTION and e.emotion and e.emotion != "neutral":
            frames_of[e.emotion] += _overlap(
                e.onset_frame, e.offset_frame, shot.start_frame, shot.end_frame
            )
    # Ties go to the emotion that comes first in the vocabulary: stable across runs.
    order = {label: i for i, label in enumerate(project.vocabulary.emotions)}
    dominant = min(frames_of, key=lambda k: (-frames_of[k], order.get(k, 999), k), default=None)
    moments = [e for e in events if e.kind is not EventKind.NOTE]
    lasting = tb.durations_s(
        [e.onset_frame for e in moments], [e.offset_frame for e in moments]
    ).tolist()
    micro = {
        (e.face, e.onset_frame, e.offset_frame)
        for e, d in zip(moments, lasting, strict=True)
        if d <= MICRO_MAX_S + 1e-9
    }

    def starting(kind: MarkerKind) -> tuple[str, ...]:
        ms: list[Marker] = sorted(
            (
                m
                for m in project.markers.values()
                if m.kind is kind
                and m.media == media
                and shot.start_frame <= m.start_frame <= shot.end_frame
            ),
            key=lambda m: (m.start_frame, m.id),
        )
        return tuple(m.text for m in ms)

    return ShotSummary(
        shot=shot,
        duration_s=tb.duration_s(shot.start_frame, shot.end_frame),
        faces=faces,
        dominant_emotion=dominant,
        micro_expressions=len(micro),
        events=len(events),
        dialogue=starting(MarkerKind.DIALOGUE),
        notes=starting(MarkerKind.NOTE),
    )


def breakdown(project: Project, media: str | None = None) -> list[ShotSummary]:
    """Every shot of ``media`` (default: the primary video) with its summary."""
    m = project.media.get(media) if media else project.primary_media
    if m is None:
        return []
    count = project.timebase(m.id).frame_count if m.frame_count <= 0 else m.frame_count
    shots = shots_from_cuts(cut_frames(project, m.id), count)
    if len(shots) <= 1:
        return [summarise_shot(project, m.id, s) for s in shots]
    # Events of this media by onset, with a running maximum of offsets (both sorted), so
    # each shot looks only at the events that can overlap it, not at the whole project.
    evs = sorted(
        (e for e in project.events.values() if e.media == m.id), key=lambda e: e.onset_frame
    )
    onsets = [e.onset_frame for e in evs]
    reach = list(accumulate((e.offset_frame for e in evs), max, initial=-1))[1:]
    return [
        summarise_shot(
            project,
            m.id,
            s,
            evs[bisect_left(reach, s.start_frame) : bisect_right(onsets, s.end_frame)],
        )
        for s in shots
    ]


def shot_at(shots: list[Shot], frame: int) -> Shot | None:
    return next((s for s in shots if s.start_frame <= frame <= s.end_frame), None)
