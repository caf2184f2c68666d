"""Playhead, zoom and A-B loop come back on reopen; a loop never leaks into another video;
the loop is drawn on the ruler, cleared by its key and menu entry; Space stays in it."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from annotator.media.barcode import write_barcode_video


@pytest.fixture
def no_vlc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACET_NO_VLC", "1")


def test_playhead_zoom_loop_and_take_restored_on_reopen(
    make_window, demo_copy, qtbot, no_vlc
) -> None:
    w = make_window(demo_copy, size=(1366, 768))
    ctl, tl = w.controller, w.coding.timeline
    ctl.seek(100)
    ctl.set_loop_a()
    ctl.seek(140)
    ctl.set_loop_b()
    ctl.seek(120)
    tl.zoom_to_frames(40)
    zoom = tl.canvas.view.px_per_frame
    w.close()  # saves the view state

    w2 = make_window(demo_copy, size=(1366, 768))
    assert w2.controller.current_frame == 120
    assert w2.controller.loop == (100, 140)
    assert w2.player_widget.transport.loop_label.text() == "A 100 B 140"
    assert w2.coding.timeline.canvas.loop == (100, 140)
    assert w2.coding.timeline.canvas.view.px_per_frame == pytest.approx(zoom)
    f0, f1 = w2.coding.timeline.canvas.view.visible_frames()
    assert f0 <= 120 <= f1


def test_loop_cleared_by_key_and_menu_and_not_leaking(
    make_window, demo_copy, tmp_path, qtbot, no_vlc
) -> None:
    w = make_window(demo_copy)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)  # keys go to the window
    ctl = w.controller
    ctl.seek(10)
    qtbot.keyClick(w, Qt.Key.Key_BracketLeft)
    ctl.seek(20)
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)
    assert ctl.loop == (10, 20) and w.coding.timeline.canvas.loop == (10, 20)
    qtbot.keyClick(w, Qt.Key.Key_Backslash)
    assert ctl.loop == (None, None) and w.player_widget.transport.loop_label.text() == ""
    ctl.set_loop_a(10)
    ctl.set_loop_b(20)
    (clear,) = [
        a for a in w.play_menu.findChildren(QAction) if a.objectName() == "menu:play.loop_clear"
    ]
    clear.trigger()
    assert ctl.loop == (None, None) and w.coding.timeline.canvas.loop == (None, None)
    # a loop on this video is not shown on the next one
    ctl.set_loop_a(10)
    ctl.set_loop_b(20)
    other = tmp_path / "other.mp4"
    write_barcode_video(other, n_frames=30, fps=Fraction(25), size=(160, 120))
    w.project.saved_revision = w.project.revision
    assert w.new_from_video(other)
    assert ctl.loop == (None, None)
    assert w.player_widget.transport.loop_label.text() == ""
    assert w.coding.timeline.canvas.loop == (None, None)


def test_space_resumes_inside_the_loop(make_window, demo_copy, qtbot, no_vlc) -> None:
    w = make_window(demo_copy)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)  # keys go to the window
    ctl = w.controller
    ctl.set_loop_a(50)
    ctl.set_loop_b(60)
    ctl.seek(55)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert ctl.is_playing and 55 <= ctl.current_frame <= 60  # from where it was, not A
    seen: list[int] = []
    ctl.frame_changed.connect(seen.append)
    qtbot.waitUntil(lambda: 50 in seen, timeout=5000)  # came round to A
    ctl.pause()
    assert all(50 <= f <= 60 for f in seen)
    ctl.seek(200)  # outside the loop: Space starts at A
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert 50 <= ctl.current_frame <= 60
    ctl.pause()


def test_loop_set_on_the_workspace_is_drawn_on_the_ruler(make_window, demo_copy, no_vlc) -> None:
    """The ruler draws the workspace's loop: a band between A and B, none outside."""
    from annotator.ui.timeline.painters import RULER_PX

    w = make_window(demo_copy, size=(1366, 768))
    canvas = w.coding.timeline.canvas
    w.coding.timeline.zoom_to_frames(200)
    f0, f1 = canvas.view.visible_frames()
    a, b = f0 + 40, f0 + 80
    y = RULER_PX - 3  # inside the band

    def pixel(frame: int):  # type: ignore[no-untyped-def]
        img = canvas.grab().toImage()
        x = int(canvas.view.x_of(frame + 0.5) * img.devicePixelRatio())
        return img.pixelColor(x, int(y * img.devicePixelRatio()))

    before_in, before_out = pixel(a + 20), pixel(b + 20)
    w.workspace.set_loop(a, b)  # e.g. restored by the view memory
    inside, outside = pixel(a + 20), pixel(b + 20)
    assert abs(inside.red() - before_in.red()) + abs(inside.green() - before_in.green()) > 10
    assert outside == before_out  # nothing drawn past B
    w.controller.clear_loop()  # what the backslash key and the menu entry call
    assert pixel(a + 20) == before_in
