"""Committing an event leaves the playhead where it is (issue 11: "committing an event can
move the playhead to the previously selected event").

Real window, real controllers, keys and clicks as a coder makes them: a selection made in
the Events table (which seeks the player to it), changed to another event, or made by a
click on a bar; then the playhead moved away, I, O and a commit (Enter, a typed FACS code,
an emotion key), with the keyboard focus on the table or the timeline. The playhead must
stay on the frame the coder was on, the new event selected, and stay there once every
queued event and timer has run.
"""

from __future__ import annotations

import pytest
from fakes import bar_centre
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot


@pytest.fixture
def no_vlc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACET_NO_VLC", "1")


def click_row(qtbot: QtBot, w, row: int) -> None:  # type: ignore[no-untyped-def]
    view = w.coding.table.table
    pos = view.visualRect(view.model().index(row, 1)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def click_bar(qtbot: QtBot, w, event_id: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(
        w.coding.timeline.canvas, Qt.MouseButton.LeftButton, pos=bar_centre(w, event_id)
    )


def drain(qtbot: QtBot) -> None:
    """Every queued call and short timer (deferred selection syncs, repaints) has run."""
    for _ in range(5):
        QApplication.processEvents()
    qtbot.wait(250)


CASES = [
    # (how the selection is made before coding, how the event is committed, focus)
    ("table", "enter", "table"),
    ("table then another row", "enter", "canvas"),
    ("table then a bar", "enter", "canvas"),
    ("table", "code", "canvas"),
    ("table then another row", "emotion", "table"),
]


@pytest.mark.parametrize("selection, commit, focus", CASES)
def test_commit_leaves_the_playhead(
    make_window, demo_copy, qtbot: QtBot, no_vlc, selection: str, commit: str, focus: str
) -> None:
    w = make_window(demo_copy)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)  # keys go to the window
    ui, ctl, project = w.coding, w.controller, w.project
    ui.timeline.zoom_to_fit()
    before_ids = set(project.events)
    click_row(qtbot, w, 2)
    drain(qtbot)
    first = set(ui.selection.ids)
    assert len(first) == 1
    (selected,) = first
    assert ctl.current_frame == project.events[selected].onset_frame  # the table seeks
    if selection == "table then another row":
        click_row(qtbot, w, 5)
    elif selection == "table then a bar":
        click_bar(qtbot, w, sorted(project.events)[8])
    drain(qtbot)
    assert ui.selection.ids and (selection == "table" or ui.selection.ids != first)

    target = ui.table.table if focus == "table" else ui.timeline.canvas
    target.setFocus()
    ctl.seek(200)
    qtbot.keyClick(target, Qt.Key.Key_I)
    ctl.seek(210)
    qtbot.keyClick(target, Qt.Key.Key_O)
    assert ui.session.pending is not None
    if commit == "enter":
        qtbot.keyClick(target, Qt.Key.Key_Return)
    elif commit == "code":
        qtbot.keyClick(target, Qt.Key.Key_1)  # a digit starts the code field
        field = QApplication.focusWidget()
        qtbot.keyClicks(field, "2")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    else:
        qtbot.keyClick(target, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    drain(qtbot)

    (new,) = set(project.events) - before_ids
    e = project.events[new]
    assert (e.onset_frame, e.offset_frame) == (200, 210)
    assert ctl.current_frame == 210  # not the previously selected event's onset
    assert ui.selection.ids == {new}
    assert w.coding.timeline.canvas.playhead == 210
