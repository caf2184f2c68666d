"""SeekPreview: after a seek, the proxy's picture of the target at once, then the exact frame.

A full-quality seek in a long GOP decodes ~125 frames (300-900 ms at 1080p on 2 cores).
The preview proxy (:mod:`annotator.media.proxy`) has the same frame at the same index,
decodable in a few milliseconds. So the controller shows that picture immediately, asks the
source for the exact frame off the GUI thread (``FrameSource.request``) and polls the
non-blocking ``cached`` until it is there, then announces ``refined``. Polling a dict on a
short timer is simpler and safer than a callback from the decode thread into Qt.

QtCore only, like the controller; works with any source that has ``proxy_ready``,
``preview``, ``cached`` and ``request`` (fakes without them simply never preview).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

log = logging.getLogger(__name__)

Size = tuple[int, int] | None
# Look for the exact frame this often; stop polling after _GIVE_UP_MS and announce anyway
# (the UI then decodes on its own thread and shows any error).
_POLL_MS = 15
_GIVE_UP_MS = 10_000


class SeekPreview(QObject):
    """State of one preview: which frame, at which size, waiting for which exact decode."""

    refined = Signal(int)  # the exact picture of this frame is decoded: repaint

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._src: Any = None
        self._frame: int | None = None
        self._size: Size = None
        self._requested = False  # the exact frame was requested, at _requested_size
        self._requested_size: Size = None
        self._poll = QTimer(self)
        self._poll.setInterval(_POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        self._age = QElapsedTimer()

    @property
    def frame(self) -> int | None:
        """The frame whose preview is shown, ``None`` when the picture is exact."""
        return self._frame

    def start(self, src: Any, target: int, size: Size) -> bool:
        """Before a seek to ``target``: preview it when its exact frame is not decoded yet."""
        if not (
            hasattr(src, "request")
            and hasattr(src, "cached")
            and _has_preview(src, target)
            and src.cached(target, size=size) is None
        ):
            self.end()
            return False
        self._src, self._frame, self._size = src, target, size
        self._requested = False
        # The exact decode is requested once the preview is decoded (see image()): started
        # first, its thread slowed the preview decode and paint by ~10 ms (measured, 2
        # cores). Without a UI asking for the picture, the next event loop turn asks.
        QTimer.singleShot(0, self._ensure_requested)
        self._age.start()
        self._poll.start()
        return True

    def _ensure_requested(self) -> None:
        if self._src is None or self._frame is None:
            return
        if not self._requested or self._requested_size != self._size:
            self._requested, self._requested_size = True, self._size
            self._src.request(self._frame, size=self._size)

    def image(self, current: int, size: Size) -> np.ndarray | None:
        """The exact frame if it is decoded by now, else the preview; ``None`` ends it."""
        src = self._src
        if src is None or self._frame != current:
            self.end()
            return None
        full = src.cached(current, size=size)
        if full is not None:
            self.end()
            return full  # type: ignore[no-any-return]
        img = src.preview(current, size)
        if img is None:
            self.end()
            return None
        self._size = size  # a new display size asks again, at the size shown
        self._ensure_requested()
        return img  # type: ignore[no-any-return]

    def end(self) -> None:
        self._frame = None
        self._src = None
        self._poll.stop()

    def _on_poll_timeout(self) -> None:
        src, frame = self._src, self._frame
        if src is None or frame is None:
            self.end()
            return
        ready = src.cached(frame, size=self._size) is not None
        if ready or self._age.elapsed() > _GIVE_UP_MS:
            self.end()
            self.refined.emit(frame)


def _has_preview(src: Any, target: int) -> bool:
    """A preview of ``target`` exists now (its proxy segment is built)."""
    has = getattr(src, "has_preview", None)
    if has is not None:
        return bool(has(target))
    return bool(getattr(src, "proxy_ready", False))


def maybe_build_proxy(src: Any, want: bool | None) -> None:
    """Start the proxy build (a low-priority child process) when it pays off.

    ``want=None``: when ``src.proxy_worthwhile`` (or ``FACET_ALWAYS_PROXY`` is set: tests
    on small clips) and ``FACET_NO_PROXY`` is not set. Decided and started from the event
    loop once the open has returned: the build child (a Python process importing PyAV)
    must not compete with the first picture and the window's start-up for the CPU, and
    the decision's first ``numpy.unique`` imports ``numpy.ma`` (0.15 s at load 6).
    """
    if want is False or not hasattr(src, "build_proxy"):
        return
    QTimer.singleShot(0, lambda: _decide_and_build(src, want))


def _decide_and_build(src: Any, want: bool | None) -> None:
    if getattr(src, "_closed", False):
        return
    if want is None:
        want = not os.environ.get("FACET_NO_PROXY") and bool(
            os.environ.get("FACET_ALWAYS_PROXY") or getattr(src, "proxy_worthwhile", False)
        )
    if want:
        _start_build(src)


def _start_build(src: Any) -> None:
    if getattr(src, "_closed", False):
        return  # another video was opened (or the window closed) meanwhile
    try:
        src.build_proxy()
    except Exception as exc:  # noqa: BLE001 - previews are optional
        log.warning("cannot start the preview proxy build: %s", exc)
