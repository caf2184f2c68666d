"""The scene breakdown kept up to date event by event (issue 18: a view updates from the
change it is told about).

:class:`LiveBreakdown` holds, for one video, what :func:`annotator.review.shots.breakdown`
and the breakdown dock compute from the whole project: per shot the counters its summary
is made of (events, faces, emotion frames, micro moments) and its lines (dialogue, notes,
and each face's moments, in frame order). :meth:`LiveBreakdown.add` / ``remove`` /
``change`` touch only the shots the event overlaps and the one line of its moment, so an
edit of a 100,000-event project costs what it costs at 100. Anything that moves shots or
renames lines (cut markers, faces, the video's frame count or timestamps) is a new build,
which the dock runs off the GUI thread from a snapshot.

A line is one integer (its frame in the high bits, so a shot's sorted list of them is in
frame order; markers sort before moments at the same frame); its text is made only when a
view asks for that row (:meth:`LiveBreakdown.line`), so 100,000 moments are 100,000 ints,
not 100,000 objects for the cyclic GC to walk. Building is numpy over arrays of the
events plus one dict of moment members; nothing here follows signals by itself: the owner
forwards the edits (the dock replays the ones made while a build ran on a snapshot).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from annotator.model import Event, EventKind, MarkerKind, Project
from annotator.model.timebase import MICRO_MAX_S, Timebase
from annotator.pacing import pace
from annotator.review.shots import Shot, ShotSummary, cut_frames, shots_from_cuts

_ON = 42  # line key: frame << 42 | 1 << 41 (a moment) | face index << 21 | offset
_MOMENT = 1 << 41
_FACE = 21
_LOW = (1 << 21) - 1  # the offset bits
_FACES = (1 << 20) - 1  # the face index bits (below the moment bit)
_SLICE = 16384  # Python ints per numpy conversion: a few ms of GIL each, not tens


def int_rows(flat: list[int], width: int) -> np.ndarray:
    """``np.array(flat).reshape(-1, width)`` in slices (as ``analysis.stats_live``, which
    this layer may not import): one C call over 600k Python ints holds the GIL ~30 ms."""
    step = _SLICE * width
    parts = [np.array(flat[i : i + step], np.int64) for i in range(0, len(flat), step)]
    return (np.concatenate(parts) if parts else np.zeros(0, np.int64)).reshape(-1, width)


@dataclass(frozen=True, slots=True)
class Moment:
    """A line under a shot: a dialogue line, a note, or what one face does from on to off."""

    frame: int
    text: str
    colour: str


class _Shot:
    """The counters one shot's summary is made of."""

    __slots__ = ("dialogue", "emotion_frames", "events", "faces", "micro", "notes")

    def __init__(self) -> None:
        self.events = 0
        self.faces: Counter[str] = Counter()
        self.emotion_frames: Counter[str] = Counter()
        self.micro: Counter[int] = Counter()  # micro moments (line keys) overlapping it
        self.dialogue: tuple[str, ...] = ()
        self.notes: tuple[str, ...] = ()


def _bump(counter: Counter[Any], key: Any, by: int) -> None:
    n = counter[key] + by
    if n > 0:
        counter[key] = n
    else:
        del counter[key]


