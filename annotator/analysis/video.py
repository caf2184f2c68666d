"""Sequential decoding for whole-video analysis (spotting, cut detection).

Random access (``FrameSource.frame``) seeks and converts to RGB for every frame; a whole
video pass only needs each frame once and only its brightness, so it decodes in order with
PyAV and takes the luma plane as is (no colour conversion). Frame indices still come from
the FrameSource's PTS table, so index ``i`` here is the frame the player shows as ``i``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from annotator.media import FrameSource, MediaError
from annotator.model.timebase import Timebase

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (frames done, frames total)
ShouldStop = Callable[[], bool]


class Cancelled(Exception):
    """The caller asked to stop (GUI cancel button); partial results are discarded."""


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    frame_count: int
    fps: Fraction
    width: int
    height: int
    pts: np.ndarray
    timebase: Timebase

    @classmethod
    def of(cls, path: str | Path) -> VideoInfo:
        """Probe through FrameSource so frame indices match the player's exactly."""
        with FrameSource(path, prefetch=False, cache_mb=1) as src:
            return cls(
                Path(path),
                src.frame_count,
                src.fps,
                src.width,
                src.height,
                np.asarray(src.pts, dtype=np.int64),
                src.timebase,
            )


_LUMA_FORMATS = (
    "yuv420p",
    "yuvj420p",
    "yuv422p",
    "yuvj422p",
    "yuv444p",
    "yuvj444p",
    "nv12",
    "nv21",
    "gray",
)


def luma(frame: Any) -> np.ndarray:
    """The Y plane as an (H, W) uint8 view; a conversion only for other pixel formats."""
    if frame.format.name in _LUMA_FORMATS:
        plane = frame.planes[0]
        buf = np.frombuffer(plane, np.uint8)
        y: np.ndarray = buf.reshape(-1, plane.line_size)[: frame.height, : frame.width]
        return y
    gray: np.ndarray = frame.to_ndarray(format="gray")
    return gray


def iter_luma(
    info: VideoInfo,
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    threads: bool = True,
    convert: Callable[[Any], np.ndarray] = luma,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(frame index, luma)`` in presentation order, skipping PTS not in the table.

    The luma array is only valid until the next iteration (it views the decoder's buffer).
    ``convert`` turns a decoded frame into the array yielded (e.g. a small RGB picture).
    """
    path = info.path
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{path.name}: cannot open ({exc})") from exc
    total = info.frame_count
    step = max(1, total // 200)
    try:
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = "AUTO"
        pts = info.pts
        fallback = 0
        for frame in container.decode(stream):
            if should_stop is not None and should_stop():
                raise Cancelled()
            p = frame.pts if frame.pts is not None else frame.dts
            if p is None:
                i = fallback
            else:
                i = int(np.searchsorted(pts, p))
                if i >= total or int(pts[i]) != p:
                    continue  # a frame the player never shows (edit list, duplicate)
            fallback = i + 1
            yield i, convert(frame)
            if progress is not None and (i % step == 0 or i == total - 1):
                progress(i + 1, total)
    except av.FFmpegError as exc:
        raise MediaError(f"{path.name}: decoding failed ({exc})") from exc
    finally:
        container.close()
