"""Views follow an edit with work that does not grow with the project (issue 18).

The same window, the same edit (one AU event added on a small lane, then undone), on a
project of N and of 10 N events: every view handler, and whatever the views do on the GUI
thread after it (coalesced refreshes landing), is counted in Python lines executed and
calls made on the GUI thread. An O(project) handler grows tenfold; the test allows three.
Counts, not seconds, so a loaded machine cannot make it flaky. The aggregating docks are
floated so they are on screen (a hidden dock defers its work, which would hide it).
"""

from __future__ import annotations

import random
import sys
import threading
from fractions import Fraction
from pathlib import Path
from typing import Self

import pytest
from PySide6.QtWidgets import QDockWidget

from annotator.io.project_file import save_project
from annotator.model import Event, EventKind, Media, Project

pytest.importorskip("annotator.ui.main_window")

AGGREGATING_DOCKS = ("StatisticsDock", "ReviewBreakdownDock", "EventsDock", "CandidatesDock")
FRAMES = 9000


def large_project(n: int, seed: int = 3) -> Project:
    """Two faces, eight AU lanes and an emotion lane each, ``n`` events; face A's AU 9 lane
    holds the same ten events at every size (the edit lands there)."""
    rng = random.Random(seed)
    p = Project("large")
    p.add_media(Media("m1", "missing.mp4", frame_count=FRAMES, fps=Fraction(25)))
    p.add_face(name="Ann")
    p.add_face(name="Bob")
    for i in range(10):
        p.events[i + 1] = Event(i + 1, "A", EventKind.AU, i * 100, i * 100 + 20, au=9)
    eid = 10
    lanes = [(f, au) for f in "AB" for au in (1, 2, 4, 6, 12, 15, 25, 26)] + [(f, None)
                                                                            for f in "AB"]
    while eid < n:
        face, au = lanes[eid % len(lanes)]
        on = rng.randrange(FRAMES - 40)
        eid += 1
        if au is None:
            p.events[eid] = Event(eid, face, EventKind.EMOTION, on, on + rng.randint(3, 30),
                                  emotion=rng.choice(["happiness", "fear", "anger"]))
        else:
            p.events[eid] = Event(eid, face, EventKind.AU, on, on + rng.randint(3, 30), au=au)
    return p


class WorkCounter:
    """Python lines and calls executed on this thread while active (sys.settrace and
    sys.setprofile; other threads, such as the views' worker, are not counted)."""

    def __init__(self) -> None:
        self.lines = 0
        self.calls = 0
        self._thread = threading.get_ident()

    def _trace(self, frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "line":
            self.lines += 1
        return self._trace

    def _profile(self, frame, event, arg):  # type: ignore[no-untyped-def]
        if event in ("call", "c_call"):
            self.calls += 1

    def __enter__(self) -> Self:
        sys.setprofile(self._profile)
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(None)
        sys.setprofile(None)


def _refreshers(window):  # type: ignore[no-untyped-def]
    from annotator.ui.background import ViewRefresh

    return window.findChildren(ViewRefresh)


def _idle(window) -> bool:  # type: ignore[no-untyped-def]
    return all(not r.running and not r._timer.isActive() and not (r.stale and r._shown())
               for r in _refreshers(window))


def _settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(50)
    qtbot.waitUntil(lambda: _idle(window), timeout=120_000)
    qtbot.wait(50)


def _open(make_window, qtbot, tmp_path: Path, n: int):  # type: ignore[no-untyped-def]
    path = tmp_path / f"large_{n}.facet.json"
    save_project(large_project(n), path)
    w = make_window(path)
    for name in AGGREGATING_DOCKS:
        dock = w.findChild(QDockWidget, name)
        if dock is not None:
            dock.setFloating(True)
            dock.show()
    _settle(qtbot, w)
    assert w.coding.table.model.rowCount() == n
    return w


def _edit_work(qtbot, window) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Lines and calls on the GUI thread for one added event and its undo, settled; and
    the number of view recomputes started."""
    from annotator.commands.events import AddEventCommand

    runs = sum(r.runs for r in _refreshers(window))
    with WorkCounter() as work:
        window.undo_stack.push(AddEventCommand(
            window.project, Event(0, "A", EventKind.AU, 5000, 5012, au=9)))
        _settle(qtbot, window)
        window.undo_stack.undo()
        _settle(qtbot, window)
    return work.lines, work.calls, sum(r.runs for r in _refreshers(window)) - runs


@pytest.mark.slow
def test_one_edit_costs_the_same_at_5k_and_50k_events(make_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small = _open(make_window, qtbot, tmp_path, 5_000)
    small_work = _edit_work(qtbot, small)
    big = _open(make_window, qtbot, tmp_path, 50_000)
    big_work = _edit_work(qtbot, big)
    assert big_work[2] >= 1  # the aggregating views did recompute (off the GUI thread)
    assert big.coding.table.model.rowCount() == 50_000
    for what, a, b in (("lines", small_work[0], big_work[0]),
                       ("calls", small_work[1], big_work[1])):
        assert b < 3 * a + 2000, f"{what} on the GUI thread: {a} at 5k, {b} at 50k events"
