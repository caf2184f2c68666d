"""Timeline mouse interaction: create, resize and move events by dragging, snapping to frames."""

from __future__ import annotations

from fractions import Fraction

import pytest
from fakes import FakeController
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack
from pytestqt.qtbot import QtBot

from annotator.model import Event, EventKind, Intensity, Media, Project
from annotator.ui.timeline.lanes import LaneKind, au_lane_key
from annotator.ui.timeline.view import HEADER_PX, RULER_PX
from annotator.ui.timeline.widget import TimelineWidget

PPF = 10.0  # pixels per frame in these tests


@pytest.fixture
def setup(qtbot: QtBot):  # type: ignore[no-untyped-def]
    p = Project()
    p.add_media(Media("m1", "v.mp4", frame_count=1000, fps=Fraction(25)))
    p.add_face(name="Ann")
    p.add_event(Event(0, "A", EventKind.AU, 10, 19, 15, au=12, intensity=Intensity.B))
    stack = QUndoStack()
    ctl = FakeController()
    w = TimelineWidget(p, stack, ctl)
    qtbot.addWidget(w)
    w.resize(HEADER_PX + 2040, 400)
    w.show()
    qtbot.waitExposed(w)
    v = w.canvas.view
    v.px_per_frame = PPF
    v.left_frame = 0
    v.clamp()
    return p, stack, ctl, w


def lane_y(w: TimelineWidget, key) -> int:  # type: ignore[no-untyped-def]
    w.canvas.ensure()
    lane = w.canvas.cache.lane(key)
    assert lane is not None
    return RULER_PX + lane.top_px - w.canvas.view.scroll_y_px + lane.height_px // 2


def fx(frame: float) -> int:
    """Pixel x of the middle... or any fraction of a frame cell."""
    return int(HEADER_PX + frame * PPF)


