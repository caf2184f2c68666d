"""Write RGB frames to a video file with PyAV: one writer for the demo, test clips, exported
clips, proxies and benches, so stream setup and flushing live in one place.

Frames are numbered by the writer (pts = frame number in ``1/fps``) unless the caller gives
explicit timestamps, which is how variable-frame-rate and offset test clips are made.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Self, cast

import numpy as np

log = logging.getLogger(__name__)


def x264_params(gop: int | None = None, bframes: int | None = None) -> str:
    """Fixed keyframe spacing (no scene-cut keyframes) so tests know where GOPs start."""
    parts = []
    if gop is not None:
        parts += [f"keyint={gop}", f"min-keyint={gop}", "scenecut=0"]
    if bframes is not None:
        parts.append(f"bframes={bframes}")
    return ":".join(parts)


class VideoWriter:
    """``with VideoWriter(path, size=(w, h), fps=25) as w: w.write(rgb)``.

    ``options`` go to the encoder as they are (``preset``, ``crf``, ``threads``,
    ``x264-params`` ...). On an exception inside the ``with`` block the file is closed and
    the caller decides what to do with it (write to a temporary name, rename on success).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        size: tuple[int, int],
        fps: Fraction | int,
        codec: str = "libx264",
        options: dict[str, str] | None = None,
        time_base: Fraction | None = None,
        gop: int | None = None,
        bframes: int | None = None,
    ) -> None:
        import av

        self._av = av
        self.fps = Fraction(fps)
        self.time_base = Fraction(time_base) if time_base is not None else 1 / self.fps
        self.count = 0
        self.container = av.open(str(path), mode="w")
        try:
            # add_stream is typed for every kind of codec; ``codec`` is a video encoder
            stream = cast("av.VideoStream", self.container.add_stream(codec, rate=self.fps))
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            if time_base is not None:
                stream.time_base = self.time_base
                stream.codec_context.time_base = self.time_base
            if gop is not None:
                stream.codec_context.gop_size = gop
            if bframes is not None:
                stream.codec_context.max_b_frames = bframes
            stream.codec_context.options = dict(options or {})
        except BaseException:
            self.container.close()
            raise
        self.stream = stream

    def write(self, rgb: np.ndarray, pts: int | None = None) -> None:
        """Append one RGB uint8 frame; ``pts`` in ``time_base`` units (default: next frame)."""
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        if pts is None:
            pts = round(Fraction(self.count) / self.fps / self.time_base)
        frame.pts = pts
        frame.time_base = self.time_base
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.count += 1

    def close(self) -> None:
        """Flush the encoder's delayed frames and close the file."""
        if self.container is None:
            return
        try:
            for packet in self.stream.encode():
                self.container.mux(packet)
        finally:
            self.container.close()
            self.container = None  # type: ignore[assignment]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        elif self.container is not None:
            self.container.close()
            self.container = None  # type: ignore[assignment]
