"""Statistics and breakdown of a large project are built once on the view worker from a
snapshot; edits made while that build runs are replayed onto it, and a change the model
cannot follow (a cut) builds again: what lands equals a full recompute (issue 18)."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtWidgets import QApplication

from annotator.model import Event, EventKind, Marker, MarkerKind
from tests.ui.test_large_project_views import large_project


def _hold_worker() -> threading.Event:
    """Keep the view worker busy until the event is set: a build queued behind it has
    started (``running``) but not read its snapshot's events yet."""
    from annotator.ui.background import _pool

    gate = threading.Event()
    _pool().submit(gate.wait, 30)
    return gate


def _landed(follower) -> bool:  # type: ignore[no-untyped-def]
    r = follower.refresher
    return follower.live is not None and not r.running and not r._timer.isActive()


def test_stats_built_off_thread_take_the_edits_made_meanwhile(qtbot) -> None:  # type: ignore[no-untyped-def]
    from annotator.ui.analysis.stats_panel import StatisticsPanel, compute_stats

    p = large_project(20_000)
    panel = StatisticsPanel()
    qtbot.addWidget(panel)
    panel.show()
    gate = _hold_worker()
    panel.set_project(p)
    qtbot.waitUntil(lambda: panel.follower.refresher.running)  # large: worker, snapshot
    added = p.add_event(Event(0, "A", EventKind.AU, 100, 180, au=9))  # during the build
    p.remove_event(5)
    p.update_event(added.id, offset_frame=200)
    assert panel.live is None
    gate.set()
    qtbot.waitUntil(lambda: _landed(panel.follower), timeout=60_000)
    assert panel.live is not None and panel.live.project is p
    p.add_event(Event(0, "B", EventKind.EMOTION, 10, 40, emotion="fear"))  # after: followed
    got, full = panel.live.numbers(), compute_stats(p)
    assert got.frequency == full.frequency
    assert np.array_equal(got.counts, full.counts) and np.array_equal(got.co_mat, full.co_mat)
    assert len(got.emotions.onset) == len(full.emotions.onset)


def test_breakdown_rebuilds_after_a_cut_and_keeps_edits(qtbot) -> None:  # type: ignore[no-untyped-def]
    from annotator.review.shots import breakdown
    from annotator.ui.review.breakdown_dock import BreakdownDock

    p = large_project(20_000)
    dock = BreakdownDock()
    qtbot.addWidget(dock)
    dock.show()
    dock.show_project(p)
    qtbot.waitUntil(lambda: _landed(dock.follower), timeout=60_000)
    assert dock.shot_count() == 1
    gate = _hold_worker()
    p.add_marker(Marker(0, MarkerKind.CUT, 4000, 4000, "m1", text="cut"))  # shots move
    assert dock.live is None  # cannot follow a cut: built again
    dock.show_project(p)  # the window's changed handler
    qtbot.waitUntil(lambda: dock.follower.refresher.running)
    p.add_event(Event(0, "B", EventKind.AU, 3990, 4001, au=4))  # made while it builds
    gate.set()
    qtbot.waitUntil(lambda: _landed(dock.follower) and dock.shot_count() == 2, timeout=60_000)
    QApplication.processEvents()
    assert dock.live is not None
    assert dock.live.summaries() == breakdown(p, "m1") == dock.summaries
