"""One PyAV container + decoder that lands on exact frames: seek to keyframe, decode forward.

Containers cannot seek by frame number, and a seek lands on a keyframe, so reaching frame
``i`` means seeking to the keyframe at or before ``pts[i]`` and decoding forward until the
decoder outputs exactly ``pts[i]``. When the target is just ahead of where the decoder
already is, it keeps decoding instead of seeking (a forward step costs one decode).

Each :class:`SeekingDecoder` owns its container; the caller's path and the prefetch worker
each have one, so neither waits behind the other's decode.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

from annotator.media.errors import MediaError
from annotator.media.frame_cache import FrameCache
from annotator.media.pts_index import PtsIndex

log = logging.getLogger(__name__)

Size = tuple[int, int] | None
# Keep decoding instead of seeking when the target is at most this many frames ahead,
# even across a keyframe: a seek + keyframe decode costs about as much.
_CONTINUE_MAX = 12


class RawFrame:
    """A decoded picture kept in the decoder's own format (YUV), converted only when shown.

    Frames decoded on the way to a target cost nothing more to keep than a reference,
    while converting each to RGB would cost as much as decoding it. Stepping back after
    a jump then needs one conversion instead of a whole-GOP decode.
    """

    __slots__ = ("_lock", "frame", "nbytes")

    def __init__(self, frame: Any) -> None:
        self.frame = frame
        self.nbytes = sum(int(p.buffer_size) for p in frame.planes)
        self._lock = threading.Lock()

    def to_rgb(self, size: Size) -> np.ndarray:
        """Convert under a per-frame lock: a PyAV frame keeps one swscale context, and two
        threads converting the same frame at once crash (seen: caller and worker)."""
        with self._lock:
            return to_rgb(self.frame, size)


def to_rgb(frame: Any, size: Size) -> np.ndarray:
    """RGB24 array of a decoded frame, scaled in the same swscale pass when ``size`` is set."""
    arr: np.ndarray
    if size is None:
        arr = frame.to_ndarray(format="rgb24")
    else:
        arr = frame.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray()
    arr.flags.writeable = False  # shared through the cache: nobody may paint on it
    return arr


def lookup(cache: FrameCache, size: Size, index: int) -> np.ndarray | None:
    """Cached RGB of frame ``index`` at ``size``, converting a cached raw frame if needed."""
    arr: np.ndarray | None = cache.get((size, index))
    if arr is not None:
        return arr
    raw: RawFrame | None = cache.get(("raw", index))
    if raw is None:
        return None
    rgb = raw.to_rgb(size)
    cache.put((size, index), rgb)
    return rgb


class SeekingDecoder:
    """Decode exact frames by index from one private container."""

    def __init__(
        self,
        path: Path,
        index: PtsIndex,
        *,
        stream_index: int = 0,
        threads: str = "AUTO",
        skip_nonref: bool = True,
        container: Any = None,
    ) -> None:
        """``container``: an already open, not yet decoded container to adopt."""
        self.path = path
        self.stream_index = stream_index
        self.skip_nonref = skip_nonref
        self.index = index
        self._threads = threads
        self._container: Any = None
        self._stream: Any = None
        self._frames: Iterator[Any] | None = None
        self._pos: int | None = None  # index of the last frame the decoder output
        # Packets presenting before this PTS may skip non-reference frames: nobody will
        # see them and no other frame predicts from them, so the target stays exact.
        self._skip_before_pts: int | None = None
        self._raw_from = 0
        self._ordinal = -1  # output count since the start (ordinal mode only)
        if container is not None:
            self._container = container
            self._stream = container.streams[stream_index]
            if not self._stream.codec_context.is_open:  # else set before it decoded
                self._stream.thread_type = threads

    def _open(self) -> None:
        try:
            self._container = av.open(str(self.path))
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.path.name}: cannot reopen ({exc})") from exc
        self._stream = self._container.streams[self.stream_index]
        self._stream.thread_type = self._threads

    @property
    def position(self) -> int | None:
        """Index of the last frame this decoder output (``None`` right after a seek)."""
        return self._pos

    def close(self) -> None:
        self._frames = None
        if self._container is not None:
            self._container.close()
            self._container = None

    def _seek(self, seek_pts: int) -> None:
        if self.index.method == "ordinal":
            self._restart()  # no timestamps to seek by: count frames from the start
            return
        if self._container is None:
            self._open()
        try:
            self._container.seek(seek_pts, backward=True, any_frame=False, stream=self._stream)
        except av.FFmpegError as exc:  # e.g. raw streams: "Operation not permitted"
            log.info("%s: cannot seek (%s); decoding from the start", self.path.name, exc)
            self._restart()
            return
        self._frames = self._decode_packets()
        self._pos = None

    def _restart(self) -> None:
        """Reopen and decode from the first packet (the one seek every format supports)."""
        self.close()
        self._open()
        self._frames = self._decode_packets()
        self._pos = None
        self._ordinal = -1

    def _decode_packets(self) -> Iterator[Any]:
        """Demux and decode, choosing per packet whether non-reference frames may be skipped.

        A B-frame no one references and no one will look at is pure cost: skipping it
        cuts a long-GOP seek by up to a third on streams with B-frames.
        """
        cc = self._stream.codec_context
        for packet in self._container.demux(self._stream):
            skip = self._skip_before_pts
            if packet.pts is not None and skip is not None and packet.pts < skip:
                if cc.skip_frame != "NONREF":
                    cc.skip_frame = "NONREF"
            elif cc.skip_frame != "DEFAULT":
                cc.skip_frame = "DEFAULT"
            yield from packet.decode()

    def _next(self) -> tuple[int | None, Any] | None:
        """Next decoded frame and its index (``None`` index for PTS not in the table)."""
        if self._frames is None:
            return None
        try:
            frame = next(self._frames)
        except StopIteration:
            self._frames = None
            return None
        if self.index.method == "ordinal":
            self._ordinal += 1
            return self._ordinal, frame
        pts = frame.pts if frame.pts is not None else frame.dts
        return self.index.index_of_pts(pts), frame

    def can_continue(self, start: int) -> bool:
        """True when reaching frame ``start`` needs no seek: this decoder's last output is
        before it in the same GOP (or only a few frames before it)."""
        return self._can_continue(start)

    def _can_continue(self, start: int) -> bool:
        if self._frames is None or self._pos is None or self._pos >= start:
            return False
        if start - self._pos <= _CONTINUE_MAX:
            return True
        # No keyframe between here and the target: a seek would restart further back.
        return self.index.seek_pts(start) <= int(self.index.pts[self._pos])

    def decode_range(
        self,
        lo: int,
        hi: int,
        size: Size,
        cache: FrameCache,
        *,
        should_stop: Callable[[], bool] | None = None,
        raw_from: int | None = None,
    ) -> np.ndarray | None:
        """Make frames ``lo..hi`` cached at ``size`` and return frame ``hi``.

        Frames decoded before ``lo`` are not converted to RGB (that conversion costs as
        much as the decode at 1080p); those from ``raw_from`` on are cached as
        :class:`RawFrame`. Returns frame ``hi``, ``None`` only when ``should_stop`` aborted.

        Raw pictures are kept only on the caller's path, a few dozen at most: FFmpeg's
        buffer pool keeps every buffer it ever handed out until the decoder closes, so a
        worker holding hundreds of raw frames grew RSS by 300 MB for good (measured).
        """
        missing = [i for i in range(lo, hi + 1) if not cache.has_frame(size, i)]
        if not missing:
            arr = lookup(cache, size, hi)
            if arr is not None:
                return arr
            missing = [hi]  # evicted meanwhile
        start = missing[0]
        self._raw_from = min(raw_from, start) if raw_from is not None else start
        first_needed = self._raw_from
        # Ordinal streams count outputs: a skipped frame would shift every index after it.
        skip = self.skip_nonref and self.index.method != "ordinal"
        self._skip_before_pts = int(self.index.pts[first_needed]) if skip else None
        if not self._can_continue(start):
            self._seek(self.index.seek_pts(start))
        result = self._run(lo, hi, start, size, cache, should_stop)
        if result is None and not (should_stop and should_stop()):
            result = self._retry(lo, hi, start, size, cache, should_stop)
        return result

    def iterate(self, start: int, stop: int, size: Size) -> Iterator[tuple[int, np.ndarray]]:
        """Frames ``start..stop-1`` in order, each exactly once, without touching a cache.

        For whole-video passes (spotting, export): one seek, then straight decoding; a
        frame the decoder fails to output raises instead of silently shifting indices.
        """
        if start >= stop:
            return
        scratch = FrameCache(0)
        first = self.decode_range(start, start, size, scratch)
        if first is None:
            raise MediaError(f"{self.path.name}: frame {start} cannot be decoded")
        yield start, first
        expected = start + 1
        self._skip_before_pts = None
        while expected < stop:
            item = self._next()
            if item is None:
                raise MediaError(f"{self.path.name}: decoding stopped before frame {expected}")
            idx, frame = item
            if idx is None or idx < expected:
                continue
            if idx > expected:
                raise MediaError(f"{self.path.name}: frame {expected} was not decoded")
            self._pos = idx
            yield idx, to_rgb(frame, size)
            expected += 1

    def _retry(
        self,
        lo: int,
        hi: int,
        start: int,
        size: Size,
        cache: FrameCache,
        should_stop: Callable[[], bool] | None,
    ) -> np.ndarray | None:
        """The seek landed after the target (demuxer seeks by DTS, open GOP, edit list):
        restart from earlier keyframes, finally from the very beginning."""
        seek = self.index.seek_pts(start)
        for _ in range(3):
            earlier = self.index.earlier_seek_pts(seek)
            if earlier is None:
                break
            seek = earlier
            log.debug("%s: retry frame %d from keyframe pts %d", self.path.name, hi, seek)
            self._seek(seek)
            result = self._run(lo, hi, start, size, cache, should_stop)
            if result is not None:
                return result
        log.info("%s: frame %d needs a decode from the start", self.path.name, hi)
        self._restart()
        result = self._run(lo, hi, start, size, cache, should_stop)
        if result is None and not (should_stop and should_stop()):
            raise MediaError(f"{self.path.name}: frame {hi} cannot be decoded")
        return result

    def _run(
        self,
        lo: int,
        hi: int,
        start: int,
        size: Size,
        cache: FrameCache,
        should_stop: Callable[[], bool] | None,
    ) -> np.ndarray | None:
        first = True
        while True:
            if should_stop is not None and should_stop():
                return None
            try:
                item = self._next()
            except av.FFmpegError as exc:
                log.warning("%s: decode error near frame %d: %s", self.path.name, hi, exc)
                self._frames = None
                return None
            if item is None:
                return None
            idx, frame = item
            if idx is None:
                continue
            if first and idx > start and self._pos is None:
                self._frames = None  # landed after the first frame we need
                return None
            first = False
            self._pos = idx
            if idx < lo:
                if idx >= self._raw_from and ("raw", idx) not in cache:
                    cache.put(("raw", idx), RawFrame(frame))
                continue
            if idx > hi:  # hi was never output: give up, the caller retries
                return None
            if idx == hi:
                arr: np.ndarray | None = cache.get((size, idx))
                if arr is None:
                    arr = to_rgb(frame, size)
                    cache.put((size, idx), arr)
                return arr
            if not cache.has_frame(size, idx):
                cache.put((size, idx), to_rgb(frame, size))
