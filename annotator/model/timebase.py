"""Frame index <-> seconds from a video's real presentation timestamps.

The frame index is the canonical time everywhere in Facet. Seconds are derived at the edges
(CSV, ELAN, labels, VLC) from the timestamps the media engine read from the stream, so
variable-frame-rate video, NTSC 30000/1001 and streams whose first PTS is not 0 never drift.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

# Float PTS seconds carry rounding noise; a frame starts "at" t when within this tolerance.
_EPS_S = 1e-6


@dataclass(frozen=True, eq=False)
class Timebase:
    """Per-frame presentation times in seconds, measured from the first frame (frame 0 = 0.0)."""

    timestamps: np.ndarray
    fps: Fraction
    #: Presentation time of frame 0 in the stream (its first PTS): 0 for most files; ELAN
    #: export writes it as TIME_ORIGIN, import subtracts it.
    start_s: float = 0.0
    # The same times as a Python list: indexing it is ~10x faster than numpy scalars.
    _list: list[float] = field(init=False, repr=False, compare=False)
    _mid_cache: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ts = np.asarray(self.timestamps, dtype=np.float64)
        if ts.ndim != 1 or len(ts) == 0:
            raise ValueError("a timebase needs at least one frame timestamp")
        object.__setattr__(self, "timestamps", ts)
        object.__setattr__(self, "_list", ts.tolist())

    @classmethod
    def nominal(cls, frame_count: int, fps: Fraction) -> Timebase:
        """Constant-rate stand-in when the real timestamps are not known (video missing)."""
        fps = Fraction(fps)
        # i * den / num with exact integers, one correctly rounded division: the same floats
        # as float(Fraction(i) / fps), without 90,000 Fractions for an hour of video.
        ts = np.arange(max(frame_count, 1), dtype=np.float64) * fps.denominator / fps.numerator
        return cls(ts, fps)

    @property
    def frame_count(self) -> int:
        return len(self.timestamps)

    @property
    def last_frame_duration_s(self) -> float:
        if self.frame_count >= 2:
            return float(np.median(np.diff(self.timestamps[-min(self.frame_count, 9) :])))
        return float(1 / self.fps) if self.fps else 0.04

    def time_s(self, frame: int) -> float:
        """Presentation time of ``frame`` (its start)."""
        return self._list[self._clamp(frame)]

    def end_s(self, frame: int) -> float:
        """End of ``frame`` = start of the next one (the last frame lasts a typical frame)."""
        f = self._clamp(frame)
        if f + 1 < self.frame_count:
            return self._list[f + 1]
        return self._list[f] + self.last_frame_duration_s

    def duration_s(self, onset_frame: int, offset_frame: int) -> float:
        """From the start of the onset frame to the end of the offset frame (inclusive)."""
        return self.end_s(offset_frame) - self.time_s(onset_frame)

    def durations_s(
        self, onsets: np.ndarray | list[int], offsets: np.ndarray | list[int]
    ) -> np.ndarray:
        """``duration_s`` of many spans at once: the same floats, one numpy gather instead
        of a Python call per span (statistics and breakdowns of 100,000 events)."""
        ts = self.timestamps
        n = len(ts)
        ends = np.append(ts[1:], ts[-1] + self.last_frame_duration_s)
        on = np.clip(np.asarray(onsets, np.int64), 0, n - 1)
        off = np.clip(np.asarray(offsets, np.int64), 0, n - 1)
        return np.asarray(ends[off] - ts[on])

    @property
    def duration_total_s(self) -> float:
        return self.end_s(self.frame_count - 1)

    def frames_in(self, start_s: float, end_s: float) -> tuple[int, int]:
        """The frames of the half-open span ``[start_s, end_s)``: those whose middle lies in
        it, so back-to-back spans get back-to-back frames whatever the boundary; a span that
        holds no frame's middle gets the one frame on screen at its own middle."""
        mids = self._mids()
        first = int(np.searchsorted(mids, start_s, side="left"))
        last = int(np.searchsorted(mids, end_s, side="left")) - 1
        if last < first or first >= self.frame_count:
            f = self.index_at((start_s + end_s) / 2)
            return f, f
        return first, min(last, self.frame_count - 1)

    def _mids(self) -> np.ndarray:
        mids = self._mid_cache
        if mids is None:
            ends = np.append(self.timestamps[1:], self.timestamps[-1] + self.last_frame_duration_s)
            mids = (self.timestamps + ends) / 2
            object.__setattr__(self, "_mid_cache", mids)
        return mids

    def index_at(self, seconds: float) -> int:
        """The frame on screen at ``seconds``: the last frame starting at or before it."""
        i = bisect_right(self._list, seconds + _EPS_S) - 1
        return min(max(i, 0), self.frame_count - 1)

    def _clamp(self, frame: int) -> int:
        return min(max(int(frame), 0), self.frame_count - 1)


MICRO_MAX_S = 0.5


def scale_of(duration_s: float) -> str:
    """``micro`` when onset-to-offset lasts at most 0.5 s, else ``macro``."""
    return "micro" if duration_s <= MICRO_MAX_S + _EPS_S else "macro"
