"""Frame-aware ruler ticks: frames when zoomed in, time labels when zoomed out.

The first step at least ``min_px`` wide wins, from 1, 2, 5, 10 frames, then 1, 2, 5, 10,
30 s and minutes (OpenShot ``paint/ruler.py``). Second ticks land on the first frame that
starts at or after the whole second, so labels never claim a frame that does not exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

FRAME_STEPS = (1, 2, 5, 10)
SECOND_STEPS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


@dataclass(frozen=True, slots=True)
class TickStep:
    frames: int | None = None  # frame mode
    seconds: int | None = None  # time mode

    @property
    def in_frames(self) -> bool:
        return self.frames is not None


@dataclass(frozen=True, slots=True)
class Tick:
    frame: int
    label: str
    major: bool


def choose_step(px_per_frame: float, fps: Fraction, min_px: float = 40.0) -> TickStep:
    for n in FRAME_STEPS:
        if n * px_per_frame >= min_px:
            return TickStep(frames=n)
    for s in SECOND_STEPS:
        if float(s * fps) * px_per_frame >= min_px:
            return TickStep(seconds=s)
    return TickStep(
        seconds=SECOND_STEPS[-1] * max(1, math.ceil(min_px / (float(3600 * fps) * px_per_frame)))
    )


def time_label(seconds: int) -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def ticks(
    f0: int,
    f1: int,
    px_per_frame: float,
    fps: Fraction,
    min_px: float = 40.0,
) -> list[Tick]:
    """Major (labelled) and minor ticks for frames ``f0..f1`` (inclusive), in view only."""
    step = choose_step(px_per_frame, fps, min_px)
    out: list[Tick] = []
    if step.frames is not None:
        n = step.frames
        minor = 1 if n > 1 and px_per_frame >= 4 else None
        first = (max(f0, 0) // (minor or n)) * (minor or n)
        for f in range(first, f1 + 1, minor or n):
            if f < f0:
                continue
            major = f % n == 0
            out.append(Tick(f, str(f) if major else "", major))
        return out
    s = step.seconds or 1
    fpsf = float(fps)
    sub = _minor_seconds(s, px_per_frame * fpsf)
    k0 = max(0, math.floor(f0 / fpsf / sub))
    k1 = math.ceil(f1 / fpsf / sub)
    for k in range(k0, k1 + 1):
        sec = Fraction(k * sub)
        f = math.ceil(sec * fps)
        if f < f0 or f > f1:
            continue
        major = (k * sub) % s == 0
        label = time_label(int(sec)) if major and sub >= 1 else ""
        out.append(Tick(f, label, major))
    return out


def _minor_seconds(step_s: int, px_per_second: float) -> float:
    """A subdivision of the major step that is still at least ~8 px wide."""
    for div in (10, 5, 2):
        sub = step_s / div
        if sub >= 1 and sub == int(sub) and sub * px_per_second >= 8:
            return sub
    return float(step_s)
