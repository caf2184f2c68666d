"""What the player controller needs from a video source, and how it opens one by default.

``FrameSourceLike`` pins the controller to the documented interface of
``annotator.media.FrameSource`` (tests pass fakes); the playback package depends on the
Qt-free decoding package only through it and the default factory below.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

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


def default_source_factory(
    path: str, index_progress: Callable[[Any], None] | None = None
) -> FrameSourceLike:
    """``index_progress``: the frame index is built in a worker (see
    :mod:`annotator.playback.indexing`); the source returns once frame 0 is decoded."""
    from annotator.media import FrameSource

    return FrameSource(path, index_progress=index_progress)  # type: ignore[no-any-return]


class Opener:
    """PlayerController's ``open_source``: a source opened with the controller's factory
    and not shown yet, so a caller can read the video's facts from it and then show it with
    ``open(path, source=...)``: the file is opened and indexed once (issue 19)."""

    _source_factory: Callable[..., FrameSourceLike]

    if TYPE_CHECKING:

        def _make_source(self, path: str) -> FrameSourceLike: ...  # IndexFollow's

    def open_source(self, path: object) -> FrameSourceLike:
        """Raises what the factory raises on a bad file (MediaError and others). The
        index may still be building (``index_progress``) when it returns."""
        return self._make_source(str(path))
