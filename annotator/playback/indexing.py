"""The index half of PlayerController: a video's frame index built while its first frame shows.

``FrameSource(path, index_progress=callback)`` (:mod:`annotator.media.index_worker`)
returns once frame 0 is decoded and builds the frame index on a thread of its own, calling
``callback`` on that thread. The controller hands it a callback that only emits a Qt signal
of a small relay object living on the GUI thread, connected *queued*: every report is then
handled on the GUI thread by :meth:`IndexFollow._on_index_report`, which re-reads the
source and announces the controller's own state:

- ``frame_count_changed(n)``: the frames reachable now (all exact); the controller's
  ``frame_count`` and ``timebase`` change only here, so a step, a seek or a label never
  uses a frame the controller has not announced (``frame(i >= frame_count)`` raises);
- ``index_progressed(IndexProgress)``: for the status bar; the last one has ``done``;
- ``error_occurred(line)`` once when the index stopped early: what was indexed, where it
  stopped (the frames before stay usable).

Reports of a source that is no longer the one shown (closed, replaced) are ignored: each
source gets its own :class:`IndexTicket`.

A mixin like :mod:`annotator.playback.vlc_path`: the controller stays one object.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from annotator.playback.preopen import take as take_preopened
from annotator.playback.seek_preview import maybe_build_proxy
from annotator.playback.source import default_source_factory

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from annotator.model.timebase import Timebase
    from annotator.playback.source import FrameSourceLike

log = logging.getLogger("annotator.playback.player_controller")


class IndexTicket:
    """Which source a report is about (set once the factory returned it)."""

    __slots__ = ("src",)

    def __init__(self) -> None:
        self.src: Any = None


class IndexRelay(QObject):
    """Lives on the GUI thread; ``report`` is emitted from the index worker's thread."""

    report = Signal(object, object)  # IndexTicket, IndexProgress

    def callback(self, ticket: IndexTicket) -> Callable[[object], None]:
        def forward(progress: object) -> None:  # the worker's thread: emit only
            self.report.emit(ticket, progress)

        return forward


