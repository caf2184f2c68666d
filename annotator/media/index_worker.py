"""The index half of FrameSource when it is built in a worker: first frame now, the rest later.

``FrameSource(path, index_progress=callback)`` returns as soon as the header is read and
frame 0 is decoded (its PTS is the first entry of the table), while a worker thread with a
container of its own builds the PTS table (:func:`annotator.media.pts_index.build_index`:
MP4/MOV sample tables, else a packet scan, else a decode pass). Meanwhile ``frame_count``
is the number of frames whose index is already certain (1, then growing during a packet
scan or decode pass), every one of them exact; when the table is complete it is swapped in
and cached on disk. ``callback`` gets an :class:`IndexProgress` on the worker's thread
(a Qt caller forwards it to its GUI thread, e.g. with a queued signal).

A file that cannot be indexed past some point keeps the frames before it (``index_note``
says where it stopped); a build that fails outright keeps what was already indexed and
says so in ``index_note`` and in the last progress' ``error``.

A mixin like :mod:`annotator.media.preview_proxy`: ``FrameSource`` stays one object.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from annotator import pacing
from annotator.media.decoder import RawFrame
from annotator.media.errors import MediaError
from annotator.media.pts_index import PtsIndex, build_index, final_prefix, save_cached

if TYPE_CHECKING:
    from annotator.media.decoder_pool import DecoderPool
    from annotator.media.frame_cache import FrameCache
    from annotator.media.prefetch import Prefetcher

log = logging.getLogger("annotator.media.frame_source")


@dataclass(frozen=True)
class IndexProgress:
    """How far the worker's index is: ``frames`` usable now, ``fraction`` of the file."""

    frames: int
    fraction: float
    done: bool
    method: str = ""  # how the final table was built (set when ``done``)
    note: str = ""  # where a damaged file stopped being readable ("" for whole files)
    error: str = ""  # one line when the build failed (the frames indexed stay usable)


IndexCallback = Callable[[IndexProgress], None]


_GATE_WAIT_S = 10.0
# How often a worker waiting at the gate looks whether its source was closed.
_CLOSED_POLL_S = 0.05


class _Cancelled(Exception):
    pass


