"""What the player controller needs from a video source, and how it opens one by default.

``FrameSourceLike`` pins the controller to the documented interface of
``annotator.media.FrameSource`` (tests pass fakes); the playback package depends on the
Qt-free decoding package only through it and the default factory below.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Protocol

import numpy as np

from annotator.model.timebase import Timebase


class FrameSourceLike(Protocol):
    """What the controller needs from ``annotator.media.FrameSource`` (tests pass fakes)."""

    frame_count: int
    fps: Fraction
    timestamps: np.ndarray
    width: int
    height: int
    has_audio: bool

    @property
    def timebase(self) -> Timebase: ...

    def frame(self, i: int, *, size: tuple[int, int] | None = None) -> np.ndarray: ...

    def prefetch(
        self, i: int, direction: int = 1, *, size: tuple[int, int] | None = None
    ) -> None: ...

    def close(self) -> None: ...


# Optional FrameSource members used when present (fakes may omit them): ``cached(i, size=)``,
# ``request(i, size=)``, ``proxy_ready``, ``preview(i, size)``, ``proxy_worthwhile``,
# ``build_proxy()``.

Grabber = Callable[[], "np.ndarray | None"]


def default_source_factory(path: str) -> FrameSourceLike:
    from annotator.media import FrameSource

    return FrameSource(path)  # type: ignore[no-any-return]


class Opener:
    """PlayerController's ``open_source``: a source opened with the controller's factory
    and not shown yet, so a caller can read the video's facts from it and then show it with
    ``open(path, source=...)``: the file is opened and indexed once (issue 19)."""

    _source_factory: Callable[[str], FrameSourceLike]

    def open_source(self, path: object) -> FrameSourceLike:
        """Raises what the factory raises on a bad file (MediaError and others)."""
        return self._source_factory(str(path))