def takes_index_progress(factory: Callable[..., Any]) -> bool:
    """Whether a source factory accepts ``index_progress=`` (tests' fakes often do not)."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return "index_progress" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )


class IndexFollow:
    """Methods of PlayerController about the index of the open video."""

    if TYPE_CHECKING:
        _src: FrameSourceLike | None
        _tb: Timebase | None
        _current: int
        _source_factory: Callable[..., FrameSourceLike]
        _build_proxy: bool | None
        _rate: float
        _playing: bool
        _anchor_t: float
        _clock: Any
        _sound: Any
        frame_changed: SignalInstance
        error_occurred: SignalInstance
        frame_count_changed: SignalInstance
        index_progressed: SignalInstance

        def pause(self) -> None: ...
        def _set_current(self, frame: int) -> None: ...
        def _restart_clock(self) -> None: ...

    def _init_index_follow(self) -> None:
        self._index_relay = IndexRelay(self)  # type: ignore[arg-type]
        self._index_relay.report.connect(self._on_index_report, Qt.ConnectionType.QueuedConnection)
        self._count = 0  # frames announced (frame_count_changed); the controller's count
        self._index_note_shown = ""
        self._index_announced_done = False
        self._index_hold = False  # playing, waiting at the last frame indexed so far

    # -- public ---------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        """Frames reachable now; grows while the index is built (``frame_count_changed``)."""
        return self._count if self._src is not None else 0

    @property
    def index_complete(self) -> bool:
        """False while the open video's index is still being built."""
        src = self._src
        return src is None or bool(getattr(src, "index_complete", True))

    @property
    def index_progress(self) -> Any:
        """The latest :class:`~annotator.media.index_worker.IndexProgress` of the open video
        (``None`` when its index was complete at open)."""
        return getattr(self._src, "index_progress", None) if self._src is not None else None

    def wait_index(self, timeout: float | None = None) -> bool:
        """Block until the open video's index is complete and announce it now (tests,
        scripts; never on a GUI thread the user is waiting on). False on timeout."""
        src = self._src
        if src is None:
            return True
        wait = getattr(src, "wait_index", None)
        if wait is not None and not wait(timeout):
            return False
        progress = getattr(src, "index_progress", None)
        if progress is not None and not self._index_announced_done:
            self._announce_index(progress)
        return True

    # -- opening ----------------------------------------------------------------------------
    @property
    def takes_preopened(self) -> bool:
        """Whether a video opened by :mod:`annotator.playback.preopen` (``open_here`` on a
        document worker) is what this controller shows when it opens that file."""
        return self._source_factory is default_source_factory

    def _make_source(self, path: str) -> FrameSourceLike:
        """The factory's source, with the index built in a worker when it can be."""
        factory = self._source_factory
        if not takes_index_progress(factory):
            return factory(path)
        ticket = IndexTicket()
        pre = take_preopened(path) if self.takes_preopened else None
        if pre is not None:  # run.py VIDEO: opened while the GUI libraries imported
            src, progress, start_index = pre
            ticket.src = src
            progress.bind(self._index_relay.callback(ticket))
            # the index worker starts once the event loop runs: after the first picture
            QTimer.singleShot(0, self._index_relay, start_index)
            return src  # type: ignore[no-any-return]
        src = factory(path, index_progress=self._index_relay.callback(ticket))
        ticket.src = src
        return src

    def _index_opened(self, src: FrameSourceLike) -> None:
        """``src`` is now shown: its count so far is the controller's."""
        self._tb = src.timebase
        self._count = _count(src, self._tb)
        self._index_note_shown = ""
        self._index_announced_done = False
        self._index_hold = False

    # -- playing into the frames not indexed yet ----------------------------------------------
    def _hold_for_index(self, frame: int | None) -> bool:
        """Forward playback reached the last frame indexed so far (an MP4's table read: the
        first frame) while the index is still built: wait there, silent, with the clock
        held at that frame, instead of stopping; it plays on when more frames are
        announced. False when this is the real end (index complete, or reverse)."""
        if self._rate <= 0 or self.index_complete or self._tb is None:
            self._index_hold = False
            return False
        if frame is not None:
            self._set_current(frame)
        self._anchor_t = self._tb.time_s(self._current)
        self._clock.restart()
        if not self._index_hold:
            self._index_hold = True
            if self._sound is not None:
                self._sound.silence()
        return True

    def _resume_after_hold(self) -> None:
        if self._index_hold:
            self._index_hold = False
            if self._playing:
                self._restart_clock()  # from the frame it waited at, with the sound

    def _index_opened_note(self, src: FrameSourceLike) -> str:
        """A note to say at open (a damaged file whose index was complete at once)."""
        if not self.index_complete:
            return ""
        note = str(getattr(src, "index_note", "") or "")
        self._index_note_shown = note
        return note

    # -- reports (GUI thread) ---------------------------------------------------------------
    def _on_index_report(self, ticket: IndexTicket, progress: Any) -> None:
        src = self._src
        if src is None or ticket.src is not src or self._index_announced_done:
            return  # a closed or replaced source, or its end already announced
        self._announce_index(progress)

    def _announce_index(self, progress: Any) -> None:
        src = self._src
        assert src is not None
        done = bool(getattr(progress, "done", False))
        tb = src.timebase  # first: the worker may swap a longer table in meanwhile
        n = _count(src, tb)
        if n != self._count or done:
            self._tb = tb
            follower = getattr(self, "_vlc", None)
            if follower is not None:  # VLC's position is read in frames of this table
                follower.set_timebase(tb)
            if n != self._count:
                self._count = n
                if self._current >= n:  # a table that did not extend the old one
                    self.pause()
                    self._current = max(n - 1, 0)
                    self.frame_changed.emit(self._current)
                self.frame_count_changed.emit(n)
                self._resume_after_hold()
        self._index_announced_done = done
        self.index_progressed.emit(progress)
        if done:
            maybe_build_proxy(src, self._build_proxy)
            note = str(
                getattr(progress, "error", "")
                or getattr(progress, "note", "")
                or getattr(src, "index_note", "")
            )
            if note and note != self._index_note_shown:
                self._index_note_shown = note
                log.warning("%s", note)
                self.error_occurred.emit(note)


def _count(src: FrameSourceLike, tb: Timebase) -> int:
    """Frames with both a picture and a timestamp (the worker swaps the table in while the
    GUI thread reads it: never count a frame whose time is not in ``tb``)."""
    return max(min(int(src.frame_count), int(tb.frame_count)), 1)
