"""PlayerWidget offscreen: the painted picture is frame(current) after keys; zoom, pan, overlays."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMainWindow

from annotator.media.barcode import read_index
from annotator.playback.player_controller import PlayerController
from annotator.ui.player import Overlay, PlayerWidget, install_player_shortcuts
from annotator.ui.player.frame_view import qimage_to_ndarray
from annotator.ui.player.transport import format_rate
from annotator.ui.player.view_transform import ViewTransform
from tests.media.player_fakes import FakeSource


@pytest.fixture
def setup(qtbot):
    src = FakeSource(100, Fraction(30000, 1001), size=(320, 240))
    ctl = PlayerController(source_factory=lambda p: src, use_vlc=False)
    win = QMainWindow()
    player = PlayerWidget(ctl, win, embed_vlc=False)
    win.setCentralWidget(player)
    install_player_shortcuts(win, ctl)
    qtbot.addWidget(win)
    win.resize(800, 600)
    win.show()
    qtbot.waitExposed(win)
    ctl.open("fake.mp4")
    player.setFocus()
    yield ctl, player, win
    ctl.shutdown()


def painted_index(player: PlayerWidget) -> int | None:
    """Barcode read from the widget's rendered pixels (what a user sees), letterbox cropped."""
    view = player.frame_view
    shot = qimage_to_ndarray(view.grab().toImage())
    x, y, w, h = (round(v) for v in view.view.image_rect(320, 240))
    return read_index(shot[max(y, 0) : y + h, max(x, 0) : x + w])


def test_keys_move_and_picture_follows(qtbot, setup) -> None:
    ctl, player, _win = setup
    seq = [
        (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
        *[(Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, k) for k in range(1, 8)],
        *[(Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, k) for k in (6, 5, 4)],
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, 34),  # 4 + 30 frames at 29.97
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier, 44),
        (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, 99),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, 98),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier, 68),
    ]
    for key, mod, want in seq:
        qtbot.keyClick(player, key, mod)
        assert ctl.current_frame == want
        assert player.shown_frame == want
        assert read_index(qimage_to_ndarray(player.frame_view.image())) == want
        assert painted_index(player) == want
    assert player.transport.frame_label.text() == "Frame 68 / 99"
    assert player.transport.timecode_label.text() == "00:00:02;08"
    assert player.transport.seconds_label.text() == "2.269 s"


def test_space_play_pause_shows_settled_frame(qtbot, setup) -> None:
    ctl, player, _ = setup
    qtbot.keyClick(player, Qt.Key.Key_Space)
    assert ctl.is_playing and player.transport.play_button.text() == "Pause"
    # Timeouts, not time assertions: on a loaded 2-core box playback and the settling decode
    # take longer, but the paused picture must still become the controller's frame.
    qtbot.waitUntil(lambda: ctl.current_frame >= 4, timeout=15000)
    qtbot.keyClick(player, Qt.Key.Key_Space)
    assert not ctl.is_playing
    f = ctl.current_frame
    qtbot.waitUntil(lambda: painted_index(player) == ctl.current_frame, timeout=10000)
    assert ctl.current_frame == f
    qtbot.keyClick(player, Qt.Key.Key_Right)
    assert painted_index(player) == f + 1


def test_jkl_and_loop_keys(qtbot, setup) -> None:
    ctl, player, _ = setup
    ctl.seek(20)
    qtbot.keyClick(player, Qt.Key.Key_BracketLeft)
    ctl.seek(30)
    qtbot.keyClick(player, Qt.Key.Key_BracketRight)
    assert ctl.loop == (20, 30) and player.transport.loop_label.text() == "A 20 B 30"
    qtbot.keyClick(player, Qt.Key.Key_L)
    qtbot.keyClick(player, Qt.Key.Key_L)
    assert ctl.rate == 2.0 and player.transport.rate_label.text() == "2x"
    qtbot.keyClick(player, Qt.Key.Key_K)
    assert not ctl.is_playing
    qtbot.keyClick(player, Qt.Key.Key_J)
    assert ctl.rate == -1.0 and ctl.is_playing
    qtbot.waitUntil(lambda: ctl.current_frame < 29, timeout=3000)
    qtbot.keyClick(player, Qt.Key.Key_K)
    assert painted_index(player) == ctl.current_frame


