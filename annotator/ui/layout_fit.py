"""Small screens: docks become tabs when the window would not fit, the timeline keeps four
lanes, and wide bars shrink instead of widening the window.

Measured before (issue 15): the window's minimum size was 1310x881 with every dock open,
so at 1366x768 the status bar was off screen and the timeline showed one lane. Stacked
docks add their minimum heights; tabbed docks only the tallest. So when the screen is
short (or narrow), each dock area becomes one tab group, the timeline's own minimum keeps
a ruler, a face row and four lanes, and the window's minimum stays within 1280x700.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

log = logging.getLogger(__name__)

#: The window must fit this (issue 15: usable at 1280x720 and 1366x768).
SMALL_SCREEN = QSize(1280, 700)
#: Below this screen height every dock area is one tab group.
TABS_BELOW_HEIGHT = 1000
TABS_BELOW_WIDTH = 1600


def tabify_areas(window: QMainWindow, keep: tuple[str, ...] = ("TimelineDock",)) -> int:
    """Make the docks of each area (except ``keep``) one tab group; returns groups made."""
    groups = 0
    for area in (
        Qt.DockWidgetArea.LeftDockWidgetArea,
        Qt.DockWidgetArea.RightDockWidgetArea,
        Qt.DockWidgetArea.BottomDockWidgetArea,
        Qt.DockWidgetArea.TopDockWidgetArea,
    ):
        docks = [
            d
            for d in window.findChildren(QDockWidget)
            if window.dockWidgetArea(d) == area
            and not d.isFloating()
            and d.objectName() not in keep
            and not d.isHidden()
        ]
        if len(docks) < 2:
            continue
        first = docks[0]
        for other in docks[1:]:
            if other not in window.tabifiedDockWidgets(first):
                window.tabifyDockWidget(first, other)
        first.raise_()
        groups += 1
    return groups


def fit_to_screen(window: QMainWindow, screen_size: QSize | None = None) -> bool:
    """Tab the docks when the window does not fit ``screen_size`` (the available screen by
    default) or the screen is small; returns True when it changed the layout."""
    if screen_size is None:
        screen = window.screen()
        if screen is None:
            return False
        screen_size = screen.availableGeometry().size()
    need = window.minimumSizeHint()
    small = screen_size.height() < TABS_BELOW_HEIGHT or screen_size.width() < TABS_BELOW_WIDTH
    if not small and need.width() <= screen_size.width() and need.height() <= screen_size.height():
        return False
    # the bottom row is the timeline's: other bottom docks join the right-hand tabs
    right = Qt.DockWidgetArea.RightDockWidgetArea
    for d in window.findChildren(QDockWidget):
        if (
            window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
            and d.objectName() != "TimelineDock"
            and not d.isFloating()
        ):
            window.addDockWidget(right, d)
    groups = tabify_areas(window)
    layout = window.layout()
    if layout is not None:  # the minimum size follows the tabs only once re-laid out
        layout.invalidate()
        layout.activate()
    # the window grew to the old minimum before the docks were tabbed: back onto the screen
    size = window.size()
    if size.width() > screen_size.width() or size.height() > screen_size.height():
        window.resize(
            min(size.width(), screen_size.width()), min(size.height(), screen_size.height())
        )
    timeline = window.findChild(QDockWidget, "TimelineDock")
    if timeline is not None:  # the timeline gets its share of the height back
        window.resizeDocks(
            [timeline],
            [max(timeline.minimumSizeHint().height(), int(window.height() * 0.42))],
            Qt.Orientation.Vertical,
        )
    log.debug(
        "fit to %sx%s: %d tab groups, minimum now %s",
        screen_size.width(),
        screen_size.height(),
        groups,
        window.minimumSizeHint(),
    )
    return groups > 0


def install_layout_fit(window: QMainWindow) -> None:
    """Called once every dock exists (first run and after a saved layout is restored)."""
    fit_to_screen(window)
