"""Background threads give way to the GUI thread while it is in a long turn (issue 18).

Python threads share one GIL, and the interpreter shares it out evenly: while a worker
runs Python code, the GUI thread runs at half speed, however short the switch interval
(measured in ``bench/bench_window_stalls.py``: a turn with 35 ms of GUI work took 70 ms
beside the view worker building a 100k-event table; the worker had the other 35 ms).

So the GUI side beats (:func:`beat`, from a timer of a few milliseconds on its event
loop, :class:`annotator.ui.background_job.Pacer`) while workers run, and workers call
:func:`pace` between small pieces of their work. A beat older than ``STALE_S`` means the
GUI thread is in a long turn (or waiting for the GIL to start one): ``pace`` then sleeps,
releasing the GIL, until the next beat. A beat older than ``GIVE_UP_S`` means the GUI
thread is blocked on something else (often on this very worker: a wait for a save, an
open): no waiting then, so nothing can starve or deadlock. Without a GUI (scripts, the
command line, tests of the headless packages) nobody beats and ``pace`` returns at once.

Qt-free and dependency-free: the headless packages call :func:`pace`; only the UI beats.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STALE_S = 0.008  # a GUI turn longer than this makes workers wait
GIVE_UP_S = 0.15  # ...until the GUI's beat is this old: then it waits for something else
_NAP_S = 0.0005

_last = [0.0]  # time.monotonic() of the GUI's last beat; 0: nobody beats
_GUI_THREAD = threading.main_thread().ident  # the thread that beats never waits for itself
_lock = threading.Lock()
_working = [0]  # workers inside working()


@contextmanager
def working() -> Iterator[None]:
    """Around a worker's job: the GUI keeps beating while any job is inside."""
    with _lock:
        _working[0] += 1
    try:
        yield
    finally:
        with _lock:
            _working[0] -= 1


def busy() -> bool:
    """Whether a worker is inside :func:`working` (the GUI's timer stops when not)."""
    return _working[0] > 0


def beat() -> None:
    """The GUI thread's event loop is turning (called from its timer)."""
    _last[0] = time.monotonic()


def stop() -> None:
    """No more beats (no worker running): :func:`pace` never waits."""
    _last[0] = 0.0


def pace() -> float:
    """Between two pieces of a worker's work: wait while the GUI thread is in a long
    turn. Returns the seconds waited (0.0 almost always; a time lookup when it does not
    wait)."""
    last = _last[0]
    if not last or threading.get_ident() == _GUI_THREAD:
        return 0.0  # nobody beats, or the caller is the GUI thread itself (a small build)
    start = time.monotonic()
    if start - last <= STALE_S or start - last > GIVE_UP_S:
        return 0.0
    deadline = last + GIVE_UP_S
    now = start
    while now < deadline:
        time.sleep(_NAP_S)
        now = time.monotonic()
        beat_now = _last[0]
        if not beat_now or now - beat_now <= STALE_S:
            break
    return now - start