def test_slider_seeks(qtbot, setup) -> None:
    ctl, player, _ = setup
    player.transport.slider.setValue(42)
    assert ctl.current_frame == 42 and painted_index(player) == 42


def test_wheel_zoom_keeps_point_under_cursor_and_fit(qtbot, setup) -> None:
    _, player, _ = setup
    view = player.frame_view
    pos = QPointF(300, 200)
    before = view.view.to_video(pos.x(), pos.y())
    view.zoom_at(2.0, pos)
    after = view.view.to_video(pos.x(), pos.y())
    assert np.allclose(before, after)
    assert not view.view.fitted
    view.one_to_one()
    assert view.view.scale == 1.0
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert view.view.fitted
    # Scaled decode when the picture is shown smaller than the video: still exact.
    view.zoom_at(0.25, QPointF(0, 0))
    player._show_exact()
    assert view.image().width() < 320 and painted_index(player) == player.controller.current_frame


def test_drag_pans(qtbot, setup) -> None:
    _, player, _ = setup
    view = player.frame_view
    ox = view.view.offset_x
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(140, 100))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(140, 100))
    assert view.view.offset_x == pytest.approx(ox + 40)


def test_overlays_are_drawn_in_video_pixels(qtbot, setup) -> None:
    _, player, _ = setup
    player.set_overlays([Overlay(100, 120, 50, 60, "#00ff00", "A"), (10, 130, 20, 20, "red", "")])
    assert len(player.frame_view.overlays()) == 2
    shot = qimage_to_ndarray(player.frame_view.grab().toImage())
    x, y = player.frame_view.view.to_widget(100, 150)  # left edge, middle height of box A
    px = shot[round(y), round(x)]
    assert px[1] > 200 and px[0] < 80


def test_view_transform_pure() -> None:
    t = ViewTransform.fit(800, 600, 320, 240)
    assert t.scale == 2.5 and t.offset_x == 0 and t.offset_y == 0
    z = t.zoomed_at(2, 400, 300)
    assert z.to_video(400, 300) == pytest.approx(t.to_video(400, 300))
    assert t.zoomed_at(1e9, 0, 0).scale == 32.0


def test_format_rate() -> None:
    assert [format_rate(r) for r in (1.0, 4.0, 0.125, -2.0, 1 / 32)] == [
        "1x",
        "4x",
        "1/8x",
        "-2x",
        "1/32x",
    ]


def test_ctrl_g_goes_to_timecode_and_reports_bad_text(qtbot, setup, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    ctl, player, _ = setup
    answers = iter([("00:00:02;05", True), ("nonsense", True), ("", False)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    qtbot.keyClick(player, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert ctl.current_frame == 65 and painted_index(player) == 65  # 2 s x 30 + 5 at 29.97 DF
    qtbot.keyClick(player, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert ctl.current_frame == 65 and len(warnings) == 1 and "nonsense" in warnings[0]
    qtbot.keyClick(player, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert ctl.current_frame == 65 and len(warnings) == 1


def test_fit_and_one_to_one_buttons(qtbot, setup) -> None:
    _, player, _ = setup
    player.one_to_one_button.click()
    assert player.frame_view.view.scale == 1.0
    player.fit_button.click()
    assert player.frame_view.view.fitted


def test_zoom_in_after_a_small_decode_decodes_again_at_full_size(qtbot, setup) -> None:
    _, player, _ = setup
    view = player.frame_view
    view.zoom_at(0.25, QPointF(0, 0))
    player._show_exact()
    assert view.image().width() < 320
    view.fit()  # 2.5x: the full-size picture is needed again
    qtbot.waitUntil(lambda: view.image().width() == 320, timeout=2000)
    assert painted_index(player) == player.controller.current_frame
