"""FrameSource: exact frames of a video by index, fast enough for stepping back and forth.

The frame index is a position in the PTS table (:mod:`annotator.media.pts_index`), so
``frame(i)`` is the same picture whatever the access order, frame rate or first PTS.
Decoded frames go into a byte-bounded LRU cache; a worker with its own decoder fills the
cache around the user's position, so backward steps inside a long GOP come from memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from annotator.media.decoder import SeekingDecoder, Size, lookup
from annotator.media.decoder_pool import DecoderPool, pool_size_for
from annotator.media.errors import MediaError
from annotator.media.frame_cache import FrameCache
from annotator.media.index_worker import IndexCallback, IndexWorker
from annotator.media.prefetch import Prefetcher
from annotator.media.preview_proxy import PreviewProxy, _proxy
from annotator.media.pts_index import (
    PtsIndex,
    build_index,
    default_cache_dir,
    load_cached,
    pick_video_stream,
    save_cached,
)
from annotator.model.timebase import Timebase

if TYPE_CHECKING:
    from annotator.media.proxy import ProxyBuild, ProxyReader

log = logging.getLogger(__name__)

# Spread between the shortest and longest frame interval, relative to the median, beyond
# which a stream counts as variable frame rate (CFR muxing jitters by a tick or two).
_VFR_SPREAD = 0.02
# On a jump or backward miss, frames just before the target are kept: a few converted
# to RGB, more as raw decoded pictures (cheap to keep, converted when stepped onto).
_KEEP_RGB_BEHIND = 2
_KEEP_RAW_BEHIND = 24


def _fail(path: Path, problem: str) -> MediaError:
    return MediaError(f"{path.name}: {problem}")


class FrameSource(PreviewProxy, IndexWorker):
    """Frame-exact random access to the first video stream of a file.

    ``cache_mb`` bounds the decoded-frame cache in megabytes (full-size and display-size
    frames share it); ``prefetch`` starts a worker that decodes around each requested
    frame; ``index_cache_dir`` overrides where the PTS table is cached (``False`` disables
    the disk cache); ``proxy_dir`` overrides where preview proxies are kept.

    ``index_progress``: build the frame index in a worker thread (when it is not cached
    yet) and return once frame 0 is decoded; ``frame_count`` then grows to the full count
    and the callback gets each :class:`~annotator.media.index_worker.IndexProgress` on the
    worker's thread (see :mod:`annotator.media.index_worker`).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        cache_mb: float = 512,
        prefetch: bool = True,
        index_cache_dir: Path | str | bool | None = None,
        proxy_dir: Path | str | None = None,
        index_progress: IndexCallback | None = None,
    ) -> None:
        self.path = Path(path)
        self._closed = False
        self._prefetcher: Prefetcher | None = None
        self._pool: DecoderPool | None = None
        self._index_dir: Path | None = None
        # annotator.media.proxy is imported on use only: it is also the build process's
        # __main__ (python -m), which must not find itself already imported.
        self._proxy_dir = Path(proxy_dir) if proxy_dir is not None else _proxy().default_proxy_dir()
        self._proxy_build: ProxyBuild | None = None
        self._proxy_failed = False  # one failed build per session: do not loop on it
        self._proxy: ProxyReader | None = None
        self._proxy_lock = threading.Lock()
        # Exact decodes asked for by request(): latest wins, run on the caller's decoder.
        self._request: tuple[int, Size] | None = None
        self._request_gen = 0
        self._request_cond = threading.Condition()
        self._request_thread: threading.Thread | None = None
        if not self.path.exists():
            raise _fail(self.path, "file not found")
        if not self.path.is_file():
            raise _fail(self.path, "not a file")
        try:
            opened = av.open(str(self.path))
        except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise _fail(self.path, f"not a readable video ({_short(exc)})") from exc
        self._index_was_cached = False
        self._cache = FrameCache(int(cache_mb * 1024 * 1024))
        self._lock = threading.Lock()  # the caller's decoders only; never the worker's
        self._hint_lock = threading.Lock()
        background = False
        try:
            self._read_header(opened)
            self._index_dir = self._cache_dir(index_cache_dir)
            cached = self._cached_index()
            if cached is None and index_progress is not None:
                first = self._first_frame_index(opened)
                if first is not None:  # the rest of the table comes from the worker
                    cached, background = first, True
            if cached is not None:
                self._index_was_cached = True  # the header container becomes a decoder
                self._index = cached
            else:
                self._index = self._build_index(opened)
            self._derive_times()
        except av.FFmpegError as exc:
            opened.close()
            raise _fail(self.path, f"corrupt video ({_short(exc)})") from exc
        except BaseException:
            opened.close()
            raise
        container: av.container.InputContainer | None = opened
        if not self._index_was_cached:
            # The index build decoded with this container; a fresh one gets threading.
            opened.close()
            container = None
        # With a cached index, the header container becomes the caller's decoder: one
        # av.open less on the way to the first frame.
        self._pool = DecoderPool(
            self.path,
            self._index,
            stream_index=self.stream_index,
            size=pool_size_for(self.width, self.height),
            container=container,
        )
        self._want_prefetch = prefetch
        self._last_index: int | None = None
        self._direction = 1
        if background:
            self._start_index_worker(index_progress)

    # --- opening -------------------------------------------------------------------
    def _read_header(self, container: Any) -> None:
        vs = pick_video_stream(container)
        if vs is None:
            raise _fail(self.path, "no video stream")
        self.stream_index: int = int(vs.index)
        cc = vs.codec_context
        if not cc.width or not cc.height:
            raise _fail(self.path, "video stream without picture size")
        self.width: int = int(cc.width)
        self.height: int = int(cc.height)
        self.codec: str = str(cc.name)
        self.time_base: Fraction = Fraction(vs.time_base)
        self.has_audio: bool = bool(container.streams.audio)
        self.container_frames: int = int(vs.frames or 0)
        self._average_rate = vs.average_rate
        self._guessed_rate = getattr(vs, "guessed_rate", None)

    @staticmethod
    def _cache_dir(cache_dir: Path | str | bool | None) -> Path | None:
        if cache_dir is False:
            return None
        if cache_dir is None or cache_dir is True:
            return default_cache_dir()
        return Path(cache_dir)

    def _cached_index(self) -> PtsIndex | None:
        if self._index_dir is None:
            return None
        cached = load_cached(self.path, self._index_dir)
        if cached is not None and (
            cached.time_base == self.time_base or cached.method == "ordinal"
        ):
            return cached
        return None

    def _build_index(self, container: Any) -> PtsIndex:
        index = build_index(self.path, container, container.streams[self.stream_index])
        if self._index_dir is not None:
            save_cached(self.path, self._index_dir, index)
        return index

    def _derive_times(self) -> None:
        idx = self._index
        self.time_base = idx.time_base  # differs from the stream's only in ordinal mode
        self.pts: np.ndarray = idx.pts
        self.frame_count: int = idx.frame_count
        self.start_pts: int = int(idx.pts[0])
        self.start_s: float = float(self.start_pts * self.time_base)
        rel = (idx.pts - idx.pts[0]).astype(np.float64)
        self.timestamps: np.ndarray = rel * float(self.time_base)
        diffs = np.diff(idx.pts)
        self.vfr: bool = False
        if len(diffs) >= 2:
            med = float(np.median(diffs))
            spread = float(diffs.max() - diffs.min())
            self.vfr = med > 0 and spread > max(2.0, _VFR_SPREAD * med)
        # Non-empty when the file could not be read to its end (frames before are usable).
        self.index_note: str = idx.note
        self.fps: Fraction = self._nominal_fps(diffs)
        self.timebase: Timebase = Timebase(self.timestamps, self.fps, self.start_s)
        self.duration_s: float = self.timebase.duration_total_s

    def _nominal_fps(self, diffs: np.ndarray) -> Fraction:
        for rate in (self._average_rate, self._guessed_rate):
            if rate:
                fr = Fraction(rate)
                if 0 < fr < 1000:
                    return fr
        if len(diffs):  # derived: the median frame interval in stream time
            med = Fraction(int(np.median(diffs))) * self.time_base
            if med > 0:
                return (1 / med).limit_denominator(1001)
        return Fraction(25)

    # --- access ----------------------------------------------------------------------
    def frame(self, i: int, *, size: tuple[int, int] | None = None) -> np.ndarray:
        """RGB uint8 (H, W, 3) of frame ``i`` (read-only: it is shared with the cache).

        ``size=(w, h)`` decodes scaled for display; still exactly frame ``i``.
        """
        self._check_open()
        i = int(i)
        if not 0 <= i < self.frame_count:
            raise IndexError(f"frame {i} out of range 0..{self.frame_count - 1}")
        key_size = self._norm_size(size)
        if self._proxy_build is not None:
            self._user_activity()
        last = self._last_index
        jump = last is None or abs(i - last) > 1
        if jump or last is None:  # (``last is None`` is a jump; said again for the type checker)
            # After a jump forward steps are cheap (the decoder just continues) but a
            # backward step would re-decode the GOP: so keep what lies behind.
            direction = -1
        elif i == last:
            direction = self._direction
        else:
            direction = 1 if i > last else -1
        self._last_index, self._direction = i, direction
        arr = lookup(self._cache, key_size, i)
        if arr is None:
            arr = self._from_worker(i, key_size)
        if arr is None:
            arr = self._decode(i, key_size, behind=jump or direction < 0)
        if self._want_prefetch and not jump:
            # Steps only: after a jump the frames around it are already kept (raw behind,
            # the decoder parked at ``i`` ahead); a window decoded now from the keyframe
            # would redo the jump's work on the other core and evict those frames, and
            # slow the next jump (issue 19.4). The first step back starts the window.
            self._hint(i, direction, key_size)
        return arr

    def _from_worker(self, i: int, size: Size) -> np.ndarray | None:
        """Wait for the worker when its running job will produce frame ``i``.

        Happens when steps outrun the prefetch (a held key on 1080p long GOPs): the worker
        is already part-way through the GOP, so it finishes sooner than a fresh decode.
        Waits in short slices and gives up as soon as the worker drops the job.
        """
        worker = self._prefetcher
        if worker is None:
            return None
        while worker.will_produce(i, size):
            if self._cache.wait_frame(size, i, timeout=0.05):
                break
        return lookup(self._cache, size, i)

    def _decode(self, i: int, size: Size, *, behind: bool) -> np.ndarray:
        """Decode frame ``i`` on the caller's decoder (its own lock, never the worker's).

        ``behind``: after a jump or a backward step, frames just before ``i`` are kept
        too: a few as RGB, more as raw pictures, so the next back steps cost no decode.
        """
        assert self._pool is not None
        lo, raw_from = i, None
        if behind:
            lo = max(i - _KEEP_RGB_BEHIND, 0)
            raw_from = max(i - _KEEP_RAW_BEHIND, 0)
        worker = self._prefetcher
        if worker is not None:
            worker.pause()  # the user's frame first: no prefetch decode beside it
        try:
            with self._lock:
                decoder = self._pool.pick(self._first_missing(lo, i, size))
                arr = decoder.decode_range(lo, i, size, self._cache, raw_from=raw_from)
        except av.FFmpegError as exc:
            raise _fail(self.path, f"decode error at frame {i} ({_short(exc)})") from exc
        finally:
            if worker is not None:
                worker.resume()
        if arr is None:
            raise _fail(self.path, f"frame {i} cannot be decoded")
        return arr

    def _first_missing(self, lo: int, hi: int, size: Size) -> int:
        """First frame of ``lo..hi`` not cached: where a decode has to start."""
        return next((j for j in range(lo, hi + 1) if not self._cache.has_frame(size, j)), hi)

    @property
    def _decoder(self) -> SeekingDecoder | None:
        """The caller's decoder used last (where forward steps continue)."""
        return self._pool.current if self._pool is not None else None

    def iter_frames(
        self, start: int = 0, stop: int | None = None, *, size: tuple[int, int] | None = None
    ) -> Iterator[tuple[int, np.ndarray]]:
        """``(index, rgb)`` for frames ``start..stop-1`` in order, from a private decoder.

        For whole-video passes (spotting, clip export, thumbnails): nothing goes through
        the LRU cache, so a pass neither evicts what the player shows nor waits for its
        lock. The decoder is closed when the iterator is exhausted or closed.
        """
        self._check_open()
        stop = self.frame_count if stop is None else min(int(stop), self.frame_count)
        start = max(int(start), 0)
        decoder = SeekingDecoder(self.path, self._index, stream_index=self.stream_index)
        try:
            try:
                yield from decoder.iterate(start, stop, self._norm_size(size))
            except av.FFmpegError as exc:
                raise _fail(self.path, f"decode error ({_short(exc)})") from exc
        finally:
            decoder.close()

    def index_at(self, seconds: float) -> int:
        """The frame on screen at ``seconds`` (measured like :attr:`timestamps`)."""
        return self.timebase.index_at(seconds)

    def prefetch(self, i: int, direction: int = +1, *, size: tuple[int, int] | None = None) -> None:
        """Non-blocking hint: decode around ``i`` on the worker thread."""
        self._check_open()
        if 0 <= i < self.frame_count:
            self._hint(int(i), direction, self._norm_size(size))

    def wait_prefetch(self, timeout: float = 10.0) -> bool:
        """Block until the worker is idle (tests and benches only; never on the GUI thread)."""
        return self._prefetcher.wait_idle(timeout) if self._prefetcher else True

    def _hint(self, i: int, direction: int, size: Size) -> None:
        """Started on first use, so open() stays cheap and prefetch=False costs nothing.

        Windows scale with how many frames of this size fit the budget: 60 % of it
        behind (a long GOP decoded once serves many back steps), a sixth ahead; the
        rest is slack for frames just seen.
        """
        with self._hint_lock:
            if self._closed:
                return
            if self._prefetcher is None:
                w, h = size or (self.width, self.height)
                budget_frames = max(self._cache.budget_bytes // max(3 * w * h, 1), 2)
                self._prefetcher = Prefetcher(
                    self.path,
                    self._index,
                    self._cache,
                    ahead=int(min(max(budget_frames // 6, 2), 48)),
                    behind=int(min(max(budget_frames * 3 // 5, 2), 300)),
                    stream_index=self.stream_index,
                )
            self._prefetcher.hint(i, direction, size)

    def cached(self, i: int, *, size: tuple[int, int] | None = None) -> np.ndarray | None:
        """Frame ``i`` if it is already decoded, else ``None``; never decodes or blocks.

        Lets a UI thread paint immediately when it can and hand misses to a worker.
        """
        if self._closed or not 0 <= int(i) < self.frame_count:
            return None
        return lookup(self._cache, self._norm_size(size), int(i))

    def keyframe_before(self, i: int) -> int:
        """Index of the first frame decodable from the keyframe at or before frame ``i``.

        Decoding it costs a single frame: a scrubbing UI can show it (with its own,
        correct index) while the exact frame ``i`` is still decoding in a long GOP.
        """
        i = min(max(int(i), 0), self.frame_count - 1)
        seek = self._index.seek_pts(i)
        return min(max(int(np.searchsorted(self.pts, seek, side="left")), 0), i)

    # --- exact frames off the caller's thread ------------------------------------------
    def request(self, i: int, *, size: tuple[int, int] | None = None) -> None:
        """Non-blocking: decode exactly frame ``i`` on a background thread; poll ``cached``.

        For a UI that shows a preview at once and the exact frame when it is ready. Runs
        on the caller's decoder (the work ``frame(i)`` would do, with the frames behind
        kept for back steps, and the decoder left at ``i`` for forward steps), so a step
        right after simply continues. The latest request wins: a newer one aborts a decode
        still running, so scrubbing never queues up stale work.
        """
        self._check_open()
        if not 0 <= int(i) < self.frame_count:
            return
        self._user_activity()
        with self._request_cond:
            self._request = (int(i), self._norm_size(size))
            self._request_gen += 1
            self._request_cond.notify()
            if self._request_thread is None:
                self._request_thread = threading.Thread(
                    target=self._request_loop, name="facet-exact", daemon=True
                )
                self._request_thread.start()

    def _request_loop(self) -> None:
        while True:
            with self._request_cond:
                self._request_cond.wait_for(lambda: self._closed or self._request is not None)
                if self._closed:
                    return
                assert self._request is not None
                (i, size), self._request = self._request, None
                gen = self._request_gen
            if lookup(self._cache, size, i) is not None:
                continue

            def stale(gen: int = gen) -> bool:
                return self._closed or self._request_gen != gen

            worker = self._prefetcher
            if worker is not None:
                worker.pause()
            try:
                with self._lock:
                    if self._closed or self._pool is None:
                        return
                    lo = max(i - _KEEP_RGB_BEHIND, 0)
                    decoder = self._pool.pick(self._first_missing(lo, i, size))
                    arr = decoder.decode_range(
                        lo,
                        i,
                        size,
                        self._cache,
                        should_stop=stale,
                        raw_from=max(i - _KEEP_RAW_BEHIND, 0),
                    )
            except (av.FFmpegError, MediaError) as exc:
                log.warning("%s: exact decode of frame %d failed: %s", self.path.name, i, exc)
                continue
            except Exception:  # a worker must never die silently mid-session
                log.exception("%s: exact decode of frame %d failed", self.path.name, i)
                continue
            finally:
                if worker is not None:
                    worker.resume()
            if arr is None:
                continue  # superseded
            # The next frame(i +- 1) is then a step, not a jump, and starts the prefetch
            # (none after a jump: see frame()).
            self._last_index, self._direction = i, -1

    def _norm_size(self, size: tuple[int, int] | None) -> Size:
        if size is None:
            return None
        w, h = int(size[0]), int(size[1])
        if w <= 0 or h <= 0:
            raise ValueError(f"invalid size {size}")
        if (w, h) == (self.width, self.height):
            return None
        return (w, h)

    @property
    def cache(self) -> FrameCache:
        return self._cache

    @property
    def index_method(self) -> str:
        """``packets`` or ``decode``: how the PTS table was built (diagnostics)."""
        return self._index.method

    # --- lifetime ----------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise MediaError(f"{self.path.name}: source is closed")

    def close(self) -> None:
        """Stop the worker and release both decoders; safe to call twice."""
        if self._closed:
            return
        with self._hint_lock:
            self._closed = True
            prefetcher, self._prefetcher = self._prefetcher, None
        if prefetcher is not None:
            prefetcher.stop()
        self._stop_index_worker()
        with self._request_cond:
            self._request_cond.notify_all()
        if self._request_thread is not None:
            self._request_thread.join(timeout=5.0)
        with self._proxy_lock:
            build, self._proxy_build = self._proxy_build, None
            proxy, self._proxy = self._proxy, None
        if build is not None:
            build.kill()
        if proxy is not None:
            proxy.close()
        if self._pool is not None:
            with self._lock:
                self._pool.close()
        self._cache.clear()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not getattr(self, "_closed", True):
                self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return (
            f"FrameSource({self.path.name!r}, {self.width}x{self.height} {self.codec}, "
            f"{self.frame_count} frames, fps={self.fps})"
        )


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def probe(path: str | Path) -> dict[str, Any]:
    """Facts about a video for ``annotator probe``: counts and times from the real PTS table."""
    with FrameSource(path, prefetch=False, cache_mb=0) as src:
        return {
            "path": str(src.path),
            "codec": src.codec,
            "width": src.width,
            "height": src.height,
            "frame_count": src.frame_count,
            "fps": str(src.fps),
            "fps_float": float(src.fps),
            "duration_s": round(src.duration_s, 6),
            "vfr": src.vfr,
            "first_pts": src.start_pts,
            "start_s": src.start_s,
            "time_base": str(src.time_base),
            "has_audio": src.has_audio,
            "container_frames": src.container_frames,
        }
