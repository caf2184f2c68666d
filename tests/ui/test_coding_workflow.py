"""Keyboard coding: I/P/O/Enter at known frames, FACS code strings, emotions, undo/redo."""

from __future__ import annotations

from fractions import Fraction

import pytest
from fakes import FakeController
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from annotator.model import EventKind, Intensity, Media, Project, Side
from annotator.model.serialize import project_to_dict
from annotator.ui.coding import install_coding
from annotator.ui.context import standalone_context
from annotator.ui.timeline.lanes import au_lane_key


class FakeWindow(QMainWindow):
    """A plain window with the explicit context the coding workflow is built with."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.controller = FakeController()
        self.player_widget = None
        self.setCentralWidget(QWidget())
        self.ctx = standalone_context(project, controller=self.controller, host=self)
        self.undo_stack = self.ctx.undo_stack
        self.coding = None

    @property
    def project(self) -> Project:
        return self.ctx.project


@pytest.fixture
def win(qtbot: QtBot) -> FakeWindow:
    p = Project(annotator="kim")
    p.add_media(Media("m1", "v.mp4", frame_count=500, fps=Fraction(25)))
    p.add_face(name="Ann")
    p.add_face(name="Bob")
    w = FakeWindow(p)
    w.coding = install_coding(w.ctx)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.coding.timeline.canvas.setFocus()
    return w


def snapshot(p: Project) -> dict:
    d = project_to_dict(p)
    d.pop("modified")
    return d


def test_keyboard_marking_i_p_o_enter(win: FakeWindow, qtbot: QtBot) -> None:
    ui, ctl, p = win.coding, win.controller, win.project
    ui.on_au_chosen(12)  # palette: AU12 lane on the first face, selected
    assert ui.selection.lane == au_lane_key("A", 12)
    ui.palette.intensity_changed.emit(Intensity.C)
    ui.palette.side_changed.emit(Side.R)
    target = ui.timeline.canvas
    ctl.seek(100)
    qtbot.keyClick(target, Qt.Key.Key_I)
    ctl.seek(108)
    qtbot.keyClick(target, Qt.Key.Key_P)
    ctl.seek(120)
    qtbot.keyClick(target, Qt.Key.Key_O)
    assert ui.session.pending is not None
    assert ui.timeline.canvas.pending == (au_lane_key("A", 12), 100, 108, 120)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    (e,) = p.events.values()
    assert (e.kind, e.au, e.face) == (EventKind.AU, 12, "A")
    assert (e.onset_frame, e.apex_frame, e.offset_frame) == (100, 108, 120)
    assert (e.intensity, e.side, e.code, e.annotator) == (Intensity.C, Side.R, "R12C", "kim")
    assert ui.session.pending is None
    assert ui.selection.ids == {e.id}


def test_escape_cancels_pending(win: FakeWindow, qtbot: QtBot) -> None:
    ui, ctl = win.coding, win.controller
    ui.on_au_chosen(4)
    ctl.seek(10)
    qtbot.keyClick(ui.timeline.canvas, Qt.Key.Key_I)
    assert ui.session.pending is not None
    qtbot.keyClick(ui.timeline.canvas, Qt.Key.Key_Escape)
    assert ui.session.pending is None
    qtbot.keyClick(ui.timeline.canvas, Qt.Key.Key_Return)
    assert not win.project.events


def test_code_string_creates_one_event_per_au(win: FakeWindow, qtbot: QtBot) -> None:
    ui, ctl, p = win.coding, win.controller, win.project
    ui.selection.set_lane(("B", "face"))
    ctl.seek(40)
    ui.session.mark_onset()
    ctl.seek(44)
    ui.session.mark_apex()
    ctl.seek(60)
    ui.session.mark_offset()
    qtbot.keyClick(ui.timeline.canvas, Qt.Key.Key_1)  # a digit jumps into the code field
    field = ui.coding_bar.code
    assert field.hasFocus() and field.text() == "1"
    qtbot.keyClicks(field, "+2+5B+26")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    evs = sorted(p.events.values(), key=lambda e: e.au or 0)
    assert [(e.au, e.intensity) for e in evs] == [
        (1, None),
        (2, None),
        (5, Intensity.B),
        (26, None),
    ]
    assert {(e.face, e.onset_frame, e.apex_frame, e.offset_frame) for e in evs} == {
        ("B", 40, 44, 60)
    }
    assert field.text() == ""
    assert win.undo_stack.count() == 1  # one macro
    win.undo_stack.undo()
    assert not p.events


def test_side_prefixed_code(win: FakeWindow) -> None:
    ui, p = win.coding, win.project
    win.controller.seek(7)
    ids = ui.session.apply_code("R12A")
    (e,) = [p.events[i] for i in ids]
    assert (e.au, e.side, e.intensity, e.onset_frame, e.offset_frame) == (
        12,
        Side.R,
        Intensity.A,
        7,
        7,
    )


def test_bad_code_creates_nothing(win: FakeWindow) -> None:
    assert win.coding.session.apply_code("NULL") == []
    assert not win.project.events


def test_emotion_key_then_offset_and_enter(win: FakeWindow, qtbot: QtBot) -> None:
    ui, ctl, p = win.coding, win.controller, win.project
    ui.selection.set_lane(("B", "emotion"))
    ctl.seek(200)
    ui.session.pick_emotion("fear")  # Alt+3
    ctl.seek(230)
    qtbot.keyClick(ui.timeline.canvas, Qt.Key.Key_O)
    qtbot.keyClick(ui.timeline.canvas, Qt.Key.Key_Return)
    (e,) = p.events.values()
    assert (e.kind, e.emotion, e.face, e.onset_frame, e.offset_frame) == (
        EventKind.EMOTION,
        "fear",
        "B",
        200,
        230,
    )
    ui.session.pick_emotion("anger")  # relabels the selected emotion event
    assert p.events[e.id].emotion == "anger"


def test_two_faces_keyboard_only_undo_redo(win: FakeWindow, qtbot: QtBot) -> None:
    """The issue's done-when: AU + emotion for each of two faces, undo all, redo all."""
    ui, ctl, p = win.coding, win.controller, win.project
    s0 = snapshot(p)
    for face, start in (("A", 10), ("B", 300)):
        ui.selection.set_lane((face, "face"))
        ctl.seek(start)
        ui.session.mark_onset()
        ctl.seek(start + 20)
        ui.session.mark_offset()
        ui.session.apply_code("6+12C")
        ctl.seek(start)
        ui.session.pick_emotion("happiness")
        ctl.seek(start + 40)
        ui.session.mark_offset()
        ui.session.commit()
    s1 = snapshot(p)
    assert len(p.events) == 6
    assert {e.face for e in p.events.values() if e.kind is EventKind.EMOTION} == {"A", "B"}
    while win.undo_stack.canUndo():
        win.undo_stack.undo()
    assert snapshot(p) == s0
    while win.undo_stack.canRedo():
        win.undo_stack.redo()
    assert snapshot(p) == s1


def test_project_replaced_rebinds(win: FakeWindow) -> None:
    p2 = Project()
    p2.add_media(Media("m1", "w.mp4", frame_count=50))
    p2.add_face(name="Cy")
    win.ctx.workspace.set_project(p2, None)
    win.coding.session.apply_code("4")
    assert len(p2.events) == 1
    assert win.coding.timeline.project is p2
    assert win.coding.table.model.rowCount() == 1


def test_enter_in_table_editor_commits_the_cell_not_the_pending(
    win: FakeWindow, qtbot: QtBot
) -> None:
    from annotator.model import Event
    from annotator.ui.docks.event_table import COLUMNS

    p, ui = win.project, win.coding
    e = p.add_event(Event(0, "A", EventKind.AU, 10, 20, au=12))
    ui.session.mark_onset()  # a pending mark exists: Enter is a window shortcut now
    t = ui.table
    idx = t.proxy.mapFromSource(t.model.index(t.model.row_of(e.id), COLUMNS.index("offset")))
    t.table.setFocus()
    t.table.edit(idx)
    editor = QApplication.focusWidget()
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "33")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits from a queued call
    assert p.events[e.id].offset_frame == 33
    assert ui.session.pending is not None
