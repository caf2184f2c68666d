"""Lanes and per-lane event indexes: which rows the timeline shows, and what is in view.

Pure Python (no Qt) so layout and culling are tested without a display.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from annotator.model.facs import au_label, au_name

LaneKey = tuple[str, str]

MARKERS_KEY: LaneKey = ("", "markers")
WAVEFORM_KEY: LaneKey = ("", "waveform")

FACE_ROW_PX = 20
LANE_PX = 22
MARKER_LANE_PX = 18
OVERLAY_LANE_PX = 22
CURVE_LANE_PX = 44
WAVEFORM_LANE_PX = 30


class LaneKind(enum.Enum):
    MARKERS = "markers"  # project-wide notes/markers (cuts, dialogue, review notes)
    FACE = "face"  # the collapsible header row of a face
    AU = "au"
    EMOTION = "emotion"
    NOTE = "note"
    OVERLAY = "overlay"  # supplied by another module (candidates, cuts): see ``overlays``
    CURVE = "curve"  # a per-frame curve of the face (see ``curves``), drawn as a line
    WAVEFORM = "waveform"  # the video's audio (see ``waveform_lane``)


@dataclass(frozen=True, slots=True)
class Lane:
    key: LaneKey
    kind: LaneKind
    face: str
    label: str
    top_px: int  # in content coordinates: 0 is the first row under the ruler
    height_px: int
    colour: str = "#888888"
    au: int | None = None

    @property
    def bottom_px(self) -> int:
        return self.top_px + self.height_px


@dataclass(frozen=True, slots=True)
class FaceRow:
    """What the layout needs to know about one face (plain values, not the model)."""

    id: str
    name: str
    colour: str
    aus: tuple[int, ...]
    curves: tuple[str, ...] = ()  # shown curve lanes, in order


def au_lane_key(face: str, au: int) -> LaneKey:
    return (face, f"au:{au}")


def layout_lanes(
    faces: Sequence[FaceRow],
    collapsed: Iterable[str] = (),
    overlays: Sequence[tuple[LaneKey, str]] = (),
    waveform: str | None = None,
) -> list[Lane]:
    """Rows top to bottom: markers, the audio lane (titled ``waveform``, when given),
    overlay lanes (key, title), then per face a header, its AU lanes, emotion and notes.

    Overlays sit right under the markers so what the machine proposes (cuts, candidates) is
    the first thing under the ruler. A collapsed face keeps only its header row, which then
    shows all its events squeezed.
    """
    closed = set(collapsed)
    lanes = [Lane(MARKERS_KEY, LaneKind.MARKERS, "", "Markers", 0, MARKER_LANE_PX)]
    y = MARKER_LANE_PX
    if waveform is not None:
        lanes.append(
            Lane(WAVEFORM_KEY, LaneKind.WAVEFORM, "", waveform, y, WAVEFORM_LANE_PX, "#5fb4a8")
        )
        y += WAVEFORM_LANE_PX
    for key, title in overlays:
        lanes.append(Lane(key, LaneKind.OVERLAY, "", title, y, OVERLAY_LANE_PX))
        y += OVERLAY_LANE_PX
    for f in faces:
        lanes.append(Lane((f.id, "face"), LaneKind.FACE, f.id, f.name, y, FACE_ROW_PX, f.colour))
        y += FACE_ROW_PX
        if f.id in closed:
            continue
        for au in sorted(set(f.aus)):
            label = f"{au_label(au)} {au_name(au)}"
            lanes.append(
                Lane(au_lane_key(f.id, au), LaneKind.AU, f.id, label, y, LANE_PX, f.colour, au)
            )
            y += LANE_PX
        for kind, label in ((LaneKind.EMOTION, "Emotion"), (LaneKind.NOTE, "Notes")):
            lanes.append(Lane((f.id, kind.value), kind, f.id, label, y, LANE_PX, f.colour))
            y += LANE_PX
        for name in f.curves:
            lanes.append(
                Lane(
                    (f.id, f"curve:{name}"), LaneKind.CURVE, f.id, name, y, CURVE_LANE_PX, f.colour
                )
            )
            y += CURVE_LANE_PX
    return lanes


def content_height(lanes: Sequence[Lane]) -> int:
    return lanes[-1].bottom_px if lanes else 0


def lane_at(lanes: Sequence[Lane], y_content: float) -> Lane | None:
    """The lane under a content y (bisect on the tops; lanes are contiguous)."""
    if not lanes or y_content < 0:
        return None
    i = bisect_right([ln.top_px for ln in lanes], y_content) - 1
    if i < 0 or y_content >= lanes[i].bottom_px:
        return None
    return lanes[i]


class LaneIndex:
    """Events of one lane sorted by onset, with a running maximum of offsets.

    Both sequences are non-decreasing, so the candidates overlapping a frame range are one
    slice found by two bisects (pyqtgraph-style clipping to the view), whatever the zoom.
    """

    __slots__ = ("_np", "ids", "max_offsets", "offsets", "onsets")

    def __init__(self, items: Iterable[tuple[int, int, int]]) -> None:
        rows = sorted(items)  # (onset, offset, id)
        if rows:
            ons, offs, ids = zip(*rows, strict=True)
            self.onsets, self.offsets, self.ids = list(ons), list(offs), list(ids)
        else:
            self.onsets, self.offsets, self.ids = [], [], []
        self.max_offsets = list(accumulate(self.offsets, max))
        self._np: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def _find(self, on: int, off: int, eid: int) -> int:
        """Where (on, off, eid) sits (or would sit) in the sorted order, by bisection."""
        ons, offs, ids = self.onsets, self.offsets, self.ids
        lo, hi = bisect_left(ons, on), bisect_right(ons, on)
        while lo < hi:  # ties on the onset: (offset, id) order, usually few
            mid = (lo + hi) // 2
            if (offs[mid], ids[mid]) < (off, eid):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def insert(self, on: int, off: int, eid: int) -> None:
        """Add one event in O(log n) comparisons (list inserts are memmoves); the running
        maximum changes only up to the first later value that already exceeds ``off``."""
        p = self._find(on, off, eid)
        self.onsets.insert(p, on)
        self.offsets.insert(p, off)
        self.ids.insert(p, eid)
        run = self.max_offsets
        m = max(run[p - 1] if p else -1, off)
        run.insert(p, m)
        for j in range(p + 1, len(run)):
            if run[j] >= m:
                break
            run[j] = m
        self._np = None

    def remove(self, on: int, off: int, eid: int) -> bool:
        """Take one event out; the running maximum is recomputed only until it agrees with
        the old one again. False when the event is not in the index."""
        p = self._find(on, off, eid)
        if p >= len(self.ids) or self.ids[p] != eid:
            return False
        del self.onsets[p], self.offsets[p], self.ids[p], self.max_offsets[p]
        run, offs = self.max_offsets, self.offsets
        m = run[p - 1] if p else -1
        for j in range(p, len(run)):
            m = max(m, offs[j])
            if run[j] == m:
                break
            run[j] = m
        self._np = None
        return True

    def visible(self, f0: int, f1: int) -> range:
        """Candidates overlapping [f0, f1]; callers still check ``offsets[i] >= f0``."""
        return range(bisect_left(self.max_offsets, f0), bisect_right(self.onsets, f1))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._np is None:
            self._np = (
                np.asarray(self.onsets, dtype=np.int64),
                np.asarray(self.offsets, dtype=np.int64),
            )
        return self._np


def coverage_depth(
    index: LaneIndex, rng: range, left_frame: float, px_per_frame: float, width_px: int
) -> np.ndarray:
    """How many events touch each pixel column of the lane (relative to its left edge).

    When thousands of bars would each be narrower than a few pixels, drawing them one by one
    is slow and unreadable; this profile is what the eye can see anyway, and it is computed
    in numpy so the cost does not grow with the Python-level number of bars.
    """
    if not len(rng) or width_px <= 0:
        return np.zeros(max(width_px, 0), dtype=np.int64)
    on, off = index.arrays()
    on = on[rng.start : rng.stop]
    off = off[rng.start : rng.stop]
    x0 = np.floor((on - left_frame) * px_per_frame).astype(np.int64)
    x1 = np.ceil((off + 1 - left_frame) * px_per_frame).astype(np.int64)
    keep = x1 > 0
    x0 = np.clip(x0[keep], 0, width_px)
    x1 = np.clip(np.maximum(x1[keep], x0 + 1), 0, width_px)
    diff = np.bincount(x0, minlength=width_px + 1) - np.bincount(x1, minlength=width_px + 1)
    return np.cumsum(diff[:width_px])


def coverage_runs(
    index: LaneIndex, rng: range, left_frame: float, px_per_frame: float, width_px: int
) -> list[tuple[int, int, int]]:
    """Pixel runs ``(x0, x1, max_depth)`` covered by events (see ``coverage_depth``)."""
    depth = coverage_depth(index, rng, left_frame, px_per_frame, width_px)
    covered = depth > 0
    if not covered.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([False], covered, [False])).astype(np.int8)))
    return [
        (a, b, int(depth[a:b].max()))
        for a, b in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True)
    ]
