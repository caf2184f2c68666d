"""Keeping VLC's playback and our frame index in step (no Qt; the controller polls it).

VLC's clock is an estimate with known faults, all measured under Xvfb with python-vlc 3.0:
- it counts from the container's zero, we from the first frame: offset by the first PTS
  (0.85 s on the Hamilton sample);
- right after a start it reports the requested time at once, then may land elsewhere (on a
  keyframe: frame 50 for a request of 20), and it moves in coarse 0.3-0.4 s steps;
- after a pause it trails the picture on screen by 2-10 frames.

So :class:`VlcFollower` counts VLC as started only once its clock has moved on from the
first value and is where it was asked to be (re-seeking up to three times), interpolates the
clock between its steps, and :func:`find_shown_frame` settles a pause on the frame whose
exact decode matches a grab of VLC's window.
"""

from __future__ import annotations

import enum
import logging
import time
from typing import Any, Protocol

import numpy as np

from annotator.model.timebase import Timebase
from annotator.playback.vlc_engine import MATCH_MAX_DIFF, MATCH_WIDTH, GrabMatcher, dump_grab

log = logging.getLogger(__name__)

# Neighbours searched on pause, relative to VLC's clock estimate (measured: lag 2-10 frames).
MATCH_BEFORE = 2
MATCH_AFTER = 15
# Give up on VLC (the controller then plays from the frame source) after this.
START_TIMEOUT_S = 3.0
# Files where VLC's seek lands on the next keyframe stay that way: retry once, then give up.
RETRIES = 1


class Follow(enum.Enum):
    STARTING = "starting"  # not yet confirmed at the requested time: the playhead waits
    STARTED = "started"  # VLC plays from the requested time: show its surface from now on
    PLAYING = "playing"
    LOST = "lost"  # landed elsewhere (measured: on the next keyframe): hide it, seek again
    FAILED = "failed"  # did not start where asked: play from the frame source instead
    ENDED = "ended"  # end of media, stopped or error


class _Source(Protocol):
    frame_count: int
    width: int
    height: int

    def frame(self, i: int, *, size: tuple[int, int] | None = None) -> np.ndarray: ...


class VlcFollower:
    """Starts VLC at a frame and tells where it is, in frames of our timebase."""

    def __init__(self, engine: Any, timebase: Timebase, offset_s: float) -> None:
        self.engine = engine
        self._tb = timebase
        self._offset_s = offset_s
        self._rate = 1.0
        self._target_s: float | None = None
        self._first_t: float | None = None
        self._retries = 0
        self._announced = False
        self._asked_at = 0.0
        # VLC failed to start where asked on this file: its seeks cannot be trusted here.
        self.unreliable = False
        self._last_t: float | None = None
        self._last_change = 0.0

    def set_timebase(self, timebase: Timebase) -> None:
        """The video's index grew or completed (the frame index is built in a worker)."""
        self._tb = timebase

    def start(self, frame: int, rate: float = 1.0) -> None:
        """Play from ``frame``; :meth:`poll` says when VLC really plays from there."""
        self._rate = abs(rate)
        self._target_s = self._tb.time_s(frame)
        self._first_t = None
        self._retries = 0
        self._announced = False
        self._last_t = None
        self._asked_at = time.monotonic()
        self.engine.play_from(self._target_s + self._offset_s, self._rate)

    def pause(self) -> None:
        self._target_s = None
        self.engine.pause()

    def time_s(self) -> float | None:
        """VLC's clock on our time axis (frame 0 = 0.0); an estimate, never trusted alone."""
        t = self.engine.time_s()
        return None if t is None else t - self._offset_s

    def poll(self) -> Follow:
        self.engine.poll()
        state = self.engine.state
        if state in ("ended", "stopped", "error"):
            log.debug("VLC %s while playing", state)
            self._target_s = None
            return Follow.ENDED
        t = self.time_s()
        if self._target_s is not None:
            return self._poll_starting(state, t)
        if t is not None and state == "playing" and t != self._last_t:
            self._last_t = t
            self._last_change = time.monotonic()
        return Follow.PLAYING

    def frame_estimate(self) -> int | None:
        """The frame VLC plays now: its last clock value plus the time since it changed."""
        if self._last_t is None:
            return None
        t = self._last_t + self._rate * (time.monotonic() - self._last_change)
        return self._tb.index_at(t)

    def _poll_starting(self, state: str, t: float | None) -> Follow:
        target_s = self._target_s
        assert target_s is not None
        waited_s = time.monotonic() - self._asked_at
        if state == "playing" and t is not None:
            if self._first_t is None:
                self._first_t = t
                if not self._announced and abs(t - target_s) < 0.06:
                    # VLC took the seek: show its picture now (a still frame until the
                    # clock confirms would look like a stall), keep checking below.
                    self._announced = True
                    self._last_t = t  # the playhead follows from here while confirming
                    self._last_change = time.monotonic()
                    return Follow.STARTED
            elif t != self._first_t:
                # Coarse clock steps: allow what could have played since the request.
                if target_s - 0.06 <= t <= target_s + waited_s * self._rate + 0.1:
                    log.debug("VLC playing from %.3f (asked %.3f)", t, target_s)
                    self._target_s = None
                    self._last_t = t
                    self._last_change = time.monotonic()
                    if self._announced:
                        return Follow.PLAYING
                    self._announced = True
                    return Follow.STARTED
                if self._retries < RETRIES:
                    self._retries += 1
                    log.debug("VLC at %.3f instead of %.3f; seeking again", t, target_s)
                    self._first_t = None
                    self._last_t = None
                    self._announced = False
                    self._asked_at = time.monotonic()
                    self.engine.play_from(target_s + self._offset_s, self._rate)
                    return Follow.LOST
                self._retries += 1
        if self._retries > RETRIES or waited_s > START_TIMEOUT_S:
            log.warning(
                "VLC did not play from %.3f s; this video's picture comes from the frame source",
                target_s,
            )
            self.unreliable = True
            self.pause()
            return Follow.FAILED
        return Follow.STARTING


