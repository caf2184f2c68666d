"""Views follow an edit with work that does not grow with the project (issue 18).

The same window, the same edit (one AU event added on a small lane, then undone), on a
project of N and of 10 N events: every view handler, and whatever the views do on the GUI
thread after it (coalesced refreshes landing), is counted in Python lines executed and
calls made on the GUI thread. An O(project) handler grows tenfold; the test allows three.
Counts, not seconds, so a loaded machine cannot make it flaky. The aggregating docks are
floated so they are on screen (a hidden dock defers its work, which would hide it), and so
is every other dock (history, notes, faces, curves, compare, palette, ...).
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
    lanes = [(f, au) for f in "AB" for au in (1, 2, 4, 6, 12, 15, 25, 26)] + [
        (f, None) for f in "AB"
    ]
    while eid < n:
        face, au = lanes[eid % len(lanes)]
        on = rng.randrange(FRAMES - 40)
        eid += 1
        if au is None:
            p.events[eid] = Event(
                eid,
                face,
                EventKind.EMOTION,
                on,
                on + rng.randint(3, 30),
                emotion=rng.choice(["happiness", "fear", "anger"]),
            )
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
    return all(
        not r.running and not r._timer.isActive() and not (r.stale and r._shown())
        for r in _refreshers(window)
    )


def _settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(50)
    qtbot.waitUntil(lambda: _idle(window), timeout=120_000)
    qtbot.wait(50)


def _open(make_window, qtbot, tmp_path: Path, n: int):  # type: ignore[no-untyped-def]
    path = tmp_path / f"large_{n}.facet.json"
    save_project(large_project(n), path)
    w = make_window(path)
    # Autosave is not a view: its timer firing mid-count (every 10 s, serialising the
    # project; off the GUI thread is the workspace's part) would count a save, not views.
    w._autosave_timer.stop()
    docks = w.findChildren(QDockWidget)
    assert {d.objectName() for d in docks} >= set(AGGREGATING_DOCKS)
    for dock in docks:  # every dock on screen: each one's handler and refresh counts
        dock.setFloating(True)
        dock.show()
        dock.raise_()
    _settle(qtbot, w)
    assert all(d.isVisible() for d in docks)
    assert w.coding.table.model.rowCount() == n
    return w


def _edit_work(qtbot, window) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Lines and calls on the GUI thread for one added event and its undo, settled; and
    the number of view recomputes started."""
    from annotator.commands.events import AddEventCommand

    runs = sum(r.runs for r in _refreshers(window))
    with WorkCounter() as work:
        window.undo_stack.push(
            AddEventCommand(window.project, Event(0, "A", EventKind.AU, 5000, 5012, au=9))
        )
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
    for what, a, b in (
        ("lines", small_work[0], big_work[0]),
        ("calls", small_work[1], big_work[1]),
    ):
        assert b < 3 * a + 2000, f"{what} on the GUI thread: {a} at 5k, {b} at 50k events"


def test_emotion_timeline_is_one_bar_set_per_label_with_labels_in_view(qtbot) -> None:  # type: ignore[no-untyped-def]
    import pyqtgraph as pg

    from annotator.ui.analysis.stats_panel import MAX_LABELS, StatisticsPanel, compute_stats

    p = large_project(4_000)
    panel = StatisticsPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 400)
    panel.show()
    panel.tabs.setCurrentIndex(3)
    panel.show_stats(compute_stats(p))
    labels = {e.emotion for e in p.events.values() if e.kind is EventKind.EMOTION}
    bars = [i for i in panel.emo_plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == len(labels) == 3  # not one item per emotion event (~400 of them)
    panel.emo_plot.setXRange(0, FRAMES, padding=0)
    qtbot.wait(20)
    assert panel.label_texts() == []  # too many in view to read: none
    panel.emo_plot.setXRange(1000, 1400, padding=0)
    qtbot.wait(20)
    shown = panel.label_texts()
    in_view = [
        e
        for e in p.events.values()
        if e.kind is EventKind.EMOTION and e.offset_frame + 1 >= 1000 and e.onset_frame <= 1400
    ]
    assert 0 < len(shown) == len(in_view) <= MAX_LABELS
    assert sorted(shown) == sorted(e.emotion for e in in_view)


def test_yielding_sort_is_sorted_stable() -> None:
    from annotator.ui.background import yielding_sort

    rng = random.Random(5)
    for n in (0, 1, 100, 4096, 4097, 30_000):
        items = [(rng.randrange(50), i) for i in range(n)]  # many ties on the key
        assert yielding_sort(items, lambda t: t[0]) == sorted(items, key=lambda t: t[0])
