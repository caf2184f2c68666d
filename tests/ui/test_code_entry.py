"""Code entry commits only valid codes; Alt+9 custom label; per-code keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.model import EventKind
from annotator.ui.keymap import KeyMap, make_code_key
from tests.ui.test_coding_workflow import FakeWindow, win  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("win")


@pytest.mark.parametrize(
    "code, part", [("99", "99"), ("12Z", "Z"), ("6B12C", "6B12C"), ("1+2+", None), ("AU", None)]
)
def test_invalid_code_is_refused_inline_naming_the_part(
    win: FakeWindow,
    code: str,  # noqa: F811
    part: str | None,
) -> None:
    bar = win.coding.coding_bar
    bar.code.setText(code)
    shown = bar.preview.text()
    if part is None:  # a trailing '+' is fine; 'AU' alone has no unit
        if code == "1+2+":
            assert shown.startswith("AU1 AU2")
            return
        assert shown.startswith("✗")
        return
    assert shown.startswith("✗") and part in shown, shown
    bar.code.returnPressed.emit()
    assert not win.project.events
    assert bar.code.text() == code  # kept for fixing, not lost


def test_valid_code_commits_and_au_twice_warns(win: FakeWindow) -> None:  # noqa: F811
    bar = win.coding.coding_bar
    bar.code.setText("6B+12C")
    assert bar.preview.text() == "AU6B AU12C"
    bar.code.returnPressed.emit()
    assert sorted(e.au for e in win.project.events.values()) == [6, 12]
    bar.code.setText("1+1A")
    assert "twice" in bar.preview.text() and not bar.preview.text().startswith("✗")
    bar.code.returnPressed.emit()
    assert sorted(e.au for e in win.project.events.values()) == [1, 6, 12]


def test_alt9_types_a_label_of_your_own(win: FakeWindow, qtbot: QtBot) -> None:  # noqa: F811
    ui, p = win.coding, win.project
    asked: list[list[str]] = []
    ui.ask_label = lambda own: asked.append(own) or "awe"
    win.show()
    qtbot.waitExposed(win)
    win.controller.seek(5)
    qtbot.keyClick(win, Qt.Key.Key_I)
    win.controller.seek(9)
    qtbot.keyClick(win, Qt.Key.Key_9, Qt.KeyboardModifier.AltModifier)
    assert asked == [[]]
    (e,) = p.events.values()
    assert (e.kind, e.emotion, e.onset_frame, e.offset_frame) == (EventKind.EMOTION, "awe", 5, 9)
    assert "awe" in p.vocabulary.emotions
    # Alt+1 is still the first label
    qtbot.keyClick(win, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    win.controller.seek(12)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    assert p.vocabulary.emotions[0] in [e.emotion for e in p.events.values()]


def test_per_code_key_codes_in_one_press(win: FakeWindow, qtbot: QtBot) -> None:  # noqa: F811
    ui, p = win.coding, win.project
    ui.keys.apply(
        KeyMap(
            codes=[
                make_code_key("Shift+1", code="6+12"),
                make_code_key("Shift+2", emotion="relief"),
            ]
        )
    )
    win.show()
    qtbot.waitExposed(win)
    win.controller.seek(20)
    qtbot.keyClick(win, Qt.Key.Key_1, Qt.KeyboardModifier.ShiftModifier)
    assert sorted((e.au, e.onset_frame) for e in p.events.values()) == [(6, 20), (12, 20)]
    qtbot.keyClick(win, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)
    assert "relief" in p.vocabulary.emotions
