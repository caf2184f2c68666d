"""Slow motion and live coding in the real main window on barcode videos (every frame shows
its index, read back from the widget's pixels)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, Qt

from annotator.media.barcode import read_index, write_barcode_video
from annotator.ui.keymap import KeyMap
from annotator.ui.player.frame_view import qimage_to_ndarray

FPS = 25


@pytest.fixture(scope="module")
def barcode_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("live") / "barcode25.mp4"
    write_barcode_video(path, n_frames=250, fps=Fraction(FPS), gop=25, size=(320, 240))
    return path


def painted(w) -> int | None:  # type: ignore[no-untyped-def]
    """The index shown in the player's rendered pixels (what the coder sees)."""
    view = w.player_widget.frame_view
    shot = qimage_to_ndarray(view.grab().toImage())
    src = w.controller.source
    x, y, rw, rh = (round(v) for v in view.view.image_rect(src.width, src.height))
    return read_index(shot[max(y, 0) : y + rh, max(x, 0) : x + rw])


@pytest.fixture
def window(make_window, barcode_clip, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FACET_NO_VLC", "1")
    w = make_window(size=(1366, 768))
    assert w.new_from_video(barcode_clip)
    w.activateWindow()
    return w


@pytest.mark.slow  # 4 s of playback
def test_eighth_speed_advances_an_eighth_and_pause_is_exact(window, qtbot) -> None:
    ctl = window.controller
    ctl.set_rate(1 / 8)
    assert window.player_widget.transport.rate_label.text() == "1/8x"
    start = ctl.current_frame
    clock = QElapsedTimer()
    clock.start()
    ctl.play()
    qtbot.wait(4000)
    ctl.pause()
    elapsed = clock.elapsed() / 1000
    advanced = ctl.current_frame - start
    # ~12 frames in 4 s at 25 fps / 8; compared with the time that really passed
    assert abs(advanced - elapsed * FPS / 8) <= 2, (advanced, elapsed)
    assert painted(window) == ctl.current_frame


def test_shift_up_down_double_and_half_the_speed(window, qtbot) -> None:
    ctl = window.controller
    for _ in range(6):
        qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert ctl.rate == 1 / 32
    qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert ctl.rate == 1 / 16 and window.player_widget.transport.rate_label.text() == "1/16x"
    checked = [
        a.text()
        for a in window.play_menu.findChildren(type(window.save_action))
        if a.isCheckable() and a.isChecked()
    ]
    assert checked == ["1/16x"]


def test_k_held_with_l_or_j_plays_slow(window, qtbot) -> None:
    ctl = window.controller
    qtbot.keyPress(window, Qt.Key.Key_K)
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert ctl.is_playing and ctl.rate == 0.25
    qtbot.keyClick(window, Qt.Key.Key_J)
    assert ctl.rate == -0.25
    qtbot.keyRelease(window, Qt.Key.Key_K)
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert not ctl.is_playing and ctl.rate == 1.0
    qtbot.keyClick(window, Qt.Key.Key_L)
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert ctl.rate == 2.0
    ctl.pause()


def _watching() -> bool:
    from PySide6.QtWidgets import QApplication

    from annotator.ui.keys import _HeldKeys

    tracker = QApplication.instance().findChild(_HeldKeys, "facet-held-keys")
    return tracker is not None and tracker.watching


def test_k_is_watched_only_while_it_is_down(window, qtbot) -> None:
    """No application event filter while K is up (it would be a Python call for every
    event of every widget); K's own shortcut installs it, K's release removes it."""
    ctl = window.controller
    assert not _watching()
    qtbot.keyPress(window, Qt.Key.Key_K)
    assert _watching() and window.keys.is_held(Qt.Key.Key_K)
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert ctl.is_playing and ctl.rate == 0.25
    qtbot.keyRelease(window, Qt.Key.Key_K)
    assert not _watching() and not window.keys.is_held(Qt.Key.Key_K)
    ctl.pause()


def test_k_held_works_when_k_is_no_shortcut_of_its_own(window, qtbot) -> None:
    """K moved off the shuttle stop (no shortcut says when it goes down): every event is
    watched again, and K+L still plays slow."""
    km = window.keys.keymap.copy()
    km.set_keys("play.shuttle_stop", ["X"])
    window.keys.apply(km)
    assert _watching()
    ctl = window.controller
    qtbot.keyPress(window, Qt.Key.Key_K)
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert ctl.is_playing and ctl.rate == 0.25
    qtbot.keyRelease(window, Qt.Key.Key_K)
    ctl.pause()
    window.keys.apply(KeyMap())
    assert not _watching()


@pytest.mark.parametrize("rate, reaction_ms", [(1.0, 200), (0.25, 200), (1.0, 0)])
def test_onset_key_during_playback_lands_on_screen_minus_reaction(
    window, qtbot, rate, reaction_ms
) -> None:
    ctl = window.controller
    km = KeyMap(reaction_ms=reaction_ms)
    window.keys.apply(km)
    ctl.set_rate(rate)
    ctl.seek(40)
    ctl.play()
    qtbot.waitUntil(lambda: ctl.current_frame >= 40 + 12 * rate, timeout=5000)
    before = painted(window)
    qtbot.keyClick(window, Qt.Key.Key_I)
    after = painted(window)
    ctl.pause()
    pending = window.coding.session.pending
    assert pending is not None and before is not None and after is not None
    back = round(reaction_ms / 1000 * rate * FPS + 0.49) if reaction_ms else 0
    # the frame on screen at the key press, minus the reaction time in media time
    assert before - back - 1 <= pending.onset <= after - back, (before, after, pending.onset)
    # paused, a mark is the exact frame shown
    qtbot.keyClick(window, Qt.Key.Key_O)
    assert window.coding.session.pending.offset == ctl.current_frame == painted(window)
