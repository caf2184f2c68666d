"""Scene breakdown dock and presentation mode inside the main window (demo project)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.model import MarkerKind


@pytest.fixture
def window(make_window, demo_copy: Path):
    return make_window(demo_copy)


def test_breakdown_follows_cuts_and_jumps(qtbot, window) -> None:
    dock = window.review.breakdown
    assert dock.shot_count() == 1
    window.controller.seek(125)
    dock.cut_requested.emit()
    cut = [m for m in window.project.markers.values() if m.kind is MarkerKind.CUT]
    assert [m.start_frame for m in cut] == [125]
    qtbot.waitUntil(lambda: dock.shot_count() == 2)
    s1, s2 = dock.summaries
    assert (s1.shot.end_frame, s2.shot.start_frame) == (124, 125)
    assert s1.dominant_emotion == "happiness" and s1.micro_expressions == 2  # blink, smile
    assert s2.micro_expressions == 1  # Ada's anger at 180-188
    assert dock.child_texts(1) == ["Ben: sadness 1+15C", "Ada: anger 4C  (micro)"]
    first = dock.child_index(1, 0)
    dock.tree.clicked.emit(first)
    assert window.controller.current_frame == first.data(Qt.ItemDataRole.UserRole)
    assert dock.model.index(1, 1).data() == "00:00:05:00"  # shot 2 starts at frame 125
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: dock.shot_count() == 1)


def test_presentation_mode_shows_frame_notes_and_themes(qtbot, window) -> None:
    window.controller.seek(92)
    act = next(a for a in window.view_menu.actions() if a.text() == "&Presentation Mode")
    act.trigger()
    pw = window.review.windows["presentation"]
    qtbot.waitExposed(pw)
    qtbot.waitActive(pw)
    assert pw.isFullScreen() or QApplication.platformName() == "offscreen"
    assert pw.timecode.text() == "00:00:03:17"
    assert pw.note_label.text() == "Ben's smile leaks here"
    assert pw.view.frame == 92
    assert pw.canvas.notes()[0].text == "Ben's smile leaks here"
    qtbot.keyClick(pw, Qt.Key.Key_Right)
    assert window.controller.current_frame == 93 and pw.timecode.text() == "00:00:03:18"
    window.controller.seek(120)
    assert pw.note_label.text() == ""
    assert pw.theme == "dark"
    pw.activateWindow()  # offscreen hands activation back to the main window
    qtbot.waitActive(pw)
    qtbot.keyClick(pw, Qt.Key.Key_T)
    assert pw.theme == "light" and pw.view.background.name() == "#f5f5f2"
    qtbot.keyClick(pw, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not pw.isVisible())
    assert window.settings.value("review/theme") == "light"
    assert len(window.review.canvases) == 1  # the presentation canvas was let go


def test_takes_window_from_the_menu_owns_the_arrow_keys(qtbot, window) -> None:
    from PySide6.QtGui import QShortcut

    window.controller.seek(50)
    act = next(a for a in window.view_menu.actions() if a.text() == "&Takes Side by Side…")
    act.trigger()
    tw = window.review.windows["takes"]
    qtbot.waitExposed(tw)
    app_keys = [
        sc
        for sc in window.findChildren(QShortcut)
        if sc.context() == Qt.ShortcutContext.ApplicationShortcut
    ]
    assert app_keys and not any(sc.isEnabled() for sc in app_keys)
    assert list(tw.panes) == ["m1"]
    qtbot.keyClick(tw, Qt.Key.Key_Right)
    assert tw.clock.lead_frame == 1 and window.controller.current_frame == 50
    qtbot.keyClick(tw, Qt.Key.Key_BracketLeft)
    assert tw.clock.loop == (1, 1)
    tw.close()
    assert all(sc.isEnabled() for sc in app_keys)
