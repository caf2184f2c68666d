"""Background decode around the frame the user is looking at, with its own decoder.

Measured: a prefetch thread that shares the caller's decoder (and its lock) makes single
steps stall 15-45 ms at p95. So the worker owns a separate container and decoder and talks
to the caller only through the thread-safe :class:`FrameCache`.

Hysteresis keeps it from thrashing: a backward job starts only when fewer than half of
the ``behind`` window is cached, then fills the whole window from its keyframe, so one
GOP decode serves dozens of back steps.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from annotator.media.decoder import SeekingDecoder, Size
from annotator.media.errors import MediaError
from annotator.media.frame_cache import FrameCache
from annotator.media.pts_index import PtsIndex

log = logging.getLogger(__name__)

# Longest wait in pause() for the running prefetch job to stop (one frame's decode, even
# at 1080p on a loaded machine; never a whole GOP).
_PAUSE_WAIT_S = 0.25


@dataclass(frozen=True)
class _Hint:
    index: int
    direction: int
    size: Size


class Prefetcher:
    """Worker thread that fills the cache ahead of (or behind) the latest hint."""

    def __init__(
        self,
        path: Path,
        index: PtsIndex,
        cache: FrameCache,
        *,
        ahead: int,
        behind: int,
        stream_index: int = 0,
    ) -> None:
        self._decoder = SeekingDecoder(path, index, stream_index=stream_index)
        self._cache = cache
        self._count = index.frame_count
        self.ahead = max(ahead, 1)
        self.behind = max(behind, 1)
        self._hint: _Hint | None = None
        self._generation = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._busy = False
        self._paused = 0  # > 0 while the caller decodes a seek or a step: yield the CPU
        self._job: tuple[int, int, Size] | None = None  # window being decoded now
        self._thread = threading.Thread(target=self._run, name="facet-prefetch", daemon=True)
        self._thread.start()

    def hint(self, index: int, direction: int, size: Size) -> None:
        """Non-blocking: replace the pending hint and wake the worker."""
        with self._cond:
            self._hint = _Hint(index, 1 if direction >= 0 else -1, size)
            self._generation += 1
            self._cond.notify()

    def pause(self) -> None:
        """The caller is about to decode: abort the running job and start none until
        :meth:`resume`. On 2 cores a prefetch decode beside a seek's decode makes the
        seek up to 2.5x slower (measured), so the user's request always goes first."""
        with self._cond:
            self._paused += 1
            # Before the caller starts decoding: let the running job notice and stop (it
            # checks between two frames), so the two decoders never run side by side.
            self._cond.wait_for(lambda: self._stopped or not self._busy, _PAUSE_WAIT_S)

    def resume(self) -> None:
        with self._cond:
            self._paused = max(self._paused - 1, 0)
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """For tests and benches: block until the worker has nothing left to do."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._stopped or (not self._busy and self._hint is None), timeout
            )

    def will_produce(self, index: int, size: Size) -> bool:
        """True while the running job will still put frame ``index`` at ``size`` in the cache.

        On a miss the caller waits for it instead of decoding the same GOP a second time
        on the other core (two decoders racing through one GOP finish later than one).
        """
        job = self._job
        if job is None or job[2] != size or not job[0] <= index <= job[1]:
            return False
        pos = self._decoder.position
        return pos is None or pos <= index

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5.0)
        self._decoder.close()

    def _window(self, hint: _Hint) -> tuple[int, int] | None:
        """The frame range to fill for ``hint``, or ``None`` when enough is cached."""
        i, size = hint.index, hint.size
        if hint.direction > 0:
            lo, hi = i + 1, min(i + self.ahead, self._count - 1)
        else:
            lo, hi = max(i - self.behind, 0), i - 1
        if lo > hi:
            return None
        span = range(lo, hi + 1) if hint.direction > 0 else range(hi, lo - 1, -1)
        run = 0
        for j in span:  # contiguous cached run next to the user
            if not self._cache.has_frame(size, j):
                break
            run += 1
        if run >= len(span) or run * 2 >= len(span):
            return None
        return lo, hi

    def _run(self) -> None:
        while True:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
                self._cond.wait_for(
                    lambda: self._stopped or (self._hint is not None and not self._paused)
                )
                if self._stopped:
                    return
                hint, self._hint = self._hint, None
                self._busy = True
            assert hint is not None
            window = self._window(hint)
            if window is None:
                continue
            lo, hi = window
            self._job = (lo, hi, hint.size)
            try:
                self._decoder.decode_range(
                    lo,
                    hi,
                    hint.size,
                    self._cache,
                    should_stop=functools.partial(self._moved, window),
                )
            except MediaError as exc:
                log.debug("prefetch %s stopped: %s", window, exc)
            except Exception:  # a worker must never die silently mid-session
                log.exception("prefetch of frames %d-%d failed", lo, hi)
            finally:
                self._job = None

    def _moved(self, window: tuple[int, int]) -> bool:
        """Abort only when the user jumped away from the window being filled."""
        if self._stopped or self._paused:
            return True
        pending = self._hint
        if pending is None:
            return False
        lo, hi = window
        margin = max(self.ahead, self.behind)
        return not (lo - margin <= pending.index <= hi + margin)