class IndexWorker:
    """Methods of FrameSource about an index built in the background."""

    if TYPE_CHECKING:
        path: Path
        time_base: Fraction
        stream_index: int
        _closed: bool
        _index: PtsIndex
        _index_dir: Path | None
        _lock: threading.Lock
        _hint_lock: threading.Lock
        _pool: DecoderPool | None
        _prefetcher: Prefetcher | None
        _cache: FrameCache
        index_note: str

        def _derive_times(self) -> None: ...

    _index_thread: threading.Thread | None = None
    _index_done: threading.Event | None = None
    _index_callback: IndexCallback | None = None
    _index_state: IndexProgress | None = None
    # Set before the worker starts (annotator.playback.preopen): the worker waits for it
    # (at most _GATE_WAIT_S), so it does not compete with the GUI's start-up for the GIL.
    _index_gate: threading.Event | None = None

    # --- public -------------------------------------------------------------------------
    @property
    def index_complete(self) -> bool:
        """False while the worker is still building the table (``frame_count`` grows)."""
        return self._index_done is None or self._index_done.is_set()

    @property
    def index_progress(self) -> IndexProgress | None:
        """The latest progress report (``None`` when the index was there at open)."""
        return self._index_state

    def wait_index(self, timeout: float | None = None) -> bool:
        """Block until the index is complete (tests, CLI; never on a GUI thread)."""
        return self._index_done is None or self._index_done.wait(timeout)

    # --- opening --------------------------------------------------------------------------
    def _first_frame_index(self, container: Any) -> PtsIndex | None:
        """A one-frame table from decoding frame 0 on the header container; its picture is
        cached raw, so the first ``frame(0)`` only converts it. ``None`` when the stream
        has no timestamps to key a table on (the caller then builds the index at once)."""
        stream = container.streams[self.stream_index]
        stream.thread_type = "AUTO"  # before the codec opens: this container is kept
        try:
            frame = next(container.decode(stream), None)
        except av.FFmpegError:
            return None
        if frame is None or frame.pts is None:
            return None
        p0 = int(frame.pts)
        self._cache.put(("raw", 0), RawFrame(frame))
        return PtsIndex(
            pts=np.asarray([p0], dtype=np.int64),
            key_pts=np.asarray([p0], dtype=np.int64),
            time_base=self.time_base,
            method="partial",
        )

    def _start_index_worker(self, callback: IndexCallback | None) -> None:
        self._index_callback = callback
        self._index_done = threading.Event()
        self._index_state = IndexProgress(frames=1, fraction=0.0, done=False)
        self._index_thread = threading.Thread(
            target=self._index_run, name="facet-index", daemon=True
        )
        self._index_thread.start()

    def _stop_index_worker(self) -> None:
        """Detach the worker: ``close()`` never waits for it (an MP4 table read or the
        last-GOP check cannot be interrupted, and a close is a GUI action). The worker
        sees ``_closed`` at its next step (each scan report, at most every
        ``pts_index._REPORT_EVERY_S``), drops its table, emits nothing more and closes
        its own container itself: no thread ever closes a container another reads.
        ``_install`` checks ``_closed`` under the caller lock, which ``close()`` also
        takes before it closes the decoders, so a table is never swapped into a closed
        source."""
        self._index_callback = None

    # --- the worker -----------------------------------------------------------------------
    def _index_run(self) -> None:
        done = self._index_done
        assert done is not None
        try:
            gate = self._index_gate
            if gate is not None:
                end = time.monotonic() + _GATE_WAIT_S
                while not gate.wait(_CLOSED_POLL_S) and time.monotonic() < end:
                    if self._closed:
                        return
            if self._closed:
                return
            with pacing.working(), av.open(str(self.path)) as container:
                if self._closed:
                    return
                stream = container.streams[self.stream_index]
                index = build_index(self.path, container, stream, report=self._on_scan)
            if self._index_dir is not None:  # complete and exact: the next open reads it
                save_cached(self.path, self._index_dir, index)
            if not self._install(index, final=True):
                return  # closed meanwhile: the table is dropped
            self._emit(IndexProgress(index.frame_count, 1.0, True, index.method, index.note))
        except _Cancelled:
            return
        except (MediaError, av.FFmpegError, OSError) as exc:
            if self._closed:
                return
            n = self._index.frame_count
            msg = f"{self.path.name}: indexed {n} frames; the index cannot be completed ({_short(exc)})"
            log.warning("%s", msg)
            with self._lock:
                self.index_note = msg
            self._emit(IndexProgress(n, 1.0, True, self._index.method, msg, msg))
        except Exception:  # a worker must never die silently mid-session
            log.exception("%s: index worker failed", self.path.name)
            self._emit(IndexProgress(self._index.frame_count, 1.0, True, error="index failed"))
        finally:
            done.set()

    def _on_scan(self, pts: list[int], keys: list[int], fraction: float, in_order: bool) -> None:
        if self._closed:
            raise _Cancelled
        pacing.pace()  # between scan chunks: the GUI thread's long turns go first
        prefix = final_prefix(pts, keys, in_order)
        if prefix is not None and len(prefix[0]) > self._index.frame_count:
            shown, key_pts = prefix
            if shown[0] == int(self._index.pts[0]):  # frame 0 as decoded: trust the prefix
                partial = PtsIndex(
                    pts=np.asarray(shown, dtype=np.int64),
                    key_pts=np.asarray(key_pts, dtype=np.int64),
                    time_base=self.time_base,
                    method="partial",
                )
                if not self._install(partial, final=False):
                    raise _Cancelled
        self._emit(IndexProgress(self._index.frame_count, fraction, False))

    def _install(self, index: PtsIndex, *, final: bool) -> bool:
        """Swap the table in under the caller lock; frames already decoded stay cached
        when the new table keeps their PTS (it extends the old one), else all is reset.
        False (nothing swapped) once the source is closed."""
        with self._lock:
            if self._closed:
                return False
            old = self._index
            n = old.frame_count
            extends = (
                index.frame_count >= n
                and index.time_base == old.time_base
                and bool(np.array_equal(index.pts[:n], old.pts))
            )
            self._index = index
            self._derive_times()
            if self._pool is not None:
                self._pool.set_index(index, reset=not extends)
            if not extends:
                self._cache.clear()
        with self._hint_lock:  # the worker's decoder knows the old table: a new one later
            prefetcher, self._prefetcher = self._prefetcher, None
        if prefetcher is not None:
            prefetcher.stop()
        log.debug("%s: index %s with %d frames", self.path.name, index.method, index.frame_count)
        return True

    def _emit(self, progress: IndexProgress) -> None:
        self._index_state = progress
        callback = self._index_callback
        if callback is None or self._closed:
            return
        try:
            callback(progress)
        except Exception:  # the caller's bug must not stop the index
            log.exception("%s: index progress callback failed", self.path.name)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
