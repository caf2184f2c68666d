"""Views that aggregate the whole project recompute here: coalesced, off the GUI thread,
from a snapshot, and only while they are on screen.

A view calls :meth:`ViewRefresh.request` from its model-signal handler (O(1)); at most
once per ``interval_ms`` the refresh takes a snapshot of the project (a shallow copy of its
dicts: every value in them is frozen, so the copy is consistent) and runs the view's pure
``compute(snapshot)`` on a worker thread; ``apply(result)`` then runs on the GUI thread.
A change that arrives while a computation runs asks for one more run after it. A hidden
view only remembers that it is stale and catches up when it is shown.

Small projects (at most ``SYNC_EVENTS`` events) compute on the GUI thread, even while
hidden (still coalesced; at once when a project is bound): the work is a few milliseconds,
and views stay current for code and tests that read them.

Python threads share the GIL, but PySide6 keeps it across painting calls and the
interpreter hands it over every few milliseconds, so the event loop keeps running while a
worker computes (measured in ``bench/bench_window_stalls.py``).
"""

from __future__ import annotations

import heapq
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from annotator import pacing
from annotator.model.project import Project
from annotator.workspace.snapshot import snapshot as workspace_snapshot

log = logging.getLogger(__name__)

T = TypeVar("T")

SYNC_EVENTS = 3000  # at most this many events: compute on the GUI thread, always
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """One worker for every view: aggregate recomputes queue behind each other instead of
    competing for the GIL (and the two cores) with the GUI thread."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="facet-view")
    return _POOL


def snapshot(project: Project) -> Project:
    """A detached copy to read on another thread (the workspace's snapshot: the same frozen
    values, the live containers shared copy-on-write, the timebases, no listeners), O(1)."""
    return workspace_snapshot(project)


# (project, revision, copy), both weakly: a snapshot kept alive after the views are done
# with it would make the next edit copy the events (copy on write, ~60 ms at 1M events)
_last: tuple[weakref.ref[Project], int, weakref.ref[Project]] | None = None


def shared_snapshot(project: Project) -> Project:
    """:func:`snapshot`, shared by every view refreshing at the same revision while one of
    them still reads it (after an edit the statistics and the breakdown read one copy)."""
    global _last
    if _last is not None and _last[0]() is project and _last[1] == project.revision:
        snap = _last[2]()
        if snap is not None:
            return snap
    snap = snapshot(project)
    _last = (weakref.ref(project), project.revision, weakref.ref(snap))
    return snap


_RUN = 4096  # items per C-level sort in yielding_sort: a few milliseconds each


def yielding_sort(items: list[T], key: Callable[[T], Any]) -> list[T]:
    """``sorted(items, key=key)`` (stable, same order) for a worker thread: one C-level
    sort of 100,000 key tuples holds the GIL for 0.1-0.3 s on a loaded box, so runs of
    ``_RUN`` items are sorted in C and merged by :func:`heapq.merge`, which is Python
    code and hands the GIL over as it goes. Ties keep their input order: runs are in input
    order and merge prefers the earlier run."""
    if len(items) <= _RUN:
        return sorted(items, key=key)
    keyed = [(key(x), i, x) for i, x in enumerate(items)]  # i unique: x never compared
    runs = [sorted(keyed[k : k + _RUN]) for k in range(0, len(keyed), _RUN)]
    return [t[2] for t in heapq.merge(*runs)]


class _Turns(QObject):
    """Pieces of GUI work run one per event-loop turn (the loop paints and answers keys
    between two of them), in the order given."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._queue: deque[Callable[[], None]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run_one)

    def add(self, fn: Callable[[], None]) -> None:
        self._queue.append(fn)
        if not self._timer.isActive():
            self._timer.start()

    def _run_one(self) -> None:
        if self._queue:
            fn = self._queue.popleft()
            if self._queue:  # restarted first: a new due time, after this turn
                self._timer.start()
            fn()


_TURNS: list[_Turns] = []
_IN_TURNS = [0]


@contextmanager
def builds_in_turns() -> Iterator[None]:
    """While a project read in the background is bound: a small project's view builds,
    asked for at once, run one per event-loop turn after the binding (each is a few to
    30 ms; together in the binding's turn they were the longest stall of the open)."""
    _IN_TURNS[0] += 1
    try:
        yield
    finally:
        _IN_TURNS[0] -= 1


def _later(fn: Callable[[], None]) -> bool:
    app = QCoreApplication.instance()
    if app is None:
        return False
    if not _TURNS:
        _TURNS.append(_Turns(app))
    _TURNS[0].add(fn)
    return True


class _Hold:
    """View builds held back while a large project's video opens (see :func:`hold_builds`)."""

    until = 0.0  # time.monotonic() when the hold ends at the latest
    waiting: weakref.WeakSet[ViewRefresh] = weakref.WeakSet()


def hold_builds(seconds: float) -> None:
    """Start no view build for ``seconds`` (at most; :func:`release_builds` ends it sooner).

    Opening a large project, the GUI thread binds the views, shows the picture and paints
    the window while the video's index is built on its worker: view builds started then
    make a third thread competing for the GIL, and every return of the GUI thread into
    Python waits its turn (the longest stalls of an open, measured in
    ``bench/bench_window_stalls.py``). Held, they start once the picture and the index
    are done."""
    _Hold.until = max(_Hold.until, time.monotonic() + seconds)


def release_builds() -> None:
    """End the hold: the builds asked for meanwhile start now."""
    _Hold.until = 0.0
    waiting = list(_Hold.waiting)
    _Hold.waiting.clear()
    for refresh in waiting:
        refresh._timer.start(0)


