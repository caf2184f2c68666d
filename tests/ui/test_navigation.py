"""Next / previous event on the current lane (. and ,)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.model import Event, EventKind
from annotator.ui.timeline.lanes import au_lane_key
from tests.ui.test_coding_workflow import FakeWindow, win  # noqa: F401 - fixture


def test_period_and_comma_walk_the_events_of_the_lane(
    win: FakeWindow,  # noqa: F811
    qtbot: QtBot,
) -> None:
    p, ui = win.project, win.coding
    ann, bob = list(p.faces)
    for face, au, on in [(ann, 12, 30), (ann, 12, 10), (ann, 6, 20), (bob, 12, 15), (ann, 12, 50)]:
        p.add_event(Event(0, face, EventKind.AU, on, on + 5, au=au, media="m1"))
    win.show()
    qtbot.waitExposed(win)
    ui.selection.set_lane(au_lane_key(ann, 12))
    win.controller.seek(0)
    seen = []
    for _ in range(4):
        qtbot.keyClick(win, Qt.Key.Key_Period)
        seen.append(win.controller.current_frame)
    assert seen == [10, 30, 50, 50]  # AU12 of Ann only; stays at the last one
    (sel,) = ui.selection.ids
    assert p.events[sel].onset_frame == 50
    qtbot.keyClick(win, Qt.Key.Key_Comma)
    assert win.controller.current_frame == 30
    # on the face row: every lane of the face
    ui.selection.set_lane((ann, "face"))
    qtbot.keyClick(win, Qt.Key.Key_Comma)
    assert win.controller.current_frame == 20
    assert ui.selection.lane == (ann, "face")
