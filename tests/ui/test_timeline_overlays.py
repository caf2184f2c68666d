"""Overlay lanes on the real timeline widget: the Cuts lane and the Candidates lane (A/R)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from annotator.analysis.spotting import Candidate
from annotator.model import EventKind, Face, Marker, MarkerKind, Media, Project
from annotator.ui.analysis import install_analysis
from annotator.ui.analysis.candidates_panel import Decision
from annotator.ui.context import standalone_context
from annotator.ui.timeline.lanes import MARKERS_KEY
from annotator.ui.timeline.overlays import CUTS_KEY, ItemState, overlay_key
from annotator.ui.timeline.view import Region
from annotator.ui.timeline.widget import TimelineWidget

CANDIDATES = overlay_key("candidates")


class Coding:
    def __init__(self, timeline: TimelineWidget) -> None:
        self.timeline = timeline


class Window(QMainWindow):
    """A plain window with a timeline, as install_coding leaves, and the explicit context
    the analysis docks are built with."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.ctx = standalone_context(project, host=self)
        self.undo_stack = self.ctx.undo_stack
        self.controller = None
        self.coding = Coding(TimelineWidget(project, self.undo_stack))
        self.seeks: list[int] = []
        self.coding.timeline.seek_requested.connect(self.seeks.append)
        self.setCentralWidget(self.coding.timeline)
        self.analysis: Any = None

    @property
    def project(self) -> Project:
        return self.ctx.project


def _project() -> Project:
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=400, fps=Fraction(25)))
    p.add_face(Face("A", "Ann", "#e6194b"))
    p.add_face(Face("B", "Bob", "#3cb44b"))
    return p


@pytest.fixture
def window(qtbot: QtBot) -> Window:
    w = Window(_project())
    qtbot.addWidget(w)
    w.analysis = install_analysis(w.ctx, w.coding.timeline)
    w.resize(1400, 500)
    w.show()
    qtbot.waitExposed(w)
    w.coding.timeline.zoom_to_fit()
    return w


def _centre(w: Window, key: Any, frame: float) -> QPoint:
    canvas = w.coding.timeline.canvas
    canvas.ensure()
    lane = canvas.cache.lane(key)
    assert lane is not None
    v = canvas.view
    return QPoint(int(v.x_of(frame)), int(v.y_of_lane(lane) + lane.height_px // 2))


def _render(w: Window) -> QImage:
    canvas = w.coding.timeline.canvas
    img = QImage(canvas.width(), canvas.height(), QImage.Format.Format_ARGB32)
    p = QPainter(img)
    try:
        canvas.render_into(p)
    finally:
        p.end()
    return img


def test_cuts_lane_draws_each_cut_at_its_x_and_a_click_seeks(window: Window, qtbot: QtBot) -> None:
    p = window.project
    p.add_marker(Marker(0, MarkerKind.DIALOGUE, 20, 60, "m1", text="hello"))
    for f in (100, 250):
        p.add_marker(Marker(0, MarkerKind.CUT, f, f, "m1", text="cut"))
    canvas = window.coding.timeline.canvas
    canvas.ensure()
    v = canvas.view
    assert canvas.cache.lane(CUTS_KEY).label == "Cuts (2)"  # type: ignore[union-attr]
    assert [p.markers[i].kind for i in canvas.cache.indexes[MARKERS_KEY].ids] == [
        MarkerKind.DIALOGUE
    ]
    img = _render(window)
    cyan = QColor("#4de1ff")
    for f in (100, 250):
        pt = _centre(window, CUTS_KEY, f)
        assert img.pixelColor(pt.x(), pt.y() + 4) == cyan  # the line, below its label
        hit = v.hit_test(pt.x(), pt.y(), canvas.cache.indexes)
        assert hit.region is Region.ITEM
        assert canvas.cache.cuts.items()[hit.event_id].start_frame == f  # type: ignore[index]
    mid = _centre(window, CUTS_KEY, 175)
    assert img.pixelColor(mid.x(), mid.y() + 4) != cyan
    qtbot.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=_centre(window, CUTS_KEY, 250) + QPoint(2, 0)
    )
    assert window.seeks[-1] == 250 and canvas.cache.cuts.current() == 1
    assert canvas.selection.lane == CUTS_KEY


def test_candidates_lane_accept_reject_with_keys_undo_and_dock_in_sync(
    window: Window, qtbot: QtBot
) -> None:
    panel = window.analysis.candidates
    lane = window.analysis.lane
    canvas = window.coding.timeline.canvas
    canvas.ensure()
    assert canvas.cache.lane(CANDIDATES) is None  # no candidates, no lane
    panel.set_result(
        [
            Candidate("A", 40, 45, 52, 3.0),
            Candidate("B", 120, 126, 130, 2.0),
            Candidate("A", 200, 204, 209, 1.5),
        ]
    )
    canvas.ensure()
    assert canvas.cache.lane(CANDIDATES).label.startswith("Candidates (3 open)")  # type: ignore[union-attr]
    assert [it.colour for it in lane.items()] == ["#e6194b", "#3cb44b", "#e6194b"]
    n = len(window.project.events)

    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=_centre(window, CANDIDATES, 42))
    assert panel.current_row() == 0 and lane.current() == 0 and window.seeks[-1] == 40
    qtbot.keyClick(canvas, Qt.Key.Key_A)
    (event,) = [e for e in window.project.events.values()]
    assert len(window.project.events) == n + 1
    assert (event.kind, event.face, event.onset_frame, event.apex_frame, event.offset_frame) == (
        EventKind.NOTE,
        "A",
        40,
        45,
        52,
    )
    assert panel.decisions[0] is Decision.ACCEPTED and panel.table.item(0, 5).text() == "accepted"
    assert lane.items()[0].state is ItemState.ACCEPTED
    assert panel.current_row() == 1 and lane.current() == 1  # moved on, both views
    qtbot.keyClick(canvas, Qt.Key.Key_R)
    assert panel.decisions[1] is Decision.REJECTED and lane.items()[1].state is ItemState.REJECTED
    assert len(window.project.events) == n + 1

    window.undo_stack.undo()  # the accept: event gone, candidate open again in both views
    assert len(window.project.events) == n
    assert panel.decisions[0] is Decision.OPEN and lane.items()[0].state is ItemState.PENDING
    window.undo_stack.redo()
    assert panel.decisions[0] is Decision.ACCEPTED and lane.items()[0].state is ItemState.ACCEPTED

    panel.table.setFocus()  # the dock drives the lane as well
    panel.table.selectRow(2)
    assert lane.current() == 2
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    assert lane.items()[2].state is ItemState.ACCEPTED
    canvas.ensure()
    assert canvas.cache.lane(CANDIDATES).label.startswith("Candidates (0 open)")  # type: ignore[union-attr]
    _render(window)  # every state paints

    panel.set_result([])
    canvas.ensure()
    assert canvas.cache.lane(CANDIDATES) is None


def test_plain_keys_off_an_overlay_lane_are_not_taken(window: Window, qtbot: QtBot) -> None:
    panel = window.analysis.candidates
    panel.set_result([Candidate("A", 40, 45, 52, 3.0)])
    canvas = window.coding.timeline.canvas
    canvas.selection.set_lane(("A", "note"))
    qtbot.keyClick(canvas, Qt.Key.Key_A)
    assert panel.decisions == [Decision.OPEN] and not window.project.events