def builds_held() -> bool:
    return time.monotonic() < _Hold.until


def is_large(project: Project | None) -> bool:
    return project is not None and len(project.events) > SYNC_EVENTS


def _yielding(compute: Callable[[Project], Any], snap: Project) -> Any:
    """Run ``compute`` handing the GIL back to the GUI thread fifty times as often as
    usual (every 0.1 ms instead of 5 ms: ``background_job.fast_switching``), so each
    return of the GUI thread into Python waits at most that long for it."""
    from annotator.ui.background_job import fast_switching

    fast_switching(True)
    try:
        with pacing.working():
            return compute(snap)
    finally:
        fast_switching(False)


class _Relay(QObject):
    """Carries a finished computation from the worker thread to the GUI thread."""

    done = Signal(object, object)  # (token, result or BaseException)


class ViewRefresh(QObject):
    """Coalesced, visible-only, off-thread recompute for one view (see module doc)."""

    busy_changed = Signal(bool)

    def __init__(
        self,
        view: QWidget,
        project: Callable[[], Project | None],
        compute: Callable[[Project], Any],
        apply: Callable[[Any], None],
        interval_ms: int = 250,
        always: bool = False,
        offthread: bool = True,
    ) -> None:
        super().__init__(view)
        self.view = view
        self._project = project
        self._compute = compute
        self._apply = apply
        self.always = always  # compute even while hidden (the view's state is needed)
        # False: ``compute`` is cheap at any size (it reads numbers the view keeps up to
        # date incrementally), so it runs on the GUI thread, still coalesced and visible-only
        self.offthread = offthread
        self.stale = False
        self.running = False
        self.runs = 0  # computations started (tests, benches)
        self._again = False
        self._token = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_relay_done)
        view.installEventFilter(self)

    # ------------------------------------------------------------------ requests
    def request(self, now: bool = False) -> None:
        """The project changed: recompute soon, coalesced over ``interval_ms``; ``now``
        computes a small project at once (a large one starts without waiting)."""
        self.stale = True
        if now and not is_large(self._project()):
            self._timer.stop()
            self.cancel()
            if _IN_TURNS[0] and _later(self._catch_up):
                return
            self._run_sync(self._project())
            return
        if self.running:
            self._again = True
            return
        if now:
            self._timer.start(0)
        elif not self._timer.isActive():
            self._timer.start()

    def _catch_up(self) -> None:
        """A build asked for at once, run in a turn of its own (``builds_in_turns``)."""
        if self.stale and not self.running:
            project = self._project()
            if project is not None and not is_large(project):
                self._run_sync(project)
            elif project is not None:
                self._timer.start(0)

    def cancel(self) -> None:
        """Forget a computation in flight (a new project was bound)."""
        if self.running:
            self._token += 1
            self.running = False
            self._again = False
            self.busy_changed.emit(False)

    def _shown(self) -> bool:
        return self.always or self.view.isVisible()

    def _on_timer_timeout(self) -> None:
        if not self.stale or self.running:
            return
        project = self._project()
        if project is None:
            return
        if not is_large(project):
            self._run_sync(project)
            return
        if not self._shown():
            return  # caught up in eventFilter when shown
        if not self.offthread:
            self._run_sync(project)
            return
        if builds_held():  # a large project's video is opening: start when it is shown
            _Hold.waiting.add(self)
            self._timer.start(max(1, int((_Hold.until - time.monotonic()) * 1000) + 1))
            return
        snap = shared_snapshot(project)
        self.running = True
        self.stale = False
        self._token += 1
        token = self._token
        self.runs += 1
        self.busy_changed.emit(True)
        relay = self._relay
        compute = self._compute

        def finished(fut: Future[Any]) -> None:
            try:
                result: Any = fut.result()
            except BaseException as e:  # noqa: BLE001 - reported on the GUI thread
                result = e
            try:
                relay.done.emit(token, result)
            except RuntimeError:  # the view was deleted meanwhile
                pass

        _pool().submit(_yielding, compute, snap).add_done_callback(finished)
        from annotator.ui.background_job import Pacer

        Pacer.wake()

    def _run_sync(self, project: Project | None) -> None:
        if project is None:
            return
        self.stale = False
        self.runs += 1
        self._apply(self._compute(project))

    def _on_relay_done(self, token: int, result: Any) -> None:
        if token != self._token:
            return  # from a project no longer shown
        self.running = False
        self.busy_changed.emit(False)
        if isinstance(result, BaseException):
            log.error("view recompute failed", exc_info=result)
        else:
            self._apply(result)
        if self._again or self.stale:
            self._again = False
            self.stale = True
            self._timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.view and event.type() == QEvent.Type.Show and self.stale:
            self._timer.start(0)
        return False


class BusyLabel(QLabel):
    """'Computing…' over a view whose numbers are not ready (large projects only)."""

    def __init__(self, parent: QWidget, text: str = "computing…") -> None:
        super().__init__(text, parent)
        self.setStyleSheet(
            "QLabel { background: rgba(40, 40, 40, 200); color: white;"
            " padding: 4px 10px; border-radius: 4px; }"
        )
        self.hide()

    def follow(self, refresh: ViewRefresh) -> None:
        refresh.busy_changed.connect(self.set_busy)

    def set_busy(self, busy: bool) -> None:
        if busy:
            self.adjustSize()
            self.move(8, 28)
            self.raise_()
            self.show()
        else:
            self.hide()
