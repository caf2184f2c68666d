"""One document job (save, open) on a worker thread, its result delivered on the GUI thread.

The GUI thread hands the job everything it reads (a snapshot, a path), so the worker
never touches live state; the result comes back through a queued signal, or at once when
the GUI thread has to :meth:`wait` for it (closing the window, opening another project).
Each result is delivered exactly once, to the ``done`` callback given with the job.

While a job runs, the GIL is handed over every 0.1 ms instead of 5 ms (the view worker
does the same), so the GUI thread is never kept waiting by the worker's Python code; the
C calls the job makes are kept short by its code (chunks).
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal

from annotator import pacing

log = logging.getLogger(__name__)

_SWITCH_LOCK = threading.Lock()
_SWITCH_USERS = [0, 0.005]  # jobs running, the interval before the first started


SWITCH_S = 0.0001  # GIL hand-over interval while a worker computes


def fast_switching(on: bool) -> None:
    """Hand the GIL over every 0.1 ms while any worker (view, save, open) computes.

    Every return of the GUI thread from Qt into Python (a model's ``data()``, a paint
    handler, a slot) waits for the GIL up to this long while a worker runs Python code:
    a paint making 1000 such calls waited up to 0.5-1 s at 0.5 ms (measured: 1000
    entries 0.96 s at 0.5 ms, 0.37 s at 0.1 ms, 0.17 s with no worker; load ~5)."""
    with _SWITCH_LOCK:
        if on:
            if _SWITCH_USERS[0] == 0:
                _SWITCH_USERS[1] = sys.getswitchinterval()
                sys.setswitchinterval(min(_SWITCH_USERS[1], SWITCH_S))
            _SWITCH_USERS[0] += 1
        else:
            _SWITCH_USERS[0] -= 1
            if _SWITCH_USERS[0] == 0:
                sys.setswitchinterval(_SWITCH_USERS[1])


class Pacer(QObject):
    """The GUI side of :mod:`annotator.pacing`: beats every ``BEAT_MS`` while a worker is
    working, so workers give way while a turn of the GUI thread runs long. Woken by
    whoever starts a worker (GUI thread); stops itself once no worker has worked for
    ``IDLE_TICKS`` beats (no timer runs while the app is idle)."""

    BEAT_MS = 4
    IDLE_TICKS = 50

    _instance: Pacer | None = None

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._idle = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self.BEAT_MS)
        self._timer.timeout.connect(self._tick)

    @classmethod
    def wake(cls) -> None:
        """A worker starts (call on the GUI thread)."""
        app = QCoreApplication.instance()
        if app is None or threading.current_thread() is not threading.main_thread():
            return
        pacer = cls._instance
        if pacer is None:
            pacer = cls._instance = Pacer(app)
        pacer._idle = 0
        pacing.beat()
        if not pacer._timer.isActive():
            pacer._timer.start()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def _tick(self) -> None:
        if pacing.busy():
            self._idle = 0
        else:
            self._idle += 1
            if self._idle >= self.IDLE_TICKS:
                self._timer.stop()
                pacing.stop()
                return
        pacing.beat()


class BackgroundJob(QObject):
    """At most one job at a time; ``start`` refuses a second while one runs."""

    _finished = Signal(int)  # job number, from the worker thread

    def __init__(self, parent: QObject, name: str) -> None:
        super().__init__(parent)
        self.name = name
        self._thread: threading.Thread | None = None
        self._number = 0
        self._result: tuple[int, Any, BaseException | None] | None = None
        self._done: Callable[[Any, BaseException | None], None] | None = None
        self._finished.connect(self._deliver)

    @property
    def running(self) -> bool:
        """A job was started and its result not delivered yet."""
        return self._done is not None

    def start(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> bool:
        """Run ``work()`` on a worker; ``done(result, error)`` on the GUI thread after."""
        if self.running:
            return False
        self._number += 1
        number = self._number
        self._done = done
        self._result = None

        def run() -> None:
            fast_switching(True)
            try:
                with pacing.working():
                    result, error = work(), None
            except BaseException as e:  # noqa: BLE001 - reported on the GUI thread
                result, error = None, e
            finally:
                fast_switching(False)
            self._result = (number, result, error)
            try:
                self._finished.emit(number)
            except RuntimeError:  # the window was deleted meanwhile
                pass

        self._thread = threading.Thread(target=run, name=f"facet-{self.name}", daemon=True)
        self._thread.start()
        Pacer.wake()
        return True

    def wait(self, timeout: float = 60) -> bool:
        """Join the job and deliver its result now; True when none is left running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        if self._result is not None:
            self._deliver(self._result[0])
        return not self.running

    def _deliver(self, number: int) -> None:
        result, done = self._result, self._done
        if result is None or done is None or result[0] != number:
            return  # delivered already (wait() ran first)
        self._result = None
        self._done = None
        try:
            done(result[1], result[2])
        except Exception:
            log.exception("%s: handling the result failed", self.name)


_FROZEN = [False]


def freeze_large(project: Any) -> None:
    """After binding a large project: move every object alive now out of the cyclic GC's
    reach (``gc.freeze``). With a million objects alive a full collection walks them all
    (0.3 s at 100k events, holding the GIL, on whichever thread allocates); the project's
    values are frozen dataclasses that live until the project goes, so never scanning them
    loses nothing."""
    if len(project.events) > SYNC_EVENTS_FOR_FREEZE:
        gc.freeze()
        if not _FROZEN[0]:
            # while a large project is open every thread's Python (video indexing and
            # hashing too, not only our jobs) hands the GIL over every 0.1 ms: the GUI
            # thread re-enters Python many times per paint and waited up to 5 ms each
            fast_switching(True)
        _FROZEN[0] = True


def unfreeze_garbage() -> None:
    """Before another project is bound: the old one's objects become collectable again
    (frozen objects in reference cycles are never freed)."""
    if _FROZEN[0]:
        gc.unfreeze()
        fast_switching(False)
        _FROZEN[0] = False


SYNC_EVENTS_FOR_FREEZE = 3000