def drag(qtbot: QtBot, w: TimelineWidget, x0: int, x1: int, y: int) -> None:
    c = w.canvas
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, pos=QPoint(x0, y))
    qtbot.mouseMove(c, QPoint((x0 + x1) // 2, y))
    qtbot.mouseMove(c, QPoint(x1, y))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, pos=QPoint(x1, y))


def test_drag_on_empty_lane_creates_event_snapped(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, stack, _, w = setup
    y = lane_y(w, au_lane_key("A", 12))
    drag(qtbot, w, fx(40.3), fx(52.7), y)
    new = [e for e in p.events.values() if e.onset_frame == 40]
    assert len(new) == 1
    e = new[0]
    assert (e.onset_frame, e.offset_frame, e.au, e.face) == (40, 52, 12, "A")
    assert w.selection.ids == {e.id}
    stack.undo()
    assert e.id not in p.events


def test_drag_emotion_lane_creates_emotion(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, _, _, w = setup
    drag(qtbot, w, fx(100.5), fx(120.5), lane_y(w, ("A", "emotion")))
    (e,) = [e for e in p.events.values() if e.kind is EventKind.EMOTION]
    assert (e.onset_frame, e.offset_frame, e.emotion) == (100, 120, "happiness")


def test_drag_edges_resize(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, stack, _, w = setup
    y = lane_y(w, au_lane_key("A", 12))
    (eid,) = p.events
    drag(qtbot, w, fx(20) - 1, fx(25.2), y)  # right edge of frame 19 -> boundary 25
    assert p.events[eid].offset_frame == 24
    drag(qtbot, w, fx(10) + 1, fx(7.4), y)  # left edge -> boundary 7
    e = p.events[eid]
    assert (e.onset_frame, e.apex_frame, e.offset_frame) == (7, 15, 24)
    drag(qtbot, w, fx(7) + 1, fx(18.1), y)  # past the apex: apex follows the onset
    e = p.events[eid]
    assert (e.onset_frame, e.apex_frame, e.offset_frame) == (18, 18, 24)
    stack.undo()
    stack.undo()
    stack.undo()
    e = p.events[eid]
    assert (e.onset_frame, e.apex_frame, e.offset_frame) == (10, 15, 19)


def test_drag_body_moves_whole_frames(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, stack, _, w = setup
    y = lane_y(w, au_lane_key("A", 12))
    (eid,) = p.events
    drag(qtbot, w, fx(14.5), fx(47.9), y)  # frame 14 -> frame 47: +33
    e = p.events[eid]
    assert (e.onset_frame, e.apex_frame, e.offset_frame) == (43, 48, 52)
    assert stack.count() == 1


def test_move_clamps_to_video(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, _, _, w = setup
    y = lane_y(w, au_lane_key("A", 12))
    (eid,) = p.events
    drag(qtbot, w, fx(14.5), HEADER_PX + 1, y)
    assert p.events[eid].onset_frame >= 0


def test_escape_cancels_drag(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, stack, _, w = setup
    y = lane_y(w, au_lane_key("A", 12))
    c = w.canvas
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, pos=QPoint(fx(14.5), y))
    qtbot.mouseMove(c, QPoint(fx(30.5), y))
    qtbot.keyClick(c, Qt.Key.Key_Escape)
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, pos=QPoint(fx(30.5), y))
    assert stack.count() == 0
    assert next(iter(p.events.values())).onset_frame == 10


def test_click_selects_delete_removes(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, stack, _, w = setup
    y = lane_y(w, au_lane_key("A", 12))
    (eid,) = p.events
    qtbot.mouseClick(w.canvas, Qt.MouseButton.LeftButton, pos=QPoint(fx(14.5), y))
    assert w.selection.ids == {eid}
    qtbot.keyClick(w.canvas, Qt.Key.Key_Delete)
    assert not p.events
    stack.undo()
    assert eid in p.events


def test_ctrl_click_multi_select_and_move_together(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    p, stack, _, w = setup
    e2 = p.add_event(Event(0, "A", EventKind.AU, 30, 35, au=12))
    y = lane_y(w, au_lane_key("A", 12))
    c = w.canvas
    qtbot.mouseClick(c, Qt.MouseButton.LeftButton, pos=QPoint(fx(14.5), y))
    qtbot.mouseClick(
        c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, QPoint(fx(32.5), y)
    )
    assert len(w.selection.ids) == 2
    drag(qtbot, w, fx(32.5), fx(37.5), y)
    assert p.events[e2.id].onset_frame == 35
    assert min(e.onset_frame for e in p.events.values()) == 15
    assert stack.count() == 1  # one macro
    stack.undo()
    assert p.events[e2.id].onset_frame == 30


def test_click_empty_lane_and_ruler_seek(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    _, _, ctl, w = setup
    qtbot.mouseClick(w.canvas, Qt.MouseButton.LeftButton, pos=QPoint(fx(77.5), 10))
    assert ctl.current_frame == 77
    assert w.canvas.playhead == 77
    y = lane_y(w, ("A", "emotion"))
    qtbot.mouseClick(w.canvas, Qt.MouseButton.LeftButton, pos=QPoint(fx(300.2), y))
    assert ctl.current_frame == 300
    assert w.selection.lane == ("A", "emotion")


def test_ruler_scrub_reports_every_frame(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    _, _, ctl, w = setup
    seen: list[int] = []
    ctl.frame_changed.connect(seen.append)
    c = w.canvas
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, pos=QPoint(fx(5.5), 10))
    for f in range(6, 12):
        qtbot.mouseMove(c, QPoint(fx(f + 0.5), 10))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, pos=QPoint(fx(11.5), 10))
    assert seen == list(range(5, 12))


def test_playhead_follows_controller_and_pages(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, ctl, w = setup
    ctl.seek(900)
    assert w.canvas.playhead == 900
    f0, f1 = w.canvas.view.visible_frames()
    assert f0 <= 900 <= f1


def test_ctrl_wheel_zoom_anchored(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    _, _, _, w = setup
    v = w.canvas.view
    x = fx(50)
    before = v.frame_float_at(x)
    ev = QWheelEvent(
        QPointF(x, 100),
        QPointF(x, 100),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(w.canvas, ev)
    assert v.px_per_frame > PPF
    assert abs(v.frame_float_at(x) - before) < 1e-6


def test_timeline_follows_model_and_undo(setup) -> None:  # type: ignore[no-untyped-def]
    p, _, _, w = setup
    p.add_event(Event(0, "A", EventKind.AU, 50, 60, au=4))
    w.canvas.ensure()
    assert w.canvas.cache.lane(au_lane_key("A", 4)) is not None
    kinds = [ln.kind for ln in w.canvas.view.lanes]
    assert kinds.count(LaneKind.AU) == 2


def test_paint_does_not_fail_at_all_zooms(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, _, w = setup
    for frames in (1, 24, 500):
        w.zoom_to_frames(frames)
        assert not w.canvas.grab().isNull()
    w.zoom_to_fit()
    assert not w.canvas.grab().isNull()


def test_tooltip_text_has_all_fields(setup) -> None:  # type: ignore[no-untyped-def]
    p, _, _, w = setup
    (eid,) = p.events
    text = w.canvas.describe(eid)
    for part in ("AU12", "Ann", "10", "15", "19", "10 frames", "0.400 s", "micro", "B"):
        assert part in text


def test_marker_lane_drag_creates_marker_and_click_seeks(setup, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from annotator.ui.timeline.lanes import MARKERS_KEY

    p, stack, ctl, w = setup
    y = lane_y(w, MARKERS_KEY)
    drag(qtbot, w, fx(60.5), fx(64.5), y)
    (m,) = p.markers.values()
    assert (m.start_frame, m.end_frame) == (60, 64)
    qtbot.mouseClick(w.canvas, Qt.MouseButton.LeftButton, pos=QPoint(fx(62.5), y))
    assert ctl.current_frame == 60
    assert w.selection.ids == set()  # a marker id is never taken for an event id
    stack.undo()
    assert not p.markers
