"""The player inside the lead's main window: opening a video, keys, a bad file's one-line error."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import Qt

from annotator.media.barcode import read_index, write_barcode_video
from annotator.ui import main_window
from annotator.ui.player.frame_view import qimage_to_ndarray


@pytest.fixture
def window(qtbot, tmp_path):
    w = main_window.MainWindow()
    w.setProperty("quiet_errors", True)
    w.ask_save_changes = lambda: (
        __import__("PySide6.QtWidgets").QtWidgets.QMessageBox.StandardButton.Discard
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    if w.controller is not None:
        w.controller.close()


def test_open_video_and_step_with_keys(qtbot, tmp_path, window) -> None:
    clip = tmp_path / "bc.mp4"
    write_barcode_video(clip, 40, fps=Fraction(25), size=(160, 120), gop=20)
    assert window.new_from_video(clip)
    player, ctl = window.player_widget, window.controller
    assert ctl.frame_count == 40
    for key, want in [
        (Qt.Key.Key_End, 39),
        (Qt.Key.Key_Left, 38),
        (Qt.Key.Key_Home, 0),
        (Qt.Key.Key_Right, 1),
    ]:
        qtbot.keyClick(player, key)
        assert ctl.current_frame == want
        assert read_index(qimage_to_ndarray(player.frame_view.image())) == want
    assert player.transport.frame_label.text() == "Frame 1 / 39"


def test_unreadable_video_is_one_line_error(qtbot, tmp_path, window) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    window.new_from_video(bad)
    msg = window.statusBar().currentMessage()
    assert "bad.mp4" in msg and "\n" not in msg
    window.statusBar().clearMessage()
    assert not window.controller.open(bad)
    msg = window.statusBar().currentMessage()
    assert msg.startswith("bad.mp4") and "\n" not in msg