class LiveBreakdown:
    """Shots, summaries and lines of one video of ``project`` (see module doc)."""

    def __init__(self, project: Project, media_id: str | None = None) -> None:
        self.project = project
        self.revision = project.revision  # of the project it was built from
        media = project.media.get(media_id) if media_id else project.primary_media
        self.media_id = media_id
        self.fps = media.fps if media else Fraction(25)
        self.mid = media.id if media else "m1"
        self.timebase: Timebase | None = project.timebase(media.id) if media else None
        shots: list[Shot] = []
        if media is not None and self.timebase is not None:
            count = self.timebase.frame_count if media.frame_count <= 0 else media.frame_count
            shots = shots_from_cuts(cut_frames(project, media.id), count)
        self.shots = shots
        self._starts = [s.start_frame for s in shots]
        self._counts = [_Shot() for _ in shots]
        self._summaries: list[ShotSummary | None] = [None] * len(shots)
        self.lines: list[list[int]] = [[] for _ in shots]  # line keys per shot, sorted
        self._members: dict[int, int | list[int]] = {}  # moment -> its event id(s)
        self._markers: dict[int, Moment] = {}  # marker line key -> its line
        self._faces: list[str] = []
        self._face_index: dict[str, int] = {}
        self._order = {lab: i for i, lab in enumerate(project.vocabulary.emotions)}
        # what changed in the lines since the view last took it: (op, shot, key), op one of
        # "insert", "remove", "text"; a view updates rows from it instead of resetting
        self.log: list[tuple[str, int, int]] = []
        if shots:
            self._build()

    # ------------------------------------------------------------------ keys
    def _face_of(self, face: str) -> int:
        k = self._face_index.get(face)
        if k is None:
            k = self._face_index[face] = len(self._faces)
            self._faces.append(face)
        return k

    def _key(self, e: Event) -> int:
        return (e.onset_frame << _ON) | _MOMENT | (self._face_of(e.face) << _FACE) | e.offset_frame

    def _shots_over(self, on: int, off: int) -> range:
        first = max(bisect_right(self._starts, on) - 1, 0)
        last = min(bisect_right(self._starts, off) - 1, len(self.shots) - 1)
        return range(first, last + 1)

    def _shot_of(self, frame: int) -> int | None:
        i = bisect_right(self._starts, frame) - 1
        return i if i >= 0 and frame <= self.shots[i].end_frame else None

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        assert self.timebase is not None
        dialogue: list[list[tuple[int, int, str]]] = [[] for _ in self.shots]
        notes: list[list[tuple[int, int, str]]] = [[] for _ in self.shots]
        for m in self.project.markers.values():
            if m.media != self.mid or m.kind not in (MarkerKind.DIALOGUE, MarkerKind.NOTE):
                continue
            i = self._shot_of(m.start_frame)
            if i is None:
                continue
            talk = m.kind is MarkerKind.DIALOGUE
            (dialogue if talk else notes)[i].append((m.start_frame, m.id, m.text))
            key = (m.start_frame << _ON) | len(self._markers)
            self._markers[key] = Moment(
                m.start_frame,
                f"{'“' if talk else '✎ '}{m.text}",
                "#3a8ee6" if talk else "#c98a00",
            )
            self.lines[i].append(key)
        for i, c in enumerate(self._counts):
            c.dialogue = tuple(t for _f, _id, t in sorted(dialogue[i]))
            c.notes = tuple(t for _f, _id, t in sorted(notes[i]))
        evs = [e for e in self.project.events.values() if e.media == self.mid]
        if not evs:
            return
        kinds = {EventKind.AU: 0, EventKind.EMOTION: 1, EventKind.NOTE: 2}
        emotions: dict[str, int] = {}
        flat: list[int] = []  # 6 a row: np.array of flat ints is a short C call
        for i, e in enumerate(evs):
            if not i & 1023:
                pace()  # built on a worker: the GUI thread's long turns go first
            flat.extend(
                (
                    e.id,
                    e.onset_frame,
                    e.offset_frame,
                    self._face_of(e.face),
                    kinds[e.kind],
                    emotions.setdefault(e.emotion, len(emotions))
                    if e.kind is EventKind.EMOTION and e.emotion and e.emotion != "neutral"
                    else -1,
                )
            )
        cols = int_rows(flat, 6)
        ids, on, off, face, kind, emo = cols.T
        lasting = self.timebase.durations_s(on, off)
        line = (on << _ON) | _MOMENT | (face << _FACE) | off
        moment = kind != 2
        micro = moment & (lasting <= MICRO_MAX_S + 1e-9)
        labels = list(emotions)
        order = np.argsort(on, kind="stable")
        on_sorted = on[order]
        reach = np.maximum.accumulate(off[order])
        for i, s in enumerate(self.shots):
            a = int(np.searchsorted(reach, s.start_frame, "left"))
            b = int(np.searchsorted(on_sorted, s.end_frame, "right"))
            sel = order[a:b]
            sel = sel[(on[sel] <= s.end_frame) & (off[sel] >= s.start_frame)]
            c = self._counts[i]
            c.events = len(sel)
            fc = np.bincount(face[sel], minlength=len(self._faces))
            c.faces = Counter({self._faces[f]: int(fc[f]) for f in np.flatnonzero(fc)})
            em = sel[emo[sel] >= 0]
            frames = np.minimum(off[em], s.end_frame) - np.maximum(on[em], s.start_frame) + 1
            ef = np.bincount(emo[em], weights=frames, minlength=len(labels))
            c.emotion_frames = Counter({labels[k]: int(ef[k]) for k in np.flatnonzero(ef)})
            mk, mn = np.unique(line[sel[micro[sel]]], return_counts=True)
            c.micro = Counter(dict(zip(mk.tolist(), mn.tolist(), strict=True)))
        mkeys, mids = line[moment], ids[moment]
        by_key = np.argsort(mkeys, kind="stable")  # events of one moment together
        keys, first, counts = np.unique(mkeys[by_key], return_index=True, return_counts=True)
        self._members = dict(zip(keys.tolist(), mids[by_key[first]].tolist(), strict=True))
        for k in np.flatnonzero(counts > 1):
            run = by_key[first[k] : first[k] + counts[k]]
            self._members[int(keys[k])] = mids[run].tolist()
        starts = np.searchsorted(keys >> _ON, self._starts, "left")
        ends = np.searchsorted(keys >> _ON, [s.end_frame for s in self.shots], "right")
        for i in range(len(self.shots)):
            inside = keys[starts[i] : ends[i]].tolist()
            if self.lines[i]:  # markers: merge them in
                inside = sorted(inside + self.lines[i])
            self.lines[i] = inside

    def _lasting(self, e: Event) -> float:
        assert self.timebase is not None
        return float(self.timebase.durations_s([e.onset_frame], [e.offset_frame])[0])

    # ------------------------------------------------------------------ following
    def add(self, e: Event) -> None:
        self._edit(e, 1)

    def remove(self, e: Event) -> None:
        self._edit(e, -1)

    def change(self, new: Event, old: Event) -> None:
        self._edit(old, -1)
        self._edit(new, 1)

    def _edit(self, e: Event, by: int) -> None:
        if e.media != self.mid or not self.shots:
            return
        on, off = e.onset_frame, e.offset_frame
        key = self._key(e)
        note = e.kind is EventKind.NOTE
        micro = not note and self._lasting(e) <= MICRO_MAX_S + 1e-9
        emotion = e.emotion if e.kind is EventKind.EMOTION else None
        for i in self._shots_over(on, off):
            s = self.shots[i]
            frames = min(off, s.end_frame) - max(on, s.start_frame) + 1
            if frames <= 0:
                continue
            c = self._counts[i]
            c.events += by
            _bump(c.faces, e.face, by)
            if emotion and emotion != "neutral":
                _bump(c.emotion_frames, emotion, by * frames)
            if micro:
                _bump(c.micro, key, by)
            self._summaries[i] = None
        if not note:
            self._move_member(key, e.id, by)

    def _move_member(self, key: int, eid: int, by: int) -> None:
        had = self._members.get(key)
        if by > 0:
            if had is None:
                self._members[key] = eid
                i = self._shot_of(key >> _ON)
                if i is not None:
                    lines = self.lines[i]
                    lines.insert(bisect_left(lines, key), key)
                    self.log.append(("insert", i, key))
                return
            if isinstance(had, int):
                self._members[key] = [had, eid]
            else:
                had.append(eid)
            self._log_text(key)
            return
        if isinstance(had, list):
            had.remove(eid)
            if len(had) == 1:
                self._members[key] = had[0]
            self._log_text(key)
            return
        if had is None:
            return
        del self._members[key]
        i = self._shot_of(key >> _ON)
        if i is not None:
            lines = self.lines[i]
            k = bisect_left(lines, key)
            if k < len(lines) and lines[k] == key:
                del lines[k]
                self.log.append(("remove", i, key))

    def _log_text(self, key: int) -> None:
        i = self._shot_of(key >> _ON)
        if i is not None:
            self.log.append(("text", i, key))

    # ------------------------------------------------------------------ reading
    def line(self, key: int) -> Moment:
        """The text of one line, made when asked for (the rows on screen)."""
        marker = self._markers.get(key)
        if marker is not None:
            return marker
        on = key >> _ON
        face = (
            self._faces[(key >> _FACE) & _FACES]
            if (key >> _FACE) & _FACES < len(self._faces)
            else ""
        )
        had = self._members.get(key)
        ids = [] if had is None else [had] if isinstance(had, int) else had
        evs = [e for e in map(self.project.events.get, ids) if e is not None]
        faces = self.project.faces
        emotions = sorted({e.emotion or "" for e in evs if e.kind is EventKind.EMOTION})
        aus = sorted((e for e in evs if e.kind is EventKind.AU), key=lambda e: e.au or 0)
        labels = [*filter(None, emotions), "+".join(e.au_code for e in aus)]
        name = faces[face].name if face in faces else face
        off = key & _LOW
        assert self.timebase is not None
        micro = float(self.timebase.durations_s([on], [off])[0]) <= 0.5
        text = f"{name}: {' '.join(filter(None, labels))}" + ("  (micro)" if micro else "")
        return Moment(on, text, faces[face].colour if face in faces else "#888")

    @staticmethod
    def frame_of(key: int) -> int:
        return key >> _ON

    def summary(self, i: int) -> ShotSummary:
        s = self._summaries[i]
        if s is None:
            shot, c = self.shots[i], self._counts[i]
            frames_of = c.emotion_frames
            order = self._order
            assert self.timebase is not None
            s = self._summaries[i] = ShotSummary(
                shot=shot,
                duration_s=self.timebase.duration_s(shot.start_frame, shot.end_frame),
                faces=tuple(f for f in self.project.faces if f in c.faces),
                dominant_emotion=min(
                    frames_of, key=lambda k: (-frames_of[k], order.get(k, 999), k), default=None
                ),
                micro_expressions=len(c.micro),
                events=c.events,
                dialogue=c.dialogue,
                notes=c.notes,
            )
        return s

    def summaries(self) -> list[ShotSummary]:
        return [self.summary(i) for i in range(len(self.shots))]

    def vocabulary_changed(self) -> None:
        """Ties between dominant emotions go to the vocabulary's order."""
        self._order = {lab: i for i, lab in enumerate(self.project.vocabulary.emotions)}
        self._summaries = [None] * len(self.shots)

    def follow_timebase(self) -> bool:
        """Take the project's current timebase of this video (the engine attaches the
        video's real timestamps after opening it): micro moments are counted again from
        the moments held (numpy over them, no pass over the events). False when the
        shots themselves would move (a frame count taken from the timestamps): the
        owner then builds anew."""
        if self.mid not in self.project.media:
            return self.timebase is None
        tb = self.project.timebase(self.mid)
        old = self.timebase
        if tb is old:
            return True
        if old is None:
            return False
        media = self.project.media[self.mid]
        if media.frame_count <= 0 and tb.frame_count != old.frame_count:
            return False
        self.timebase = tb
        self._summaries = [None] * len(self.shots)
        if np.array_equal(tb.timestamps, old.timestamps) and (
            tb.last_frame_duration_s == old.last_frame_duration_s
        ):
            return True
        keys = np.fromiter(self._members, np.int64, len(self._members))
        # one event per moment but for the shared ones (list comprehensions, not a
        # generator: the GUI thread runs this when the video's real timestamps arrive)
        held = list(self._members.values())
        events = np.ones(len(held), np.int64)
        shared = [i for i, v in enumerate(held) if v.__class__ is list]
        if shared:
            events[shared] = [len(held[i]) for i in shared]  # type: ignore[arg-type]
        on, off = keys >> _ON, keys & _LOW
        micro = tb.durations_s(on, off) <= MICRO_MAX_S + 1e-9
        keys, on, off, events = keys[micro], on[micro], off[micro], events[micro]
        for i, s in enumerate(self.shots):
            inside = (on <= s.end_frame) & (off >= s.start_frame)
            self._counts[i].micro = Counter(
                dict(zip(keys[inside].tolist(), events[inside].tolist(), strict=True))
            )
        return True