# Offsets from the clock's estimate, most likely first (VLC's clock trails by ~2 frames).
_LIKELY = (2, 1, 3, 0, 4, 5, -1, 6, 7, -2, *range(8, MATCH_AFTER + 1))
# The match must differ this much less than its neighbours to end the search early.
_CLEAR_RATIO = 0.7


def find_shown_frame(src: _Source, shown: np.ndarray, estimate: int, fps: float) -> int | None:
    """The frame whose exact decode matches the grab of VLC's window, near ``estimate``.

    Tries the likeliest frames first and stops at a match clearly better than both its
    neighbours (duplicated frames never stop early, they are searched through):
    each candidate is a decode (about 45 ms on 1080p long-GOP, so all 18 froze the GUI for
    0.8 s). Without a match in -2..+15 it searches one second either side, so an odd
    container's timing still settles on the picture. ``None``: nothing matched.
    """
    dump_grab(shown, estimate)
    matcher = GrabMatcher.of(shown, (src.width, src.height))
    if matcher is None:
        return None
    size = (MATCH_WIDTH, max(2, round(MATCH_WIDTH * src.height / max(src.width, 1))))
    last = src.frame_count - 1
    scores: dict[int, float] = {}

    def best() -> int:
        return min(scores, key=lambda i: (scores[i], i))

    def settled(i: int) -> bool:
        """Clearly the picture: both neighbours decoded and clearly worse."""
        around = [scores.get(n) for n in (i - 1, i + 1) if 0 <= n <= last]
        return (
            scores[i] <= MATCH_MAX_DIFF
            and None not in around
            and all(scores[i] <= _CLEAR_RATIO * d for d in around)  # type: ignore[operator]
        )

    for d in _LIKELY:
        i = estimate + d
        if 0 <= i <= last and i not in scores:
            scores[i] = matcher.difference(src.frame(i, size=size))
            if settled(best()):
                break
    if not scores or scores[best()] > MATCH_MAX_DIFF:
        second = max(round(fps), MATCH_AFTER)
        for i in range(max(estimate - second, 0), min(estimate + second, last) + 1):
            if i not in scores:
                scores[i] = matcher.difference(src.frame(i, size=size))
    if not scores or scores[best()] > MATCH_MAX_DIFF:
        log.warning("VLC paused: grab matched no frame near %d; using the clock", estimate)
        return None
    found = best()
    others = [v for k, v in scores.items() if k != found]
    log.info(
        "VLC paused: clock says frame %d, picture matches %d (difference %.1f, next best %.1f, "
        "%d decodes)",
        estimate,
        found,
        scores[found],
        min(others, default=float("inf")),
        len(scores),
    )
    return found
