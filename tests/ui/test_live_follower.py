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


def test_breakdown_rows_follow_edits_in_place(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Edits update the tree's rows one by one (no reset), inside and past the rows
    fetched so far, and the rows then read as a full recompute's."""
    import random

    from annotator.ui.review.breakdown_dock import BreakdownDock, compute_breakdown

    p = large_project(2_500)  # small: built on this thread; ~2000 lines, 500 fetched
    p.add_marker(Marker(0, MarkerKind.CUT, 6000, 6000, "m1", text="cut"))
    dock = BreakdownDock()
    qtbot.addWidget(dock)
    dock.show()
    dock.show_project(p)
    qtbot.waitUntil(lambda: _landed(dock.follower))
    resets: list[int] = []
    dock.model.modelReset.connect(lambda: resets.append(1))
    rng = random.Random(4)
    for _ in range(60):
        r = rng.random()
        if r < 0.5:
            on = rng.choice([rng.randrange(300), rng.randrange(8900)])  # early rows: shown
            p.add_event(Event(0, rng.choice("AB"), EventKind.AU, on, on + rng.randint(2, 30), au=4))
        elif r < 0.8:
            p.remove_event(rng.choice(list(p.events)))
        else:
            e = p.events[rng.choice(list(p.events))]
            p.update_event(e.id, offset_frame=min(e.offset_frame + 3, 8999))
        if rng.random() < 0.3:
            dock.show_project(p)  # the window's changed handler: a coalesced redraw
            qtbot.waitUntil(lambda: not dock.redraw._timer.isActive())
    dock.show_project(p)
    qtbot.waitUntil(lambda: not dock.redraw._timer.isActive())
    assert not resets  # rows inserted, removed, changed in place
    full = compute_breakdown(p, "m1")
    assert dock.summaries == full.summaries
    for shot, moments in enumerate(full.children):
        assert sorted(dock.child_texts(shot)) == sorted(m.text for m in moments)
        assert dock.model.rowCount(dock.model.index(shot, 0)) == len(moments)


def test_event_table_build_catches_up_with_edits_made_meanwhile(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A large table's build lands after edits: it is brought up to date (not started
    again, which at 1M events never finished while someone kept coding)."""
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QWidget

    from annotator.ui.docks.event_table_model import COLUMNS, EventTableModel, Filters, build_rows

    p = large_project(20_000)
    view = QWidget()
    qtbot.addWidget(view)
    view.show()
    model = EventTableModel(large_project(10), QUndoStack(), view)
    model.sort(COLUMNS.index("onset"))  # as the dock shows it
    gate = _hold_worker()
    model.set_project(p)
    qtbot.waitUntil(lambda: model.refresher.running)
    runs = model.refresher.runs
    added = p.add_event(Event(0, "A", EventKind.AU, 5000, 5010, au=9))
    p.add_event(Event(0, "A", EventKind.AU, 5005, 5020, au=9))  # overlaps: both flagged
    p.remove_event(11)
    p.update_event(12, onset_frame=0)  # moves to the top
    e = p.events[13]
    p.update_event(13, au=99 if e.au != 99 else 98)  # another lane
    p.update_event(added.id, offset_frame=5012)
    assert not model.ready
    gate.set()
    qtbot.waitUntil(lambda: model.ready, timeout=60_000)
    assert model.refresher.runs == runs  # caught up, not built again
    full = build_rows(p, "onset", Filters())
    by_onset = sorted(p.events.values(), key=lambda e: (e.onset_frame, e.id))
    assert full.ids == [e.id for e in by_onset]  # the numpy build sorts as sort_key does
    assert build_rows(p, "offset", Filters()).ids == [
        e.id for e in sorted(p.events.values(), key=lambda e: (e.offset_frame, e.id))
    ]
    assert model._ids == full.ids
    assert model._dupes == full.dupes
    assert model.rowCount() == len(p.events)
