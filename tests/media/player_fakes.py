"""A FrameSource stand-in for controller tests: barcode frames, real-looking timestamps.

Lets the controller tests run without decoding (fast, no files) and pins the controller to
the documented FrameSource interface, not to one implementation.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from annotator.media.barcode import draw_index
from annotator.model import Timebase


class FakeSource:
    """Frame ``i`` is a grey picture with barcode ``i``; optional irregular (VFR) timestamps."""

    def __init__(
        self,
        frame_count: int = 100,
        fps: Fraction = Fraction(25),
        timestamps: np.ndarray | None = None,
        size: tuple[int, int] = (160, 120),
    ) -> None:
        self.frame_count = frame_count
        self.fps = Fraction(fps)
        if timestamps is None:
            timestamps = np.array([float(Fraction(i) / self.fps) for i in range(frame_count)])
        self.timestamps = np.asarray(timestamps, dtype=np.float64)
        self.width, self.height = size
        self.has_audio = False
        self.timebase = Timebase(self.timestamps, self.fps)
        self.requests: list[int] = []
        self.prefetches: list[tuple[int, int]] = []
        self.closed = False

    def frame(self, i: int, *, size: tuple[int, int] | None = None) -> np.ndarray:
        if not 0 <= i < self.frame_count:
            raise IndexError(i)
        self.requests.append(i)
        w, h = size or (self.width, self.height)
        img = np.full((h, w, 3), 128, np.uint8)
        draw_index(img, i)
        return img

    def index_at(self, seconds: float) -> int:
        return self.timebase.index_at(seconds)

    def prefetch(self, i: int, direction: int = 1, *, size: tuple[int, int] | None = None) -> None:
        self.prefetches.append((i, direction))

    def close(self) -> None:
        self.closed = True
