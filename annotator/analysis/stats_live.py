"""The statistics panel's numbers, kept up to date from the changes the project announces.

:class:`LiveStats` follows ``event_added`` / ``event_changed`` / ``event_removed`` and
changes only what the event touches: the event's AU lane coverage (a count per frame,
``+1`` over the event's frames), the lane's event count, the per-duration counts and the
emotion segment table. Reading (:meth:`LiveStats.numbers`) costs frames x lanes (counting
covered frames, one co-occurrence product per face) plus the emotion segments, never a
pass over every event, so an edit of a 100,000-event project costs what it costs at 100.
The numbers equal the pure functions of :mod:`annotator.analysis.stats` (tested after
random edits and undos).

Building is one pass over the events (then numpy); the panel builds on the view worker
from a snapshot for large projects and replays the edits made meanwhile
(``ui.live_view.LiveFollower``). Nothing here follows signals by itself: the owner
forwards each edit to :meth:`LiveStats.add` / ``remove`` / ``change``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from annotator.analysis.stats import AuFrequency, duration_histogram
from annotator.model import Event, EventKind, Project
from annotator.model.timebase import Timebase
from annotator.pacing import pace

Lane = tuple[str, int]  # (face, AU)


_SLICE = 16384  # Python ints per numpy conversion: a few ms of GIL each, not tens


def int_rows(flat: list[int], width: int) -> np.ndarray:
    """``np.array(flat).reshape(-1, width)`` in slices: one C call over 400k Python ints
    holds the GIL ~20 ms (a worker doing it stalls the GUI thread as long); between
    slices the interpreter hands the GIL over."""
    step = _SLICE * width
    parts = [np.array(flat[i : i + step], np.int64) for i in range(0, len(flat), step)]
    return (np.concatenate(parts) if parts else np.zeros(0, np.int64)).reshape(-1, width)


def index_of(keys: list[int]) -> dict[int, int]:
    """``{key: position}`` built in slices (same reason)."""
    out: dict[int, int] = {}
    for i in range(0, len(keys), _SLICE):
        out.update(zip(keys[i : i + _SLICE], range(i, i + _SLICE), strict=False))  # last: short
    return out


@dataclass(slots=True)
class EmotionSegments:
    """Emotion events as parallel arrays, sorted by onset: one bar set per label."""

    faces: list[str]  # row order (row r is faces[r])
    labels: list[str]  # label index -> text
    onset: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    offset: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    label: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass(slots=True)
class StatsData:
    faces: list[tuple[str, str]]  # (id, colour) in project order
    frequency: list[AuFrequency]
    edges: np.ndarray
    counts: np.ndarray
    co_aus: list[int]
    co_mat: np.ndarray
    emotions: EmotionSegments


class _Table:
    """Rows of int64 columns in numpy arrays, one row per event id; freed rows reused."""

    def __init__(self, columns: int) -> None:
        self.data = np.zeros((16, columns), np.int64)
        self.alive = np.zeros(16, bool)
        self.row_of: dict[int, int] = {}
        self._free: list[int] = []
        self._next = 0

    def put(self, eid: int, values: tuple[int, ...]) -> int:
        row = self._free.pop() if self._free else self._take()
        self.row_of[eid] = row
        self.data[row] = values
        self.alive[row] = True
        return row

    def _take(self) -> int:
        if self._next == len(self.alive):
            grow = len(self.alive)
            self.data = np.concatenate([self.data, np.zeros_like(self.data[:grow])])
            self.alive = np.concatenate([self.alive, np.zeros(grow, bool)])
        self._next += 1
        return self._next - 1

    def drop(self, eid: int) -> int:
        row = self.row_of.pop(eid)
        self.alive[row] = False
        self._free.append(row)
        return row

    def fill(self, eids: list[int], rows: np.ndarray) -> None:
        """Start from ``rows`` (one per id) in one copy instead of a ``put`` each."""
        n = len(eids)
        cap = max(16, 1 << max(n, 1).bit_length())
        self.data = np.zeros((cap, rows.shape[1] if n else self.data.shape[1]), np.int64)
        self.alive = np.zeros(cap, bool)
        if n:
            self.data[:n] = rows
            self.alive[:n] = True
        self.row_of = index_of(eids)
        self._free = []
        self._next = n

    def live(self) -> np.ndarray:
        return self.data[: self._next][self.alive[: self._next]]


class LiveStats:
    """Incremental AU frequency, coverage, co-occurrence, durations and emotion segments
    of one project (see module doc)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.revision = project.revision  # of the project it was built from
        self._cap = 1  # frames held by every coverage array
        self._cover: dict[Lane, np.ndarray] = {}  # events covering each frame (int32)
        self._lane_events: Counter[Lane] = Counter()
        self._ends = np.zeros(1, np.int64)  # events of any kind ending on each frame
        self._media: dict[str, int] = {}  # media id -> index used in the tables
        self._tb: dict[str, Timebase] = {}  # timebase each media's durations came from
        self._au = _Table(4)  # AU events: onset, offset, media index, duration bits
        self._durations: Counter[float] = Counter()
        self._faces: dict[str, int] = {}  # face id -> index used in the emotion table
        self._labels: dict[str, int] = {}
        self._emo = _Table(4)  # emotion events: onset, offset, face index, label index
        self._build()

    # ------------------------------------------------------------------ building
    def _grow(self, frames: int) -> None:
        if frames <= self._cap:
            return
        cap = max(frames, 2 * self._cap)
        for lane, cov in self._cover.items():
            self._cover[lane] = np.concatenate([cov, np.zeros(cap - len(cov), np.int32)])
        self._ends = np.concatenate([self._ends, np.zeros(cap - len(self._ends), np.int64)])
        self._cap = cap

    def _media_index(self, mid: str) -> int:
        if mid not in self._media:
            self._media[mid] = len(self._media)
            self._tb[mid] = self.project.timebase(mid)
        return self._media[mid]

    def _index(self, table: dict[str, int], key: str) -> int:
        if key not in table:
            table[key] = len(table)
        return table[key]

    def _build(self) -> None:
        """Every number from the project's events: one Python pass collecting plain
        integers, then numpy (difference arrays per lane, durations per media)."""
        au_ids: list[int] = []
        au_rows: list[int] = []  # flat, 4 a row: np.array of flat ints is a short C call
        lanes: dict[Lane, int] = {}
        lane_of: list[int] = []
        emo_ids: list[int] = []
        emo_rows: list[int] = []
        offs: list[int] = []
        au_kind, emo_kind = EventKind.AU, EventKind.EMOTION
        for i, e in enumerate(self.project.events.values()):
            if not i & 1023:
                pace()  # built on a worker: the GUI thread's long turns go first
            off = e.offset_frame
            offs.append(off)
            kind = e.kind
            if kind is au_kind:
                au_ids.append(e.id)
                au_rows.extend((e.onset_frame, off, self._media_index(e.media), 0))
                au = e.au
                lane_of.append(-1 if au is None else lanes.setdefault((e.face, au), len(lanes)))
            elif kind is emo_kind:
                emo_ids.append(e.id)
                emo_rows.extend(
                    (
                        e.onset_frame,
                        off,
                        self._index(self._faces, e.face),
                        self._index(self._labels, e.emotion or ""),
                    )
                )
        cap = self._cap = max(offs, default=0) + 2
        self._ends = np.bincount(np.asarray(offs, np.int64), minlength=cap).astype(np.int64)
        au_arr = int_rows(au_rows, 4)
        self._au.fill(au_ids, au_arr)
        self._emo.fill(emo_ids, int_rows(emo_rows, 4))
        self._retime()
        lane_arr = np.asarray(lane_of, np.int64)
        has = lane_arr >= 0
        width = cap + 1  # difference arrays: +1 on the onset, -1 after the offset
        starts = lane_arr[has] * width + au_arr[has, 0]
        stops = lane_arr[has] * width + au_arr[has, 1] + 1
        size = len(lanes) * width
        diff = np.bincount(starts, minlength=size) - np.bincount(stops, minlength=size)
        cover = np.cumsum(diff.reshape(len(lanes), width)[:, :cap], axis=1).astype(np.int32)
        counts = np.bincount(lane_arr[has], minlength=len(lanes))
        for lane, k in lanes.items():
            self._cover[lane] = cover[k].copy()
            self._lane_events[lane] = int(counts[k])

    def _retime(self) -> None:
        """Durations of every AU event again, per media, from its current timebase."""
        data, n = self._au.data, self._au._next
        alive = self._au.alive[:n]
        for mid, k in self._media.items():
            if mid not in self.project.media and mid in self._tb:
                continue  # gone with its events (a media with events cannot be removed)
            tb = self.project.timebase(mid)
            self._tb[mid] = tb
            rows = np.flatnonzero(alive & (data[:n, 2] == k))
            if len(rows):
                d = tb.durations_s(data[rows, 0], data[rows, 1])
                data[rows, 3] = np.asarray(d, np.float64).view(np.int64)
        live = self._au.live()
        values, counts = np.unique(live[:, 3].view(np.float64), return_counts=True)
        self._durations = Counter(dict(zip(values.tolist(), counts.tolist(), strict=True)))

    # ------------------------------------------------------------------ following
    def add(self, e: Event) -> None:
        self._grow(e.offset_frame + 2)
        self._ends[e.offset_frame] += 1
        if e.kind is EventKind.AU:
            mi = self._media_index(e.media)
            d = float(self._tb[e.media].durations_s([e.onset_frame], [e.offset_frame])[0])
            bits = int(np.float64(d).view(np.int64))
            self._au.put(e.id, (e.onset_frame, e.offset_frame, mi, bits))
            self._durations[d] += 1
            if e.au is not None:
                lane = (e.face, e.au)
                cov = self._cover.get(lane)
                if cov is None:
                    cov = self._cover[lane] = np.zeros(self._cap, np.int32)
                cov[e.onset_frame : e.offset_frame + 1] += 1
                self._lane_events[lane] += 1
        elif e.kind is EventKind.EMOTION:
            face = self._index(self._faces, e.face)
            label = self._index(self._labels, e.emotion or "")
            self._emo.put(e.id, (e.onset_frame, e.offset_frame, face, label))

    def remove(self, e: Event) -> None:
        self._ends[e.offset_frame] -= 1
        if e.kind is EventKind.AU:
            row = self._au.drop(e.id)
            d = float(self._au.data[row, 3:4].view(np.float64)[0])
            self._durations[d] -= 1
            if self._durations[d] <= 0:
                del self._durations[d]
            if e.au is not None:
                lane = (e.face, e.au)
                self._cover[lane][e.onset_frame : e.offset_frame + 1] -= 1
                self._lane_events[lane] -= 1
                if self._lane_events[lane] <= 0:
                    del self._lane_events[lane]
                    del self._cover[lane]
        elif e.kind is EventKind.EMOTION:
            self._emo.drop(e.id)

    def change(self, new: Event, old: Event) -> None:
        self.remove(old)
        self.add(new)

    # ------------------------------------------------------------------ reading
    def _frames(self) -> int:
        """As ``stats._n_frames``: the video's frames, or more if an event ends later."""
        m = self.project.primary_media
        nz = np.flatnonzero(self._ends)
        last = int(nz[-1]) + 1 if len(nz) else 0
        return max(m.frame_count if m else 0, last, 1)

    def _active(self, lane: Lane, n: int) -> np.ndarray:
        x = np.zeros(n, bool)
        cov = self._cover.get(lane)
        if cov is not None:
            k = min(n, len(cov))
            x[:k] = cov[:k] > 0
        return x

    def frequency(self) -> list[AuFrequency]:
        n = self._frames()
        out = []
        for face in self.project.faces:
            for au in sorted(a for f, a in self._lane_events if f == face):
                lane = (face, au)
                frames = int(np.count_nonzero(self._cover[lane]))
                out.append(AuFrequency(face, au, self._lane_events[lane], frames, frames / n))
        return out

    def histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """``duration_histogram(durations_s(project))`` from the counts per duration."""
        media = self.project.media
        if any(self.project.timebase(m) is not tb for m, tb in self._tb.items() if m in media):
            self._retime()
        values = np.fromiter(self._durations, np.float64, len(self._durations))
        weights = np.fromiter(self._durations.values(), np.float64, len(self._durations))
        edges, _ = duration_histogram(values)
        counts, _ = np.histogram(np.clip(values, 0, edges[-1]), bins=edges, weights=weights)
        return edges, np.rint(counts).astype(np.int64)

    def cooccurrence(self) -> tuple[list[int], np.ndarray]:
        n = self._frames()
        faces = list(self.project.faces)
        aus = sorted({a for f, a in self._lane_events if f in self.project.faces})
        mat = np.zeros((len(aus), len(aus)), np.int64)
        for f in faces:
            if not aus:
                break
            x = np.stack([self._active((f, a), n) for a in aus]).astype(np.float64)
            mat += np.rint(x @ x.T).astype(np.int64)
        return aus, mat

    def emotions(self) -> EmotionSegments:
        faces = list(self.project.faces)
        labels = list(self.project.vocabulary.emotions)
        rows = {f: i for i, f in enumerate(faces)}
        index = {lab: i for i, lab in enumerate(labels)}
        a = self._emo.live()
        used_faces = set(np.unique(a[:, 2]).tolist())
        used_labels = set(np.unique(a[:, 3]).tolist())
        for f, k in self._faces.items():  # faces and labels only the events know go last
            if f not in rows and k in used_faces:
                rows[f] = len(faces)
                faces.append(f)
        for lab, k in self._labels.items():
            if lab not in index and k in used_labels:
                index[lab] = len(labels)
                labels.append(lab)
        seg = EmotionSegments(faces, labels)
        if len(a):
            row_map = np.zeros(len(self._faces), np.int64)
            for f, k in self._faces.items():
                row_map[k] = rows.get(f, 0)
            label_map = np.zeros(len(self._labels), np.int64)
            for lab, k in self._labels.items():
                label_map[k] = index.get(lab, 0)
            a = a[np.lexsort((a[:, 1], a[:, 0]))]
            seg.onset, seg.offset = a[:, 0].copy(), a[:, 1].copy()
            seg.row, seg.label = row_map[a[:, 2]], label_map[a[:, 3]]
        return seg

    def numbers(self) -> StatsData:
        """Everything the panel draws (what ``compute_stats`` returns for the project)."""
        edges, counts = self.histogram()
        aus, mat = self.cooccurrence()
        return StatsData(
            [(f.id, f.colour) for f in self.project.faces.values()],
            self.frequency(),
            edges,
            counts,
            aus,
            mat,
            self.emotions(),
        )
