"""One owner per piece of state in the coding workflow: Esc during a drag, nudges of a
selection, the playhead on commit."""

from __future__ import annotations

from fakes import bar_centre
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from test_coding_workflow import FakeWindow, win  # noqa: F401 - the shared fixture

from annotator.model import Event, EventKind
from annotator.ui.timeline.lanes import au_lane_key


def test_escape_during_a_drag_with_a_pending_mark_cancels_only_the_drag(
    win: FakeWindow, qtbot: QtBot
) -> None:  # noqa: F811
    ui, ctl, p = win.coding, win.controller, win.project
    ev = p.add_event(Event(0, "A", EventKind.AU, 200, 260, au=12))
    ui.timeline.zoom_to_fit()
    ui.on_au_chosen(12)
    canvas = ui.timeline.canvas
    ctl.seek(10)
    qtbot.keyClick(canvas, Qt.Key.Key_I)
    pending = ui.session.pending
    assert pending is not None and pending.onset == 10
    start = bar_centre(win, ev.id)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, start + QPoint(80, 0))
    assert canvas._drag is not None
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas._drag is None  # the drag is gone ...
    assert ui.session.pending == pending  # ... and only the drag
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(80, 0))
    assert (p.events[ev.id].onset_frame, p.events[ev.id].offset_frame) == (200, 260)
    assert win.undo_stack.count() == 0
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)  # the next Esc drops the mark
    assert ui.session.pending is None


def test_each_nudge_of_a_selection_is_one_undo_step(
    win: FakeWindow,  # noqa: F811
    qtbot: QtBot,
) -> None:
    ui, p = win.coding, win.project
    a = p.add_event(Event(0, "A", EventKind.AU, 10, 20, au=12))
    b = p.add_event(Event(0, "B", EventKind.AU, 30, 40, au=4))
    c = p.add_event(Event(0, "B", EventKind.EMOTION, 50, 60, emotion="joy"))
    ui.selection.set({a.id, b.id, c.id})
    canvas = ui.timeline.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert [p.events[i].onset_frame for i in (a.id, b.id, c.id)] == [12, 32, 52]
    assert win.undo_stack.count() == 2  # one step per nudge, not per event
    win.undo_stack.undo()
    assert [p.events[i].onset_frame for i in (a.id, b.id, c.id)] == [11, 31, 51]
    win.undo_stack.undo()
    assert [p.events[i].onset_frame for i in (a.id, b.id, c.id)] == [10, 30, 50]


def test_committing_an_event_leaves_the_playhead_where_it_is(
    win: FakeWindow,  # noqa: F811
    qtbot: QtBot,
) -> None:
    ui, ctl, p = win.coding, win.controller, win.project
    old = p.add_event(Event(0, "A", EventKind.AU, 40, 50, au=12))
    ui.timeline.select_event(old.id)  # a previously selected event, elsewhere
    ui.table.table.selectRow(0)
    QApplication.processEvents()
    ui.on_au_chosen(12)
    canvas = ui.timeline.canvas
    ctl.seek(300)
    qtbot.keyClick(canvas, Qt.Key.Key_I)
    ctl.seek(320)
    qtbot.keyClick(canvas, Qt.Key.Key_O)
    seeks_before = ctl.current_frame
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    QApplication.processEvents()
    new = [e for e in p.events.values() if e.id != old.id]
    assert len(new) == 1 and (new[0].onset_frame, new[0].offset_frame) == (300, 320)
    assert ui.selection.ids == {new[0].id}
    assert ctl.current_frame == seeks_before == 320
    assert ui.selection.lane == au_lane_key("A", 12)


def test_commit_in_the_real_window_leaves_the_playhead(
    make_window, demo_copy, qtbot: QtBot
) -> None:
    w = make_window(demo_copy)
    ui, ctl = w.coding, w.controller
    ui.table.table.selectRow(2)  # a previously selected event: the player jumps to it
    QApplication.processEvents()
    ui.on_au_chosen(14)
    ctl.seek(200)
    canvas = ui.timeline.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_I)
    ctl.seek(210)
    qtbot.keyClick(canvas, Qt.Key.Key_O)
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    for _ in range(5):
        QApplication.processEvents()
    assert any(e.au == 14 and e.onset_frame == 200 for e in w.project.events.values())
    assert ctl.current_frame == 210
