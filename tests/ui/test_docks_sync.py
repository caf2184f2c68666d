"""Docks: event table and timeline stay in sync with the model; inline edits are commands."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot
from test_coding_workflow import FakeWindow  # tests/ui is on sys.path (no packages)

from annotator.model import Event, EventKind, Intensity, Media, Project
from annotator.ui.coding import install_coding
from annotator.ui.docks.event_editor import EventEditorDialog
from annotator.ui.docks.event_table import COLUMNS
from annotator.ui.timeline.lanes import au_lane_key


@pytest.fixture
def win(qtbot: QtBot) -> FakeWindow:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=500, fps=Fraction(25)))
    p.add_face(name="Ann")
    p.add_face(name="Bob")
    p.add_event(Event(0, "A", EventKind.AU, 10, 20, au=12, annotator="kim"))
    p.add_event(Event(0, "B", EventKind.AU, 30, 80, au=4, annotator="lee"))
    p.add_event(Event(0, "B", EventKind.EMOTION, 100, 140, emotion="fear"))
    w = FakeWindow(p)
    w.coding = install_coding(w.ctx)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


def col(name: str) -> int:
    return COLUMNS.index(name)


def rows(win: FakeWindow) -> list[int]:
    t = win.coding.table
    return sorted(int(t.proxy.index(r, col("id")).data()) for r in range(t.proxy.rowCount()))


def test_table_follows_model_and_undo(win: FakeWindow) -> None:
    p, ui = win.project, win.coding
    assert rows(win) == sorted(p.events)
    ui.session.apply_code("1+2")
    assert rows(win) == sorted(p.events) and len(p.events) == 5
    win.undo_stack.undo()
    assert rows(win) == sorted(p.events) and len(p.events) == 3
    ui.timeline.canvas.ensure()
    assert set(ui.timeline.canvas.cache.indexes[au_lane_key("A", 12)].ids) == {1}


def test_row_selection_seeks_and_selects_bar(win: FakeWindow) -> None:
    t, ui = win.coding.table, win.coding
    src = t.model.row_of(2)
    idx = t.proxy.mapFromSource(t.model.index(src, 0))
    t.table.selectionModel().select(
        idx,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert ui.selection.ids == {2}
    assert win.controller.current_frame == 30
    assert ui.timeline.canvas.playhead == 30
    assert ui.selection.lane == au_lane_key("B", 4)


def test_timeline_selection_selects_rows(win: FakeWindow) -> None:
    ui = win.coding
    ui.selection.set([1, 3])
    assert sorted(ui.table.selected_ids()) == [1, 3]


def test_inline_edit_pushes_command_and_refuses_invalid(win: FakeWindow) -> None:
    t, p = win.coding.table, win.project
    src = t.model.row_of(1)
    assert t.model.setData(t.model.index(src, col("offset")), "25")
    assert p.events[1].offset_frame == 25
    assert t.model.setData(t.model.index(src, col("intensity")), "d")
    assert p.events[1].intensity is Intensity.D
    assert t.model.setData(t.model.index(src, col("what")), "L12B")
    assert p.events[1].au_code == "L12B"
    msgs: list[str] = []
    t.model.edit_failed.connect(msgs.append)
    assert not t.model.setData(t.model.index(src, col("offset")), "5")  # before onset
    assert msgs and "onset_frame" in msgs[0]
    assert not t.model.setData(t.model.index(src, col("offset")), "999")  # past the video
    assert win.undo_stack.count() == 3
    win.undo_stack.undo()
    win.undo_stack.undo()
    win.undo_stack.undo()
    assert (p.events[1].offset_frame, p.events[1].intensity) == (20, None)


def test_filters(win: FakeWindow) -> None:
    t = win.coding.table
    t.kind_box.setCurrentIndex(t.kind_box.findData("au"))
    assert rows(win) == [1, 2]
    t.face_box.setCurrentIndex(t.face_box.findData("B"))
    assert rows(win) == [2]
    t.kind_box.setCurrentIndex(0)
    t.search.setText("fear")
    assert rows(win) == [3]
    t.search.setText("lee")
    assert rows(win) == [2]
    t.face_box.setCurrentIndex(0)
    t.search.setText("AU12")
    assert rows(win) == [1]


def test_sorting_by_onset_desc(win: FakeWindow) -> None:
    t = win.coding.table
    t.table.sortByColumn(col("onset"), Qt.SortOrder.DescendingOrder)
    ids = [int(t.proxy.index(r, col("id")).data()) for r in range(t.proxy.rowCount())]
    assert ids == [3, 2, 1]


def test_duplicate_overlap_flagged_in_table_and_timeline(win: FakeWindow) -> None:
    p, ui = win.project, win.coding
    e = p.add_event(Event(0, "A", EventKind.AU, 15, 30, au=12))
    t = ui.table
    assert t.model.index(t.model.row_of(e.id), col("check")).data() == "overlaps same AU"
    ui.timeline.canvas.ensure()
    assert ui.timeline.canvas.cache.duplicates == {1, e.id}
    p.remove_event(e.id)
    assert t.model.index(t.model.row_of(1), col("check")).data() == ""


def test_event_editor_validates_and_pushes_one_command(win: FakeWindow, qtbot: QtBot) -> None:
    p = win.project
    dlg = EventEditorDialog(p, win.undo_stack, 1)
    qtbot.addWidget(dlg)
    dlg.has_apex.setChecked(True)
    dlg.apex.setValue(50)  # outside onset..offset
    assert "apex_frame" in dlg.problems.text()
    assert not dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled()
    dlg.apex.setValue(15)
    dlg.code.setText("12E")
    assert dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled()
    dlg.accept()
    assert (p.events[1].apex_frame, p.events[1].intensity) == (15, Intensity.E)
    win.undo_stack.undo()
    assert p.events[1].apex_frame is None


def test_face_manager_merge_and_boxes(win: FakeWindow) -> None:
    p, faces = win.project, win.coding.faces
    faces.select_face("B")
    win.controller.seek(12)
    faces.key_box()
    assert [b.frame for b in p.faces["B"].boxes] == [12]
    faces.merge_face(into="A")
    assert "B" not in p.faces and all(e.face == "A" for e in p.events.values())
    assert [b.frame for b in p.faces["A"].boxes] == [12]
    win.undo_stack.undo()
    assert "B" in p.faces and p.events[2].face == "B"
    assert faces.list.count() == 2


def test_history_view_lists_commands(win: FakeWindow) -> None:
    win.coding.session.apply_code("4")
    assert win.coding.history.stack() is win.undo_stack
    assert win.undo_stack.text(0).startswith("Code 4")


def test_context_menu_actions_are_commands(win: FakeWindow) -> None:
    from annotator.ui.timeline.context_menu import build_event_menu

    p = win.project
    edited: list[int] = []
    menu = build_event_menu(win, p, win.undo_stack, [1], 15, edited.append)
    acts = {a.text(): a for a in menu.actions()}
    acts["Apex at playhead (15)"].trigger()
    assert p.events[1].apex_frame == 15
    inten = next(a for a in menu.actions() if a.text() == "Intensity").menu()
    next(a for a in inten.actions() if a.text() == "D").trigger()
    assert (p.events[1].intensity, p.events[1].code) == (Intensity.D, "12D")
    acts["Edit…"].trigger()
    assert edited == [1]
    acts["Delete (1)"].trigger()
    assert 1 not in p.events
    for _ in range(3):
        win.undo_stack.undo()
    assert p.events[1].apex_frame is None and p.events[1].intensity is None


def test_mouse_created_bar_uses_palette_choices(win: FakeWindow) -> None:
    ui, p = win.coding, win.project
    ui.palette.intensity_changed.emit(Intensity.B)
    lane = ui.timeline.canvas.cache.lane(au_lane_key("A", 12))
    eid = ui.timeline.canvas.create_on_lane(lane, 200, 210)
    assert eid is not None
    e = p.events[eid]
    assert (e.intensity, e.code, e.onset_frame, e.offset_frame) == (Intensity.B, "12B", 200, 210)


def test_follow_box_centres_the_face(qtbot: QtBot) -> None:
    from annotator.ui.docks.install import follow_box
    from annotator.ui.player.frame_view import FrameView

    fv = FrameView()
    qtbot.addWidget(fv)
    fv.resize(800, 600)
    fv.set_video_size(1280, 720)

    class Player:
        frame_view = fv

    follow_box(Player(), (600.0, 200.0, 100.0, 120.0))
    cx, cy = fv.view.to_widget(650.0, 260.0)
    assert abs(cx - 400) < 1 and abs(cy - 300) < 1
    assert fv.view.scale > 2


def test_selection_drops_removed_events(win: FakeWindow) -> None:
    ui = win.coding
    ui.selection.set([1, 2])
    win.project.remove_event(1)
    assert ui.selection.ids == {2}


def test_sorted_rows_follow_edits_and_keep_selection(win: FakeWindow) -> None:
    t, p, ui = win.coding.table, win.project, win.coding
    t.table.sortByColumn(col("onset"), Qt.SortOrder.AscendingOrder)
    ui.selection.set([1])
    p.update_event(1, onset_frame=150, offset_frame=160)
    ids = [int(t.proxy.index(r, col("id")).data()) for r in range(t.proxy.rowCount())]
    assert ids == [2, 3, 1]
    assert t.selected_ids() == [1]
    new = p.add_event(Event(0, "A", EventKind.AU, 90, 95, au=6))
    ids = [int(t.proxy.index(r, col("id")).data()) for r in range(t.proxy.rowCount())]
    assert ids == [2, new.id, 3, 1]
