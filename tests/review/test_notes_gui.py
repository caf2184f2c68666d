"""Frame notes in the main window: N, text, drawing with the mouse, undo, and geometry that
stays on the picture at any zoom and window size (shapes are stored in video pixels)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from annotator.model import MarkerKind, Shape
from annotator.review.notes import ShapeType
from annotator.ui.player.frame_view import qimage_to_ndarray


@pytest.fixture
def window(make_window, demo_copy: Path):
    return make_window(demo_copy, size=(1200, 800))


def _drag(qtbot, widget, points: list[tuple[float, float]]) -> None:
    pts = [QPoint(round(x), round(y)) for x, y in points]
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=pts[0])
    for p in pts[1:]:
        qtbot.mouseMove(widget, p)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=pts[-1])


def _pixel(window, video_xy: tuple[float, float]):
    """Colour on screen of a video pixel, read from a grab of the picture with its overlays."""
    fv = window.player_widget.frame_view
    x, y = fv.view.to_widget(*video_xy)
    img = qimage_to_ndarray(fv.grab().toImage())
    ratio = img.shape[1] / fv.width()
    return img[round(y * ratio), round(x * ratio)].astype(int)


def test_n_adds_a_note_with_text_and_undo(qtbot, window) -> None:
    review, ctl = window.review, window.controller
    ctl.seek(30)
    before = len(window.project.markers)
    qtbot.keyClick(window.player_widget, Qt.Key.Key_N)
    note = window.project.markers[max(window.project.markers)]
    assert (note.kind, note.start_frame, note.end_frame) == (MarkerKind.NOTE, 30, 30)
    assert review.dock.text.hasFocus()
    qtbot.keyClicks(review.dock.text, "eyes drop too early")
    qtbot.keyClick(review.dock.text, Qt.Key.Key_Return)
    assert window.project.markers[note.id].text == "eyes drop too early"
    assert review.dock.list.count() == 2  # the demo's note and this one
    window.undo_stack.undo()
    assert window.project.markers[note.id].text == ""
    window.undo_stack.undo()
    assert len(window.project.markers) == before


def test_note_on_loop_range_and_jumping(qtbot, window) -> None:
    review, ctl = window.review, window.controller
    ctl.set_loop_a(40)
    ctl.set_loop_b(60)
    ctl.seek(50)
    nid = review.new_note("held breath")
    m = window.project.markers[nid]
    assert (m.start_frame, m.end_frame) == (40, 60)
    ctl.clear_loop()
    ctl.seek(0)
    review.jump(1)
    assert ctl.current_frame == 40 and review.selected == nid
    review.jump(1)
    assert ctl.current_frame == 90  # the demo's note
    review.jump(-1)
    assert ctl.current_frame == 40
    item = review.dock.list.item(1)
    review.dock.list.itemClicked.emit(item)
    assert ctl.current_frame == 90


def test_drawing_is_stored_in_video_pixels_and_follows_zoom_and_size(qtbot, window) -> None:
    review, ctl = window.review, window.controller
    fv = window.player_widget.frame_view
    canvas = review.canvas
    ctl.seek(92)  # on the demo's note 90-97
    review.dock.tool_buttons[ShapeType.ARROW].setChecked(True)
    assert canvas.tool is ShapeType.ARROW
    tail, head = (100.0, 300.0), (300.0, 200.0)
    _drag(
        qtbot,
        canvas,
        [fv.view.to_widget(*tail), fv.view.to_widget(200, 250), fv.view.to_widget(*head)],
    )
    note = window.project.markers[1]
    (shape,) = note.drawing
    tol = 1.0 / fv.view.scale  # one screen pixel, in video pixels
    assert shape.type == "arrow"
    for got, want in zip(shape.points, (tail, head), strict=True):
        assert got == pytest.approx(want, abs=tol)
    stored = note.drawing

    mid = (200.0, 250.0)
    seen = []
    sizes = []
    floor = window.minimumSizeHint()  # the docks set a minimum window size
    for dw, dh, zoom in ((40, 40, None), (400, 250, None), (200, 120, 2.5)):
        width, height = floor.width() + dw, floor.height() + dh
        window.resize(width, height)
        qtbot.waitUntil(lambda w=width: abs(window.width() - w) <= 4)
        sizes.append(fv.size().toTuple())
        if zoom:
            fv.zoom_at(zoom, fv.rect().center().toPointF())
        x, y = fv.view.to_widget(*mid)
        assert 0 <= x < fv.width() and 0 <= y < fv.height()
        colour = _pixel(window, mid)
        assert colour[0] > 200 and colour[1] > 170 and colour[2] < 90, colour  # yellow
        seen.append((fv.view.scale, (x, y)))
        assert window.project.markers[1].drawing == stored  # never rescaled
    assert len({round(s, 3) for s, _ in seen}) == 3  # three different scales were tried
    assert len(set(sizes)) == 3  # and three picture sizes

    # Drawing elsewhere on the frame picks the same note; undo takes one shape off.
    review.dock.tool_buttons[ShapeType.CIRCLE].setChecked(True)
    fv.fit()
    _drag(qtbot, canvas, [fv.view.to_widget(400, 100), fv.view.to_widget(540, 300)])
    assert [s.type for s in window.project.markers[1].drawing] == ["arrow", "circle"]
    window.undo_stack.undo()
    assert window.project.markers[1].drawing == stored
    review.dock.tool_buttons[ShapeType.CIRCLE].setChecked(False)
    assert canvas.tool is None
    assert canvas.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


def test_drawing_on_a_frame_without_note_creates_one(qtbot, window) -> None:
    review, ctl = window.review, window.controller
    ctl.seek(10)
    review.add_shape(Shape("circle", ((10.0, 10.0), (50.0, 50.0))))
    m = window.project.markers[max(window.project.markers)]
    assert (m.kind, m.start_frame, len(m.drawing)) == (MarkerKind.NOTE, 10, 1)
    assert [o.shapes for o in review.canvas.notes()] == [m.drawing]
    ctl.seek(11)
    assert review.canvas.notes() == ()


def test_start_and_end_here_move_the_selected_note(qtbot, window) -> None:
    review, ctl = window.review, window.controller
    review.go_to(1)  # the demo note 90-97
    ctl.seek(100)
    review.dock.end_button.click()
    assert (window.project.markers[1].start_frame, window.project.markers[1].end_frame) == (90, 100)
    ctl.seek(120)
    review.dock.start_button.click()  # past the end: the end follows
    assert (window.project.markers[1].start_frame, window.project.markers[1].end_frame) == (
        120,
        120,
    )
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert (window.project.markers[1].start_frame, window.project.markers[1].end_frame) == (90, 97)


def test_export_menu_offers_review_and_editor_markers(qtbot, window, tmp_path) -> None:
    texts = [a.text() for a in window.export_menu.actions()]
    assert {
        "Re&view for sharing (folder)…",
        "Markers as ED&L (CMX3600)…",
        "&Markers as CSV with timecodes…",
    } <= set(texts)
    job = window.export_controller.export_to("edl", tmp_path / "m.edl")
    assert job.wait(30)
    qtbot.waitUntil(lambda: (tmp_path / "m.edl").exists())
    assert "* LOC: 00:00:03:15 YELLOW  Ben's smile leaks here" in (tmp_path / "m.edl").read_text()
