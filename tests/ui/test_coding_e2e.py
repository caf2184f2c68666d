"""The issue's done-when, keyboard only, in the real main window on the demo project:
code an AU (onset/apex/offset) and an emotion for each of two faces, undo, redo, save,
reopen, and find the same frames."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot


def keys(qtbot: QtBot, target, *seq) -> None:  # type: ignore[no-untyped-def]
    for k in seq:
        if isinstance(k, tuple):
            qtbot.keyClick(QApplication.focusWidget() or target, k[0], k[1])
        else:
            qtbot.keyClick(QApplication.focusWidget() or target, k)


@pytest.fixture
def window(qtbot: QtBot, demo_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    pytest.importorskip("av")
    for f in demo_dir.iterdir():
        shutil.copy(f, tmp_path / f.name)
    from annotator.ui.main_window import MainWindow

    w = MainWindow()
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_path(tmp_path / "demo.facet.json")
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def test_keyboard_only_two_faces_undo_redo_save_reopen(window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    w = window
    ui = w.coding
    ctl = w.controller
    if ctl is None or ctl.frame_count == 0:
        pytest.skip("no player controller")
    canvas = ui.timeline.canvas
    canvas.setFocus()
    before = set(w.project.events)
    expected = []
    R = Qt.Key.Key_Right
    for face_key_presses, start in ((1, 20), (1, 150)):
        keys(qtbot, canvas, *[Qt.Key.Key_F] * face_key_presses)
        ctl.seek(start)
        qtbot.waitUntil(lambda s=start: ctl.current_frame == s)
        keys(qtbot, canvas, Qt.Key.Key_I, R, R, R, Qt.Key.Key_P, R, R, R, R, Qt.Key.Key_O)
        qtbot.waitUntil(lambda s=start: ctl.current_frame == s + 7)
        keys(qtbot, canvas, Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_C, Qt.Key.Key_Return)
        assert QApplication.focusWidget() is canvas  # keys are back on the timeline
        keys(
            qtbot,
            canvas,
            (Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier),
            R,
            R,
            Qt.Key.Key_O,
            Qt.Key.Key_Return,
        )
        face = ui.session.face()
        expected.append((face, "au", 12, start, start + 3, start + 7))
        expected.append((face, "emotion", 0, start + 7, -1, start + 9))

    def coded() -> list[tuple]:
        new = [w.project.events[i] for i in sorted(set(w.project.events) - before)]
        return sorted(row(e) for e in new)

    assert coded() == sorted(expected)
    assert len({t[0] for t in expected}) == 2  # two faces
    for _ in range(4):
        keys(qtbot, canvas, (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
    assert coded() == []
    for _ in range(4):
        keys(
            qtbot,
            canvas,
            (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
        )
    assert coded() == sorted(expected)
    keys(qtbot, canvas, (Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier))
    path = w.project_path
    assert path is not None and not w.project.dirty
    from annotator.io.project_file import load_project

    reopened = load_project(path).project
    again = sorted(row(e) for e in reopened.events.values() if e.id not in before)
    assert again == sorted(expected)


def row(e) -> tuple:  # type: ignore[no-untyped-def]
    return (
        e.face,
        e.kind.value,
        e.au or 0,
        e.onset_frame,
        -1 if e.apex_frame is None else e.apex_frame,
        e.offset_frame,
    )
