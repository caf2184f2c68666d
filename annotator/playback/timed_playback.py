"""Frame-source playback, one timer tick at a time: pure decisions, no Qt, no clock.

The controller measures wall time and asks :func:`plan_tick` what to show. Media time is
``anchor + rate x elapsed`` mapped through the real timestamps, so a late tick skips frames
instead of slowing down, VFR plays at its real pace, and reverse and slow motion are the
same code with another rate. Playback moves only to frames already decoded
(:func:`latest_decoded`): a backward GOP decode runs on the prefetch worker, never on the
GUI thread, and the frame number always names the picture on screen.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from annotator.model.timebase import Timebase

# Wait this long (ms) for the prefetch worker before decoding on the caller's thread.
MAX_STALL_MS = 250
# How far back from the target to look for a decoded frame.
MAX_SKIP_SCAN = 64


@dataclass(frozen=True, slots=True)
class Tick:
    """What one tick does: show ``frame`` (None: keep), re-anchor the clock, stop, prefetch."""

    frame: int | None = None
    restart_clock: bool = False
    stop: bool = False
    prefetch: tuple[int, int] | None = None  # (frame, direction)


def plan_tick(
    tb: Timebase,
    t: float,
    prev: int,
    rate: float,
    loop: tuple[int | None, int | None],
    decoded: Any,
    stalled_ms: float,
) -> Tick:
    """Decide the tick at media time ``t`` (seconds) coming from frame ``prev``.

    ``decoded(prev, target)`` returns the nearest decoded frame or ``None`` (see
    :func:`latest_decoded`); after ``MAX_STALL_MS`` without one the target is shown anyway
    (the caller decodes it).
    """
    last = tb.frame_count - 1
    target = tb.index_at(t)
    a, b = loop
    if a is not None and b is not None:
        if rate > 0 and prev <= b < target:
            return Tick(frame=a, restart_clock=True)
        if rate < 0 and t < tb.time_s(a) and prev >= a:
            return Tick(frame=b, restart_clock=True)
    if rate > 0 and t >= tb.end_s(last):
        return Tick(frame=last, stop=True)
    if rate < 0 and t < 0:
        return Tick(frame=0, stop=True)
    if target == prev:
        return Tick()
    direction = 1 if rate > 0 else -1
    shown = decoded(prev, target)
    if shown is None and stalled_ms < MAX_STALL_MS:
        return Tick(prefetch=(target, direction))  # the worker decodes; keep the picture
    frame = target if shown is None else shown
    return Tick(frame=frame, prefetch=(frame + direction, direction))


def latest_decoded(
    cache: Container[object] | None,
    size: tuple[int, int] | None,
    full_size: tuple[int, int],
    prev: int,
    target: int,
) -> int | None:
    """The frame nearest ``target`` (after ``prev``) whose decode at ``size`` is cached.

    Keys follow ``FrameSource.cache``: ``(None, i)`` for full size, ``((w, h), i)`` scaled.
    No cache (a fake or another source) counts every frame as decoded.
    """
    if cache is None:
        return target
    key = None if size is None or tuple(size) == tuple(full_size) else (int(size[0]), int(size[1]))
    step = 1 if target > prev else -1
    for i in range(target, prev, -step):
        if (key, i) in cache:
            return i
        if abs(target - i) > MAX_SKIP_SCAN:
            break
    return None
