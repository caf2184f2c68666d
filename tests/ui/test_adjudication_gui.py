"""Adjudication in the real main window (offscreen), driven by key presses only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gold_sample import make_gold
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.cli import main
from annotator.model.team import Decision


def focused(w, qtbot):  # type: ignore[no-untyped-def]
    """The window active (shortcuts only fire in the active window) and its focus widget."""
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w.focusWidget() or w


def keys(widget, *seq: tuple[Qt.Key, Qt.KeyboardModifier]) -> None:  # type: ignore[no-untyped-def]
    for key, mod in seq:
        QTest.keyClick(widget, key, mod)


ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def test_adjudicate_by_keys_then_undo_and_save(
    make_window, tmp_path: Path, demo_dir: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    gold_path = make_gold(tmp_path, demo_dir)
    w = make_window(gold_path)
    adj = w.adjudication
    p = w.project
    assert len(p.disputes) == 2  # 6+12 vs 12 at 20-72, and bob's lone AU9 (AU4 agreed)
    label = adj.label
    assert label.text().startswith("disputes: 2 of 2 left")
    assert adj.lanes[0].title() == "1 ann" and adj.lanes[1].title() == "2 bob"
    first = adj.current
    assert first is not None and first.span == (20, 72)
    target = focused(w, qtbot)
    # frames from bob, code from ann, settle: combined
    keys(target, (Qt.Key.Key_F, ALT | SHIFT), (Qt.Key.Key_Return, ALT | SHIFT))
    settled = p.disputes[first.id]
    assert settled.decision is Decision.COMBINED
    made = [p.events[i] for i in settled.event_ids]
    assert sorted(e.au for e in made) == [6, 12]
    assert {(e.onset_frame, e.offset_frame) for e in made} == {(22, 72)}
    assert made[0].provenance.coders == ("bob", "ann")
    assert "1 of 2 left" in label.text()
    # the remaining dispute: bob's AU9 alone; accept bob (coder 2)
    assert adj.current is not None and adj.current.span == (180, 200)
    keys(target, (Qt.Key.Key_2, CTRL | ALT))
    assert not p.open_disputes() and "0 of 2 left" in label.text()
    # undo reopens the last decision, redo settles it again
    keys(target, (Qt.Key.Key_Z, CTRL))
    assert len(p.open_disputes()) == 1 and "1 of 2 left" in label.text()
    keys(target, (Qt.Key.Key_Z, CTRL | SHIFT))
    assert not p.open_disputes()
    keys(target, (Qt.Key.Key_S, CTRL))
    qtbot.waitUntil(lambda: not p.dirty, timeout=5000)
    assert main(["validate", str(gold_path)]) == 0
    doc = json.loads(gold_path.read_text())
    decisions = sorted(e["provenance"]["decision"] for e in doc["events"])
    assert decisions == ["accepted", "agreed", "combined", "combined"]
    assert all(d.get("decided_by") for d in doc["disputes"])
    sheet = tmp_path / "gold.xlsx"
    assert main(["export", str(gold_path), "--to", "casme", "-o", str(sheet)]) == 0


def test_previous_next_and_reject(make_window, tmp_path: Path, demo_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make_window(make_gold(tmp_path, demo_dir))
    adj = w.adjudication
    target = focused(w, qtbot)
    spans = []
    for _ in range(3):
        keys(target, (Qt.Key.Key_D, ALT))
        spans.append(adj.current.span)
    assert spans == [(180, 200), (20, 72), (180, 200)]  # wraps
    keys(target, (Qt.Key.Key_D, ALT | SHIFT))
    assert adj.current.span == (20, 72)
    keys(target, (Qt.Key.Key_X, ALT | SHIFT))
    d = w.project.disputes[1]
    assert d.decision is Decision.REJECTED and d.event_ids == ()


@pytest.mark.parametrize("plain", [True])
def test_ordinary_projects_hide_the_menu(make_window, demo_copy: Path, plain: bool) -> None:  # type: ignore[no-untyped-def]
    w = make_window(demo_copy)
    assert not w.adjudication.menu.menuAction().isVisible() and plain
    assert not w.adjudication.label.isVisible()
