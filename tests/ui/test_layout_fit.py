"""Small screens: the window's minimum fits 1280x700 and the timeline keeps four lanes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDockWidget

from annotator.ui.layout_fit import SMALL_SCREEN, fit_to_screen
from annotator.ui.timeline.lanes import FACE_ROW_PX, LANE_PX
from annotator.ui.timeline.view import RULER_PX


@pytest.mark.parametrize("screen", [QSize(1280, 720), QSize(1366, 768)])
def test_window_fits_small_screens_with_four_lanes(
    make_window, demo_copy, qtbot, screen: QSize
) -> None:
    from PySide6.QtCore import QSettings

    # The default layout, not one an earlier test's window saved on close (a saved layout of
    # tabs is restored already tabbed, so fitting then has nothing left to do).
    QSettings().remove("window/state")
    QSettings().remove("window/geometry")
    w = make_window(demo_copy)
    # (the window already fitted itself to the offscreen screen once built; measured
    # before this module: 1310x881 with every dock stacked). Fitting again to the small
    # screen leaves a layout that fits it, whoever tabbed the docks:
    fit_to_screen(w, screen)
    need = w.minimumSizeHint()
    assert need.width() <= SMALL_SCREEN.width() and need.height() <= SMALL_SCREEN.height()
    w.resize(screen.width(), screen.height() - 30)
    qtbot.wait(10)
    canvas = w.coding.timeline.canvas
    assert canvas.height() >= RULER_PX + FACE_ROW_PX + 4 * LANE_PX
    assert w.player_widget.transport.isVisible() and w.player_widget.height() > 150
    # only the timeline is left in the bottom row; every other dock is a tab
    bottom = [
        d.objectName()
        for d in w.findChildren(QDockWidget)
        if w.dockWidgetArea(d) == w.dockWidgetArea(w.findChild(QDockWidget, "TimelineDock"))
    ]
    assert bottom == ["TimelineDock"]


def test_first_run_is_maximized_so_a_window_manager_fits_its_frame(qtbot) -> None:
    """Measured under Xvfb + openbox at 1366x768: a first-run geometry of the whole screen put
    the title bar above the screen's top; maximized, openbox fits title bar and window."""
    from PySide6.QtCore import Qt

    from annotator.app import show_main_window
    from annotator.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.settings.remove("window/geometry")
    w.settings.remove("window/state")
    w.first_run = False
    w._restore_layout()
    assert w.first_run
    show_main_window(w)
    qtbot.waitExposed(w)
    assert w.windowState() & Qt.WindowState.WindowMaximized
    w.close()
    # a later run restores the saved geometry instead
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert not w2.first_run
    w2.close()
    # later tests' windows must not inherit a maximized geometry
    w2.settings.remove("window/geometry")
    w2.settings.remove("window/state")
